import dagster as dg
import polars as pl

from twinforge.ingest import table_fingerprint
from twinforge.spec import DatasetSpec
from twinforge.split import split_train_holdout


def build_split_assets(spec: DatasetSpec) -> dg.AssetsDefinition:
    @dg.multi_asset(
        outs={
            "train": dg.AssetOut(key=[spec.name, "train"], kinds={"polars"}, description="Rows a generator learns from."),
            "holdout": dg.AssetOut(
                key=[spec.name, "holdout"], kinds={"polars"},
                description="Rows no generator ever sees; privacy and utility are measured against them.",
            ),
        },
        ins={"anonymized": dg.AssetIn(key=[spec.name, "anonymized"])},
        group_name=spec.name,
    )
    def split(anonymized: pl.DataFrame):
        train, holdout = split_train_holdout(anonymized, spec.split.holdout_fraction, spec.split.seed)
        yield dg.Output(train, output_name="train", metadata={"rows": train.height, "sha256": table_fingerprint(train)})
        yield dg.Output(holdout, output_name="holdout", metadata={"rows": holdout.height, "sha256": table_fingerprint(holdout)})

    return split
