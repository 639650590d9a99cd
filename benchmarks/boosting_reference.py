"""The transformer's last-column model (:class:`~twinforge.generators.last_columns.LastColumnModel`,
LightGBM) against scikit-learn's histogram gradient boosting, on the bins the transformer gives
them, on the benchmark tables.

    PYTHONPATH=. python benchmarks/boosting_reference.py

For each table of ``benchmarks/tables.py`` (its seeded train/holdout split) the transformer's
encoder is fitted on the training rows, with the table's target as its last column, and the
last-column model turns the earlier columns' tokens into its inputs: a number's sub-bin (20
quantile bins x 10 sub-bins; null as NaN), a category's level. Both then fit the target's token on
the same inputs with the same settings: the transformer's defaults (100 rounds, learning rate 0.1,
depth 5, 20 rows per leaf, L2 1.0) and, as the transformer does on tables of this size, no early
stopping. scikit-learn gets its closest equivalents: no leaf limit (``max_leaf_nodes=None``), a
category as a categorical feature, bins kept as they are (``max_bins`` 255). Nothing is tuned on
these tables. Reported: fit time (the best of ``--repeats`` fits, one thread each), prediction
time for the holdout rows, the saved model's size, and the holdout log loss of the target, with the
prior's (a constant model of the training shares) for scale. The last-column model is saved in
LightGBM's text format and read back, and must predict the same.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

import numpy as np
import torch
from _machine import describe as describe_machine  # noqa: E402
from tables import TABLES

from twinforge.encoders.table import TableEncoder
from twinforge.generators.last_columns import LastColumnModel
from twinforge.generators.transformer import TransformerGenerator
from twinforge.io.schema import infer_schema

ROUNDS, LEARNING_RATE, MAX_DEPTH, MIN_ROWS_PER_LEAF, L2 = 100, 0.1, 5, 20, 1.0


def binned_target(table) -> dict[str, Any]:
    """The earlier tokens and the target's token for the training and holdout rows of ``table``, and
    the transformer's (unfitted) last-column model for it."""
    train, holdout = table.split()
    generator = TransformerGenerator(last_columns=[table.target])
    generator.schema = infer_schema(train)
    generator.encoder = TableEncoder.fit(
        train, generator.schema, rare_min_count=generator.rare_min_count, modes=generator.uses_modes
    )
    positions = generator._positions()
    stop = generator._last_column_positions()[0]
    classes = max(dict(generator._layout())[table.target], 1)
    booster = generator._prefix_booster(stop, classes)
    rng = np.random.default_rng(0)

    def tokens(df):
        t = generator.encoder.to_tokens(df, rng, generator.bins, generator.fine_bins)[:, positions]
        return torch.from_numpy(t[:, :stop]), torch.from_numpy(t[:, stop])

    (x, y), (x_holdout, y_holdout) = tokens(train), tokens(holdout)
    return {
        "model": booster,
        "classes": classes,
        "x": x,
        "y": y,
        "x_holdout": x_holdout,
        "y_holdout": y_holdout,
    }


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-15, None)).mean())


def timed(fit, predict, repeats: int) -> tuple[float, float, np.ndarray]:
    """Best fit time of ``repeats`` fits, prediction time and the holdout probabilities of the last."""
    fits = []
    for _ in range(repeats):
        started = time.perf_counter()
        model = fit()
        fits.append(time.perf_counter() - started)
    started = time.perf_counter()
    p = predict(model)
    return min(fits), time.perf_counter() - started, p


def all_classes(p: np.ndarray, seen: np.ndarray, classes: int) -> np.ndarray:
    """Probabilities over the target's seen classes, spread over all its tokens (unseen: 0)."""
    full = np.zeros((len(p), classes))
    full[:, seen] = p
    return full


def run_last_column_model(data, repeats):
    def fit():
        model = LastColumnModel(
            data["model"].numbers,
            data["model"].levels,
            data["classes"],
            learning_rate=LEARNING_RATE,
            max_rounds=ROUNDS,
            max_depth=MAX_DEPTH,
            min_rows_per_leaf=MIN_ROWS_PER_LEAF,
            l2=L2,
        )
        model.fit(data["x"], data["y"])
        return model

    def predict(model):
        # saved in LightGBM's text format (never pickled), read back: the same predictions
        text = model.to_text()
        again = LastColumnModel(data["model"].numbers, data["model"].levels, data["classes"])
        again.load(model.seen.tolist(), text)
        assert torch.equal(again.logits(data["x_holdout"]), model.logits(data["x_holdout"]))
        predict.text_kib = len(text.encode()) / 1024
        return torch.softmax(model.logits(data["x_holdout"]).double(), dim=1).numpy()

    fit_s, predict_s, p = timed(fit, predict, repeats)
    return fit_s, predict_s, p, f"text model {predict.text_kib:.0f} KiB"


def run_sklearn(data, repeats):
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = data["model"]
    x, x_holdout = model.features(data["x"]), model.features(data["x_holdout"])
    y = data["y"].numpy()

    def fit():
        return HistGradientBoostingClassifier(
            learning_rate=LEARNING_RATE,
            max_iter=ROUNDS,
            max_depth=MAX_DEPTH,
            max_leaf_nodes=None,
            min_samples_leaf=MIN_ROWS_PER_LEAF,
            l2_regularization=L2,
            max_bins=255,
            categorical_features=model.categorical or None,
            early_stopping=False,
        ).fit(x, y)

    def predict(fitted):
        return all_classes(fitted.predict_proba(x_holdout), fitted.classes_, data["classes"])

    return timed(fit, predict, repeats)


def machine() -> str:
    import lightgbm
    import sklearn

    return (
        f"{describe_machine()}, torch {torch.__version__}, scikit-learn {sklearn.__version__}, "
        f"LightGBM {lightgbm.__version__}; one thread per fit"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", nargs="*", default=[t.name for t in TABLES])
    parser.add_argument("--repeats", type=int, default=3, help="fits per model; the fastest is reported")
    args = parser.parse_args()

    import sklearn.ensemble  # noqa: F401  (load the OpenMP runtime so the cap applies to it)
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    runners = {"LastColumnModel (LightGBM)": run_last_column_model, "scikit-learn HGB": run_sklearn}
    print(f"Measured {dt.date.today().isoformat()} on {machine()}; best of {args.repeats} fits.\n")
    print(
        "| table | train / holdout rows | inputs (categorical) | classes | model | fit s | predict s | holdout log loss | prior log loss |"
    )
    print("|---|---|---|---:|---|---:|---:|---:|---:|")
    with threadpool_limits(1):
        for table in [t for t in TABLES if t.name in args.tables]:
            data = binned_target(table)
            y_holdout = data["y_holdout"].numpy()
            prior = np.bincount(data["y"].numpy(), minlength=data["classes"]) / len(data["y"])
            prior_loss = log_loss(y_holdout, np.tile(prior, (len(y_holdout), 1)))
            inputs = len(data["model"].numbers) + len(data["model"].levels)
            categorical = len(data["model"].levels)
            seen = len(np.unique(data["y"].numpy()))
            for name, runner in runners.items():
                fit_s, predict_s, p, *extra = runner(data, args.repeats)
                note = f" ({extra[0]})" if extra else ""
                print(
                    f"| {table.name} | {len(data['y'])} / {len(y_holdout)} | {inputs} ({categorical}) "
                    f"| {seen} | {name}{note} | {fit_s:.2f} | {predict_s:.3f} | {log_loss(y_holdout, p):.4f} "
                    f"| {prior_loss:.4f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
