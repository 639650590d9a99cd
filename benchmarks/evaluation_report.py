"""Benchmark: the whole quality report (every metric, gates, HTML + JSON) for 100k x 20 synthetic rows.

    python benchmarks/evaluation_report.py [--rows 100000] [--threads N] [--repeat 1]

Target (issue 5, on the 2-core development machine): under a minute. The real table (train 100k +
holdout 25k rows, 20 columns: 8 numeric, 1 datetime, 10 categorical, a categorical target, with
dependence between them) and the synthetic one (a Gaussian copula fitted on train, 100k rows) are
made first, untimed; then ``evaluate`` + ``write_report_html`` + ``write_report_json`` are timed,
with the seconds per section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from _machine import describe as describe_machine  # noqa: E402
from _machine import load_average  # noqa: E402


def real_table(rows: int, seed: int):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    age = rng.integers(18, 95, rows)
    income = np.round(rng.lognormal(10 + 0.01 * (age - 50), 0.6, rows), 2)
    region = rng.choice([f"region_{i:02d}" for i in range(40)], rows)
    plan = np.where(income > 30_000, rng.choice(["premium", "plus"], rows), rng.choice(["basic", "plus"], rows))
    tenure = np.clip(np.round(rng.gamma(2, 2, rows) + (age - 18) / 20, 1), 0, None)
    calls = rng.poisson(1 + (plan == "basic") * 2, rows)
    churn_score = -1.5 + 0.4 * calls - 0.15 * tenure + 0.5 * (plan == "basic") + rng.normal(0, 1, rows)
    columns = {
        "age": age,
        "income": income,
        "tenure_years": tenure,
        "support_calls": calls,
        "monthly_spend": np.round(income / 400 + rng.normal(0, 10, rows), 2),
        "data_gb": np.round(rng.gamma(3, 5, rows), 1),
        "late_payments": rng.poisson(0.3, rows),
        "discount": np.where(rng.random(rows) < 0.1, None, np.round(rng.random(rows) * 30, 1)),
        "region": region,
        "plan": plan,
        "channel": rng.choice(["web", "shop", "phone", "partner"], rows),
        "device": rng.choice(["ios", "android", "none"], rows, p=[0.4, 0.5, 0.1]),
        "gender": rng.choice(["female", "male", "other"], rows, p=[0.49, 0.49, 0.02]),
        "contract": np.where(tenure > 4, "two_year", rng.choice(["monthly", "one_year"], rows)),
        "payment": rng.choice(["card", "transfer", "cash"], rows),
        "segment": np.where(income > 40_000, "affluent", np.where(age > 65, "senior", "mass")),
        "language": rng.choice(["en", "fr", "de", "es", "it"], rows),
        "has_family_plan": rng.random(rows) < 0.3,
        "churned": np.where(churn_score > 0, "yes", "no"),
    }
    table = pl.DataFrame(columns).with_columns(
        signup=pl.lit(dt.date(2015, 1, 1)) + pl.duration(days=pl.Series(rng.integers(0, 3650, rows)))
    )
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="synthetic (and training) rows")
    parser.add_argument("--threads", type=int, default=None, help="OpenMP/BLAS threads (default: half the cores)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    from twinforge.evaluation import QualitySpec, evaluate, write_report_html, write_report_json
    from twinforge.generators import create_generator
    from twinforge.io.schema import infer_schema

    started = time.perf_counter()
    real = real_table(args.rows + args.rows // 4, seed=0)
    train, holdout = real.head(args.rows), real.tail(args.rows // 4)
    schema = infer_schema(train)
    synthetic = create_generator("copula", seed=1).fit(train, schema).sample(args.rows, seed=2)
    print(
        f"data: train {train.height:,} x {train.width}, holdout {holdout.height:,}, synthetic {synthetic.height:,} "
        f"(copula), prepared in {time.perf_counter() - started:.1f} s (not timed below)"
    )
    quality = QualitySpec(threads=args.threads)
    print(
        f"machine: {describe_machine()}; {dt.datetime.now().isoformat(timespec='minutes')}; "
        f"threads {quality.thread_limit()}; {load_average()} (other work on the machine makes figures noisy)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for attempt in range(args.repeat):
            t0 = time.perf_counter()
            report = evaluate(train, holdout, synthetic, schema, target="churned", quality=quality)
            t1 = time.perf_counter()
            html = write_report_html(report, Path(tmp) / "quality.html", title="benchmark")
            write_report_json(report, Path(tmp) / "quality.json")
            total = time.perf_counter() - t0
            sections = ", ".join(f"{k} {v:.1f}" for k, v in report.timings_seconds.items())
            print(
                f"run {attempt + 1}: total {total:.1f} s (evaluate {t1 - t0:.1f} s: {sections}; "
                f"html+json {total - (t1 - t0):.1f} s; page {html.stat().st_size / 1e6:.2f} MB) "
                f"-> {'under' if total < 60 else 'OVER'} a minute; gates passed: {report.passed}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
