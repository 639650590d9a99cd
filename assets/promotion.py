import dagster as dg

from assets._metadata import latest_metadata
from resources.mlflow import MlflowResource
from twinforge.spec import DatasetSpec
from twinforge.tracking import CHAMPION_ALIAS, set_champion


def build_champion_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    synthetic_key = dg.AssetKey([spec.name, "synthetic"])

    @dg.asset(
        key=[spec.name, "champion"],
        deps=[synthetic_key],
        group_name=spec.name,
        kinds={"mlflow"},
        description=f"Gives the candidate version the MLflow alias `{CHAMPION_ALIAS}`. The checks on `synthetic` "
        "are blocking, so this runs only when every one of them passed.",
    )
    def champion(context: dg.AssetExecutionContext, mlflow: MlflowResource) -> dg.MaterializeResult:
        sampled = latest_metadata(context, synthetic_key)
        if sampled.get("model_source") != "candidate":
            raise RuntimeError(
                "the latest synthetic table was sampled from the champion, not from a new candidate: "
                "promotion needs the retrain job"
            )
        version = str(sampled["model_version"])
        previous = set_champion(mlflow.uri, spec.registered_model_name, version)
        context.log.info(f"{spec.registered_model_name} version {version} is now {CHAMPION_ALIAS} (was {previous})")
        return dg.MaterializeResult(
            metadata={
                "model_name": spec.registered_model_name,
                "champion_version": version,
                "previous_champion_version": previous or "none",
            }
        )

    return champion
