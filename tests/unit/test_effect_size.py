"""One column's effect size: PSI over reference deciles or categories, less its sampling noise."""

import math

import numpy as np
import polars as pl
import pytest

from twinforge.monitoring.effect_size import column_shift

pytestmark = pytest.mark.unit


def test_psi_matches_a_hand_computation_on_categories():
    reference = pl.Series("c", ["a"] * 50 + ["b"] * 50)
    current = pl.Series("c", ["a"] * 80 + ["b"] * 20)
    shift = column_shift(reference, current, numeric=False)
    p = np.array([50.5, 50.5]) / 101
    q = np.array([80.5, 20.5]) / 101
    assert shift.psi == pytest.approx(float(np.sum((q - p) * np.log(q / p))))
    assert shift.bins == 2 and shift.noise == pytest.approx(1 / 100 + 1 / 100)
    assert shift.effect == pytest.approx(shift.psi - shift.noise)


def test_the_same_population_has_no_effect_and_a_shift_a_large_one():
    rng = np.random.default_rng(0)
    reference = pl.Series("x", rng.normal(40, 10, 20_000))
    same = pl.Series("x", rng.normal(40, 10, 300))
    assert column_shift(reference, same, numeric=True).effect < 0.05
    moved = pl.Series("x", rng.normal(40 + 30, 10, 300))
    assert column_shift(reference, moved, numeric=True).effect > 1.0


def test_small_batches_of_many_categories_are_not_noise_alarms():
    rng = np.random.default_rng(1)
    categories = [f"clinic{i}" for i in range(60)]
    reference = pl.Series("c", rng.choice(categories, 20_000))
    shifts = [column_shift(reference, pl.Series("c", rng.choice(categories, 150)), numeric=False) for _ in range(20)]
    assert max(s.psi for s in shifts) > 0.25  # raw PSI alone would pass the default threshold...
    assert max(s.effect for s in shifts) < 0.25  # ...the noise-corrected effect does not


def test_nulls_are_a_bin_so_a_column_that_empties_has_moved():
    reference = pl.Series("x", [1.0, 2.0, 3.0, 4.0] * 100)
    emptied = pl.Series("x", [None] * 200, dtype=pl.Float64)
    shift = column_shift(reference, emptied, numeric=True)
    assert shift.effect > 2 and math.isfinite(shift.psi)


def test_values_beyond_the_reference_range_land_in_the_outer_bins():
    reference = pl.Series("x", np.arange(1000, dtype=float))
    beyond = pl.Series("x", np.full(200, 10_000.0))
    shift = column_shift(reference, beyond, numeric=True)
    assert shift.bins == 10 and shift.effect > 2  # ten deciles (no nulls: no null bin)


def test_a_value_most_rows_hold_is_a_bin_of_its_own():
    # refunds: 90% zeros. Every decile edge is 0, and values equal to an edge shared a bin with those above it,
    # so a mean refund going from about 1 to 1,800 had an effect size of exactly 0
    rng = np.random.default_rng(0)

    def refunds(n, scale):
        return pl.Series("refund", np.where(rng.random(n) < 0.9, 0.0, rng.exponential(scale, n)))

    moved = column_shift(refunds(3000, 10), refunds(500, 18_000), numeric=True)
    assert moved.effect > 0.25 and moved.bins >= 3  # past the default column_threshold
    assert column_shift(refunds(3000, 10), refunds(500, 10), numeric=True).effect < 0.05
    constant = column_shift(pl.Series("c", [5.0] * 1000), pl.Series("c", [7.0] * 200), numeric=True)
    assert constant.effect > 1.0


def test_continuous_columns_keep_their_deciles():
    rng = np.random.default_rng(1)
    shift = column_shift(pl.Series("x", rng.normal(size=5000)), pl.Series("x", rng.normal(size=500)), numeric=True)
    assert shift.bins == 10  # ten deciles (no nulls on either side: no null bin)


def test_a_few_values_all_beyond_the_reference_range_are_beyond_noise():
    # ten rows whose tenure all lie above the reference's largest: PSI over deciles cannot tell this from noise
    # on ten rows (a bin's expected count is one), but ten of ten values outside the range of 800 is not chance
    rng = np.random.default_rng(0)
    reference = pl.Series("tenure", rng.gamma(2, 12, 800))
    shift = column_shift(reference, pl.Series("tenure", rng.gamma(2, 12, 10) + 200), numeric=True)
    assert shift.beyond_noise and shift.p_value < 0.001
    # ten-row batches of the reference's population: beyond noise about as often as the test's level says
    same = [column_shift(reference, pl.Series("tenure", rng.gamma(2, 12, 10)), numeric=True) for _ in range(200)]
    assert sum(s.beyond_noise for s in same) <= 1 and np.mean([s.p_value for s in same]) > 0.3
    large = [column_shift(reference, pl.Series("tenure", rng.gamma(2, 12, 5000)), numeric=True) for _ in range(20)]
    assert not any(s.beyond_noise for s in large)


def test_columns_settled_on_the_first_draws_get_the_verdict_of_all_draws(monkeypatch):
    from twinforge.monitoring import effect_size

    rng = np.random.default_rng(5)
    cases = []
    for shift in [0.0, 0.0, 0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5]:
        for n in (30, 200, 2000):
            reference = pl.Series("x", rng.normal(0, 1, 3000))
            cases.append((reference, pl.Series("x", rng.normal(shift, 1, n))))
    fast = [column_shift(r, c, numeric=True) for r, c in cases]
    monkeypatch.setattr(effect_size, "FIRST_DRAWS", effect_size.NOISE_DRAWS)  # every draw, for every column
    full = [column_shift(r, c, numeric=True) for r, c in cases]
    assert [s.beyond_noise for s in fast] == [s.beyond_noise for s in full]
    assert 0 < sum(s.beyond_noise for s in full) < len(cases)  # both verdicts occur
    # a column settled on the first draws (a p-value over 0.01) is far above the threshold by all draws too
    settled = [(f, s) for f, s in zip(fast, full, strict=True) if f.p_value > 0.01]
    assert settled and all(s.p_value > 0.005 for _, s in settled)
