import dagster as dg
import polars as pl

from assets._metadata import column_schema
from resources.settings import TwinforgeSettings
from twinforge.anonymize import apply_policy
from twinforge.spec import DatasetSpec


def build_anonymized_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=[spec.name, "anonymized"],
        ins={"raw": dg.AssetIn(key=[spec.name, "raw"])},
        group_name=spec.name,
        kinds={"polars"},
        description="The table after the spec's anonymization policy: no raw PII passes this point.",
    )
    def anonymized(context: dg.AssetExecutionContext, settings: TwinforgeSettings, raw: pl.DataFrame) -> dg.Output[pl.DataFrame]:
        policy = {c: p.action for c, p in spec.columns.items()}
        table, report = apply_policy(raw, policy, key=settings.pseudonym_key())
        schema = spec.schema_for(table)
        return dg.Output(
            table,
            metadata={
                "rows_in": raw.height,
                "rows_out": table.height,
                "dropped_columns": report.columns_with("drop"),
                "pseudonymized_columns": report.columns_with("pseudonymize"),
                "policy": dg.MetadataValue.json(report.to_dict()),
                "dagster/column_schema": column_schema(schema),
            },
        )

    return anonymized
