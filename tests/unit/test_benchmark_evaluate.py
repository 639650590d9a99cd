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
