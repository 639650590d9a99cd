"""`make run` retrains on the newest batch's partition: the active batches no run has ingested yet (added with
`twinforge ingest-batch` between runs, without a daemon) are ingested first, so that the training window
holds every active batch rather than leaving them out with a warning."""

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
    # the newest is the retrain's own partition; the two before it were never ingested
    assert batches_to_ingest(instance, spec, layout, batches) == batches[:2]

    job = build_definitions([spec], home=str(tmp_path)).resolve_job_def(ingest_job_name(spec))
    assert job.execute_in_process(instance=instance, partition_key=batches[1], raise_on_error=False).success
    assert batches_to_ingest(instance, spec, layout, batches) == batches[:1]
    BatchStore(spec, layout).withdraw(batches[0], "wrong feed")  # a withdrawn batch never trains
    assert batches_to_ingest(instance, spec, layout, batches) == []


def test_a_withdrawn_newest_batch_is_neither_the_retrains_partition_nor_ingested_first(tmp_path, demo_state):
    spec, layout, instance = demo_state
    path = tmp_path / "new.csv"
    pl.read_csv(DEMO_CSV, infer_schema_length=0).sample(300, seed=3).write_csv(path)
    newest, _ = BatchStore(spec, layout).add(path)
    batches = sync_batch_partitions(instance, spec, layout)
    BatchStore(spec, layout).withdraw(newest.batch_id, "wrong feed")
    # the retrain takes the newest active batch (the initial one) and ingests it itself
    assert retrain_partition(BatchStore(spec, layout).list()) == (
        batches[0],
        [f"newest batch {newest.batch_id} is withdrawn: not ingested"],
    )
    assert batches_to_ingest(instance, spec, layout, batches) == []
