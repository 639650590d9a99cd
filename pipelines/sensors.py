"""Sensors that turn arriving batches into runs and watch runs that die.

A champion trained on a batch withdrawn since gets one retrain request (the withdrawn-retrain sensor).
The new-batch and drift sensors keep their progress in Dagster's cursor (stored in the
instance, so it survives restarts) and use run keys, so one batch or one drift event never
starts two runs; the drift sensor asks for at most one retrain per evaluation (retrains of a
dataset also queue one at a time: ``pipelines/dagster.yaml``). The dead-run sensor fails a
started run whose orchestrator process is gone, and the failed-run sensor tags the MLflow
versions such a run registered.
"""

from __future__ import annotations

import json
import time

import dagster as dg

from assets.monitoring import RETRAIN_RECOMMENDED
from pipelines.prod import pid_alive
from resources.mlflow import MlflowResource
from resources.partitions import batch_partitions
from resources.settings import TwinforgeSettings
from twinforge.config.spec import DatasetSpec
from twinforge.io.batches import BatchStore
from twinforge.tracking.registry import CHAMPION_ALIAS, champion_training_batches


def build_new_batch_sensor(spec: DatasetSpec, ingest_job) -> dg.SensorDefinition:
    partitions = batch_partitions(spec)
    anonymized_key = dg.AssetKey([spec.name, "anonymized"])

    @dg.sensor(
        name=f"{spec.name}_new_batches",
        job=ingest_job,
        minimum_interval_seconds=spec.drift.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Registers batches added with `twinforge ingest-batch` (or a feed) as partitions and "
        "requests one ingest + drift run per active batch no run has ingested.",
    )
    def new_batches(context: dg.SensorEvaluationContext, settings: TwinforgeSettings):
        store = BatchStore(spec, settings.layout)
        store.ensure_initial()  # the spec's own source is the first batch
        known = set(context.instance.get_dynamic_partitions(partitions.name))
        new = [b for b in store.ids() if b not in known]
        # not "new partitions": `make ui` and `make run` register every recorded batch as a partition first; the
        # run key asks once per batch (the daemon skips a key it has seen, so a failed ingest is not retried)
        ingested = context.instance.get_materialized_partitions(anonymized_key)
        pending = [b for b in store.active_ids() if b not in ingested]
        if not new and not pending:
            return dg.SkipReason("no batch to ingest")
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(partition_key=b, run_key=f"ingest:{b}", tags={"twinforge/batch": b}) for b in pending
            ],
            dynamic_partitions_requests=[partitions.build_add_request(new)] if new else [],
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
        "drift report recommends it (held batches recommend nothing), and one for each approval of a held batch.",
    )
    def drift_retrain(context: dg.SensorEvaluationContext, settings: TwinforgeSettings, mlflow: MlflowResource):
        store = BatchStore(spec, settings.layout)
        # an approval of a held batch: one retrain per approval (its run key is unique to it)
        approved = [
            dg.RunRequest(
                partition_key=batch,
                run_key=f"approved-retrain:{batch}:{at}",
                tags={"twinforge/trigger": "approval", "twinforge/batch": batch, "twinforge/approved_at": at},
            )
            for batch, at in store.approvals()
        ]
        after = int(context.cursor) if context.cursor else None
        records = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=drift_key, after_storage_id=after), limit=1000, ascending=True
        ).records
        if not records:
            return dg.SensorResult(run_requests=approved) if approved else dg.SkipReason("no new drift report")
        recommended = [r for r in records if r.asset_materialization.metadata[RETRAIN_RECOMMENDED].value]
        # a batch withdrawn since its report recommended a retrain is in no training window: nothing to retrain for
        withdrawn = set(store.withdrawn_among(r.partition_key for r in recommended))
        if withdrawn:
            context.log.info(f"drift reports of batches withdrawn since are not acted on: {sorted(withdrawn)}")
            recommended = [r for r in recommended if r.partition_key not in withdrawn]
        # a batch the champion was trained on since its report (`make run` ingests a batch, then trains on it) has
        # had its retrain: acting on the report again would retrain for nothing, tagged "no champion yet"
        champion = champion_training_batches(mlflow.uri, spec.registered_model_name) if recommended else None
        trained = {r.partition_key for r in recommended if champion and r.partition_key in champion[1]}
        if trained:
            context.log.info(
                f"drift reports of batches {CHAMPION_ALIAS} version {champion[0]} was trained on since are not acted "
                f"on: {sorted(trained)}"
            )
            recommended = [r for r in recommended if r.partition_key not in trained]
        if not recommended:
            return dg.SensorResult(
                run_requests=approved,
                skip_reason=None if approved else "no drift report recommends a retrain",
                cursor=str(records[-1].storage_id),
            )
        # one retrain per evaluation: the newest event wins (every active batch is in its training window)
        newest, superseded = recommended[-1], [r.partition_key for r in recommended[:-1]]
        if superseded:
            context.log.info(f"drift retrain for batch {newest.partition_key} supersedes batches {superseded}")
        metadata = newest.asset_materialization.metadata
        batch = newest.partition_key
        champion = metadata["champion_version"].value if "champion_version" in metadata else "none"
        request = dg.RunRequest(
            partition_key=batch,
            run_key=f"drift-retrain:{batch}:champion-{champion}",
            tags={"twinforge/trigger": "drift", "twinforge/batch": batch, "twinforge/champion_before": str(champion),
                  "twinforge/superseded_batches": json.dumps(superseded)[:4000],
                  "twinforge/reasons": json.dumps(_reasons(metadata))[:4000]},
        )  # fmt: skip
        return dg.SensorResult(run_requests=[*approved, request], cursor=str(records[-1].storage_id))

    return drift_retrain


def build_withdrawn_retrain_sensor(spec: DatasetSpec, retrain_job) -> dg.SensorDefinition:
    anonymized_key = dg.AssetKey([spec.name, "anonymized"])

    @dg.sensor(
        name=f"{spec.name}_withdrawn_retrain",
        job=retrain_job,
        minimum_interval_seconds=spec.drift.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Requests one retrain when the champion was trained on a batch withdrawn since: its training "
        "window leaves the batch out. Until a new champion replaces it, no daily twin is sampled from it.",
    )
    def withdrawn_retrain(context: dg.SensorEvaluationContext, settings: TwinforgeSettings, mlflow: MlflowResource):
        store = BatchStore(spec, settings.layout)
        if not store.withdrawn_among(store.ids()):
            return dg.SkipReason("no batch is withdrawn")
        champion = champion_training_batches(mlflow.uri, spec.registered_model_name)
        if champion is None:
            return dg.SkipReason("no champion yet")
        version, training_batches = champion
        withdrawn = store.withdrawn_among(training_batches)
        if not withdrawn:
            return dg.SkipReason(f"{CHAMPION_ALIAS} version {version} was trained on no withdrawn batch")
        ingested = context.instance.get_materialized_partitions(anonymized_key)
        active = [b for b in store.active_ids() if b in ingested]
        if not active:
            return dg.SkipReason(
                f"{CHAMPION_ALIAS} version {version} was trained on withdrawn batches {withdrawn}, and no active batch "
                "is ingested to train a replacement on"
            )
        # once per champion and set of withdrawn batches: a failed retrain is not repeated on every tick
        request = dg.RunRequest(
            partition_key=active[-1],
            run_key=f"withdrawn-retrain:champion-{version}:{','.join(withdrawn)}",
            tags={"twinforge/trigger": "withdrawal", "twinforge/champion_before": version,
                  "twinforge/withdrawn_batches": json.dumps(withdrawn)[:4000]},
        )  # fmt: skip
        return dg.SensorResult(run_requests=[request])

    return withdrawn_retrain


def _reasons(metadata) -> list[str]:
    text = metadata["reasons"].value if "reasons" in metadata else ""
    return [line[2:] for line in text.splitlines() if line.startswith("- ")]


DEAD_RUN_GRACE_SECONDS = 60  # a run younger than this may not have logged its process yet


def orchestrator_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The process id of the run's orchestrator: the first process its engine events name."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, limit=50).records
    for record in records:
        data = record.event_log_entry.dagster_event.engine_event_data
        pid = data.metadata.get("pid") if data is not None else None
        if pid is not None:
            return int(pid.value)
    return None


def build_dead_run_sensor(spec: DatasetSpec, jobs: list) -> dg.SensorDefinition:
    job_names = [j.name for j in jobs]

    @dg.sensor(
        name=f"{spec.name}_dead_runs",
        minimum_interval_seconds=spec.drift.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Marks a started run of this dataset's jobs as failed when its orchestrator process is gone "
        "(killed, or its machine restarted), so it does not stay STARTED forever.",
    )
    def dead_runs(context: dg.SensorEvaluationContext):
        failed = fail_dead_runs(context.instance, job_names)
        return dg.SkipReason(f"marked failed: {failed}" if failed else "no dead run")

    return dead_runs


def fail_dead_runs(instance: dg.DagsterInstance, job_names: list[str]) -> list[str]:
    """Mark failed each started run of ``job_names`` whose orchestrator process is gone (killed, or its host
    restarted); the ids of those marked. The dead-run sensor does it for the daemon, ``make run`` before it waits
    on a dataset's retrains (a run killed without a daemon would otherwise stay STARTED, and block, for good)."""
    now = time.time()
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]), limit=100):
        if run.job_name not in job_names:
            continue
        record = instance.get_run_record_by_id(run.run_id)
        if record is None or record.start_time is None or now - record.start_time < DEAD_RUN_GRACE_SECONDS:
            continue
        pid = orchestrator_pid(instance, run.run_id)
        if pid is not None and not pid_alive(pid):
            instance.report_run_failed(
                run, f"the run's orchestrator process {pid} is gone: the run was killed or its host restarted"
            )
            failed.append(run.run_id)
    return failed


def build_failed_run_sensor(spec: DatasetSpec, jobs: list) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name=f"{spec.name}_failed_runs",
        monitored_jobs=jobs,
        minimum_interval_seconds=spec.drift.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Tags the MLflow versions a failed run registered as failed (never promoted).",
    )
    def failed_runs(context: dg.RunFailureSensorContext, mlflow: MlflowResource):
        from twinforge.tracking.registry import mark_run_versions_failed

        reason = context.failure_event.message or "the run failed"
        versions = mark_run_versions_failed(mlflow.uri, spec.registered_model_name, context.dagster_run.run_id, reason)
        if versions:
            context.log.info(f"run {context.dagster_run.run_id} failed: versions {versions} tagged failed")

    return failed_runs
