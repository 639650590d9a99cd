"""The one interface every column-kind module implements.

A *kind module* (``numeric``, ``datetime``, ``categorical``, ``boolean``) encodes
and decodes the columns of one kind of data. Every kind module has the same
names, described by :class:`KindEncoder` (a module satisfies the protocol);
the table-level code (:mod:`twinforge.encoders.table` and the representation
modules) calls ``module.fn(...)`` and never switches on a kind's name.

* ``NAME``: the name saved with a fitted column (``"numeric"``, ...);
  ``COLUMN_KINDS``: the schema kinds it encodes; ``IS_CONTINUOUS``: whether its
  values are numbers (numeric, datetime) or levels (categorical, boolean).
* For every kind: ``analyze`` (JSON-ready stats, computed once and shared by
  every representation), ``to_uniform`` / ``from_uniform`` (the uniform
  representation) and ``condition_key`` (a column as compared with canonical
  condition values).
* Continuous kinds only: ``values_of`` / ``from_values`` (the float values the
  numeric representations work on) and ``number_of`` (a condition value as such a
  float).
* Discrete kinds only: ``n_levels``, ``level_shares``, ``levels``,
  ``to_indices`` / ``from_indices`` (the level index representation) and
  ``index_of`` (a condition value as a level index).

A function of the other group exists too, so every module has the same names,
but raises :class:`NotApplicable`: callers ask ``IS_CONTINUOUS`` first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import polars as pl

from twinforge.io.schema import ColumnKind, ColumnSchema

# A category seen fewer times than this is never stored (often identifying).
DEFAULT_RARE_MIN_COUNT = 5
# Categories kept verbatim, most frequent first; the rest share the rare bucket.
DEFAULT_MAX_CATEGORIES = 2000

Stats = dict[str, Any]


@dataclass(frozen=True)
class AnalyzeOptions:
    """Settings of the analysis, the same for every kind (a kind uses those that concern it)."""

    rare_min_count: int = DEFAULT_RARE_MIN_COUNT
    max_categories: int = DEFAULT_MAX_CATEGORIES
    # what rows that held a rare category decode to: "generate", "rare_token" or "null" (see encoders.tail)
    rare: str = "generate"
    seed: int = 0  # generated values of the rare tail
    long_text: bool = False  # generate long free text (notes) too, rather than leave it out


DEFAULT_OPTIONS = AnalyzeOptions()


@dataclass(frozen=True)
class ColumnOptions:
    """What a dataset spec may set for one column's generation (``columns.<name>.rare`` / ``.long_text``)."""

    rare: str = "generate"  # "generate", "rare_token" or "null"
    long_text: bool = False


class NotApplicable(TypeError):
    """A kind function called for a kind it does not apply to (check ``IS_CONTINUOUS`` first)."""


def not_applicable(kind: str, function: str) -> NotApplicable:
    group = "continuous" if function in CONTINUOUS_FUNCTIONS else "discrete"
    return NotApplicable(f"{kind} columns are not {group}: {kind}.{function} does not apply")


class KindEncoder(Protocol):
    """What a kind module provides (see the module docstring)."""

    NAME: str
    COLUMN_KINDS: tuple[ColumnKind, ...]
    IS_CONTINUOUS: bool

    # --- every kind ---

    def analyze(self, series: pl.Series, column: ColumnSchema, options: AnalyzeOptions = DEFAULT_OPTIONS) -> Stats:
        """JSON-ready stats that fully describe encoding and decoding; ``null_share`` among them."""

    def to_uniform(self, series: pl.Series, stats: Stats, rng: np.random.Generator) -> np.ndarray:
        """Values into (0, 1); NaN for nulls."""

    def from_uniform(self, u: np.ndarray, stats: Stats, column: ColumnSchema) -> pl.Series:
        """The inverse of ``to_uniform``, with the original dtype; NaN gives null."""

    def condition_key(self, column: pl.Expr) -> pl.Expr:
        """The decoded column as compared with canonical condition values (``number_of`` / ``levels``)."""

    # --- continuous kinds ---

    def values_of(self, series: pl.Series) -> np.ndarray:
        """The float values the numeric representations work on (NaN for nulls)."""

    def from_values(self, values: np.ndarray, stats: Stats, column: ColumnSchema) -> pl.Series:
        """Float values (from any representation) back to the original dtype, rounded, in the seen range."""

    def number_of(self, value: Any, stats: Stats, column: ColumnSchema) -> float:
        """A condition value as a float of ``values_of``; TypeError, ValueError or a polars error if it is none."""

    # --- discrete kinds ---

    def n_levels(self, stats: Stats) -> int:
        """Number of level indices."""

    def level_shares(self, stats: Stats) -> np.ndarray:
        """Training frequency of each level index."""

    def levels(self, stats: Stats) -> list[Any]:
        """The canonical value of each level index (what a condition on the level becomes)."""

    def to_indices(self, series: pl.Series, stats: Stats) -> np.ndarray:
        """Level index per value, -1 for nulls."""

    def from_indices(
        self, indices: np.ndarray, stats: Stats, column: ColumnSchema, rng: np.random.Generator
    ) -> pl.Series:
        """Level indices back to values of the original dtype (-1 gives null)."""

    def index_of(self, value: Any, stats: Stats) -> int | None:
        """Level index of a condition value, or None when it is not a level."""


COMMON_FUNCTIONS = ("analyze", "to_uniform", "from_uniform", "condition_key")
CONTINUOUS_FUNCTIONS = ("values_of", "from_values", "number_of")
DISCRETE_FUNCTIONS = ("n_levels", "level_shares", "levels", "to_indices", "from_indices", "index_of")
ATTRIBUTES = ("NAME", "COLUMN_KINDS", "IS_CONTINUOUS")
