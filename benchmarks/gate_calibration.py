"""Calibrate the promotion gates' defaults on the transformer, with the copula for contrast.

    python benchmarks/gate_calibration.py --demo     # 3 tables, seeds 0 1 2 of each model, and the demo table
    python benchmarks/gate_calibration.py --tables credit_data --seeds 0 --copula-seeds
    python benchmarks/gate_calibration.py --demo --resume --only-recorded   # summarize what is recorded

For every benchmark table (``benchmarks/tables.py``; never the demo table) and seed, it fits twinforge's
``transformer`` as a pipeline whose spec names the target trains it (target generated last, the
parameter ``twinforge.generators.training.generator_params`` adds), and the ``copula``; samples as many
rows as the training split; and computes twinforge's own quality report
(``twinforge.evaluation.evaluate``, the code the ``quality_report`` asset runs) with the spec's default
``quality`` settings, the target as the inference secret. It writes, per gate: the value per table and
seed, the transformer's worst value over every table and seed, the threshold it suggests for the
fidelity and utility gates (the worst value less ``MARGIN``, rounded to the lenient 0.05), the current
default in ``GateThresholds`` and the margin of the worst value to it.

``--demo`` adds the demo table (``covid_testing``, prepared as the demo's pipeline prepares it:
identifiers and names dropped, split with the spec's seed), with the spec's own generator settings and
the copula in their place. Those numbers are the *test* of the defaults and never suggest a threshold.

Each finished run is appended to ``runs.jsonl``, so ``--resume`` continues an interrupted calibration.
Results: ``benchmarks/results/gate_calibration/calibration.json`` and ``calibration.md`` (or ``--out``),
with the machine and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))
from _machine import describe as describe_machine  # noqa: E402
from tables import DEV_TABLES, TABLES  # noqa: E402

MODELS = ("transformer", "copula")
# margin between the transformer's worst calibration value and a suggested threshold: absolute, on the
# gate's own scale (shares and AUCs in [0, 1]); about the largest spread over three seeds of one table
# (the dependence kept on mlc_churn and yrbss, 2026-12-02)
MARGIN = 0.1
# privacy thresholds state the risk one accepts, not what a generator reaches: they are reported, not suggested
CALIBRATED_SECTIONS = ("fidelity", "utility")
DEMO_SPEC = REPO / "pipelines" / "datasets" / "covid_testing.yaml"


def main() -> int:
    args = _arguments()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch

    torch.set_num_threads(args.threads)
    from twinforge.config.quality import GateThresholds, QualitySpec
    from twinforge.evaluation.gates import GATES

    quality = QualitySpec(threads=args.threads)
    defaults = GateThresholds()
    started = time.perf_counter()
    tables = {t.name: t for t in [*TABLES, *DEV_TABLES]}
    args.out.mkdir(parents=True, exist_ok=True)
    done = _Runs(args.out / "runs.jsonl", keep=args.resume)
    runs = []
    for name in args.tables:
        table = tables[name]
        split = None
        for model, seeds in (("transformer", args.seeds), ("copula", args.copula_seeds)):
            for seed in seeds:
                if (name, model, seed) not in done:
                    if args.only_recorded:
                        continue
                    split = split or table.split()
                    done.add(_run(name, model, seed, *split, table.target, [table.target], quality))
                runs.append(done[name, model, seed])
    demo_runs = []
    if args.demo:
        from twinforge.config.spec import load_spec
        from twinforge.generators.training import generator_params
        from twinforge.io.split import split_train_holdout
        from twinforge.io.tables import read_table

        spec = load_spec(DEMO_SPEC)
        # what the demo pipeline's split holds: identifiers and names dropped by the anonymization policy
        real = read_table(spec.source.path).drop([*spec.identifiers, *spec.sensitive])
        train, holdout = split_train_holdout(real, spec.split.holdout_fraction, spec.split.seed)
        schema = spec.schema_for(train)
        for model in MODELS:  # the spec's generator settings, or the copula in their place
            as_model = spec.model_copy(update={"generator": spec.generator.model_copy(update={"model": model})})
            params = generator_params(as_model, schema) if model == spec.generator.model else {}
            key = (spec.name, model, spec.generator.seed)
            if key not in done and not args.only_recorded:
                done.add(
                    _run(*key, train, holdout, spec.target, spec.inference_secrets, quality, schema, params,
                         sample_seed=spec.sampling.seed)
                )  # fmt: skip
            if key in done:
                demo_runs.append(done[key])
    summary = _summarize(runs, demo_runs, GATES, defaults)
    result = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(args.threads),
        "total_minutes": round((time.perf_counter() - started) / 60, 1),
        "margin": MARGIN,
        "quality": quality.model_dump(exclude={"gates"}),
        "note": args.note,
        "gates": summary,
        "runs": runs,
        "demo_runs": demo_runs,
    }
    (args.out / "calibration.json").write_text(json.dumps(result, indent=1) + "\n")
    markdown = _markdown(result, args.tables)
    (args.out / "calibration.md").write_text(markdown)
    print(markdown)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", nargs="*", default=[t.name for t in TABLES])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2], help="transformer seeds")
    parser.add_argument("--copula-seeds", nargs="*", type=int, default=[0, 1, 2], help="copula seeds (contrast)")
    parser.add_argument("--threads", type=int, default=1, help="torch and OpenMP/BLAS threads")
    parser.add_argument("--demo", action="store_true", help="also evaluate on the demo table (not calibrated on)")
    parser.add_argument("--note", default="", help="a line added to the results")
    parser.add_argument(
        "--only-recorded", action="store_true", help="with --resume: summarize the recorded runs, fit nothing new"
    )
    parser.add_argument(
        "--resume", action="store_true", help="reuse the runs already in OUT/runs.jsonl (same settings assumed)"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results" / "gate_calibration")
    return parser.parse_args()


class _Runs:
    """Finished runs, appended to a JSON-lines file as they finish, so an interrupted calibration resumes."""

    def __init__(self, path: Path, keep: bool):
        self.path = path
        if not keep:
            path.unlink(missing_ok=True)
        lines = path.read_text().splitlines() if path.exists() else []
        self.runs = {(r["table"], r["model"], r["seed"]): r for r in map(json.loads, lines)}

    def __contains__(self, key) -> bool:
        return key in self.runs

    def __getitem__(self, key) -> dict:
        return self.runs[key]

    def add(self, run: dict) -> None:
        _print_run(run)
        self.runs[run["table"], run["model"], run["seed"]] = run
        with self.path.open("a") as out:
            out.write(json.dumps(run) + "\n")


def _run(table, model, seed, train, holdout, target, secrets, quality, schema=None, params=None, sample_seed=None):
    from twinforge.evaluation import evaluate
    from twinforge.generators import create_generator
    from twinforge.io.schema import infer_schema

    schema = schema or infer_schema(train)
    if params is None:  # the transformer as a pipeline trains it when the spec names a target: target last
        params = {"last_columns": [target]} if model == "transformer" else {}
    generator = create_generator(model, seed=seed, **params)
    clock = time.perf_counter()
    generator.fit(train, schema)
    fit_seconds = time.perf_counter() - clock
    synthetic = generator.sample(train.height, seed=seed + 1 if sample_seed is None else sample_seed)
    clock = time.perf_counter()
    report = evaluate(train, holdout, synthetic, schema, target=target, secrets=secrets, quality=quality)
    return {
        "table": table,
        "model": model,
        "seed": seed,
        "params": params,
        "rows": {"train": train.height, "holdout": holdout.height, "synthetic": synthetic.height},
        "fit_seconds": round(fit_seconds, 1),
        "evaluate_seconds": round(time.perf_counter() - clock, 1),
        "epochs_run": getattr(generator, "fit_summary", {}).get("epochs_run"),
        "values": {name: gate.value for name, gate in report.gates.items()},
        "applicable": {name: gate.applicable for name, gate in report.gates.items()},
        "cramers_v_target": _target_associations(report, target),
        "utility": {k: getattr(report.utility, k, None) for k in ("primary_metric", "trtr", "tstr")}
        if report.utility
        else None,
    }


def _target_associations(report, target: str) -> dict[str, list[float]]:
    """Real and synthetic Cramér's V of the target with each other column (what the utility gate rests on)."""
    association = report.fidelity.association
    if association is None or association.real is None:
        return {}
    names = association.columns
    t = names.index(target)
    return {
        c: [round(association.real[t][i], 3), round(association.synthetic[t][i], 3)]
        for i, c in enumerate(names)
        if i != t
    }


def _print_run(run: dict) -> None:
    values = ", ".join(f"{k}={_fmt(v)}" for k, v in run["values"].items())
    print(f"{run['table']} {run['model']} seed {run['seed']}: fit {run['fit_seconds']} s, "
          f"evaluate {run['evaluate_seconds']} s; {values}", flush=True)  # fmt: skip


def _summarize(runs, demo_runs, gates, defaults) -> dict:
    out = {}
    for gate in gates:
        sign = 1 if gate.direction == "min" else -1  # larger sign * value is better
        default = getattr(defaults, gate.threshold_field)
        transformer = [r["values"].get(gate.name) for r in runs if r["model"] == "transformer"]
        measured = [v for v in transformer if v is not None and math.isfinite(v)]
        worst = (min if sign > 0 else max)(measured) if measured else None
        suggested = None
        if (
            worst is not None and gate.section in CALIBRATED_SECTIONS
        ):  # worst minus the margin, rounded to the next 0.05 on the lenient side
            raw = worst - sign * MARGIN
            suggested = (math.floor if sign > 0 else math.ceil)(round(raw / 0.05, 6)) * 0.05
        out[gate.name] = {
            "threshold_field": gate.threshold_field,
            "direction": gate.direction,
            "transformer_worst": worst,
            "transformer_unmeasured": len(transformer) - len(measured),
            "suggested": None if suggested is None else round(suggested, 2),
            "default": default,
            "margin_to_default": None if worst is None or default is None else sign * (worst - default),
            "demo": {
                r["model"]: {
                    "value": r["values"].get(gate.name),
                    "margin_to_default": None
                    if default is None or r["values"].get(gate.name) is None
                    else sign * (r["values"][gate.name] - default),
                }
                for r in demo_runs
            },
        }
    return out


def _machine(threads: int) -> str:
    return f"{describe_machine()}; threads: {threads}"


def _run_minutes(result: dict) -> float:
    runs = [*result["runs"], *result["demo_runs"]]
    return sum(r["fit_seconds"] + r["evaluate_seconds"] for r in runs) / 60


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def _markdown(result: dict, tables: list[str]) -> str:
    runs = result["runs"]
    gates = result["gates"]
    lines = [
        f"Measured {result['created_at'][:10]} on {result['machine']}; this pass took {result['total_minutes']} min; "
        f"fitting and evaluating every run listed took {_run_minutes(result):.1f} min.",
        f"Quality settings: the spec's defaults ({', '.join(f'{k}={v}' for k, v in result['quality'].items() if k != 'threads')}).",
        "",
    ]
    if result["note"]:
        lines += [result["note"], ""]
    lines += [
        "### Calibration: the transformer (worst over tables and seeds) against the defaults",
        "",
        f"Suggested threshold (fidelity and utility gates only): the worst value minus {result['margin']} "
        "(plus for a maximum), rounded to the lenient 0.05; privacy thresholds are the risk accepted, not "
        "calibrated. Margin: how far the worst value is on the good side of the default.",
        "",
        "| gate | direction | transformer worst | suggested | default | margin to default |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, g in gates.items():
        lines.append(
            f"| {name} | {g['direction']} | {_fmt(g['transformer_worst'])} | {_fmt(g['suggested'])} "
            f"| {_fmt(g['default'])} | {_fmt(g['margin_to_default'])} |"
        )
    lines += ["", "### Values per table, model and seed", ""]
    names = list(gates)
    lines.append("| table | model | seed | fit s | " + " | ".join(names) + " |")
    lines.append("|---|---|---:|---:|" + "---:|" * len(names))
    for r in [*runs, *result["demo_runs"]]:
        cells = " | ".join(_fmt(r["values"].get(n)) for n in names)
        lines.append(f"| {r['table']} | {r['model']} | {r['seed']} | {r['fit_seconds']} | {cells} |")
    if result["demo_runs"]:
        lines += [
            "",
            "### The demo table (evaluation only, never calibrated on): margin to the default",
            "",
            "| gate | " + " | ".join(r["model"] for r in result["demo_runs"]) + " |",
            "|---|" + "---:|" * len(result["demo_runs"]),
        ]
        for name, g in gates.items():
            cells = " | ".join(
                f"{_fmt(g['demo'][r['model']]['value'])} ({_fmt(g['demo'][r['model']]['margin_to_default'])})"
                for r in result["demo_runs"]
            )
            lines.append(f"| {name} | {cells} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
