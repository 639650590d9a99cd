"""Batches as Dagster partitions: register every recorded batch of every dataset.

``python -m pipelines.batches`` (run by ``make ui``) records each spec's source as its
first batch and adds every batch of the landing manifests as a partition of
``<dataset>/raw`` and ``<dataset>/anonymized`` in the Dagster instance ($DAGSTER_HOME).

:func:`build_approve_batch_job` is the UI's way to release a batch its drift assessment held
(the same as ``twinforge batches DATASET --approve BATCH``).
"""

import sys

import dagster as dg

from resources.partitions import batch_partitions
from resources.settings import TwinforgeSettings
from twinforge.config.spec import DatasetSpec
from twinforge.io.batches import BatchStore
from twinforge.io.state import StateLayout


def sync_batch_partitions(
    instance: dg.DagsterInstance, spec: DatasetSpec, layout: StateLayout | None = None
) -> list[str]:
    """Ensure the initial batch exists and every recorded batch is a partition; returns the batch ids in order."""
    store = BatchStore(spec, layout or StateLayout.at())
    store.ensure_initial()
    ids = store.ids()
    name = batch_partitions(spec).name
    existing = set(instance.get_dynamic_partitions(name))
    missing = [b for b in ids if b not in existing]
    if missing:
        instance.add_dynamic_partitions(name, missing)
    return ids


class ApproveBatchConfig(dg.Config):
    batch: str  # the held batch's id (its partition key)
    reason: str = ""  # why it may train, recorded with the approval


def approve_batch_job_name(spec: DatasetSpec) -> str:
    return f"{spec.name}_approve_batch"


def build_approve_batch_job(spec: DatasetSpec) -> dg.JobDefinition:
    @dg.op(name=f"{spec.name}_approve_batch_op")
    def approve_batch(context: dg.OpExecutionContext, config: ApproveBatchConfig, settings: TwinforgeSettings) -> None:
        batch = BatchStore(spec, settings.layout).approve(config.batch, config.reason)
        context.log.info(
            f"approved batch {batch.batch_id}: active again; the drift sensor requests one retrain with it"
        )

    @dg.job(
        name=approve_batch_job_name(spec),
        description="Release a batch held by its drift assessment (config: batch, reason): it becomes active, and "
        "the drift sensor requests one retrain with it in the training window.",
    )
    def approve_batch_job():
        approve_batch()

    return approve_batch_job


def main() -> int:
    from pipelines.factory import specs_dir
    from twinforge.config.spec import load_specs
    from twinforge.io.permissions import restrict_umask

    restrict_umask()  # Dagster's databases and the state folder owner-only
    layout = StateLayout.at().ensure()
    with dg.DagsterInstance.get() as instance:
        for spec in load_specs(specs_dir()):
            ids = sync_batch_partitions(instance, spec, layout)
            print(f"{spec.name}: batches {', '.join(ids)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
