"""How far one column moved: the population stability index (PSI), corrected for sampling noise.

One scale for numbers and categories, so one threshold (``drift.column_threshold``) can say
"this column alone moved too much", whatever the share of other columns that moved.

- Numbers (and datetimes as seconds) fall into the reference's deciles (open-ended at both
  ends, so values beyond the reference's range land in the outer bins); a number that a tenth of
  the reference holds (zeros of a zero-inflated column, a constant) is a bin of its own, the
  deciles those of the other values; categories are bins of
  their own, those under 1% of the reference pooled into one. Nulls are a bin of their own in
  both: a column that starts missing has moved.
- ``PSI = sum((q - p) * ln(q / p))`` over the bins, with half a count added to every bin so an
  empty bin stays finite.
- Two samples of one population still differ: PSI's expected value under no change is about
  ``(bins - 1) * (1/n_reference + 1/n_current)`` (PSI is a symmetric chi-square-like statistic),
  which for small batches or many categories alone can pass a threshold. ``effect`` is PSI less
  that expectation (at least 0), so the threshold does not depend on the batch size.
- ``beyond_noise``: PSI this large is rarer than :data:`NOISE_P` (a normal tail beyond 3 standard
  deviations) when both samples come from one population. PSI is recomputed on :data:`NOISE_DRAWS` pairs
  of samples of the observed sizes drawn from the pooled bin shares (a parametric bootstrap); the share at
  least as large as the observed PSI is the p-value: exact enough at any batch size, where a chi-square
  approximation fails on batches of a few rows (a bin's expected count under one).

Evidently also offers a PSI test; it bins numbers over equal widths of the combined range (one
outlier squeezes every other value into one bin) and ignores nulls, hence this one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

QUANTILE_BINS = 10
MIN_CATEGORY_SHARE = 0.01  # categories rarer than this in the reference share one bin
POINT_MASS_SHARE = 0.1  # a number this share of the reference holds is a bin of its own
SMOOTHING = 0.5  # counts added to every bin
NOISE_P = 0.00135  # one-sided normal tail beyond 3 standard deviations
NOISE_DRAWS = 10_000
FIRST_DRAWS = 1_000  # drawn first; CLEARLY_NOISE of them at least as large as the PSI settle it as noise
CLEARLY_NOISE = 10


@dataclass(frozen=True)
class ColumnShift:
    column: str
    psi: float
    noise: float  # PSI expected from sampling alone
    effect: float  # max(psi - noise, 0): what the threshold is compared with
    bins: int
    # PSI this large is rarer than NOISE_P with no change: the column changed, by however little (what a key
    # column's drift needs besides its Evidently test)
    beyond_noise: bool = False
    p_value: float = 1.0  # the share of no-change PSIs at least as large (bootstrap; NOISE_DRAWS of them)

    def to_dict(self) -> dict:
        return asdict(self)


def _numeric_counts(reference: pl.Series, current: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    ref = reference.drop_nulls().cast(pl.Float64).to_numpy()
    cur = current.drop_nulls().cast(pl.Float64).to_numpy()
    ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    if ref.size == 0:
        return np.zeros(1, dtype=np.int64), np.array([cur.size])
    # a value that a tenth of the reference rows hold (the zeros of a refund column, a constant) is a bin of
    # its own and the deciles are those of the other values: otherwise every decile edge is that value, one bin
    # holds everything above it, and moving those values shows no effect at all
    values, counts = np.unique(ref, return_counts=True)
    masses = values[counts >= POINT_MASS_SHARE * ref.size]
    rest = ref[~np.isin(ref, masses)]
    edges = np.unique(np.quantile(rest, np.linspace(0, 1, QUANTILE_BINS + 1)[1:-1])) if rest.size else rest
    n = len(edges) + 1 + len(masses)
    return np.bincount(_bins(ref, edges, masses), minlength=n), np.bincount(_bins(cur, edges, masses), minlength=n)


def _bins(values: np.ndarray, edges: np.ndarray, masses: np.ndarray) -> np.ndarray:
    """Bin of each value: between the decile ``edges`` (``[e_i, e_i+1)``), or one past them for each of ``masses``."""
    bins = np.searchsorted(edges, values, side="right")
    if masses.size:
        at = np.searchsorted(masses, values)
        hit = (at < masses.size) & (masses[np.minimum(at, masses.size - 1)] == values)
        bins[hit] = len(edges) + 1 + at[hit]
    return bins


def _category_counts(reference: pl.Series, current: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    ref = reference.drop_nulls().cast(pl.String)
    cur = current.drop_nulls().cast(pl.String)
    counts = ref.value_counts(name="n")
    common = counts.filter(pl.col("n") >= MIN_CATEGORY_SHARE * max(reference.len(), 1))
    categories = common.get_column(ref.name).to_list()
    ref_counts = dict(zip(categories, common.get_column("n").to_list(), strict=True))
    cur_common = cur.filter(cur.is_in(categories)).value_counts(name="n")
    cur_counts = dict(zip(cur_common.get_column(cur.name).to_list(), cur_common.get_column("n").to_list(), strict=True))
    ref_vector = [ref_counts[c] for c in categories] + [ref.len() - sum(ref_counts.values())]
    cur_vector = [cur_counts.get(c, 0) for c in categories] + [cur.len() - sum(cur_counts.values())]
    return np.array(ref_vector, dtype=np.int64), np.array(cur_vector, dtype=np.int64)


def column_shift(reference: pl.Series, current: pl.Series, *, numeric: bool) -> ColumnShift:
    """The corrected PSI of ``current`` against ``reference`` (one column, same name)."""
    counter = _numeric_counts if numeric else _category_counts
    ref_counts, cur_counts = counter(reference, current)
    # nulls (and, for numbers, non-finite values) are one more bin
    ref_counts = np.append(ref_counts, reference.len() - ref_counts.sum())
    cur_counts = np.append(cur_counts, current.len() - cur_counts.sum())
    used = (ref_counts + cur_counts) > 0
    ref_counts, cur_counts = ref_counts[used], cur_counts[used]
    bins = int(used.sum())
    n_ref, n_cur = int(ref_counts.sum()), int(cur_counts.sum())
    if n_ref == 0 or n_cur == 0 or bins < 2:
        return ColumnShift(reference.name, 0.0, 0.0, 0.0, bins)
    psi = _psi(ref_counts, cur_counts)
    noise = (bins - 1) * (1 / n_ref + 1 / n_cur)
    p_value = _no_change_p_value(psi, ref_counts, cur_counts)
    return ColumnShift(reference.name, psi, noise, max(psi - noise, 0.0), bins, p_value < NOISE_P, p_value)


def _psi(ref_counts: np.ndarray, cur_counts: np.ndarray) -> np.ndarray | float:
    """PSI of bin counts (along the last axis), half a count added to every bin."""
    bins = ref_counts.shape[-1]
    p = (ref_counts + SMOOTHING) / (ref_counts.sum(-1, keepdims=True) + SMOOTHING * bins)
    q = (cur_counts + SMOOTHING) / (cur_counts.sum(-1, keepdims=True) + SMOOTHING * bins)
    psi = np.sum((q - p) * np.log(q / p), axis=-1)
    return float(psi) if np.ndim(psi) == 0 else psi


def _no_change_p_value(psi: float, ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """The share of PSIs at least ``psi`` between samples of the observed sizes from the pooled bin shares
    (seeded: the same counts give the same p-value).

    The first :data:`FIRST_DRAWS` draws settle most columns: when :data:`CLEARLY_NOISE` of them or more reach
    ``psi``, the p-value (about 0.01 or more) is far above :data:`NOISE_P` and is taken from those draws; a
    column whose true p-value is under :data:`NOISE_P` gets that many with a probability of about 1e-6. The
    others are judged on all :data:`NOISE_DRAWS`."""
    rng = np.random.default_rng(0)
    pooled = (ref_counts + cur_counts) / (ref_counts.sum() + cur_counts.sum())

    def at_least_as_large(draws: int) -> int:
        drawn = _psi(
            rng.multinomial(int(ref_counts.sum()), pooled, size=draws),
            rng.multinomial(int(cur_counts.sum()), pooled, size=draws),
        )
        # a hair of tolerance: draws of the observed counts themselves count as at least as large
        return int(np.sum(drawn >= psi * (1 - 1e-9)))

    found = at_least_as_large(FIRST_DRAWS)
    if found >= CLEARLY_NOISE:
        return (1 + found) / (1 + FIRST_DRAWS)
    found += at_least_as_large(NOISE_DRAWS - FIRST_DRAWS)
    return (1 + found) / (1 + NOISE_DRAWS)
