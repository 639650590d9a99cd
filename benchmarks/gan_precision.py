"""The `gan`'s fit time in float32 against ``precision: auto`` (bfloat16 matrix products on a CPU that has
them), the two fits alternated in one process so that a drift of the host's speed falls on both.

    PYTHONPATH=. .venv/bin/python benchmarks/gan_precision.py --tables credit_data mlc_churn --repeats 2

Prints one line per fit (the total, the seconds of each 50 epochs) and, per table, the ratio of the
means. One torch thread, as in ``run.py``; the same seed for both precisions in a repeat.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _machine import describe, load_average  # noqa: E402
from tables import TABLES  # noqa: E402

PRECISIONS = ("float32", "auto")
EPOCH_BLOCK = 50


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", nargs="*", default=["credit_data"], choices=[t.name for t in TABLES])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=None, help="default: the gan's own")
    args = parser.parse_args()

    import torch
    import torch._dynamo  # noqa: F401  (imported by the first optimizer: kept out of the first fit's time)

    torch.set_num_threads(1)
    from twinforge.generators import create_generator
    from twinforge.generators.torch_base import resolve_precision
    from twinforge.io.schema import infer_schema

    print(describe(), load_average(), f"auto is {resolve_precision('auto', torch.device('cpu'))} here", flush=True)
    for table in [t for t in TABLES if t.name in args.tables]:
        train, _ = table.split()
        schema = infer_schema(train)
        totals: dict[str, list[float]] = {p: [] for p in PRECISIONS}
        for repeat in range(args.repeats):
            for precision in PRECISIONS:
                params = {"precision": precision} | ({"epochs": args.epochs} if args.epochs else {})
                generator = create_generator("gan", seed=repeat, **params)
                stamps: list[float] = []
                started = time.perf_counter()
                generator.fit(train, schema, progress=lambda _report, stamps=stamps: stamps.append(time.perf_counter()))
                total = time.perf_counter() - started
                totals[precision].append(total)
                blocks = [
                    stamps[i + EPOCH_BLOCK - 1] - stamps[i - 1]
                    for i in range(1, len(stamps) - EPOCH_BLOCK, EPOCH_BLOCK)
                ]
                line = {"table": table.name, "precision": generator.fit_summary["precision"], "seed": repeat}
                line |= {"fit_s": round(total, 2), f"s_per_{EPOCH_BLOCK}_epochs": [round(b, 2) for b in blocks]}
                print(json.dumps(line), flush=True)
        ratio = statistics.mean(totals["auto"]) / statistics.mean(totals["float32"])
        print(f"{table.name}: auto / float32 fit time {ratio:.3f} (means of {args.repeats})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
