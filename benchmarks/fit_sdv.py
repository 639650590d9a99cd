"""Fit an SDV reference synthesizer with its defaults and sample (run in the SDV venv)."""

from __future__ import annotations

import warnings

import pandas as pd

from _runner import Timer, arguments, report

warnings.filterwarnings("ignore")
args = arguments()
timer = Timer()
with timer.phase("import"):
    from sdv.metadata import Metadata
    from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer
train = pd.read_parquet(args.train)
metadata = Metadata.detect_from_dataframes({"table": train}).get_table_metadata("table") if hasattr(Metadata, "get_table_metadata") else Metadata.detect_from_dataframes({"table": train})
cls = {"sdv_gaussian_copula": GaussianCopulaSynthesizer, "sdv_ctgan": CTGANSynthesizer, "sdv_tvae": TVAESynthesizer}[args.model]
synthesizer = cls(metadata)
synthesizer.set_random_state(args.seed) if hasattr(synthesizer, "set_random_state") else None
with timer.phase("fit"):
    synthesizer.fit(train)
with timer.phase("sample"):
    synthetic = synthesizer.sample(args.rows)
synthetic.to_parquet(args.out)
report(timer)
