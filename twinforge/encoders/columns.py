"""One fitted column: which kind module encodes it, the stats it learned, and what every
representation asks of it (:class:`EncodedColumn`); the registry of kind modules and the choice
of a column's kind module.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import polars as pl

from twinforge.encoders import boolean, categorical, datetime, numeric
from twinforge.encoders.kinds import DEFAULT_OPTIONS, AnalyzeOptions
from twinforge.encoders.tail import LONG_TEXT_MIN_WORDS, is_long_text
from twinforge.io.schema import ColumnKind, ColumnSchema, is_low_cardinality

# Kind modules by the name saved with a fitted column.
ENCODERS: dict[str, ModuleType] = {module.NAME: module for module in (numeric, categorical, boolean, datetime)}

_ENCODER_BY_KIND = {kind: module.NAME for module in ENCODERS.values() for kind in module.COLUMN_KINDS}
_STRING_DTYPES = (pl.String, pl.Categorical, pl.Enum)


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
    def name(self) -> str:
        return self.column.name

    @property
    def has_values(self) -> bool:
        return self.stats["null_share"] < 1.0

    @property
    def has_nulls(self) -> bool:
        return self.stats["null_share"] > 0.0

    @property
    def is_continuous(self) -> bool:
        return self.module.IS_CONTINUOUS

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

    @property
    def modes(self) -> dict[str, list[float]]:
        """A continuous column's Gaussian mixture (mode-specific normalisation)."""
        modes = self.stats.get("modes")
        if modes is None:
            raise ValueError(f"column {self.name!r} has no mode-specific stats: fit the TableEncoder with modes=True")
        return modes

    def level_indices(self, series: pl.Series) -> np.ndarray:
        """A discrete column's level per row, the null level (last) for nulls."""
        if not self.has_values:
            return np.zeros(series.len(), dtype=np.int64)
        indices = self.module.to_indices(series, self.stats)
        return np.where(indices < 0, self.n_discrete() - 1, indices)

    def decode_levels(self, level: np.ndarray, rng: np.random.Generator) -> pl.Series:
        """The inverse of :meth:`level_indices`."""
        level = np.asarray(level, dtype=np.int64)
        if self.has_nulls:
            level = np.where(level == self.n_discrete() - 1, -1, level)
        if not self.has_values:
            return self.module.from_uniform(np.full(len(level), np.nan), self.stats, self.column)
        return self.module.from_indices(level, self.stats, self.column, rng)


def choose_encoder(
    column: ColumnSchema, series: pl.Series, options: AnalyzeOptions = DEFAULT_OPTIONS
) -> tuple[str | None, str]:
    """The name of the kind module for a column, or None and the reason it is not modelled.

    Text is categorical: its frequent values are levels, the rest is the generated tail
    (:mod:`.tail`). Long free text (notes) is left out unless ``options.long_text`` asks for it.
    """
    if series.dtype.is_decimal() and not _exact_as_floats(series):
        return None, (
            f"dtype {series.dtype} holds values with more significant digits than a 64-bit float keeps (15 or "
            "so), which numbers are modelled as: not modelled (with an offset taken off, it would be)"
        )
    if column.kind is ColumnKind.TEXT and (series.dtype.is_decimal() or series.dtype == pl.Null):
        # schema inference has no kind for these: a decimal (SQL NUMERIC) is a number, and a column of no type
        # holds no value; both come back in their dtype (an all-null column stays one) rather than vanish
        return numeric.NAME, ""
    if column.kind is ColumnKind.TEXT:
        if series.dtype not in _STRING_DTYPES:
            return None, f"dtype {series.dtype} is not supported"
        if not options.long_text and not is_low_cardinality(series) and is_long_text(series):
            return None, (
                f"long free text (a median of {LONG_TEXT_MIN_WORDS} or more words): not modelled; "
                "set the column's long_text: generate to generate it"
            )
        return categorical.NAME, ""
    encoder = _ENCODER_BY_KIND[column.kind]
    if encoder == numeric.NAME and series.dtype.is_integer() and not _exact_as_floats(series):
        # 64-bit ids (2**63 + k) or values near the type's limit: as floats they would come back rounded to
        # another value (multiples of 2,048 near 2**64), which a twin must not invent; left out like decimals
        return None, (
            f"dtype {series.dtype} holds integers a 64-bit float cannot hold exactly (beyond 2**53), which numbers "
            "are modelled as: not modelled (declare the column an identifier, or categorical if it has few values)"
        )
    return encoder, ""


def _exact_as_floats(series: pl.Series) -> bool:
    """Whether a decimal or integer column's values come back unchanged through 64-bit floats (15 significant
    digits do, and integers up to 2**53)."""
    present = series.drop_nulls()
    if present.dtype.is_integer():
        low, high = present.min(), present.max()
        if low is None or -(2**53) <= low and high <= 2**53:  # the common case: no cast of the whole column
            return True
    # a value that does not fit back (2**63 - 1 is 2**63 as a float) casts to null: not exact either
    back = present.cast(pl.Float64).cast(series.dtype, strict=False)
    return bool((back == present).fill_null(False).all())


def analyze_column(
    column: ColumnSchema, series: pl.Series, options: AnalyzeOptions = DEFAULT_OPTIONS
) -> tuple[EncodedColumn | None, str]:
    """The fitted column, or None and the reason it is not modelled."""
    encoder, reason = choose_encoder(column, series, options)
    if encoder is None:
        return None, reason
    return EncodedColumn(column, encoder, ENCODERS[encoder].analyze(series, column, options)), ""


def require_columns(columns: list[EncodedColumn], df: pl.DataFrame) -> None:
    """KeyError unless ``df`` has every encoded column."""
    missing = [c.name for c in columns if c.name not in df.columns]
    if missing:
        raise KeyError(f"table lacks encoded columns: {missing}")
