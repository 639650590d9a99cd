"""Production loop in-process: batches arrive, drift triggers exactly one retrain, gates guard the alias."""

import dagster as dg
import polars as pl
import pytest

from pipelines.batches import approve_batch_job_name, sync_batch_partitions
from pipelines.demo import materialization_metadata
from pipelines.factory import build_definitions, ingest_job_name, retrain_job_name
from resources.mlflow import MlflowResource
from resources.settings import TwinforgeSettings
from tests.conftest import DEMO_SPEC
from tests.integration.test_asset_chain import OutOfRangeCopula
from twinforge.cli import main as cli
from twinforge.config.spec import load_spec
from twinforge.io.batches import HELD, BatchStore
from twinforge.io.state import StateLayout
from twinforge.tracking.registry import CHAMPION_ALIAS, get_alias_version, tracking


def shifted(batch: pl.DataFrame) -> pl.DataFrame:
    """Later, and older patients."""
    return batch.with_columns(age=pl.col("age") + 20, pan_day=pl.col("pan_day") + 60)


def label_flipped(batch: pl.DataFrame) -> pl.DataFrame:
    """Every result flipped: a data bug, not the world changing."""
    return batch.with_columns(
        result=pl.when(pl.col("result") == "negative").then(pl.lit("positive")).otherwise(pl.lit("negative"))
    )


class Production:
    """A temporary state folder + Dagster instance, driven the way the daemon would drive it."""

    def __init__(self, home, instance, spec):
        self.home, self.instance, self.spec = home, instance, spec
        self.defs = build_definitions([spec], home=str(home))
        self.uri = f"sqlite:///{home / 'mlflow.db'}"
        self.cursors: dict[str, str | None] = {}
        self.run_keys: set[str] = set()

    def tick(self, sensor_name: str, defs=None):
        defs = defs or self.defs
        sensor = defs.resolve_sensor_def(sensor_name)
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursors.get(sensor_name),
            definitions=defs,
            resources={
                "settings": TwinforgeSettings(home=str(self.home)),
                "mlflow": MlflowResource(home=str(self.home)),
            },
        )
        result = sensor(context)  # SkipReason or SensorResult, as the daemon would get them
        if isinstance(result, dg.SkipReason):
            return []
        if result.cursor is not None:
            self.cursors[sensor_name] = result.cursor
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        # the daemon creates a run for each request at once and skips a run key it has seen
        requests = [r for r in result.run_requests or [] if r.run_key not in self.run_keys]
        self.run_keys |= {r.run_key for r in requests}
        return requests

    def run(self, job_name: str, request: dg.RunRequest, defs=None):
        job = (defs or self.defs).resolve_job_def(job_name)
        return job.execute_in_process(
            instance=self.instance, partition_key=request.partition_key, tags=request.tags, raise_on_error=False
        )

    def add_batch(self, table: pl.DataFrame, name: str) -> None:
        path = self.home / name
        table.write_csv(path)
        assert (
            cli(["ingest-batch", self.spec.name, str(path), "--home", str(self.home), "--specs", str(DEMO_SPEC.parent)])
            == 0
        )

    def ingest_new_batches(self) -> list:
        requests = self.tick(f"{self.spec.name}_new_batches")
        return [self.run(ingest_job_name(self.spec), r) for r in requests]

    def champion(self) -> str | None:
        return get_alias_version(self.uri, self.spec.registered_model_name, CHAMPION_ALIAS)


@pytest.fixture(scope="module")
def production(tmp_path_factory, demo_table):
    home = tmp_path_factory.mktemp("production")
    mp = pytest.MonkeyPatch()
    mp.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-1-" + "0123456789abcdef" * 2)
    spec = load_spec(DEMO_SPEC)
    (home / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(home / "dagster")) as instance:
        prod = Production(home, instance, spec)
        (initial,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        first = prod.defs.resolve_job_def(retrain_job_name(spec)).execute_in_process(
            instance=instance, partition_key=initial
        )
        assert first.success and prod.champion() == "1"
        yield prod
    mp.undo()


def test_initial_batch_is_not_drift(production):
    # the initial batch's drift report: it is the champion's own training data
    (result,) = production.ingest_new_batches() or [None]
    assert result is None  # nothing new: the initial batch is already a partition
    assert production.tick("covid_testing_drift_retrain") == []


def test_unshifted_batch_requests_nothing(production, demo_table):
    # a sample of the same population the champion learned from
    production.add_batch(demo_table.sample(3000, seed=11), "unshifted.csv")
    (ingest,) = production.ingest_new_batches()
    assert ingest.success
    drift = materialization_metadata(ingest, ["covid_testing", "batch_drift"])
    assert drift["retrain_recommended"] is False and drift["champion_version"] == "1"
    assert production.tick("covid_testing_drift_retrain") == []


def test_shifted_batch_triggers_exactly_one_retrain_with_the_batch_in_the_window(production, demo_table):
    production.add_batch(shifted(demo_table.sample(3000, seed=10)), "shifted.csv")
    (ingest,) = production.ingest_new_batches()
    assert ingest.success
    batch = ingest.dagster_run.tags["dagster/partition"]
    drift = materialization_metadata(ingest, ["covid_testing", "batch_drift"])
    assert drift["retrain_recommended"] is True
    assert {"age", "pan_day"} <= set(drift["drifted_columns"]) and drift["verdict"] == "retrain"
    assert drift["champion_version"] == "1"

    (request,) = production.tick("covid_testing_drift_retrain")
    assert request.partition_key == batch and request.tags["twinforge/trigger"] == "drift"
    assert production.tick("covid_testing_drift_retrain") == []  # one drift event, one run
    retrain = production.run(retrain_job_name(production.spec), request)
    assert retrain.success
    window = materialization_metadata(retrain, ["covid_testing", "train"])["training_batches"]
    assert window[0] == "initial" and window[-1] == batch and len(window) == 3  # the unshifted batch too
    assert materialization_metadata(retrain, ["covid_testing", "generator"])["model_version"] == "2"
    assert production.champion() == "2"
    run_id = materialization_metadata(retrain, ["covid_testing", "generator"])["mlflow_run_id"]
    with tracking(production.uri) as mlflow:
        run = mlflow.MlflowClient().get_run(run_id)
    assert run.data.tags["dagster_run_id"] == retrain.run_id


def test_one_column_shifted_alone_triggers_exactly_one_retrain(production, demo_table):
    production.add_batch(demo_table.sample(3000, seed=13).with_columns(age=pl.col("age") + 30), "older.csv")
    (ingest,) = production.ingest_new_batches()
    drift = materialization_metadata(ingest, ["covid_testing", "batch_drift"])
    assert drift["verdict"] == "retrain" and not drift["dataset_drift"]  # the share alone would not
    assert drift["largest_effect_column"] == "age" and "column age moved" in drift["reasons"]
    (request,) = production.tick("covid_testing_drift_retrain")
    assert production.tick("covid_testing_drift_retrain") == []
    assert production.run(retrain_job_name(production.spec), request).success
    assert production.champion() == "3"


def test_a_label_flipped_batch_is_held_until_approved_then_retrained_once(production, demo_table):
    production.add_batch(label_flipped(demo_table.sample(3000, seed=14)), "flipped.csv")
    (ingest,) = production.ingest_new_batches()
    assert ingest.success  # ingested, but held
    batch = ingest.dagster_run.tags["dagster/partition"]
    drift = materialization_metadata(ingest, ["covid_testing", "batch_drift"])
    assert drift["verdict"] == "held" and drift["retrain_recommended"] is False
    assert "below chance level" in drift["hold_reasons"]
    (check,) = [c for c in ingest.get_asset_check_evaluations() if c.check_name == "batch_not_held"]
    assert not check.passed and "below chance level" in check.description
    store = BatchStore(production.spec, StateLayout.at(production.home))
    assert store.get(batch).status == HELD and batch not in store.active_ids()
    # no retrain, no new champion, however often the sensor looks
    assert production.tick("covid_testing_drift_retrain") == []
    assert production.tick("covid_testing_drift_retrain") == [] and production.champion() == "3"
    # approved from the UI's job (the CLI's --approve does the same): one retrain, with the batch in the window
    approve = production.defs.resolve_job_def(approve_batch_job_name(production.spec))
    config = {"ops": {"covid_testing_approve_batch_op": {"config": {"batch": batch, "reason": "lab confirmed"}}}}
    assert approve.execute_in_process(instance=production.instance, run_config=config).success
    (request,) = production.tick("covid_testing_drift_retrain")
    assert request.partition_key == batch and request.tags["twinforge/trigger"] == "approval"
    assert production.tick("covid_testing_drift_retrain") == []  # one approval, one retrain
    retrain = production.run(retrain_job_name(production.spec), request)
    assert retrain.success
    assert materialization_metadata(retrain, ["covid_testing", "train"])["training_batches"][-1] == batch
    assert production.champion() == "4"


def test_drift_retrain_failing_a_gate_keeps_the_champion(production, demo_table):
    production.add_batch(shifted(shifted(demo_table.sample(3000, seed=12))), "shifted-again.csv")
    (ingest,) = production.ingest_new_batches()
    assert materialization_metadata(ingest, ["covid_testing", "batch_drift"])["retrain_recommended"] is True
    (request,) = production.tick("covid_testing_drift_retrain")
    # the demo's generator params (the transformer's epochs) mean nothing to the test generator
    bad_generator = production.spec.generator.model_copy(update={"model": OutOfRangeCopula.name, "params": {}})
    bad_spec = production.spec.model_copy(update={"generator": bad_generator})
    bad_defs = build_definitions([bad_spec], home=str(production.home))
    result = production.run(retrain_job_name(bad_spec), request, defs=bad_defs)
    assert not result.success
    assert materialization_metadata(result, ["covid_testing", "generator"])["model_version"] == "5"
    assert production.champion() == "4"
    failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    assert "ge_ranges" in failed
