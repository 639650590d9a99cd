"""Boolean columns (ColumnKind.BOOLEAN): true booleans and 0/1 integer flags.

Schema inference calls an integer column holding only 0 and 1 boolean, so the
original dtype is remembered and decoding gives back ``Int64`` 0/1 (or
whatever integer type it was) rather than ``Boolean``. The uniform
representation is two frequency intervals, false first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from twinforge.encoders.common import indices_to_uniform, interval_edges, null_share, simple_dtype, uniform_to_indices
from twinforge.schema import ColumnSchema


def analyze(series: pl.Series, column: ColumnSchema) -> dict[str, Any]:
    flags = _as_boolean(series, column)
    non_null = flags.drop_nulls()
    return {
        "null_share": null_share(series),
        "dtype": str(series.dtype),
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
