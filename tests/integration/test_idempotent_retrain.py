"""Retraining on unchanged data, spec and code registers nothing new: it reuses the version."""

import dagster as dg
import pytest

from pipelines.batches import sync_batch_partitions
from pipelines.demo import materialization_metadata, summarize
from pipelines.factory import build_definitions, retrain_job_name
from tests.conftest import DEMO_SPEC
from twinforge.config.spec import load_spec
from twinforge.io.state import StateLayout
from twinforge.tracking.registry import TRAINING_FINGERPRINT_TAG, get_model_version, tracking


def test_a_second_unchanged_retrain_reuses_the_version_and_a_changed_spec_does_not(tmp_path, monkeypatch):
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-3-" + "0123456789abcdef" * 2)
    spec = load_spec(DEMO_SPEC)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(tmp_path))

        def retrain(run_spec):
            job = build_definitions([run_spec], home=str(tmp_path)).resolve_job_def(retrain_job_name(run_spec))
            result = job.execute_in_process(instance=instance, partition_key=batch, raise_on_error=False)
            return result, materialization_metadata(result, [spec.name, "generator"])

        first, meta = retrain(spec)
        assert first.success and meta["model_version"] == "1" and "reused_version" not in meta
        again, meta = retrain(spec)
        assert again.success
        assert meta["model_version"] == "1" and meta["reused_version"] == "1"
        with tracking(uri) as mlflow:
            versions = mlflow.MlflowClient().search_model_versions(f"name = '{spec.registered_model_name}'")
        assert [str(v.version) for v in versions] == ["1"]
        # `make run`'s summary says the version was reused, not trained anew
        (model,) = [
            line
            for line in summarize(
                instance, instance.get_run_by_id(again.run_id), spec.name, uri, spec.registered_model_name
            )
            if line.startswith("  model:")
        ]
        assert "version 1 (reused: training data, spec and code unchanged since it was trained)" in model
        (model,) = [
            line
            for line in summarize(
                instance, instance.get_run_by_id(first.run_id), spec.name, uri, spec.registered_model_name
            )
            if line.startswith("  model:")
        ]
        assert "reused" not in model and "version 1 (trained in this run)" in model
        fingerprint = get_model_version(uri, spec.registered_model_name, "1").tags[TRAINING_FINGERPRINT_TAG]
        assert fingerprint == meta["training_fingerprint"]

        # a version whose registering run did not succeed (killed after registering, not yet marked
        # failed by the sensors) is never reused: the next retrain trains and registers anew
        instance.report_run_failed(instance.get_run_by_id(first.run_id))
        fourth, meta = retrain(spec)
        assert meta["model_version"] == "2" and "reused_version" not in meta

        # a changed generator section is a different training: a new version
        changed = spec.model_copy(update={"generator": spec.generator.model_copy(update={"seed": 99})})
        third, meta = retrain(changed)
        # registered whether or not its gates pass (a 4-epoch transformer of another seed may miss one)
        assert meta["model_version"] == "3" and "reused_version" not in meta


@pytest.mark.parametrize("part", ["data", "spec", "code"])
def test_the_fingerprint_changes_with_each_of_its_parts(part):
    from twinforge.tracking.lineage import training_fingerprint

    base = {"data": "abc", "spec": {"generator": {"model": "copula"}}, "code": "0.1.0+1234"}
    changed = dict(base)
    changed[part] = {"data": "abd", "spec": {"generator": {"model": "vae"}}, "code": "0.1.0+5678"}[part]
    assert training_fingerprint(base["data"], base["spec"], base["code"]) != training_fingerprint(
        changed["data"], changed["spec"], changed["code"]
    )
    assert training_fingerprint(base["data"], base["spec"], base["code"]) == training_fingerprint(
        base["data"], dict(base["spec"]), base["code"]
    )
