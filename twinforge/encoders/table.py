"""The reversible transform of a whole table, shared by every generator.

:class:`TableEncoder` analyzes each modelled column once (``fit``) with the
encoder module for its kind, and then turns the table into a representation a
model learns from and back. Three representations share the same per-column
stats, each a method pair here built on functions of the encoder modules:

* uniforms (``to_uniform`` / ``from_uniform``): the Gaussian copula;
* mode-specific normalisation (``to_modes`` / ``from_modes``, layout in
  ``mode_spans``): the GAN and VAE. Continuous columns (numeric, datetime)
  become a scalar in [-1, 1] plus a one-hot of their Gaussian-mixture mode,
  discrete ones (categorical, boolean) a one-hot of their level; a null is
  an extra level, or a two-way one-hot for continuous columns. Needs
  ``fit(..., modes=True)``;
* tokens (``to_tokens`` / ``from_tokens``): the transformer, one token per
  column. Continuous values become quantile bins (equal-width bins of the
  empirical CDF) and come back as a draw from the training distribution
  inside their bin; discrete values are their level index; null is the last
  token of a column that had nulls.

Layout of the uniform matrix: for each encoded column, in schema order, one
*value* slot (absent when the column was entirely null) followed by one *null*
slot when the column had nulls. The null slot is a uniform too: below the null
share means null (see :func:`twinforge.encoders.common.null_indicator_to_uniform`).

Identifier columns are never encoded, nor are free-text columns with too many
distinct values (listed in ``skipped_columns`` with the reason). Neither kind
appears in decoded output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import Any

import numpy as np
import polars as pl

from twinforge.encoders import boolean, categorical, datetime, numeric
from twinforge.encoders.common import null_indicator_from_uniform, null_indicator_to_uniform
from twinforge.io.schema import ColumnKind, ColumnSchema, TableSchema, is_low_cardinality

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
CONTINUOUS_ENCODERS = frozenset({"numeric", "datetime"})
DEFAULT_BINS = 100


@dataclass(frozen=True)
class Span:
    """A stretch of the mode-specific matrix: ``width`` slots from ``start`` for one column.

    ``role`` is ``"alpha"`` (a scalar in [-1, 1], tanh), ``"mode"`` (one-hot of the
    mixture mode), ``"level"`` (one-hot of a discrete level, null last when the
    column had nulls) or ``"null"`` (one-hot [present, null] of a continuous column).
    """

    column: str
    role: str
    start: int
    width: int

    @property
    def activation(self) -> str:
        return "tanh" if self.role == "alpha" else "softmax"

    @property
    def stop(self) -> int:
        return self.start + self.width


@dataclass(frozen=True)
class ModeRows:
    """Rows in the mode-specific layout, stored compactly.

    The dense matrix is mostly one-hot stretches, one as wide as a column's
    levels (up to ``max_categories``): a million rows with a 2,000-level column
    would take 8 GB. Here each scalar slot is kept as is and each one-hot
    stretch as the index of its hot slot; :meth:`dense` expands rows on demand
    (a training batch), and :meth:`hot_of` reads a stretch's indices directly.
    """

    spans: list[Span]
    scalars: np.ndarray  # (rows, alpha spans) float32
    hot: np.ndarray  # (rows, other spans) int32: index of the hot slot inside each span

    def __len__(self) -> int:
        return len(self.hot)

    @property
    def width(self) -> int:
        return self.spans[-1].stop if self.spans else 0

    @cached_property
    def scalar_slots(self) -> np.ndarray:
        return np.array([s.start for s in self.spans if s.role == "alpha"], dtype=np.int64)

    @cached_property
    def hot_offsets(self) -> np.ndarray:
        return np.array([s.start for s in self.spans if s.role != "alpha"], dtype=np.int64)

    @cached_property
    def _hot_column(self) -> dict[int, int]:
        """Start of each one-hot span -> its column in :attr:`hot`."""
        return {int(start): i for i, start in enumerate(self.hot_offsets)}

    def hot_of(self, span: Span) -> np.ndarray:
        """Index of the hot slot of one-hot ``span`` in every row."""
        if span.role == "alpha" or span.start not in self._hot_column:
            raise ValueError(f"{span} is not a one-hot stretch of these rows")
        return self.hot[:, self._hot_column[span.start]]

    def dense(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The float32 matrix of ``rows`` (all rows when None), laid out as the spans."""
        scalars, hot = (self.scalars, self.hot) if rows is None else (self.scalars[rows], self.hot[rows])
        out = np.zeros((len(hot), self.width), dtype=np.float32)
        out[:, self.scalar_slots] = scalars
        np.put_along_axis(out, hot.astype(np.int64) + self.hot_offsets, 1.0, axis=1)
        return out


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

    @property
    def is_continuous(self) -> bool:
        return self.encoder in CONTINUOUS_ENCODERS

    def n_discrete(self) -> int:
        """Discrete columns: levels plus the null level (the width of their one-hot / token vocabulary)."""
        return (self.module.n_levels(self.stats) if self.has_values else 0) + int(self.has_nulls)

    def n_tokens(self, bins: int) -> int:
        if self.is_continuous:
            return (bins if self.has_values else 0) + int(self.has_nulls)
        return self.n_discrete()

    def discrete_shares(self) -> np.ndarray:
        """Training share of each level of a discrete column, null level last."""
        shares = self.module.level_shares(self.stats) * (1.0 - self.stats["null_share"]) if self.has_values else []
        return np.concatenate([shares, [self.stats["null_share"]] if self.has_nulls else []])


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
        modes: bool = False,
        seed: int = 0,
    ) -> TableEncoder:
        """Analyze every modelled column; ``modes`` also fits the mixtures of mode-specific normalisation."""
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
            if modes and encoder in CONTINUOUS_ENCODERS:
                stats["modes"] = numeric.analyze_modes(ENCODERS[encoder].values_of(series), seed=seed)
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

    def column(self, name: str) -> EncodedColumn:
        for c in self.columns:
            if c.column.name == name:
                return c
        if name in self.skipped_columns:
            raise ValueError(f"column {name!r} is not modelled ({self.skipped_columns[name]})")
        if name in self.schema.names:
            raise ValueError(f"column {name!r} is an identifier: never learned, never generated")
        raise ValueError(f"no column {name!r}; modelled columns: {', '.join(self.output_columns)}")

    # --- mode-specific normalisation (GAN, VAE) ---

    def mode_spans(self) -> list[Span]:
        """Layout of the mode-specific matrix, column by column in schema order."""
        spans, start = [], 0
        for c in self.columns:
            name = c.column.name
            if c.is_continuous:
                parts = []
                if c.has_values:
                    parts += [("alpha", 1), ("mode", len(self._modes(c)["means"]))]
                if c.has_nulls:
                    parts.append(("null", 2))
            else:
                parts = [("level", c.n_discrete())]
            for role, width in parts:
                spans.append(Span(name, role, start, width))
                start += width
        return spans

    def to_mode_rows(self, df: pl.DataFrame, rng: np.random.Generator) -> ModeRows:
        """Encode ``df`` in the layout of :meth:`mode_spans`, stored compactly (:class:`ModeRows`)."""
        self._check_columns(df)
        spans = self.mode_spans()
        scalar_spans = [s for s in spans if s.role == "alpha"]
        hot_spans = [s for s in spans if s.role != "alpha"]
        scalars = np.zeros((df.height, len(scalar_spans)), dtype=np.float32)
        hot = np.zeros((df.height, len(hot_spans)), dtype=np.int32)
        where = {(s.column, s.role): i for i, s in enumerate(scalar_spans + hot_spans)}
        for c in self.columns:
            name, series = c.column.name, df.get_column(c.column.name)
            if c.is_continuous:
                values = c.module.values_of(series)
                if c.has_values:
                    alpha, mode = numeric.values_to_modes(values, self._modes(c), rng)
                    scalars[:, where[name, "alpha"]] = alpha
                    hot[:, where[name, "mode"] - len(scalar_spans)] = mode
                if c.has_nulls:
                    hot[:, where[name, "null"] - len(scalar_spans)] = np.isnan(values)
            else:
                hot[:, where[name, "level"] - len(scalar_spans)] = self._level_indices(c, series)
        return ModeRows(spans, scalars, hot)

    def to_modes(self, df: pl.DataFrame, rng: np.random.Generator) -> np.ndarray:
        """Encode ``df`` as a float32 matrix laid out as :meth:`mode_spans` (dense: prefer
        :meth:`to_mode_rows` for whole tables, whose one-hot stretches can be thousands wide)."""
        return self.to_mode_rows(df, rng).dense()

    def from_modes(self, x: np.ndarray, rng: np.random.Generator) -> pl.DataFrame:
        """Decode a mode-specific matrix; one-hot stretches are read by their largest entry."""
        x = np.asarray(x)
        spans = self.mode_spans()
        width = spans[-1].stop if spans else 0
        if x.ndim != 2 or x.shape[1] != width:
            raise ValueError(f"expected a matrix with {width} columns, got shape {x.shape}")
        by_column = _group_spans(spans)
        decoded = []
        for c in self.columns:
            parts = by_column[c.column.name]
            if c.is_continuous:
                values = np.full(x.shape[0], np.nan)
                if c.has_values:
                    mode = x[:, parts["mode"].start : parts["mode"].stop].argmax(axis=1)
                    values = numeric.values_from_modes(
                        x[:, parts["alpha"].start].astype(np.float64), mode, self._modes(c)
                    )
                if c.has_nulls:
                    values[x[:, parts["null"].start : parts["null"].stop].argmax(axis=1) == 1] = np.nan
                decoded.append(c.module.from_values(values, c.stats, c.column))
            else:
                level = x[:, parts["level"].start : parts["level"].stop].argmax(axis=1)
                decoded.append(self._decode_levels(c, level, rng))
        return pl.DataFrame(decoded)

    # --- tokens (transformer) ---

    def token_layout(self, bins: int = DEFAULT_BINS, fine_bins: int = 1) -> list[tuple[str, int]]:
        """``(column, vocabulary size)`` of each token of a row, in ``output_columns`` order.

        A continuous column with values has a coarse token (its quantile bin, or null) and,
        with ``fine_bins > 1``, a fine token: the sub-bin inside the coarse bin. Every other
        column has one token.
        """
        layout = []
        for c in self.columns:
            layout.append((c.column.name, c.n_tokens(bins)))
            if c.is_continuous and c.has_values and fine_bins > 1:
                layout.append((c.column.name, fine_bins))
        return layout

    def token_ordinals(self, bins: int = DEFAULT_BINS, fine_bins: int = 1) -> list[int]:
        """For each token of :meth:`token_layout`, how many of its leading values are ordered (quantile
        bins and sub-bins of a number; 0 for levels of a category, whose order means nothing). A null
        token comes after the ordered ones."""
        ordinals = []
        for c in self.columns:
            ordered = c.is_continuous and c.has_values
            ordinals.append(bins if ordered else 0)
            if ordered and fine_bins > 1:
                ordinals.append(fine_bins)
        return ordinals

    def to_tokens(
        self, df: pl.DataFrame, rng: np.random.Generator, bins: int = DEFAULT_BINS, fine_bins: int = 1
    ) -> np.ndarray:
        """Encode ``df`` as an int64 matrix with one column per token of :meth:`token_layout`."""
        self._check_columns(df)
        parts = [
            self.column_tokens(c.column.name, df.get_column(c.column.name), rng, bins, fine_bins) for c in self.columns
        ]
        return np.concatenate(parts, axis=1) if parts else np.empty((df.height, 0), dtype=np.int64)

    def column_tokens(
        self, name: str, series: pl.Series, rng: np.random.Generator, bins: int = DEFAULT_BINS, fine_bins: int = 1
    ) -> np.ndarray:
        """One column's tokens, ``(rows, 1 or 2)``."""
        c = self.column(name)
        if not c.is_continuous:
            return self._level_indices(c, series)[:, None]
        if not c.has_values:
            return np.zeros((series.len(), 1), dtype=np.int64)
        u = c.module.to_uniform(series, c.stats, rng)
        is_null = np.isnan(u)
        scaled = np.clip(np.nan_to_num(u) * bins, 0, bins - 1e-9)
        coarse = np.where(is_null, bins, np.floor(scaled)).astype(np.int64)
        if fine_bins <= 1:
            return coarse[:, None]
        fine = np.where(is_null, 0, np.floor((scaled - np.floor(scaled)) * fine_bins)).astype(np.int64)
        return np.column_stack([coarse, np.clip(fine, 0, fine_bins - 1)])

    def from_tokens(
        self, tokens: np.ndarray, rng: np.random.Generator, bins: int = DEFAULT_BINS, fine_bins: int = 1
    ) -> pl.DataFrame:
        """Decode tokens; a (sub-)bin becomes a draw from the training distribution inside it."""
        tokens = np.asarray(tokens)
        width = len(self.token_layout(bins, fine_bins))
        if tokens.ndim != 2 or tokens.shape[1] != width:
            raise ValueError(f"expected a matrix with {width} token columns, got shape {tokens.shape}")
        decoded, j = [], 0
        for c in self.columns:
            t = tokens[:, j]
            j += 1
            if c.is_continuous:
                if c.has_values:
                    position = rng.random(len(t))
                    if fine_bins > 1:
                        position = (tokens[:, j] + position) / fine_bins
                        j += 1
                    u = (t + position) / bins
                    u[t >= bins] = np.nan
                else:
                    u = np.full(len(t), np.nan)
                decoded.append(c.module.from_uniform(u, c.stats, c.column))
            else:
                decoded.append(self._decode_levels(c, t, rng))
        return pl.DataFrame(decoded)

    # --- conditions ---

    def normalize_condition(self, name: str, value: Any) -> Any:
        """Check that generated rows can take ``value`` in column ``name``; the canonical value.

        Categorical values must be modelled levels (seen at least ``rare_min_count`` times),
        numbers and datetimes must lie in the range seen in training (datetimes become
        their physical number), null only where the column had nulls.
        """
        c = self.column(name)
        if value is None or (isinstance(value, float) and np.isnan(value)):
            if not c.has_nulls:
                raise ValueError(f"condition {name}=null cannot be met: column {name!r} had no nulls in training")
            return None
        if not c.has_values:
            raise ValueError(f"condition {name}={value!r} cannot be met: column {name!r} was always null in training")
        if not c.is_continuous:
            index = c.module.index_of(value, c.stats)
            if index is None or c.module.level_shares(c.stats)[index] <= 0:
                levels = c.stats.get("categories", [False, True])
                shown = ", ".join(map(repr, levels[:20])) + (", ..." if len(levels) > 20 else "")
                raise ValueError(
                    f"condition {name}={value!r} cannot be met: not a level the model learned for column "
                    f"{name!r} (categories seen fewer than {self.rare_min_count} times are never learned); "
                    f"levels: {shown}"
                )
            return c.stats["categories"][index] if c.encoder == "categorical" else bool(index)
        number = self._continuous_value(c, value)
        low, high = c.stats["min"], c.stats["max"]
        if not low <= number <= high:
            raise ValueError(
                f"condition {name}={value!r} cannot be met: outside the range seen in training for column {name!r}"
            )
        if c.stats["integer"] and number != round(number):
            raise ValueError(f"condition {name}={value!r} cannot be met: column {name!r} holds whole numbers")
        return number

    def condition_expr(self, name: str, canonical: Any) -> pl.Expr:
        """Polars expression true where a decoded row meets ``name == canonical``."""
        c = self.column(name)
        column = pl.col(name)
        if canonical is None:
            return column.is_null()
        if c.encoder == "categorical":
            return column.cast(pl.String) == canonical
        if c.encoder == "boolean":
            return column.cast(pl.Boolean) == canonical
        if c.encoder == "datetime":
            return column.to_physical().cast(pl.Float64) == canonical
        return column.cast(pl.Float64) == canonical

    def condition_series(self, name: str, canonical: Any, n: int) -> pl.Series:
        """``n`` copies of a canonical condition value, as the column's decoded dtype."""
        c = self.column(name)
        if canonical is None:
            return c.module.from_uniform(np.full(n, np.nan), c.stats, c.column)
        if c.is_continuous:
            return c.module.from_values(np.full(n, float(canonical)), c.stats, c.column)
        index = c.module.index_of(canonical, c.stats)
        return c.module.from_indices(np.full(n, index), c.stats, c.column, np.random.default_rng(0))

    def condition_uniforms(
        self, conditions: Mapping[str, Any], n: int, rng: np.random.Generator
    ) -> dict[int, np.ndarray]:
        """Uniform-matrix slots fixed by canonical conditions: ``{slot: n uniforms}``."""
        fixed: dict[int, np.ndarray] = {}
        slot = 0
        for c in self.columns:
            value_slot = slot if c.has_values else None
            null_slot = slot + int(c.has_values) if c.has_nulls else None
            slot += int(c.has_values) + int(c.has_nulls)
            name = c.column.name
            if name not in conditions:
                continue
            canonical = conditions[name]
            is_null = np.full(n, canonical is None)
            if canonical is not None and value_slot is not None:
                fixed[value_slot] = c.module.to_uniform(self.condition_series(name, canonical, n), c.stats, rng)
            if null_slot is not None:
                fixed[null_slot] = null_indicator_to_uniform(is_null, c.stats["null_share"], rng)
        return fixed

    def discrete_index(self, name: str, canonical: Any) -> int:
        """Index of a canonical condition value in a discrete column's one-hot (null last)."""
        c = self.column(name)
        if canonical is None:
            return c.n_discrete() - 1
        return int(c.module.index_of(canonical, c.stats))

    def _continuous_value(self, c: EncodedColumn, value: Any) -> float:
        name = c.column.name
        try:
            if c.encoder == "datetime":
                dtype = datetime._restore_dtype(c.stats["temporal"])
                series = pl.Series(name, [value])
                if series.dtype == pl.String:
                    series = series.str.strptime(dtype) if dtype != pl.Time else series.str.to_time()
                return float(series.cast(dtype).to_physical()[0])
            return float(value)
        except (TypeError, ValueError, pl.exceptions.PolarsError) as error:
            raise ValueError(f"condition {name}={value!r}: not a value of column {name!r}'s type ({error})") from None

    # --- helpers shared by the discrete parts of the representations ---

    def _modes(self, c: EncodedColumn) -> dict[str, list[float]]:
        modes = c.stats.get("modes")
        if modes is None:
            raise ValueError(
                f"column {c.column.name!r} has no mode-specific stats: fit the TableEncoder with modes=True"
            )
        return modes

    def _level_indices(self, c: EncodedColumn, series: pl.Series) -> np.ndarray:
        """Discrete level per row, the null level (last) for nulls."""
        if not c.has_values:
            return np.zeros(series.len(), dtype=np.int64)
        indices = c.module.to_indices(series, c.stats)
        return np.where(indices < 0, c.n_discrete() - 1, indices)

    def _decode_levels(self, c: EncodedColumn, level: np.ndarray, rng: np.random.Generator) -> pl.Series:
        level = np.asarray(level, dtype=np.int64)
        if c.has_nulls:
            level = np.where(level == c.n_discrete() - 1, -1, level)
        if not c.has_values:
            return c.module.from_uniform(np.full(len(level), np.nan), c.stats, c.column)
        return c.module.from_indices(level, c.stats, c.column, rng)

    def _check_columns(self, df: pl.DataFrame) -> None:
        missing = [name for name in self.output_columns if name not in df.columns]
        if missing:
            raise KeyError(f"table lacks encoded columns: {missing}")

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
    def from_dict(cls, d: Mapping[str, Any]) -> TableEncoder:
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


def _group_spans(spans: list[Span]) -> dict[str, dict[str, Span]]:
    grouped: dict[str, dict[str, Span]] = {}
    for span in spans:
        grouped.setdefault(span.column, {})[span.role] = span
    return grouped


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
