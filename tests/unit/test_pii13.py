"""PII masking, thirteenth round (issue 17): what goes with a masked address in free text (a flat
after the house number, the areas, towns and postcode after it, the unit words in front), Spanish
"C/" streets and South Slavic streets named after a king or a ban. Cases written for these tests (not
taken from any corpus), each with negatives."""

import pytest

from tests.pii_cases import INVENTED, mask_one


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
