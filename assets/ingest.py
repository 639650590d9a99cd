import dagster as dg
import polars as pl

from assets._metadata import column_schema
from twinforge.ingest import ingest
from twinforge.spec import DatasetSpec


def build_raw_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=[spec.name, "raw"],
        group_name=spec.name,
        kinds={"polars"},
        description=f"The source table of {spec.name} as read, before anonymization. Holds raw PII: nothing but `anonymized` reads it.",
    )
    def raw(context: dg.AssetExecutionContext) -> dg.Output[pl.DataFrame]:
        ingested = ingest(spec)
        return dg.Output(
            ingested.table,
            metadata={
                "source": dg.MetadataValue.path(str(ingested.source)),
                "source_sha256": ingested.content_sha256,
                "rows_in": ingested.table.height,
                "columns": ingested.table.width,
                "dagster/column_schema": column_schema(ingested.schema),
            },
        )

    return raw
