"""PII detection and masking, eighth round (issue 17): names with a nickname in quotes, "LAST/FIRST",
"Last (First)", and birth dates with an apostrophe for the century or in CJK characters. Cases
written for these tests (not taken from any corpus), each with negatives."""

import datetime as dt

import polars as pl
import pytest

from tests.pii_cases import FIRST, INVENTED, LAST, column_entity, mask_one
from twinforge.privacy.pii.recognizers import parse_dates, plain_name_text


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ("Teodora 'Teo' Varga", "Teodora Varga"),
        ('Rasmus "Ras" Lindqvist', "Rasmus Lindqvist"),
        ("DEMIR/YUSUF", "DEMIR YUSUF"),
        ("Halvorsen (Ingrid)", "Halvorsen Ingrid"),
        # not names: left as they were, or only their punctuation taken out
        ("12/05/1990", "12/05/1990"),
        ("Order (2 items)", "Order (2 items)"),
        ("press 'Start' twice", "press twice"),
    ],
)
def test_name_formats_punctuation_is_taken_out_for_the_name_tests(value, plain):
    assert plain_name_text(value) == plain


def _shaped(i: int) -> str:
    first, last = (FIRST if i % 2 else INVENTED)[i % 10], (LAST if i % 3 else INVENTED)[(i * 7) % 10]
    nick = INVENTED[(i * 3) % 10]
    shapes = (f"{first} '{nick}' {last}", f"{last.upper()}/{first.upper()}", f"{last} ({first})", f"{first} {last}")
    return shapes[i % 4]


def test_a_column_of_names_in_booking_formats_is_a_name_column():
    assert column_entity([_shaped(i) for i in range(60)]) == "PERSON"


@pytest.mark.parametrize(
    "values",
    [
        [f"EUR/{c}" for c in ("USD", "GBP", "CHF", "JPY", "SEK", "NOK")] * 10,  # currency pairs
        [f"{c} ({k})" for c, k in zip(["Paris", "Lyon", "Nice", "Lille", "Nantes", "Metz"] * 10, range(60))],
        [f"Input/Output {i}" for i in range(60)],
    ],
)
def test_slashed_and_bracketed_values_that_are_no_names_are_no_name_column(values):
    assert column_entity(values) != "PERSON"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Booked DEMIR/YUSUF on the 9:40 flight", "Booked <PERSON>/<PERSON> on the 9:40 flight"),
        ("Call Drovik 'Teo' Talmeya back", "Call <PERSON> '<PERSON>' <PERSON> back"),
        ("Ask Halvorsen (Ingrid) first", "Ask <PERSON> (<PERSON>) first"),
        # no name: a path and a ratio stay
        ("logs go to /var/tmp/out", "logs go to /var/tmp/out"),
        ("the input/output ratio rose", "the input/output ratio rose"),
    ],
)
def test_names_in_booking_formats_are_masked_in_text(text, masked):
    assert mask_one(text) == masked


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12 Mar '85", dt.date(1985, 3, 12)),
        ("4 Nov ’02", dt.date(2002, 11, 4)),
        ("1985年3月12日", dt.date(1985, 3, 12)),
        ("1979년 11월 3일", dt.date(1979, 11, 3)),
        ("2024年", None),
        ("'85", None),
    ],
)
def test_birth_dates_with_an_apostrophe_for_the_century_or_in_cjk_characters_are_read(value, expected):
    assert parse_dates(pl.Series([value]), today=dt.date(2026, 1, 1)).to_list() == [expected]


def test_a_column_of_birth_dates_in_japanese_characters_is_found():
    values = [f"{1940 + (i * 7) % 60}年{1 + i % 12}月{1 + i % 28}日" for i in range(60)]
    assert column_entity(values) == "DATE_OF_BIRTH"


COLOMBIAN = [
    f"{t} {n} # {c}-{d}{s}"
    for t, n, c, d, s in zip(
        ["Calle", "Carrera", "Cl.", "Cra.", "Diagonal", "Tv.", "Av. Calle", "Kr", "Dg.", "Transversal"] * 6,
        range(3, 123, 2),
        range(60, 0, -1),
        range(1, 61),
        ["", " Sur", "", " Este", "", ""] * 10,
    )
]


def test_a_column_of_colombian_addresses_is_found_and_masked_whole_in_text():
    assert column_entity(COLOMBIAN) == "STREET_ADDRESS"
    assert mask_one(f"Deliver to {COLOMBIAN[1]} before noon") == "Deliver to <ADDRESS> before noon"
    assert mask_one(f"Deliver to {COLOMBIAN[4]}, then call") == "Deliver to <ADDRESS>, then call"


@pytest.mark.parametrize("text", ["Ticket #12-34 closed", "Room 4 # 2-1 is free", "Order no 12-34 shipped"])
def test_number_signs_and_ranges_without_a_street_type_are_no_address(text):
    assert mask_one(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Date of birth of the client: 12 Mar '85.", "Date of birth of the client: <DATE>."),
        ("KYC / DOB 1985年3月12日 / checked", "KYC / DOB <DATE> / checked"),
        ("born Mar-12-1985 at home", "born <DATE_OF_BIRTH> at home"),
        ("생년월일 1979년 11월 3일", "생년월일 <DATE>"),
        # no date: a month name and one number, a year alone in characters
        ("the 12 Mar meeting moved", "the 12 Mar meeting moved"),
        ("founded in 1985年", "founded in 1985年"),
    ],
)
def test_dates_with_an_apostrophe_for_the_century_hyphens_or_cjk_characters_are_masked_in_text(text, masked):
    assert mask_one(text) == masked
