"""Benchmark: reading and anonymizing tables with thousands of columns (sensor and survey exports).

    python benchmarks/many_columns.py [--columns 2000 6000 20000] [--rows 60]

Writes a CSV of small integers per column count (names ``c0`` ... ``cN``), then runs ``twinforge anonymize``
on it in a fresh process and prints the wall time of reading, of detection and policy, and in all, with the
machine and its load average. Reading time should grow about linearly with the number of columns: the
ratio of seconds per thousand columns between the widest and the narrowest table is printed (1.0 is linear).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import describe as describe_machine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def write_table(path: Path, columns: int, rows: int) -> None:
    header = ",".join(f"c{j}" for j in range(columns))
    lines = (",".join(str((i * j) % 7) for j in range(columns)) for i in range(rows))
    path.write_text(header + "\n" + "\n".join(lines) + "\n")


def run(path: Path) -> dict[str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "twinforge.cli", "anonymize", str(path), "--out", str(path.with_suffix(".parquet"))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    steps = [float(s) for s in re.findall(r"done in ([0-9.]+) s", done.stdout + done.stderr)]
    return {"read_s": steps[0], "policy_s": steps[1], "total_s": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--columns", type=int, nargs="+", default=[2000, 6000, 20000])
    parser.add_argument("--rows", type=int, default=60)
    args = parser.parse_args()
    print(f"machine: {describe_machine()}")
    print("| columns | reading s | detection and policy s | total s (process) | load average |")
    print("|---:|---:|---:|---:|---:|")
    per_thousand = []
    with tempfile.TemporaryDirectory() as folder:
        for columns in args.columns:
            path = Path(folder) / f"wide_{columns}.csv"
            write_table(path, columns, args.rows)
            figures = run(path)
            per_thousand.append(figures["read_s"] / columns * 1000)
            load = os.getloadavg()[0]
            print(f"| {columns:,} | {figures['read_s']} | {figures['policy_s']} | {figures['total_s']} | {load:.1f} |")
    if len(per_thousand) > 1:
        print(f"reading seconds per 1,000 columns, widest over narrowest: {per_thousand[-1] / per_thousand[0]:.2f}")


if __name__ == "__main__":
    main()
