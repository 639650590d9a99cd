"""The dependence score on real tables: another real sample, the Gaussian copula's twin, shuffled columns.

    PYTHONPATH=. .venv/bin/python benchmarks/dependence_score.py

For each table of ``benchmarks/tables.py`` (development, validation and benchmark tables), the training split
is the real side; its holdout (another sample of the same population: what a faithful twin can at best be),
the copula's sample and the columns shuffled independently (every association lost) are the synthetic side.
Prints one JSON line per table with the score as computed now (``twinforge.evaluation.pairwise``) and the
former one, ``1 - sum |V_real - V_synthetic| / sum V_real`` with no allowance for sampling noise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def former_score(report: dict) -> float:
    import numpy as np

    real, synthetic = np.array(report["real"], dtype=float), np.array(report["synthetic"], dtype=float)
    i, j = np.triu_indices(len(real), k=1)
    return max(0.0, 1.0 - float(np.abs(real[i, j] - synthetic[i, j]).sum() / real[i, j].sum()))


def main() -> int:
    import polars as pl
    from tables import DEV_TABLES, TABLES, VALIDATION_TABLES

    from twinforge.evaluation.columns import ColumnSchema
    from twinforge.evaluation.pairwise import association_report
    from twinforge.generators.copula import GaussianCopulaGenerator
    from twinforge.io.schema import ColumnKind, infer_schema

    compared = (ColumnKind.INTEGER, ColumnKind.FLOAT, ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, ColumnKind.DATETIME)
    for table in [*DEV_TABLES, *VALIDATION_TABLES, *TABLES]:
        train, holdout = table.split()
        schema = infer_schema(train)
        columns = [ColumnSchema(c.name, c.kind, "x") for c in schema.columns if c.kind in compared]
        sides = {
            "holdout": holdout,
            "copula": GaussianCopulaGenerator(seed=0).fit(train, schema).sample(train.height, seed=1),
            "shuffled": train.select([pl.col(c).shuffle(seed=k) for k, c in enumerate(train.columns)]),
        }
        row: dict = {"table": table.name, "rows": train.height, "columns": len(columns)}
        for name, synthetic in sides.items():
            report = association_report(train, synthetic, columns)
            score = report["dependence_score"]
            row[name] = {"score": None if score is None else round(score, 3), "former": round(former_score(report), 3)}
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
