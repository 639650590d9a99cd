"""Boolean columns (ColumnKind.BOOLEAN): true booleans and 0/1 integer flags.

Schema inference calls an integer column holding only 0 and 1 boolean, so the
original dtype is remembered and decoding gives back ``Int64`` 0/1 (or
whatever integer type it was) rather than ``Boolean``. The uniform
representation is two frequency intervals, false first.

A discrete kind (see :mod:`twinforge.encoders.kinds`): level index 0 is false,
1 is true; the functions on continuous values do not apply.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from twinforge.encoders.common import indices_to_uniform, interval_edges, null_share, simple_dtype, uniform_to_indices
from twinforge.encoders.kinds import DEFAULT_OPTIONS, AnalyzeOptions, Stats, not_applicable
from twinforge.io.schema import ColumnKind, ColumnSchema, dtype_name

NAME = "boolean"
COLUMN_KINDS = (ColumnKind.BOOLEAN,)
IS_CONTINUOUS = False


def analyze(series: pl.Series, column: ColumnSchema, options: AnalyzeOptions = DEFAULT_OPTIONS) -> Stats:
    flags = _as_boolean(series, column)
    non_null = flags.drop_nulls()
    return {
        "null_share": null_share(series),
        "dtype": dtype_name(series.dtype),
        "true_share": float(non_null.sum() / non_null.len()) if non_null.len() else 0.0,
    }


def to_uniform(series: pl.Series, stats: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """Map values into (0, 1); nulls give NaN."""
    flags = _as_boolean(series)
    u = np.full(series.len(), np.nan)
    present = flags.is_not_null().to_numpy()
    indices = flags.drop_nulls().cast(pl.Int64).to_numpy()
    u[present] = indices_to_uniform(indices, _edges(stats), rng)
    return u


def from_uniform(u: np.ndarray, stats: dict[str, Any], column: ColumnSchema) -> pl.Series:
    """Map uniforms back to booleans of the original dtype (Boolean, or 0/1 integers); NaN gives null."""
    u = np.asarray(u, dtype=np.float64)
    missing = np.isnan(u)
    is_true = uniform_to_indices(np.where(missing, 0.0, u), _edges(stats)) == 1
    decoded = pl.Series(column.name, is_true, dtype=pl.Boolean).scatter(np.flatnonzero(missing), None)
    dtype = simple_dtype(stats["dtype"])
    return decoded.cast(dtype) if dtype is not None and dtype.is_numeric() else decoded


# --- the index representation: 0 for false, 1 for true, -1 for null ---


def n_levels(stats: dict[str, Any]) -> int:
    return 2


def level_shares(stats: dict[str, Any]) -> np.ndarray:
    return np.array([1.0 - stats["true_share"], stats["true_share"]])


def levels(stats: Stats) -> list[Any]:
    return [False, True]


def to_indices(series: pl.Series, stats: dict[str, Any]) -> np.ndarray:
    return _as_boolean(series).cast(pl.Int64).fill_null(-1).to_numpy()


def from_indices(
    indices: np.ndarray, stats: dict[str, Any], column: ColumnSchema, rng: np.random.Generator
) -> pl.Series:
    indices = np.asarray(indices)
    u = np.where(indices < 0, np.nan, np.where(indices == 1, 1.0, 0.0))
    # from_uniform splits at the false share: 0 and 1 land on false and true whatever the share
    return from_uniform(np.where(np.isnan(u), np.nan, np.clip(u, 0.0, 1.0)), {**stats, "true_share": 0.5}, column)


def index_of(value: Any, stats: dict[str, Any]) -> int | None:
    """1 for true, 0 for false (also 1/0 and "true"/"false"), None for anything else."""
    if isinstance(value, str):
        value = {"true": True, "false": False, "1": True, "0": False}.get(value.strip().lower())
    if isinstance(value, (bool, np.bool_)) or value in (0, 1):
        return int(bool(value))
    return None


def condition_key(column: pl.Expr) -> pl.Expr:
    return column.cast(pl.Boolean)


# --- functions on continuous values: not for a discrete kind ---


def values_of(series: pl.Series) -> np.ndarray:
    raise not_applicable(NAME, "values_of")


def from_values(values: np.ndarray, stats: Stats, column: ColumnSchema) -> pl.Series:
    raise not_applicable(NAME, "from_values")


def number_of(value: Any, stats: Stats, column: ColumnSchema) -> float:
    raise not_applicable(NAME, "number_of")


def _edges(stats: dict[str, Any]) -> np.ndarray:
    return interval_edges([1.0 - stats["true_share"], stats["true_share"]])


def _as_boolean(series: pl.Series, column: ColumnSchema | None = None) -> pl.Series:
    if series.dtype == pl.Boolean:
        return series
    if series.dtype.is_numeric():
        non_null = series.drop_nulls()
        if ((non_null == 0) | (non_null == 1)).all():
            return series.cast(pl.Boolean)
    name = column.name if column is not None else series.name
    raise ValueError(
        f"column {name!r} ({series.dtype}) is marked boolean but holds values other than true/false or 0/1; "
        "mark it categorical instead"
    )
