"""The new-batch sensor requests an ingest for every active batch no run has ingested, whether or not it is a
Dagster partition already: `make ui` and `make run` register every recorded batch as a partition first, and a
batch registered so must still be ingested, drift-checked and trained on."""

import dagster as dg
import polars as pl

from pipelines.batches import sync_batch_partitions
from pipelines.factory import build_definitions, ingest_job_name
from resources.settings import TwinforgeSettings
from tests.conftest import DEMO_CSV, DEMO_SPEC
from twinforge.config.spec import load_spec
from twinforge.io.batches import BatchStore
from twinforge.io.state import StateLayout


def test_a_batch_registered_as_a_partition_before_the_daemon_saw_it_is_still_ingested(tmp_path, monkeypatch):
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-8-" + "0123456789abcdef" * 2)
    spec = load_spec(DEMO_SPEC)
    layout = StateLayout.at(tmp_path)
    defs = build_definitions([spec], home=str(tmp_path))
    sensor = defs.resolve_sensor_def(f"{spec.name}_new_batches")
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:

        def requested() -> list[str]:
            context = dg.build_sensor_context(
                instance=instance, definitions=defs, resources={"settings": TwinforgeSettings(home=str(tmp_path))}
            )
            result = sensor(context)
            return [] if isinstance(result, dg.SkipReason) else [r.partition_key for r in result.run_requests]

        path = tmp_path / "new.csv"
        pl.read_csv(DEMO_CSV, infer_schema_length=0).sample(300, seed=3).write_csv(path)
        new, _ = BatchStore(spec, layout).add(path)
        batches = sync_batch_partitions(instance, spec, layout)  # what `make ui` does before starting the daemon
        assert requested() == batches == ["initial", new.batch_id]

        job = defs.resolve_job_def(ingest_job_name(spec))
        assert job.execute_in_process(instance=instance, partition_key=new.batch_id, raise_on_error=False).success
        assert requested() == ["initial"]
        BatchStore(spec, layout).withdraw("initial", "a test")
        assert requested() == []
