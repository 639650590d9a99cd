"""Reproducible train / holdout split: the holdout is never seen by a generator."""

from __future__ import annotations

import numpy as np
import polars as pl


def split_train_holdout(df: pl.DataFrame, holdout_fraction: float, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    if not 0.0 < holdout_fraction < 1.0:
        raise ValueError(f"holdout_fraction must be between 0 and 1, got {holdout_fraction}")
    n_holdout = int(round(df.height * holdout_fraction))
    if df.height < 2 or n_holdout == 0 or n_holdout == df.height:
        raise ValueError(
            f"cannot split {df.height} rows with holdout_fraction={holdout_fraction}: both parts need rows"
        )
    order = np.random.default_rng(seed).permutation(df.height)
    is_holdout = np.zeros(df.height, dtype=bool)
    is_holdout[order[:n_holdout]] = True
    mask = pl.Series(is_holdout)
    return df.filter(~mask), df.filter(mask)
