"""PII detection and masking, twelfth round (issue 17): a passport's machine-readable name, maiden names
after Slavic, Finnish and Spanish markers, titles and initials before a surname in capitals, a citation's
initials, eight-digit dates day first, "Sunday the 3rd of May, 1970", phones as a CSV row's field and with
"Extn."/"loc." extensions, P.O. boxes with a postal code. Cases written for these tests (not taken from any
corpus), each with negatives."""

import polars as pl
import pytest

from tests.pii_cases import FIRST, INVENTED, LAST, column_entity, mask_one
from twinforge.privacy.pii.detect import _initialled_surname, _name_words
from twinforge.privacy.pii.recognizers import parse_dates, person_name_shape, plain_name_text


def _shaped(value: str) -> bool:
    return person_name_shape(plain_name_text(value))[0]


def _initialled(value: str) -> bool:
    return _initialled_surname(value, _name_words(value))


def test_a_passports_machine_readable_name_reads_as_given_names_then_surname():
    assert plain_name_text("DROVIK<<TALMEYA<ANNA") == "TALMEYA ANNA DROVIK"
    assert _shaped("DROVIK<<TALMEYA<ANNA")
    # one chevron, lower case or digits: no machine-readable name
    for value in ("DROVIK<TALMEYA", "drovik<<talmeya", "P<UTO12345<<"):
        assert plain_name_text(value) == value


@pytest.mark.parametrize("marker", ["rođ.", "roj.", "rod.", "o.s.", "vda. de", "z domu", "épouse"])
def test_a_maiden_name_after_its_marker_is_part_of_the_name(marker):
    value = f"{INVENTED[0]} {INVENTED[1]} {marker} {INVENTED[2]}"
    assert plain_name_text(value) == f"{INVENTED[0]} {INVENTED[1]} {INVENTED[2]}"
    assert _shaped(value)


def test_a_maiden_marker_in_text_masks_the_name_after_it():
    masked = mask_one(f"Guest: {FIRST[0]} {LAST[0]} rođ. {INVENTED[4]}, room 12.")
    assert INVENTED[4] not in masked and masked.endswith(", room 12.")
    # a lower-case word after the marker's letters is no name
    assert mask_one("The rod. was bent in transit.") == "The rod. was bent in transit."


def test_titles_and_initials_before_a_surname_in_capitals_make_a_name():
    for value in ("MRS A ZANTHOVIR", "MR I KOLTAVEN", "DR P MIRREL"):
        assert _shaped(value)
        assert _initialled(value)
    # a word and a letter after it is no initialled surname
    for value in ("Vitamin D", "Hall B", "Terminal A"):
        assert not _initialled(value)
    # a lone article or pronoun in front is still a common word
    assert not _shaped("A Bakery") and not _shaped("I Love")


def test_a_citations_initials_follow_a_surname():
    assert _shaped(f"{INVENTED[5]} JA") and _initialled(f"{INVENTED[5]} JA")
    assert not _shaped("Windows XP") and not _shaped("Product ID")


def test_a_dutch_particle_and_its_contracted_article_read_as_one_particle():
    for particle in ("van", "in", "op", "Van"):
        value = f"{INVENTED[0]} {particle} 't {INVENTED[1]}"
        assert plain_name_text(value) == f"{INVENTED[0]} van {INVENTED[1]}"
        assert _shaped(value) and _name_words(plain_name_text(value)) == [INVENTED[0], INVENTED[1]]
    # an apostrophe-t that follows no particle is left as it is (and is no name)
    assert plain_name_text(f"{INVENTED[0]} 't {INVENTED[1]}") == f"{INVENTED[0]} 't {INVENTED[1]}"
    assert not _shaped(f"{INVENTED[0]} 't {INVENTED[1]}")


def test_initials_and_short_abbreviations_are_no_name_words():
    assert _name_words("Ma. Talmeya L. Drovik") == ["Talmeya", "Drovik"]
    assert _name_words("Talmeya Drovik Quorsen") == ["Talmeya", "Drovik", "Quorsen"]


def test_a_column_of_names_with_initials_and_filipino_ma_is_a_person_column():
    values = []
    for i in range(60):
        a, b = INVENTED[i % 10], INVENTED[(i * 3 + 1) % 10]
        shape = i % 4
        if shape == 0:
            values.append(f"{a}{i} Ma. {chr(65 + i % 26)}. {b}")
        elif shape == 1:
            values.append(f"MRS {chr(65 + i % 26)} {b.upper()}{i}")
        elif shape == 2:
            values.append(f"{b}{i} {chr(65 + i % 26)}{chr(66 + i % 20)}")
        else:
            values.append(f"{a}{i} {b}")
    values = [v.replace(str(i), "abcdefghij"[i % 10] * (1 + i // 10)) for i, v in enumerate(values)]
    assert column_entity(values) == "PERSON"


def test_eight_digit_birth_dates_day_or_year_first_are_dates():
    values = [f"{1 + (i * 7) % 28:02d}{1 + i % 12:02d}{1940 + i % 60}" for i in range(60)]
    assert parse_dates(pl.Series(values)).null_count() == 0
    assert column_entity(values) == "DATE_OF_BIRTH"
    assert (
        parse_dates(pl.Series(["19851126", "26111985"])).to_list()
        == parse_dates(pl.Series(["1985-11-26", "26.11.1985"])).to_list()
    )
    # eight digits that are no date in either order stay no date
    assert parse_dates(pl.Series(["57102803", "99887766"])).null_count() == 2
    assert mask_one("Guest born 05082004; card on file.") == "Guest born <DATE_OF_BIRTH>; card on file."
    assert mask_one("Order 05082004 shipped.") == "Order 05082004 shipped."


def test_a_weekday_and_the_day_of_a_month_is_a_date():
    values = [
        f"Sunday the {1 + i % 28}th of {['March', 'May', 'July', 'October'][i % 4]}, {1940 + i}" for i in range(60)
    ]
    assert parse_dates(pl.Series(values)).null_count() == 0
    assert mask_one("DOB: Wednesday the 1st of March, 1966 (verified).") == "DOB: <DATE_OF_BIRTH> (verified)."


@pytest.mark.parametrize("phone", ["0919-523-4398", "044 347 4819", "8 684 42606", "044-2365 4255 Extn. 577"])
def test_a_phone_as_a_csv_rows_field_is_masked(phone):
    row = f"rejected: {FIRST[1]} {LAST[1]},428-90-2212,{phone},ana@example.org -> expected 6 columns"
    assert mask_one(row) == "rejected: <PERSON> <PERSON>,<SSN>,<PHONE>,<EMAIL> -> expected 6 columns"


def test_numbers_with_thousands_separators_stay_numbers():
    assert mask_one("Raised 1,250 000 units in total.") == "Raised 1,250 000 units in total."
    assert mask_one("Balance 12,345,678 on hold.") == "Balance 12,345,678 on hold."


@pytest.mark.parametrize("ext", ["loc. 855", "Extn. 577", "local 12"])
def test_phone_extensions_loc_and_extn_go_with_the_number(ext):
    assert mask_one(f"Call (02) 8104-2298 {ext} today.") == "Call <PHONE> today."


def test_a_po_box_with_a_postal_code_is_no_phone_number():
    masked = mask_one("Write to P.O. Box 1521-20100, Nairobi.")
    assert "<PHONE>" not in masked and "1521" not in masked and "20100" not in masked


def test_a_machine_readable_name_in_text_is_masked():
    assert mask_one("Guest DROVIK<<TALMEYA<ANNA checked in.") == "Guest <PERSON> checked in."
    assert mask_one("Shift A<<B by one bit.") == "Shift A<<B by one bit."


def test_a_citations_initials_after_a_masked_surname_go_with_it():
    assert mask_one(f"As shown by {LAST[3]} JA and {LAST[5]} MB (2020).") == (
        "As shown by <PERSON> <PERSON> and <PERSON> <PERSON> (2020)."
    )
    # common words and headings in capitals stay
    assert mask_one(f"Call {FIRST[2]} {LAST[2]} PM today.") == "Call <PERSON> <PERSON> PM today."
