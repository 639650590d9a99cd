"""Fit wall and CPU time of the demo's generator against torch's intra-op thread count.

The demo transformer is small (``make run`` trains it for four epochs on about 10k rows), so each
matrix product is tiny and a second thread may cost more in synchronisation than it gives. This
fits the demo spec's generator as the pipeline does (ingest, anonymize, split, ``train_generator``)
once per thread count and repeat, each fit in a fresh subprocess with ``torch.set_num_threads``,
alternating the thread counts so that a change in machine load hits them alike. It prints wall
seconds, CPU seconds and the machine load for each fit.

    .venv/bin/python benchmarks/torch_threads.py [--threads 1 2] [--repeats 2] [--spec pipelines/datasets/covid_testing.yaml]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from _machine import describe as describe_machine  # noqa: E402
from _machine import load_average  # noqa: E402


def fit_once(spec_path: str, threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    from twinforge.config.spec import load_spec
    from twinforge.generators.training import train_generator
    from twinforge.io.ingest import ingest
    from twinforge.io.split import split_train_holdout
    from twinforge.privacy.anonymize import anonymize_table

    spec = load_spec(spec_path)
    ingested = ingest(spec)
    table = anonymize_table(
        ingested.table, spec.columns, spec.privacy, key=secrets.token_bytes(32), schema=ingested.schema
    ).table
    train, _ = split_train_holdout(table, spec.split.holdout_fraction, spec.split.seed)
    with tempfile.TemporaryDirectory() as out:
        started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        train_generator(train, spec, Path(out))
        after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "threads": threads,
        "wall_s": round(time.perf_counter() - started, 2),
        "cpu_s": round(after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime, 2),
        "rows": train.height,
        "load_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", default=str(REPO / "pipelines" / "datasets" / "covid_testing.yaml"))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one fit with this many threads
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(fit_once(args.spec, args.one)))
        return
    print(f"machine: {describe_machine()}; {load_average()}")
    print(f"{'threads':>7} {'wall s':>8} {'CPU s':>8} {'load':>6}")
    results = []
    for _ in range(args.repeats):
        for threads in args.threads:
            done = subprocess.run(
                [sys.executable, __file__, "--spec", args.spec, "--one", str(threads)],
                capture_output=True, text=True, cwd=REPO,
            )  # fmt: skip
            if done.returncode != 0:
                raise SystemExit(f"the fit with {threads} threads failed:\n{done.stderr[-3000:]}")
            row = json.loads(done.stdout.strip().splitlines()[-1])
            results.append(row)
            print(f"{row['threads']:>7} {row['wall_s']:>8} {row['cpu_s']:>8} {row['load_1min']:>6}", flush=True)
    for threads in args.threads:
        walls = sorted(r["wall_s"] for r in results if r["threads"] == threads)
        print(f"threads {threads}: median wall {walls[len(walls) // 2]} s")


if __name__ == "__main__":
    main()
