"""Column plumbing shared by the evaluation metrics.

Which columns are compared (every modelled column present in all tables;
identifiers and free text never are), how a column becomes floats or category
labels, and the two row encodings the metrics need:

* :class:`FeatureMatrix` for scikit-learn models (discriminator, utility):
  numbers stay numbers (NaN for null), categories become small integer codes
  that HistGradientBoosting treats as categorical.
* :class:`DistanceSpace` for nearest-neighbour metrics (privacy): a
  Gower-like space where each numeric column is its rank in the training data
  (0..1) and a differing category or null-ness counts 1, so every column
  weighs about the same and an outlier cannot dominate a distance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from twinforge.io.schema import ColumnKind, ColumnSchema, TableSchema

NUMERIC_KINDS = (ColumnKind.INTEGER, ColumnKind.FLOAT, ColumnKind.DATETIME)
CATEGORICAL_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
# Categories kept as their own code / one-hot slot; rarer ones share an "other" slot.
MAX_MODEL_CATEGORIES = 200
MAX_DISTANCE_CATEGORIES = 100


def is_numeric(column: ColumnSchema) -> bool:
    return column.kind in NUMERIC_KINDS


# why a compared column is skipped when only the synthetic table lacks it (the worst-column gate fails it)
MISSING_FROM_SYNTHETIC = "missing from synthetic"


def compared_columns(schema: TableSchema, *frames: pl.DataFrame) -> tuple[list[ColumnSchema], dict[str, str]]:
    """Schema columns the metrics compare, and the reason each other column is skipped."""
    columns: list[ColumnSchema] = []
    skipped: dict[str, str] = {}
    for col in schema.columns:
        if col.kind not in NUMERIC_KINDS + CATEGORICAL_KINDS:
            skipped[col.name] = col.kind.value  # identifiers and free text
            continue
        missing = [i for i, f in enumerate(frames) if col.name not in f.columns]
        if missing:
            skipped[col.name] = MISSING_FROM_SYNTHETIC if missing == [len(frames) - 1] else "missing from a table"
            continue
        columns.append(col)
    return columns, skipped


def as_float_series(s: pl.Series) -> pl.Series:
    """Float64 values, NaN as null; datetimes as epoch seconds, durations as seconds."""
    if s.dtype in (pl.Date, pl.Datetime):
        return s.dt.epoch("us").cast(pl.Float64) / 1e6
    if s.dtype == pl.Duration:
        return s.dt.total_microseconds().cast(pl.Float64) / 1e6
    if s.dtype == pl.Boolean:
        return s.cast(pl.Float64)
    return s.cast(pl.Float64).fill_nan(None)


def as_float_array(s: pl.Series) -> np.ndarray:
    """Non-null, finite values as a float64 array."""
    a = as_float_series(s).drop_nulls().to_numpy()
    return a[np.isfinite(a)]


def as_floats_with_nan(s: pl.Series) -> np.ndarray:
    """Every value as float64, null and infinite as NaN (same length as ``s``)."""
    a = as_float_series(s).to_numpy().astype(np.float64, copy=True)
    a[~np.isfinite(a)] = np.nan
    return a


def as_labels(s: pl.Series) -> pl.Series:
    """Category labels as strings (booleans and 0/1 flags alike), nulls kept."""
    if s.dtype == pl.Boolean:
        s = s.cast(pl.Int8)
    return s.cast(pl.String)


def null_rate(s: pl.Series) -> float:
    if s.len() == 0:
        return 0.0
    nulls = s.null_count() + (int(s.is_nan().sum()) if s.dtype.is_float() else 0)
    return nulls / s.len()


def pair(real: Any, synthetic: Any) -> dict[str, Any]:
    return {"real": real, "synthetic": synthetic}


def sample_rows(df: pl.DataFrame, n: int | None, seed: int) -> pl.DataFrame:
    """At most ``n`` rows, drawn without replacement (all rows, in order, when there are fewer)."""
    if n is None or df.height <= n:
        return df
    return df.sample(n, seed=seed, shuffle=True)


def top_categories(labels: pl.Series, limit: int) -> list[str]:
    """The ``limit`` most frequent non-null labels, most frequent first (ties by label)."""
    counts = labels.drop_nulls().rename("value").value_counts()
    counts = counts.sort(["count", "value"], descending=[True, False])
    return counts.get_column("value").head(limit).to_list()


def label_codes(labels: pl.Series, categories: Sequence[str]) -> np.ndarray:
    """Code of each label in ``categories``; ``len(categories)`` for any other label, -1 for null."""
    lookup = pl.DataFrame(
        {"value": list(categories), "code": np.arange(len(categories), dtype=np.int64)},
        schema={"value": pl.String, "code": pl.Int64},
    )
    frame = pl.DataFrame({"value": labels}).join(lookup, on="value", how="left", maintain_order="left")
    codes = frame.get_column("code").fill_null(len(categories)).to_numpy().copy()
    codes[labels.is_null().to_numpy()] = -1
    return codes


# --------------------------------------------------------------------------- model features


@dataclass(frozen=True)
class FeatureMatrix:
    """Turns tables into a float matrix for HistGradientBoosting; fit the categories on every table involved."""

    columns: list[ColumnSchema]
    categories: dict[str, list[str]]

    @classmethod
    def fit(cls, columns: Sequence[ColumnSchema], *frames: pl.DataFrame) -> FeatureMatrix:
        categories = {}
        for col in columns:
            if not is_numeric(col):
                labels = pl.concat([as_labels(f.get_column(col.name)) for f in frames])
                categories[col.name] = top_categories(labels, MAX_MODEL_CATEGORIES)
        return cls(list(columns), categories)

    @property
    def categorical_mask(self) -> np.ndarray:
        return np.array([not is_numeric(c) for c in self.columns], dtype=bool)

    def transform(self, df: pl.DataFrame) -> np.ndarray:
        out = np.empty((df.height, len(self.columns)), dtype=np.float64)
        for j, col in enumerate(self.columns):
            s = df.get_column(col.name)
            if is_numeric(col):
                out[:, j] = as_floats_with_nan(s)
            else:
                codes = label_codes(as_labels(s), self.categories[col.name]).astype(np.float64)
                codes[codes < 0] = np.nan  # HistGradientBoosting's own missing-value handling
                out[:, j] = codes
        return out


def with_values(x: np.ndarray) -> np.ndarray:
    """The columns of a feature matrix holding at least one value: HistGradientBoosting cannot bin a column
    with none (a column empty in every row it is fitted on carries nothing to learn)."""
    return ~np.isnan(x).all(axis=0)


# --------------------------------------------------------------------------- distances


@dataclass(frozen=True)
class _DistanceColumn:
    name: str
    numeric: bool
    sorted_values: np.ndarray | None  # numeric: the reference's values, for ranks
    categories: list[str] | None
    start: int  # first slot in the embedding
    width: int


class DistanceSpace:
    """Rows as points whose Euclidean distance is Gower-like; fit on the training table.

    A numeric value becomes its mid-rank among the training values (0..1) plus a
    null flag; a category becomes a one-hot vector scaled by 1/sqrt(2), so two
    rows differing in one category are exactly 1 apart, as are a null and a
    value. Euclidean (not Manhattan) distance so the search runs on BLAS.
    """

    def __init__(self, columns: list[_DistanceColumn]):
        self._columns = columns

    @classmethod
    def fit(cls, columns: Sequence[ColumnSchema], reference: pl.DataFrame) -> DistanceSpace:
        out, start = [], 0
        for col in columns:
            s = reference.get_column(col.name)
            if is_numeric(col):
                out.append(_DistanceColumn(col.name, True, np.sort(as_float_array(s)), None, start, 2))
                start += 2
            else:
                cats = top_categories(as_labels(s), MAX_DISTANCE_CATEGORIES)
                width = len(cats) + 2  # + "other" + null
                out.append(_DistanceColumn(col.name, False, None, cats, start, width))
                start += width
        return cls(out)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self._columns]

    @property
    def width(self) -> int:
        return sum(c.width for c in self._columns)

    def slots(self, names: Sequence[str]) -> np.ndarray:
        """Embedding slots of the named columns (to measure distances on a subset of columns)."""
        wanted = set(names)
        return np.concatenate(
            [np.arange(c.start, c.start + c.width) for c in self._columns if c.name in wanted] or [np.array([], int)]
        )

    def transform(self, df: pl.DataFrame) -> np.ndarray:
        out = np.zeros((df.height, self.width), dtype=np.float32)
        for c in self._columns:
            s = df.get_column(c.name)
            if c.numeric:
                values = as_floats_with_nan(s)
                missing = np.isnan(values)
                ranks = np.full(df.height, 0.5)
                ref = c.sorted_values
                if ref.size:
                    v = values[~missing]
                    left = np.searchsorted(ref, v, side="left")
                    right = np.searchsorted(ref, v, side="right")
                    ranks[~missing] = (left + right) / (2.0 * ref.size)
                out[:, c.start] = ranks
                out[:, c.start + 1] = missing
            else:
                codes = label_codes(as_labels(s), c.categories)
                codes[codes < 0] = c.width - 1  # null has its own slot
                out[np.arange(df.height), c.start + codes] = 1.0 / np.sqrt(2.0)
        return out
