"""Data drift between a reference table and a new batch, with Evidently 0.7.

Used by the ``batch_drift`` asset (the champion's training data is the
reference, a new real batch the current data; detected drift triggers
retraining) and by ``synthetic_vs_train_drift`` (the training table against the
synthetic table sampled from it). Numerical drift is tested on integer, float and datetime columns
(datetimes as epoch seconds: Evidently's drift preset skips datetime columns),
categorical drift on categorical and boolean ones. Identifiers and free text are
never compared.

Evidently imports slowly (seconds), so it is imported inside :func:`compare_drift`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from twinforge.evaluation.fidelity import MIN_NAMED_COUNT, OTHER
from twinforge.io.permissions import write_private, write_private_text
from twinforge.io.schema import ColumnKind, TableSchema

NUMERICAL_KINDS = (ColumnKind.INTEGER, ColumnKind.FLOAT, ColumnKind.DATETIME)
CATEGORICAL_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
# a failed column drift test reads FAIL, or WARNING when the test is not critical
DRIFT_STATUSES = ("FAIL", "WARNING")


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: str  # "numerical" or "categorical", as Evidently saw it
    method: str  # e.g. "K-S p_value", "Wasserstein distance (normed)"
    threshold: float | None
    score: float | None
    drifted: bool  # the verdict: Evidently's test failed (for a batch, and its effect size reached drift.min_effect)
    test_drifted: bool | None = None  # Evidently's test alone, where the verdict also weighed an effect size

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "method": self.method, "threshold": self.threshold,
            "score": self.score, "drifted": self.drifted, "test_drifted": self.test_drifted,
        }  # fmt: skip


@dataclass(frozen=True)
class DriftSummary:
    dataset_drift: bool  # drift_share_observed >= drift_share
    drift_share: float  # the threshold used
    drift_share_observed: float
    drifted_columns: list[str]
    columns: dict[str, ColumnDrift]
    html_path: Path | None = None  # None until the page is written
    json_path: Path | None = None
    skipped_columns: dict[str, str] = field(default_factory=dict)  # name -> reason

    @classmethod
    def of_columns(
        cls, columns: dict[str, ColumnDrift], drift_share: float, skipped_columns: dict[str, str]
    ) -> DriftSummary:
        """The summary of these column verdicts: the dataset drifts when their drifted share reaches
        ``drift_share``."""
        drifted = [name for name, column in columns.items() if column.drifted]
        share = len(drifted) / max(len(columns), 1)
        return cls(share >= drift_share, drift_share, share, drifted, columns, skipped_columns=skipped_columns)

    def written_to(self, html_path: Path | None, json_path: Path | None = None) -> DriftSummary:
        return replace(self, html_path=html_path, json_path=json_path)

    @property
    def n_columns(self) -> int:
        return len(self.columns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset_drift": self.dataset_drift,
            "drift_share": self.drift_share,
            "drift_share_observed": self.drift_share_observed,
            "n_columns": self.n_columns,
            "n_drifted_columns": len(self.drifted_columns),
            "drifted_columns": list(self.drifted_columns),
            "columns": {name: c.to_dict() for name, c in self.columns.items()},
            "skipped_columns": dict(self.skipped_columns),
            "html_path": str(self.html_path) if self.html_path else None,
            "json_path": str(self.json_path) if self.json_path else None,
        }


def with_effect_floor(summary: DriftSummary, effects: dict[str, float], min_effect: float) -> DriftSummary:
    """``summary`` with a column drifted only where Evidently's test failed and its effect size (``effects``,
    :mod:`twinforge.monitoring.effect_size`) reaches ``min_effect``. A test alone answers "is there any
    difference", which on a small batch (fixed distance thresholds) or a large one (p-values) is yes for
    differences of no consequence; the effect size says how far the column moved."""
    columns = {
        name: replace(column, drifted=column.drifted and effects[name] >= min_effect, test_drifted=column.drifted)
        for name, column in summary.columns.items()
    }
    floored = DriftSummary.of_columns(columns, summary.drift_share, summary.skipped_columns)
    return floored.written_to(summary.html_path, summary.json_path)


@dataclass(frozen=True)
class DriftComparison:
    """Evidently's verdicts on each column, and its report, not yet written."""

    summary: DriftSummary
    snapshot: Any  # Evidently's run report

    def save(self, html_path: Path, *, json_path: Path | None = None, summary_block: str = "") -> None:
        """Write Evidently's page (its data block made inert, ``summary_block`` first in its body) and, if asked,
        its JSON, as owner-only files."""
        from twinforge.monitoring.summary_page import with_summary

        page = inert_data_block(self.snapshot.get_html_str(as_iframe=False))
        write_private_text(html_path, with_summary(page, summary_block) if summary_block else page)
        if json_path is not None:
            write_private(Path(json_path), lambda target: self.snapshot.save_json(str(target)))


def compare_drift(
    reference: pl.DataFrame,
    current: pl.DataFrame,
    schema: TableSchema,
    *,
    drift_share: float = 0.5,
    method: str | None = None,
    threshold: float | None = None,
) -> DriftComparison:
    """Compare ``current`` with ``reference`` column by column (Evidently's drift preset).

    The dataset drifts when at least ``drift_share`` of the compared columns drift.
    ``method`` / ``threshold`` override Evidently's per-column defaults (which depend
    on sample size and column type) for every column.
    """
    _quiet_evidently()
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    kinds, skipped = drift_columns(reference, current, schema)
    if not kinds:
        raise ValueError(f"no column can be compared for drift (skipped: {skipped})")
    definition = DataDefinition(
        numerical_columns=[c for c, k in kinds.items() if k == "numerical"],
        categorical_columns=[c for c, k in kinds.items() if k == "categorical"],
    )
    preset = DataDriftPreset(drift_share=drift_share, method=method, threshold=threshold)
    reference, current = _prepare(reference, kinds), _prepare(current, kinds)
    reference, current = pool_rare_categories(reference, current, [c for c, k in kinds.items() if k == "categorical"])
    snapshot = Report([preset], include_tests=True).run(
        current_data=Dataset.from_pandas(current.to_pandas(), data_definition=definition),
        reference_data=Dataset.from_pandas(reference.to_pandas(), data_definition=definition),
    )
    columns = _column_drifts(snapshot.dict(), kinds)
    return DriftComparison(DriftSummary.of_columns(columns, drift_share, skipped), snapshot)


def data_drift_report(
    reference: pl.DataFrame,
    current: pl.DataFrame,
    schema: TableSchema,
    html_path: Path,
    *,
    drift_share: float = 0.5,
    json_path: Path | None = None,
    method: str | None = None,
    threshold: float | None = None,
) -> DriftSummary:
    """:func:`compare_drift`, its Evidently page written to ``html_path`` (and JSON to ``json_path``)."""
    comparison = compare_drift(reference, current, schema, drift_share=drift_share, method=method, threshold=threshold)
    comparison.save(Path(html_path), json_path=json_path)
    return comparison.summary.written_to(Path(html_path), json_path and Path(json_path))


def _quiet_evidently() -> None:
    # Evidently's telemetry honours DO_NOT_TRACK; must be set before it is imported.
    os.environ.setdefault("DO_NOT_TRACK", "1")


def drift_columns(
    reference: pl.DataFrame, current: pl.DataFrame, schema: TableSchema
) -> tuple[dict[str, str], dict[str, str]]:
    """Columns to compare (name -> "numerical"/"categorical") and skipped ones (name -> reason)."""
    kinds: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for col in schema.columns:
        reason = _skip_reason(col.name, col.kind, reference, current)
        if reason:
            skipped[col.name] = reason
        else:
            kinds[col.name] = "numerical" if col.kind in NUMERICAL_KINDS else "categorical"
    return kinds, skipped


def _skip_reason(name: str, kind: ColumnKind, reference: pl.DataFrame, current: pl.DataFrame) -> str | None:
    if kind not in NUMERICAL_KINDS + CATEGORICAL_KINDS:
        return kind.value  # identifiers and free text are never compared
    for label, df in (("reference", reference), ("current", current)):
        if name not in df.columns:
            return f"missing from {label}"
        if df.get_column(name).null_count() == df.height:
            return f"no values in {label}"  # Evidently cannot test an empty column
    return None


def pool_rare_categories(
    reference: pl.DataFrame, current: pl.DataFrame, columns: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Both frames with every category that fewer than ``MIN_NAMED_COUNT`` reference rows hold written as
    "(other)", as the quality report pools them: the drift report (HTML, logged to MLflow) names no label
    that one or a few people hold (their name, phone or id). A category new in ``current`` is pooled too,
    however common there: the drift is still measured, on "(other)"."""
    pooled = []
    for name in columns:
        counts = reference.get_column(name).drop_nulls().value_counts()
        named = counts.filter(pl.col("count") >= MIN_NAMED_COUNT).get_column(name).implode()
        column = pl.col(name)
        pooled.append(pl.when(column.is_null() | column.is_in(named)).then(column).otherwise(pl.lit(OTHER)).alias(name))
    return reference.with_columns(pooled), current.with_columns(pooled)


def _prepare(df: pl.DataFrame, kinds: dict[str, str]) -> pl.DataFrame:
    """The compared columns: datetimes as epoch seconds, categories as strings."""
    exprs, schema = [], df.schema
    for name, kind in kinds.items():
        col, dtype = pl.col(name), schema[name]
        if dtype.is_temporal():
            # Evidently's drift preset ignores datetime columns; seconds drift like any number.
            exprs.append(temporal_seconds(col, dtype).alias(name))
        elif kind == "numerical":
            exprs.append(col.cast(pl.Float64))  # one dtype on both sides (Int32 vs Int64, nulls)
        else:
            exprs.append(col.cast(pl.String))  # "1" and "true" are categories, not numbers
    return df.select(exprs)


def temporal_seconds(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A Date, Datetime, Duration or Time column as seconds (since the epoch, in all, since midnight)."""
    if dtype == pl.Duration:
        return col.dt.total_microseconds().cast(pl.Float64) / 1e6
    if dtype == pl.Time:
        return col.cast(pl.Int64).cast(pl.Float64) / 1e9  # nanoseconds since midnight
    return col.dt.epoch("us").cast(pl.Float64) / 1e6


# Evidently's page: a <script> whose first statement is ``var <dashboard id> = <JSON>``, and later the
# dashboard's root element, named by that id (a random UUID, which no data can guess)
_DATA_BLOCK = re.compile(r"<script>\s*var (metric_[0-9a-f]+) = ")


def inert_data_block(page: str) -> str:
    """Evidently's page with every ``<`` in its embedded data written ``\\u003c``. The data (column names,
    category values) is JSON inside an inline ``<script>``, which Evidently does not escape: a ``</script>``
    in a name or value would end the element there, and what follows it would be the page's markup. In JSON
    ``<`` occurs only inside strings, where ``\\u003c`` is the same character. A page not laid out as
    expected is refused rather than written unchecked."""
    start = _DATA_BLOCK.search(page)
    root = page.find(f'<div id="root_{start.group(1)}">', start.end()) if start else -1
    end = page.rfind("</script>", start.end(), root) if root >= 0 else -1
    if end < 0:
        raise RuntimeError("Evidently's drift page is not laid out as expected: its data block was not found")
    return page[: start.end()] + page[start.end() : end].replace("<", "\\u003c") + page[end:]


def _column_drifts(snapshot: dict, kinds: dict[str, str]) -> dict[str, ColumnDrift]:
    """Per-column method/score from the ValueDrift metrics, drift from their tests.

    The test status is the verdict: p-value methods drift below their threshold,
    distance methods above it, so the raw score alone cannot say.
    """
    metrics = {m["id"]: m for m in snapshot["metrics"] if m.get("config", {}).get("type", "").endswith(":ValueDrift")}
    status = {
        t["metric_config"]["metric_id"]: str(getattr(t["status"], "value", t["status"])).upper()
        for t in snapshot.get("tests", [])
        if t["id"] == "drift"
    }
    out: dict[str, ColumnDrift] = {}
    for metric_id, m in metrics.items():
        config = m["config"]
        name = config["column"]
        out[name] = ColumnDrift(
            column=name,
            kind=kinds.get(name, "unknown"),
            method=str(config.get("method")),
            threshold=_float(config.get("threshold")),
            score=_float(m.get("value")),
            drifted=status.get(metric_id) in DRIFT_STATUSES,
        )
    # keep the schema's column order
    return {name: out[name] for name in kinds if name in out}


def _float(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None
