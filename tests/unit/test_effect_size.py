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
