"""How often a column of an unchanged population is called drifted, and how often a real shift is found.

    PYTHONPATH=. .venv/bin/python benchmarks/drift_false_alarms.py [--seeds 8]

Each batch is drawn from the reference's own population (eight normal columns, a four-level region, a rare
0/1 flag), or with column ``x0`` shifted. Per configuration: the columns whose Evidently test failed, and
those of them whose effect size (``twinforge.monitoring.effect_size``) also reaches 0.05 or 0.1
(``drift.min_effect``'s default). Prints one JSON line per configuration.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def table(n: int, seed: int, shift: float = 0.0):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    columns = {f"x{i}": rng.normal(size=n) + (shift if i == 0 else 0.0) for i in range(8)}
    columns["region"] = rng.choice(["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1])
    columns["flag"] = (rng.random(n) < 0.01).astype(int)
    return pl.DataFrame(columns)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    from twinforge.io.schema import infer_schema
    from twinforge.monitoring.data_drift import data_drift_report
    from twinforge.monitoring.effect_size import column_shift

    configurations = [
        (3000, 20, 0.0), (3000, 100, 0.0), (3000, 1000, 0.0), (800, 5000, 0.0), (800, 20_000, 0.0),
        (3000, 100, 0.5), (3000, 200, 0.5), (3000, 1000, 0.2),
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        for reference_rows, batch_rows, shift in configurations:
            reference = table(reference_rows, 0)
            schema = infer_schema(reference)
            counts = {"columns": 0, "test": 0, "test_and_effect_0.05": 0, "test_and_effect_0.1": 0}
            shifted_column = []
            for seed in range(1, args.seeds + 1):
                batch = table(batch_rows, seed, shift)
                summary = data_drift_report(reference, batch, schema, Path(folder) / "drift.html")
                for name, column in summary.columns.items():
                    effect = column_shift(
                        reference.get_column(name), batch.get_column(name), numeric=column.kind == "numerical"
                    ).effect
                    row = {"test": column.drifted, "effect": round(effect, 3)}
                    if shift and name == "x0":
                        shifted_column.append(row)
                        continue
                    counts["columns"] += 1
                    counts["test"] += column.drifted
                    counts["test_and_effect_0.05"] += column.drifted and effect >= 0.05
                    counts["test_and_effect_0.1"] += column.drifted and effect >= 0.1
            line = {"reference_rows": reference_rows, "batch_rows": batch_rows, "x0_shift_sd": shift, **counts}
            if shift:
                line["x0"] = shifted_column
            print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
