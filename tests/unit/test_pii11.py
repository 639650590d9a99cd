"""PII detection and masking, eleventh round (issue 17): "14th of April 1965", a weekday in brackets after a
date, a comma before a phone extension's word, "bint" in Arabic name chains, and pronouns in brackets after
a name. Cases written for these tests (not taken from any corpus), each with negatives."""

import polars as pl
import pytest

from tests.pii_cases import INVENTED, LAST, column_entity, mask_one
from twinforge.privacy.pii.recognizers import parse_dates


def test_a_weekday_in_brackets_after_a_date_is_read_and_masked_with_it():
    values = [f"{1940 + i % 60}/{1 + i % 12:02d}/{1 + (i * 7) % 28:02d} (Mon)" for i in range(60)]
    assert parse_dates(pl.Series(values)).null_count() == 0
    assert column_entity(values) == "DATE_OF_BIRTH"
    assert mask_one("Born 1955/12/06 (Tue) in town.") == "Born <DATE_OF_BIRTH> in town."
    # a bracket that is no weekday stays
    assert mask_one("Seen 2021-05-12 (two visits).") == "Seen <DATE> (two visits)."


@pytest.mark.parametrize("date", ["14th of April 1965", "3rd of Oct 1990", "1 of March 1977"])
def test_a_day_of_a_month_name_and_a_year_is_a_date_in_text(date):
    assert mask_one(f"Registered on {date} at the desk.") == "Registered on <DATE> at the desk."


def test_a_comma_before_an_extension_word_keeps_the_extension_with_the_number():
    assert mask_one("Call +52 (55) 1086-8186, ramal 381 today.") == "Call <PHONE> today."
    assert mask_one("Call +52 (55) 1086-8186, then wait.") == "Call <PHONE>, then wait."


def test_an_arabic_name_chain_with_bint_is_masked_whole():
    masked = mask_one(f"Referral for {INVENTED[0]} bint Hamza ibn Rashid {LAST[2]} arrived.")
    assert masked.startswith("Referral for <PERSON>") and masked.endswith(" arrived.")
    for word in (INVENTED[0], "bint", "Hamza", "Rashid", LAST[2]):
        assert word not in masked


@pytest.mark.parametrize("pronouns", ["she/her", "he/him", "they/them", "she/they"])
def test_pronouns_in_brackets_after_a_name_go_with_it(pronouns):
    masked = mask_one(f"Signed, {INVENTED[3]} {LAST[4]} ({pronouns})\nsent from my phone")
    assert masked == "Signed, <PERSON> <PERSON> (<PERSON>/<PERSON>)\nsent from my phone"


def test_pronouns_in_brackets_after_no_name_stay():
    assert mask_one("the form asks for pronouns (she/her) first") == "the form asks for pronouns (she/her) first"


def test_the_decimals_of_an_amount_start_no_address():
    line = "DEBIT   1,250.00 EUR   SEPA CT to branch   REF RENT-Q2"
    assert mask_one(line) == line
    assert (
        mask_one("Paid 12.50, then moved to 12 Harbour Court with them")
        == "Paid 12.50, then moved to <ADDRESS> with them"
    )
    assert mask_one("Ship to 4 Mill Lane, please.") == "Ship to <ADDRESS>, please."
