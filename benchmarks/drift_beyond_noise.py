"""How often ``beyond_noise`` (a column changed beyond sampling noise) fires on batches of an unchanged population.

    PYTHONPATH=. .venv/bin/python benchmarks/drift_beyond_noise.py [--batches 300]

A 3,000-row reference of a normal column, a four-level category (40/30/20/10%) and a 1% flag; ``--batches``
batches of each size drawn from the same population; prints, per column and size, how many of them
``column_shift`` calls beyond noise (its level is ``NOISE_P``, 0.135%: about 0.4 of 300 expected).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from twinforge.monitoring.effect_size import column_shift  # noqa: E402

LEVELS, SHARES = ["north", "south", "east", "west"], [0.4, 0.3, 0.2, 0.1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=300)
    args = parser.parse_args()
    rng = np.random.default_rng(123)
    draws = {
        "normal": (lambda n: rng.normal(size=n), True),
        "region": (lambda n: rng.choice(LEVELS, n, p=SHARES), False),
        "rare_flag": (lambda n: (rng.random(n) < 0.01).astype(int).astype(str), False),
    }
    references = {name: pl.Series(name, draw(3000)) for name, (draw, _) in draws.items()}
    counts = {}
    for n in (5, 20, 100, 1000):
        for name, (draw, numeric) in draws.items():
            shifts = [
                column_shift(references[name], pl.Series(name, draw(n)), numeric=numeric) for _ in range(args.batches)
            ]
            counts[f"{name}@{n}"] = sum(s.beyond_noise for s in shifts)
    print(json.dumps({"batches_each": args.batches, "beyond_noise": counts}))


if __name__ == "__main__":
    main()
