"""Benchmark: ingest and anonymize 1M rows x 20 columns from Parquet; prints rows/s and peak RSS.

    python benchmarks/ingest_anonymize.py [--rows 1000000] [--keep FILE]

Target (issue 3, on the 2-core development machine): 1M rows in under 30 s, peak RSS under 4 GiB.
The table is generated first in a separate process (not timed, not in the peak), then a fresh
process runs what the pipeline's ingest step runs: read and type the Parquet batch
(twinforge.io.ingest), detect PII, apply the policy (drop, HMAC pseudonymisation, generalization,
masking of a free-text column) and measure k-anonymity (twinforge.privacy.anonymize.anonymize_table).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from _machine import describe as describe_machine  # noqa: E402


def generate(rows: int, path: Path, seed: int = 0) -> None:
    import numpy as np
    import polars as pl

    from twinforge.privacy.pii.recognizers import name_lists

    rng = np.random.default_rng(seed)
    first, last = (np.array(sorted(n)) for n in name_lists())
    f = pl.Series(first[rng.integers(0, len(first), rows)]).str.to_titlecase()
    l = pl.Series(last[rng.integers(0, len(last), rows)]).str.to_titlecase()
    digits = lambda lo, hi: pl.Series(rng.integers(lo, hi, rows)).cast(pl.String)
    ids = pl.Series(np.arange(rows) + 10_000_000)

    def cat(*parts):
        return pl.select(pl.concat_str([pl.lit(p) for p in parts])).to_series()

    table = pl.DataFrame(
        {
            "customer_id": ids,
            "first_name": f,
            "last_name": l,
            "email": cat(f.str.to_lowercase(), ".", l.str.to_lowercase(), ids.cast(pl.String), "@example.com"),
            "phone": cat("(", digits(201, 990), ") ", digits(200, 999), "-", digits(1000, 9999)),
            "ssn": cat(digits(100, 665), "-", digits(10, 99), "-", digits(1000, 9999)),
            "ip": cat(digits(11, 223), ".", digits(0, 255), ".", digits(0, 255), ".", digits(1, 254)),
            "date_of_birth": pl.Series(
                np.datetime64("1940-01-01") + rng.integers(0, 365 * 65, rows).astype("timedelta64[D]")
            ),
            "zip": pl.Series(rng.integers(1000, 99999, rows)).cast(pl.String).str.zfill(5),
            "age": pl.Series(rng.integers(18, 95, rows)),
            "gender": pl.Series(rng.choice(["female", "male", "other"], rows, p=[0.49, 0.49, 0.02])),
            "state": pl.Series(rng.choice(["CA", "NY", "TX", "FL", "WA", "MA", "IL", "OH"], rows)),
            "plan": pl.Series(rng.choice(["basic", "plus", "premium", "family"], rows)),
            "balance": pl.Series(np.round(rng.lognormal(6, 1.2, rows), 2)),
            "visits": pl.Series(rng.poisson(4, rows)),
            "churned": pl.Series(rng.random(rows) < 0.12),
            "signup": pl.Series(np.datetime64("2018-01-01") + rng.integers(0, 2500, rows).astype("timedelta64[D]")),
            "score": pl.Series(rng.normal(600, 80, rows)),
            "channel": pl.Series(rng.choice(["web", "store", "phone", "partner"], rows)),
        }
    )
    table = table.with_columns(
        notes=pl.concat_str(
            [
                pl.lit("Called "),
                pl.col("first_name"),
                pl.lit(" "),
                pl.col("last_name"),
                pl.lit(" about plan "),
                pl.col("plan"),
                pl.lit("; call back on "),
                pl.col("phone"),
                pl.lit(" or mail "),
                pl.col("email"),
                pl.lit("."),
            ]
        )
    )
    assert table.width == 20, table.width
    table.write_parquet(path)


def measure(path: Path) -> dict:
    import polars as pl

    from twinforge.config.spec import parse_spec
    from twinforge.io.ingest import ingest_source
    from twinforge.privacy.anonymize import anonymize_table, pseudonym_key_from_env

    spec = parse_spec(
        {
            "name": "bench",
            "source": {"path": str(path)},
            "columns": {
                "customer_id": {"role": "identifier", "anonymize": "pseudonymize"},
                "age": {"role": "quasi_identifier", "anonymize": "generalize", "generalize": {"band": 10, "top": 90}},
                "gender": {"role": "quasi_identifier"},
                "state": {"role": "quasi_identifier"},
            },
        }
    )
    started = time.perf_counter()
    ingested = ingest_source(spec.source, spec.columns, spec.ingest)
    read_s = time.perf_counter() - started
    result = anonymize_table(
        ingested.table, spec.columns, spec.privacy, key=pseudonym_key_from_env(), schema=ingested.schema
    )
    total_s = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kib = usage.ru_maxrss
    assert result.table.height == ingested.rows_in
    return {
        "rows": ingested.rows_in,
        "columns": ingested.table.width,
        "out_columns": result.table.width,
        "read_s": round(read_s, 2),
        "total_s": round(total_s, 2),
        "rows_per_s": round(ingested.rows_in / total_s),
        "peak_rss_gib": round(peak_kib / 1024 / 1024, 2),
        # CPU seconds of the whole process (imports included): less sensitive to other jobs than wall time
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "policy": {c: a.action for c, a in result.policy.items()},
        "polars_threads": pl.thread_pool_size(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)  # internal: the data-making child
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # internal: the timed child process
    args = parser.parse_args()
    if args.generate:
        generate(args.rows, args.generate)
        return 0
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    env = {
        **os.environ,
        "TWINFORGE_PSEUDONYM_KEY": os.environ.get("TWINFORGE_PSEUDONYM_KEY", "benchmark-key-" + "0123456789abcdef" * 2),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.parquet"
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--generate", str(path), "--rows", str(args.rows)], check=True, env=env
        )
        print(
            f"generated {args.rows:,} rows x 20 columns ({path.stat().st_size / 2**20:.0f} MiB Parquet) "
            f"in {time.perf_counter() - t:.1f} s",
            file=sys.stderr,
        )
        load_before = os.getloadavg()[0]
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(path)], check=True, env=env, capture_output=True, text=True
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"machine: {describe_machine()}; date {dt.datetime.now().isoformat(timespec='minutes')}")
    print(
        f"ingest + anonymize {figures['rows']:,} rows x {figures['columns']} columns from Parquet: "
        f"{figures['total_s']} s (read+type {figures['read_s']} s), {figures['rows_per_s']:,} rows/s, "
        f"peak RSS {figures['peak_rss_gib']} GiB; CPU {figures['cpu_s']} s; load average before "
        f"{load_before:.2f}, after {figures['load_average_1min']:.2f} (1 min)"
    )
    print(f"policy: {figures['policy']}")
    target = figures["total_s"] < 30 and figures["peak_rss_gib"] < 4
    print(f"target (1M rows < 30 s, peak RSS < 4 GiB): {'met' if target else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
