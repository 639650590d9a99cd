"""The maintenance demo end to end: process columns drawn in the pipeline for every generator."""

import json
import math

import dagster as dg
import polars as pl
import pytest

from pipelines.batches import sync_batch_partitions
from pipelines.demo import materialization_metadata
from pipelines.factory import build_definitions, retrain_job_name
from resources import ParquetIOManager
from tests.conftest import REPO
from twinforge.config.spec import load_spec
from twinforge.generators import load_generator
from twinforge.io.state import StateLayout
from twinforge.process.distributions import moments
from twinforge.tracking.registry import PROCESS_ARTIFACT, load_version_dict, tracking

MAINTENANCE_SPEC = REPO / "pipelines" / "datasets" / "maintenance.yaml"
PROCESS = ("hours_between_failures", "defects_found")
GE_CHECKS = {"ge_schema", "ge_nulls", "ge_ranges", "ge_categories"}
# the candidate's stages up to its expectation checks: what every generator must get through
SAMPLED = ["raw", "quarantine", "anonymized", "train", "holdout", "generator", "synthetic"]


def _stored_synthetic(spec, home) -> pl.DataFrame:
    """The synthetic table as downstream assets load it (a Parquet dataset, read lazily through the IO manager)."""
    context = dg.build_input_context(asset_key=dg.AssetKey([spec.name, "synthetic"]))
    return ParquetIOManager(home=str(home)).load_input(context).collect()


def _materialize(spec, home, instance, selection):
    defs = build_definitions([spec], home=str(home))
    (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
    job = defs.resolve_job_def(retrain_job_name(spec))
    if selection is not None:
        keys = {dg.AssetKey([spec.name, s]) for s in selection}
        job = job.get_subset(asset_selection=keys, asset_check_selection=None)
    return job.execute_in_process(instance=instance, partition_key=batch, raise_on_error=False)


@pytest.fixture(scope="module")
def maintenance_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("state")
    mp = pytest.MonkeyPatch()
    mp.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-9-" + "0123456789abcdef" * 2)
    spec = load_spec(MAINTENANCE_SPEC)
    (home / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(home / "dagster")) as instance:
        yield {"home": home, "spec": spec, "result": _materialize(spec, home, instance, None)}
    mp.undo()


def _meta(result, spec, stage):
    meta = materialization_metadata(result, [spec.name, stage])
    assert meta is not None, f"{stage} was not materialized"
    return meta


def test_the_demo_retrains_and_passes_every_check(maintenance_run):
    result, spec = maintenance_run["result"], maintenance_run["spec"]
    assert result.success
    failed = {e.check_name: e.metadata for e in result.get_asset_check_evaluations() if not e.passed}
    assert not failed  # the range expectation holds process columns to their support, not the sample's max
    assert _meta(result, spec, "champion")


def test_synthetic_rows_follow_the_declared_and_fitted_distributions(maintenance_run):
    result, spec = maintenance_run["result"], maintenance_run["spec"]
    synthetic = _stored_synthetic(spec, maintenance_run["home"])
    train = result.asset_value([spec.name, "train"])
    assert synthetic.columns == train.columns  # drawn columns sit where the training table has them
    assert synthetic.schema["defects_found"] == train.schema["defects_found"] == pl.Int64
    declared = spec.process_columns["hours_between_failures"]
    for engine_type, part in synthetic.group_by("engine_type"):
        mean, sd = moments("weibull", declared.declared_params(engine_type[0]))
        z = (part["hours_between_failures"].mean() - mean) / (sd / math.sqrt(part.height))
        assert abs(z) < 4, (engine_type, z)
    for shop, part in synthetic.group_by("shop"):  # fitted: the training shop's mean rate
        rate = train.filter(pl.col("shop") == shop[0])["defects_found"].mean()
        z = (part["defects_found"].mean() - rate) / math.sqrt(rate / part.height)
        assert abs(z) < 4, (shop, z)


def test_the_model_learns_the_rest_and_saves_the_parameters_as_json(maintenance_run):
    result, spec = maintenance_run["result"], maintenance_run["spec"]
    generator = _meta(result, spec, "generator")
    model = load_generator(maintenance_run["home"] / "models" / spec.name / result.run_id)
    assert not set(PROCESS) & set(model.encoder.output_columns)  # not learned
    assert set(model.process.columns) == set(PROCESS)
    uri = f"sqlite:///{maintenance_run['home'] / 'mlflow.db'}"
    logged = load_version_dict(uri, spec.registered_model_name, str(generator["model_version"]), PROCESS_ARTIFACT)
    assert logged == json.loads(json.dumps(model.process.to_dict()))
    assert logged["columns"][1]["fitted"] is True and set(logged["columns"][1]["groups"]) == {"A", "B", "C", "D"}


def test_the_quality_report_compares_the_moments_and_logs_them_to_mlflow(maintenance_run):
    result, spec = maintenance_run["result"], maintenance_run["spec"]
    report = result.asset_value([spec.name, "quality_report"])
    process = report["process_columns"]
    assert set(process) == set(PROCESS)
    hours = process["hours_between_failures"]
    assert hours["fitted"] is False and {g["group"] for g in hours["groups"]} == {"turbofan", "turboprop", "turboshaft"}
    assert all(abs(g["mean_z"]) < 4 for g in hours["groups"])
    quality = _meta(result, spec, "quality_report")
    html = (maintenance_run["home"] / "reports" / spec.name / result.run_id / "quality.html").read_text()
    assert '<section id="process">' in html and "engine_type = turboprop" in html
    with tracking(f"sqlite:///{maintenance_run['home'] / 'mlflow.db'}") as mlflow:
        metrics = mlflow.MlflowClient().get_run(quality["mlflow_run_id"]).data.metrics
    for name in PROCESS:
        key = f"process.{name}.mean_relative_error"
        assert metrics[key] == pytest.approx(process[name]["overall"]["mean_relative_error"])


@pytest.mark.parametrize("model", ["gan", "vae", "transformer"])
def test_every_generator_draws_the_process_columns_in_the_pipeline(model, tmp_path, monkeypatch):
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-9-" + "0123456789abcdef" * 2)
    spec = load_spec(MAINTENANCE_SPEC)
    generator = spec.generator.model_copy(update={"model": model, "params": {"epochs": 1}})
    spec = spec.model_copy(update={"generator": generator})
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        result = _materialize(spec, tmp_path, instance, SAMPLED)
        assert result.success
        evaluations = result.get_asset_check_evaluations()
        assert {e.check_name for e in evaluations} == GE_CHECKS and all(e.passed for e in evaluations)
        synthetic = _stored_synthetic(spec, tmp_path)
    assert synthetic.select(PROCESS).null_count().row(0) == (0, 0)
    assert synthetic["defects_found"].min() >= 0 and synthetic["hours_between_failures"].min() > 0


def test_the_champion_draws_them_through_the_mlflow_pyfunc(maintenance_run):
    import pandas as pd

    spec = maintenance_run["spec"]
    with tracking(f"sqlite:///{maintenance_run['home'] / 'mlflow.db'}") as mlflow:
        model = mlflow.pyfunc.load_model(f"models:/{spec.registered_model_name}@champion")
        turboprops = model.predict(
            pd.DataFrame({"rows": [20_000], "seed": [1], "conditions": ['{"engine_type": "turboprop"}']})
        )
    assert (turboprops["engine_type"] == "turboprop").all()
    mean, sd = moments("weibull", spec.process_columns["hours_between_failures"].declared_params("turboprop"))
    z = (turboprops["hours_between_failures"].mean() - mean) / (sd / math.sqrt(len(turboprops)))
    assert abs(z) < 4 and turboprops["defects_found"].notna().all()
