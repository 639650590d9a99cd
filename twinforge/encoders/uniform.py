"""Uniform rows: the representation the Gaussian copula learns from.

Layout of the uniform matrix: for each encoded column, in schema order, one
*value* slot (absent when the column was entirely null) followed by one *null*
slot when the column had nulls. A value slot is the kind module's
``to_uniform``; the null slot is a uniform too: below the null share means null
(see :func:`twinforge.encoders.common.null_indicator_to_uniform`).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from twinforge.encoders.columns import EncodedColumn, require_columns
from twinforge.encoders.common import null_indicator_from_uniform, null_indicator_to_uniform


def uniform_columns(columns: list[EncodedColumn]) -> list[str]:
    """Names of the uniform matrix's columns: ``name`` for values, ``name.is_null`` for null indicators."""
    names = []
    for c in columns:
        if c.has_values:
            names.append(c.name)
        if c.has_nulls:
            names.append(f"{c.name}.is_null")
    return names


def slots(columns: list[EncodedColumn]) -> list[tuple[int | None, int | None]]:
    """``(value slot, null slot)`` of each column in the uniform matrix (None where it has none)."""
    out, slot = [], 0
    for c in columns:
        value_slot = slot if c.has_values else None
        null_slot = slot + int(c.has_values) if c.has_nulls else None
        slot += int(c.has_values) + int(c.has_nulls)
        out.append((value_slot, null_slot))
    return out


def to_uniform(
    columns: list[EncodedColumn], df: pl.DataFrame, rng: np.random.Generator, fill_missing: bool = True
) -> np.ndarray:
    """Encode ``df`` as an ``(n_rows, len(uniform_columns))`` float64 matrix of values in [0, 1].

    Where a value is null its value slot gets an independent uniform draw
    (so any model can consume the matrix), or NaN with
    ``fill_missing=False`` for models that estimate from observed values only.
    """
    require_columns(columns, df)
    out = []
    for c in columns:
        series = df.get_column(c.name)
        u = c.module.to_uniform(series, c.stats, rng) if c.has_values else np.full(df.height, np.nan)
        is_null = np.isnan(u)
        if c.has_values:
            if fill_missing and is_null.any():
                u[is_null] = rng.random(int(is_null.sum()))
            out.append(u)
        if c.has_nulls:
            out.append(null_indicator_to_uniform(is_null, c.stats["null_share"], rng))
    if not out:
        return np.empty((df.height, 0))
    return np.column_stack(out)


def from_uniform(columns: list[EncodedColumn], u: np.ndarray) -> pl.DataFrame:
    """Decode a uniform matrix into a table with the original dtypes, in the columns' order."""
    u = np.asarray(u, dtype=np.float64)
    width = len(uniform_columns(columns))
    if u.ndim != 2 or u.shape[1] != width:
        raise ValueError(f"expected a matrix with {width} columns, got shape {u.shape}")
    decoded = []
    for c, (value_slot, null_slot) in zip(columns, slots(columns)):
        values = u[:, value_slot].copy() if value_slot is not None else np.full(u.shape[0], np.nan)
        if null_slot is not None:
            values[null_indicator_from_uniform(u[:, null_slot], c.stats["null_share"])] = np.nan
        decoded.append(c.module.from_uniform(values, c.stats, c.column))
    # by name: a list of series renames a column called "" to polars' column_<position>
    return pl.DataFrame({series.name: series for series in decoded})
