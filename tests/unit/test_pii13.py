"""PII masking, thirteenth round (issue 17): what goes with a masked address in free text (a flat
after the house number, the areas, towns and postcode after it, the unit words in front), Spanish
"C/" streets and South Slavic streets named after a king or a ban. Cases written for these tests (not
taken from any corpus), each with negatives. Birth dates as Japanese era dates ("S59.08.01"), six digits
("780211") and "14.Mar.1980"."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tests.pii_cases import FIRST, INVENTED, LAST, column_entity, mask_one
from twinforge.privacy.pii.entities import DOB
from twinforge.privacy.pii.recognizers import parse_dates


@pytest.mark.parametrize(
    "address",
    [
        f"{INVENTED[0]} iela 60 - 29",  # a Latvian flat after the house number
        f"{INVENTED[1]}ntie 94 C 44",  # a Finnish staircase and flat
        f"{INVENTED[2]}gade 18, 2. tv.",  # a Danish floor and side
        f"C/ {INVENTED[3]}, 32, 7º izda.",  # a Spanish street, floor and door
        "P.O. Box 58619-80100",  # a P.O. box and its postcode
        f"House 57, Road 12/B, {INVENTED[4]} R/A, {INVENTED[5]}, 1873",  # areas, a town, a postcode
        f"Flat 4, House 7, {INVENTED[6]} {INVENTED[7]}",  # a unit word in front
        f"#679, 14th Cross, 6th Main, {INVENTED[8]} Layout",  # a number sign in front, more parts after
        f"Ulica kralja {INVENTED[9]} 61",  # a street named after a king
    ],
)
def test_an_address_is_masked_with_its_flat_areas_and_town(address):
    masked = mask_one(f"Delivered to {address}; signed by the porter.")
    assert masked == "Delivered to <ADDRESS>; signed by the porter."


def test_what_follows_an_address_stops_at_lower_case_words_and_other_punctuation():
    assert mask_one(f"Sender: 12 {INVENTED[0]} Road | Contents: 2 mugs") == "Sender: <ADDRESS> | Contents: 2 mugs"
    masked = mask_one(f"I live at 12 {INVENTED[0]} Road, and I wish to appeal.")
    assert masked == "I live at <ADDRESS>, and I wish to appeal."


def test_no_address_no_continuation():
    # a range, floor-like numbers and a hash without an address are left alone
    for text in (
        "Pages 60 - 29 of the report, 2. th. edition",
        "Order #679, 14 items, C 44 and B 12 on the shelf.",
        "Paid 1,250.00 EUR, ref 7º C.",
        "The c/o line and C/C++ code are unchanged.",
        "Ulica is a word; kralja too.",
    ):
        assert mask_one(text) == text


def test_japanese_era_dates_read_as_dates():
    parsed = parse_dates(pl.Series(["S59.08.01", "H09.12.08", "R2.3.4", "T15.01.31", "S64.01.07"]))
    assert parsed.to_list() == [
        dt.date(1984, 8, 1),
        dt.date(1997, 12, 8),
        dt.date(2020, 3, 4),
        dt.date(1926, 1, 31),
        dt.date(1989, 1, 7),
    ]
    # no era letter, a letter that is no era, or a month or day out of range: no date
    assert parse_dates(pl.Series(["X59.08.01", "S59.13.01", "S59.08.32", "S59.08"])).null_count() == 4


def test_six_digit_dates_read_year_first_else_day_first():
    parsed = parse_dates(pl.Series(["780211", "031228", "261289"]), today=dt.date(2026, 1, 1))
    assert parsed.to_list() == [dt.date(1978, 2, 11), dt.date(2003, 12, 28), dt.date(1989, 12, 26)]
    assert parse_dates(pl.Series(["781511", "123456"])).null_count() == 2


def _birth_dates(make) -> list[str]:
    rng = np.random.default_rng(7)
    days = [dt.date(1940, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 60 * 365, 60)]
    return [make(d) for d in days]


def test_columns_of_era_and_six_digit_birth_dates_are_birth_dates():
    era = _birth_dates(
        lambda d: f"{'S' if d.year < 1989 else 'H'}{d.year - (1925 if d.year < 1989 else 1988):02d}.{d:%m.%d}"
    )
    assert column_entity(era) == DOB
    assert column_entity(_birth_dates(lambda d: f"{d:%y%m%d}")) == DOB


def test_six_digit_numbers_are_no_birth_dates():
    rng = np.random.default_rng(3)
    assert column_entity([str(v) for v in rng.integers(100_000, 999_999, 60)]) != DOB


def test_birth_dates_in_text_as_era_dates_six_digits_and_dotted_month_names():
    for date in ("S22.02.06", "780211", "14.Mar.1980"):
        assert mask_one(f"Student (DOB {date}) - Form 9") == "Student (DOB <DATE_OF_BIRTH>) - Form 9"
    # six digits without a birth word are no date; an era-like code in a sentence with no date shape stays
    assert mask_one("Order 780211 shipped, part S21.3 in stock.") == "Order 780211 shipped, part S21.3 in stock."


def test_everyday_words_in_forms_are_no_names_but_names_beside_them_are():
    text = "[x] Contract signed [ ] Salary to the bank [ ] Tutor: none. Left with Reception at the Maple Lodge."
    assert mask_one(text) == text
    # listed names that are English words too stay names; a title before an unlisted name goes with it
    masked = mask_one(f"The Contract for {FIRST[0]} {LAST[0]} was signed.")
    assert masked.startswith("The Contract for <PERSON>") and FIRST[0] not in masked and LAST[0] not in masked
    masked = mask_one(f"Witness: Rabbi {INVENTED[0]} {INVENTED[1]} signed.")
    assert masked.startswith("Witness: <PERSON>") and not {"Rabbi", INVENTED[0], INVENTED[1]} & set(masked.split())


def test_a_tel_uris_extension_goes_with_its_number():
    assert mask_one("Call tel:+1-450-938-3491;ext=6912 today.") == "Call <PHONE> today."
    assert mask_one("Set ;ext=6912 in the config.") == "Set ;ext=6912 in the config."
