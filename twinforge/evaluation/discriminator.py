"""Discriminator score: how well a classifier tells real rows from synthetic ones.

A HistGradientBoosting classifier learns "real or synthetic?" on an equal
number of rows of each; its ROC AUC on rows it did not train on (stratified
k-fold, out-of-fold predictions) is the score. 0.5 means the two tables cannot
be told apart; 1.0 means every row gives itself away.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from twinforge.evaluation.columns import ColumnSchema, FeatureMatrix, sample_rows, with_values

DISCRIMINATOR_FOLDS = 3


def discriminator_auc(
    real: pl.DataFrame,
    synthetic: pl.DataFrame,
    columns: Sequence[ColumnSchema],
    *,
    max_rows: int = 10_000,
    seed: int = 0,
) -> dict[str, Any]:
    """Out-of-fold ROC AUC of a real-vs-synthetic classifier on up to ``max_rows`` rows of each table."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    n = min(real.height, synthetic.height, max_rows)
    if n < 2 * DISCRIMINATOR_FOLDS or not columns:
        return {"auc": None, "rows_per_class": n, "reason": "too few rows or columns"}
    r, s = sample_rows(real, n, seed), sample_rows(synthetic, n, seed + 1)
    features = FeatureMatrix.fit(columns, r, s)
    x = np.vstack([features.transform(r), features.transform(s)])
    y = np.concatenate([np.zeros(n), np.ones(n)])
    scores = np.empty(2 * n)
    folds = StratifiedKFold(DISCRIMINATOR_FOLDS, shuffle=True, random_state=seed)
    for train_idx, test_idx in folds.split(x, y):
        kept = with_values(x[train_idx])
        if not kept.any():  # nothing but empty columns: no row can give itself away
            scores[test_idx] = 0.5
            continue
        model = HistGradientBoostingClassifier(
            max_iter=100, categorical_features=features.categorical_mask[kept], early_stopping=True, random_state=seed
        )
        model.fit(x[train_idx][:, kept], y[train_idx])
        scores[test_idx] = model.predict_proba(x[test_idx][:, kept])[:, 1]
    return {"auc": float(roc_auc_score(y, scores)), "rows_per_class": n, "folds": DISCRIMINATOR_FOLDS}
