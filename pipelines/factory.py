"""Builds one asset group (assets, checks, jobs, schedule) per dataset spec."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from assets.anonymize import build_anonymized_asset
from assets.generator import build_generator_asset
from assets.ingest import build_raw_asset
from assets.promotion import build_champion_asset
from assets.reports import build_report_assets
from assets.split import build_split_assets
from assets.synthetic import build_synthetic_asset
from checks.expectations import build_expectation_checks
from checks.quality_gates import build_quality_gate_checks
from resources import MlflowResource, ParquetIOManager, TwinforgeSettings
from twinforge.spec import DatasetSpec, load_specs

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"


def retrain_job_name(spec: DatasetSpec) -> str:
    return f"{spec.name}_retrain"


def regenerate_job_name(spec: DatasetSpec) -> str:
    return f"{spec.name}_regenerate"


def build_dataset_group(spec: DatasetSpec) -> dict[str, list]:
    synthetic = build_synthetic_asset(spec)
    reports = build_report_assets(spec)
    assets = [
        build_raw_asset(spec),
        build_anonymized_asset(spec),
        build_split_assets(spec),
        build_generator_asset(spec),
        synthetic,
        build_champion_asset(spec),
        *reports,
    ]
    retrain = dg.define_asset_job(
        retrain_job_name(spec),
        selection=dg.AssetSelection.groups(spec.name),
        description=f"Ingest, anonymize, split, train a new {spec.generator.model} version, sample, validate, "
        "report on quality, promote it to champion when every blocking check and quality gate passes.",
    )
    regenerate = dg.define_asset_job(
        regenerate_job_name(spec),
        selection=dg.AssetSelection.assets(synthetic, *reports),
        config={"ops": {synthetic.op.name: {"config": {"use_champion": True}}}},
        description="Sample a fresh synthetic table from the champion version, validate it and report.",
    )
    schedule = dg.ScheduleDefinition(
        name=f"{spec.name}_regenerate_schedule",
        job=regenerate,
        cron_schedule=spec.schedule.regenerate_cron,
        default_status=dg.DefaultScheduleStatus.RUNNING if spec.schedule.enabled else dg.DefaultScheduleStatus.STOPPED,
    )
    return {
        "assets": assets,
        "asset_checks": [build_expectation_checks(spec), build_quality_gate_checks(spec)],
        "jobs": [retrain, regenerate],
        "schedules": [schedule],
    }


def build_definitions(specs: list[DatasetSpec] | None = None, home: str = "", tracking_uri: str = "") -> dg.Definitions:
    """All datasets' groups plus shared resources; ``home``/``tracking_uri`` empty: environment defaults."""
    specs = load_specs(DATASETS_DIR) if specs is None else specs
    parts: dict[str, list] = {"assets": [], "asset_checks": [], "jobs": [], "schedules": []}
    for spec in specs:
        for k, v in build_dataset_group(spec).items():
            parts[k].extend(v)
    return dg.Definitions(
        **parts,
        resources={
            "io_manager": ParquetIOManager(home=home),
            "settings": TwinforgeSettings(home=home),
            "mlflow": MlflowResource(home=home, tracking_uri=tracking_uri),
        },
    )
