"""PII detection and masking, ninth round (issue 17): maiden names after "née", couples joined by "&",
"Last; First", a common first name in most of a column, birth dates written with underscores, phone
extensions in other languages, and version numbers that read as dates. Cases written for these tests
(not taken from any corpus), each with negatives."""

import polars as pl
import pytest

from tests.pii_cases import FIRST, INVENTED, LAST, column_entity, mask_one
from twinforge.privacy.pii.recognizers import birth_date_share, parse_dates, plain_name_text


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ("Teodora Drovik (née Varga)", "Teodora Drovik Varga"),
        ("Ingrid Halvorsen geb. Brandt", "Ingrid Halvorsen Brandt"),
        ("Yusuf & Noor Demir", "Yusuf Noor Demir"),
        ("Quorsen; Belvira", "Quorsen, Belvira"),
        # not names, or a firm's: left as they were
        ("Lindqvist & Costa", "Lindqvist & Costa"),
        ("Marks and Spencer", "Marks and Spencer"),
        ("Born Free", "Born Free"),
        ("a; b; c", "a; b; c"),
    ],
)
def test_maiden_names_couples_and_semicolons_are_read_as_names_words(value, plain):
    assert plain_name_text(value) == plain


def _shaped(i: int) -> str:
    first, last = (FIRST if i % 2 else INVENTED)[i % 10], (LAST if i % 3 else INVENTED)[(i * 7) % 10]
    other = INVENTED[(i * 3) % 10]
    shapes = (f"{first} {last} (née {other})", f"{first} & {FIRST[(i + 3) % 10]} {last}", f"{last}; {first}")
    return shapes[i % 3]


def test_a_column_of_maiden_names_couples_and_semicolons_is_a_name_column():
    assert column_entity([_shaped(i) for i in range(60)]) == "PERSON"


def test_a_common_first_name_in_most_values_does_not_stop_a_name_column():
    values = [f"{'John' if i % 3 else 'Jane'} {(LAST + INVENTED)[i % 20]}-{INVENTED[(i * 7) % 10]}" for i in range(60)]
    assert column_entity(values) == "PERSON"
    # a shared word that is no first name still marks a look-alike: streets of one town
    assert column_entity([f"{INVENTED[i % 10]}{i} Harbourside" for i in range(60)]) is None


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Letters for Teodora Varga (née Drovik) go upstairs.", ["Letters", "go upstairs"]),
        ("we met Quorsen & Ingrid Mirrel at noon.", ["we met", "at noon"]),
        ("Forward it to Zantho; Belvira by Friday.", ["Forward it to", "by Friday"]),
        # negatives: no name after the marker, a firm of two names joined by "&"
        ("The ship was born in 1990.", ["The ship was born in 1990."]),
    ],
)
def test_maiden_names_couples_and_semicolons_are_masked_whole_in_text(text, kept):
    masked = mask_one(text)
    for name in [*FIRST, *LAST, *INVENTED, "née"]:
        assert name not in masked
    for piece in kept:
        assert piece in masked


def test_birth_dates_with_underscores_are_read_in_columns_and_masked_in_text():
    values = [f"{1940 + i % 60}_{1 + i % 12:02d}_{1 + (i * 7) % 28:02d}" for i in range(60)]
    assert parse_dates(pl.Series(values)).null_count() == 0
    assert column_entity(values) == "DATE_OF_BIRTH"
    assert "1987_03_14" not in mask_one("Born 1987_03_14 in Lyon.")
    # an identifier with underscores is no date
    assert mask_one("see run_2024_final_v2 for details") == "see run_2024_final_v2 for details"


def test_version_numbers_that_read_as_dates_are_no_birth_dates():
    # majors 1-8 read as months: birthdays would fall in every part of the year
    versions = [f"{1 + i % 8}.{10 + i % 18}.{40 + (i * 13) % 60}" for i in range(60)]
    assert birth_date_share(pl.Series(versions)) == 0.0
    births = [f"{1 + i % 12}.{10 + i % 18}.{40 + (i * 13) % 60}" for i in range(60)]
    assert birth_date_share(pl.Series(births)) > 0.9


@pytest.mark.parametrize(
    "phone",
    ["(514) 555-0143 poste 231", "+34 912 345 678 int. 45", "+55 11 3456-7890 ramal 12", "030 1234567 Durchwahl 9"],
)
def test_phone_extensions_in_other_languages_are_masked_with_the_number(phone):
    masked = mask_one(f"Call {phone} before noon.")
    assert masked == "Call <PHONE> before noon."
