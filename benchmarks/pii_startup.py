"""Benchmark: what a fresh process pays before its first PII detection and masking, with the word-list cache
cold (lists built from Faker, wordfreq and the shipped lists) and warm (read back; twinforge.privacy.pii.disk_cache).

    python benchmarks/pii_startup.py [--runs 3]

Each run is a new Python process that imports twinforge, detects PII in a 60-row table of two columns and masks
its text column; it prints the seconds and CPU seconds of that, cold then warm, as medians over the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _machine import describe as describe_machine
from _machine import load_average

REPO = Path(__file__).resolve().parents[1]

CHILD = """
import json, time, resource
started = time.perf_counter()
import polars as pl
from twinforge.privacy.pii import mask_text
from twinforge.privacy.pii.detect import detect_pii
table = pl.DataFrame({"note": ["Called Ana Lopez on 555-123-4567", "no answer"] * 30, "who": ["Ana", "Bob"] * 30})
detect_pii(table)
mask_text(table["note"])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - started, "cpu": usage.ru_utime + usage.ru_stime}))
"""


def run_once(cache: Path) -> dict:
    env = {**os.environ, "TWINFORGE_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cold, warm = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            cold.append(run_once(Path(tmp)))  # an empty cache folder: every list is built (and written)
            warm.append(run_once(Path(tmp)))  # the lists just written are read back
    print(f"machine: {describe_machine()}, {load_average()}")
    for label, runs in (("cold cache", cold), ("warm cache", warm)):
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        print(
            f"{label}: first detection + masking in a new process {seconds:.2f} s, {cpu:.2f} CPU s (median of {args.runs})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
