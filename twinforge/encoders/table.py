"""The reversible transform of a whole table, shared by every generator.

:class:`TableEncoder` analyzes each modelled column once (``fit``) with the
kind module for its kind (:mod:`twinforge.encoders.kinds`), is saved and
restored as plain data (``to_dict`` / ``from_dict``), and turns the table into
a representation a model learns from and back. Three representations share the
same per-column stats, each in a module of its own that the methods here
delegate to:

* uniforms (``to_uniform`` / ``from_uniform``; :mod:`.uniform`): the Gaussian copula;
* mode-specific normalisation (``to_mode_rows`` / ``to_modes`` / ``from_modes``, layout in
  ``mode_spans``; :mod:`.modes`): the GAN and VAE. Needs ``fit(..., modes=True)``;
* tokens (``to_tokens`` / ``from_tokens``; :mod:`.tokens`): the transformer.

Sampling conditions (``normalize_condition``, ``condition_expr``, ...) are in
:mod:`.conditions`.

Identifier columns are never encoded, nor is long free text (notes) unless its
column options ask for it (listed in ``skipped_columns`` with the reason).
Neither appears in decoded output. Every other text column is encoded as
categorical: frequent values are levels, rare ones a generated tail
(:mod:`.tail`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import polars as pl

# the representation modules, aliased: their names are also parameter names here (``modes``, ``tokens``)
from twinforge.encoders import conditions as _conditions
from twinforge.encoders import modes as _modes
from twinforge.encoders import tokens as _tokens
from twinforge.encoders import uniform as _uniform
from twinforge.encoders.columns import ENCODERS, EncodedColumn, analyze_column
from twinforge.encoders.kinds import DEFAULT_MAX_CATEGORIES, DEFAULT_RARE_MIN_COUNT, AnalyzeOptions, ColumnOptions
from twinforge.encoders.modes import ModeRows, Span
from twinforge.encoders.tokens import DEFAULT_BINS
from twinforge.io.schema import TableSchema

FORMAT_VERSION = 1


class TableEncoder:
    """Fitted per-column encoders of one table; build it with :meth:`fit` or :meth:`from_dict`."""

    def __init__(
        self,
        schema: TableSchema,
        columns: list[EncodedColumn],
        skipped_columns: Mapping[str, str],
        rare_min_count: int = DEFAULT_RARE_MIN_COUNT,
        max_categories: int = DEFAULT_MAX_CATEGORIES,
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
        rare_min_count: int = DEFAULT_RARE_MIN_COUNT,
        max_categories: int = DEFAULT_MAX_CATEGORIES,
        modes: bool = False,
        seed: int = 0,
        column_options: Mapping[str, ColumnOptions] | None = None,
        continuous: str = _modes.MIXTURE,
    ) -> TableEncoder:
        """Analyze every modelled column; ``modes`` also prepares the GAN's and VAE's layout, with continuous
        columns encoded as ``continuous`` says (:data:`~.modes.MIXTURE`: fits their mixtures;
        :data:`~.modes.NORMAL_SCORES`: one normal score each, from the stats every column has).

        ``column_options`` set, per column, what rare values decode to and whether long free text is
        generated (:class:`~twinforge.encoders.kinds.ColumnOptions`; the defaults elsewhere).
        """
        missing = [c.name for c in schema.modelled() if c.name not in df.columns]
        if missing:
            raise KeyError(f"table lacks schema columns: {missing}")
        _modes.checked_continuous(continuous)
        column_options = dict(column_options or {})
        unknown = sorted(set(column_options) - {c.name for c in schema.modelled()})
        if unknown:
            raise KeyError(f"column options for columns that are not modelled: {unknown}")
        columns, skipped = [], {}
        for column in schema.modelled():
            series = df.get_column(column.name)
            chosen = column_options.get(column.name, ColumnOptions())
            options = AnalyzeOptions(
                rare_min_count=rare_min_count,
                max_categories=max_categories,
                rare=chosen.rare,
                long_text=chosen.long_text,
                seed=seed,
            )
            encoded, reason = analyze_column(column, series, options)
            if encoded is None:
                skipped[column.name] = reason
                continue
            if modes and encoded.is_continuous and continuous == _modes.NORMAL_SCORES:
                encoded.stats["modes"] = {"encoding": _modes.NORMAL_SCORES}
            elif modes and encoded.is_continuous:
                encoded.stats["modes"] = _modes.analyze_modes(encoded.module.values_of(series), seed=seed)
            columns.append(encoded)
        return cls(schema, columns, skipped, rare_min_count, max_categories)

    @property
    def output_columns(self) -> list[str]:
        """Columns of decoded tables, in schema order (no identifiers, no skipped columns)."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> EncodedColumn:
        for c in self.columns:
            if c.name == name:
                return c
        if name in self.skipped_columns:
            raise ValueError(f"column {name!r} is not modelled ({self.skipped_columns[name]})")
        if name in self.schema:
            raise ValueError(f"column {name!r} is an identifier: never learned, never generated")
        raise ValueError(f"no column {name!r}; modelled columns: {', '.join(self.output_columns)}")

    # --- uniforms (Gaussian copula): twinforge.encoders.uniform ---

    @property
    def uniform_columns(self) -> list[str]:
        """Names of the uniform matrix's columns: ``name`` for values, ``name.is_null`` for null indicators."""
        return _uniform.uniform_columns(self.columns)

    def to_uniform(self, df: pl.DataFrame, rng: np.random.Generator, fill_missing: bool = True) -> np.ndarray:
        """Encode ``df`` as an ``(n_rows, len(uniform_columns))`` float64 matrix (:func:`.uniform.to_uniform`)."""
        return _uniform.to_uniform(self.columns, df, rng, fill_missing)

    def from_uniform(self, u: np.ndarray) -> pl.DataFrame:
        """Decode a uniform matrix into a table with the original dtypes and ``output_columns`` order."""
        return _uniform.from_uniform(self.columns, u)

    # --- mode-specific normalisation (GAN, VAE): twinforge.encoders.modes ---

    def mode_spans(self) -> list[Span]:
        """Layout of the mode-specific matrix, column by column in schema order."""
        return _modes.mode_spans(self.columns)

    def to_mode_rows(self, df: pl.DataFrame, rng: np.random.Generator) -> ModeRows:
        """Encode ``df`` in the layout of :meth:`mode_spans`, stored compactly (:class:`ModeRows`)."""
        return _modes.to_mode_rows(self.columns, df, rng)

    def to_modes(self, df: pl.DataFrame, rng: np.random.Generator) -> np.ndarray:
        """Encode ``df`` as a float32 matrix laid out as :meth:`mode_spans` (dense: prefer
        :meth:`to_mode_rows` for whole tables, whose one-hot stretches can be thousands wide)."""
        return self.to_mode_rows(df, rng).dense()

    def from_modes(
        self,
        x: np.ndarray,
        rng: np.random.Generator,
        calibration: Mapping[str, np.ndarray] | None = None,
        null_cuts: Mapping[str, tuple[float, float]] | None = None,
    ) -> pl.DataFrame:
        """Decode a mode-specific matrix; one-hot stretches are read by their largest entry (``calibration``,
        ``null_cuts``: :func:`.modes.from_modes`)."""
        return _modes.from_modes(self.columns, x, rng, calibration, null_cuts)

    def null_slots(self) -> dict[str, tuple[int, float]]:
        """The continuous columns with values and nulls: their null entry's matrix column and training null
        share (:func:`.modes.null_slots`)."""
        return _modes.null_slots(self.columns)

    def mixture_quantile_grids(self, matrices: Iterable[np.ndarray]) -> dict[str, np.ndarray]:
        """Quantile grids of the mixture-coded columns' values decoded from ``matrices``
        (:func:`.modes.mixture_quantile_grids`)."""
        return _modes.mixture_quantile_grids(self.columns, matrices)

    def mixture_columns(self) -> list[str]:
        """Names of the continuous columns laid out as a mixture mode plus a scalar, in order."""
        return [c.name for c in _modes.mixture_columns(self.columns)]

    # --- tokens (transformer): twinforge.encoders.tokens ---

    def token_layout(self, bins: int = DEFAULT_BINS, fine_bins: int = 1) -> list[tuple[str, int]]:
        """``(column, vocabulary size)`` of each token of a row (:func:`.tokens.token_layout`)."""
        return _tokens.token_layout(self.columns, bins, fine_bins)

    def token_ordinals(self, bins: int = DEFAULT_BINS, fine_bins: int = 1) -> list[int]:
        """How many leading values of each token are ordered (:func:`.tokens.token_ordinals`)."""
        return _tokens.token_ordinals(self.columns, bins, fine_bins)

    def to_tokens(
        self, df: pl.DataFrame, rng: np.random.Generator, bins: int = DEFAULT_BINS, fine_bins: int = 1
    ) -> np.ndarray:
        """Encode ``df`` as an int64 matrix with one column per token of :meth:`token_layout`."""
        return _tokens.to_tokens(self.columns, df, rng, bins, fine_bins)

    def column_tokens(
        self, name: str, series: pl.Series, rng: np.random.Generator, bins: int = DEFAULT_BINS, fine_bins: int = 1
    ) -> np.ndarray:
        """One column's tokens, ``(rows, 1 or 2)``."""
        return _tokens.column_tokens(self.column(name), series, rng, bins, fine_bins)

    def from_tokens(
        self, tokens: np.ndarray, rng: np.random.Generator, bins: int = DEFAULT_BINS, fine_bins: int = 1
    ) -> pl.DataFrame:
        """Decode tokens; a (sub-)bin becomes a draw from the training distribution inside it."""
        return _tokens.from_tokens(self.columns, tokens, rng, bins, fine_bins)

    # --- conditions: twinforge.encoders.conditions ---

    def normalize_condition(self, name: str, value: Any) -> Any:
        """Check that generated rows can take ``value`` in column ``name``; the canonical value
        (:func:`.conditions.normalize_condition`)."""
        return _conditions.normalize_condition(self.column(name), value, self.rare_min_count)

    def condition_expr(self, name: str, canonical: Any) -> pl.Expr:
        """Polars expression true where a decoded row meets ``name == canonical``."""
        return _conditions.condition_expr(self.column(name), canonical)

    def condition_series(self, name: str, canonical: Any, n: int) -> pl.Series:
        """``n`` copies of a canonical condition value, as the column's decoded dtype."""
        return _conditions.condition_series(self.column(name), canonical, n)

    def condition_uniforms(
        self, conditions: Mapping[str, Any], n: int, rng: np.random.Generator
    ) -> dict[int, np.ndarray]:
        """Uniform-matrix slots fixed by canonical conditions: ``{slot: n uniforms}``."""
        return _conditions.condition_uniforms(self.columns, conditions, n, rng)

    def discrete_index(self, name: str, canonical: Any) -> int:
        """Index of a canonical condition value in a discrete column's one-hot (null last)."""
        return _conditions.discrete_index(self.column(name), canonical)

    # --- serialization ---

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready description from which :meth:`from_dict` rebuilds the encoder."""
        return {
            "format_version": FORMAT_VERSION,
            "schema": self.schema.to_dict(),
            "rare_min_count": self.rare_min_count,
            "max_categories": self.max_categories,
            "columns": [{"name": c.name, "encoder": c.encoder, "stats": c.stats} for c in self.columns],
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
