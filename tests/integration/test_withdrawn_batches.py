"""A batch withdrawn after the champion was trained on it (a wrong feed, consent taken back): the champion is
flagged, no daily twin is sampled from it, one retrain without the batch is requested, a version trained on a
withdrawn batch is never promoted, and once a retrain replaces the champion regeneration resumes."""

import dagster as dg
import polars as pl
import pytest

from pipelines.batches import sync_batch_partitions
from pipelines.demo import materialization_metadata
from pipelines.factory import build_definitions, regenerate_job_name, retrain_job_name
from tests.conftest import DEMO_SPEC
from tests.integration.test_drift_retraining import Production, shifted
from twinforge.cli import main as cli
from twinforge.config.spec import load_spec
from twinforge.generators import GaussianCopulaGenerator, register_generator
from twinforge.io.batches import BatchStore
from twinforge.io.publish import LATEST
from twinforge.io.state import StateLayout
from twinforge.status import dataset_status, format_status
from twinforge.tracking.registry import PROMOTION_TAG, TRAINING_BATCHES_TAG, get_model_version

SENSOR = "covid_testing_withdrawn_retrain"


class WithdrawalProduction(Production):
    def regenerate(self, day: str):
        job = self.defs.resolve_job_def(regenerate_job_name(self.spec))
        return job.execute_in_process(instance=self.instance, partition_key=day, raise_on_error=False)


@pytest.fixture(scope="module")
def production(tmp_path_factory, demo_table):
    """Champion version 2 trained on `initial` and a second batch."""
    home = tmp_path_factory.mktemp("withdrawal")
    mp = pytest.MonkeyPatch()
    mp.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-7-" + "0123456789abcdef" * 2)
    demo = load_spec(DEMO_SPEC)
    # the fast baseline: what is tested is which batches train and what is promoted, not the fit
    # (whose fidelity gates the copula misses on this table: they are off here, the privacy gates stay)
    fidelity_off = dict.fromkeys(
        ["min_dependence_score", "max_discriminator_auc", "min_utility_lift_retained", "min_worst_column_score"]
    )
    spec = demo.model_copy(update={
        "generator": demo.generator.model_copy(update={"model": "copula", "params": {}}),
        "quality": demo.quality.model_copy(update={"gates": demo.quality.gates.model_copy(update=fidelity_off)}),
    })  # fmt: skip
    (home / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(home / "dagster")) as instance:
        prod = WithdrawalProduction(home, instance, spec)
        prod.defs = build_definitions([spec], home=str(home))
        (initial,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        retrain = prod.defs.resolve_job_def(retrain_job_name(spec))
        assert retrain.execute_in_process(instance=instance, partition_key=initial).success
        prod.add_batch(demo_table.sample(2000, seed=21), "week2.csv")
        (ingest,) = prod.ingest_new_batches()
        assert ingest.success
        prod.second = ingest.dagster_run.tags["dagster/partition"]
        assert retrain.execute_in_process(instance=instance, partition_key=prod.second).success
        assert prod.champion() == "2"
        yield prod
    mp.undo()


def _training_batches(prod, version: str) -> list[str]:
    import json

    tags = get_model_version(prod.uri, prod.spec.registered_model_name, version).tags
    return json.loads(tags[TRAINING_BATCHES_TAG])


def test_nothing_is_requested_while_no_training_batch_is_withdrawn(production):
    assert production.tick(SENSOR) == []
    assert production.regenerate("2026-04-01").success


def test_a_withdrawn_training_batch_stops_regeneration_and_requests_one_retrain_without_it(production, capsys):
    prod, second = production, production.second
    assert second in _training_batches(prod, "2")
    assert (
        cli(
            [
                "batches",
                prod.spec.name,
                "--withdraw",
                second,
                "--reason",
                "wrong feed",
                "--home",
                str(prod.home),
                "--specs",
                str(DEMO_SPEC.parent),
            ]
        )  # fmt: skip
        == 0
    )
    said = capsys.readouterr().out
    assert "version 2" in said and "champion" in said and SENSOR in said
    # the twin published from that champion is taken out of the published folder (kept aside), latest with it
    published, away = prod.home / "published" / prod.spec.name, prod.home / "unpublished" / prod.spec.name
    assert "unpublished 1 daily twin(s)" in said and f"{LATEST} is removed" in said
    assert not (published / "2026-04-01.parquet").exists() and not (published / LATEST).exists()
    assert (away / "2026-04-01.parquet").is_file()

    # `twinforge status` flags the champion
    status = dataset_status(prod.spec, StateLayout.at(prod.home), prod.uri)
    text = format_status(status)
    assert f"trained on withdrawn batch {second}" in text

    # the daily twin is not sampled from a champion trained on a withdrawn batch
    day = prod.regenerate("2026-04-02")
    assert not day.success
    assert not (prod.home / "published" / prod.spec.name / "2026-04-02.parquet").exists()
    failure = next(e for e in day.all_events if e.is_step_failure)
    error = failure.step_failure_data.error.to_string()
    assert f"champion version 2 was trained on withdrawn batch {second}" in error

    # one retrain without it, however often the sensor looks
    (request,) = prod.tick(SENSOR)
    assert request.tags["twinforge/trigger"] == "withdrawal"
    assert prod.tick(SENSOR) == []
    run = prod.run(retrain_job_name(prod.spec), request)
    assert run.success
    # trained on `initial` alone, as version 1 was: that version is reused
    assert prod.champion() != "2" and second not in _training_batches(prod, prod.champion())
    assert prod.tick(SENSOR) == []
    assert "withdrawn batch" not in format_status(dataset_status(prod.spec, StateLayout.at(prod.home), prod.uri))
    assert prod.regenerate("2026-04-03").success
    assert pl.read_parquet(published / LATEST).equals(pl.read_parquet(published / "2026-04-03.parquet"))


def test_a_version_trained_on_a_batch_withdrawn_during_its_run_is_not_promoted(production):
    prod = production
    store = BatchStore(prod.spec, StateLayout.at(prod.home))
    store.reinstate(prod.second, "feed confirmed")
    champion = prod.champion()
    WithdrawingCopula.withdraw = staticmethod(lambda: store.withdraw(prod.second, "wrong feed after all"))
    try:
        generator = prod.spec.generator.model_copy(update={"model": WithdrawingCopula.name})
        spec = prod.spec.model_copy(update={"generator": generator})
        defs = build_definitions([spec], home=str(prod.home))
        run = prod.run(retrain_job_name(spec), dg.RunRequest(partition_key=prod.second), defs=defs)
    finally:
        WithdrawingCopula.withdraw = staticmethod(lambda: None)
    assert not run.success
    version = str(materialization_metadata(run, ["covid_testing", "generator"])["model_version"])
    assert prod.second in _training_batches(prod, version)
    assert prod.champion() == champion  # unchanged
    tags = get_model_version(prod.uri, prod.spec.registered_model_name, version).tags
    assert tags[PROMOTION_TAG] == "refused" and prod.second in tags[f"{PROMOTION_TAG}.reason"]


def test_a_drift_report_of_a_batch_withdrawn_since_requests_no_retrain(production, demo_table):
    prod = production
    prod.add_batch(shifted(demo_table.sample(3000, seed=31)), "shifted.csv")
    (ingest,) = prod.ingest_new_batches()
    assert materialization_metadata(ingest, ["covid_testing", "batch_drift"])["retrain_recommended"] is True
    batch = ingest.dagster_run.tags["dagster/partition"]
    BatchStore(prod.spec, StateLayout.at(prod.home)).withdraw(batch, "wrong feed")
    assert prod.tick("covid_testing_drift_retrain") == []
    assert prod.tick(SENSOR) == []  # the champion was not trained on it


@register_generator
class WithdrawingCopula(GaussianCopulaGenerator):
    """The baseline, and an operator withdrawing a batch while it fits."""

    name = "test_withdrawing_copula"
    withdraw = staticmethod(lambda: None)

    def _fit(self, df):
        WithdrawingCopula.withdraw()
        return super()._fit(df)
