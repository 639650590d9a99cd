"""Pairwise fidelity: does the synthetic table keep the dependence between columns?

* Pearson correlation matrices of the numeric (and datetime) columns, real vs
  synthetic, and their absolute difference.
* For every pair of compared columns, of any kind: the association strength as
  bias-corrected Cramér's V (Bergsma 2013) on a contingency table (numeric
  columns cut at the real data's deciles, rare categories pooled, null its own
  level), and the contingency similarity 1 - TVD between the real and
  synthetic joint distributions of the pair.
* ``dependence_score`` = 1 - sum |V_real - V_synthetic| / sum V_real: 1 when
  every association is reproduced, about 0 when the columns were shuffled
  independently (all associations lost), negative values clipped to 0. It is
  undefined (None) when the real columns are themselves nearly independent or
  there is no pair; ``dependence_not_applicable`` then says why.
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
# Below this mean real association the columns are close to independent: a dependence score means nothing.
MIN_MEAN_ASSOCIATION = 0.02


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
    table = contingency_table(x, y)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = table.sum()
    r, k = table.shape
    if n < 2 or r < 2 or k < 2:
        return 0.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    r_corr = r - (r - 1) ** 2 / (n - 1)
    k_corr = k - (k - 1) ** 2 / (n - 1)
    denominator = min(k_corr - 1, r_corr - 1)
    return float(min(1.0, np.sqrt(phi2 / denominator))) if denominator > 0 else 0.0


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
    pairs = []
    for i in range(n):
        for j in range(i + 1, n):
            (rx, sx), (ry, sy) = codes[i], codes[j]
            v_real[i, j] = v_real[j, i] = cramers_v(rx, ry)
            v_syn[i, j] = v_syn[j, i] = cramers_v(sx, sy)
            pairs.append({
                "columns": [names[i], names[j]],
                **pair(v_real[i, j], v_syn[i, j]),
                "contingency_similarity": contingency_similarity(rx, ry, sx, sy),
            })  # fmt: skip
    i, j = np.triu_indices(n, k=1)
    diff = np.abs(v_real[i, j] - v_syn[i, j])
    strength = v_real[i, j].sum()
    score, not_applicable = None, {}
    if strength / len(diff) >= MIN_MEAN_ASSOCIATION:
        score = float(max(0.0, 1.0 - diff.sum() / strength))
    else:
        not_applicable["dependence_not_applicable"] = (
            f"the real columns are nearly independent (mean Cramér's V {strength / len(diff):.3g} "
            f"< {MIN_MEAN_ASSOCIATION}): no dependence to keep"
        )
    worst = sorted(pairs, key=lambda p: -abs(p["real"] - p["synthetic"]))[:5]
    return {
        **out,
        **not_applicable,
        "n_pairs": len(pairs),
        "real": _matrix_json(v_real),
        "synthetic": _matrix_json(v_syn),
        "mean_real_association": float(strength / len(diff)),
        "dependence_score": score,
        "mean_abs_diff": float(diff.mean()),
        "contingency_similarity": float(np.mean([p["contingency_similarity"] for p in pairs])),
        "worst_pairs": worst,
    }
