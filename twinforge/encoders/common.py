"""Helpers shared by the column encoders.

Discrete values (categories, booleans, the null indicator) are mapped to the
unit interval SDV-style: each value owns an interval whose width is its
frequency, and a value is encoded as a uniform draw inside its interval. The
result is uniform on (0, 1) when values occur with their training frequencies,
which is what a copula (or any model of uniforms) expects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import polars as pl

# Largest float64 below 1: decoding clips to it so a draw of exactly 1.0 still
# lands inside the last non-empty interval.
_BELOW_ONE = float(np.nextafter(1.0, 0.0))


def null_share(series: pl.Series) -> float:
    return float(series.null_count() / series.len()) if series.len() else 0.0


def interval_edges(counts: Sequence[float]) -> np.ndarray:
    """Cumulative interval edges ``[0, ..., 1]`` for values with the given counts."""
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        raise ValueError("interval_edges needs at least one positive count")
    edges = np.concatenate([[0.0], np.cumsum(counts) / total])
    edges[-1] = 1.0  # no rounding gap at the top
    return edges


def indices_to_uniform(indices: np.ndarray, edges: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A uniform draw inside the interval of each index."""
    low = edges[indices]
    high = edges[indices + 1]
    return low + rng.random(len(indices)) * (high - low)


def uniform_to_indices(u: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Index of the interval holding each ``u``; empty intervals are never chosen."""
    u = np.clip(u, 0.0, _BELOW_ONE)
    return np.searchsorted(edges[1:-1], u, side="right")


def position_in_interval(u: np.ndarray, indices: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Where inside its interval each ``u`` lies, rescaled to [0, 1)."""
    low = edges[indices]
    width = edges[indices + 1] - low
    with np.errstate(invalid="ignore", divide="ignore"):
        position = np.where(width > 0, (np.clip(u, 0.0, _BELOW_ONE) - low) / width, 0.0)
    return np.clip(position, 0.0, _BELOW_ONE)


def null_indicator_to_uniform(is_null: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Encode missingness as its own uniform: nulls in [0, share), values in [share, 1)."""
    edges = np.array([0.0, share, 1.0])
    return indices_to_uniform(np.where(is_null, 0, 1), edges, rng)


def null_indicator_from_uniform(u: np.ndarray, share: float) -> np.ndarray:
    return u < share


def float_values(series: pl.Series) -> np.ndarray:
    """The series as float64 with NaN for nulls (and for float NaN, treated as missing)."""
    values = series.cast(pl.Float64)
    return values.fill_nan(None).to_numpy(allow_copy=True).astype(np.float64, copy=False)


def series_from_floats(name: str, values: np.ndarray) -> pl.Series:
    """A Float64 series with nulls where ``values`` is NaN."""
    return pl.Series(name, np.asarray(values, dtype=np.float64), nan_to_null=True)


_DECIMAL = re.compile(r"^Decimal\(precision=(\d+|None), scale=(\d+)\)$")


def simple_dtype(name: str) -> pl.DataType | None:
    """The polars dtype called ``name`` if it takes no parameters (``"Int64"``, ``"Boolean"``) or is a decimal
    (``"Decimal(precision=12, scale=2)"``, as ``str`` writes it), else None."""
    if decimal := _DECIMAL.match(name):
        precision, scale = decimal.groups()
        return pl.Decimal(None if precision == "None" else int(precision), int(scale))
    dtype = getattr(pl, name, None) if name.isidentifier() else None
    try:
        return dtype() if isinstance(dtype, type) and issubclass(dtype, pl.DataType) else None
    except TypeError:  # a parametrised type such as Enum needs arguments
        return None
