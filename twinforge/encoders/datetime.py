"""Temporal columns (ColumnKind.DATETIME): Datetime, Date, Time and Duration.

A temporal value is its physical integer (e.g. milliseconds since the epoch in
UTC for ``Datetime("ms", "Europe/Paris")``, days for ``Date``) and is encoded
exactly like an integer column (the other representations work on it through
``values_of`` / ``from_values``). Decoding restores the dtype with its time unit
and time zone, and rounds to the coarsest step every training value sat on
(whole days, hours, minutes, seconds, ...) so that, say, timestamps taken at
midnight do not come back at random times of day. Values go through float64,
so nanosecond datetimes come back to within a few hundred nanoseconds unless a
coarser step applies; coarser units are exact.

A continuous kind (see :mod:`twinforge.encoders.kinds`): the level functions
do not apply.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from twinforge.encoders import numeric
from twinforge.encoders.common import float_values, null_share, series_from_floats
from twinforge.encoders.kinds import DEFAULT_OPTIONS, AnalyzeOptions, Stats, not_applicable
from twinforge.io.schema import ColumnKind, ColumnSchema

NAME = "datetime"
COLUMN_KINDS = (ColumnKind.DATETIME,)
IS_CONTINUOUS = True


def analyze(series: pl.Series, column: ColumnSchema, options: AnalyzeOptions = DEFAULT_OPTIONS) -> Stats:
    dtype = series.dtype
    if not dtype.is_temporal():
        raise ValueError(f"column {column.name!r} has dtype {dtype}, not a date, datetime, time or duration")
    values = _physical_values(series)
    temporal = _describe_dtype(dtype)
    return {
        "null_share": null_share(series),
        "temporal": temporal,
        "step": _common_step(series.to_physical().drop_nulls().to_numpy(), temporal),
        **numeric.quantile_stats(values[np.isfinite(values)], integer=True),
    }


def to_uniform(series: pl.Series, stats: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """Map values into (0, 1); nulls give NaN."""
    return numeric.values_to_uniform(_physical_values(series), stats, rng)


def from_uniform(u: np.ndarray, stats: dict[str, Any], column: ColumnSchema) -> pl.Series:
    """Map uniforms back to values of the original temporal dtype; NaN gives null."""
    return from_values(numeric.uniform_to_values(u, stats), stats, column)


def values_of(series: pl.Series) -> np.ndarray:
    """Physical values as floats (NaN for nulls): what the numeric representations work on."""
    return _physical_values(series)


def from_values(values: np.ndarray, stats: dict[str, Any], column: ColumnSchema) -> pl.Series:
    """Physical float values (from any representation) back to the temporal dtype, on the learned step."""
    values = numeric.finish_values(np.asarray(values, dtype=np.float64), stats)
    step = stats["step"]
    if step > 1:
        values = np.clip(np.round(values / step) * step, stats["min"], stats["max"])
    physical = series_from_floats(column.name, values).cast(pl.Int64)
    dtype = _restore_dtype(stats["temporal"])
    if dtype == pl.Date:
        physical = physical.cast(pl.Int32)
    return physical.cast(dtype)


def number_of(value: Any, stats: Stats, column: ColumnSchema) -> float:
    """A condition value (a temporal value or its text, e.g. ``"2023-03-01 10:00"``) as its physical number."""
    dtype = _restore_dtype(stats["temporal"])
    series = pl.Series(column.name, [value])
    if series.dtype == pl.String:
        series = series.str.strptime(dtype) if dtype != pl.Time else series.str.to_time()
    return float(series.cast(dtype).to_physical()[0])


def condition_key(column: pl.Expr) -> pl.Expr:
    return column.to_physical().cast(pl.Float64)


# Candidate steps in seconds, coarsest first: day, hour, minute, second, ms, us, ns.
_STEPS_IN_SECONDS = (86_400, 3_600, 60, 1, 1e-3, 1e-6, 1e-9)
_UNITS_PER_SECOND = {"ns": 10**9, "us": 10**6, "ms": 10**3}


def _common_step(physical: np.ndarray, temporal: dict[str, Any]) -> int:
    """The coarsest step, in physical units, that every value is a whole multiple of."""
    if temporal["type"] == "Date":
        return 1  # physical unit is already a day
    per_second = _UNITS_PER_SECOND[temporal.get("time_unit") or "ns"]  # Time is nanoseconds
    physical = physical.astype(np.int64)
    for seconds in _STEPS_IN_SECONDS:
        step = round(seconds * per_second)
        if step >= 1 and (physical.size == 0 or np.all(physical % step == 0)):
            return int(step)
    return 1


def _physical_values(series: pl.Series) -> np.ndarray:
    return float_values(series.to_physical())


def _describe_dtype(dtype: pl.DataType) -> dict[str, Any]:
    if isinstance(dtype, pl.Datetime):
        return {"type": "Datetime", "time_unit": dtype.time_unit, "time_zone": dtype.time_zone}
    if isinstance(dtype, pl.Duration):
        return {"type": "Duration", "time_unit": dtype.time_unit}
    if dtype == pl.Date:
        return {"type": "Date"}
    if dtype == pl.Time:
        return {"type": "Time"}
    raise ValueError(f"unsupported temporal dtype {dtype}")


def _restore_dtype(temporal: dict[str, Any]) -> pl.DataType:
    kind = temporal["type"]
    if kind == "Datetime":
        return pl.Datetime(temporal["time_unit"], temporal["time_zone"])
    if kind == "Duration":
        return pl.Duration(temporal["time_unit"])
    if kind == "Date":
        return pl.Date()
    if kind == "Time":
        return pl.Time()
    raise ValueError(f"unknown temporal type {kind!r} in encoder stats")


# --- level functions: not for a continuous kind ---


def n_levels(stats: Stats) -> int:
    raise not_applicable(NAME, "n_levels")


def level_shares(stats: Stats) -> np.ndarray:
    raise not_applicable(NAME, "level_shares")


def levels(stats: Stats) -> list[Any]:
    raise not_applicable(NAME, "levels")


def to_indices(series: pl.Series, stats: Stats) -> np.ndarray:
    raise not_applicable(NAME, "to_indices")


def from_indices(indices: np.ndarray, stats: Stats, column: ColumnSchema, rng: np.random.Generator) -> pl.Series:
    raise not_applicable(NAME, "from_indices")


def index_of(value: Any, stats: Stats) -> int | None:
    raise not_applicable(NAME, "index_of")
