import dagster as dg
import polars as pl

from resources.metadata import report_metadata, run_metadata
from resources.mlflow import MlflowResource
from resources.partitions import daily_partitions
from resources.settings import TwinforgeSettings
from twinforge.config.spec import DatasetSpec
from twinforge.generators.training import fitted_rules
from twinforge.io.datasets import bounded_rows
from twinforge.process import ProcessModel
from twinforge.tracking.registry import (
    PROCESS_ARTIFACT,
    load_version_dict,
    log_quality_report,
    log_run_artifacts,
    log_run_metrics,
    recorded_dp_accounting,
    version_run,
)


def _report_dir(settings: TwinforgeSettings, spec: DatasetSpec, context: dg.AssetExecutionContext):
    path = settings.layout.reports_dir / spec.name / context.run_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def _model_run(mlflow: MlflowResource, sampled: dict) -> tuple[str, str]:
    """(experiment id, run id) of the sampled version's MLflow run."""
    return version_run(mlflow.uri, sampled["model_name"], str(sampled["model_version"]))


def _process_model(spec: DatasetSpec, mlflow: MlflowResource, model_name: str, version: str) -> ProcessModel:
    """The process-column parameters the version draws from (none when the spec declares no process column)."""
    if not spec.process_columns:
        return ProcessModel()
    return ProcessModel.from_dict(load_version_dict(mlflow.uri, model_name, version, PROCESS_ARTIFACT))


def _judged_rows(synthetic: pl.DataFrame | pl.LazyFrame, spec: DatasetSpec) -> tuple[pl.DataFrame, int]:
    """The synthetic rows a report reads (all, or a seeded sample of ``quality.synthetic_rows``) and how many
    there are."""
    return bounded_rows(synthetic, spec.quality.synthetic_rows, seed=spec.quality.seed)


def _rows_metadata(table: pl.DataFrame, synthetic_rows: int) -> dict:
    return {"synthetic_rows": synthetic_rows, "synthetic_rows_evaluated": table.height}


def build_report_assets(spec: DatasetSpec) -> list[dg.AssetsDefinition]:
    synthetic_key = dg.AssetKey([spec.name, "synthetic"])
    ins = {"synthetic": dg.AssetIn(key=synthetic_key), "train": dg.AssetIn(key=[spec.name, "train"])}

    @dg.asset(
        key=[spec.name, "quality_report"],
        ins={**ins, "holdout": dg.AssetIn(key=[spec.name, "holdout"])},
        group_name=spec.name,
        kinds={"html"},
        description="Fidelity, utility and privacy of `synthetic` against `train` and `holdout`, with the promotion "
        "gates (blocking checks on this asset); HTML + JSON logged to the model's MLflow run.",
    )
    def quality_report(
        context: dg.AssetExecutionContext,
        settings: TwinforgeSettings,
        mlflow: MlflowResource,
        synthetic: pl.LazyFrame,
        train: pl.DataFrame,
        holdout: pl.DataFrame,
    ) -> dg.Output[dict]:
        from twinforge.evaluation import evaluate, write_report_html, write_report_json

        table, synthetic_rows = _judged_rows(synthetic, spec)
        sampled = run_metadata(context, synthetic_key)
        version = str(sampled["model_version"])
        # a private spec's version must carry its accounting: without it the ε gate fails (fail closed)
        dp = recorded_dp_accounting(mlflow.uri, sampled["model_name"], version) if spec.dp_epsilon else None
        report = evaluate(
            train,
            holdout,
            table,
            spec.schema_for(train),
            target=spec.target,
            secrets=spec.inference_secrets,
            quality=spec.quality,
            differential_privacy=dp,
            process=_process_model(spec, mlflow, sampled["model_name"], version),
            rules=fitted_rules(spec, train),
        )
        out = _report_dir(settings, spec, context)
        html = write_report_html(report, out / "quality.html", title=f"{spec.registered_model_name} version {version}")
        json_path = write_report_json(report, out / "quality.json")
        run = _model_run(mlflow, sampled)
        run_id = run[1]
        log_quality_report(
            mlflow.uri, run_id, report, [html, json_path], model_version=(sampled["model_name"], version),
            tags={"quality_report.dagster_run_id": context.run_id},  # which run judged it
        )  # fmt: skip
        failed = report.failed_gates
        context.log.info(f"quality gates {'passed' if report.passed else 'FAILED: ' + ', '.join(failed)}")
        return dg.Output(
            report.to_json_dict(),  # stored as JSON; the gate checks read it back as a QualityReport
            metadata={
                **{k: round(v, 4) for k, v in report.headline().items()},  # floats: plotted across versions
                "gates_all_passed": report.passed,
                "gates_failed_names": ", ".join(failed) or "none",
                **_rows_metadata(table, synthetic_rows),
                **report_metadata("html", html, mlflow, run, "reports"),
                **report_metadata("json", json_path, mlflow, run, "reports"),
                "model_version": version,
                "mlflow_run_id": run_id,
                "mlflow_run": dg.MetadataValue.url(mlflow.links.run(*run)),
                "mlflow_model_version": dg.MetadataValue.url(
                    mlflow.links.model_version(sampled["model_name"], version)
                ),
            },
        )

    @dg.asset(
        key=[spec.name, "synthetic_vs_train_drift"],
        ins=ins,
        group_name=spec.name,
        kinds={"evidently", "html"},
        description="How far the synthetic table drifts from the training table it was learned from (Evidently data drift, `train` as reference, `synthetic` as current; HTML), logged to the model's MLflow run.",
    )
    def synthetic_vs_train_drift(
        context: dg.AssetExecutionContext,
        settings: TwinforgeSettings,
        mlflow: MlflowResource,
        synthetic: pl.LazyFrame,
        train: pl.DataFrame,
    ) -> dg.Output[dict]:
        from twinforge.monitoring.data_drift import compare_drift
        from twinforge.monitoring.summary_page import synthetic_drift_summary

        table, synthetic_rows = _judged_rows(synthetic, spec)
        out = _report_dir(settings, spec, context)
        comparison = compare_drift(train, table, spec.schema_for(train), drift_share=spec.drift.drift_share)
        sampled = run_metadata(context, synthetic_key)
        block = synthetic_drift_summary(
            comparison.summary,
            model_version=str(sampled["model_version"]),
            train_rows=train.height,
            synthetic_rows=synthetic_rows,
            synthetic_rows_compared=table.height,
        )
        html_path, json_path = out / "synthetic_vs_train_drift.html", out / "synthetic_vs_train_drift.json"
        comparison.save(html_path, json_path=json_path, summary_block=block)
        summary = comparison.summary.written_to(html_path, json_path)
        run = _model_run(mlflow, sampled)
        run_id = run[1]
        log_run_artifacts(mlflow.uri, run_id, [html_path], artifact_path="reports")
        log_run_metrics(mlflow.uri, run_id, {"drift_share": summary.drift_share_observed})
        return dg.Output(
            summary.to_dict(),
            metadata={
                "dataset_drift": summary.dataset_drift,
                "drift_share": round(summary.drift_share_observed, 4),
                "drifted_columns": summary.drifted_columns,
                **_rows_metadata(table, synthetic_rows),
                **report_metadata("html", html_path, mlflow, run, "reports"),
                **report_metadata("json", json_path),
                "model_version": str(sampled["model_version"]),
                "mlflow_run_id": run_id,
                "mlflow_run": dg.MetadataValue.url(mlflow.links.run(*run)),
            },
        )

    return [quality_report, synthetic_vs_train_drift]


def build_daily_quality_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    """The quality report of each day's twin (``schedule.quality_gates``): its gate checks block publishing."""
    daily_key = dg.AssetKey([spec.name, "synthetic_daily"])

    @dg.asset(
        key=[spec.name, "quality_report_daily"],
        ins={
            "synthetic_daily": dg.AssetIn(key=daily_key),
            "train": dg.AssetIn(key=[spec.name, "train"]),
            "holdout": dg.AssetIn(key=[spec.name, "holdout"]),
        },
        partitions_def=daily_partitions(spec),
        group_name=spec.name,
        kinds={"html"},
        description="The day's twin judged like a candidate: fidelity, utility and privacy against `train` and "
        "`holdout`, with the promotion gates as blocking checks before `published_daily`.",
    )
    def quality_report_daily(
        context: dg.AssetExecutionContext, settings: TwinforgeSettings, mlflow: MlflowResource, synthetic_daily,
        train: pl.DataFrame, holdout: pl.DataFrame,
    ) -> dg.Output[dict]:  # fmt: skip
        from twinforge.evaluation import evaluate, write_report_html, write_report_json

        day = next(iter(synthetic_daily.values())) if isinstance(synthetic_daily, dict) else synthetic_daily
        table, synthetic_rows = _judged_rows(day, spec)
        version = str(run_metadata(context, daily_key)["model_version"])
        dp = recorded_dp_accounting(mlflow.uri, spec.registered_model_name, version) if spec.dp_epsilon else None
        process = _process_model(spec, mlflow, spec.registered_model_name, version)
        report = evaluate(train, holdout, table, spec.schema_for(train), target=spec.target,
                          secrets=spec.inference_secrets, quality=spec.quality, differential_privacy=dp,
                          process=process)  # fmt: skip
        out = _report_dir(settings, spec, context)
        html = write_report_html(report, out / "quality.html", title=f"{spec.name} {context.partition_key}")
        json_path = write_report_json(report, out / "quality.json")
        return dg.Output(report.to_json_dict(), metadata={
            **{k: round(v, 4) for k, v in report.headline().items()},
            "gates_all_passed": report.passed,
            "gates_failed_names": ", ".join(report.failed_gates) or "none",
            **_rows_metadata(table, synthetic_rows),
            **report_metadata("html", html),
            **report_metadata("json", json_path),
            "model_version": version,
        })  # fmt: skip

    return quality_report_daily
