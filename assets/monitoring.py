import dagster as dg
import polars as pl

from resources.mlflow import MlflowResource
from resources.partitions import batch_partitions
from resources.settings import TwinforgeSettings
from twinforge.config.spec import DatasetSpec
from twinforge.io.batches import concat_batches
from twinforge.monitoring.batch_drift import assess_batch_drift
from twinforge.tracking.registry import champion_training_batches, get_model_version, log_run_artifacts

RETRAIN_RECOMMENDED = "retrain_recommended"  # the metadata key the drift sensor reads


def build_batch_drift_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=[spec.name, "batch_drift"],
        ins={"anonymized": dg.AssetIn(key=[spec.name, "anonymized"], partition_mapping=dg.AllPartitionMapping())},
        partitions_def=batch_partitions(spec),
        group_name=spec.name,
        kinds={"evidently", "html"},
        description="Drift of one anonymized batch against the champion's training batches: Evidently data drift "
        "per column and for the dataset, and concept drift of the spec's target. The drift sensor requests a "
        "retrain when it is recommended.",
    )
    def batch_drift(
        context: dg.AssetExecutionContext,
        settings: TwinforgeSettings,
        mlflow: MlflowResource,
        anonymized: dict[str, pl.LazyFrame],
    ) -> dg.Output[dict]:
        batch_id = context.partition_key
        champion = champion_training_batches(mlflow.uri, spec.registered_model_name)
        if champion is None:
            return _verdict(
                {"batch_id": batch_id, RETRAIN_RECOMMENDED: True, "reasons": ["no champion yet: first training"]}
            )
        version, reference_batches = champion
        if batch_id in reference_batches:
            return _verdict(
                {
                    "batch_id": batch_id,
                    RETRAIN_RECOMMENDED: False,
                    "champion_version": version,
                    "reasons": [],
                    "note": f"batch is part of champion version {version}'s training data",
                }
            )
        missing = [b for b in [*reference_batches, batch_id] if b not in anonymized]
        if missing:
            raise RuntimeError(f"anonymized batches {missing} are not materialized: materialize them first")
        reference = concat_batches({b: anonymized[b] for b in reference_batches})
        current = anonymized[batch_id].collect()
        report_dir = settings.layout.reports_dir / spec.name / "drift" / batch_id
        assessment = assess_batch_drift(
            batch_id, reference, reference_batches, current, spec.schema_for(reference),
            target=spec.target, report_dir=report_dir, drift_share=spec.drift.drift_share,
            concept_tolerance=spec.drift.concept_tolerance,
        )  # fmt: skip
        champion_run = get_model_version(mlflow.uri, spec.registered_model_name, version).run_id
        log_run_artifacts(
            mlflow.uri,
            champion_run,
            [report_dir / "drift.html", report_dir / "drift.json"],
            artifact_path=f"drift/{batch_id}",
        )
        concept = assessment.concept
        return _verdict(
            {**assessment.to_dict(), "champion_version": version},
            extra={
                "drift_share": round(assessment.data.drift_share_observed, 4),
                "drift_share_threshold": spec.drift.drift_share,
                "dataset_drift": assessment.data.dataset_drift,
                "drifted_columns": assessment.data.drifted_columns,
                "concept_drift": bool(concept and concept.drifted),
                **({"concept_score_drop": round(concept.score_drop, 4)} if concept else {}),
                "rows": current.height,
                "html": dg.MetadataValue.path(str(report_dir / "drift.html")),
            },
        )

    return batch_drift


def _verdict(result: dict, extra: dict | None = None) -> dg.Output[dict]:
    metadata = {
        RETRAIN_RECOMMENDED: bool(result[RETRAIN_RECOMMENDED]),
        "reasons": dg.MetadataValue.md("\n".join(f"- {r}" for r in result["reasons"]) or "none"),
        "reference_batches": list(result.get("reference_batches", [])),
        **({"champion_version": result["champion_version"]} if "champion_version" in result else {}),
        **(extra or {}),
    }
    return dg.Output(result, metadata=metadata)
