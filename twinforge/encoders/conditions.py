"""Sampling conditions (``column == value``) in terms of the encoded columns.

A condition value is first made *canonical* (:func:`normalize_condition`): a
level's value (a category string, a bool) for a discrete column, a float of the
kind's ``values_of`` for a continuous one (a datetime's physical number), None
for null. The other functions turn a canonical value into what a sampler needs:
a row filter, the column's decoded values, the fixed slots of the uniform
matrix, the index of a discrete level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from twinforge.encoders.columns import EncodedColumn
from twinforge.encoders.common import null_indicator_to_uniform
from twinforge.encoders.uniform import slots


def normalize_condition(c: EncodedColumn, value: Any, rare_min_count: int) -> Any:
    """Check that generated rows can take ``value`` in column ``c``; the canonical value.

    Categorical values must be modelled levels (seen at least ``rare_min_count`` times),
    numbers and datetimes must lie in the range seen in training (datetimes become
    their physical number), null only where the column had nulls.
    """
    name = c.name
    if value is None or (isinstance(value, float) and np.isnan(value)):
        if not c.has_nulls:
            raise ValueError(f"condition {name}=null cannot be met: column {name!r} had no nulls in training")
        return None
    if not c.has_values:
        raise ValueError(f"condition {name}={value!r} cannot be met: column {name!r} was always null in training")
    if not c.is_continuous:
        index = c.module.index_of(value, c.stats)
        levels = c.module.levels(c.stats)
        if index is None or c.module.level_shares(c.stats)[index] <= 0:
            shown = ", ".join(map(repr, levels[:20])) + (", ..." if len(levels) > 20 else "")
            raise ValueError(
                f"condition {name}={value!r} cannot be met: not a level the model learned for column "
                f"{name!r} (categories seen fewer than {rare_min_count} times are never learned); "
                f"levels: {shown}"
            )
        return levels[index]
    try:
        number = c.module.number_of(value, c.stats, c.column)
    except (TypeError, ValueError, pl.exceptions.PolarsError) as error:
        raise ValueError(f"condition {name}={value!r}: not a value of column {name!r}'s type ({error})") from None
    low, high = c.stats["min"], c.stats["max"]
    if not low <= number <= high:
        raise ValueError(
            f"condition {name}={value!r} cannot be met: outside the range seen in training for column {name!r}"
        )
    if c.stats["integer"] and number != round(number):
        raise ValueError(f"condition {name}={value!r} cannot be met: column {name!r} holds whole numbers")
    return number


def condition_expr(c: EncodedColumn, canonical: Any) -> pl.Expr:
    """Polars expression true where a decoded row meets ``c == canonical``."""
    column = pl.col(c.name)
    if canonical is None:
        return column.is_null()
    return c.module.condition_key(column) == canonical


def condition_series(c: EncodedColumn, canonical: Any, n: int) -> pl.Series:
    """``n`` copies of a canonical condition value, as the column's decoded dtype."""
    if canonical is None:
        return c.module.from_uniform(np.full(n, np.nan), c.stats, c.column)
    if c.is_continuous:
        return c.module.from_values(np.full(n, float(canonical)), c.stats, c.column)
    index = c.module.index_of(canonical, c.stats)
    return c.module.from_indices(np.full(n, index), c.stats, c.column, np.random.default_rng(0))


def condition_uniforms(
    columns: list[EncodedColumn], conditions: Mapping[str, Any], n: int, rng: np.random.Generator
) -> dict[int, np.ndarray]:
    """Uniform-matrix slots fixed by canonical conditions: ``{slot: n uniforms}``."""
    fixed: dict[int, np.ndarray] = {}
    for c, (value_slot, null_slot) in zip(columns, slots(columns)):
        if c.name not in conditions:
            continue
        canonical = conditions[c.name]
        is_null = np.full(n, canonical is None)
        if canonical is not None and value_slot is not None:
            fixed[value_slot] = c.module.to_uniform(condition_series(c, canonical, n), c.stats, rng)
        if null_slot is not None:
            fixed[null_slot] = null_indicator_to_uniform(is_null, c.stats["null_share"], rng)
    return fixed


def discrete_index(c: EncodedColumn, canonical: Any) -> int:
    """Index of a canonical condition value in a discrete column's one-hot (null last)."""
    if canonical is None:
        return c.n_discrete() - 1
    return int(c.module.index_of(canonical, c.stats))
