"""Privacy: does the synthetic table give away the rows it was trained on?

Every measure compares the training rows (which the generator saw) with the
holdout rows (which it did not): a synthetic table that is as close to the
holdout as to the training data has learned the population, not the people.

* Exact matches: the share of synthetic rows identical to a training row, next
  to the share of holdout rows identical to a training row (the baseline:
  duplicates that occur naturally).
* Distance to closest record (DCR): for each synthetic row, the distance to
  the nearest training row and to the nearest holdout row
  (:class:`~twinforge.evaluation.columns.DistanceSpace`). The share closer to
  train is adjusted for the two tables' sizes, so 0.5 is ideal whatever the
  split (see :func:`balanced_share`); a memorising generator approaches 1.
* Nearest-neighbour distance ratio (NNDR): distance to the closest over the
  second-closest training row. Near 0 means a synthetic row sits on one
  particular person; compared with the same ratio for holdout rows.
* Membership inference: an attacker who holds a record guesses "it was in the
  training data" when some synthetic row is close to it. Scored on training
  members vs holdout non-members as ROC AUC and advantage = max(TPR - FPR).

Distances are computed on samples (``max_rows``), the same sampling rate for
train and holdout. Only distances and shares leave this module, never rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from twinforge.evaluation.columns import (
    ColumnSchema,
    DistanceSpace,
    as_float_series,
    as_labels,
    is_numeric,
    sample_rows,
)
from twinforge.evaluation.gates import share_noise

DISTANCE_BINS = 30


def exact_match_report(
    train: pl.DataFrame, holdout: pl.DataFrame, synthetic: pl.DataFrame, columns: Sequence[ColumnSchema]
) -> dict[str, Any]:
    """Share of synthetic (and, as the baseline, holdout) rows equal to some training row on every compared column."""
    train_keys = _row_keys(train, columns).unique()
    synthetic_share = _share_in(_row_keys(synthetic, columns), train_keys)
    holdout_share = _share_in(_row_keys(holdout, columns), train_keys)
    return {
        "synthetic_share": synthetic_share,
        "holdout_share": holdout_share,
        "excess": synthetic_share - holdout_share,
        # duplicates within the synthetic table: a collapsed generator repeats itself
        "synthetic_duplicate_share": 1.0 - _row_keys(synthetic, columns).n_unique() / synthetic.height
        if synthetic.height
        else 0.0,
    }


# a holdout may repeat training rows this much more often than the training table repeats its own (an absolute
# share), or the sampling noise of that share if more (gates.share_noise), before it is refused as not held out
HOLDOUT_OVERLAP_SLACK = 0.05


def holdout_overlap_problem(train: pl.DataFrame, holdout: pl.DataFrame, columns: Sequence[ColumnSchema]) -> str | None:
    """Why ``holdout`` cannot serve as the privacy measures' baseline, or None.

    Every privacy measure compares the synthetic rows' closeness to the training rows with their closeness to
    the holdout; a holdout that repeats the training rows (the same file twice, a split done twice) makes a
    copy of the training data look as private as fresh rows. A holdout drawn apart from the same population
    equals some training row about as often as a training row equals another one (the table's own repeats);
    more than that, beyond sampling noise and :data:`HOLDOUT_OVERLAP_SLACK`, and the holdout is refused."""
    train_keys = _row_keys(train, columns)
    overlap = _share_in(_row_keys(holdout, columns), train_keys.unique())
    repeats = float(train_keys.is_duplicated().mean()) if train_keys.len() else 0.0
    noise = share_noise(repeats, repeats, holdout.height, train.height)
    if overlap <= repeats + max(HOLDOUT_OVERLAP_SLACK, noise):
        return None
    return (
        f"the holdout is not held out: {overlap:.1%} of its rows equal a training row, where the training "
        f"table's own repeats explain {repeats:.1%} (the same rows twice, or overlapping splits?); every privacy "
        "measure compares with the holdout, so a copy of the training rows would pass them"
    )


def _row_keys(df: pl.DataFrame, columns: Sequence[ColumnSchema]) -> pl.Series:
    """A hash per row over the compared columns, in one canonical type per kind (Float64 / String)."""
    canonical = pl.DataFrame(
        {
            c.name: as_float_series(df.get_column(c.name)) if is_numeric(c) else as_labels(df.get_column(c.name))
            for c in columns
        }
    )
    return canonical.hash_rows(seed=0)


def _share_in(keys: pl.Series, reference: pl.Series) -> float:
    return float(keys.is_in(reference.implode()).mean()) if keys.len() else 0.0


def balanced_share(closer_to_train: float, n_train: int, n_holdout: int) -> float:
    """The share of rows closer to train, corrected for unequal reference sizes (0.5 when unrelated).

    Against references of ``n_train`` and ``n_holdout`` rows drawn from one
    population, a fresh row's nearest neighbour lies in the training rows with
    probability n_train / (n_train + n_holdout); reweighting each side by its
    size maps that expectation to 0.5, while 0 and 1 stay put.
    """
    toward_train = closer_to_train / n_train
    toward_holdout = (1.0 - closer_to_train) / n_holdout
    total = toward_train + toward_holdout
    return float(toward_train / total) if total > 0 else 0.5


def distance_report(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    columns: Sequence[ColumnSchema],
    *,
    max_rows: int = 20_000,
    max_queries: int = 5_000,
    seed: int = 0,
) -> dict[str, Any]:
    """DCR, NNDR and membership inference on samples of the three tables."""
    from sklearn.neighbors import NearestNeighbors

    # train and holdout references sampled at one rate, so their size ratio (and balanced_share) holds
    rate = min(1.0, max_rows / max(train.height, 1))
    train_ref = sample_rows(train, max(2, int(round(train.height * rate))), seed)
    holdout_ref = sample_rows(holdout, max(1, int(round(holdout.height * rate))), seed + 1)
    queries = sample_rows(synthetic, max_queries, seed + 2)
    space = DistanceSpace.fit(columns, train)
    t, h, q = space.transform(train_ref), space.transform(holdout_ref), space.transform(queries)

    def nearest(reference: np.ndarray, points: np.ndarray, k: int = 1) -> np.ndarray:
        search = NearestNeighbors(n_neighbors=min(k, len(reference)), algorithm="brute").fit(reference)
        return search.kneighbors(points)[0]

    to_train = nearest(t, q, k=2)
    to_holdout = nearest(h, q)[:, 0]
    dcr_train = to_train[:, 0]
    closer = float(np.mean(dcr_train < to_holdout) + 0.5 * np.mean(dcr_train == to_holdout))
    # baseline: holdout rows (not seen by the generator) against the training rows
    baseline_rows = h[:max_queries]
    baseline = nearest(t, baseline_rows, k=2)
    nndr = _nndr(to_train)
    nndr_baseline = _nndr(baseline)
    membership = membership_inference(
        train_ref, holdout_ref, synthetic, space, max_rows=max_rows, max_queries=max_queries, seed=seed
    )
    return {
        "rows": {"train_reference": len(t), "holdout_reference": len(h), "synthetic_queries": len(q)},
        "dcr": {
            "share_closer_to_train": closer,
            "expected_share_if_unrelated": len(t) / (len(t) + len(h)),
            "balanced_share_closer_to_train": balanced_share(closer, len(t), len(h)),
            "synthetic_to_train": _quantiles(dcr_train),
            "synthetic_to_holdout": _quantiles(to_holdout),
            "holdout_to_train": _quantiles(baseline[:, 0]),
            "share_at_zero": float(np.mean(dcr_train == 0)),
            "holdout_share_at_zero": float(np.mean(baseline[:, 0] == 0)),
            "histogram": _histogram(
                {"synthetic → train": dcr_train, "synthetic → holdout": to_holdout, "holdout → train": baseline[:, 0]}
            ),
        },
        "nndr": {
            "synthetic": _quantiles(nndr),
            "holdout": _quantiles(nndr_baseline),
            "histogram": _histogram({"synthetic": nndr, "holdout": nndr_baseline}, upper=1.0),
        },
        "membership": membership,
    }


def membership_inference(
    train_ref: pl.DataFrame,
    holdout_ref: pl.DataFrame,
    synthetic: pl.DataFrame,
    space: DistanceSpace,
    *,
    max_rows: int,
    max_queries: int,
    seed: int,
) -> dict[str, Any]:
    """Distance-to-closest-synthetic-row attack: training members vs holdout non-members, equal numbers."""
    from sklearn.metrics import roc_auc_score, roc_curve
    from sklearn.neighbors import NearestNeighbors

    n = min(train_ref.height, holdout_ref.height, max_queries)
    members, others = sample_rows(train_ref, n, seed + 3), sample_rows(holdout_ref, n, seed + 4)
    reference = space.transform(sample_rows(synthetic, max_rows, seed + 5))
    search = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(reference)
    d_members = search.kneighbors(space.transform(members))[0][:, 0]
    d_others = search.kneighbors(space.transform(others))[0][:, 0]
    truth = np.concatenate([np.ones(n), np.zeros(n)])
    closeness = -np.concatenate([d_members, d_others])  # closer to a synthetic row: more likely a member
    fpr, tpr, _ = roc_curve(truth, closeness)
    return {
        "auc": float(roc_auc_score(truth, closeness)),
        "advantage": float(np.max(tpr - fpr)),
        "rows_per_class": n,
        "synthetic_reference_rows": len(reference),
    }


def _nndr(distances: np.ndarray) -> np.ndarray:
    """Closest over second-closest distance; 1 where both are 0 (two identical neighbours single no one out)."""
    if distances.shape[1] < 2:
        return np.ones(len(distances))
    first, second = distances[:, 0], distances[:, 1]
    return np.where(second > 0, first / np.where(second > 0, second, 1.0), 1.0)


def _quantiles(a: np.ndarray) -> dict[str, float]:
    q = np.quantile(a, [0.05, 0.5]) if a.size else [np.nan, np.nan]
    return {"p05": float(q[0]), "median": float(q[1]), "mean": float(a.mean()) if a.size else float("nan")}


def _histogram(series: dict[str, np.ndarray], upper: float | None = None, bins: int = DISTANCE_BINS) -> dict[str, Any]:
    """Shares per bin for several distance samples on shared edges from 0."""
    top = upper if upper is not None else max(float(np.quantile(a, 0.99)) for a in series.values() if a.size)
    top = top if top > 0 else 1.0
    edges = np.linspace(0.0, top, bins + 1)
    return {
        "edges": edges.tolist(),
        "series": {
            k: (np.histogram(np.clip(a, 0, top), bins=edges)[0] / max(a.size, 1)).tolist() for k, a in series.items()
        },
    }
