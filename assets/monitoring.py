import dagster as dg
import polars as pl

from resources.metadata import md_list, report_metadata
from resources.mlflow import MlflowResource
from resources.partitions import batch_partitions
from resources.settings import TwinforgeSettings
from twinforge.config.spec import DatasetSpec
from twinforge.io.batches import BatchStore, concat_batches
from twinforge.monitoring.batch_drift import FIRST_TRAINING, assess_batch_drift
from twinforge.tracking.registry import champion_training_batches, log_run_artifacts, version_run

RETRAIN_RECOMMENDED = "retrain_recommended"  # the metadata key the drift sensor reads
NOT_HELD_CHECK = "batch_not_held"


def build_batch_drift_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    key = dg.AssetKey([spec.name, "batch_drift"])

    @dg.asset(
        key=key,
        check_specs=[
            dg.AssetCheckSpec(
                NOT_HELD_CHECK,
                asset=key,
                description="Fails when the batch breaks a hold rule (drift.hold_if): it is then held, out of "
                "every training window, until approved with `twinforge batches DATASET --approve BATCH` or the "
                "approve_batch job.",
            )
        ],
        ins={"anonymized": dg.AssetIn(key=[spec.name, "anonymized"], partition_mapping=dg.AllPartitionMapping())},
        partitions_def=batch_partitions(spec),
        group_name=spec.name,
        kinds={"evidently", "html"},
        description="Drift of one anonymized batch against the champion's training batches: Evidently data drift "
        "per column and for the dataset, each column's effect size, and concept drift of the spec's target. The "
        "drift sensor requests a retrain when it is recommended; an implausible batch is held instead.",
    )
    def batch_drift(
        context: dg.AssetExecutionContext,
        settings: TwinforgeSettings,
        mlflow: MlflowResource,
        anonymized: dict[str, pl.LazyFrame],
    ):
        batch_id = context.partition_key
        store = BatchStore(spec, settings.layout)
        champion = champion_training_batches(mlflow.uri, spec.registered_model_name)
        if champion is None:
            # no champion to compare with: the active batches that arrived before this one are the reference, so
            # the hold rules still apply (a first training that failed its gates must not open the door)
            earlier = [b for b in store.active_before(batch_id) if b in anonymized]
            if not earlier:
                yield from _verdict(
                    key, {"batch_id": batch_id, RETRAIN_RECOMMENDED: True, "verdict": "retrain",
                          "reasons": [FIRST_TRAINING],
                          "notes": ["hold rules not applied: no earlier active batch to compare with"]}
                )  # fmt: skip
                return
            version, reference_batches = None, earlier
        else:
            version, reference_batches = champion
        if batch_id in reference_batches:
            yield from _verdict(
                key,
                {
                    "batch_id": batch_id,
                    RETRAIN_RECOMMENDED: False,
                    "verdict": "no retrain",
                    "champion_version": version,
                    "reasons": [],
                    "note": f"batch is part of champion version {version}'s training data",
                },
            )
            return
        missing = [b for b in [*reference_batches, batch_id] if b not in anonymized]
        if missing:
            raise RuntimeError(f"anonymized batches {missing} are not materialized: materialize them first")
        reference = concat_batches({b: anonymized[b] for b in reference_batches})
        current = anonymized[batch_id].collect()
        report_dir = settings.layout.reports_dir / spec.name / "drift" / batch_id
        assessment = assess_batch_drift(
            batch_id, reference, reference_batches, current, spec.schema_for(reference),
            target=spec.target, report_dir=report_dir, rules=spec.drift, champion_version=version,
            approved=store.was_approved(batch_id), first_training=version is None,
        )  # fmt: skip
        if assessment.verdict == "held":
            store.hold(batch_id, assessment.hold_reasons)
            context.log.warning(f"batch {batch_id} is held: {'; '.join(assessment.hold_reasons)}")
        links: dict = {}
        if version is not None:
            experiment_id, champion_run = version_run(mlflow.uri, spec.registered_model_name, version)
            log_run_artifacts(
                mlflow.uri,
                champion_run,
                [report_dir / "drift.html", report_dir / "drift.json"],
                artifact_path=f"drift/{batch_id}",
            )
            links = {
                **report_metadata(
                    "html", report_dir / "drift.html", mlflow, (experiment_id, champion_run), f"drift/{batch_id}"
                ),
                "champion_mlflow_run": dg.MetadataValue.url(mlflow.links.run(experiment_id, champion_run)),
                "champion_model_version": dg.MetadataValue.url(
                    mlflow.links.model_version(spec.registered_model_name, version)
                ),
            }
        concept = assessment.concept
        largest = max(assessment.shifts.values(), key=lambda s: s.effect, default=None)
        yield from _verdict(
            key,
            assessment.to_dict(),
            extra={
                "drift_share": round(assessment.data.drift_share_observed, 4),
                "drift_share_threshold": spec.drift.drift_share,
                "dataset_drift": assessment.data.dataset_drift,
                "drifted_columns": assessment.data.drifted_columns,
                **({"largest_effect_column": largest.column, "largest_effect": round(largest.effect, 4)}
                   if largest else {}),
                "concept_drift": bool(concept and concept.drifted),
                **({"concept_score_drop": round(concept.score_drop, 4)} if concept else {}),
                "rows": current.height,
                **(links or report_metadata("html", report_dir / "drift.html")),
            },
        )  # fmt: skip

    return batch_drift


def _verdict(key: dg.AssetKey, result: dict, extra: dict | None = None):
    """The asset's output (the assessment) with its metadata, then the hold check's result."""
    holds = list(result.get("hold_reasons", []))
    metadata = {
        RETRAIN_RECOMMENDED: bool(result[RETRAIN_RECOMMENDED]),
        "verdict": result["verdict"],
        "reasons": dg.MetadataValue.md(md_list(result["reasons"])),
        "hold_reasons": dg.MetadataValue.md(md_list(holds)),
        "reference_batches": list(result.get("reference_batches", [])),
        **({"champion_version": result["champion_version"]} if result.get("champion_version") else {}),
        **(extra or {}),
    }
    yield dg.Output(result, metadata=metadata)
    yield dg.AssetCheckResult(
        asset_key=key,
        check_name=NOT_HELD_CHECK,
        passed=not holds,
        severity=dg.AssetCheckSeverity.ERROR,
        description="held: " + "; ".join(holds) if holds else "the batch breaks no hold rule",
        metadata={"hold_reasons": dg.MetadataValue.md(md_list(holds))},
    )
