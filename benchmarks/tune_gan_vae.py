"""Tune ``gan`` / ``vae`` on the development tables only (never the benchmark's own); check a choice on the
validation table (``--tables credit_card``), which is neither.

    PYTHONPATH=. .venv/bin/python benchmarks/tune_gan_vae.py --model vae --params '{"epochs": 50}' \
        --tables males --variants sample argmax

Fits the model once per table (one torch thread) on the train split, samples as many rows as the
split holds once per sampling variant, and scores every sample with ``evaluate.py`` in the SDV
environment (``TWINFORGE_SDV_PYTHON``, as in ``run.py``). Prints one JSON line per sample.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import SDV_PYTHON  # noqa: E402
from tables import DEV_TABLES, VALIDATION_TABLES  # noqa: E402


@contextlib.contextmanager
def sampling_variant(variant: str, generator):
    """Patch the sampling for one sample: the VAE's one-hot decoding (``argmax``, ``mode_argmax``: argmax
    for mixture modes only, or a softmax temperature ``tau<T>``, ``mode_tau<T>`` for the mixture modes
    only), the GAN's batch norm (``bn_train``)."""
    import torch
    from torch.nn import functional as F

    if variant == "default":
        yield
        return
    if variant == "bn_train":
        net = generator.generator_net
        net.eval = net.train
        try:
            yield
        finally:
            del net.eval
        return
    layout = generator._layout
    original = layout.one_hot_samples
    spans = generator.encoder.mode_spans()

    def patched(raw):
        parts = []
        for span in spans:
            x = raw[:, span.start : span.stop]
            if span.activation == "tanh":
                parts.append(torch.tanh(x))
            elif variant == "argmax" or (variant == "mode_argmax" and span.role == "mode"):
                parts.append(F.one_hot(x.argmax(dim=1), span.width).to(raw.dtype))
            else:
                p = torch.softmax(x / temperature(variant, span.role), dim=1)
                parts.append(F.one_hot(torch.multinomial(p, 1).squeeze(1), span.width).to(raw.dtype))
        return torch.cat(parts, dim=1)

    layout.one_hot_samples = patched
    try:
        yield
    finally:
        layout.one_hot_samples = original


def rank_mapped(synthetic, train):
    """Each numeric column's synthetic values replaced, rank for rank, by the training column's quantiles
    (an upper bound on what a marginal calibration can bring)."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(0)
    out = []
    for name in synthetic.columns:
        s = synthetic[name]
        if not s.dtype.is_numeric() or s.dtype == pl.Boolean:
            out.append(s)
            continue
        values = s.cast(pl.Float64).to_numpy().copy()
        real = train[name].drop_nulls().cast(pl.Float64).to_numpy()
        finite = np.isfinite(values)
        order = np.lexsort((rng.random(finite.sum()), values[finite]))
        u = np.empty(finite.sum())
        u[order] = (np.arange(finite.sum()) + 0.5) / finite.sum()
        values[finite] = np.quantile(real, u, method="inverted_cdf")
        out.append(pl.Series(name, values).cast(s.dtype))
    return pl.DataFrame(out)


def temperature(variant: str, role: str) -> float:
    """The softmax temperature of a one-hot stretch: ``tau<T>`` for every stretch, ``mode_tau<T>`` for the
    mixture modes of numeric columns only, 1 otherwise."""
    if variant.startswith("tau"):
        return float(variant[3:])
    if variant.startswith("mode_tau") and role == "mode":
        return float(variant[8:])
    return 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, choices=["gan", "vae"])
    parser.add_argument("--params", default="{}")
    parser.add_argument(
        "--tables",
        nargs="*",
        default=[t.name for t in DEV_TABLES],
        choices=[t.name for t in DEV_TABLES + VALIDATION_TABLES],
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tag", default="")
    parser.add_argument(
        "--variants",
        nargs="*",
        default=["default"],
        help="vae sampling variants: default, argmax, mode_argmax, tau<T>, mode_tau<T>",
    )
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    from twinforge.generators import create_generator
    from twinforge.io.schema import infer_schema

    params = json.loads(args.params)
    with tempfile.TemporaryDirectory(prefix="tune-") as tmp:
        for table in [t for t in DEV_TABLES + VALIDATION_TABLES if t.name in args.tables]:
            train_df, holdout_df = table.split()
            train, holdout = Path(tmp) / "train.parquet", Path(tmp) / "holdout.parquet"
            train_df.write_parquet(train)
            holdout_df.write_parquet(holdout)
            generator = create_generator(args.model, seed=args.seed, **params)
            started = time.perf_counter()
            generator.fit(train_df, infer_schema(train_df))
            fit_s = time.perf_counter() - started
            outs = []
            for variant in args.variants:
                out = Path(tmp) / f"synthetic-{variant}.parquet"
                if variant == "rankmap":
                    rank_mapped(generator.sample(train_df.height, seed=args.seed + 1), train_df).write_parquet(out)
                else:
                    with sampling_variant(variant, generator):
                        generator.sample(train_df.height, seed=args.seed + 1).write_parquet(out)
                outs.append(out)
            proc = subprocess.run(
                [SDV_PYTHON, str(HERE / "evaluate.py"), "--train", str(train), "--holdout", str(holdout)]
                + ["--target", table.target, *map(str, outs)],
                capture_output=True,
                text=True,
                check=True,
            )
            scores = json.loads(proc.stdout.strip().splitlines()[-1])
            summary = {k: generator.fit_summary.get(k) for k in ("epochs_run", "best_epoch")}
            for variant, out in zip(args.variants, outs):
                score = scores[str(out)]
                line = {"tag": args.tag, "variant": variant, "table": table.name, "model": args.model}
                line |= {"params": params, "fit_s": round(fit_s, 1), **summary}
                line |= {k: score[k] for k in ("quality", "column_shapes", "column_pair_trends", "utility_ratio")}
                print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
