"""PII detection, fifteenth round (issue 17): columns of person names in no name list, written with an
alias or a relation ("a.k.a.", "alias", "d/o"), a nickname before the name in brackets, several ranks
or titles before the name ("Assoc. Prof. Dr.", "Acting Sub Lt."), or a dotted degree after it
("M.D.", "D.D.S."). Names invented for these tests (syllables in no name list), each with negatives."""

import itertools

import pytest

from tests.pii_cases import column_entity
from twinforge.privacy.pii.recognizers import leading_title_count, plain_name_text

_SYLLABLES = ["dro", "vik", "tal", "mey", "quor", "sen", "bel", "zan", "kol", "fesh", "gund", "sev"]


def invented_names(count: int) -> list[tuple[str, str]]:
    """``count`` different (given name, surname) pairs made of syllables in no name list."""
    words = ["".join(p).capitalize() for p in itertools.permutations(_SYLLABLES, 2)]
    return [(words[i], words[-1 - 2 * i]) for i in range(count)]


NAMES = invented_names(40)


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
    ],
)
def test_a_column_of_unlisted_names_in_these_formats_is_a_person_column(template):
    values = [template.format(g=g, s=s, g2=NAMES[-1 - i][0], s2=NAMES[-1 - i][1]) for i, (g, s) in enumerate(NAMES)]
    assert column_entity(values) == "PERSON", values[:3]


def test_a_column_mixing_those_formats_is_a_person_column():
    formats = ["{g} {s} a.k.a. {g2} {s2}", "{g2} ({g} {s})", "Acting Sub Lt. {g} {s}", "{s}, {g} Q., M.D."]
    values = [
        formats[i % len(formats)].format(g=g, s=s, g2=NAMES[-1 - i][0], s2=NAMES[-1 - i][1])
        for i, (g, s) in enumerate(NAMES)
    ]
    assert column_entity(values) == "PERSON"


@pytest.mark.parametrize(
    "values",
    [
        [f"Acting Head of {d}" for d in ["Sales", "Finance", "Research", "Support", "Legal", "Audit"] * 7],
        [f"Project {p} aka Phase {i}" for i, p in enumerate(["Falcon", "Harbour", "Granite", "Willow"] * 10)],
        [f"Sales ({r})" for r in ["North", "South", "East", "West", "Central"] * 8],
        [f"Deputy Director, {d}" for d in ["Operations", "Planning", "Transport", "Housing", "Health"] * 8],
    ],
)
def test_titles_aliases_and_brackets_outside_names_are_no_person_column(values):
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
