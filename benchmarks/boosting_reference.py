"""The transformer's last-column trees (``TokenBooster``) against scikit-learn's and LightGBM's
histogram gradient boosting, on the bins the transformer gives them, on the benchmark tables.

    PYTHONPATH=. python benchmarks/boosting_reference.py               # LightGBM too where importable
    PYTHONPATH=.:/tmp/lgbm-lib python benchmarks/boosting_reference.py  # (pip install --target /tmp/lgbm-lib lightgbm)

For each table of ``benchmarks/tables.py`` (its seeded train/holdout split) the transformer's
encoder is fitted on the training rows, with the table's target as its last column, and
:class:`~twinforge.generators.boosting.PrefixBooster` turns the earlier columns' tokens into the
booster's inputs: a number's sub-bin (20 quantile bins x 10 sub-bins; null after them), a
category's level. All three then fit the target's token on the same inputs with the same
settings: the transformer's defaults (100 rounds, learning rate 0.1, depth 5, 20 rows per leaf,
L2 1.0) and, as the transformer does on tables of this size, no early stopping. The libraries get
their closest equivalents: no leaf limit in scikit-learn (``max_leaf_nodes=None``) and 32 leaves
in LightGBM (every leaf of depth 5), a null as NaN, a category as a categorical feature, and bins
kept as they are (``max_bins`` 255; LightGBM's ``min_data_in_bin=1``). Nothing is tuned on these
tables; the rest are each library's defaults (so their categorical splits differ from the
booster's). Reported: fit time (the best of ``--repeats`` fits, one thread each), prediction
time for the holdout rows, the saved model's size, and the holdout log loss of the target, with the prior's (a constant
model of the training shares) for scale. A LightGBM model is saved in its text format and read
back, and must predict the same.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import time
from typing import Any

import numpy as np
import torch
from tables import TABLES

from twinforge.encoders.table import TableEncoder
from twinforge.generators.boosting import TokenBooster
from twinforge.generators.transformer import TransformerGenerator
from twinforge.io.schema import infer_schema

ROUNDS, LEARNING_RATE, MAX_DEPTH, MIN_ROWS_PER_LEAF, L2 = 100, 0.1, 5, 20, 1.0


def binned_target(table) -> dict[str, Any]:
    """The booster's inputs and the target's token for the training and holdout rows of ``table``."""
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
        return booster.bins(torch.from_numpy(t[:, :stop])), torch.from_numpy(t[:, stop])

    (x, y), (x_holdout, y_holdout) = tokens(train), tokens(holdout)
    return {
        "inputs": booster.booster.inputs,
        "classes": classes,
        "x": x,
        "y": y,
        "x_holdout": x_holdout,
        "y_holdout": y_holdout,
    }


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-15, None)).mean())


def library_inputs(data: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Float inputs for the libraries: an ordered input's unordered bins (null) as NaN; the categorical
    inputs' indices."""
    x, x_holdout = data["x"].numpy().astype(float), data["x_holdout"].numpy().astype(float)
    categorical = []
    for i, (width, ordered) in enumerate(data["inputs"]):
        if ordered:
            x[x[:, i] >= ordered, i] = np.nan
            x_holdout[x_holdout[:, i] >= ordered, i] = np.nan
        else:
            categorical.append(i)
            x_holdout[:, i] = np.minimum(x_holdout[:, i], width - 1)
    return x, x_holdout, categorical


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


def run_token_booster(data, repeats):
    def fit():
        booster = TokenBooster(
            data["inputs"],
            data["classes"],
            learning_rate=LEARNING_RATE,
            max_rounds=ROUNDS,
            max_depth=MAX_DEPTH,
            min_rows_per_leaf=MIN_ROWS_PER_LEAF,
            l2=L2,
        )
        booster.fit(data["x"], data["y"])
        return booster

    def predict(booster):
        buffer = io.BytesIO()
        torch.save(booster.state_dict(), buffer)
        predict.size_kib = buffer.tell() / 1024
        with torch.no_grad():
            return torch.softmax(booster(data["x_holdout"]).double(), dim=1).numpy()

    fit_s, predict_s, p = timed(fit, predict, repeats)
    return fit_s, predict_s, p, f"state_dict {predict.size_kib:.0f} KiB"


def run_sklearn(data, repeats):
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, x_holdout, categorical = library_inputs(data)
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
            categorical_features=categorical or None,
            early_stopping=False,
        ).fit(x, y)

    def predict(model):
        return all_classes(model.predict_proba(x_holdout), model.classes_, data["classes"])

    return timed(fit, predict, repeats)


def run_lightgbm(data, repeats):
    import lightgbm

    x, x_holdout, categorical = library_inputs(data)
    seen, y = np.unique(data["y"].numpy(), return_inverse=True)
    multiclass = len(seen) > 2
    params = {
        "objective": "multiclass" if multiclass else "binary",
        **({"num_class": len(seen)} if multiclass else {}),
        "learning_rate": LEARNING_RATE,
        "max_depth": MAX_DEPTH,
        "num_leaves": 2**MAX_DEPTH,
        "min_data_in_leaf": MIN_ROWS_PER_LEAF,
        "lambda_l2": L2,
        "max_bin": 255,
        "min_data_in_bin": 1,
        "num_threads": 1,
        "deterministic": True,
        "verbose": -1,
    }

    def fit():
        dataset = lightgbm.Dataset(x, y, categorical_feature=categorical, params=params, free_raw_data=False)
        return lightgbm.train(params, dataset, num_boost_round=ROUNDS)

    def predict(model):
        p = model.predict(x_holdout)
        p = p if multiclass else np.column_stack([1 - p, p])
        # saved in its text format (never pickled), read back: the same predictions
        text = model.model_to_string()
        np.testing.assert_allclose(lightgbm.Booster(model_str=text).predict(x_holdout), model.predict(x_holdout))
        predict.text_kib = len(text.encode()) / 1024
        return all_classes(p, seen, data["classes"])

    fit_s, predict_s, p = timed(fit, predict, repeats)
    return fit_s, predict_s, p, f"text model {predict.text_kib:.0f} KiB"


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?"
    )
    import sklearn

    try:
        import lightgbm

        lightgbm_version = lightgbm.__version__
    except ImportError:
        lightgbm_version = "not installed"
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, torch {torch.__version__}, "
        f"scikit-learn {sklearn.__version__}, LightGBM {lightgbm_version}; one thread per fit"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", nargs="*", default=[t.name for t in TABLES])
    parser.add_argument("--repeats", type=int, default=3, help="fits per model; the fastest is reported")
    args = parser.parse_args()

    import sklearn.ensemble  # noqa: F401  (load the OpenMP runtime so the cap applies to it)
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    runners = {"TokenBooster (torch)": run_token_booster, "scikit-learn HGB": run_sklearn}
    try:
        import lightgbm  # noqa: F401

        runners["LightGBM"] = run_lightgbm
    except ImportError:
        pass
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
            categorical = sum(1 for _, ordered in data["inputs"] if not ordered)
            seen = len(np.unique(data["y"].numpy()))
            for name, runner in runners.items():
                fit_s, predict_s, p, *extra = runner(data, args.repeats)
                note = f" ({extra[0]})" if extra else ""
                print(
                    f"| {table.name} | {len(data['y'])} / {len(y_holdout)} | {len(data['inputs'])} ({categorical}) "
                    f"| {seen} | {name}{note} | {fit_s:.2f} | {predict_s:.3f} | {log_loss(y_holdout, p):.4f} "
                    f"| {prior_loss:.4f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
