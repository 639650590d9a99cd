"""PII detection and masking, seventh round (issue 17): one test per class of fix, with cases
written for these tests (not taken from any corpus), each with negatives."""

import datetime as dt

import polars as pl
import pytest

from tests.pii_cases import column_entity, mask_one
from twinforge.privacy.pii.recognizers import month_words, parse_dates

# ------------------------------------------------------------------ dates: month names of other languages


def test_month_words_come_from_faker_in_many_languages():
    words = month_words()
    assert words["marzo"] == 3 and words["märz"] == 3 and words["octobre"] == 10 and words["august"] == 8
    assert words["październik"] == 10 and words["kasım"] == 11 and words["listopad"] == 11
    assert set(words.values()) == set(range(1, 13))
    # Faker's Gujarati months are those of the Hindu lunar calendar: no Gregorian month number
    assert "chaitra" not in words


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("14 de febrero de 1971", dt.date(1971, 2, 14)),
        ("9. Oktober 1958", dt.date(1958, 10, 9)),
        ("27 novembre 1966", dt.date(1966, 11, 27)),
        ("2 de janeiro de 1980", dt.date(1980, 1, 2)),
        ("21JUL1977", dt.date(1977, 7, 21)),
    ],
)
def test_dates_with_month_names_of_other_languages_are_read(value, expected):
    assert parse_dates(pl.Series([value]), today=dt.date(2026, 1, 1)).to_list() == [expected]


def test_a_column_of_birth_dates_in_portuguese_words_is_found():
    months = "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro".split()
    values = [f"{1 + i % 28} de {months[i % 12]} de {1940 + (i * 7) % 60}" for i in range(60)]
    assert column_entity(values) == "DATE_OF_BIRTH"


def test_a_column_of_recent_days_in_spanish_words_is_no_birth_date():
    months = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
    values = [f"{1 + i % 28} de {months[i % 12]} de 2025" for i in range(60)]
    assert column_entity(values) != "DATE_OF_BIRTH"


@pytest.mark.parametrize(
    "text",
    [
        "Geboren am 9. Oktober 1958 in Graz.",
        "Fecha: 14 de febrero de 1971, sin cambios.",
        "DOB 21JUL1977 per the chart.",
        "Admitted 2021-04-09T14:30:00Z via the ER.",
    ],
)
def test_dates_in_text_are_masked_whole(text):
    out = mask_one(text)
    assert not any(part in out for part in ("1958", "1971", "1977", "2021", "14:30", "Oktober", "febrero"))


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Applicant gave DOB as 19790312 at the desk.", "<DATE_OF_BIRTH>"),
        ("She was born 1981. 11. 02. in Szeged.", "<DATE_OF_BIRTH>"),
        ("Renewal due 2031-Sep-04 at the latest.", "<DATE>"),
    ],
)
def test_year_first_dates_and_birth_dates_in_eight_digits_aremask_one(text, token):
    out = mask_one(text)
    assert token in out and not any(y in out for y in ("1979", "1981", "2031"))


@pytest.mark.parametrize("text", ["Order 19790312 shipped.", "Version 2024. 1. 3 is out.", "Batch 1981 of 2031 done."])
def test_eight_digits_without_a_birth_word_and_versions_are_no_dates(text):
    out = mask_one(text)
    assert "<DATE>" not in out and "<DATE_OF_BIRTH>" not in out


@pytest.mark.parametrize(
    "text", ["Take 2 de 3 tablets.", "Room 12 Mars 3 was booked.", "Order 12 mai was late.", "Shipment 4 of May."]
)
def test_month_words_without_a_year_stay(text):
    out = mask_one(text)
    assert "<DATE>" not in out and "<DATE_OF_BIRTH>" not in out


# ------------------------------------------------------------------ phones: dotted pairs, tel: links


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("please ring 04.91.22.37.60 after six.", "please ring <PHONE> after six."),
        ("please ring 04.91.22.37.60 after six.", "please ring <PHONE> after six."),
        ("the link tel:+3225551234 is on the card.", "the link <PHONE> is on the card."),
        ("Use callto:+4420794600 today.", "Use <PHONE> today."),
    ],
)
def test_phone_numbers_in_dotted_pairs_and_phone_links_aremask_one(text, masked):
    assert mask_one(text) == masked


@pytest.mark.parametrize(
    "text", ["Build 1.2.3.4.5 passed.", "Host 10.20.30.40 answered.", "Ticket 12-3 closed.", "Due 03.04.2026 at noon."]
)
def test_versions_ip_addresses_and_dates_are_no_dotted_phones(text):
    assert "<PHONE>" not in mask_one(text)


# ------------------------------------------------------------------ names: lower case, initials, credentials


@pytest.mark.parametrize(
    "text",
    ["ok so maria fernandes says the box is empty", "pls forward to john kowalski asap"],
)
def test_lower_case_first_and_last_names_aremask_one(text):
    out = mask_one(text)
    assert out.count("<PERSON>") == 2
    assert not any(w in out for w in ("maria", "fernandes", "john", "kowalski"))


@pytest.mark.parametrize(
    "text",
    [
        "the invoice will go out on friday",
        "we need more paper and ink for the printer",
        "please send the report by noon",
    ],
)
def test_lower_case_words_that_are_no_names_stay(text):
    assert mask_one(text) == text


def test_initials_without_dots_before_a_surname_aremask_one():
    assert mask_one("Signed by KT Oyelaran today.") == "Signed by <PERSON> <PERSON> today."


@pytest.mark.parametrize("text", ["The US office opened.", "Ask IT support first.", "OR schedule is full."])
def test_acronyms_before_a_capitalised_word_are_no_initials(text):
    assert "<PERSON>" not in mask_one(text)


def test_post_nominal_letters_go_with_the_name():
    out = mask_one("Seen by Priya Raman, DNP yesterday.")
    assert "DNP" not in out and "Priya" not in out and "Raman" not in out


def test_a_label_after_a_name_and_its_comma_stays():
    assert "DOB:" in mask_one("Priya Raman, DOB: 1980-01-02")


@pytest.mark.parametrize("text", ["Will the meeting move?", "June was warm and dry.", "Per the contract, pay now."])
def test_common_words_that_are_listed_names_need_a_neighbour(text):
    assert "<PERSON>" not in mask_one(text)


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("Will Ferrante phoned.", "phoned"),
        ("Mr. Young phoned.", "Mr."),
        ("Dana K. Young phoned.", "phoned"),  # beside an initial and its dot
        ("Leah Ferrante-Young phoned.", "phoned"),  # beside a hyphen
    ],
)
def test_common_words_that_are_listed_names_are_masked_beside_a_name_or_title(text, left):
    out = mask_one(text)
    assert left in out and not any(w in out for w in ("Will", "Young", "Ferrante", "Dana", "Leah"))


# ------------------------------------------------------------------ addresses: a number word before the house number


@pytest.mark.parametrize(
    "text",
    [
        "Moved from Kavak Sokak No: 41 Daire: 7 in May.",
        "Lives at ulitsa Sadovaya, d. 9, kv. 112 now.",
        "Send it to Ilica ulica br. 23 please.",
    ],
)
def test_street_with_a_number_word_before_the_house_number_ismask_one(text):
    out = mask_one(text)
    assert "<ADDRESS>" in out and not any(d in out for d in ("41", "9,", "112", "23"))


@pytest.mark.parametrize("text", ["No 5 was late again.", "Vote no 3 times."])
def test_a_number_word_without_a_street_is_no_address(text):
    assert "<ADDRESS>" not in mask_one(text)
