import dagster as dg

from resources.metadata import latest_metadata
from resources.mlflow import MlflowResource
from twinforge.config.spec import DatasetSpec
from twinforge.tracking.registry import CHAMPION_ALIAS, set_champion


def build_champion_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    synthetic_key = dg.AssetKey([spec.name, "synthetic"])
    report_key = dg.AssetKey([spec.name, "quality_report"])

    @dg.asset(
        key=[spec.name, "champion"],
        deps=[synthetic_key, report_key],
        group_name=spec.name,
        kinds={"mlflow"},
        description=f"Gives the candidate version the MLflow alias `{CHAMPION_ALIAS}`. The Great Expectations checks "
        "on `synthetic` and the quality gates on `quality_report` are blocking, so this runs only when every one "
        "of them passed.",
    )
    def champion(context: dg.AssetExecutionContext, mlflow: MlflowResource) -> dg.MaterializeResult:
        sampled = latest_metadata(context, synthetic_key)
        if sampled.get("model_source") != "candidate":
            raise RuntimeError(
                "the latest synthetic table was sampled from the champion, not from a new candidate: "
                "promotion needs the retrain job"
            )
        version = str(sampled["model_version"])
        # also when materialized on its own: the latest report must be this version's, with every gate passed
        report = latest_metadata(context, report_key)
        if str(report.get("model_version")) != version or report.get("gates_all_passed") is not True:
            raise RuntimeError(
                f"version {version} has no passing quality report (latest report: version "
                f"{report.get('model_version')}, failed gates: {report.get('gates_failed_names')})"
            )
        previous = set_champion(mlflow.uri, spec.registered_model_name, version)
        context.log.info(f"{spec.registered_model_name} version {version} is now {CHAMPION_ALIAS} (was {previous})")
        return dg.MaterializeResult(
            metadata={
                "model_name": spec.registered_model_name,
                "champion_version": version,
                "previous_champion_version": previous or "none",
                "quality_report": dg.MetadataValue.path(str(report.get("html"))),
            }
        )

    return champion
