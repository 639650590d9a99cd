"""Cross-check: twinforge's anonymeter-style risks vs anonymeter itself, on the demo table.

    python benchmarks/anonymeter_crosscheck.py [--python benchmarks/.venvs/anonymeter/bin/python]

anonymeter pins numpy<1.27 and pyarrow<22, so it cannot live in twinforge's environment; it runs
in its own venv (``python3.11 -m venv V && V/bin/pip install anonymeter==1.1.0``). This script,
run with twinforge's Python, writes the demo's train / holdout and two synthetic tables (the
copula, and a copy of train) to a temporary folder, computes twinforge's risks, then runs itself
under the anonymeter venv (``--anonymeter-on DIR``) and prints both side by side. Same targets
(training rows), controls (holdout), secret (`result`), linkability column split, and attack counts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ATTACKS = 500
SECRET = "result"


def run_anonymeter(folder: Path) -> dict:
    """Runs in the anonymeter venv: only pandas and anonymeter here."""
    import pandas as pd
    from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator

    meta = json.loads((folder / "meta.json").read_text())
    train, holdout = pd.read_parquet(folder / "train.parquet"), pd.read_parquet(folder / "holdout.parquet")
    out = {}
    for name in meta["synthetic"]:
        synthetic = pd.read_parquet(folder / f"{name}.parquet")
        started = time.perf_counter()
        risks = {}
        for mode in ("univariate", "multivariate"):
            evaluator = SinglingOutEvaluator(
                ori=train, syn=synthetic, control=holdout, n_attacks=ATTACKS, max_attempts=10_000, seed=0
            )
            risks[f"singling_out_{mode}"] = evaluator.evaluate(mode=mode).risk().value
            # why numbers differ: anonymeter divides by n_attacks even when it found fewer predicates,
            # and scales the control count by its fitted size correction
            notes = out.setdefault("notes", {})
            notes[f"{name} {mode}"] = (
                f"{evaluator._n_success} of {ATTACKS} attacks single out on train; control "
                f"count after its size correction {evaluator._n_control:.1f}"
            )
        link = LinkabilityEvaluator(
            ori=train,
            syn=synthetic,
            control=holdout,
            n_attacks=ATTACKS,
            aux_cols=tuple(meta["aux_columns"]),
            n_neighbors=1,
        )
        risks["linkability"] = link.evaluate(n_jobs=1).risk().value
        aux = [c for c in train.columns if c != SECRET]
        inference = InferenceEvaluator(
            ori=train, syn=synthetic, control=holdout, aux_cols=aux, secret=SECRET, n_attacks=ATTACKS
        )
        risks[f"inference_{SECRET}"] = inference.evaluate(n_jobs=1).risk().value
        risks["seconds"] = round(time.perf_counter() - started, 1)
        out[name] = risks
    return out


def run_twinforge(folder: Path, anonymeter_python: str) -> None:
    sys.path.insert(0, str(REPO))
    import polars as pl

    from twinforge.config.spec import load_spec
    from twinforge.evaluation.attacks import _canonical, attack_report
    from twinforge.evaluation.columns import compared_columns
    from twinforge.generators import create_generator
    from twinforge.io.split import split_train_holdout

    spec = load_spec(REPO / "pipelines" / "datasets" / "covid_testing.yaml")
    real = pl.read_csv(REPO / "data" / "covid_testing.csv.gz").drop(
        ["rownames", "subject_id", "fake_first_name", "fake_last_name"]
    )
    train, holdout = split_train_holdout(real, spec.split.holdout_fraction, spec.split.seed)
    schema = spec.schema_for(train)
    columns, _ = compared_columns(schema, train, holdout)
    names = [c.name for c in columns]
    tables = {
        "copula": create_generator("copula", seed=spec.generator.seed).fit(train, schema).sample(train.height, seed=11),
        "copy": train,
    }
    for name, table in {"train": train, "holdout": holdout, **tables}.items():
        _canonical(table, columns).write_parquet(folder / f"{name}.parquet")
    aux = [names[0::2], names[1::2]]
    (folder / "meta.json").write_text(json.dumps({"synthetic": list(tables), "aux_columns": aux}))

    ours = {}
    for name, synthetic in tables.items():
        started = time.perf_counter()
        r = attack_report(train, holdout, synthetic, columns, secrets=[SECRET], n_attacks=ATTACKS)
        ours[name] = {
            "singling_out_univariate": r["singling_out"]["univariate"]["risk"],
            "singling_out_multivariate": r["singling_out"]["multivariate"]["risk"],
            "linkability": r["linkability"]["risk"],
            f"inference_{SECRET}": r["inference"][SECRET]["risk"],
            "seconds": round(time.perf_counter() - started, 1),
        }
    proc = subprocess.run(
        [anonymeter_python, __file__, "--anonymeter-on", str(folder)], capture_output=True, text=True, timeout=3600
    )
    if proc.returncode != 0:
        raise SystemExit(f"anonymeter run failed:\n{proc.stderr[-3000:]}")
    theirs = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"demo covid_testing: train {train.height:,}, holdout {holdout.height:,}, {ATTACKS} attacks, "
        f"secret {SECRET!r}; {time.strftime('%Y-%m-%d %H:%M')}"
    )
    print(f"{'synthetic':10s} {'risk':28s} {'twinforge':>10s} {'anonymeter':>11s}")
    for name in tables:
        for key in ours[name]:
            print(f"{name:10s} {key:28s} {ours[name][key]:10.3f} {theirs[name][key]:11.3f}")
    for what, note in theirs.get("notes", {}).items():
        print(f"anonymeter {what}: {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--python",
        default=str(Path(__file__).resolve().parent / ".venvs" / "anonymeter" / "bin" / "python"),
        help="the anonymeter venv's Python",
    )
    parser.add_argument("--keep", type=Path, help="write the tables to this folder and keep them")
    parser.add_argument("--anonymeter-on", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.anonymeter_on:
        print(json.dumps(run_anonymeter(args.anonymeter_on)))
        return 0
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run_twinforge(args.keep, args.python)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        run_twinforge(Path(tmp), args.python)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
