"""Phone numbers stored as integers: a spreadsheet drops the trunk prefix 0 of national numbers
(07911 123456 becomes 7911123456), which leaves no '+' and no 0 for a phone pattern to find. By content
they look like measurements of the same length (docs/privacy.md), so a phone column's name finds them."""

import numpy as np
import polars as pl
import pytest

from twinforge.privacy.pii.detect import detect_pii
from twinforge.privacy.pii.entities import PHONE


def _column_entity(values, name="contact"):
    report = detect_pii(pl.DataFrame({name: values, "n": list(range(len(values)))}))
    finding = report.columns[name].column_finding
    return finding.entity if finding is not None else None


def _trunkless_mobiles(n=300, seed=0):
    """British mobiles as a spreadsheet stores them: 07911 123456 as the integer 7911123456."""
    rng = np.random.default_rng(seed)
    return [int(f"{rng.choice(['7400', '7700', '7911'])}{rng.integers(0, 10**6):06d}") for _ in range(n)]


@pytest.mark.parametrize("name", ["mobile", "cell", "whatsapp", "landline", "msisdn", "phone_no", "TEL"])
def test_integer_mobiles_are_found_by_a_phone_columns_name(name):
    assert _column_entity(_trunkless_mobiles(), name=name) == PHONE


@pytest.mark.parametrize("digits", [8, 9, 10, 11])
def test_random_ids_of_phone_length_are_not(digits):
    rng = np.random.default_rng(digits)
    values = rng.integers(10 ** (digits - 1), 10**digits, size=300).tolist()
    values = values + values[:50]  # repeats: not a unique key either
    assert _column_entity(values) is None
