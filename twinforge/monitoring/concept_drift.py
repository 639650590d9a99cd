"""Concept drift: does the relationship of the target to the features still hold on a new batch?

A gradient-boosting model is trained on most of the reference (the champion's
training data) and scored twice: on the held-back part of the reference (how good
it is when nothing changed) and on the new batch. A drop of the score beyond a
tolerance means the target's relationship to the features moved, which
per-column data drift alone does not show. A drop must also exceed its sampling error
(:data:`DRIFT_Z` bootstrap standard errors of the two scores): an accuracy over 50 rows
varies by about 0.06 when nothing changed.

A categorical target is scored by accuracy and by balanced accuracy (the mean of the recalls of the
batch's classes), and drifts when either drops: with a rare class, accuracy hardly moves when the rule for
that class is reversed, and balanced accuracy does not see a class growing common whatever the features say.
The record carries the deciding metric (the one that drifted, else the one nearer to it).
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
# concept drift tests a class target's two scores, each at one-sided 0.5%: about 1% for the pair
DRIFT_Z = 2.576
BOOTSTRAP_DRAWS = 200
CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy")
NUMERIC_KINDS = (ColumnKind.INTEGER, ColumnKind.FLOAT, ColumnKind.DATETIME)


@dataclass(frozen=True)
class ConceptDrift:
    target: str
    task: str  # "classification" or "regression"
    metric: str  # "accuracy", "balanced_accuracy" or "r2": the deciding one
    reference_score: float  # on held-back reference rows
    current_score: float  # on the new batch
    score_drop: float
    # bootstrap standard errors: of the batch's score, and of the drop (the batch's and the held-back rows')
    current_standard_error: float
    drop_standard_error: float
    chance_score: float  # on the new batch, guessing at the reference's class rates (for r2: its mean)
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
    else:
        model = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=seed)
        to_y = lambda t: t.get_column(target).cast(pl.Float64).to_numpy()  # noqa: E731

    # categories unseen in training are mapped to missing by sklearn's native categorical support
    categories = category_sets(fit_rows, schema, features)

    def predict(rows: pl.DataFrame):
        return model.predict(feature_frame(rows, schema, features, categories))

    model.fit(feature_frame(fit_rows, schema, features, categories), to_y(fit_rows))
    labels = [to_y(fit_rows), to_y(check_rows), predict(check_rows), to_y(current), predict(current)]
    if classification:  # class codes over every label seen, so scoring (and its 200 resamples) compares integers
        labels = _class_codes(*labels)
    metrics = CLASSIFICATION_METRICS if classification else ("r2",)
    z = DRIFT_Z if len(metrics) > 1 else SAMPLING_Z
    changes = [_score_change(metric, *labels, rng) for metric in metrics]
    for change in changes:
        change["drifted"] = change["score_drop"] > tolerance and change["score_drop"] > z * change["drop_error"]
    # the deciding metric: one that drifted, else the one closest to it (its drop in standard errors)
    deciding = max(changes, key=lambda c: (c["drifted"], c["score_drop"] / max(c["drop_error"], 1e-12)))
    return ConceptDrift(
        target=target,
        task="classification" if classification else "regression",
        metric=deciding["metric"],
        reference_score=deciding["reference_score"],
        current_score=deciding["current_score"],
        score_drop=deciding["score_drop"],
        current_standard_error=deciding["current_error"],
        drop_standard_error=deciding["drop_error"],
        chance_score=deciding["chance"],
        tolerance=tolerance,
        drifted=deciding["drifted"],
        current_rows=current.height,
    )


def _score_change(
    metric: str,
    y_fit: np.ndarray,
    y_check: np.ndarray,
    check_predicted: np.ndarray,
    y_now: np.ndarray,
    now_predicted: np.ndarray,
    rng: np.random.Generator,
) -> dict:
    """The model's ``metric`` on the held-back reference rows and on the batch, the drop, its bootstrap
    standard errors, and chance on the batch."""
    from sklearn.metrics import accuracy_score, r2_score

    score = {"accuracy": accuracy_score, "balanced_accuracy": balanced_accuracy, "r2": r2_score}[metric]
    reference_score = float(score(y_check, check_predicted))
    current_score = float(score(y_now, now_predicted))
    check_error = _bootstrap_error(score, y_check, check_predicted, rng)
    current_error = _bootstrap_error(score, y_now, now_predicted, rng)
    # at least binomial errors at the reference's rates: a batch all right or all wrong resamples to itself (a
    # held-back score of 1 is read as one error short of it: of m rows, no error says little more than 1 - 1/2m)
    if metric == "accuracy":
        rate = _off_the_edges(reference_score, len(y_check))
        current_error = max(current_error, float(np.sqrt(rate * (1 - rate) / len(y_now))))
    elif metric == "balanced_accuracy":
        current_error = max(current_error, _binomial_error(y_check, check_predicted, y_now))
    if metric == "r2":
        chance = float(score(y_now, np.full(len(y_now), float(np.mean(y_fit)))))
    else:
        classes, counts = np.unique(y_fit, return_counts=True)
        prior = dict(zip(classes.tolist(), (counts / counts.sum()).tolist(), strict=True))
        if metric == "accuracy":  # guessing at the reference's rates is right with the batch label's rate
            chance = float(np.mean([prior.get(y, 0.0) for y in y_now.tolist()]))
        else:  # and recalls each class at its rate
            chance = float(np.mean([prior.get(c, 0.0) for c in np.unique(y_now).tolist()]))
    return {
        "metric": metric,
        "reference_score": reference_score,
        "current_score": current_score,
        "score_drop": reference_score - current_score,
        "current_error": current_error,
        "drop_error": float(np.hypot(check_error, current_error)),
        "chance": chance,
    }


def balanced_accuracy(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Scikit-learn's balanced accuracy over the classes in ``truth`` (a predicted class the batch lacks is
    simply wrong, and a batch of one class is scored by its recall, without warnings)."""
    import warnings

    from sklearn.metrics import balanced_accuracy_score

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        warnings.filterwarnings("ignore", message="A single label was found")
        return float(balanced_accuracy_score(truth, predicted))


def _class_codes(*label_arrays: np.ndarray) -> list[np.ndarray]:
    classes = np.unique(np.concatenate(label_arrays))
    return [np.searchsorted(classes, labels) for labels in label_arrays]


def _bootstrap_error(score, y: np.ndarray, predicted: np.ndarray, rng: np.random.Generator) -> float:
    """The standard error of ``score(y, predicted)`` over bootstrap resamples of the rows (the model stays as it
    is: this is the error of scoring on few rows)."""
    n = len(y)
    if n < 2:
        return float("inf")  # one row says nothing
    scores = []
    for _ in range(BOOTSTRAP_DRAWS):
        rows = rng.integers(0, n, n)
        scores.append(score(y[rows], predicted[rows]))
    return float(np.std(scores))


def _binomial_error(y_check: np.ndarray, check_predicted: np.ndarray, y_now: np.ndarray) -> float:
    """The standard error balanced accuracy would have on the batch's class counts if each class were recalled
    at its held-back reference rate (a class the held-back rows lack counts as recalled half the time)."""
    classes, counts = np.unique(y_now, return_counts=True)
    variance = 0.0
    for label, count in zip(classes.tolist(), counts.tolist(), strict=True):
        rows = y_check == label
        recall = _off_the_edges(float(np.mean(check_predicted[rows] == label)), int(rows.sum())) if rows.any() else 0.5
        variance += recall * (1 - recall) / count
    return float(np.sqrt(variance) / len(classes))


def _off_the_edges(rate: float, rows: int) -> float:
    """``rate`` measured on ``rows`` rows, kept half a row from 0 and 1 (a rate of 1 on few rows is not
    certainty: its binomial error would be 0)."""
    edge = 0.5 / max(rows, 1)
    return min(max(rate, edge), 1.0 - edge)
