import dagster as dg

from resources.metadata import checks_not_passed, report_metadata, run_metadata
from resources.mlflow import MlflowResource
from resources.settings import TwinforgeSettings
from twinforge.config.spec import DatasetSpec
from twinforge.io.batches import BatchStore
from twinforge.tracking.registry import CHAMPION_ALIAS, PROMOTION_TAG, set_champion, set_model_version_tags


def promotion_message(model_name: str, version: str, previous: str | None) -> str:
    """What the champion step logs: a version promoted again (a retrain that reused it) stays champion."""
    if previous == version:
        return f"{model_name} version {version} stays {CHAMPION_ALIAS} (it already was)"
    return f"{model_name} version {version} is now {CHAMPION_ALIAS} (was {previous or 'none'})"


def build_champion_asset(spec: DatasetSpec, check_keys: list[dg.AssetCheckKey]) -> dg.AssetsDefinition:
    """``check_keys``: every blocking check on this run's synthetic table and quality report; each must have
    passed in the same run for the version to be promoted."""
    generator_key = dg.AssetKey([spec.name, "generator"])
    synthetic_key = dg.AssetKey([spec.name, "synthetic"])
    report_key = dg.AssetKey([spec.name, "quality_report"])
    drift_key = dg.AssetKey([spec.name, "synthetic_vs_train_drift"])

    @dg.asset(
        key=[spec.name, "champion"],
        deps=[generator_key, synthetic_key, report_key, drift_key],  # the run's last step: all else is done
        group_name=spec.name,
        kinds={"mlflow"},
        description=f"Gives the version this run trained the MLflow alias `{CHAMPION_ALIAS}`, only when every "
        "Great Expectations check on `synthetic` and every quality gate on `quality_report` of this same run "
        "passed (a missing result counts as failed); the run's last step, after every report.",
    )
    def champion(
        context: dg.AssetExecutionContext, settings: TwinforgeSettings, mlflow: MlflowResource
    ) -> dg.MaterializeResult:
        # everything below comes from this run: the version it trained, sampled, checked and reported on
        trained = run_metadata(context, generator_key)
        version = str(trained["model_version"])
        sampled, report = run_metadata(context, synthetic_key), run_metadata(context, report_key)
        run_metadata(context, drift_key)  # its synthetic-vs-train drift page was written in this run
        if str(sampled.get("model_version")) != version or str(report.get("model_version")) != version:
            raise RuntimeError(
                f"this run trained version {version} but sampled version {sampled.get('model_version')} and "
                f"reported on version {report.get('model_version')}: nothing promoted"
            )

        def refuse(reason: str, message: str) -> None:
            set_model_version_tags(mlflow.uri, spec.registered_model_name, version, {
                PROMOTION_TAG: "refused", f"{PROMOTION_TAG}.reason": reason[:500],
                f"{PROMOTION_TAG}.dagster_run_id": context.run_id,
            })  # fmt: skip
            raise RuntimeError(message)

        not_passed = checks_not_passed(context, check_keys)
        if not_passed or report.get("gates_all_passed") is not True:  # fail closed: a missing result is a failure
            refuse(
                f"not passed: {', '.join(not_passed) or 'gates'}",
                f"version {version} is not promoted: checks not passed in this run: {not_passed}",
            )
        # a batch withdrawn while this run trained on it (fail closed: no record of the batches is a refusal too)
        training_batches = trained.get("training_batches")
        withdrawn = BatchStore(spec, settings.layout).withdrawn_among(training_batches or [])
        if not training_batches or withdrawn:
            reason = (
                f"trained on withdrawn batches: {', '.join(withdrawn)}" if withdrawn else "no training batches recorded"
            )
            refuse(reason, f"version {version} is not promoted: {reason}")
        previous = set_champion(mlflow.uri, spec.registered_model_name, version, context.run_id)
        context.log.info(promotion_message(spec.registered_model_name, version, previous))
        return dg.MaterializeResult(
            metadata={
                "model_name": spec.registered_model_name,
                "champion_version": version,
                "previous_champion_version": previous or "none",
                "mlflow_model_version": dg.MetadataValue.url(
                    mlflow.links.model_version(spec.registered_model_name, version)
                ),
                **report_metadata("quality_report", report["html"]),
            }
        )

    return champion
