"""Concept drift: does the relationship of the target to the features still hold on a new batch?

A gradient-boosting model is trained on most of the reference (the champion's
training data) and scored twice: on the held-back part of the reference (how good
it is when nothing changed) and on the new batch. A drop of the score beyond a
tolerance means the target's relationship to the features moved, which
per-column data drift alone does not show. A drop must also exceed its sampling error
(:data:`SAMPLING_Z` bootstrap standard errors of the two scores): an accuracy over 50 rows
varies by about 0.06 when nothing changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from twinforge.io.schema import ColumnKind, TableSchema
from twinforge.monitoring.data_drift import temporal_seconds

CATEGORY_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
# a score difference counts when it exceeds this many standard errors (one-sided 1%), besides its tolerance
SAMPLING_Z = 2.326
BOOTSTRAP_DRAWS = 200
NUMERIC_KINDS = (ColumnKind.INTEGER, ColumnKind.FLOAT, ColumnKind.DATETIME)


@dataclass(frozen=True)
class ConceptDrift:
    target: str
    task: str  # "classification" or "regression"
    metric: str  # "accuracy" or "r2"
    reference_score: float  # on held-back reference rows
    current_score: float  # on the new batch
    score_drop: float
    # bootstrap standard errors: of the batch's score, and of the drop (the batch's and the held-back rows')
    current_standard_error: float
    drop_standard_error: float
    chance_score: float  # on the new batch, of a model knowing only the reference's target distribution
    tolerance: float
    drifted: bool
    current_rows: int

    def to_dict(self) -> dict:
        return asdict(self)


def category_sets(df: pl.DataFrame, schema: TableSchema, columns: list[str]) -> dict[str, list[str]]:
    """The categories of each categorical column of ``df`` (the model's training rows)."""
    return {
        name: sorted(df.get_column(name).drop_nulls().cast(pl.String).unique().to_list())
        for name in columns
        if schema[name].kind in CATEGORY_KINDS
    }


def feature_frame(df: pl.DataFrame, schema: TableSchema, columns: list[str], categories: dict[str, list[str]]):
    """Pandas features for sklearn: categoricals as 'category' over the training rows' categories (others and
    nulls missing, so every frame has the same dtypes, even a batch whose column is all null), datetimes as
    epoch seconds."""
    import pandas as pd

    out = {}
    for name in columns:
        kind = schema[name].kind
        s = df.get_column(name)
        if kind is ColumnKind.DATETIME:
            out[name] = df.select(temporal_seconds(pl.col(name), s.dtype)).to_series().to_numpy()
        elif kind in CATEGORY_KINDS:
            out[name] = pd.Categorical(s.cast(pl.String).to_list(), categories=categories[name])
        else:
            out[name] = s.cast(pl.Float64).to_numpy()
    return pd.DataFrame(out)


def concept_drift(
    reference: pl.DataFrame,
    current: pl.DataFrame,
    schema: TableSchema,
    target: str,
    *,
    tolerance: float = 0.05,
    seed: int = 0,
    max_reference_rows: int = 50_000,
) -> ConceptDrift:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, r2_score

    for name, table in (("reference", reference), ("current", current)):
        if target not in table.columns:
            raise KeyError(f"target column {target!r} is not in the {name} table")
    features = [
        c.name for c in schema.modelled()
        if c.name != target and c.kind in (*CATEGORY_KINDS, *NUMERIC_KINDS) and c.name in current.columns
    ]  # fmt: skip
    if not features:
        raise ValueError("no feature columns to learn the target from")
    reference = reference.filter(pl.col(target).is_not_null())
    current = current.filter(pl.col(target).is_not_null())
    if reference.height < 20 or current.height == 0:
        raise ValueError(f"too few rows with a target: reference {reference.height}, current {current.height}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(reference.height)[:max_reference_rows]
    cut = int(len(order) * 0.8)
    fit_rows, check_rows = reference[order[:cut]], reference[order[cut:]]

    classification = schema[target].kind in CATEGORY_KINDS
    if classification:
        model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
        to_y = lambda t: t.get_column(target).cast(pl.String).to_numpy()  # noqa: E731
        score, metric = accuracy_score, "accuracy"
    else:
        model = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=seed)
        to_y = lambda t: t.get_column(target).cast(pl.Float64).to_numpy()  # noqa: E731
        score, metric = r2_score, "r2"

    # categories unseen in training are mapped to missing by sklearn's native categorical support
    categories = category_sets(fit_rows, schema, features)

    def predict(rows: pl.DataFrame):
        return model.predict(feature_frame(rows, schema, features, categories))

    model.fit(feature_frame(fit_rows, schema, features, categories), to_y(fit_rows))
    y_check, check_predicted = to_y(check_rows), predict(check_rows)
    y_now, now_predicted = to_y(current), predict(current)
    reference_score = float(score(y_check, check_predicted))
    current_score = float(score(y_now, now_predicted))
    drop = reference_score - current_score
    check_error = _bootstrap_error(y_check, check_predicted, classification, rng)
    current_error = _bootstrap_error(y_now, now_predicted, classification, rng)
    if classification:  # at least a binomial's error at the reference's accuracy: a batch all right or all
        # wrong resamples to itself (a bootstrap error of 0)
        current_error = max(current_error, float(np.sqrt(reference_score * (1 - reference_score) / len(y_now))))
    drop_error = float(np.hypot(check_error, current_error))
    y_fit, y_current = to_y(fit_rows), to_y(current)
    if classification:
        classes, counts = np.unique(y_fit, return_counts=True)
        prior = dict(zip(classes.tolist(), (counts / counts.sum()).tolist(), strict=True))
        chance = float(sum(prior.get(y, 0.0) for y in y_current.tolist()) / len(y_current))
    else:
        chance = float(score(y_current, np.full(len(y_current), float(np.mean(y_fit)))))
    return ConceptDrift(
        target=target,
        task="classification" if classification else "regression",
        metric=metric,
        reference_score=reference_score,
        current_score=current_score,
        score_drop=drop,
        current_standard_error=current_error,
        drop_standard_error=drop_error,
        chance_score=chance,
        tolerance=tolerance,
        drifted=drop > tolerance and drop > SAMPLING_Z * drop_error,
        current_rows=current.height,
    )


def _bootstrap_error(y: np.ndarray, predicted: np.ndarray, classification: bool, rng: np.random.Generator) -> float:
    """The standard error of the score (accuracy or r2) of ``predicted`` on ``y``, over bootstrap resamples of
    the rows (the model stays as it is: this is the error of scoring on few rows)."""
    n = len(y)
    if n < 2:
        return float("inf")  # one row says nothing
    scores = np.empty(BOOTSTRAP_DRAWS)
    for k in range(BOOTSTRAP_DRAWS):
        rows = rng.integers(0, n, n)
        truth, guess = y[rows], predicted[rows]
        if classification:
            scores[k] = np.mean(truth == guess)
        else:
            spread = np.sum((truth - truth.mean()) ** 2)
            scores[k] = 1.0 - np.sum((truth - guess) ** 2) / spread if spread > 0 else 0.0
    return float(np.std(scores))
