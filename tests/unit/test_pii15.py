"""PII detection, fifteenth round (issue 17): columns of person names in no name list, written with an
alias or a relation ("a.k.a.", "alias", "d/o"), a nickname or a father's name in brackets or quotes,
several ranks or titles before the name ("Assoc. Prof. Dr.", "Acting Sub Lt."), a dotted degree after it
("M.D.", "D.D.S."), Malay and Turkic patronymics; birth dates of the Solar Hijri and Islamic calendars,
with months in Roman numerals, Maltese and Malay. Names invented for these tests (syllables in no name
list), each with negatives."""

import itertools
import random

import polars as pl
import pytest

from tests.pii_cases import column_entity, mask_one
from twinforge.privacy.pii.recognizers import leading_title_count, parse_dates, plain_name_text

_SYLLABLES = ["dro", "vik", "tal", "mey", "quor", "sen", "bel", "zan", "kol", "fesh", "gund", "sev"]


def invented_names(count: int) -> list[tuple[str, str]]:
    """``count`` different (given name, surname) pairs made of syllables in no name list."""
    words = ["".join(p).capitalize() for p in itertools.permutations(_SYLLABLES, 2)]
    return [(words[i], words[-1 - 2 * i]) for i in range(count)]


NAMES = invented_names(40)


def name_column(*templates: str) -> list[str]:
    """A column of the invented names written in ``templates`` in turn ({g} {s}: given name and surname;
    {g2} {s2}: another person's)."""
    return [
        templates[i % len(templates)].format(g=g, s=s, g2=NAMES[-1 - i][0], s2=NAMES[-1 - i][1])
        for i, (g, s) in enumerate(NAMES)
    ]


@pytest.mark.parametrize(
    "template",
    [
        "{g} {s} AKA {s2} {g2}",
        "{g} {s} a.k.a. {g2} {s2}",
        "{g} {s} alias {g2} {s2}",
        "{g} {s} d/o {g2} {s}",
        "{g} {s} s/o {g2} {s}",
        "{g2} ({g} {s})",
        "{s}/{g} {g2}",
        "Assoc. Prof. Dr. {g} {s}",
        "Acting Sub Lt. {g} {s}",
        "Flt. Lt. {g} {s}",
        "Maj. Gen. {g} {s}",
        "{s}, {g} Q., M.D.",
        "{s}, {g} A., D.D.S.",
        '{g} "{g2}-{s2}" {s}',  # a nickname in quotes, with a hyphen
        "{g} ‘{g2} {s2}’ {s}",  # two words in curly quotes
        "{g} ({g2}) {s}",  # a father's name in brackets between the parts
        "{g} [{g2}] {s}",
        "{g} {s2} bt. {g2} {s}",  # Malay "binti", abbreviated, before a father's two names
        "{g} {s2} bin {g2} {s}",
        "{s} {g} {g2} qizi",  # Azerbaijani "daughter of" after the father's name
        "{s} Jr, {g}",
        "Msgr. {g} {s}",
        "dr. {s} {g}",
    ],
)
def test_a_column_of_unlisted_names_in_these_formats_is_a_person_column(template):
    values = name_column(template)
    assert column_entity(values) == "PERSON", values[:3]


def test_a_column_mixing_those_formats_is_a_person_column():
    values = name_column("{g} {s} a.k.a. {g2} {s2}", "{g2} ({g} {s})", "Acting Sub Lt. {g} {s}", "{s}, {g} Q., M.D.")
    assert column_entity(values) == "PERSON"


@pytest.mark.parametrize(
    "values",
    [
        [f"Acting Head of {d}" for d in ["Sales", "Finance", "Research", "Support", "Legal", "Audit"] * 7],
        [f"Project {p} aka Phase {i}" for i, p in enumerate(["Falcon", "Harbour", "Granite", "Willow"] * 10)],
        [f"Sales ({r})" for r in ["North", "South", "East", "West", "Central"] * 8],
        [f"Deputy Director, {d}" for d in ["Operations", "Planning", "Transport", "Housing", "Health"] * 8],
        [f"Model {m} (Blue) Edition" for m in ["Aster", "Birch", "Cedar", "Delta", "Ember"] * 8],
        [f'Release "{r}" Notes' for r in ["Granite", "Harbour", "Willow", "Falcon", "Meadow"] * 8],
        [t for t in ["Mr", "Mrs", "Ms", "Dr.", "Prof."] * 8],  # titles alone
    ],
)
def test_titles_aliases_brackets_and_quotes_outside_names_make_no_person_column(values):
    assert column_entity(values) is None


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ("Ana Lopez a.k.a. Bunny Ruiz", "Ana Lopez"),
        ("Ana Lopez AKA Bunny", "Ana Lopez"),
        ("Ana Lopez d/o Luis Lopez", "Ana Lopez"),
        ("Ploy (Ana Lopez)", "Ploy Ana Lopez"),
        ("LOPEZ/ANA MARIA", "LOPEZ ANA MARIA"),
        ("Lopez (Ana)", "Lopez Ana"),
        ("Ana Lopez", "Ana Lopez"),
        ("Alias Grace", "Alias Grace"),  # a first word is no alias marker
        ("Mohd Alias Ibrahim", "Mohd Alias Ibrahim"),  # nor a Malay given name after one word
    ],
)
def test_plain_name_text_reads_aliases_relations_and_bracketed_names(value, plain):
    assert plain_name_text(value) == plain


@pytest.mark.parametrize(
    ("value", "count"),
    [
        ("Assoc. Prof. Dr. Ana Lopez", 3),
        ("Acting Sub Lt. Ana Lopez", 3),
        ("Mr Ana Lopez", 1),
        ("Acting Director Lopez", 0),  # a qualifier counts only before a rank
        ("Capt.", 0),  # one token is left for the name
        ("Ana Lopez", 0),
    ],
)
def test_leading_titles_ranks_and_their_qualifiers_are_counted(value, count):
    assert leading_title_count(value.split()) == count


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("1335/04/03", "1956-06-24"),  # Solar Hijri, year first: 3 Tir 1335
        ("22 Bahman 1357", "1979-02-11"),
        ("30 Esfand 1403", "2025-03-20"),  # a leap year's last day
        ("24 Ramadan 1420", "2000-01-01"),  # Islamic, tabular calendar
        ("1 Muharram 1445", "2023-07-19"),
        ("1 Muharram 1400", "1979-11-21"),
        ("20. VIII. 1955.", "1955-08-20"),  # a Roman-numeral month
        ("1. I. 1942.", "1942-01-01"),
        ("4 ta' Ottubru 1993", "1993-10-04"),  # Maltese
        ("Rabu, 19 Julai 2006", "2006-07-19"),  # Malay, with its weekday
        ("Ahad, 22 Ogos 1954", "1954-08-22"),
    ],
)
def test_dates_of_other_calendars_and_languages_are_read(value, iso):
    assert str(parse_dates(pl.Series([value]))[0]) == iso


@pytest.mark.parametrize("value", ["1335/13/03", "30 Esfand 1402", "31 Rajab 1370", "30 Safar 1400", "20. XIII. 1955."])
def test_impossible_dates_of_those_calendars_are_no_dates(value):
    assert parse_dates(pl.Series([value]))[0] is None


def test_columns_of_solar_hijri_and_islamic_birth_dates_are_birth_dates():
    rng = random.Random(5)
    parts = [(1320 + rng.randrange(60), rng.randrange(1, 13), rng.randrange(1, 29)) for _ in range(60)]
    solar = [f"{y}/{m:02d}/{d:02d}" for y, m, d in parts]
    months = ["Muharram", "Safar", "Rajab", "Shaban", "Ramadan", "Shawwal", "Rabi al-Awwal", "Dhu al-Hijjah"]
    islamic = [f"{d} {months[m % len(months)]} {y + 30}" for y, m, d in parts]
    assert column_entity(solar) == "DATE_OF_BIRTH"
    assert column_entity(islamic) == "DATE_OF_BIRTH"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Born 30 Aban 1321 at home.", "Born <DATE_OF_BIRTH> at home."),
        ("DOB: 20. VIII. 1955.", "DOB: <DATE_OF_BIRTH>"),
        ("born Agosto 15, 1998 in Cebu", "born <DATE_OF_BIRTH> in Cebu"),
        ("Tarikh lahir: Rabu, 19 Julai 2006.", "Tarikh lahir: <DATE>."),
        ("Visit on 17 Rajab 1370 AH at noon", "Visit on <DATE> at noon"),
        ("เกิด 7 เม.ย. 2507", "เกิด <DATE>"),
        ("Signed 4 ta' Ottubru 1993 at Valletta", "Signed <DATE> at Valletta"),
    ],
)
def test_dates_of_other_calendars_and_languages_are_masked_in_text(text, masked):
    assert mask_one(text) == masked


@pytest.mark.parametrize("text", ["Volume 3. IV. Chapter 2", "Tir 1344 was a dry year", "Order 1335/04 shipped"])
def test_parts_of_such_dates_alone_are_kept(text):
    assert mask_one(text) == text


@pytest.mark.parametrize(
    "template",
    [
        "{g2}.{s2}. {s}",  # dotted initials that spell a suffix or an affix ("S.R.", "M.D.") are initials
        "Dr {g} bin {s}",  # a title, then one own word and a father's name
    ],
)
def test_initials_and_a_title_before_a_patronymic_keep_a_person_column(template):
    initials = ["S", "R", "M", "D", "J", "R", "R", "N"]
    values = [template.format(g=g, s=s, g2=initials[i % 8], s2=initials[(i + 1) % 8]) for i, (g, s) in enumerate(NAMES)]
    assert column_entity(values) == "PERSON", values[:3]
