"""Pairwise fidelity: does the synthetic table keep the dependence between columns?

* Pearson correlation matrices of the numeric (and datetime) columns, real vs
  synthetic, and their absolute difference.
* For every pair of compared columns, of any kind: the association strength as
  bias-corrected Cramér's V (Bergsma 2013) on a contingency table (numeric
  columns cut at the real data's deciles, rare categories pooled, null its own
  level), and the contingency similarity 1 - TVD between the real and
  synthetic joint distributions of the pair.
* ``dependence_score`` = 1 - sum e / sum s over the pairs, where a pair's strength ``s`` is its real V
  beyond sampling noise and its lost dependence ``e`` is |V_real - V_synthetic| beyond the same noise
  (V_real + V_synthetic when two numeric columns' Spearman correlations have opposite signs: V is
  blind to the sign). 1 when every association is reproduced, about 0 when the columns were shuffled
  independently; clipped to [0, 1]. Noise matters: V of two independent columns of 600 rows on
  10 x 10 levels is about 0.05, so summing raw differences over many unrelated pairs failed faithful
  twins of wide tables, and their mean switched the gate off although a strong pair was lost. The
  noise level is the bias-corrected V's upper :data:`NOISE_Z` standard deviations under independence,
  from the pair's levels and rows (both tables' combined in quadrature for a difference). The score is
  undefined (None) when no real pair is associated beyond noise, or there is no pair;
  ``dependence_not_applicable`` then says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from twinforge.evaluation.columns import (
    ColumnSchema,
    as_float_series,
    as_floats_with_nan,
    as_labels,
    is_numeric,
    label_codes,
    pair,
    top_categories,
)

ASSOCIATION_BINS = 10
ASSOCIATION_CATEGORIES = 20
# a Cramér's V (or a difference of two) counts beyond this many standard deviations of its value under
# independence; a correlation's sign beyond this many standard errors (1 / sqrt(n))
NOISE_Z = 3.0


def correlation_difference(real: pl.DataFrame, synthetic: pl.DataFrame, columns: Sequence[str]) -> dict[str, Any]:
    """Mean / max absolute difference between the real and synthetic Pearson correlations, and both matrices.

    Pairs undefined on either side (a constant column) are left out (NaN in the matrices, null in JSON).
    """
    out: dict[str, Any] = {
        "columns": list(columns), "n_pairs": 0, "mean_abs_diff": None, "max_abs_diff": None, "worst_pair": None,
        "real": None, "synthetic": None,
    }  # fmt: skip
    if len(columns) < 2:
        return out
    cr, cs = _pearson(real, columns), _pearson(synthetic, columns)
    out.update(real=_matrix_json(cr), synthetic=_matrix_json(cs))
    i, j = np.triu_indices(len(columns), k=1)
    diff = np.abs(cr[i, j] - cs[i, j])
    ok = np.isfinite(diff)
    if not ok.any():
        return out
    worst = int(np.nanargmax(np.where(ok, diff, np.nan)))
    return {
        **out,
        "n_pairs": int(ok.sum()),
        "mean_abs_diff": float(diff[ok].mean()),
        "max_abs_diff": float(diff[worst]),
        "worst_pair": {
            "columns": [columns[i[worst]], columns[j[worst]]],
            **pair(float(cr[i[worst], j[worst]]), float(cs[i[worst], j[worst]])),
        },
    }


def _pearson(df: pl.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Pairwise-complete Pearson correlation matrix (datetimes as epoch seconds)."""
    frame = pl.DataFrame({c: as_float_series(df.get_column(c)) for c in columns}).to_pandas()
    return frame.corr(method="pearson").to_numpy()


def _matrix_json(m: np.ndarray) -> list[list[float | None]]:
    return [[float(v) if np.isfinite(v) else None for v in row] for row in m]


# --------------------------------------------------------------------------- association


def discretize(real: pl.Series, synthetic: pl.Series, numeric: bool) -> tuple[np.ndarray, np.ndarray]:
    """Both columns as level codes 0..k-1 on levels learned from the real column (null is a level)."""
    if numeric:
        r, s = as_floats_with_nan(real), as_floats_with_nan(synthetic)
        finite = r[np.isfinite(r)]
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, ASSOCIATION_BINS + 1)[1:-1])) if finite.size else []

        def codes(a: np.ndarray) -> np.ndarray:
            c = np.searchsorted(edges, a, side="right")
            c[np.isnan(a)] = len(edges) + 1
            return c

        return codes(r), codes(s)
    rl, sl = as_labels(real), as_labels(synthetic)
    cats = top_categories(rl, ASSOCIATION_CATEGORIES)

    def codes_of(labels: pl.Series) -> np.ndarray:
        c = label_codes(labels, cats)  # other labels get len(cats), null -1
        c[c < 0] = len(cats) + 1
        return c

    return codes_of(rl), codes_of(sl)


def cramers_v(x: np.ndarray, y: np.ndarray) -> float:
    """Bias-corrected Cramér's V of two code arrays (0 = independent, 1 = one determines the other)."""
    return cramers_v_and_noise(x, y)[0]


def cramers_v_and_noise(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Bias-corrected Cramér's V, and the value it stays under for independent columns of the same levels and
    rows (``NOISE_Z`` standard deviations of chi-square / n above its mean)."""
    table = contingency_table(x, y)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = table.sum()
    r, k = table.shape
    if n < 2:
        return 0.0, 1.0  # nothing measured: any association is possible
    if r < 2 or k < 2:
        # a column with one level has no association; on few rows one level may be chance, so the noise
        # is that of the smallest table (two by two)
        return 0.0, float(min(1.0, np.sqrt(NOISE_Z * np.sqrt(2.0) / n)))
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    r_corr = r - (r - 1) ** 2 / (n - 1)
    k_corr = k - (k - 1) ** 2 / (n - 1)
    denominator = min(k_corr - 1, r_corr - 1)
    if denominator <= 0:
        return 0.0, 1.0  # too few rows for the levels: the bias correction leaves nothing to measure
    noise_phi2 = NOISE_Z * np.sqrt(2.0 * (k - 1) * (r - 1)) / n
    return float(min(1.0, np.sqrt(phi2 / denominator))), float(min(1.0, np.sqrt(noise_phi2 / denominator)))


def _opposite_signs(real: pl.DataFrame, synthetic: pl.DataFrame, a: str, b: str) -> bool:
    """Whether two numeric columns' Spearman correlations are each beyond noise and of opposite signs."""
    signs = []
    for table in (real, synthetic):
        both = table.select(a, b).cast(pl.Float64).filter(pl.all_horizontal(pl.all().is_finite()))
        if both.height < 3:
            return False
        rho = both.select(pl.corr(a, b, method="spearman")).item()
        if rho is None or not np.isfinite(rho) or abs(rho) <= NOISE_Z / np.sqrt(both.height):
            return False
        signs.append(np.sign(rho))
    return signs[0] != signs[1]


def contingency_table(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    kx, ky = int(x.max()) + 1 if x.size else 1, int(y.max()) + 1 if y.size else 1
    return np.bincount(x * ky + y, minlength=kx * ky).reshape(kx, ky).astype(np.float64)


def contingency_similarity(real_x, real_y, syn_x, syn_y) -> float:
    """1 - total variation distance between the real and synthetic joint distributions of a pair."""
    kx = int(max(real_x.max(initial=0), syn_x.max(initial=0))) + 1
    ky = int(max(real_y.max(initial=0), syn_y.max(initial=0))) + 1
    p = np.bincount(real_x * ky + real_y, minlength=kx * ky) / max(real_x.size, 1)
    q = np.bincount(syn_x * ky + syn_y, minlength=kx * ky) / max(syn_x.size, 1)
    return float(1.0 - 0.5 * np.abs(p - q).sum())


def association_report(real: pl.DataFrame, synthetic: pl.DataFrame, columns: Sequence[ColumnSchema]) -> dict[str, Any]:
    """Cramér's V matrices (real, synthetic), contingency similarity per pair, and the dependence score."""
    names = [c.name for c in columns]
    n = len(names)
    out: dict[str, Any] = {
        "columns": names, "n_pairs": 0, "real": None, "synthetic": None, "dependence_score": None,
        "mean_abs_diff": None, "contingency_similarity": None, "worst_pairs": [],
    }  # fmt: skip
    if n < 2:
        return {**out, "dependence_not_applicable": "fewer than two compared columns: no column pair"}
    codes = [discretize(real.get_column(c.name), synthetic.get_column(c.name), is_numeric(c)) for c in columns]
    v_real, v_syn = np.eye(n), np.eye(n)
    pairs, strengths, lost = [], [], []
    for i in range(n):
        for j in range(i + 1, n):
            (rx, sx), (ry, sy) = codes[i], codes[j]
            (real_v, real_noise), (syn_v, syn_noise) = cramers_v_and_noise(rx, ry), cramers_v_and_noise(sx, sy)
            v_real[i, j] = v_real[j, i] = real_v
            v_syn[i, j] = v_syn[j, i] = syn_v
            flipped = (
                is_numeric(columns[i])
                and is_numeric(columns[j])
                and _opposite_signs(real, synthetic, names[i], names[j])
            )
            difference = real_v + syn_v if flipped else abs(real_v - syn_v)
            # both beyond the same tolerance, the noise of a difference: a pair lost entirely loses its strength
            tolerance = float(np.hypot(real_noise, syn_noise))
            strengths.append(max(0.0, real_v - tolerance))
            lost.append(max(0.0, difference - tolerance))
            pairs.append({
                "columns": [names[i], names[j]],
                **pair(real_v, syn_v),
                "contingency_similarity": contingency_similarity(rx, ry, sx, sy),
                "opposite_sign": flipped,
                "lost": lost[-1],
            })  # fmt: skip
    i, j = np.triu_indices(n, k=1)
    diff = np.abs(v_real[i, j] - v_syn[i, j])
    mean_real = float(v_real[i, j].mean())
    strength = float(sum(strengths))
    score, not_applicable = None, {}
    if strength > 0:
        score = float(min(1.0, max(0.0, 1.0 - sum(lost) / strength)))
    else:
        not_applicable["dependence_not_applicable"] = (
            f"no pair of real columns is associated beyond sampling noise (mean Cramér's V {mean_real:.3g}): "
            "no dependence to keep"
        )
    worst = sorted(pairs, key=lambda p: (-p["lost"], -abs(p["real"] - p["synthetic"])))[:5]
    return {
        **out,
        **not_applicable,
        "n_pairs": len(pairs),
        "real": _matrix_json(v_real),
        "synthetic": _matrix_json(v_syn),
        "mean_real_association": mean_real,
        "dependence_score": score,
        "mean_abs_diff": float(diff.mean()),
        "contingency_similarity": float(np.mean([p["contingency_similarity"] for p in pairs])),
        "worst_pairs": worst,
    }
