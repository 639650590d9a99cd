"""Numeric columns (ColumnKind.INTEGER and FLOAT).

The uniform representation is the column's empirical CDF, stored as a grid of
quantiles and interpolated linearly between them. Values sitting on a point
mass (many equal values, e.g. ``ct_result == 45``) get a random position
inside the mass so the encoded column stays uniform; decoding maps that whole
stretch back to the one value.

Decoding never leaves the range seen in training, rounds to the number of
decimals the data used (integers to whole numbers), and restores the dtype.
NaN and infinite floats are treated as missing.

A second representation serves the GAN and VAE: *mode-specific
normalisation* (CTGAN's): a Gaussian mixture is fitted to the values
(``analyze_modes``), each value is assigned one of its modes and becomes that
mode's one-hot plus a scalar ``alpha = (x - mean) / (4 std)`` in [-1, 1].
``values_from_modes`` inverts it; ``from_values`` then rounds, clips to the
seen range and restores the dtype, as for every representation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from twinforge.encoders.common import float_values, series_from_floats, simple_dtype
from twinforge.io.schema import ColumnKind, ColumnSchema

QUANTILE_GRID_SIZE = 1001
# Decimal places tried when learning how values are rounded; above this, don't round.
MAX_DECIMALS = 6


def analyze(series: pl.Series, column: ColumnSchema) -> dict[str, Any]:
    if not (series.dtype.is_numeric() or series.dtype == pl.Null):
        raise ValueError(f"column {column.name!r} is marked {column.kind.value} but has dtype {series.dtype}")
    values = float_values(series)
    integer = series.dtype.is_integer() or column.kind is ColumnKind.INTEGER
    stats = quantile_stats(values[np.isfinite(values)], integer=integer)
    return {"null_share": _missing_share(values), "dtype": str(series.dtype), **stats}


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
    return series_from_floats(column.name, values).cast(dtype)


def finish_values(values: np.ndarray, stats: dict[str, Any]) -> np.ndarray:
    """Round to the decimals seen in training and clip to the seen range; NaN stays NaN."""
    if stats["min"] is None:
        return np.full(values.shape, np.nan)
    if stats["decimals"] is not None:
        values = np.round(values, stats["decimals"])
    return np.clip(values, stats["min"], stats["max"])


# --- mode-specific normalisation (GAN, VAE), shared with the datetime encoder ---

MAX_MODES = 10
# Modes fitted on at most this many values: the mixture's cost grows with rows, its fit hardly improves.
MODE_FIT_ROWS = 5000
# Mixture components lighter than this are dropped (the Bayesian prior empties unneeded ones).
MODE_MIN_WEIGHT = 0.005
ALPHA_CLIP = 0.99


def analyze_modes(values: np.ndarray, seed: int = 0, max_modes: int = MAX_MODES) -> dict[str, list[float]]:
    """Means, standard deviations and weights of a Gaussian mixture fitted to the finite ``values``."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"means": [0.0], "stds": [1.0], "weights": [1.0]}
    rng = np.random.default_rng(seed)
    if values.size > MODE_FIT_ROWS:
        values = rng.choice(values, MODE_FIT_ROWS, replace=False)
    spread = float(values.std())
    distinct = np.unique(values).size
    if spread == 0 or distinct < 2:
        return {"means": [float(values[0])], "stds": [max(spread, 1e-3)], "weights": [1.0]}
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import BayesianGaussianMixture

    mixture = BayesianGaussianMixture(
        n_components=min(max_modes, distinct),
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=0.001,
        max_iter=100,
        n_init=1,
        reg_covar=(1e-3 * spread) ** 2,  # point masses stay proper modes instead of singular ones
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mixture.fit(values.reshape(-1, 1))
    keep = mixture.weights_ > MODE_MIN_WEIGHT
    means = mixture.means_.ravel()[keep]
    stds = np.sqrt(mixture.covariances_.ravel()[keep])
    weights = mixture.weights_[keep] / mixture.weights_[keep].sum()
    order = np.argsort(means)
    return {
        "means": [float(m) for m in means[order]],
        "stds": [float(max(s, 1e-6 * spread)) for s in stds[order]],
        "weights": [float(w) for w in weights[order]],
    }


def values_to_modes(values: np.ndarray, modes: dict[str, list[float]], rng: np.random.Generator):
    """``(alpha, mode)`` per value; a value's mode is drawn from its posterior over the modes.

    NaN values get alpha 0 and the heaviest mode (their null indicator says they are missing).
    """
    means, stds = np.asarray(modes["means"]), np.asarray(modes["stds"])
    weights = np.asarray(modes["weights"])
    finite = np.isfinite(values)
    x = np.where(finite, values, means[np.argmax(weights)])[:, None]
    z = (x - means) / stds
    log_density = np.log(weights) - np.log(stds) - 0.5 * z**2
    # Only modes that can represent the value without clipping alpha (within 4 std), when there are any.
    fits = np.abs(z) < 4 * ALPHA_CLIP
    log_density = np.where(fits | ~fits.any(axis=1, keepdims=True), log_density, -np.inf)
    posterior = np.exp(log_density - log_density.max(axis=1, keepdims=True))
    posterior /= posterior.sum(axis=1, keepdims=True)
    cumulative = posterior.cumsum(axis=1)
    mode = (rng.random((len(x), 1)) > cumulative).sum(axis=1).clip(0, len(means) - 1)
    alpha = np.clip((x[:, 0] - means[mode]) / (4 * stds[mode]), -ALPHA_CLIP, ALPHA_CLIP)
    alpha[~finite] = 0.0
    return alpha, mode


def values_from_modes(alpha: np.ndarray, mode: np.ndarray, modes: dict[str, list[float]]) -> np.ndarray:
    means, stds = np.asarray(modes["means"]), np.asarray(modes["stds"])
    return np.clip(alpha, -1.0, 1.0) * 4 * stds[mode] + means[mode]


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
    values = finish_values(np.interp(u, np.linspace(0.0, 1.0, quantiles.size), quantiles), stats)
    values[np.isnan(u)] = np.nan
    return values


def _decimals_used(values: np.ndarray) -> int | None:
    """Fewest decimal places that reproduce every value, or None if more than MAX_DECIMALS."""
    scale = np.maximum(np.abs(values), 1.0)
    for decimals in range(MAX_DECIMALS + 1):
        if np.all(np.abs(np.round(values, decimals) - values) <= 1e-9 * scale):
            return decimals
    return None


def _missing_share(values: np.ndarray) -> float:
    return float(np.count_nonzero(~np.isfinite(values)) / values.size) if values.size else 0.0
