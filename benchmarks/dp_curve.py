"""Quality and utility of differentially private generators against ε.

    python benchmarks/dp_curve.py                                    # every table, gan/vae/transformer
    python benchmarks/dp_curve.py --tables credit_data --models vae --epochs 10

For each table, model and ε in ``--epsilons`` (``inf``: the same model trained without DP), the fit runs
in a subprocess (``fit_twinforge.py``, as in ``run.py``) with ``dp: {epsilon: ε}`` and the same fixed
``epochs`` at every ε (a private fit has no early stopping; the ``inf`` row gets the same epochs so the
curve compares like with like). Scores come from ``benchmarks/evaluate.py`` (SDMetrics quality against
the training rows, train-on-synthetic / test-on-real utility ratio, DCR share), run in the SDV venv
(``TWINFORGE_SDV_PYTHON``). No public bounds are declared: every column's statistics are DP. With
``--declared``, the bounds a table declares from what its columns measure (``Table.public_bounds``, set
without reading the rows) are given to the fit as ``dp.bounds``; the statistics of those columns are then
noisy histograms on 64 equal bins inside the bounds, and results go to ``declared.*`` (tables without
declared bounds are skipped). Results go to ``benchmarks/results/dp_curve/`` (``latest.json`` and
``latest.md``) with the machine notes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _machine import describe as describe_machine  # noqa: E402
from run import evaluate, run_fit  # noqa: E402
from tables import TABLES  # noqa: E402

EPSILONS = [0.5, 1.0, 4.0, 10.0, math.inf]
MODELS = ["gan", "vae", "transformer"]
OUT = HERE / "results" / "dp_curve"


def params_for(model: str, epsilon: float, epochs: int, bounds: dict | None = None) -> dict:
    params: dict = {"epochs": epochs}
    if model == "transformer":
        params["last_column_booster"] = False  # off in DP mode; off at ε = ∞ too, to compare like with like
    if math.isfinite(epsilon):
        params["dp"] = {"epsilon": epsilon, **({"bounds": bounds} if bounds else {})}
    return params


def markdown(rows: list[dict], meta: dict) -> str:
    lines = [
        f"Measured {meta['date']} on {meta['machine']}; {meta['epochs']} epochs at every ε, seed {meta['seed']}, "
        f"torch threads {meta['threads']}; δ = 1/n², 10% of ε on the column statistics, "
        f"{meta['bounds']}. "
        f"{meta['note']}",
        "",
        "| table | model | ε | ε spent | quality | column shapes | pair trends | utility ratio | DCR share | fit s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['table']} | {r['model']} | {r['epsilon']} | error: {r['error']} ||||||| ")
            continue
        spent = f"{r['epsilon_spent']:.3f}" if r.get("epsilon_spent") is not None else "–"
        lines.append(
            f"| {r['table']} | {r['model']} | {r['epsilon']} | {spent} | {r['quality']:.3f} | {r['column_shapes']:.3f} "
            f"| {r['column_pair_trends']:.3f} | {r['utility_ratio']:.3f} | {r['dcr_share']:.3f} | {r['fit_seconds']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=[t.name for t in TABLES])
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--epsilons", nargs="+", type=float, default=EPSILONS)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--note", default="", help="machine notes for the results (e.g. load from other jobs)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--declared", action="store_true", help="give the tables' declared public bounds to the fit")
    args = parser.parse_args()
    tables = [t for t in TABLES if t.name in args.tables and (t.public_bounds or not args.declared)]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="twinforge-dp-curve-") as scratch:
        work = Path(scratch)
        for table in tables:
            train, holdout = table.split()
            train_path, holdout_path = work / f"{table.name}-train.parquet", work / f"{table.name}-holdout.parquet"
            train.write_parquet(train_path)
            holdout.write_parquet(holdout_path)
            fits = []
            for model in args.models:
                for epsilon in args.epsilons:
                    out = work / f"{table.name}-{model}-{epsilon}.parquet"
                    bounds = {c: [low, high] for c, low, high in table.public_bounds} if args.declared else None
                    params = json.dumps(params_for(model, epsilon, args.epochs, bounds))
                    fit = run_fit(
                        model, train_path, train.height, out, table.target, args.threads, work, params, args.seed
                    )
                    row = {"table": table.name, "model": model, "epsilon": "∞" if math.isinf(epsilon) else epsilon}
                    if "error" in fit:
                        rows.append({**row, "error": fit["error"]})
                    else:
                        fits.append((row, fit, out))
                    print(json.dumps({**row, **fit}), file=sys.stderr)
            scores = evaluate(train_path, holdout_path, table.target, [out for _, _, out in fits]) if fits else {}
            for row, fit, out in fits:
                score = scores[str(out)]
                rows.append(
                    {
                        **row,
                        **score,
                        "epsilon_spent": fit.get("dp_epsilon"),
                        "fit_seconds": fit.get("fit_seconds", fit.get("wall_seconds")),
                    }
                )
            write_results(rows, args, finished=table is tables[-1])  # each table's rows survive a later failure
    print(markdown(rows, meta_of(args)))
    return 0


def meta_of(args: argparse.Namespace) -> dict:
    return {
        "date": dt.date.today().isoformat(),
        "machine": describe_machine(),
        "epochs": args.epochs,
        "seed": args.seed,
        "threads": args.threads,
        "note": args.note,
        "bounds": "declared bounds: "
        + "; ".join(
            f"{t.name} " + ", ".join(f"{c} [{low}, {high}]" for c, low, high in t.public_bounds)
            for t in TABLES
            if t.name in args.tables and t.public_bounds
        )
        if args.declared
        else "no declared bounds",
    }


def write_results(rows: list[dict], args: argparse.Namespace, finished: bool) -> None:
    """``latest.json`` and ``latest.md`` when every table is done, ``partial.*`` before."""
    args.out.mkdir(parents=True, exist_ok=True)
    name = ("declared" if args.declared else "latest") if finished else "partial"
    (args.out / f"{name}.json").write_text(json.dumps({"meta": meta_of(args), "rows": rows}, indent=1))
    (args.out / f"{name}.md").write_text(markdown(rows, meta_of(args)))
    if finished:
        for stale in ("partial.json", "partial.md"):
            (args.out / stale).unlink(missing_ok=True)


if __name__ == "__main__":
    raise SystemExit(main())
