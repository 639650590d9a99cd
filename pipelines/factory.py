"""Builds one asset group (assets, checks, jobs, schedule) per dataset spec."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets.generator import build_generator_asset
from assets.ingest import RAW_IO_MANAGER, build_ingest_assets
from assets.monitoring import build_batch_drift_asset
from assets.promotion import build_champion_asset
from assets.reports import build_daily_quality_asset, build_report_assets
from assets.split import build_split_assets
from assets.synthetic import build_published_daily_asset, build_synthetic_asset, build_synthetic_daily_asset
from checks.expectations import build_expectation_checks
from checks.quality_gates import build_quality_gate_checks
from pipelines.batches import build_approve_batch_job
from pipelines.sensors import (
    build_dead_run_sensor,
    build_drift_sensor,
    build_failed_run_sensor,
    build_new_batch_sensor,
    build_withdrawn_retrain_sensor,
)
from resources import STEP_IO_MANAGER, MlflowResource, ParquetIOManager, StepIOManager, TwinforgeSettings
from twinforge.config.spec import DatasetSpec, load_specs
from twinforge.generators import check_spec_params
from twinforge.io.permissions import restrict_umask, tighten_tree
from twinforge.io.state import SPECS_ENV

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"

EXECUTOR_ENV = "TWINFORGE_EXECUTOR"  # "in_process": one process per run (small machines); default multiprocess
# "celery": steps run on Celery workers (dagster-celery); the broker and result backend URLs (e.g. Redis's
# redis://host:6379/0) come from the environment so that a password never sits in run config
CELERY_BROKER_ENV = "TWINFORGE_CELERY_BROKER"
CELERY_BACKEND_ENV = "TWINFORGE_CELERY_BACKEND"


def specs_dir() -> Path:
    return Path(os.environ.get(SPECS_ENV) or DATASETS_DIR)


def _celery_executor() -> dg.ExecutorDefinition:
    from dagster_celery import celery_executor

    return celery_executor.configured(
        {"broker": {"env": CELERY_BROKER_ENV}, "backend": {"env": CELERY_BACKEND_ENV}}, name="celery"
    )


def _executor() -> dg.ExecutorDefinition:
    choice = os.environ.get(EXECUTOR_ENV, "multiprocess")
    executors = {
        "multiprocess": lambda: dg.multiprocess_executor,
        "in_process": lambda: dg.in_process_executor,
        "celery": _celery_executor,  # imported only when chosen: dagster-celery is the `prod` extra
    }
    if choice not in executors:
        raise ValueError(f"{EXECUTOR_ENV}={choice!r}: choose one of {sorted(executors)}")
    return executors[choice]()


RETRAIN_TAG = "twinforge/retrain"  # pipelines/dagster.yaml limits runs to one per value of this tag


def retrain_job_name(spec: DatasetSpec) -> str:
    return f"{spec.name}_retrain"


def regenerate_job_name(spec: DatasetSpec) -> str:
    return f"{spec.name}_regenerate"


def ingest_job_name(spec: DatasetSpec) -> str:
    return f"{spec.name}_ingest"


def build_dataset_group(spec: DatasetSpec) -> dict[str, list]:
    # the checks a candidate version must pass, in its own run, before `champion` promotes it
    candidate_checks = [build_expectation_checks(spec, "synthetic"), *build_quality_gate_checks(spec)]
    ingest = build_ingest_assets(spec)  # raw, quarantine and anonymized, partitioned by batch
    batch_drift = build_batch_drift_asset(spec)
    synthetic_daily = build_synthetic_daily_asset(spec)
    # the checks a day's twin must pass, in its own run, before `published_daily` writes it
    daily_checks = [
        build_expectation_checks(spec, "synthetic_daily"),
        *(build_quality_gate_checks(spec, "quality_report_daily") if spec.schedule.quality_gates else []),
    ]
    published_daily = build_published_daily_asset(spec, [k for c in daily_checks for k in c.check_keys])
    daily_quality = [build_daily_quality_asset(spec)] if spec.schedule.quality_gates else []
    assets = [
        ingest,
        batch_drift,
        build_split_assets(spec),
        build_generator_asset(spec),
        build_synthetic_asset(spec),
        build_champion_asset(spec, [k for c in candidate_checks for k in c.check_keys]),
        *build_report_assets(spec),
        synthetic_daily,
        published_daily,
        *daily_quality,
    ]
    ingest_job = dg.define_asset_job(
        ingest_job_name(spec),
        selection=dg.AssetSelection.assets(ingest, batch_drift),
        description="Ingest and anonymize one batch (the run's partition) and measure its drift against the champion.",
    )
    retrain = dg.define_asset_job(
        retrain_job_name(spec),
        selection=dg.AssetSelection.groups(spec.name)
        - dg.AssetSelection.assets(batch_drift, synthetic_daily, published_daily, *daily_quality),
        tags={RETRAIN_TAG: spec.name},  # the instance queues retrains of one dataset one at a time
        description=f"Ingest and anonymize one batch (the run's partition), split the batches of the training "
        f"window, train a new {spec.generator.model} version, sample, validate, report on quality, promote it to "
        "champion when every blocking check and quality gate passes.",
    )
    regenerate = dg.define_asset_job(
        regenerate_job_name(spec),
        selection=dg.AssetSelection.assets(synthetic_daily, published_daily, *daily_quality),
        description="Sample the day's synthetic twin from the champion version, validate it, and publish it only "
        "when every blocking check passed.",
    )
    return {
        "assets": assets,
        "asset_checks": [*candidate_checks, *daily_checks],
        "jobs": [ingest_job, retrain, regenerate, build_approve_batch_job(spec)],
        "schedules": [build_regenerate_schedule(spec, regenerate)],
        "sensors": [
            build_new_batch_sensor(spec, ingest_job),
            build_drift_sensor(spec, retrain),
            build_withdrawn_retrain_sensor(spec, retrain),
            build_dead_run_sensor(spec, [ingest_job, retrain, regenerate]),
            build_failed_run_sensor(spec, [ingest_job, retrain, regenerate]),
        ],
    }


def build_regenerate_schedule(spec: DatasetSpec, regenerate_job) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"{spec.name}_regenerate_schedule",
        job=regenerate_job,
        cron_schedule=spec.schedule.regenerate_cron,
        default_status=dg.DefaultScheduleStatus.RUNNING if spec.schedule.enabled else dg.DefaultScheduleStatus.STOPPED,
        description="Regenerates the day's synthetic_daily partition from the champion.",
    )
    def regenerate_schedule(context: dg.ScheduleEvaluationContext):
        day = context.scheduled_execution_time.date().isoformat()
        return dg.RunRequest(partition_key=day, run_key=f"regenerate:{day}")

    return regenerate_schedule


def build_definitions(specs: list[DatasetSpec] | None = None, home: str = "", tracking_uri: str = "") -> dg.Definitions:
    """All datasets' groups plus shared resources; ``home``/``tracking_uri`` empty: environment defaults.

    Sets the process umask to 077 first: what the runs write (state folder, Dagster's databases
    under DAGSTER_HOME, MLflow's) is owner-only. What Dagster created before this loaded (the
    instance's databases, opened by ``dagster job execute`` and ``dagster dev`` first) loses its
    group and other permissions here, in every process that loads the definitions: the CLI's, the
    code server's, each run worker's and step's.
    """
    restrict_umask()
    if os.environ.get("DAGSTER_HOME"):
        tighten_tree(os.environ["DAGSTER_HOME"])
    specs = load_specs(specs_dir()) if specs is None else specs
    for spec in specs:
        check_spec_params(spec)  # a typo in generator.params fails here, not in every retrain's generator step
    parts: dict[str, list] = {"assets": [], "asset_checks": [], "jobs": [], "schedules": [], "sensors": []}
    for spec in specs:
        for k, v in build_dataset_group(spec).items():
            parts[k].extend(v)
    return dg.Definitions(
        **parts,
        executor=_executor(),
        resources={
            "io_manager": ParquetIOManager(home=home),
            RAW_IO_MANAGER: ParquetIOManager(home=home, private=True),
            STEP_IO_MANAGER: StepIOManager(home=home),
            "settings": TwinforgeSettings(home=home),
            "mlflow": MlflowResource(home=home, tracking_uri=tracking_uri),
        },
    )
