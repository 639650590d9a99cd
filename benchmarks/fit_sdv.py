"""Fit an SDV reference synthesizer with its defaults and sample (run in the SDV venv)."""

from __future__ import annotations

import warnings

import pandas as pd
from _runner import Timer, arguments, import_torch_lazy_modules, report

warnings.filterwarnings("ignore")
args = arguments()
timer = Timer()
with timer.phase("import"):
    from _sdv_metadata import table_metadata
    from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer

    import_torch_lazy_modules()
train = pd.read_parquet(args.train)
metadata = table_metadata(train)
cls = {"sdv_gaussian_copula": GaussianCopulaSynthesizer, "sdv_ctgan": CTGANSynthesizer, "sdv_tvae": TVAESynthesizer}[
    args.model
]
synthesizer = cls(metadata)
if hasattr(synthesizer, "set_random_state"):
    synthesizer.set_random_state(args.seed)
with timer.phase("fit"):
    synthesizer.fit({"table": train})  # SDV 2 takes {table name: frame} even for one table
with timer.phase("sample"):
    synthetic = synthesizer.sample(args.rows)
    synthetic = synthetic["table"] if isinstance(synthetic, dict) else synthetic
synthetic.to_parquet(args.out)
report(timer)
