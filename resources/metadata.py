"""Dagster metadata helpers shared by assets and checks."""

import dagster as dg

from twinforge.io.schema import TableSchema


def column_schema(schema: TableSchema) -> dg.TableSchema:
    """Column names and kinds (never values) for the asset page's schema view."""
    return dg.TableSchema(columns=[dg.TableColumn(c.name, type=f"{c.kind.value} ({c.dtype})") for c in schema.columns])


def run_metadata(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext, key: dg.AssetKey) -> dict:
    """Metadata of ``key``'s materialization in this same run, as plain values.

    A version travels with its run: downstream assets and checks read what their own run produced,
    never "the latest" materialization, which a concurrent run may have written. Fails when ``key``
    was not materialized in this run.
    """
    run_id = context.run.run_id
    records = context.instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    for record in reversed(records):
        materialization = record.event_log_entry.asset_materialization
        if materialization is not None and materialization.asset_key == key:
            return {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
    raise RuntimeError(
        f"asset {key.to_user_string()} was not materialized in this run ({run_id}): a version travels with its "
        "run, so materialize it in the same run (the dataset's retrain job does)"
    )


def run_check_verdicts(
    context: dg.AssetExecutionContext, check_keys: list[dg.AssetCheckKey]
) -> dict[dg.AssetCheckKey, bool | None]:
    """Each check's verdict in this same run: True passed, False failed, None never evaluated here."""
    verdicts: dict[dg.AssetCheckKey, bool | None] = {}
    for key in check_keys:
        history = context.instance.event_log_storage.get_asset_check_execution_history(key, limit=50)
        done = [h.status.value for h in history if h.run_id == context.run.run_id and h.status.value != "PLANNED"]
        verdicts[key] = (done[0] == "SUCCEEDED") if done else None
    return verdicts
