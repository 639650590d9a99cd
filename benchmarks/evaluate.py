"""Score synthetic tables against the real train and holdout split (run in the SDV venv: sdmetrics).

Per synthetic table:

* ``quality``: SDMetrics' QualityReport score against the training table (the mean of its
  Column Shapes and Column Pair Trends properties, both also reported);
* ``utility``: train-on-synthetic / test-on-real: a gradient-boosting classifier trained on the
  synthetic rows predicts the target of the holdout; ROC AUC (macro one-vs-rest when multi-class),
  divided by the AUC of the same classifier trained on the real training rows (``utility_ratio``);
* ``dcr_share``: the share of synthetic rows closer to a sample of the training rows as large as
  the holdout than to the holdout (Gower-style L1 distance; ties count half), over every synthetic
  row and averaged over ``DCR_DRAWS`` training samples; ``dcr_share_se`` is its standard error.
  50% means the model is no closer to its training rows than to unseen ones;
* ``exact_copies``: synthetic rows identical to a training row (all columns), in the whole sample.

``--score-rows N`` scores seeded samples of at most N rows of each table (the large tables): the
utility classifiers, the quality report and the distances then cost what a small table's do.
"""

from __future__ import annotations

import argparse
import json
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

DCR_DRAWS = 5


def align(synthetic: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    synthetic = synthetic[list(train.columns)].copy()
    for c in train.columns:
        if pd.api.types.is_bool_dtype(train[c]):  # some engines write booleans back as "True" / "False"
            truth = synthetic[c].map(lambda v: None if pd.isna(v) else str(v).lower() in ("true", "1", "1.0"))
            synthetic[c] = truth.astype("bool" if truth.notna().all() else "boolean")
        elif pd.api.types.is_numeric_dtype(train[c]):
            synthetic[c] = pd.to_numeric(synthetic[c], errors="coerce").astype("float64")
        else:
            synthetic[c] = synthetic[c].astype("object").where(synthetic[c].notna(), None)
    return synthetic


def quality(train: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> dict:
    from sdmetrics.reports.single_table import QualityReport

    report = QualityReport()
    report.generate(train, synthetic, metadata, verbose=False)
    properties = report.get_properties().set_index("Property")["Score"]
    return {
        "quality": round(float(report.get_score()), 4),
        "column_shapes": round(float(properties["Column Shapes"]), 4),
        "column_pair_trends": round(float(properties["Column Pair Trends"]), 4),
    }


def _features(frames: list[pd.DataFrame], target: str, reference: pd.DataFrame) -> list[pd.DataFrame]:
    """Model features; categories are the real training table's (anything else counts as missing)."""
    columns = [c for c in reference.columns if c != target]
    out = [f[columns].copy() for f in frames]
    for c in columns:
        if not pd.api.types.is_numeric_dtype(reference[c]):
            levels = sorted({str(v) for v in reference[c].dropna().unique()})
            for f in out:
                f[c] = pd.Categorical(
                    f[c].astype("object").where(f[c].notna(), None).map(lambda v: None if v is None else str(v)),
                    categories=levels,
                )
        else:
            for f in out:
                f[c] = pd.to_numeric(f[c], errors="coerce").astype("float64")
    return out


def auc(train: pd.DataFrame, test: pd.DataFrame, target: str, classes: list[str], reference: pd.DataFrame) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    train = train[train[target].notna()]
    y_train = train[target].astype(str)
    if y_train.nunique() < 2:
        return 0.5
    x_train, x_test = _features([train, test], target, reference)
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    model.fit(x_train, y_train)
    probabilities = model.predict_proba(x_test)
    y_test = test[target].astype(str)
    known = [list(model.classes_).index(c) if c in model.classes_ else None for c in classes]
    full = np.column_stack([probabilities[:, k] if k is not None else np.zeros(len(test)) for k in known])
    if len(classes) == 2:
        return float(roc_auc_score(y_test == classes[1], full[:, 1]))
    full = full / np.clip(full.sum(axis=1, keepdims=True), 1e-12, None)
    return float(roc_auc_score(y_test, full, multi_class="ovr", average="macro", labels=classes))


def _embedding(frames: list[pd.DataFrame], reference: pd.DataFrame) -> list[np.ndarray]:
    """Rows as vectors whose L1 distance is a Gower distance: numbers / range, categories 0 or 1."""
    blocks = [[] for _ in frames]
    for c in reference.columns:
        if pd.api.types.is_numeric_dtype(reference[c]) and not pd.api.types.is_bool_dtype(reference[c]):
            low, high = reference[c].min(), reference[c].max()
            span = (high - low) or 1.0
            for i, f in enumerate(frames):
                values = pd.to_numeric(f[c], errors="coerce").astype("float64")
                blocks[i].append(((values.fillna(low) - low) / span).clip(-1, 2).to_numpy()[:, None])
                blocks[i].append(values.isna().to_numpy(dtype=float)[:, None])
        else:
            levels = {v: k for k, v in enumerate(sorted({str(v) for v in reference[c].dropna().unique()}))}
            width = len(levels) + 2  # + null + unseen
            for i, f in enumerate(frames):
                codes = np.array([width - 2 if pd.isna(v) else levels.get(str(v), width - 1) for v in f[c]])
                one_hot = np.zeros((len(f), width))
                one_hot[np.arange(len(f)), codes] = 0.5
                blocks[i].append(one_hot)
    return [np.hstack(b) for b in blocks]


# twinforge.evaluation.disclosure.exact_match_report does the same for the product; this script runs in
# the SDV venv, which has no twinforge, so it keeps its own pandas version
def _canonical_rows(frame: pd.DataFrame, reference: pd.DataFrame) -> pd.Series:
    """A hash per row of ``frame`` over ``reference``'s columns, numbers as float64 (an integer 3 and a
    synthetic 3.0 are one value), everything else as text, nulls as nulls."""
    canonical = {}
    for c in reference.columns:
        if pd.api.types.is_numeric_dtype(reference[c]) and not pd.api.types.is_bool_dtype(reference[c]):
            canonical[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
        else:
            canonical[c] = frame[c].map(lambda v: None if pd.isna(v) else str(v)).astype("object")
    return pd.util.hash_pandas_object(pd.DataFrame(canonical), index=False)


def exact_copies(train: pd.DataFrame, synthetic: pd.DataFrame) -> int:
    """Synthetic rows equal to some training row on every column."""
    return int(_canonical_rows(synthetic, train).isin(set(_canonical_rows(train, train))).sum())


def privacy(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, seed: int = 0) -> dict:
    """Closest-record share over every synthetic row, averaged over ``DCR_DRAWS`` same-size training
    samples; its standard error is that of the per-row scores (one draw of ``len(holdout)`` synthetic
    rows alone left about 1.4 points of noise at 50%)."""
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(seed)
    n = len(holdout)
    h, s = _embedding([holdout, synthetic], train)
    to_holdout = NearestNeighbors(n_neighbors=1, metric="manhattan").fit(h).kneighbors(s)[0][:, 0]
    scores = np.zeros(len(synthetic))
    for _ in range(DCR_DRAWS):
        (t,) = _embedding([train.iloc[rng.choice(len(train), n, replace=False)]], train)
        to_train = NearestNeighbors(n_neighbors=1, metric="manhattan").fit(t).kneighbors(s)[0][:, 0]
        tie = np.isclose(to_train, to_holdout)
        scores += np.where(tie, 0.5, (to_train < to_holdout).astype(float)) / DCR_DRAWS
    copies = exact_copies(train, synthetic)
    return {
        "dcr_share": round(float(scores.mean()), 4),
        "dcr_share_se": round(float(scores.std(ddof=1) / np.sqrt(len(scores))), 4),
        "exact_copies": copies,
    }


def read_scored(path: str, score_rows: int | None) -> pd.DataFrame:
    """A table to score: a seeded sample of at most ``score_rows`` of its rows (all of them without a limit)."""
    frame = pd.read_parquet(path)
    if score_rows and len(frame) > score_rows:
        frame = frame.sample(score_rows, random_state=0).reset_index(drop=True)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--holdout", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--score-rows", type=int, help="score seeded samples of at most this many rows")
    parser.add_argument("synthetic", nargs="+")
    args = parser.parse_args()

    def read(path: str) -> pd.DataFrame:
        return read_scored(path, args.score_rows)

    from _sdv_metadata import table_metadata

    train, holdout = read(args.train), read(args.holdout)
    metadata = table_metadata(train).to_dict()["tables"]["table"]
    classes = sorted(
        train[args.target].dropna().astype(str).unique(), key=lambda c: -(train[args.target].astype(str) == c).sum()
    )
    # binary: positive = the minority class; multi-class: sorted, as scikit-learn's one-vs-rest AUC wants them
    classes = [classes[0], classes[1]] if len(classes) == 2 else sorted(classes)
    real_auc = auc(train, holdout, args.target, classes, reference=train)
    results = {}
    for path in args.synthetic:
        try:
            synthetic = align(read(path), train)
            row = {**quality(train, synthetic, metadata), **privacy(train, holdout, synthetic)}
            synthetic_auc = auc(synthetic, holdout, args.target, classes, reference=train)
            row.update(
                real_auc=round(real_auc, 4),
                synthetic_auc=round(synthetic_auc, 4),
                utility_ratio=round(synthetic_auc / real_auc, 4),
            )
        except Exception as error:  # one engine's odd output must not lose the others' scores
            row = {"error": f"evaluation failed: {type(error).__name__}: {str(error)[:200]}"}
        results[path] = row
    print(json.dumps(results))


if __name__ == "__main__":
    main()
