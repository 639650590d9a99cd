"""The transformer's sampling speed against the rows it decodes at once (``CPU_GENERATION_BATCH_ROWS``).

Fits a transformer briefly (a model's sampling cost depends on its architecture, not on how long it trained)
on a generated table of half numbers, half 8-level categories, then samples the same number of rows with each
batch size in turn, twice over, in one process on one torch thread, and prints rows/s.

    .venv/bin/python benchmarks/generation_batch.py --columns 20 40 --rows 16384 --batches 256 512 1024 8192
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import torch

import twinforge.generators.transformer as transformer
from twinforge.generators import create_generator
from twinforge.io.schema import infer_schema

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe as describe_machine  # noqa: E402


def table(columns: int, rows: int = 3000) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    levels = [f"l{j}" for j in range(8)]
    return pl.DataFrame({f"c{i}": rng.normal(size=rows) if i % 2 else rng.choice(levels, rows) for i in range(columns)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--columns", type=int, nargs="+", default=[20, 40])
    parser.add_argument("--rows", type=int, default=16384)
    parser.add_argument("--batches", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096, 8192])
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"{describe_machine()}; one torch thread; {args.rows} rows a sample")
    default = transformer.CPU_GENERATION_BATCH_ROWS
    try:
        for columns in args.columns:
            df = table(columns)
            model = create_generator("transformer", epochs=2, seed=0).fit(df, infer_schema(df))
            rates: dict[int, list[float]] = {b: [] for b in args.batches}
            for _ in range(2):
                for batch in args.batches:
                    transformer.CPU_GENERATION_BATCH_ROWS = batch
                    started = time.perf_counter()
                    model.sample(args.rows, seed=1)
                    rates[batch].append(args.rows / (time.perf_counter() - started))
            for batch, measured in rates.items():
                print(f"{columns} columns, {batch:>5} rows a batch: {' / '.join(f'{r:,.0f}' for r in measured)} rows/s")
    finally:
        transformer.CPU_GENERATION_BATCH_ROWS = default


if __name__ == "__main__":
    main()
