"""Dagster metadata helpers shared by assets and checks."""

import re
from pathlib import Path

import dagster as dg

from resources.mlflow import MlflowResource
from twinforge.io.schema import TableSchema
from twinforge.tracking.links import file_url
from twinforge.tracking.registry import ModelVersionRef

# Dagster renders Markdown metadata with HTML sanitised, but Markdown itself is live: a column named
# "x | y ![t](https://host/pixel) [Open](https://host/login)" would break a table and add an image and a link
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~=:&\"'$%^;,@?/])")


def md_text(value: object) -> str:
    """``value`` (text from the data: a column name, a reason quoting one) as literal Markdown on one line."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(value).split()))


def md_list(items: list[str] | tuple[str, ...], empty: str = "none") -> str:
    """A Markdown bullet list of literal texts, or ``empty``."""
    return "\n".join(f"- {md_text(item)}" for item in items) or empty


def column_schema(schema: TableSchema) -> dg.TableSchema:
    """Column names and kinds (never values) for the asset page's schema view."""
    return dg.TableSchema(columns=[dg.TableColumn(c.name, type=f"{c.kind.value} ({c.dtype})") for c in schema.columns])


def materialized_in_run(instance: dg.DagsterInstance, run_id: str, key: dg.AssetKey) -> dict | None:
    """Metadata of the run's last materialization of ``key``, as plain values; None if there is none."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    for record in reversed(records):
        materialization = record.event_log_entry.asset_materialization
        if materialization is not None and materialization.asset_key == key:
            return {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
    return None


def run_metadata(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext | dg.OpExecutionContext, key: dg.AssetKey
) -> dict:
    """Metadata of ``key``'s materialization in this same run, as plain values.

    A version travels with its run: downstream assets and checks read what their own run produced,
    never "the latest" materialization, which a concurrent run may have written. Fails when ``key``
    was not materialized in this run.
    """
    run_id = context.run.run_id
    found = materialized_in_run(context.instance, run_id, key)
    if found is not None:
        return found
    raise RuntimeError(
        f"asset {key.to_user_string()} was not materialized in this run ({run_id}): a version travels with its "
        "run, so materialize it in the same run (the dataset's retrain job does)"
    )


def run_check_verdicts(
    context: dg.AssetExecutionContext, check_keys: list[dg.AssetCheckKey]
) -> dict[dg.AssetCheckKey, bool | None]:
    """Each check's verdict in this same run: True passed, False failed, None never evaluated here. Read from
    this run's own events, however many other runs evaluated the same checks since."""
    found: dict[dg.AssetCheckKey, bool] = {}
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    for record in records:  # oldest first: a check evaluated twice keeps its last verdict
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        found[dg.AssetCheckKey(evaluation.asset_key, evaluation.check_name)] = bool(evaluation.passed)
    return {key: found.get(key) for key in check_keys}


def checks_not_passed(context: dg.AssetExecutionContext, check_keys: list[dg.AssetCheckKey]) -> list[str]:
    """The checks that did not pass in this same run, as ``asset:check (failed|no result)``: a missing result
    is a failure (fail closed)."""
    verdicts = run_check_verdicts(context, check_keys)
    return sorted(
        f"{key.asset_key.path[-1]}:{key.name} ({'failed' if verdict is False else 'no result'})"
        for key, verdict in verdicts.items()
        if verdict is not True
    )


def version_metadata(ref: ModelVersionRef, mlflow: MlflowResource) -> dict:
    """A registered version's ids, with links to its MLflow run and model-version pages."""
    return {
        "model_name": ref.model_name,
        "model_version": ref.version,
        "model_uri": ref.model_uri,
        "mlflow_run_id": ref.run_id,
        "mlflow_experiment_id": ref.experiment_id,
        "mlflow_tracking_uri": mlflow.uri,
        "mlflow_run": dg.MetadataValue.url(mlflow.links.run(ref.experiment_id, ref.run_id)),
        "mlflow_model_version": dg.MetadataValue.url(mlflow.links.model_version(ref.model_name, ref.version)),
    }


def report_metadata(
    name: str,
    path: str | Path,
    mlflow: MlflowResource | None = None,
    run: tuple[str, str] | None = None,
    artifact_dir: str = "",
) -> dict:
    """A report file as a path (to copy) and a ``file://`` link; with ``mlflow`` and ``run`` (experiment id,
    run id) also a link to the copy logged under ``artifact_dir`` of that MLflow run (its artifact view in
    the MLflow UI), which a browser opens from the Dagster UI; browsers do not follow ``file://`` links
    from web pages."""
    metadata = {name: dg.MetadataValue.path(str(path)), f"{name}_file": dg.MetadataValue.url(file_url(path))}
    if mlflow is not None and run is not None:
        artifact = f"{artifact_dir}/{Path(path).name}" if artifact_dir else Path(path).name
        metadata[f"{name}_in_mlflow"] = dg.MetadataValue.url(mlflow.links.run_artifact(*run, artifact))
    return metadata
