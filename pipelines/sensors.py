"""Sensors that turn arriving batches into runs: ingest new batches, retrain on drift.

Both keep their progress in Dagster's cursor (stored in the instance, so it survives
restarts) and use run keys, so one batch or one drift event never starts two runs.
"""

from __future__ import annotations

import json

import dagster as dg

from assets.monitoring import RETRAIN_RECOMMENDED
from resources.partitions import batch_partitions
from resources.settings import TwinforgeSettings
from twinforge.config.spec import DatasetSpec
from twinforge.io.batches import BatchStore


def build_new_batch_sensor(spec: DatasetSpec, ingest_job) -> dg.SensorDefinition:
    partitions = batch_partitions(spec)

    @dg.sensor(
        name=f"{spec.name}_new_batches",
        job=ingest_job,
        minimum_interval_seconds=spec.drift.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Registers batches added with `twinforge ingest-batch` (or a feed) as partitions and "
        "requests one ingest + drift run per new batch.",
    )
    def new_batches(context: dg.SensorEvaluationContext, settings: TwinforgeSettings):
        store = BatchStore(spec, settings.layout)
        store.ensure_initial()  # the spec's own source is the first batch
        known = set(context.instance.get_dynamic_partitions(partitions.name))
        new = [b for b in store.ids() if b not in known]
        if not new:
            return dg.SkipReason("no new batch")
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(partition_key=b, run_key=f"ingest:{b}", tags={"twinforge/batch": b}) for b in new
            ],
            dynamic_partitions_requests=[partitions.build_add_request(new)],
        )

    return new_batches


def build_drift_sensor(spec: DatasetSpec, retrain_job) -> dg.SensorDefinition:
    drift_key = dg.AssetKey([spec.name, "batch_drift"])

    @dg.sensor(
        name=f"{spec.name}_drift_retrain",
        job=retrain_job,
        minimum_interval_seconds=spec.drift.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Requests one retrain, with the drifted batch in the training window, for each batch whose "
        "drift report recommends it.",
    )
    def drift_retrain(context: dg.SensorEvaluationContext):
        after = int(context.cursor) if context.cursor else None
        records = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=drift_key, after_storage_id=after), limit=1000, ascending=True
        ).records
        if not records:
            return dg.SkipReason("no new drift report")
        requests = []
        for record in records:
            metadata = record.asset_materialization.metadata
            if not metadata[RETRAIN_RECOMMENDED].value:
                continue
            batch = record.partition_key
            champion = metadata["champion_version"].value if "champion_version" in metadata else "none"
            requests.append(dg.RunRequest(
                partition_key=batch,
                run_key=f"drift-retrain:{batch}:champion-{champion}",
                tags={"twinforge/trigger": "drift", "twinforge/batch": batch, "twinforge/champion_before": str(champion),
                      "twinforge/reasons": json.dumps(_reasons(metadata))[:4000]},
            ))  # fmt: skip
        return dg.SensorResult(run_requests=requests, cursor=str(records[-1].storage_id))

    return drift_retrain


def _reasons(metadata) -> list[str]:
    text = metadata["reasons"].value if "reasons" in metadata else ""
    return [line[2:] for line in text.splitlines() if line.startswith("- ")]
