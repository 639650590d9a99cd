"""Tokens: the representation the transformer learns from, one token per column (two for a number
with ``fine_bins``).

Continuous values become quantile bins (equal-width bins of the empirical CDF, i.e. of the kind
module's uniforms) and come back as a draw from the training distribution inside their bin;
discrete values are their level index; null is the last token of a column that had nulls.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from twinforge.encoders.columns import EncodedColumn, require_columns

DEFAULT_BINS = 100


def token_layout(columns: list[EncodedColumn], bins: int = DEFAULT_BINS, fine_bins: int = 1) -> list[tuple[str, int]]:
    """``(column, vocabulary size)`` of each token of a row, in the columns' order.

    A continuous column with values has a coarse token (its quantile bin, or null) and,
    with ``fine_bins > 1``, a fine token: the sub-bin inside the coarse bin. Every other
    column has one token.
    """
    layout = []
    for c in columns:
        layout.append((c.name, c.n_tokens(bins)))
        if c.is_continuous and c.has_values and fine_bins > 1:
            layout.append((c.name, fine_bins))
    return layout


def token_ordinals(columns: list[EncodedColumn], bins: int = DEFAULT_BINS, fine_bins: int = 1) -> list[int]:
    """For each token of :func:`token_layout`, how many of its leading values are ordered (quantile
    bins and sub-bins of a number; 0 for levels of a category, whose order means nothing). A null
    token comes after the ordered ones."""
    ordinals = []
    for c in columns:
        ordered = c.is_continuous and c.has_values
        ordinals.append(bins if ordered else 0)
        if ordered and fine_bins > 1:
            ordinals.append(fine_bins)
    return ordinals


def to_tokens(
    columns: list[EncodedColumn],
    df: pl.DataFrame,
    rng: np.random.Generator,
    bins: int = DEFAULT_BINS,
    fine_bins: int = 1,
) -> np.ndarray:
    """Encode ``df`` as an int64 matrix with one column per token of :func:`token_layout`."""
    require_columns(columns, df)
    parts = [column_tokens(c, df.get_column(c.name), rng, bins, fine_bins) for c in columns]
    return np.concatenate(parts, axis=1) if parts else np.empty((df.height, 0), dtype=np.int64)


def column_tokens(
    c: EncodedColumn, series: pl.Series, rng: np.random.Generator, bins: int = DEFAULT_BINS, fine_bins: int = 1
) -> np.ndarray:
    """One column's tokens, ``(rows, 1 or 2)``."""
    if not c.is_continuous:
        return c.level_indices(series)[:, None]
    if not c.has_values:
        return np.zeros((series.len(), 1), dtype=np.int64)
    u = c.module.to_uniform(series, c.stats, rng)
    is_null = np.isnan(u)
    scaled = np.clip(np.nan_to_num(u) * bins, 0, bins - 1e-9)
    coarse = np.where(is_null, bins, np.floor(scaled)).astype(np.int64)
    if fine_bins <= 1:
        return coarse[:, None]
    fine = np.where(is_null, 0, np.floor((scaled - np.floor(scaled)) * fine_bins)).astype(np.int64)
    return np.column_stack([coarse, np.clip(fine, 0, fine_bins - 1)])


def from_tokens(
    columns: list[EncodedColumn],
    tokens: np.ndarray,
    rng: np.random.Generator,
    bins: int = DEFAULT_BINS,
    fine_bins: int = 1,
) -> pl.DataFrame:
    """Decode tokens; a (sub-)bin becomes a draw from the training distribution inside it."""
    tokens = np.asarray(tokens)
    width = len(token_layout(columns, bins, fine_bins))
    if tokens.ndim != 2 or tokens.shape[1] != width:
        raise ValueError(f"expected a matrix with {width} token columns, got shape {tokens.shape}")
    decoded, j = [], 0
    for c in columns:
        t = tokens[:, j]
        j += 1
        if c.is_continuous:
            if c.has_values:
                position = rng.random(len(t))
                if fine_bins > 1:
                    position = (tokens[:, j] + position) / fine_bins
                    j += 1
                u = (t + position) / bins
                u[t >= bins] = np.nan
            else:
                u = np.full(len(t), np.nan)
            decoded.append(c.module.from_uniform(u, c.stats, c.column))
        else:
            decoded.append(c.decode_levels(t, rng))
    # by name: a list of series renames a column called "" to polars' column_<position>
    return pl.DataFrame({series.name: series for series in decoded})
