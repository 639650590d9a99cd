"""Fidelity of a generated text column (job titles, product names): real vs synthetic.

Text columns are not compared value by value with the categorical metrics (most of their values are
rare and generated, never copied), so their fidelity is measured on what a generated value should
keep:

* ``length_tvd``: total variation distance of the value-length distributions (characters);
* ``frequent_share``: the share of values that are frequent real values (seen at least
  ``rare_min_count`` times), real vs synthetic, and ``frequent_tvd``: the TVD over those values
  with every other value in one bucket;
* ``char_ngram_similarity``: cosine similarity of the character 3-gram counts;
* ``rare_real_share``: the share of synthetic values equal to a rare real value (a privacy check:
  twinforge's generators keep it at 0 against their training data);
* ``score``: the mean of ``1 - length_tvd``, ``1 - frequent_tvd`` and ``char_ngram_similarity``.

No value appears in the result: it holds numbers only.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import polars as pl

from twinforge.encoders.kinds import DEFAULT_RARE_MIN_COUNT
from twinforge.evaluation.columns import null_rate, pair

NGRAM = 3
MAX_LENGTH_BIN = 200  # longer values share the last length bin
MAX_NGRAM_VALUES = 20_000  # values per side whose n-grams are counted (a sample beyond)


def text_fidelity(
    real: pl.Series, synthetic: pl.Series, rare_min_count: int = DEFAULT_RARE_MIN_COUNT, seed: int = 0
) -> dict[str, Any]:
    """Fidelity measures of one text column (see the module docstring)."""
    real_values = real.drop_nulls().cast(pl.String)
    synthetic_values = synthetic.drop_nulls().cast(pl.String)
    counts = real_values.rename("value").value_counts()
    frequent = counts.filter(pl.col("count") >= rare_min_count).get_column("value")
    rare = counts.filter(pl.col("count") < rare_min_count).get_column("value")
    length_tvd = _tvd(_length_shares(real_values), _length_shares(synthetic_values))
    frequent_tvd = _tvd(_value_shares(real_values, frequent), _value_shares(synthetic_values, frequent))
    similarity = _cosine(_ngram_counts(real_values, seed), _ngram_counts(synthetic_values, seed))
    measures = [1.0 - length_tvd, 1.0 - frequent_tvd, similarity]
    return {
        "kind": "text",
        "metric": "text",
        "null_rate": pair(null_rate(real), null_rate(synthetic)),
        "n_distinct": pair(real_values.n_unique(), synthetic_values.n_unique()),
        "length_tvd": length_tvd,
        "mean_length": pair(_mean_length(real_values), _mean_length(synthetic_values)),
        "frequent_share": pair(_share_in(real_values, frequent), _share_in(synthetic_values, frequent)),
        "frequent_tvd": frequent_tvd,
        "char_ngram_similarity": similarity,
        "rare_real_share": _share_in(synthetic_values, rare),
        "score": float(np.mean(measures)),
    }


def _share_in(values: pl.Series, members: pl.Series) -> float:
    return float(values.is_in(members.implode()).mean()) if values.len() else 0.0


def _mean_length(values: pl.Series) -> float | None:
    return float(values.str.len_chars().mean()) if values.len() else None


def _length_shares(values: pl.Series) -> np.ndarray:
    lengths = np.minimum(values.str.len_chars().to_numpy(), MAX_LENGTH_BIN)
    counts = np.bincount(lengths, minlength=MAX_LENGTH_BIN + 1).astype(np.float64)
    return counts / counts.sum() if counts.sum() else counts


def _value_shares(values: pl.Series, frequent: pl.Series) -> np.ndarray:
    """Share of each frequent value (in ``frequent``'s order), then of all other values together."""
    counts = values.rename("value").value_counts()
    lookup = dict(zip(counts.get_column("value").to_list(), counts.get_column("count").to_list(), strict=True))
    shares = np.array([lookup.get(v, 0) for v in frequent.to_list()], dtype=np.float64)
    total = max(values.len(), 1)
    return np.append(shares, values.len() - shares.sum()) / total


def _tvd(p: np.ndarray, q: np.ndarray) -> float:
    return float(0.5 * np.abs(p - q).sum())


def _ngram_counts(values: pl.Series, seed: int) -> Counter[str]:
    if values.len() > MAX_NGRAM_VALUES:
        values = values.sample(MAX_NGRAM_VALUES, seed=seed)
    counts: Counter[str] = Counter()
    for value in values.to_list():
        padded = f" {value} "
        counts.update(padded[i : i + NGRAM] for i in range(len(padded) - NGRAM + 1))
    return counts


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    norm = np.sqrt(sum(c * c for c in a.values())) * np.sqrt(sum(c * c for c in b.values()))
    return float(dot / norm) if norm else 0.0
