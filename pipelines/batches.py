"""Batches as Dagster partitions: register every recorded batch of every dataset.

``python -m pipelines.batches`` (run by ``make ui``) records each spec's source as its
first batch and adds every batch of the landing manifests as a partition of
``<dataset>/raw`` and ``<dataset>/anonymized`` in the Dagster instance ($DAGSTER_HOME).
"""

from __future__ import annotations

import sys

import dagster as dg

from resources.partitions import batch_partitions
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
