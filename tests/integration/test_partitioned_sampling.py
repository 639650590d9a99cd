"""A retrain whose sample is larger than ``sampling.partition_rows``: the parts are separate steps, the synthetic
asset is one Parquet dataset with every row, and the checks, reports and promotion downstream still run."""

import json
import os
import time
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from pipelines.batches import sync_batch_partitions
from pipelines.demo import materialization_metadata
from pipelines.factory import build_definitions, retrain_job_name
from resources import ParquetIOManager
from tests.conftest import REPO
from twinforge.config.spec import load_spec
from twinforge.generators.partitions import SamplePlan
from twinforge.io.datasets import part_name
from twinforge.io.state import StateLayout
from twinforge.tracking.sampling import sample_registered_part

MAINTENANCE_SPEC = REPO / "pipelines" / "datasets" / "maintenance.yaml"
PARTITION_ROWS = 1000  # the maintenance demo's 2,400 training rows: three parts
SLICE_ROWS = 1000  # GE validates three slices
STALE_RUN = "a-run-that-was-killed"
REPORT_ROWS = 1500  # the quality report and the drift page read a sample of 1,500 rows


@pytest.fixture(scope="module")
def partitioned_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("state")
    spec = load_spec(MAINTENANCE_SPEC)
    spec = spec.model_copy(
        update={
            "sampling": spec.sampling.model_copy(update={"partition_rows": PARTITION_ROWS}),
            # the suite reads the dataset in slices and the reports read a sample of it, as for a twin too
            # large for memory
            "expectations": spec.expectations.model_copy(update={"batch_rows": SLICE_ROWS}),
            "quality": spec.quality.model_copy(update={"synthetic_rows": REPORT_ROWS}),
        }
    )
    (home / "dagster").mkdir()
    # what a run killed half way through sampling leaves behind: its parts and step results
    layout = StateLayout.at(home)
    for folder in (layout.staging_dir / STALE_RUN / spec.name / "synthetic", layout.steps_dir / STALE_RUN):
        folder.mkdir(parents=True)
        (folder / "part-00000.parquet").write_bytes(b"half written")
    # untouched for two days: a run this instance does not know is cleared only once idle a day (it may be
    # another instance's, in flight)
    two_days_ago = time.time() - 2 * 24 * 3600
    for root in (layout.staging_dir / STALE_RUN, layout.steps_dir / STALE_RUN):
        for path in [root, *root.rglob("*")]:
            os.utime(path, (two_days_ago, two_days_ago))
    with dg.instance_for_test(temp_dir=str(home / "dagster")) as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        job = build_definitions([spec], home=str(home)).resolve_job_def(retrain_job_name(spec))
        result = job.execute_in_process(instance=instance, partition_key=batch, raise_on_error=False)
        yield {"home": home, "spec": spec, "result": result, "instance": instance}


def _meta(result, spec, stage):
    meta = materialization_metadata(result, [spec.name, stage])
    assert meta is not None, f"{stage} was not materialized"
    return meta


def test_the_sample_is_one_dataset_of_three_parts_with_every_row(partitioned_run):
    result, spec, home = partitioned_run["result"], partitioned_run["spec"], partitioned_run["home"]
    assert result.success
    train_rows = _meta(result, spec, "train")["rows"]
    sampled = _meta(result, spec, "synthetic")
    assert sampled["rows_out"] == sampled["rows"] == train_rows
    assert sampled["parquet_parts"] == 3 and sampled["partition_rows"] == PARTITION_ROWS
    folder = StateLayout.at(home).data_dir / spec.name / "synthetic"
    assert sampled["path"] == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == [part_name(i) for i in range(3)]
    plan = SamplePlan(rows=train_rows, seed=spec.sampling.seed, partition_rows=PARTITION_ROWS)
    assert [pl.read_parquet(folder / part_name(p.index)).height for p in plan.parts] == [p.rows for p in plan.parts]
    assert pl.scan_parquet(folder).select(pl.len()).collect().item() == train_rows
    # the staging folder was moved into place, nothing left behind
    assert not any((StateLayout.at(home).staging_dir / result.run_id).rglob("*.parquet"))
    assert not (StateLayout.at(home).staging_dir / result.run_id / spec.name / "synthetic").exists()
    # the plan step cleared the scratch an unknown run had left a day ago
    assert not (StateLayout.at(home).staging_dir / STALE_RUN).exists()
    assert not (StateLayout.at(home).steps_dir / STALE_RUN).exists()


def test_each_part_ran_as_its_own_step(partitioned_run):
    result, spec = partitioned_run["result"], partitioned_run["spec"]
    succeeded = {e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_SUCCESS}
    part_steps = {key for key in succeeded if "__sample_part[" in key}
    assert part_steps == {f"{spec.name}__synthetic.{spec.name}__synthetic__sample_part[part_{i:05d}]" for i in range(3)}


def test_the_dataset_is_the_plans_parts_however_they_are_produced(partitioned_run, tmp_path):
    result, spec, home = partitioned_run["result"], partitioned_run["spec"], partitioned_run["home"]
    sampled = _meta(result, spec, "synthetic")
    plan = SamplePlan(rows=sampled["rows_out"], seed=sampled["sampling_seed"], partition_rows=PARTITION_ROWS)
    uri = StateLayout.at(home).mlflow_tracking_uri
    for index in reversed(range(plan.part_count)):  # another order, one process
        sample_registered_part(uri, spec.registered_model_name, str(sampled["model_version"]), plan, index, tmp_path)
    stored = pl.scan_parquet(StateLayout.at(home).data_dir / spec.name / "synthetic").collect()
    assert stored.equals(pl.scan_parquet(tmp_path).collect())


def test_downstream_checks_reports_and_promotion_pass(partitioned_run):
    result, spec = partitioned_run["result"], partitioned_run["spec"]
    evaluations = result.get_asset_check_evaluations()
    assert {"ge_schema", "ge_nulls", "ge_ranges", "ge_categories"} <= {e.check_name for e in evaluations}
    assert not {e.check_name for e in evaluations if not e.passed}
    train_rows = _meta(result, spec, "train")["rows"]
    for stage in ("quality_report", "synthetic_vs_train_drift", "champion"):
        _meta(result, spec, stage)
    ge = next(e for e in evaluations if e.check_name == "ge_schema")
    assert ge.metadata["evaluated_expectations"].value > 0
    assert (ge.metadata["rows_validated"].value, ge.metadata["slices"].value) == (train_rows, 3)
    # downstream assets read the dataset back through the IO manager lazily, as one table
    context = dg.build_input_context(asset_key=dg.AssetKey([spec.name, "synthetic"]))
    stored = ParquetIOManager(home=str(partitioned_run["home"])).load_input(context)
    assert isinstance(stored, pl.LazyFrame) and stored.select(pl.len()).collect().item() == train_rows
    for stage in ("quality_report", "synthetic_vs_train_drift"):
        meta = _meta(result, spec, stage)
        assert (meta["synthetic_rows"], meta["synthetic_rows_evaluated"]) == (train_rows, REPORT_ROWS), stage
    report = json.loads(Path(_meta(result, spec, "quality_report")["json"]).read_text())
    assert report["n_rows"]["synthetic"] == REPORT_ROWS
    assert (
        "a seeded random sample of 1,500 of them compared"
        in Path(_meta(result, spec, "synthetic_vs_train_drift")["html"]).read_text()
    )
