"""Fit one twinforge generator with its defaults and sample (run in twinforge's environment)."""

from __future__ import annotations

import json

import polars as pl
from _runner import BUDGETED_TRANSFORMER, Timer, arguments, import_torch_lazy_modules, report

args = arguments()
timer = Timer()
with timer.phase("import"):
    from twinforge.generators import create_generator
    from twinforge.io.schema import infer_schema

    import_torch_lazy_modules()
train = pl.read_parquet(args.train)
# defaults, as for every engine: no column is named as the one to condition on...
params = json.loads(args.params)
model = args.model
if model == "transformer_target_last":  # ...except in the row showing what a pipeline with a target does
    model, params = "transformer", {"last_columns": [args.target], **params}
budget = BUDGETED_TRANSFORMER.fullmatch(model)
if budget:  # the transformer with a time budget of that many seconds (max_fit_seconds)
    model, params = "transformer", {"max_fit_seconds": float(budget.group(1)), **params}
generator = create_generator(model, seed=args.seed, **params)
with timer.phase("fit"):
    generator.fit(train, infer_schema(train))
with timer.phase("sample"):
    synthetic = generator.sample(args.rows, seed=args.seed + 1)
synthetic.write_parquet(args.out)
summary = {
    k: generator.fit_summary.get(k) for k in ("epochs_run", "best_epoch", "stopped_by") if k in generator.fit_summary
}
if "device" in generator.fit_summary:  # the neural models: where they trained, and its memory on a GPU
    summary["device"] = generator.fit_summary["device"]
    if "precision" in generator.fit_summary:  # the gan: its matrix products' dtype while training
        summary["precision"] = generator.fit_summary["precision"]
    if summary["device"].startswith("cuda"):
        import torch

        summary["cuda_peak_mb"] = round(torch.cuda.max_memory_allocated() / 2**20)
if "dp" in generator.fit_summary:  # a private fit: what it spent
    summary["dp_epsilon"] = generator.fit_summary["dp"]["epsilon"]
report(timer, **summary)
