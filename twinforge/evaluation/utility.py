"""Machine-learning utility: is a model trained on synthetic rows as good as one trained on real rows?

Train-synthetic-test-real (TSTR) against train-real-test-real (TRTR): the same
HistGradientBoosting model is fitted once on the synthetic table and once on
the real training table, and both are scored on the holdout, which neither the
generator nor either model has seen. Classification (categorical or boolean
target): accuracy, macro-F1, ROC AUC (one-vs-rest, macro over the classes in
the holdout). Regression (numeric target): R², MAE. The primary metric (ROC
AUC, R²) gives ``loss = TRTR - TSTR`` and ``lift_retained``: the share of
the real-data model's gain over chance (AUC 0.5, R² 0) that the synthetic-data
model keeps, 1 when it does as well, 0 or less when it learned nothing. It is
undefined when the real-data model itself barely beats chance: there is no
signal to keep, and ``lift_not_applicable`` says so (the utility gate does
not apply). Where the scores themselves cannot be computed, ``reason`` says why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from twinforge.evaluation.columns import (
    CATEGORICAL_KINDS,
    ColumnSchema,
    FeatureMatrix,
    as_floats_with_nan,
    as_labels,
    sample_rows,
    with_values,
)

CLASSIFICATION_METRICS = ("accuracy", "macro_f1", "roc_auc")
REGRESSION_METRICS = ("r2", "mae")
CHANCE = {"roc_auc": 0.5, "r2": 0.0}
MIN_REAL_LIFT = 0.05  # below this the target is barely predictable even from real rows


def utility_report(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    columns: Sequence[ColumnSchema],
    target: str,
    *,
    max_rows: int = 50_000,
    seed: int = 0,
) -> dict[str, Any]:
    """TSTR vs TRTR scores on the holdout for predicting ``target`` from the other compared columns."""
    by_name = {c.name: c for c in columns}
    if target not in by_name:
        raise ValueError(
            f"target column {target!r} is not among the compared columns ({', '.join(by_name) or 'none'}); "
            "identifier and free-text columns cannot be targets"
        )
    kind = by_name[target].kind
    task = "classification" if kind in CATEGORICAL_KINDS else "regression"
    features = [c for c in columns if c.name != target]
    if not features:
        raise ValueError(f"no feature columns besides the target {target!r}")
    frames = {"train": train, "holdout": holdout, "synthetic": synthetic}
    labelled = {k: f.filter(_target_present(f, target, task)) for k, f in frames.items()}
    dropped = {k: frames[k].height - labelled[k].height for k in frames}
    out: dict[str, Any] = {
        "target": target,
        "task": task,
        "rows_without_target": dropped,
        "primary_metric": "roc_auc" if task == "classification" else "r2",
    }
    if min(f.height for f in labelled.values()) < 2:
        return {
            **out,
            "trtr": None,
            "tstr": None,
            "loss": None,
            "lift_retained": None,
            "reason": "too few rows with a target value",
        }
    test = labelled["holdout"]
    fit_train = sample_rows(labelled["train"], max_rows, seed)
    fit_synth = sample_rows(labelled["synthetic"], max_rows, seed + 1)
    matrix = FeatureMatrix.fit(features, fit_train, fit_synth)
    fitting = {"trtr": fit_train, "tstr": fit_synth}
    rare = {}
    if task == "classification":
        # the classifier's early stopping splits off a stratified validation set, which a class in one row
        # cannot enter: such rows (a new class in a fresh batch, a masked token) are left out of fitting
        for name, rows in fitting.items():
            fitting[name], rare[name] = _without_single_row_classes(rows, target)
        out["rows_of_rare_classes"] = rare
        if min(rows.height for rows in fitting.values()) == 0:
            reason = "every target class of the training or synthetic rows is in one row only"
            return {**out, "trtr": None, "tstr": None, "loss": None, "lift_retained": None, "reason": reason}
    scores = {name: _fit_and_score(matrix, rows, test, target, task, seed) for name, rows in fitting.items()}
    primary = out["primary_metric"]
    trtr, tstr = scores["trtr"].get(primary), scores["tstr"].get(primary)
    lift, why = lift_retained(trtr, tstr, primary)
    loss = None if lift is None and "reason" in why else trtr - tstr
    rows = {"trtr": fitting["trtr"].height, "tstr": fitting["tstr"].height, "test": test.height}
    return {**out, **scores, "loss": loss, "lift_retained": lift, "rows": rows, **why}


def lift_retained(trtr: float | None, tstr: float | None, primary: str) -> tuple[float | None, dict[str, str]]:
    """The share of the real-data model's gain over chance that the synthetic-data model keeps, and why it is
    missing when it is: ``reason`` (a score could not be measured, or is not a finite number: a failure) or
    ``lift_not_applicable`` (the real-data model barely beats chance: nothing to keep)."""
    if trtr is None or tstr is None:
        return None, {"reason": f"{primary} undefined on the holdout (fewer than two target classes)"}
    if not (math.isfinite(trtr) and math.isfinite(tstr)):
        return None, {"reason": f"{primary} is not a finite number (train on real {trtr}, on synthetic {tstr})"}
    if trtr - CHANCE[primary] >= MIN_REAL_LIFT:
        return (tstr - CHANCE[primary]) / (trtr - CHANCE[primary]), {}
    return None, {
        "lift_not_applicable": (
            f"the model trained on real rows barely beats chance ({primary} {trtr:.3g}, gain "
            f"{trtr - CHANCE[primary]:.3g} < {MIN_REAL_LIFT}): no predictive signal to keep"
        )
    }


def _without_single_row_classes(rows: pl.DataFrame, target: str) -> tuple[pl.DataFrame, int]:
    """``rows`` without those whose target class no other row has, and how many were left out."""
    labels = as_labels(rows.get_column(target))
    kept = rows.filter(labels.is_in(labels.value_counts().filter(pl.col("count") >= 2).get_column(labels.name)))
    return kept, rows.height - kept.height


def _target_present(df: pl.DataFrame, target: str, task: str) -> pl.Series:
    s = df.get_column(target)
    if task == "regression":
        return pl.Series(np.isfinite(as_floats_with_nan(s)))
    return s.is_not_null()


def _fit_and_score(
    matrix: FeatureMatrix, fit_rows: pl.DataFrame, test: pl.DataFrame, target: str, task: str, seed: int
) -> dict[str, float | None]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, r2_score

    x_fit, x_test = matrix.transform(fit_rows), matrix.transform(test)
    # a feature with no value in the rows fitted on (a twin that lost a column) tells the model nothing
    kept = with_values(x_fit)
    x_fit, x_test, mask = x_fit[:, kept], x_test[:, kept], matrix.categorical_mask[kept]
    if not kept.any():  # nothing to learn from: one constant feature, and the model predicts the prior
        x_fit, x_test, mask = np.zeros((len(x_fit), 1)), np.zeros((len(x_test), 1)), np.zeros(1, dtype=bool)
    if task == "regression":
        y_fit, y_test = as_floats_with_nan(fit_rows.get_column(target)), as_floats_with_nan(test.get_column(target))
        # fitted and scored in units of the largest magnitude: r2 does not depend on the unit, and squared
        # errors of values near 1e160 would overflow to inf (r2 NaN); the MAE is given back in the target's unit
        unit = float(np.max(np.abs(np.concatenate([y_fit, y_test])))) or 1.0
        model = HistGradientBoostingRegressor(**_model_options(mask, seed)).fit(x_fit, y_fit / unit)
        predicted = model.predict(x_test)
        return {
            "r2": float(r2_score(y_test / unit, predicted)),
            "mae": float(mean_absolute_error(y_test / unit, predicted)) * unit,
        }
    y_fit = as_labels(fit_rows.get_column(target)).to_numpy()
    y_test = as_labels(test.get_column(target)).to_numpy()
    if np.unique(y_fit).size < 2:
        # one class only: the "model" always predicts it
        predicted = np.full(y_test.shape, y_fit[0], dtype=object)
        proba, classes = np.ones((len(y_test), 1)), np.unique(y_fit)
    else:
        model = HistGradientBoostingClassifier(**_model_options(mask, seed)).fit(x_fit, y_fit)
        predicted, proba, classes = model.predict(x_test), model.predict_proba(x_test), model.classes_
    labels = np.unique(np.concatenate([y_test, y_fit]))
    return {
        "accuracy": float(accuracy_score(y_test, predicted)),
        "macro_f1": float(f1_score(y_test, predicted, labels=labels, average="macro", zero_division=0)),
        "roc_auc": macro_roc_auc(y_test, proba, classes),
    }


def _model_options(categorical_mask: np.ndarray, seed: int) -> dict[str, Any]:
    # early stopping whatever the size (scikit-learn's default only above 10,000 rows): without it a model
    # trained on 5,000 synthetic rows overfit and scored AUC 0.56 where one on 12,000 scored 0.75
    return {"categorical_features": categorical_mask, "early_stopping": True, "random_state": seed}


def macro_roc_auc(y_true: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float | None:
    """One-vs-rest ROC AUC averaged over the classes of ``y_true`` (binary: the usual AUC).

    A class the model never saw scores 0 everywhere (AUC 0.5 for it).
    """
    from sklearn.metrics import roc_auc_score

    present = np.unique(y_true)
    if present.size < 2:
        return None
    column = {c: i for i, c in enumerate(classes)}
    if present.size == 2:
        positive = present[1]
        score = proba[:, column[positive]] if positive in column else np.zeros(len(y_true))
        return float(roc_auc_score(y_true == positive, score))
    aucs = []
    for c in present:
        score = proba[:, column[c]] if c in column else np.zeros(len(y_true))
        aucs.append(roc_auc_score(y_true == c, score))
    return float(np.mean(aucs))
