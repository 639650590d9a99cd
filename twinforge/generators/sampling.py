"""Conditional sampling for every generator: conditions, rebalancing, bounded rejection.

``Generator.sample(n, conditions=..., rebalance=...)`` checks its requests here
(:func:`normalize_conditions`, :func:`rebalance_shares`: a request that cannot be
met raises :class:`ConditionError`), then, unless the sample is plain, draws it
with :func:`conditional_chunks`: a chunk is split into *parts* of exact row
counts (one per rebalanced value, one for the rest), and each part's rows come
from the model's ``_generate`` with the part's conditions (which the model
honours natively where it can) and are filtered, drawing again until enough
rows match or a budget of draws is spent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import polars as pl

from twinforge.encoders import TableEncoder

# Conditional sampling falls back on rejection for what a model cannot condition on natively,
# but draws at most this many rows per row asked for (and at least REJECTION_MIN_ROWS) before giving up.
REJECTION_FACTOR = 50
REJECTION_MIN_ROWS = 20_000

# A model's ``_generate(n, seed, chunk_rows, conditions)``: decoded chunks, ``n`` rows in all.
Generate = Callable[[int, int, int, Mapping[str, Any] | None], Iterator[pl.DataFrame]]


class ConditionError(ValueError):
    """A sampling condition the model cannot meet (unknown level, out of range, too rare to generate)."""


class Rebalance(NamedTuple):
    """A checked rebalance request: ``values`` of ``column`` get ``shares``, the other levels ``rest``."""

    column: str
    values: list[Any]
    shares: list[float]
    rest: float


@dataclass(frozen=True)
class _Part:
    """Rows of a sample that share fixed values (and values to exclude, for the rest of a rebalance)."""

    rows: int
    fixed: dict[str, Any]
    excluded: dict[str, list[Any]]


def normalize_conditions(encoder: TableEncoder, conditions: Mapping[str, Any] | None) -> dict[str, Any]:
    """Canonical condition values (:meth:`TableEncoder.normalize_condition`); ConditionError if one cannot be met."""
    if not conditions:
        return {}
    if not isinstance(conditions, Mapping):
        raise ConditionError(f"conditions must map column names to values, got {type(conditions).__name__}")
    try:
        return {name: encoder.normalize_condition(name, value) for name, value in conditions.items()}
    except ValueError as error:
        raise ConditionError(str(error)) from None


def rebalance_shares(
    encoder: TableEncoder, rebalance: Mapping[str, Mapping[Any, float]] | None, fixed: Mapping[str, Any]
) -> Rebalance | None:
    """The checked rebalance request; ``rest`` goes to the levels it does not name."""
    if not rebalance:
        return None
    if not isinstance(rebalance, Mapping) or len(rebalance) != 1:
        raise ConditionError("rebalance takes exactly one column: {column: {value: share, ...}}")
    column, requested = next(iter(rebalance.items()))
    if column in fixed:
        raise ConditionError(f"column {column!r} is both fixed by a condition and rebalanced")
    try:
        encoded = encoder.column(column)
    except ValueError as error:
        raise ConditionError(str(error)) from None
    if encoded.is_continuous:
        raise ConditionError(f"rebalance needs a categorical or boolean column; {column!r} is {encoded.encoder}")
    if not isinstance(requested, Mapping) or not requested:
        raise ConditionError(f"rebalance of {column!r} needs {{value: share, ...}}, got {requested!r}")
    values, shares = [], []
    for value, share in requested.items():
        canonical = normalize_conditions(encoder, {column: value})[column]
        if canonical in values:
            raise ConditionError(f"rebalance of {column!r} names the value {value!r} twice")
        if not isinstance(share, (int, float)) or not 0.0 <= share <= 1.0:
            raise ConditionError(f"rebalance share of {column}={value!r} must be between 0 and 1, got {share!r}")
        values.append(canonical)
        shares.append(float(share))
    rest = 1.0 - sum(shares)
    if rest < -1e-9:
        raise ConditionError(f"rebalance shares of {column!r} add up to {sum(shares):.4g}, more than 1")
    rest = max(rest, 0.0)
    training_shares = encoded.discrete_shares()
    requested_indices = {encoder.discrete_index(column, v) for v in values}
    others = sum(share for i, share in enumerate(training_shares) if i not in requested_indices)
    if rest > 1e-9 and others <= 0:
        raise ConditionError(
            f"rebalance shares of {column!r} add up to {1 - rest:.4g}, but the column has no other level "
            "to fill the rest with"
        )
    return Rebalance(column, values, shares, rest)


def conditional_chunks(
    generate: Generate,
    encoder: TableEncoder,
    n: int,
    seed: int,
    chunk_rows: int,
    fixed: dict[str, Any],
    shares: Rebalance | None,
) -> Iterator[pl.DataFrame]:
    """``n`` rows meeting the ``fixed`` conditions, rebalanced as ``shares`` says, ``chunk_rows`` at a time."""
    if shares is None:
        column, values, weights = None, [], [1.0]
    else:
        column, values, value_shares, rest = shares
        weights = [*value_shares, rest]
    remaining = exact_counts(n, weights)  # exact counts over the whole sample
    rows_left = n
    for chunk_index, start in enumerate(range(0, n, chunk_rows)):
        rows = min(chunk_rows, n - start)
        counts = exact_counts(rows, [r / rows_left for r in remaining]) if rows < rows_left else list(remaining)
        remaining = [r - c for r, c in zip(remaining, counts)]
        rows_left -= rows
        parts = []
        for i, count in enumerate(counts):
            if count == 0:
                continue
            if column is None:
                parts.append(_Part(count, fixed, {}))
            elif i < len(values):
                parts.append(_Part(count, {**fixed, column: values[i]}, {}))
            else:
                parts.append(_Part(count, fixed, {column: values}))
        frames = [
            _matching_rows(generate, encoder, part, derived_seed(seed, chunk_index, i), chunk_rows)
            for i, part in enumerate(parts)
        ]
        chunk = pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]
        if len(frames) > 1:  # rebalanced parts come in blocks: interleave them
            chunk = chunk.sample(fraction=1.0, shuffle=True, seed=derived_seed(seed, chunk_index, -1))
        yield chunk


def _as_given(encoder: TableEncoder, name: str, canonical: Any) -> Any:
    """A canonical condition value as the column's own value (a date, not its day number), for messages."""
    try:
        return encoder.condition_series(name, canonical, 1).item()
    except Exception:  # noqa: BLE001 - a message is no place to fail: the canonical value then
        return canonical


def _matching_rows(generate: Generate, encoder: TableEncoder, part: _Part, seed: int, chunk_rows: int) -> pl.DataFrame:
    """``part.rows`` rows meeting the part's conditions: native conditioning, then bounded rejection."""
    checks = [encoder.condition_expr(name, value) for name, value in part.fixed.items()]
    for name, excluded in part.excluded.items():
        checks += [~encoder.condition_expr(name, value).fill_null(False) for value in excluded]
    matches = pl.all_horizontal([c.fill_null(False) for c in checks])
    budget = max(part.rows * REJECTION_FACTOR, REJECTION_MIN_ROWS)
    kept, kept_rows, drawn, attempt = [], 0, 0, 0
    while kept_rows < part.rows:
        missing = part.rows - kept_rows
        rate = kept_rows / drawn if drawn else 1.0
        request = min(math.ceil(missing / max(rate, 1.0 / REJECTION_FACTOR) * 1.1) + 16, budget - drawn)
        if request <= 0:
            described = ", ".join(
                [f"{k}={_as_given(encoder, k, v)!r}" for k, v in part.fixed.items()]
                + [f"{k} not in {[_as_given(encoder, k, x) for x in v]!r}" for k, v in part.excluded.items()]
            )
            raise ConditionError(
                f"could not generate {part.rows} rows with {described}: only {kept_rows} of {drawn} generated "
                f"rows met the condition (the model rarely produces it; gave up after {budget:,} rows)"
            )
        for chunk in generate(request, derived_seed(seed, attempt, 1), min(chunk_rows, request), part.fixed):
            drawn += chunk.height
            match = chunk.filter(matches)
            kept.append(match)
            kept_rows += match.height
        attempt += 1
    return pl.concat(kept, how="vertical").head(part.rows)


def exact_counts(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integer counts proportional to ``weights`` (largest remainders)."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.sum() <= 0:
        raise ValueError("weights must have a positive sum")
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    shortfall = total - int(counts.sum())
    if shortfall:
        counts[np.argsort(-(exact - counts), kind="stable")[:shortfall]] += 1
    return [int(c) for c in counts]


def derived_seed(seed: int, *path: int) -> int:
    """A seed of its own for each part of a sample, reproducible from the sample's seed."""
    return int(np.random.SeedSequence([seed & 0xFFFFFFFF, *[p & 0xFFFFFFFF for p in path]]).generate_state(1)[0])
