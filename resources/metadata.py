"""Dagster metadata helpers shared by assets and checks."""

import dagster as dg

from twinforge.io.schema import TableSchema


def column_schema(schema: TableSchema) -> dg.TableSchema:
    """Column names and kinds (never values) for the asset page's schema view."""
    return dg.TableSchema(columns=[dg.TableColumn(c.name, type=f"{c.kind.value} ({c.dtype})") for c in schema.columns])


def latest_metadata(context: dg.AssetExecutionContext, key: dg.AssetKey) -> dict:
    """Metadata of the latest materialization of ``key`` as plain values."""
    event = context.instance.get_latest_materialization_event(key)
    if event is None or event.asset_materialization is None:
        raise RuntimeError(f"asset {key.to_user_string()} has never been materialized: materialize it first")
    return {k: getattr(v, "value", v) for k, v in event.asset_materialization.metadata.items()}
