"""How closely a synthetic table's process columns follow their distributions: moments per group.

For each process column, :func:`process_moments_report` gives the expected mean and
standard deviation (from the model's parameters) next to the synthetic table's, per
group of the ``by`` column and over all rows (the expectation there mixes the groups'
distributions in the synthetic table's group shares), with the relative error of the
mean and its z-score (the error in standard errors of a mean of that many draws: within
about ±3 is sampling noise). The training table's moments are shown for comparison on
groups of at least ``min_real_rows`` rows only, so that no small group's values show.

``cdf_z`` says whether the values are draws of the distribution whatever its tails: the mean of the
distribution's CDF at the synthetic values is 1/2 for draws of it, with a standard error of
1/sqrt(12 n) (less for counts), so its z-score is close to normal where the mean's is not (a lognormal
with sdlog 2 puts the mean's z beyond 4 in 0.5% of correct samples).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from twinforge.process import distributions
from twinforge.process.declaration import group_key
from twinforge.process.model import FittedProcessColumn, ProcessModel

# Real moments of smaller groups are not shown (the rare-category threshold's default)
MIN_REAL_ROWS = 10


def process_moments_report(
    synthetic: pl.DataFrame,
    model: ProcessModel,
    real: pl.DataFrame | None = None,
    *,
    min_real_rows: int = MIN_REAL_ROWS,
) -> dict[str, dict[str, Any]]:
    """Column -> ``{distribution, by, fitted, overall, groups}``; see the module docstring."""
    report = {}
    for name, column in model.columns.items():
        if name not in synthetic.columns:
            raise ValueError(f"the synthetic table has no process column {name!r}")
        report[name] = _column_report(synthetic, column, real, min_real_rows)
    return report


def _column_report(
    synthetic: pl.DataFrame, column: FittedProcessColumn, real: pl.DataFrame | None, min_real_rows: int
) -> dict[str, Any]:
    values = _floats(synthetic.get_column(column.name))
    params = {None: column.default}  # group key -> parameters, found from a value of the group
    if column.by is None:
        keys = np.full(values.size, None, dtype=object)
    else:
        raw = synthetic.get_column(column.by).to_list()
        keys = np.array([group_key(v) for v in raw], dtype=object)
        params.update({group_key(v): column.params_of_value(v) for v in set(raw)})
    real_values, real_keys = None, None
    if real is not None and column.name in real.columns:
        real_values = _floats(real.get_column(column.name))
        if column.by is not None and column.by in real.columns:
            real_keys = np.array([group_key(v) for v in real.get_column(column.by).to_list()], dtype=object)
    groups = []
    expected_first, expected_second = 0.0, 0.0  # the mixture's E[X] and E[X^2] over the synthetic rows
    cdf = np.full(values.size, np.nan)  # each row's value through its group's CDF
    for key in sorted(set(keys.tolist()), key=lambda k: (k is not None, str(k))):
        rows = keys == key
        cdf[rows] = distributions.cdf_midpoints(column.distribution, params[key], values[rows])
    for key in sorted(set(keys.tolist()), key=lambda k: (k is not None, str(k))):
        rows = keys == key
        mean, sd = distributions.moments(column.distribution, params[key])
        expected_first += rows.sum() * mean
        expected_second += rows.sum() * (sd * sd + mean * mean)
        if column.by is not None:
            real_part = real_values[real_keys == key] if real_values is not None and real_keys is not None else None
            groups.append(_moments(key, values[rows], mean, sd, real_part, min_real_rows, cdf[rows]))
    n = max(values.size, 1)
    mean = expected_first / n
    sd = math.sqrt(max(expected_second / n - mean * mean, 0.0))
    overall = _moments(None, values, mean, sd, real_values, min_real_rows, cdf)
    return {
        "distribution": column.distribution,
        "by": column.by,
        "fitted": column.fitted,
        "parameters": {"default": column.default, **({"groups": column.groups} if column.groups else {})},
        "overall": overall,
        "groups": groups,
    }


def _moments(
    group: str | None,
    values: np.ndarray,
    expected_mean: float,
    expected_sd: float,
    real: np.ndarray | None,
    min_real_rows: int,
    cdf: np.ndarray,
) -> dict[str, Any]:
    cdf = cdf[np.isfinite(values)]
    values = values[np.isfinite(values)]
    synthetic_mean = float(values.mean()) if values.size else None
    synthetic_sd = float(values.std(ddof=1)) if values.size > 1 else None
    error = z = None
    if synthetic_mean is not None:
        if expected_mean != 0:
            error = abs(synthetic_mean - expected_mean) / abs(expected_mean)
        if expected_sd > 0:
            z = (synthetic_mean - expected_mean) / (expected_sd / math.sqrt(values.size))
    shown = real is not None and real[np.isfinite(real)].size >= min_real_rows
    real = real[np.isfinite(real)] if shown else None
    return {
        "group": group,
        "rows": int(values.size),
        "expected_mean": expected_mean,
        "expected_sd": expected_sd,
        "synthetic_mean": synthetic_mean,
        "synthetic_sd": synthetic_sd,
        "real_mean": float(real.mean()) if real is not None else None,
        "real_sd": float(real.std(ddof=1)) if real is not None and real.size > 1 else None,
        "mean_relative_error": error,
        "mean_z": z,
        "cdf_z": float((cdf.mean() - 0.5) * math.sqrt(12 * cdf.size)) if cdf.size else None,
    }


def _floats(series: pl.Series) -> np.ndarray:
    return series.cast(pl.Float64).fill_null(float("nan")).to_numpy().astype(np.float64, copy=False)
