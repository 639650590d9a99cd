"""Per-column fidelity: how closely each synthetic column's distribution follows the real one.

Numeric and datetime columns: Kolmogorov-Smirnov statistic (score = 1 - KS),
Wasserstein distance over the real spread, mean / variance / skewness /
kurtosis side by side, the share of outliers (beyond the real data's Tukey
fences), the central range and the share of synthetic values outside the real
range, and the shares of real and synthetic values beyond a far fence around the
real values (:func:`extreme_fences`). Categorical and boolean columns: total
variation distance (score = 1 - TVD) and how many categories the synthetic data
misses or invents. Both: null rates, the number of values compared, and the
distance (KS or TVD) that sampling noise alone could reach (``distance_noise``),
which the per-column gates allow for. Datetimes are compared as epoch seconds.

Only aggregates leave this module: moments, quantiles, binned shares, counts.
The only values it names are the real category labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from twinforge.evaluation.columns import (
    CATEGORICAL_KINDS,
    NUMERIC_KINDS,
    as_float_array,
    as_labels,
    compared_columns,
    null_rate,
    pair,
)
from twinforge.evaluation.text import text_fidelity
from twinforge.io.schema import ColumnKind, TableSchema

HISTOGRAM_BINS = 20
CENTRAL_RANGE = (0.005, 0.995)  # histogram span and the reported range: no single extreme value is shown
TOP_CATEGORIES = 15  # bars drawn per categorical column; the rest are pooled as "(other)"
# a real category held by fewer rows is pooled into "(other)" too, never named: a label held by one or
# a few people can be their name, phone number or id (small-cell suppression)
MIN_NAMED_COUNT = 10
OTHER, INVENTED = "(other)", "(invented)"
TUKEY_FENCE = 1.5
# Sampling noise of a column's distance (1 - score) between two independent samples of one distribution,
# so that the per-column gates judge only a difference beyond it: small tables differ more by chance.
# KS: the two-sample Kolmogorov bound c * sqrt((n + m) / (n m)), c = 2.3 (exceeded with probability 5e-5).
KS_NOISE_C = 2.3
# TVD: the mean of the TVD of two samples of the pooled shares, sqrt(2/pi) * S1, plus TVD_NOISE_Z times
# S2, where S1 and S2 are half the sum and half the root sum of squares of the shares' standard errors:
# about 4.3 standard errors for a binary column (exceeded with probability 2e-5), more for many categories.
TVD_NOISE_Z = 5.0
# Extreme values: beyond the real data's quantiles EXTREME_QUANTILES widened by EXTREME_IQRS interquartile
# ranges on each side (a far fence: a fresh draw of a heavy-tailed column rarely lands beyond it, a unit slip
# of x1000 nearly always does)
EXTREME_QUANTILES = (0.001, 0.999)
EXTREME_IQRS = 3.0


def column_fidelity(real: pl.Series, synthetic: pl.Series, kind: ColumnKind) -> dict[str, Any]:
    """Fidelity of one synthetic column to its real counterpart; ``score`` is in [0, 1]."""
    if kind in NUMERIC_KINDS:
        unit = {"unit": "epoch seconds"} if kind is ColumnKind.DATETIME else {}
        return {"kind": kind.value, **unit, **numeric_fidelity(real, synthetic)}
    if kind in CATEGORICAL_KINDS:
        return {"kind": kind.value, **categorical_fidelity(real, synthetic)}
    raise ValueError(f"{kind.value} columns are not compared (column {real.name!r})")


def numeric_fidelity(real: pl.Series, synthetic: pl.Series) -> dict[str, Any]:
    """KS, normalised Wasserstein, moments, outliers, range, null rates and a shared histogram."""
    from scipy import stats

    r, s = as_float_array(real), as_float_array(synthetic)
    out: dict[str, Any] = {
        "metric": "ks",
        "null_rate": pair(null_rate(real), null_rate(synthetic)),
        "n_values": pair(int(r.size), int(s.size)),
    }
    if r.size == 0 or s.size == 0:
        # nothing to compare: equal if both are empty, as far apart as possible otherwise
        score = 1.0 if r.size == s.size else 0.0
        return {**out, "ks": None, "wasserstein": None, "distance_noise": 0.0, "score": score}
    ks = float(stats.ks_2samp(r, s).statistic)
    extreme_low, extreme_high = extreme_fences(r)
    scale, scale_name = _spread(r)
    low, high = _tukey_fences(r)
    return {
        **out,
        "ks": ks,
        "wasserstein": float(stats.wasserstein_distance(r, s)) / scale,
        "wasserstein_scale": scale_name,
        "mean": pair(float(r.mean()), float(s.mean())),
        "std": pair(_std(r), _std(s)),
        "variance": pair(_std(r) ** 2, _std(s) ** 2),
        "skewness": pair(_moment(stats.skew, r), _moment(stats.skew, s)),
        "kurtosis": pair(_moment(stats.kurtosis, r), _moment(stats.kurtosis, s)),  # excess kurtosis
        "outlier_share": pair(_share_outside(r, low, high), _share_outside(s, low, high)),
        "range": pair(_central_range(r), _central_range(s)),
        "out_of_range_share": _share_outside(s, float(r.min()), float(r.max())),
        "extreme_share": pair(
            _share_outside(r, extreme_low, extreme_high), _share_outside(s, extreme_low, extreme_high)
        ),
        "histogram": _histogram(r, s),
        "distance_noise": ks_noise(r.size, s.size),
        "score": 1.0 - ks,
    }


def categorical_fidelity(real: pl.Series, synthetic: pl.Series) -> dict[str, Any]:
    """Total variation distance over non-null values, category coverage counts, null rates, bar data."""
    p, q = category_shares(real), category_shares(synthetic)
    if not p or not q:
        tvd = 0.0 if p == q else 1.0
    else:
        tvd = 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in p.keys() | q.keys())
    tvd = min(1.0, tvd)  # float noise on disjoint sets
    n, m = as_labels(real).drop_nulls().len(), as_labels(synthetic).drop_nulls().len()
    return {
        "metric": "tvd",
        "tvd": tvd,
        "null_rate": pair(null_rate(real), null_rate(synthetic)),
        "n_values": pair(n, m),
        "distance_noise": tvd_noise(p, q, n, m),
        "n_categories": pair(len(p), len(q)),
        # counts only: invented values are not part of the real category set
        "categories_missing": len(p.keys() - q.keys()),
        "categories_invented": len(q.keys() - p.keys()),
        "bars": _category_bars(p, q, real.drop_nulls().len()),
        "score": 1.0 - tvd,
    }


def category_shares(s: pl.Series) -> dict[str, float]:
    """Share of each non-null label."""
    s = as_labels(s).drop_nulls().rename("value")  # a column named "count" would clash with value_counts()
    if s.len() == 0:
        return {}
    counts = s.value_counts()
    n = s.len()
    return {v: c / n for v, c in zip(counts.get_column("value").to_list(), counts.get_column("count").to_list())}


def ks_noise(n: int, m: int) -> float:
    """The KS distance two samples of ``n`` and ``m`` values of one distribution stay within (see KS_NOISE_C)."""
    return KS_NOISE_C * float(np.sqrt((n + m) / (n * m))) if n and m else 0.0


def tvd_noise(p: dict[str, float], q: dict[str, float], n: int, m: int) -> float:
    """The TVD two samples of ``n`` and ``m`` labels with the pooled shares of ``p`` and ``q`` stay within
    (see TVD_NOISE_Z)."""
    if not n or not m:
        return 0.0
    pooled = np.array([(p.get(k, 0.0) * n + q.get(k, 0.0) * m) / (n + m) for k in p.keys() | q.keys()])
    se = np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m))
    return float(np.sqrt(2 / np.pi) * 0.5 * se.sum() + TVD_NOISE_Z * 0.5 * np.sqrt((se**2).sum()))


def extreme_fences(a: np.ndarray) -> tuple[float, float]:
    """Values of a column beyond these are extreme: the real data's EXTREME_QUANTILES widened by EXTREME_IQRS
    interquartile ranges (standard deviations where the IQR is 0, as in a zero-inflated column)."""
    low, q1, q3, high = np.quantile(a, [EXTREME_QUANTILES[0], 0.25, 0.75, EXTREME_QUANTILES[1]])
    spread = q3 - q1 if q3 > q1 else _std(a)
    return float(low - EXTREME_IQRS * spread), float(high + EXTREME_IQRS * spread)


def _std(a: np.ndarray) -> float:
    return float(a.std(ddof=1)) if a.size > 1 else 0.0


def _moment(fn, a: np.ndarray) -> float | None:
    """Skewness / kurtosis; None where undefined (fewer than 3 values or no spread)."""
    if a.size < 3 or np.ptp(a) == 0:
        return None
    return float(fn(a, bias=False))


def _spread(a: np.ndarray) -> tuple[float, str]:
    """The scale that normalises the Wasserstein distance: IQR, else std, else none."""
    q1, q3 = np.percentile(a, [25, 75])
    if q3 > q1:
        return float(q3 - q1), "iqr"
    std = _std(a)
    return (std, "std") if std > 0 else (1.0, "none")


def _tukey_fences(a: np.ndarray) -> tuple[float, float]:
    q1, q3 = np.percentile(a, [25, 75])
    return float(q1 - TUKEY_FENCE * (q3 - q1)), float(q3 + TUKEY_FENCE * (q3 - q1))


def _share_outside(a: np.ndarray, low: float, high: float) -> float:
    return float(np.mean((a < low) | (a > high))) if a.size else 0.0


def _central_range(a: np.ndarray) -> list[float]:
    return [float(v) for v in np.quantile(a, CENTRAL_RANGE)]


def _histogram(r: np.ndarray, s: np.ndarray, bins: int = HISTOGRAM_BINS) -> dict[str, list[float]]:
    """Shares of each sample in shared bins (values beyond the edges counted in the end bins)."""
    pooled = np.concatenate([r, s])
    lo, hi = np.quantile(pooled, CENTRAL_RANGE)
    if hi - lo < bins and np.array_equal(pooled, np.round(pooled)):
        # few integer values: one bin per integer, else bins alias into gaps
        lo, hi = np.floor(lo) - 0.5, np.ceil(hi) + 0.5
        edges = np.arange(lo, hi + 0.5)
    else:
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, bins + 1)

    def shares(a: np.ndarray) -> list[float]:
        counts, _ = np.histogram(np.clip(a, lo, hi), bins=edges)
        return (counts / a.size).tolist()

    return {"edges": edges.tolist(), "real": shares(r), "synthetic": shares(s)}


def _category_bars(
    p: dict[str, float], q: dict[str, float], real_count: int, top: int = TOP_CATEGORIES
) -> dict[str, list]:
    """Bar-chart data: the most frequent real categories held by at least :data:`MIN_NAMED_COUNT` of the
    ``real_count`` real values, the other real ones pooled, invented ones pooled."""
    ranked = sorted(p, key=lambda k: (-p[k], str(k)))
    shown = [k for k in ranked if p[k] * real_count >= MIN_NAMED_COUNT - 1e-9][:top]
    hidden = set(ranked) - set(shown)
    rest = [k for k in ranked if k in hidden]
    labels = [str(k) for k in shown]
    real = [p[k] for k in shown]
    synthetic = [q.get(k, 0.0) for k in shown]
    if rest:
        labels.append(OTHER)
        real.append(sum(p[k] for k in rest))
        synthetic.append(sum(q.get(k, 0.0) for k in rest))
    invented = sum(v for k, v in q.items() if k not in p)
    if invented:
        labels.append(INVENTED)
        real.append(0.0)
        synthetic.append(invented)
    return {"labels": labels, "real": real, "synthetic": synthetic}


def fidelity_report(real: pl.DataFrame, synthetic: pl.DataFrame, schema: TableSchema) -> dict[str, Any]:
    """Per-column fidelity of every compared column, the mean score, and numeric correlation drift."""
    from twinforge.evaluation.pairwise import correlation_difference

    columns, skipped = compared_columns(schema, real, synthetic)
    per_column = {
        c.name: column_fidelity(real.get_column(c.name), synthetic.get_column(c.name), c.kind) for c in columns
    }
    scores = [c["score"] for c in per_column.values()]
    numeric = [c.name for c in columns if c.kind in NUMERIC_KINDS]
    report = {
        "overall_score": float(np.mean(scores)) if scores else None,
        "n_columns": len(per_column),
        "n_rows": pair(real.height, synthetic.height),
        "columns": per_column,
        "skipped": skipped,
        "correlation": correlation_difference(real, synthetic, numeric),
    }
    # generated text columns: measured on their own terms (twinforge.evaluation.text), not in the overall score
    text = {
        c.name: text_fidelity(real.get_column(c.name), synthetic.get_column(c.name))
        for c in schema.columns
        if c.kind is ColumnKind.TEXT and c.name in real.columns and c.name in synthetic.columns
    }
    if text:
        report["text"] = text
    return report
