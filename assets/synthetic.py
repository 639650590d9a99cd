import dagster as dg
import polars as pl

from assets._metadata import latest_metadata
from resources.mlflow import MlflowResource
from resources.settings import TwinforgeSettings
from twinforge.spec import DatasetSpec
from twinforge.tracking import CHAMPION_ALIAS, download_generator, get_alias_version, scratch_dir


class SyntheticConfig(dg.Config):
    use_champion: bool = False  # False: the version just trained (retrain); True: the champion (regenerate)
    rows: int | None = None  # default: the spec's sampling.rows, else as many as the training table
    seed: int | None = None  # default: the spec's sampling.seed


def build_synthetic_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    generator_key = dg.AssetKey([spec.name, "generator"])
    train_key = dg.AssetKey([spec.name, "train"])

    @dg.asset(
        key=[spec.name, "synthetic"],
        deps=[generator_key],
        group_name=spec.name,
        kinds={"polars"},
        description="Synthetic rows sampled from a registered generator version (the new candidate in "
        "`retrain`, the champion in `regenerate`).",
    )
    def synthetic(
        context: dg.AssetExecutionContext, config: SyntheticConfig, settings: TwinforgeSettings, mlflow: MlflowResource
    ) -> dg.Output[pl.DataFrame]:
        model_name = spec.registered_model_name
        if config.use_champion:
            version = get_alias_version(mlflow.uri, model_name, CHAMPION_ALIAS)
            if version is None:
                raise RuntimeError(f"model {model_name} has no '{CHAMPION_ALIAS}' version yet: run the retrain job first")
        else:
            version = str(latest_metadata(context, generator_key)["model_version"])
        rows = config.rows or spec.sampling.rows or int(latest_metadata(context, train_key)["rows"])
        seed = spec.sampling.seed if config.seed is None else config.seed
        with scratch_dir() as tmp:
            from twinforge.generators import load_generator

            generator = load_generator(download_generator(mlflow.uri, model_name, version, tmp))
            context.log.info(f"sampling {rows} rows from {model_name} version {version}")
            table = generator.sample(
                rows, seed=seed, conditions=spec.sampling.conditions or None, rebalance=spec.sampling.rebalance
            )
        return dg.Output(
            table,
            metadata={
                "rows_out": table.height,
                "model_name": model_name,
                "model_version": version,
                "model_source": CHAMPION_ALIAS if config.use_champion else "candidate",
                "sampling_seed": seed,
                "sampling_conditions": dg.MetadataValue.json(
                    {"conditions": spec.sampling.conditions, "rebalance": spec.sampling.rebalance}
                ),
            },
        )

    return synthetic
