"""PII detection and masking, tenth round (issue 17): hyphenated initials ("J.-P."), Korean given names
("Seo-yun"), Arabic articles joined to a surname ("al-Rashid"), first names typed in chat ("anna k."),
phone extensions in brackets, area codes in brackets before digit pairs, and what is not a name:
sentences and long runs of capitalised words. Cases written for these tests (not taken from any
corpus), each with negatives."""

import pytest

from tests.pii_cases import INVENTED, column_entity, mask_one
from twinforge.privacy.pii.recognizers import person_name_shape


@pytest.mark.parametrize(
    ("value", "shaped"),
    [
        ("J.-P. Drovik", True),
        ("Seo-yun Talmeya", True),
        ("Quorsen al-Belvira", True),
        ("Zantho el-Mirrel", True),
        ("anna k.", True),
        # a sentence, a place joined by lower-case words, a lower-case phrase with an initial
        ("Get Spanel Glukh.", False),
        ("Lebon-la-Forêt", False),
        ("see u.", False),
    ],
)
def test_name_shapes_of_the_tenth_round(value, shaped):
    assert person_name_shape(value)[0] is shaped


def test_a_column_of_these_shapes_is_a_name_column_and_phrases_are_not():
    shapes = ("{f}.-{g}. {a}", "{a} al-{b}", "Ji-{s} {a}", "{l} {i}.")
    values = [
        shapes[i % 4].format(
            f="JKMTR"[i % 5],
            g="PLSAE"[i % 5],
            a=INVENTED[i % 10] + "a" * (i // 10),
            b=INVENTED[(i * 3) % 10],
            s=["hye", "won", "min", "yun"][i % 4],
            l=INVENTED[(i * 7) % 10].lower() + "o" * (i // 10),
            i="abcdk"[i % 5],
        )
        for i in range(60)
    ]
    assert column_entity(values) == "PERSON"
    # runs of four or more capitalised words in no list: phrases, job titles, not names
    phrases = [" ".join(INVENTED[(i + k) % 10] + "e" * (i // 10) for k in range(4 + i % 3)) for i in range(60)]
    assert column_entity(phrases) is None


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Ask J.-P. Drovik at the desk.", ["Ask", "at the desk."]),
        ("we met Ha-yun Talmeya at noon.", ["we met", "at noon."]),
        ("Forms from Quorsen al-Belvira arrived.", ["Forms from", "arrived."]),
        ("lol anna k. said she would call", ["lol", "said she would call"]),
        # negatives: a hyphenated word that is no given name, a lower-case word and a letter
        ("The anti-war Protest grew.", ["The anti-war Protest grew."]),
        ("pick plan b. next week", ["pick plan b. next week"]),
    ],
)
def test_these_names_are_masked_whole_in_text(text, kept):
    masked = mask_one(text)
    for name in [*INVENTED, "J.-P.", "Ha-yun", "yun", "anna k."]:
        assert name not in masked
    for piece in kept:
        assert piece in masked


@pytest.mark.parametrize(
    "phone", ["(+353) 1-403 2647 (ext 274)", "(29) 649 66 53 wewn. 167", "(010) 55-58-39", "(+44) 20 7946 0958"]
)
def test_phone_extensions_in_brackets_and_area_codes_before_digit_pairs_aremask_one(phone):
    assert mask_one(f"Call {phone} before noon.") == "Call <PHONE> before noon."


def test_a_date_in_brackets_context_stays_a_date():
    assert mask_one("Seen 12-05-2021 (2 visits).") == "Seen <DATE> (2 visits)."
