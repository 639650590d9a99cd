"""Numeric columns (ColumnKind.INTEGER and FLOAT).

The uniform representation is the column's empirical CDF, stored as a grid of
quantiles and interpolated linearly between them. Values sitting on a point
mass (many equal values, e.g. ``ct_result == 45``) get a random position
inside the mass so the encoded column stays uniform; decoding maps that whole
stretch back to the one value.

Decoding never leaves the range seen in training, rounds to the number of
decimals the data used (integers to whole numbers), and restores the dtype.
NaN and infinite floats are modelled as missing; decoding turns the missing values of a column that held
them back into nulls, NaN, inf and -inf at the shares seen among its missing values (``non_finite`` in the
stats), so that a table ingested with ``non_finite: keep`` keeps them in its twin.

The other representations (mode-specific normalisation for the GAN and VAE,
quantile bins for the transformer; :mod:`twinforge.encoders.modes`,
:mod:`twinforge.encoders.tokens`) work on the float values (``values_of``) or
the uniforms; ``from_values`` then rounds, clips to the seen range and restores
the dtype, as for every representation.

A continuous kind (see :mod:`twinforge.encoders.kinds`): the level functions
do not apply.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from twinforge.encoders.common import float_values, series_from_floats, simple_dtype
from twinforge.encoders.kinds import DEFAULT_OPTIONS, AnalyzeOptions, Stats, not_applicable
from twinforge.io.schema import ColumnKind, ColumnSchema, dtype_name

NAME = "numeric"
COLUMN_KINDS = (ColumnKind.INTEGER, ColumnKind.FLOAT)
IS_CONTINUOUS = True

QUANTILE_GRID_SIZE = 1001
# Decimal places tried when learning how values are rounded; above this, don't round.
MAX_DECIMALS = 6


def analyze(series: pl.Series, column: ColumnSchema, options: AnalyzeOptions = DEFAULT_OPTIONS) -> Stats:
    if not (series.dtype.is_numeric() or series.dtype == pl.Null):
        raise ValueError(f"column {column.name!r} is marked {column.kind.value} but has dtype {series.dtype}")
    values = float_values(series)
    integer = series.dtype.is_integer() or column.kind is ColumnKind.INTEGER
    stats = quantile_stats(values[np.isfinite(values)], integer=integer)
    if series.dtype.is_decimal() and stats["min"] is not None:  # never finer than the type's places
        scale = series.dtype.scale
        stats["decimals"] = scale if stats["decimals"] is None else min(stats["decimals"], scale)
    stats = {"null_share": _missing_share(values), "dtype": dtype_name(series.dtype), **stats}
    if shares := _non_finite_shares(series):
        stats["non_finite"] = shares
    return stats


def to_uniform(series: pl.Series, stats: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """Map values into (0, 1); nulls give NaN."""
    return values_to_uniform(float_values(series), stats, rng)


def from_uniform(u: np.ndarray, stats: dict[str, Any], column: ColumnSchema) -> pl.Series:
    """Map uniforms back to values of the original dtype; NaN gives null."""
    return from_values(uniform_to_values(u, stats), stats, column)


def values_of(series: pl.Series) -> np.ndarray:
    """The float values a representation works on (NaN for nulls)."""
    return float_values(series)


def from_values(values: np.ndarray, stats: dict[str, Any], column: ColumnSchema) -> pl.Series:
    """Float values (from any representation) to the original dtype: rounded, clipped to the seen range."""
    values = finish_values(np.asarray(values, dtype=np.float64), stats)
    dtype = simple_dtype(stats["dtype"]) or (pl.Int64 if stats["integer"] else pl.Float64)
    if dtype.is_integer():
        values = np.clip(values, *_float_bounds(dtype))
    series = series_from_floats(column.name, values).cast(dtype)
    return _with_non_finite(series, values, stats["non_finite"]) if stats.get("non_finite") else series


def _float_bounds(dtype: pl.DataType) -> tuple[float, float]:
    """The smallest and largest floats an integer dtype holds. A 64-bit type's maximum is not a float: 2**63 - 1
    rounds up to 2**63, and a value clipped to that fails the cast, so the bound is the float just below."""
    bits = int("".join(ch for ch in str(dtype) if ch.isdigit()))
    signed = dtype.is_signed_integer()
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    top = float(high)
    return float(low), (top if int(top) <= high else float(np.nextafter(top, 0.0)))


def number_of(value: Any, stats: Stats, column: ColumnSchema) -> float:
    """A condition value as a number."""
    return float(value)


def condition_key(column: pl.Expr) -> pl.Expr:
    return column.cast(pl.Float64)


def finish_values(values: np.ndarray, stats: dict[str, Any]) -> np.ndarray:
    """Round to the decimals seen in training and clip to the seen range; NaN stays NaN."""
    if stats["min"] is None:
        return np.full(values.shape, np.nan)
    if stats["decimals"] is not None:
        values = np.round(values, stats["decimals"])
    return np.clip(values, stats["min"], stats["max"])


# --- the empirical-CDF representation, shared with the datetime encoder ---


def quantile_stats(values: np.ndarray, integer: bool) -> dict[str, Any]:
    """Range, rounding and quantile grid of finite ``values``."""
    if values.size == 0:
        return {"integer": integer, "decimals": 0 if integer else None, "min": None, "max": None, "quantiles": []}
    grid_size = min(QUANTILE_GRID_SIZE, max(values.size, 2))
    quantiles = np.quantile(values, np.linspace(0.0, 1.0, grid_size))
    decimals = 0 if integer else _decimals_used(values)
    return {
        "integer": integer or decimals == 0,
        "decimals": decimals,
        "min": float(values.min()),
        "max": float(values.max()),
        "quantiles": [float(q) for q in quantiles],
    }


def values_to_uniform(values: np.ndarray, stats: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    u = np.full(values.shape, np.nan)
    quantiles = np.asarray(stats["quantiles"], dtype=np.float64)
    finite = np.isfinite(values)
    if quantiles.size == 0 or not finite.any():
        return u
    probs = np.linspace(0.0, 1.0, quantiles.size)
    x = np.clip(values[finite], quantiles[0], quantiles[-1])
    first = np.searchsorted(quantiles, x, side="left")  # first grid point >= x
    after = np.searchsorted(quantiles, x, side="right")  # first grid point > x
    on_grid = after > first
    encoded = np.empty(x.shape)
    # On the grid (possibly a run of equal quantiles = a point mass): random position in the run.
    low, high = probs[first[on_grid]], probs[after[on_grid] - 1]
    encoded[on_grid] = low + rng.random(int(on_grid.sum())) * (high - low)
    # Between two distinct grid points: linear interpolation of the CDF.
    right = first[~on_grid]
    left = right - 1
    fraction = (x[~on_grid] - quantiles[left]) / (quantiles[right] - quantiles[left])
    encoded[~on_grid] = probs[left] + fraction * (probs[right] - probs[left])
    u[finite] = encoded
    return u


def uniform_to_values(u: np.ndarray, stats: dict[str, Any]) -> np.ndarray:
    """Inverse CDF: float values, NaN where ``u`` is NaN or nothing was seen in training."""
    u = np.asarray(u, dtype=np.float64)
    quantiles = np.asarray(stats["quantiles"], dtype=np.float64)
    if quantiles.size == 0:
        return np.full(u.shape, np.nan)
    return finish_values(interpolate_grid(u, quantiles), stats)


def interpolate_grid(u: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """``np.interp(u, np.linspace(0, 1, grid.size), grid)`` (``u`` clipped to [0, 1]), by index arithmetic:
    the knots are evenly spaced, so each value's interval is ``floor(u * (size - 1))`` instead of a binary
    search (about 10x faster on a 1,001-point grid). NaN gives NaN."""
    missing = np.isnan(u)
    if grid.size == 1:
        return np.where(missing, np.nan, grid[0])
    position = np.fmin(np.fmax(u, 0.0), 1.0)  # fmax and fmin take 0 for NaN: a valid index until restored
    position *= grid.size - 1
    interval = np.minimum(position.astype(np.intp), grid.size - 2)
    position -= interval  # the fraction of the way through the interval
    position *= np.diff(grid)[interval]
    position += grid[interval]
    position[missing] = np.nan
    return position


def _decimals_used(values: np.ndarray) -> int | None:
    """Fewest decimal places that reproduce every value, or None if more than MAX_DECIMALS."""
    # a float of 2**53 or more has no fractional part, and rounding it (which scales by 10**decimals)
    # could overflow near the float limit (1e308)
    values = values[np.abs(values) < 2.0**53]
    scale = np.maximum(np.abs(values), 1.0)
    for decimals in range(MAX_DECIMALS + 1):
        if np.all(np.abs(np.round(values, decimals) - values) <= 1e-9 * scale):
            return decimals
    return None


_NON_FINITE = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}
_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


def _non_finite_shares(series: pl.Series) -> dict[str, float] | None:
    """The shares of NaN, inf and -inf among the missing values of a float column, or None if it holds none."""
    if not series.dtype.is_float():
        return None
    counts = {
        "nan": int(series.is_nan().sum()),
        "inf": int((series == float("inf")).sum()),
        "-inf": int((series == float("-inf")).sum()),
    }
    missing = series.null_count() + sum(counts.values())
    return {k: n / missing for k, n in counts.items()} if any(counts.values()) else None


def _with_non_finite(series: pl.Series, values: np.ndarray, shares: dict[str, float]) -> pl.Series:
    """``series`` with its missing values (NaN in ``values``) made NaN, inf or -inf at ``shares``, the rest null.
    The k-th missing value takes the kind its share's stretch of [0, 1) holds at the fractional part of k times
    the golden ratio: the shares are met within a value or so, with no random state (rows come shuffled)."""
    missing = np.flatnonzero(np.isnan(values))
    if missing.size == 0 or not series.dtype.is_float():
        return series
    position = np.modf((np.arange(missing.size) + 0.5) * _GOLDEN)[0]
    bounds = np.cumsum([shares.get(k, 0.0) for k in _NON_FINITE])
    kind = np.searchsorted(bounds, position, side="right")  # len(_NON_FINITE) = null
    filled = values.copy()
    filled[missing] = np.append(np.array(list(_NON_FINITE.values())), np.nan)[kind]
    nulls = missing[kind == len(_NON_FINITE)]
    out = pl.Series(series.name, filled, dtype=pl.Float64, nan_to_null=False).cast(series.dtype)
    return out.scatter(nulls, None) if nulls.size else out


def _missing_share(values: np.ndarray) -> float:
    return float(np.count_nonzero(~np.isfinite(values)) / values.size) if values.size else 0.0


# --- level functions: not for a continuous kind ---


def n_levels(stats: Stats) -> int:
    raise not_applicable(NAME, "n_levels")


def level_shares(stats: Stats) -> np.ndarray:
    raise not_applicable(NAME, "level_shares")


def levels(stats: Stats) -> list[Any]:
    raise not_applicable(NAME, "levels")


def to_indices(series: pl.Series, stats: Stats) -> np.ndarray:
    raise not_applicable(NAME, "to_indices")


def from_indices(indices: np.ndarray, stats: Stats, column: ColumnSchema, rng: np.random.Generator) -> pl.Series:
    raise not_applicable(NAME, "from_indices")


def index_of(value: Any, stats: Stats) -> int | None:
    raise not_applicable(NAME, "index_of")
