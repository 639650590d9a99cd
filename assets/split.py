import dagster as dg
import polars as pl

from resources.settings import TwinforgeSettings
from twinforge.config.spec import DatasetSpec
from twinforge.io.batches import BatchStore, concat_batches, training_window
from twinforge.io.ingest import table_fingerprint
from twinforge.io.split import repeated_rows, split_train_holdout


def build_split_assets(spec: DatasetSpec) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name=f"{spec.name}__split",  # op names are global: one per dataset
        outs={
            "train": dg.AssetOut(
                key=[spec.name, "train"], kinds={"polars"}, description="Rows a generator learns from."
            ),
            "holdout": dg.AssetOut(
                key=[spec.name, "holdout"],
                kinds={"polars"},
                description="Rows no generator ever sees; privacy and utility are measured against them.",
            ),
        },
        ins={"anonymized": dg.AssetIn(key=[spec.name, "anonymized"])},
        group_name=spec.name,
        description="The anonymized batches of the training window (split.training_window; default all), "
        "stacked and split.",
    )
    def split(context: dg.AssetExecutionContext, settings: TwinforgeSettings, anonymized: dict[str, pl.LazyFrame]):
        store = BatchStore(spec, settings.layout)
        active, withdrawn = store.active_ids(), [b for b in store.ids() if b not in store.active_ids()]
        ordered = [b for b in active if b in anonymized]  # a partition no manifest knows never trains
        window = training_window(ordered, spec.split.training_window)
        not_ingested = [b for b in active if b not in anonymized]
        if not_ingested:
            context.log.warning(f"batches not materialized in `anonymized`, left out: {not_ingested}")
        frames = {b: f.collect() if isinstance(f := anonymized[b], pl.LazyFrame) else f for b in window}
        table = concat_batches(frames, k_schemes={b: store.get(b).k_scheme for b in window})
        train, holdout = split_train_holdout(
            table, spec.split.holdout_fraction, spec.split.seed, record_key=spec.split.record_key
        )
        batches = {
            "training_batches": window,
            "batches_not_ingested": not_ingested,
            "batches_withdrawn": withdrawn,
            "repeated_rows": dg.MetadataValue.json(repeated_rows(frames)),
        }
        yield dg.Output(
            train, output_name="train", metadata={"rows": train.height, "sha256": table_fingerprint(train), **batches}
        )
        yield dg.Output(
            holdout,
            output_name="holdout",
            metadata={"rows": holdout.height, "sha256": table_fingerprint(holdout), **batches},
        )

    return split
