"""Fit MOSTLY AI's open-source engine (TabularARGN) with its defaults and sample (its own venv)."""

from __future__ import annotations

import logging
import shutil
import warnings
from pathlib import Path

import pandas as pd
from _runner import Timer, arguments, import_torch_lazy_modules, report

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
args = arguments()
timer = Timer()
with timer.phase("import"):
    from mostlyai import engine

    import_torch_lazy_modules()
workspace = Path(args.workdir or "engine-ws")
shutil.rmtree(workspace, ignore_errors=True)
train = pd.read_parquet(args.train)
engine.set_random_state(args.seed)
with timer.phase("fit"):
    engine.split(workspace_dir=workspace, tgt_data=train, model_type="TABULAR")
    engine.analyze(workspace_dir=workspace)
    engine.encode(workspace_dir=workspace)
    engine.train(workspace_dir=workspace)
with timer.phase("sample"):
    engine.generate(workspace_dir=workspace, sample_size=args.rows)
    synthetic = pd.concat(pd.read_parquet(p) for p in sorted((workspace / "SyntheticData").glob("*.parquet")))
synthetic.to_parquet(args.out)
shutil.rmtree(workspace, ignore_errors=True)
report(timer)
