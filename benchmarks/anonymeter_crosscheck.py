"""Cross-check: twinforge's attack risks vs anonymeter 1.1.0's own, on the whole demo table.

    make anonymeter && python benchmarks/anonymeter_crosscheck.py [--out DIR]

anonymeter runs from ``benchmarks/.venvs/anonymeter-pkgs`` (installed ``--no-deps`` beside twinforge's packages,
see docs/privacy.md) in a subprocess, ``benchmarks/anonymeter_reference.py``. This script writes the demo's
train / holdout, a copy of train and the copula's twin to a temporary folder, computes twinforge's risks (its
own scoring and, for singling out, anonymeter's scoring of the same predicates) and anonymeter's, with the
same targets (training rows), controls (holdout), secrets, linkability column split and attack counts, and
writes ``results.md`` / ``results.json`` to ``benchmarks/results/anonymeter_crosscheck/`` (or ``--out``).
The small-table version of this comparison is the test ``tests/integration/test_anonymeter_agreement.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from _machine import describe as describe_machine  # noqa: E402

PKGS = REPO / "benchmarks" / ".venvs" / "anonymeter-pkgs"
ATTACKS = 500
MAX_ATTEMPTS = 10_000
SECRETS = ("result", "patient_class")


def run(folder: Path) -> dict:
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
        "copy": train,
        "copula": create_generator("copula", seed=spec.generator.seed).fit(train, schema).sample(train.height, seed=11),
    }
    for name, table in {"train": train, "control": holdout, **tables}.items():
        _canonical(table, columns).write_parquet(folder / f"{name}.parquet")
    meta = {
        "synthetic": list(tables),
        "n_attacks": ATTACKS,
        "max_attempts": MAX_ATTEMPTS,
        "seed": 0,
        "aux_columns": [names[0::2], names[1::2]],
        "secrets": list(SECRETS),
    }
    (folder / "meta.json").write_text(json.dumps(meta))

    ours = {}
    for name, synthetic in tables.items():
        started = time.perf_counter()
        r = attack_report(
            train,
            holdout,
            synthetic,
            columns,
            secrets=list(SECRETS),
            n_attacks=ATTACKS,
            max_rows=10**6,
            max_attempts=MAX_ATTEMPTS,
        )
        rows = {f"singling_out_{mode}": r["singling_out"][mode] for mode in ("univariate", "multivariate")}
        rows["linkability"] = r["linkability"]
        rows |= {f"inference_{s}": r["inference"][s] for s in SECRETS}
        ours[name] = {
            key: {
                "twinforge": v["risk"],
                "twinforge_anonymeter_method": v.get("anonymeter_method", v)["risk"],
                "n_predicates": v["n_attacks"],
            }
            for key, v in rows.items()
        }
        ours[name]["seconds"] = round(time.perf_counter() - started, 1)
    env = {**os.environ, "PYTHONPATH": str(PKGS)}
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "anonymeter_reference.py"), str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )
    if proc.returncode != 0:
        raise SystemExit(f"anonymeter run failed (make anonymeter?):\n{proc.stderr[-3000:]}")
    theirs = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "table": f"demo covid_testing: train {train.height:,}, holdout {holdout.height:,}",
        "attacks": ATTACKS,
        "max_attempts": MAX_ATTEMPTS,
        "secrets": list(SECRETS),
        "date": time.strftime("%Y-%m-%d"),
        "machine": describe_machine(),
        "twinforge": ours,
        "anonymeter": theirs,
    }


def markdown(result: dict) -> str:
    lines = [
        f"# anonymeter cross-check, {result['date']}",
        "",
        f"{result['table']}; {result['attacks']} attacks, at most {result['max_attempts']:,} multivariate "
        f"attempts, secrets {', '.join(result['secrets'])}; {result['machine']}. "
        "`python benchmarks/anonymeter_crosscheck.py`.",
        "",
        "| synthetic | risk | twinforge | twinforge, anonymeter's scoring | anonymeter | predicates found |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, ours in result["twinforge"].items():
        for key, v in ours.items():
            if key == "seconds":
                continue
            theirs = result["anonymeter"][name][key]["risk"]
            lines.append(
                f"| {name} | {key} | {v['twinforge']:.3f} | {v['twinforge_anonymeter_method']:.3f} | {theirs:.3f} "
                f"| {v['n_predicates']} |"
            )
    lines.append("")
    lines.append(
        "Seconds: "
        + ", ".join(
            f"{n} twinforge {result['twinforge'][n]['seconds']} / anonymeter {result['anonymeter'][n]['seconds']}"
            for n in result["twinforge"]
        )
    )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "anonymeter_crosscheck")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(Path(tmp))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(result, indent=1) + "\n")
    (args.out / "results.md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
