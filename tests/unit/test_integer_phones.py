"""Phone numbers stored as integers: a spreadsheet drops the trunk prefix 0 of national numbers
(07911 123456 becomes 7911123456), which leaves no '+' and no 0 for a phone pattern to find."""

import numpy as np
import polars as pl
import pytest

from twinforge.privacy.pii.detect import detect_pii
from twinforge.privacy.pii.entities import PHONE


def _column_entity(values, name="contact"):
    report = detect_pii(pl.DataFrame({name: values, "n": list(range(len(values)))}))
    finding = report.columns[name].column_finding
    return finding.entity if finding is not None else None


def _mobiles(prefixes, rest_digits, n=300, seed=0):
    rng = np.random.default_rng(seed)
    return [int(f"{rng.choice(prefixes)}{rng.integers(0, 10**rest_digits):0{rest_digits}d}") for _ in range(n)]


@pytest.mark.parametrize(
    ("prefixes", "rest_digits"),
    [
        (["7400", "7700", "7800", "7911", "7723"], 6),  # British mobiles, 07xxx xxxxxx
        (["151", "160", "170", "176"], 8),  # German mobiles, 015x/016x/017x
        (["6", "7"], 8),  # French mobiles, 06/07 xx xx xx xx
        (["530", "532", "542", "555"], 7),  # Turkish mobiles, 05xx xxx xx xx
        # (nine-digit ones, Australia's 04xx xxx xxx, are also SSN-shaped: PII either way)
    ],
    ids=["gb", "de", "fr", "tr"],
)
def test_national_mobiles_without_their_trunk_zero_are_phone_numbers(prefixes, rest_digits):
    assert _column_entity(_mobiles(prefixes, rest_digits)) == PHONE


@pytest.mark.parametrize("digits", [8, 9, 10, 11])
def test_random_ids_of_phone_length_are_not(digits):
    rng = np.random.default_rng(digits)
    values = rng.integers(10 ** (digits - 1), 10**digits, size=300).tolist()
    values = values + values[:50]  # repeats: not a unique key either
    assert _column_entity(values) is None


def test_a_column_named_for_a_messenger_number_is_a_phone_column():
    report = detect_pii(pl.DataFrame({"whatsapp": ["x"] * 3, "landline": ["y"] * 3}))
    assert {c: d.column_finding.entity for c, d in report.columns.items() if d.column_finding} == {
        "whatsapp": PHONE,
        "landline": PHONE,
    }
