"""Birth dates written with the day as an ordinal and "day of" (issue 17: birth dates in text).

Reproduced on a held-out corpus: "Date of birth: the twenty-first day of December, 1966" and "born the first day of
March, 1963" were left whole (the "the fourth of June, 2006" form was masked)."""

import pytest

from tests.pii_cases import mask_one


@pytest.mark.parametrize(
    "text",
    [
        "Date of birth: the twenty-first day of December, 1966",
        "He was born the first day of March, 1963, in Leeds.",
        "born on the 21st day of December, 1966",
        "Fecha nacimiento: the eighteenth day of May, 2007",
        "DOB: twenty-first December 1966",
    ],
)
def test_a_day_as_an_ordinal_before_the_month_is_masked(text):
    out = mask_one(text)
    for word in ("first", "21st", "eighteenth", "December", "March", "May", "1966", "1963", "2007"):
        assert word not in out, out


def test_an_ordinal_without_a_month_is_kept():
    text = "She came first on the second day of the fair."
    assert mask_one(text) == text
