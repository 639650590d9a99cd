"""The reversible transform of a whole table, shared by every generator.

:class:`TableEncoder` analyzes each modelled column once (``fit``) with the
encoder module for its kind, and then turns the table into a representation a
model learns from and back. Today that is one representation, a matrix of
uniforms (``to_uniform`` / ``from_uniform``), which the Gaussian copula uses.
Other models add their own (mode-specific normalisation for a GAN, quantile
bins for a transformer) as further functions in the encoder modules and
further method pairs here, reusing the same per-column stats.

Layout of the uniform matrix: for each encoded column, in schema order, one
*value* slot (absent when the column was entirely null) followed by one *null*
slot when the column had nulls. The null slot is a uniform too: below the null
share means null (see :func:`twinforge.encoders.common.null_indicator_to_uniform`).

Identifier columns are never encoded, nor are free-text columns with too many
distinct values (listed in ``skipped_columns`` with the reason). Neither kind
appears in decoded output.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, Mapping

import numpy as np
import polars as pl

from twinforge.encoders import boolean, categorical, datetime, numeric
from twinforge.encoders.common import null_indicator_from_uniform, null_indicator_to_uniform
from twinforge.schema import ColumnKind, ColumnSchema, TableSchema, is_low_cardinality

ENCODERS: dict[str, ModuleType] = {
    "numeric": numeric,
    "categorical": categorical,
    "boolean": boolean,
    "datetime": datetime,
}

_ENCODER_BY_KIND = {
    ColumnKind.INTEGER: "numeric",
    ColumnKind.FLOAT: "numeric",
    ColumnKind.CATEGORICAL: "categorical",
    ColumnKind.BOOLEAN: "boolean",
    ColumnKind.DATETIME: "datetime",
}

_STRING_DTYPES = (pl.String, pl.Categorical, pl.Enum)
FORMAT_VERSION = 1


@dataclass(frozen=True)
class EncodedColumn:
    """One column's encoder and the stats it learned."""

    column: ColumnSchema
    encoder: str
    stats: dict[str, Any]

    @property
    def module(self) -> ModuleType:
        return ENCODERS[self.encoder]

    @property
    def has_values(self) -> bool:
        return self.stats["null_share"] < 1.0

    @property
    def has_nulls(self) -> bool:
        return self.stats["null_share"] > 0.0


class TableEncoder:
    """Fitted per-column encoders of one table; build it with :meth:`fit` or :meth:`from_dict`."""

    def __init__(
        self,
        schema: TableSchema,
        columns: list[EncodedColumn],
        skipped_columns: Mapping[str, str],
        rare_min_count: int = categorical.DEFAULT_RARE_MIN_COUNT,
        max_categories: int = categorical.DEFAULT_MAX_CATEGORIES,
    ):
        self.schema = schema
        self.columns = columns
        self.skipped_columns = dict(skipped_columns)
        self.rare_min_count = rare_min_count
        self.max_categories = max_categories

    @classmethod
    def fit(
        cls,
        df: pl.DataFrame,
        schema: TableSchema,
        rare_min_count: int = categorical.DEFAULT_RARE_MIN_COUNT,
        max_categories: int = categorical.DEFAULT_MAX_CATEGORIES,
    ) -> "TableEncoder":
        missing = [c.name for c in schema.modelled() if c.name not in df.columns]
        if missing:
            raise KeyError(f"table lacks schema columns: {missing}")
        columns, skipped = [], {}
        for column in schema.modelled():
            series = df.get_column(column.name)
            encoder, reason = _choose_encoder(column, series)
            if encoder is None:
                skipped[column.name] = reason
                continue
            if encoder == "categorical":
                stats = categorical.analyze(series, column, rare_min_count, max_categories)
            else:
                stats = ENCODERS[encoder].analyze(series, column)
            columns.append(EncodedColumn(column, encoder, stats))
        return cls(schema, columns, skipped, rare_min_count, max_categories)

    @property
    def output_columns(self) -> list[str]:
        """Columns of decoded tables, in schema order (no identifiers, no skipped columns)."""
        return [c.column.name for c in self.columns]

    @property
    def uniform_columns(self) -> list[str]:
        """Names of the uniform matrix's columns: ``name`` for values, ``name.is_null`` for null indicators."""
        names = []
        for c in self.columns:
            if c.has_values:
                names.append(c.column.name)
            if c.has_nulls:
                names.append(f"{c.column.name}.is_null")
        return names

    def to_uniform(self, df: pl.DataFrame, rng: np.random.Generator, fill_missing: bool = True) -> np.ndarray:
        """Encode ``df`` as an ``(n_rows, len(uniform_columns))`` float64 matrix of values in [0, 1].

        Where a value is null its value slot gets an independent uniform draw
        (so any model can consume the matrix), or NaN with
        ``fill_missing=False`` for models that estimate from observed values only.
        """
        missing = [name for name in self.output_columns if name not in df.columns]
        if missing:
            raise KeyError(f"table lacks encoded columns: {missing}")
        slots = []
        for c in self.columns:
            series = df.get_column(c.column.name)
            u = c.module.to_uniform(series, c.stats, rng) if c.has_values else np.full(df.height, np.nan)
            is_null = np.isnan(u)
            if c.has_values:
                if fill_missing and is_null.any():
                    u[is_null] = rng.random(int(is_null.sum()))
                slots.append(u)
            if c.has_nulls:
                slots.append(null_indicator_to_uniform(is_null, c.stats["null_share"], rng))
        if not slots:
            return np.empty((df.height, 0))
        return np.column_stack(slots)

    def from_uniform(self, u: np.ndarray) -> pl.DataFrame:
        """Decode a uniform matrix into a table with the original dtypes and ``output_columns`` order."""
        u = np.asarray(u, dtype=np.float64)
        width = len(self.uniform_columns)
        if u.ndim != 2 or u.shape[1] != width:
            raise ValueError(f"expected a matrix with {width} columns, got shape {u.shape}")
        n_rows, slot = u.shape[0], 0
        decoded = []
        for c in self.columns:
            values = np.full(n_rows, np.nan)
            if c.has_values:
                values = u[:, slot].copy()
                slot += 1
            if c.has_nulls:
                values[null_indicator_from_uniform(u[:, slot], c.stats["null_share"])] = np.nan
                slot += 1
            decoded.append(c.module.from_uniform(values, c.stats, c.column))
        return pl.DataFrame(decoded)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready description from which :meth:`from_dict` rebuilds the encoder."""
        return {
            "format_version": FORMAT_VERSION,
            "schema": self.schema.to_dict(),
            "rare_min_count": self.rare_min_count,
            "max_categories": self.max_categories,
            "columns": [{"name": c.column.name, "encoder": c.encoder, "stats": c.stats} for c in self.columns],
            "skipped_columns": dict(self.skipped_columns),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "TableEncoder":
        if d.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported table encoder format_version {d.get('format_version')!r}")
        schema = TableSchema.from_dict(d["schema"])
        columns = []
        for entry in d["columns"]:
            if entry["encoder"] not in ENCODERS:
                raise ValueError(f"unknown encoder {entry['encoder']!r} for column {entry['name']!r}")
            columns.append(EncodedColumn(schema[entry["name"]], entry["encoder"], entry["stats"]))
        return cls(schema, columns, d.get("skipped_columns", {}), d["rare_min_count"], d["max_categories"])

    def __repr__(self) -> str:
        return (
            f"TableEncoder({len(self.columns)} columns -> {len(self.uniform_columns)} uniforms, "
            f"skipped={sorted(self.skipped_columns)})"
        )


def _choose_encoder(column: ColumnSchema, series: pl.Series) -> tuple[str | None, str]:
    """The encoder for a column, or None and the reason it is not modelled."""
    if column.kind is ColumnKind.TEXT:
        if series.dtype not in _STRING_DTYPES:
            return None, f"dtype {series.dtype} is not supported"
        if not is_low_cardinality(series):
            distinct = series.drop_nulls().n_unique()
            return None, f"free text with {distinct} distinct values in {series.len()} rows: not modelled"
        return "categorical", ""
    return _ENCODER_BY_KIND[column.kind], ""
