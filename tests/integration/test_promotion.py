"""Promotion of exactly the version a run trained, only when every check of that run passed."""

import dagster as dg

from pipelines.batches import sync_batch_partitions
from pipelines.factory import build_definitions, retrain_job_name
from tests.conftest import DEMO_SPEC
from twinforge.config.spec import load_spec
from twinforge.io.state import StateLayout
from twinforge.tracking.registry import CHAMPION_ALIAS, get_alias_version, get_model_version


def _retrain(spec, tmp_path, instance):
    """The spec's retrain job on its first batch, in a state folder of its own; (definitions, the run)."""
    (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(tmp_path))
    defs = build_definitions([spec], home=str(tmp_path))
    run = defs.resolve_job_def(retrain_job_name(spec)).execute_in_process(
        instance=instance, partition_key=batch, raise_on_error=False
    )
    return defs, run


def test_a_version_whose_expectation_check_failed_is_never_promoted(tmp_path, monkeypatch):
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-4-" + "0123456789abcdef" * 2)
    spec = load_spec(DEMO_SPEC)
    # no null share above the training data's: the twin's sampled null shares exceed it, failing ge_nulls
    strict = spec.model_copy(update={"expectations": spec.expectations.model_copy(update={"null_tolerance": 0.0})})
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        defs, retrain = _retrain(strict, tmp_path, instance)
        assert not retrain.success
        nulls = [e for e in retrain.get_asset_check_evaluations() if e.check_name == "ge_nulls"]
        assert nulls and not nulls[0].passed
        assert get_alias_version(uri, strict.registered_model_name, CHAMPION_ALIAS) is None
        assert get_model_version(uri, strict.registered_model_name, "1").tags["check.ge_nulls"] == "failed"

        # the reproduced path: materialize the report and champion on their own next. They read nothing
        # "latest": the version was not trained in this run, so nothing is promoted.
        keys = [dg.AssetKey([strict.name, "quality_report"]), dg.AssetKey([strict.name, "champion"])]
        subset_job = dg.define_asset_job("report_and_promote", selection=keys)
        subset = (
            dg.Definitions.merge(defs, dg.Definitions(jobs=[subset_job]))
            .resolve_job_def("report_and_promote")
            .execute_in_process(instance=instance, raise_on_error=False)
        )
        assert not subset.success
        assert get_alias_version(uri, strict.registered_model_name, CHAMPION_ALIAS) is None
        failures = [e for e in subset.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
        assert any("not materialized in this run" in str(e.event_specific_data.error) for e in failures)


def test_a_run_whose_last_report_fails_promotes_nothing(tmp_path, monkeypatch):
    import twinforge.monitoring.data_drift as data_drift

    def out_of_memory(*args, **kwargs):
        raise MemoryError("the synthetic-vs-train drift step ran out of memory")

    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-4-" + "0123456789abcdef" * 2)
    monkeypatch.setattr(data_drift, "compare_drift", out_of_memory)
    spec = load_spec(DEMO_SPEC)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        _, retrain = _retrain(spec, tmp_path, instance)
        assert not retrain.success
        # every check and gate passed, but the run did not finish: its version is not champion
        assert all(e.passed for e in retrain.get_asset_check_evaluations())
        assert get_alias_version(uri, spec.registered_model_name, CHAMPION_ALIAS) is None
        materialized = {
            e.asset_key for e in retrain.all_events if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
        }
        assert dg.AssetKey([spec.name, "quality_report"]) in materialized
        assert dg.AssetKey([spec.name, "champion"]) not in materialized
