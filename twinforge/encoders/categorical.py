"""Categorical columns (ColumnKind.CATEGORICAL, and TEXT when low-cardinality).

Categories are kept verbatim only when seen at least ``rare_min_count`` times
(a value seen once or twice is often identifying) and only up to
``max_categories`` levels, most frequent first. Everything else shares one
*rare bucket*:

* levels over the cap that are still frequent enough are stored with their
  counts and decoded in proportion to them;
* levels under ``rare_min_count`` (the *tail*) are never stored. The column's
  ``rare`` option says what their rows decode to: ``generate`` (the default)
  gives generated values that are never a rare real value, or frequent levels
  (:mod:`twinforge.encoders.tail`); ``rare_token`` the placeholder ``"_RARE_"``;
  ``null`` a null. A column that is not a string column never holds a generated
  string: the placeholder becomes null there.

The uniform representation gives each modelled level (and the rare bucket) an
interval as wide as its frequency, most frequent first, and encodes a value as
a uniform draw inside its interval.

A discrete kind (see :mod:`twinforge.encoders.kinds`): the level index of a
value is its modelled level, or the rare bucket (the last index); the functions
on continuous values do not apply.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import polars as pl

from twinforge.encoders import tail as _tail
from twinforge.encoders.common import (
    indices_to_uniform,
    interval_edges,
    null_share,
    position_in_interval,
    simple_dtype,
    uniform_to_indices,
)
from twinforge.encoders.kinds import (
    DEFAULT_MAX_CATEGORIES,  # noqa: F401  (imported from this module elsewhere)
    DEFAULT_OPTIONS,
    DEFAULT_RARE_MIN_COUNT,  # noqa: F401
    AnalyzeOptions,
    Stats,
    not_applicable,
)
from twinforge.io.schema import ColumnKind, ColumnSchema, dtype_name

NAME = "categorical"
# Text columns are encoded as categorical too when they have few distinct values (the table encoder decides).
COLUMN_KINDS = (ColumnKind.CATEGORICAL,)
IS_CONTINUOUS = False
RARE_PLACEHOLDER = "_RARE_"


def analyze(series: pl.Series, column: ColumnSchema, options: AnalyzeOptions = DEFAULT_OPTIONS) -> Stats:
    rare_min_count, max_categories = options.rare_min_count, options.max_categories
    counts = (
        series.cast(pl.String)
        .alias("value")
        .drop_nulls()
        .value_counts(name="count")
        .sort(["count", "value"], descending=[True, False])  # ties broken by value: deterministic
    )
    values, frequencies = counts.get_column("value").to_list(), counts.get_column("count").to_list()
    frequent = sum(1 for c in frequencies if c >= rare_min_count)
    kept = min(frequent, max_categories)
    string_column = series.dtype in (pl.String, pl.Categorical, pl.Enum)
    tail = _tail.analyze_tail(
        values[frequent:],
        frequencies[frequent:],
        options.rare,
        string_column=string_column,
        has_frequent=kept > 0,
        seed=(options.seed, zlib.crc32(column.name.encode())),
    )
    # An Enum comes back as one when no row has a level too rare to keep: an Enum of its kept levels (stored
    # anyway) in their declared order. A category no row had is never stored (it may be a real value, such as
    # a name); with rare rows the column comes back as text.
    enum = list(series.dtype.categories) if isinstance(series.dtype, pl.Enum) else None
    levels = set(values[:kept])
    return {
        "null_share": null_share(series),
        "dtype": dtype_name(series.dtype),
        **({"enum_categories": [c for c in enum if c in levels]} if enum is not None and kept == len(values) else {}),
        "categories": values[:kept],
        "counts": [int(c) for c in frequencies[:kept]],
        "rare": {
            "categories": values[kept:frequent],
            "counts": [int(c) for c in frequencies[kept:frequent]],
            "suppressed_count": int(sum(frequencies[frequent:])),
        },
        "tail": tail,
    }


def to_uniform(series: pl.Series, stats: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """Map values into (0, 1); nulls give NaN. Values not among the modelled levels go to the rare bucket."""
    u = np.full(series.len(), np.nan)
    indices = to_indices(series, stats)
    present = indices >= 0
    u[present] = indices_to_uniform(indices[present], _edges(stats), rng)
    return u


# --- the index representation (GAN, VAE one-hots; transformer tokens) ---


def n_levels(stats: dict[str, Any]) -> int:
    """Number of indices: the modelled levels, then the rare bucket."""
    return len(stats["categories"]) + 1


def level_shares(stats: dict[str, Any]) -> np.ndarray:
    """Training frequency of each index (sums to 1; all zero for an all-null column)."""
    edges = _edges(stats)
    return np.diff(edges) if sum(stats["counts"]) + _rare_count(stats) > 0 else np.zeros(n_levels(stats))


def to_indices(series: pl.Series, stats: dict[str, Any]) -> np.ndarray:
    """Level index per value (the rare bucket for unmodelled values), -1 for nulls."""
    rare_index = len(stats["categories"])
    indices = series.cast(pl.String).replace_strict(
        stats["categories"], list(range(rare_index)), default=rare_index, return_dtype=pl.Int64
    )
    return indices.fill_null(0).to_numpy().copy() * series.is_not_null().to_numpy() - series.is_null().to_numpy()


def from_indices(
    indices: np.ndarray, stats: dict[str, Any], column: ColumnSchema, rng: np.random.Generator
) -> pl.Series:
    """Level indices back to values (-1 gives null; the rare bucket draws a stored rare level by count)."""
    indices = np.asarray(indices, dtype=np.int64)
    u = np.full(indices.shape, np.nan)
    present = indices >= 0
    u[present] = indices_to_uniform(indices[present], _edges(stats), rng)
    return from_uniform(u, stats, column)


def levels(stats: Stats) -> list[Any]:
    """The modelled categories, by index (the rare bucket, last, has no value of its own)."""
    return stats["categories"]


def index_of(value: Any, stats: dict[str, Any]) -> int | None:
    """Index of a modelled level, or None when the value is not one (rare, suppressed or unseen)."""
    try:
        return stats["categories"].index(str(value))
    except ValueError:
        return None


def from_uniform(u: np.ndarray, stats: dict[str, Any], column: ColumnSchema) -> pl.Series:
    """Map uniforms back to categories of the original dtype; NaN gives null."""
    u = np.asarray(u, dtype=np.float64)
    missing = np.isnan(u)
    edges = _edges(stats)
    indices = uniform_to_indices(np.where(missing, 0.0, u), edges)

    # Levels in decoding order: modelled levels, the rare bucket's stored levels, the tail (the placeholder).
    rare = stats["rare"]
    levels = [*stats["categories"], *rare["categories"], RARE_PLACEHOLDER]
    rare_index = len(stats["categories"])
    rare_weights = [*rare["counts"], rare["suppressed_count"]]
    in_rare = (indices == rare_index) & ~missing
    tail_position = np.zeros(0)
    if in_rare.any() and sum(rare_weights) > 0:
        # The position inside the rare bucket's interval picks a level in proportion to its count ...
        position = position_in_interval(u[in_rare], indices[in_rare], edges)
        rare_edges = interval_edges(rare_weights)
        choice = uniform_to_indices(position, rare_edges)
        indices[in_rare] = rare_index + choice
        # ... and the position inside the tail's interval picks the tail's value.
        in_tail = choice == len(rare_weights) - 1
        tail_position = position_in_interval(position[in_tail], choice[in_tail], rare_edges)

    decoded = pl.Series(column.name, levels, dtype=pl.String).gather(indices.astype(np.uint32))
    if missing.any():
        decoded = decoded.scatter(np.flatnonzero(missing), None)
    if "tail" in stats and tail_position.size:  # models saved before the tail was generated keep the placeholder
        decoded = decoded.scatter(
            np.flatnonzero((indices == len(levels) - 1) & ~missing),
            pl.Series(_tail_values(tail_position, stats), dtype=pl.String),
        )
    return _restore_dtype(decoded, stats)


def _tail_values(position: np.ndarray, stats: dict[str, Any]) -> list[str | None]:
    """What rows of the rare tail decode to, from their position (0..1) inside the tail's interval."""
    tail = stats["tail"]
    source = tail["source"]
    if source == "pool":
        pool = tail["values"]
        return [pool[i] for i in np.minimum((position * len(pool)).astype(np.int64), len(pool) - 1)]
    if source == "frequent":
        chosen = uniform_to_indices(position, interval_edges(stats["counts"]))
        return [stats["categories"][i] for i in chosen]
    if source == "null":
        return [None] * len(position)
    return [RARE_PLACEHOLDER] * len(position)


def condition_key(column: pl.Expr) -> pl.Expr:
    return column.cast(pl.String)


# --- functions on continuous values: not for a discrete kind ---


def values_of(series: pl.Series) -> np.ndarray:
    raise not_applicable(NAME, "values_of")


def from_values(values: np.ndarray, stats: Stats, column: ColumnSchema) -> pl.Series:
    raise not_applicable(NAME, "from_values")


def number_of(value: Any, stats: Stats, column: ColumnSchema) -> float:
    raise not_applicable(NAME, "number_of")


def _rare_count(stats: dict[str, Any]) -> int:
    return sum(stats["rare"]["counts"]) + stats["rare"]["suppressed_count"]


def _edges(stats: dict[str, Any]) -> np.ndarray:
    counts = [*stats["counts"], _rare_count(stats)]
    if sum(counts) == 0:  # nothing but nulls seen: any draw is the (empty) rare bucket
        counts[-1] = 1
    return interval_edges(counts)


def _restore_dtype(decoded: pl.Series, stats: dict[str, Any]) -> pl.Series:
    """Cast back to the original dtype where the stats can say it (strings, categoricals, numbers, an Enum of
    the kept levels when no row had a rarer one)."""
    if stats["dtype"] == "Categorical":
        return decoded.cast(pl.Categorical)
    if stats.get("enum_categories") is not None:  # every value decoded is one of them: no rare rows
        return decoded.cast(pl.Enum(stats["enum_categories"]))
    dtype = simple_dtype(stats["dtype"])
    if dtype is not None and dtype.is_numeric():
        return decoded.cast(dtype, strict=False)  # the placeholder becomes null here
    return decoded  # String, and types a string cannot be cast back to (other Enums, dates): stay String
