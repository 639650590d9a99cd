"""Reproducible train / holdout split: the holdout is never seen by a generator.

Rows are split by record, not by row: identical rows (a record sent twice, in one
batch or in two) and, where the spec names a record key, all rows of one key land on
the same side, so no training record reappears in the holdout and inflates the
exact-match and distance-to-closest-record measures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl


def record_groups(df: pl.DataFrame, key: Sequence[str] = ()) -> np.ndarray:
    """A group number per row, numbered by first appearance: equal ``key`` values (every column when
    ``key`` is empty) share a group."""
    missing = [c for c in key if c not in df.columns]
    if missing:
        raise ValueError(f"split.record_key names columns that are not in the table: {missing}")
    keys = df.select(list(key)) if key else df
    # two independent 64-bit row hashes: equal rows always agree, a collision of both is negligible
    hashes = np.stack([keys.hash_rows(seed=0).to_numpy(), keys.hash_rows(seed=1).to_numpy()], axis=1)
    _, first, inverse = np.unique(hashes, axis=0, return_index=True, return_inverse=True)
    order_of_first = np.argsort(np.argsort(first))
    return order_of_first[inverse.ravel()]


def split_train_holdout(
    df: pl.DataFrame, holdout_fraction: float, seed: int, *, record_key: Sequence[str] = ()
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """About ``holdout_fraction`` of the records (see the module docstring) as holdout, the rest as train.

    Groups are drawn in a seeded random order until the holdout has its share of rows; on a
    table of distinct rows this is a plain seeded row split.
    """
    if not 0.0 < holdout_fraction < 1.0:
        raise ValueError(f"holdout_fraction must be between 0 and 1, got {holdout_fraction}")
    n_holdout = int(round(df.height * holdout_fraction))
    if df.height < 2 or n_holdout == 0 or n_holdout == df.height:
        raise ValueError(
            f"cannot split {df.height} rows with holdout_fraction={holdout_fraction}: both parts need rows"
        )
    group = record_groups(df, record_key)
    sizes = np.bincount(group)
    order = np.random.default_rng(seed).permutation(sizes.size)
    taken = int(np.searchsorted(np.cumsum(sizes[order]), n_holdout)) + 1  # groups until the share is reached
    if taken >= sizes.size:
        what = f"values of {list(record_key)}" if record_key else "distinct rows"
        raise ValueError(f"cannot split {df.height} rows: they hold too few {what} to leave any for training")
    is_holdout = np.zeros(sizes.size, dtype=bool)
    is_holdout[order[:taken]] = True
    mask = pl.Series(is_holdout[group])
    return df.filter(~mask), df.filter(mask)


def repeated_rows(batches: dict[str, pl.DataFrame]) -> dict[str, dict[str, int]]:
    """Per batch (in the given order): rows identical to another row of the same batch, and rows identical
    to a row of an earlier batch."""
    seen: set[tuple[int, int]] = set()
    out = {}
    for batch_id, frame in batches.items():
        pairs = list(zip(frame.hash_rows(seed=0).to_list(), frame.hash_rows(seed=1).to_list()))
        earlier = sum(p in seen for p in pairs)
        out[batch_id] = {
            "rows": frame.height,
            "repeated_within": len(pairs) - len(set(pairs)),
            "repeated_earlier": earlier,
        }
        seen.update(pairs)
    return out
