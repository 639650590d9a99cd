"""`make run` retrains on the newest active batch's partition: the active batches no run has ingested yet (added
with `twinforge ingest-batch` between runs, without a daemon), the newest included, are ingested first through the
ingest job, so that each is assessed for drift (a batch breaking a hold rule is held, not trained on) and the
training window holds every active batch."""

import dagster as dg
import polars as pl
import pytest

from pipelines.batches import sync_batch_partitions
from pipelines.demo import batches_to_ingest, retrain_partition
from pipelines.factory import build_definitions, ingest_job_name
from tests.conftest import DEMO_CSV, DEMO_SPEC
from twinforge.config.spec import load_spec
from twinforge.io.batches import BatchStore
from twinforge.io.state import StateLayout


@pytest.fixture
def demo_state(tmp_path, monkeypatch):
    """The demo spec, a fresh state folder and a Dagster instance where its first batch is a partition."""
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-7-" + "0123456789abcdef" * 2)
    spec = load_spec(DEMO_SPEC)
    layout = StateLayout.at(tmp_path)
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        sync_batch_partitions(instance, spec, layout)
        yield spec, layout, instance


def test_the_batches_make_run_ingests_before_retraining(tmp_path, demo_state):
    spec, layout, instance = demo_state
    for n, seed in ((300, 1), (200, 2)):
        path = tmp_path / f"new_{seed}.csv"
        pl.read_csv(DEMO_CSV, infer_schema_length=0).sample(n, seed=seed).write_csv(path)
        BatchStore(spec, layout).add(path)
    batches = sync_batch_partitions(instance, spec, layout)
    assert len(batches) == 3
    # none was ingested: each is, the newest (the retrain's own partition) included, so that each is assessed
    assert batches_to_ingest(instance, spec, layout, batches) == batches

    job = build_definitions([spec], home=str(tmp_path)).resolve_job_def(ingest_job_name(spec))
    assert job.execute_in_process(instance=instance, partition_key=batches[1], raise_on_error=False).success
    assert batches_to_ingest(instance, spec, layout, batches) == [batches[0], batches[2]]
    BatchStore(spec, layout).withdraw(batches[0], "wrong feed")  # a withdrawn batch never trains
    assert batches_to_ingest(instance, spec, layout, batches) == [batches[2]]


def test_a_newest_batch_with_an_emptied_column_is_held_before_make_run_trains_on_it(tmp_path, demo_state):
    # `make run` trained on (and promoted a model of) the newest batch without assessing it: the retrain job
    # ingests its own partition and has no drift step. Now every batch is ingested through the ingest job first,
    # and with no champion yet the batches before it are the reference, so the hold rules apply.
    spec, layout, instance = demo_state
    path = tmp_path / "emptied.csv"
    emptied = pl.read_csv(DEMO_CSV, infer_schema_length=0).sample(400, seed=5)
    emptied.with_columns(ct_result=pl.lit(None, dtype=pl.String)).write_csv(path)
    newest, _ = BatchStore(spec, layout).add(path)
    batches = sync_batch_partitions(instance, spec, layout)
    job = build_definitions([spec], home=str(tmp_path)).resolve_job_def(ingest_job_name(spec))
    for batch in batches_to_ingest(instance, spec, layout, batches):
        assert job.execute_in_process(instance=instance, partition_key=batch, raise_on_error=False).success
    held = {b.batch_id: b for b in BatchStore(spec, layout).list()}[newest.batch_id]
    assert held.status == "held" and "null share of ct_result" in held.history[-1]["reason"]
    partition, left_out = retrain_partition(BatchStore(spec, layout).list())
    assert partition == batches[0] and left_out[0].startswith(f"newest batch {newest.batch_id} is held")


def test_a_withdrawn_newest_batch_is_neither_the_retrains_partition_nor_ingested_first(tmp_path, demo_state):
    spec, layout, instance = demo_state
    path = tmp_path / "new.csv"
    pl.read_csv(DEMO_CSV, infer_schema_length=0).sample(300, seed=3).write_csv(path)
    newest, _ = BatchStore(spec, layout).add(path)
    batches = sync_batch_partitions(instance, spec, layout)
    BatchStore(spec, layout).withdraw(newest.batch_id, "wrong feed")
    # the retrain takes the newest active batch (the initial one), ingested (and assessed) first
    assert retrain_partition(BatchStore(spec, layout).list()) == (
        batches[0],
        [f"newest batch {newest.batch_id} is withdrawn: not trained on"],
    )
    assert batches_to_ingest(instance, spec, layout, batches) == [batches[0]]
