"""Differential privacy settings and the DP statistics a private generator's encoder is fitted on.

A generator trained with ``generator.params.dp`` reads the real table in two places only, and both are
inside the budget:

* **statistics** (a share ``statistics_share`` of ε, 0.1 by default): every modelled column's marginal is
  a Laplace-noised histogram (one count per bin or level, nulls as a bin of their own; a row adds one
  to one bin of each column, so with ``k`` columns each gets ``ε_statistics / k``). Continuous columns
  use a public grid: 64 equal bins inside declared ``bounds``, else a fixed sign-symmetric log grid
  (16 bins a decade, 1e-4 to 1e16; dates: years from 1900 to 2100) whose noisy counts below a
  threshold are dropped, so a lone extreme value does not widen the range. When no bin survives, adjacent
  bins are merged (2 to 16 at a time, summing their noisy counts) and the merged bins that stand out of the
  summed noise are used; when none does, the column is left null with a warning (:func:`_surviving_bins`).
  Discrete columns count declared ``categories``, else the observed levels, kept only above the threshold
  ``1 + ln(1 / (2 δ_column)) / ε_column`` (the stability-based histogram; this is what spends the
  statistics' δ). Declared bins and levels, and the null bin, whose noisy counts are within two noise
  scales of empty are dropped too (post-processing: empty bins would otherwise spread rows uniformly over
  the declared range). A *proxy table* drawn from these histograms (independent columns, uniform inside a
  bin) is what the :class:`~twinforge.encoders.TableEncoder` is fitted on: its ranges, quantile grids,
  mixtures and category sets are post-processing of DP counts.
* **training** (the rest of ε): DP-SGD with Opacus (:mod:`twinforge.generators.private`).

``delta: auto`` is ``1 / n²`` for ``n`` training rows (below the ``1 / n`` that would allow
publishing a row). The row count ``n`` and the schema (column kinds and dtypes) are treated as public.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from twinforge.io.schema import ColumnKind, ColumnSchema, TableSchema

DEFAULT_STATISTICS_SHARE = 0.1
DEFAULT_ACCOUNTANT = "rdp"
ACCOUNTANTS = ("rdp", "prv")
DECLARED_BINS = 64
LOG_GRID_BINS_PER_DECADE = 16
LOG_GRID_DECADES = (-4, 16)
# dates without declared bounds: a year-wide grid over these years (month-wide bins hold too few rows
# of a table of a few thousand to survive the noise threshold)
DATE_GRID_YEARS = (1900, 2100)
# the default grid's noisy counts below ``ln(G / EMPTY_BIN_SURVIVAL) * b`` (b: the Laplace scale, G bins)
# are dropped: about EMPTY_BIN_SURVIVAL / 2 empty bins survive in all, so a lone value does not widen the range
EMPTY_BIN_SURVIVAL = 0.05
# the default grid's bins merged up to this many (16: a decade of the number grid, 16 years of dates) when no
# bin survives its threshold; coarser bins would spread the values over many decades (see _surviving_bins)
MERGED_MAX_BINS = 16
# declared bins and levels: noisy counts below this many Laplace scales are dropped (post-processing), so
# that empty bins do not spread a share of the rows uniformly over the declared range (7% of empty bins stay)
DECLARED_THRESHOLD_SCALES = 2.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DPSettings:
    """What ``generator.params.dp`` asks for (see the module docstring)."""

    epsilon: float
    delta: float | None = None  # None: auto, 1 / n²
    max_grad_norm: float = 1.0
    accountant: str = DEFAULT_ACCOUNTANT
    statistics_share: float = DEFAULT_STATISTICS_SHARE
    bounds: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    categories: Mapping[str, list[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.epsilon) and self.epsilon > 0):
            raise ValueError(f"dp.epsilon must be a positive number, got {self.epsilon!r}")
        if self.delta is not None and not 0 < self.delta < 1:
            raise ValueError(f"dp.delta must be in (0, 1) or 'auto', got {self.delta!r}")
        if not self.max_grad_norm > 0:
            raise ValueError(f"dp.max_grad_norm must be positive, got {self.max_grad_norm!r}")
        if self.accountant not in ACCOUNTANTS:
            raise ValueError(f"dp.accountant must be one of {ACCOUNTANTS}, got {self.accountant!r}")
        if not 0 < self.statistics_share < 1:
            raise ValueError(f"dp.statistics_share must be in (0, 1), got {self.statistics_share!r}")
        for name, pair in self.bounds.items():
            if len(pair) != 2:
                raise ValueError(f"dp bounds of column {name!r} must be [min, max], got {pair!r}")

    @classmethod
    def from_params(cls, params: Mapping[str, Any] | DPSettings | None) -> DPSettings | None:
        """Settings from a ``dp`` mapping; None (or an empty mapping) means no DP."""
        if params is None or isinstance(params, DPSettings):
            return params
        if not isinstance(params, Mapping) or not params:
            raise ValueError(f"dp must be a mapping such as {{epsilon: 1.0}}, got {params!r}")
        known = {"epsilon", "delta", "max_grad_norm", "accountant", "statistics_share", "bounds", "categories"}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(f"dp: unknown keys {unknown}; known: {sorted(known)}")
        if "epsilon" not in params:
            raise ValueError("dp: 'epsilon' is required")
        delta = params.get("delta", "auto")
        return cls(
            epsilon=float(params["epsilon"]),
            delta=None if delta in (None, "auto") else float(delta),
            max_grad_norm=float(params.get("max_grad_norm", 1.0)),
            accountant=str(params.get("accountant", DEFAULT_ACCOUNTANT)),
            statistics_share=float(params.get("statistics_share", DEFAULT_STATISTICS_SHARE)),
            bounds={str(k): tuple(v) for k, v in (params.get("bounds") or {}).items()},
            categories={str(k): list(v) for k, v in (params.get("categories") or {}).items()},
        )

    def to_params(self) -> dict[str, Any]:
        """JSON-ready mapping that :meth:`from_params` reads back."""
        return {
            "epsilon": self.epsilon,
            "delta": "auto" if self.delta is None else self.delta,
            "max_grad_norm": self.max_grad_norm,
            "accountant": self.accountant,
            "statistics_share": self.statistics_share,
            "bounds": {k: [_plain(v) for v in pair] for k, pair in self.bounds.items()},
            "categories": {k: [_plain(v) for v in levels] for k, levels in self.categories.items()},
        }

    def resolved_delta(self, rows: int) -> float:
        return self.delta if self.delta is not None else 1.0 / max(rows, 2) ** 2

    @property
    def statistics_epsilon(self) -> float:
        return self.epsilon * self.statistics_share

    @property
    def training_epsilon(self) -> float:
        return self.epsilon - self.statistics_epsilon


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


@dataclass(frozen=True)
class StatisticsResult:
    """The proxy table and what its DP statistics spent."""

    proxy: pl.DataFrame
    epsilon: float
    delta: float
    declared_columns: list[str]
    # columns left null because nothing of them stood out of the noise (no bin of the public grid of a column
    # without declared bounds, no level of one without declared categories), and what to tell the caller of each
    null_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def dp_statistics_table(
    df: pl.DataFrame, schema: TableSchema, settings: DPSettings, delta: float, seed: int
) -> StatisticsResult:
    """A proxy of ``df`` (same rows, columns and dtypes) drawn from DP histograms of each modelled column.

    Spends ``settings.statistics_epsilon`` and, when a discrete column has no declared categories,
    up to ``delta`` (split among those columns).
    """
    rng = np.random.default_rng(seed)
    columns = list(schema.modelled())
    unknown = sorted((set(settings.bounds) | set(settings.categories)) - {c.name for c in columns})
    if unknown:
        raise ValueError(f"dp: public bounds or categories given for columns that are not modelled: {unknown}")
    misplaced = [c.name for c in columns if c.name in (settings.categories if not _is_discrete(c) else settings.bounds)]
    if misplaced:
        raise ValueError(
            f"dp: columns {misplaced} declare bounds on a discrete column or categories on a number or date column"
        )
    epsilon_column = settings.statistics_epsilon / max(len(columns), 1)
    scale = 1.0 / epsilon_column
    thresholded = [c for c in columns if _is_discrete(c) and c.kind is not ColumnKind.BOOLEAN]
    thresholded = [c for c in thresholded if c.name not in settings.categories]
    delta_column = delta / len(thresholded) if thresholded else 0.0
    proxy, declared, unplaced, warnings = {}, [], [], []
    for column in columns:
        series = df.get_column(column.name)
        if column.name in settings.bounds or column.name in settings.categories:
            declared.append(column.name)
        if _is_discrete(column):
            values, any_level = _discrete_proxy(series, column, settings, scale, delta_column, df.height, rng)
            if not any_level and series.null_count() < df.height and column in thresholded:
                unplaced.append(column.name)
                warnings.append(_no_level_warning(column.name, scale, delta_column))
                log.warning("%s", warnings[-1])
        else:
            values = _continuous_proxy(series, column, settings, scale, df.height, rng)
            if values is None:
                values = series.clear(df.height)
                unplaced.append(column.name)
                warnings.append(_unplaced_warning(column.name, series.dtype, scale))
                log.warning("%s", warnings[-1])
        proxy[column.name] = values
    frame = pl.DataFrame([proxy[c] if c in proxy else df.get_column(c).clear(df.height) for c in df.columns])
    return StatisticsResult(
        proxy=frame,
        epsilon=settings.statistics_epsilon,
        delta=delta if thresholded else 0.0,
        declared_columns=declared,
        null_columns=unplaced,
        warnings=warnings,
    )


def _unplaced_warning(name: str, dtype: pl.DataType, scale: float) -> str:
    span = f"{MERGED_MAX_BINS} years" if dtype.is_temporal() else "a decade"
    return (
        f"DP statistics: column {name!r} has no declared bounds and no bin of the public grid, even merged up to "
        f"{span} wide, held enough rows to stand out of the noise (Laplace scale {scale:.3g} rows): it is left "
        f"null in the twin. Declare its public range (columns.{name}.bounds: [min, max] in the spec, or "
        "dp.bounds), or raise dp.epsilon, to keep it"
    )


def _no_level_warning(name: str, scale: float, delta: float) -> str:
    threshold = 1.0 + math.log(1.0 / (2.0 * delta)) * scale
    return (
        f"DP statistics: column {name!r} has no declared categories and none of its levels held enough rows to "
        f"stand out of the noise (about {threshold:.0f} rows at this epsilon): it is left null in the twin. Declare "
        f"its public categories (columns.{name}.categories: [...] in the spec, or dp.categories), or raise "
        "dp.epsilon, to keep it"
    )


def _is_discrete(column: ColumnSchema) -> bool:
    return column.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, ColumnKind.TEXT)


def _noisy(counts: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    return np.asarray(counts, dtype=np.float64) + rng.laplace(0.0, scale, len(counts))


def _without_noise_nulls(noisy: np.ndarray, scale: float) -> np.ndarray:
    """The noisy counts with the null bin (last) zeroed when it is within noise of empty."""
    if noisy[-1] < DECLARED_THRESHOLD_SCALES * scale:
        noisy = noisy.copy()
        noisy[-1] = 0.0
    return noisy


def _draw(weights: np.ndarray, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Bin indices drawn with probability proportional to the (clipped) noisy counts."""
    weights = np.clip(weights, 0.0, None)
    if weights.sum() <= 0:  # nothing survived: the most frequent noisy bin (post-processing)
        weights = np.zeros_like(weights)
        weights[-1 if len(weights) == 1 else 0] = 1.0
    return rng.choice(len(weights), rows, p=weights / weights.sum())


def _discrete_proxy(
    series: pl.Series,
    column: ColumnSchema,
    settings: DPSettings,
    scale: float,
    delta: float,
    rows: int,
    rng: np.random.Generator,
) -> tuple[pl.Series, bool]:
    """The column's proxy values, and whether any of its levels survived the noise threshold (when none did,
    every value drawn is null: the caller says so for a column without declared categories)."""
    nulls = series.null_count()
    if column.kind is ColumnKind.BOOLEAN:
        flags = series.cast(pl.Boolean, strict=False)
        levels: list[Any] = [False, True]
        counts = [int((~flags).sum() or 0), int(flags.sum() or 0)]
        keep = None
    elif column.name in settings.categories:
        levels = list(settings.categories[column.name])
        observed = dict(series.drop_nulls().cast(pl.String).value_counts().iter_rows())
        counts = [int(observed.get(str(level), 0)) for level in levels]
        keep = DECLARED_THRESHOLD_SCALES * scale
    else:
        observed = series.drop_nulls().cast(pl.String).value_counts().sort(series.name or "", descending=False)
        levels, counts = observed.get_column(observed.columns[0]).to_list(), observed.get_column("count").to_list()
        keep = 1.0 + math.log(1.0 / (2.0 * delta)) * scale
    noisy = _noisy(np.array([*counts, nulls]), scale, rng)
    if keep is not None:
        survived = noisy[:-1] > keep
        levels = [level for level, ok in zip(levels, survived) if ok]
        noisy = np.concatenate([noisy[:-1][survived], noisy[-1:]])
    picks = _draw(_without_noise_nulls(noisy, scale), rows, rng)
    is_null = picks == len(levels)
    if column.kind is ColumnKind.BOOLEAN:
        drawn = pl.Series(column.name, [levels[i] if not n else None for i, n in zip(picks, is_null)], pl.Boolean)
    else:
        drawn = pl.Series(column.name, [str(levels[i]) if not n else None for i, n in zip(picks, is_null)], pl.String)
    return (drawn.cast(series.dtype, strict=False) if series.dtype != pl.Null else drawn), bool(levels)


def _continuous_proxy(
    series: pl.Series, column: ColumnSchema, settings: DPSettings, scale: float, rows: int, rng: np.random.Generator
) -> pl.Series | None:
    """The column's proxy values; None when the column has no declared bounds and no bin of the public grid,
    fine or merged, survives the noise (the caller leaves it null and says so)."""
    dtype = series.dtype
    temporal = dtype.is_temporal()
    values = _physical(series)
    present = np.isfinite(values)
    declared = settings.bounds.get(column.name)
    if declared is not None:
        low, high = sorted(_physical_bound(v, dtype) for v in declared)
        edges = np.linspace(low, high, DECLARED_BINS + 1)
    else:
        edges = _default_grid(dtype)
    inside = np.clip(values[present], edges[0], edges[-1])
    counts = np.histogram(inside, bins=edges)[0]
    noisy = _noisy(np.array([*counts, int((~present).sum())]), scale, rng)
    # from here on, only the noisy counts are read (post-processing)
    if declared is not None:
        keep_bins = noisy[:-1] > DECLARED_THRESHOLD_SCALES * scale
        if not keep_bins.any():  # keep the largest noisy bin rather than none: it is inside the declared range
            keep_bins[int(np.argmax(noisy[:-1]))] = True
        noisy[:-1][~keep_bins] = 0.0
    else:
        weights = _surviving_bins(noisy[:-1], scale, len(edges))
        if weights is None:
            return None
        noisy[:-1] = weights
    picks = _draw(_without_noise_nulls(noisy, scale), rows, rng)
    is_null = picks == len(edges) - 1
    bins = np.minimum(picks, len(edges) - 2)
    drawn = rng.uniform(edges[bins], edges[bins + 1])
    integer = temporal or dtype.is_integer() or column.kind is ColumnKind.INTEGER
    if integer:
        drawn = np.round(drawn)
    drawn[is_null] = np.nan
    if temporal:
        ints = pl.Series(column.name, np.where(is_null, 0, drawn).astype(np.int64)).scatter(
            np.flatnonzero(is_null), None
        )
        return ints.cast(_physical_dtype(dtype)).cast(dtype)
    out = pl.Series(column.name, drawn).fill_nan(None)
    return out.cast(dtype, strict=False) if dtype != pl.Null else out


def _surviving_bins(noisy: np.ndarray, scale: float, edges: int) -> np.ndarray | None:
    """Drawing weights over the default grid's bins from their noisy counts ``noisy`` (Laplace scale ``scale``;
    ``edges`` edges), or None when no bin, fine or merged, stands out of the noise. Post-processing only: this
    reads nothing but the noisy counts, so it spends no privacy budget.

    **Fine bins.** A bin survives when its noisy count exceeds ``t1 = ln(edges / EMPTY_BIN_SURVIVAL) * scale``;
    an empty bin does with probability ``p = P(Laplace(b) > t1) = EMPTY_BIN_SURVIVAL / (2 * edges)``, so about
    ``EMPTY_BIN_SURVIVAL / 2`` empty bins survive in all. Surviving bins weigh their noisy counts.

    **Merged bins**, only when no fine bin survives (a column of few rows spread over several bins, each drowned
    in the noise). Adjacent bins are merged in aligned blocks of ``k = 2, 4, 8, 16`` (up to
    :data:`MERGED_MAX_BINS`; 16 bins are a decade of the number grid) and a block's noisy count is the sum of
    its bins' noisy counts, whose noise is a sum ``S_k`` of ``k`` independent Laplace(b) variables. A block
    survives when that sum exceeds ``t_k``, the smallest threshold with ``P(S_k > t_k) <= p``: a block of noise
    alone survives no more often than one empty fine bin does. As the levels hold ``G/2 + G/4 + ... < G``
    blocks in all (``G`` fine bins), the expected number of noise-only blocks surviving on any merged level is
    below ``G * p < EMPTY_BIN_SURVIVAL / 2``, as at the fine level. ``P(S_k > t)`` is computed exactly, not
    bounded: ``S_k`` is the difference ``X - Y`` of two independent Gamma(k, b) variables, and with ``x = t/b``

        P(S_k > t) = e^(-x) * sum_{i<k} sum_{m<=i} x^(i-m) / ((i-m)! m!) * (k-1+m)! / ((k-1)! 2^(k+m))

    (``P(X > t + y)`` is Gamma's finite series, integrated against ``Y``'s density; for ``k = 1`` it is
    ``e^(-x) / 2``). It lies below the Chernoff bound ``exp(-λt) (1 - λ²b²)^(-k)`` for every ``0 < λ < 1/b``, the
    sub-exponential (Bernstein-type) bound, by 3.5 to 4.5 noise scales at the thresholds used. The first level with a
    surviving block is used: each surviving block weighs its noisy sum, shared among its bins in proportion to
    their noisy counts clipped at zero (post-processing too), so draws stay inside the block and lean to the
    bins holding the rows. Coarser blocks than :data:`MERGED_MAX_BINS` are not tried: a value drawn anywhere in
    several decades is no value of the column.

    **Nothing survives**: None. The column's location is not invented (taking the largest noisy bin would
    almost always pick an empty bin anywhere on the grid); the caller leaves it null and warns.
    """
    threshold = math.log(edges / EMPTY_BIN_SURVIVAL) * scale
    keep = noisy > threshold
    if keep.any():
        return np.where(keep, noisy, 0.0)
    p = 0.5 * EMPTY_BIN_SURVIVAL / edges  # P(Laplace(b) > threshold): an empty fine bin's chance
    size = 2
    while size <= MERGED_MAX_BINS:
        blocks = -(-len(noisy) // size)
        padded = np.zeros(blocks * size)  # a last, shorter block holds fewer noises: it survives less often
        padded[: len(noisy)] = noisy
        sums = padded.reshape(blocks, size).sum(axis=1)
        keep = sums > _merged_threshold(size, p) * scale
        if keep.any():
            fine = np.clip(padded, 0.0, None).reshape(blocks, size)  # a surviving block has a positive bin
            shares = fine / np.maximum(fine.sum(axis=1, keepdims=True), np.finfo(float).tiny)
            return np.where(keep[:, None], shares * sums[:, None], 0.0).ravel()[: len(noisy)]
        size *= 2
    return None


def _laplace_sum_tail(x: float, k: int) -> float:
    """``P(S > x)`` for ``S`` the sum of ``k`` independent Laplace(1) variables and ``x > 0`` (exact; see
    :func:`_surviving_bins`)."""
    log_x = math.log(x)
    total = 0.0
    for i in range(k):
        for m in range(i + 1):
            total += math.exp(
                (i - m) * log_x
                - math.lgamma(i - m + 1)
                - math.lgamma(m + 1)
                + math.lgamma(k + m)
                - math.lgamma(k)
                - (k + m) * math.log(2.0)
                - x
            )
    return total


@functools.lru_cache(maxsize=64)
def _merged_threshold(k: int, p: float) -> float:
    """The smallest ``x`` (in noise scales) with ``P(sum of k Laplace(1) > x) <= p`` (to 1e-9 relative)."""
    low, high = 0.0, 1.0
    while _laplace_sum_tail(high, k) > p:
        low, high = high, 2.0 * high
    while high - low > 1e-9 * high:
        middle = 0.5 * (low + high)
        low, high = (middle, high) if _laplace_sum_tail(middle, k) > p else (low, middle)
    return high


def _physical_dtype(dtype: pl.DataType) -> pl.DataType:
    return pl.Int32 if dtype == pl.Date else pl.Int64


def _physical(series: pl.Series) -> np.ndarray:
    if series.dtype.is_temporal():
        return series.to_physical().cast(pl.Float64).to_numpy()
    if series.dtype == pl.Null:
        return np.full(series.len(), np.nan)
    values = series.cast(pl.Float64, strict=False).to_numpy().astype(np.float64)
    return np.where(np.isfinite(values), values, np.nan)


def _physical_bound(value: Any, dtype: pl.DataType) -> float:
    """A declared bound in the column's physical units (dates and datetimes: as the column stores them)."""
    if dtype.is_temporal() and not isinstance(value, int | float):
        parsed = pl.Series([value])
        if parsed.dtype == pl.String:
            parsed = parsed.str.to_datetime() if dtype != pl.Date else parsed.str.to_date()
        return float(parsed.cast(dtype).to_physical()[0])
    return float(value)


def _default_grid(dtype: pl.DataType) -> np.ndarray:
    """The public grid of a continuous column without declared bounds."""
    if dtype in (pl.Date,) or isinstance(dtype, pl.Datetime):
        first, last = DATE_GRID_YEARS
        years = pl.date_range(pl.date(first, 1, 1), pl.date(last, 1, 1), "1y", eager=True)
        return years.cast(dtype).to_physical().cast(pl.Float64).to_numpy()
    low, high = LOG_GRID_DECADES
    positive = np.logspace(low, high, (high - low) * LOG_GRID_BINS_PER_DECADE + 1)
    return np.concatenate([-positive[::-1], [0.0], positive])


@dataclass
class PrivacySpent:
    """A private fit's accounting: what was asked, what each part spent, and how."""

    epsilon_budget: float
    delta: float
    statistics_epsilon: float
    statistics_delta: float
    training_epsilon: float
    training_delta: float
    accountant: str
    noise_multiplier: float
    sample_rate: float
    steps: int
    max_grad_norm: float
    declared_columns: list[str] = field(default_factory=list)
    null_columns: list[str] = field(default_factory=list)  # left null by the statistics (see warnings)
    warnings: list[str] = field(default_factory=list)

    @property
    def epsilon(self) -> float:
        """Total ε spent (basic composition of the statistics and the training)."""
        return self.statistics_epsilon + self.training_epsilon

    @property
    def delta_spent(self) -> float:
        return self.statistics_delta + self.training_delta

    def to_dict(self) -> dict[str, Any]:
        return {
            "epsilon": self.epsilon,
            "delta_spent": self.delta_spent,
            "epsilon_budget": self.epsilon_budget,
            "delta": self.delta,
            "statistics_epsilon": self.statistics_epsilon,
            "statistics_delta": self.statistics_delta,
            "training_epsilon": self.training_epsilon,
            "training_delta": self.training_delta,
            "accountant": self.accountant,
            "noise_multiplier": self.noise_multiplier,
            "sample_rate": self.sample_rate,
            "steps": self.steps,
            "max_grad_norm": self.max_grad_norm,
            "declared_columns": list(self.declared_columns),
            "null_columns": list(self.null_columns),
            "warnings": list(self.warnings),
        }
