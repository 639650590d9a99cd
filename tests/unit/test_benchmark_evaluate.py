"""The benchmark's exact-copy count (benchmarks/evaluate.py) compares values, not their spelling."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from evaluate import align, exact_copies  # noqa: E402


def _train() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": pd.Series([34, 51, 27], dtype="int64"),
            "income": [1200.5, 880.0, None],
            "plan": ["basic", "plus", None],
            "churned": [True, False, True],
        }
    )


def test_an_integer_row_written_back_as_floats_is_a_copy() -> None:
    train = _train()
    # engines write integers back as floats and booleans as text; align() reads them as the training types
    synthetic = align(
        pd.DataFrame(
            {
                "age": [34.0, 51.0, 40.0, 27.0],
                "income": [1200.5, 880.0, 880.0, None],
                "plan": ["basic", "plus", "plus", None],
                "churned": ["True", "False", "False", "True"],
            }
        ),
        train,
    )
    # rows 0, 1 and 3 equal training rows (row 3 with its nulls); row 2 differs in age
    assert exact_copies(train, synthetic) == 3


def test_rows_that_differ_in_one_column_are_not_copies() -> None:
    train = _train()
    synthetic = align(
        pd.DataFrame(
            {
                "age": [34, 51, 27],
                "income": [1200.5, 880.0, 0.0],
                "plan": ["basic", "premium", None],
                "churned": [False, False, True],
            }
        ),
        train,
    )
    assert exact_copies(train, synthetic) == 0


def test_the_benchmark_table_shows_mostlyai_qa_scores_only_where_they_were_computed() -> None:
    from run import markdown

    meta = {"date": "2026-12-04", "machine": "test", "threads": 1, "total_minutes": 1.0, "note": ""}
    scored = {
        "fit_seconds": 1.0,
        "sample_seconds": 0.1,
        "peak_rss_mb": 100,
        "quality": 0.9,
        "column_shapes": 0.9,
        "column_pair_trends": 0.9,
        "utility_ratio": 1.0,
        "synthetic_auc": 0.8,
        "real_auc": 0.8,
        "dcr_share": 0.5,
        "exact_copies": 0,
    }
    without = markdown([{"table": "t", "model": "vae", **scored}], meta)
    assert "mostlyai-qa" not in without

    qa = {
        "qa_accuracy": 0.8931,
        "qa_univariate": 0.9556,
        "qa_bivariate": 0.9036,
        "qa_trivariate": None,
        "qa_accuracy_max": 0.9349,
        "qa_dcr_share": 0.529,
        "qa_discriminator_auc": 0.887,
    }
    rows = [
        {"table": "t", "model": "vae", **scored, **qa},
        {"table": "t", "model": "gan", **scored, "qa_error": "ValueError: odd"},
    ]
    lines = markdown(rows, meta).splitlines()
    assert "| t | vae | 0.893 | 0.956 | 0.904 |  | 0.935 | 52.9% | 0.887 |" in lines
    assert "| t | gan | ValueError: odd |||||||" in lines
