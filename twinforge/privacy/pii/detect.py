"""Column-level PII detection: name hints plus content checks, reported without values.

For each column:

* the name is matched against hints (``email``, ``phone_number``, ``first_name``,
  ``dob``, ``zip`` ...; see :mod:`twinforge.privacy.pii.entities`);
* text values that could hold a pattern type (an ``@``, three digits in a row, a
  colon-separated hex group) are found over the **whole** column (vectorized), and up
  to ``max_validated`` distinct ones are run through presidio's recognizers, which
  validate what they match (Luhn, IBAN checksum, phonenumbers, ...). So even a single
  e-mail address among a million codes is found;
* a random sample of rows is checked for person names (name lists), dates of birth and
  postcodes in context, and whether the column is free text; its sentences (three words or more) are read
  for the people, birth dates and addresses they mention however often they repeat, and a column of
  sentences that mention one is free text;
* a text column none of that finds anything in has its levels (the distinct values seen at least
  ``level_min_count`` times: those a generator learns as categories) checked one by one for a
  person's name (:func:`person_levels`), so that a name filling 2% of a column of codes is found.

A column whose values mostly *are* one type (share >= ``min_share``) gets a column
finding (scope ``column``); types found *inside* values get ``text`` findings, and
such columns are masked rather than dropped.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

import polars as pl

from twinforge.encoders.kinds import DEFAULT_RARE_MIN_COUNT
from twinforge.io.schema import dtype_name, normalize_name
from twinforge.io.typing_rules import whole_numbers
from twinforge.privacy.nested import flatten_nested
from twinforge.privacy.pii import recognizers as rec
from twinforge.privacy.pii.entities import (
    ADDRESS,
    CARD,
    DOB,
    EMAIL,
    IBAN,
    IP,
    MAC,
    MASK_TOKENS,
    PERSON,
    PHONE,
    POSTAL,
    PRESIDIO_ENTITIES,
    URL,
    VIN,
    hinted_entity,
)

# cheap test for values worth showing to presidio: an @, three digits in a row, or an IPv6-like group
CANDIDATE = r"@|\d{3}|[0-9A-Fa-f]{1,4}::?[0-9A-Fa-f]{1,4}:"
MIN_SCORE = 0.4  # presidio scores below this (e.g. a bare 9-digit number as SSN) count only with a name hint
WHOLE_SLACK = 2  # characters a match may leave uncovered (quotes, trailing dots) and still be "the value"
MIN_DISTINCT_NAMES = 10  # a column of person names has many different ones; "male"/"female" is not one
# a value filling a tenth of a column is no one's name: the names of a column mostly holding such a placeholder
# are judged without it, when at least this many values are left
FREQUENT_VALUE_SHARE = 0.1
MIN_VALUES_LESS_FREQUENT = 30
FREE_TEXT_MIN_WORDS = 3
FREE_TEXT_MIN_DISTINCT_SHARE = 0.5
PERSON_MIN_KNOWN_SHARE = 0.3
# names in other scripts than Latin, by Faker's lists of them: most values every word listed, or nearly all values
# at least a listed word or surname (recognizers.other_script_name)
OTHER_SCRIPT_SURE_SHARE = 0.7
OTHER_SCRIPT_MIN_DISTINCT = 5
OTHER_SCRIPT_LIKELY_SHARE = 0.8
PERSON_SINGLE_WORD_KNOWN_SHARE = 0.6
PERSON_SINGLE_WORD_MIN_DISTINCT = 20
PERSON_SHAPE_ONLY_SHARE = 0.9  # without listed names: the share of values that must be distinct multi-word names
# Names in no list and of no name shape (lower case, capitals, other scripts): nearly every value a few words, one
# of them rare in every language; most values two to four words; no word in more than a tenth of the values
# (settlement types, company forms); few words of eleven letters or more (romanized phrases, job titles).
PERSON_RARE_WORDS_SHARE = 0.9
PERSON_RARE_SEVERAL_WORDS_SHARE = 0.7
PERSON_RARE_MAX_SHARED_WORD_SHARE = 0.1
PERSON_RARE_MAX_LONG_WORD_SHARE = 0.15
LONG_WORD_LETTERS = 11
# in a column of people no one word is in most of the different values ("Tia Ville", "Saul Ville": places)
PERSON_MAX_SHARED_WORD_SHARE = 0.5
# towns and companies built from surnames ("Martins Paulista", "Korhonen Ky"): in a column of people
# few values hold a place or company word
PERSON_MAX_PLACE_OR_COMPANY_SHARE = 0.2
# Things named by a few words in set patterns, which names of people do not follow:
# - colours, materials and flavours: a base word alone and again in longer values ("Verde", "Verde oscuro"); this
#   many different base words, none of them a listed name (a surname alone beside a full name is a person's), and at
#   least this share of the single-word values
THING_BASE_WORDS_MIN = 3
THING_BASE_WORDS_MIN_SHARE = 0.1
# - places named by a type and a name ("Bandar Abbas", "Kampung Melayu"): few different first words, as this share
#   of the different values or less, and most values' first word no listed name (surnames first, "Nguyen Van An",
#   are listed)
THING_PREFIX_MAX_DISTINCT_SHARE = 0.25
THING_PREFIX_MIN_UNLISTED_SHARE = 0.5
# - phrases (slogans, company and job names): most values four words or more besides titles and particles, fewer
#   than half of those words a listed name
THING_PHRASE_MIN_WORDS = 4
THING_PHRASE_MIN_SHARE = 0.5
# the commonest levels of a text column checked for a person's name (a column with more levels is no category)
PERSON_LEVELS_CHECKED = 10_000
PERSON_LEVEL_CONFIDENCE = 0.6
CARD_MIN_INTEGER = 10**12  # card numbers have 13 digits or more
CARD_AMONG_INTEGERS_MAX_SHARE = 0.1  # more long values than a column's strays: a column of codes, judged whole
# a column of IBAN-shaped values that fail validation: nearly all of them must have the shape
IBAN_SHAPE_MIN_SHARE = 0.9
NAME_ONLY_CONFIDENCE = 0.6
NAME_AND_CONTENT_CONFIDENCE = 0.95
_HINT_DTYPES = {
    "string": {
        "EMAIL_ADDRESS",
        "IBAN_CODE",
        "IP_ADDRESS",
        "PERSON",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "US_SSN",
        "POSTAL_CODE",
        "DATE_OF_BIRTH",
        "STREET_ADDRESS",
        "URL",
        "MAC_ADDRESS",
        "VIN",
    },
    "integer": {"PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "POSTAL_CODE", "DATE_OF_BIRTH"},
    "temporal": {"DATE_OF_BIRTH"},
}


@dataclass(frozen=True)
class Finding:
    entity: str
    confidence: float  # 0..1
    share: float  # share of the column's non-null values showing it (estimated)
    method: str  # "name", "content" or "name+content"
    scope: str  # "column": the values are this type; "text": found inside the values

    def to_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass
class ColumnDetection:
    column: str
    dtype: str
    non_null: int
    sampled: int  # values looked at for names, context and free text
    validated: int  # distinct candidate values run through the recognizers
    free_text: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def column_finding(self) -> Finding | None:
        column_level = [f for f in self.findings if f.scope == "column"]
        return max(column_level, key=lambda f: (f.confidence, f.share)) if column_level else None

    @property
    def text_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.scope == "text"]


@dataclass
class DetectionReport:
    columns: dict[str, ColumnDetection]
    sample_rows: int

    @property
    def flagged(self) -> dict[str, ColumnDetection]:
        return {c: d for c, d in self.columns.items() if d.findings or d.free_text}

    def rows(self) -> list[dict]:
        """One row per finding: column, entity, confidence, share, method, scope, sampled. No values."""
        out = []
        for d in self.columns.values():
            for f in d.findings:
                out.append({"column": d.column, **f.to_dict(), "sampled": d.sampled, "validated": d.validated})
        return out

    def to_dict(self) -> dict:
        return {
            "sample_rows": self.sample_rows,
            "findings": self.rows(),
            "free_text_columns": [c for c, d in self.columns.items() if d.free_text],
            "columns_checked": len(self.columns),
        }

    def format_table(self) -> str:
        rows = self.rows()
        if not rows:
            return "no PII detected"
        header = f"{'column':<24} {'entity':<15} {'scope':<7} {'confidence':>10} {'share':>7}  method"
        lines = [header, "-" * len(header)]
        for r in rows:
            lines.append(
                f"{r['column'][:24]:<24} {r['entity']:<15} {r['scope']:<7} {r['confidence']:>10.2f} "
                f"{r['share']:>7.1%}  {r['method']}"
            )
        return "\n".join(lines)


def _dtype_family(dtype: pl.DataType) -> str | None:
    if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum):
        return "string"
    if dtype.is_integer():
        return "integer"
    if isinstance(dtype, pl.Date | pl.Datetime):  # durations and times of day are not dates
        return "temporal"
    return None


def detect_pii(
    table: pl.DataFrame,
    *,
    sample_rows: int = 2000,
    min_share: float = 0.5,
    seed: int = 0,
    max_validated: int = 100,
    extra_names: frozenset[str] = frozenset(),
    level_min_count: int = DEFAULT_RARE_MIN_COUNT,
) -> DetectionReport:
    """Detect PII per column of ``table`` (struct columns per leaf, list columns per element);
    ``extra_names`` are known names (e.g. from the
    table's declared name columns) that mark free text as naming someone. ``level_min_count``: a value
    seen this often in a text column is a category a generator learns (its ``rare_min_count``), and is
    checked for a person's name on its own (:func:`person_levels`)."""
    table = flatten_nested(table)  # each leaf of a struct is a column of its own
    check_column_names(table.columns)
    problem = keys_problem(table) or people_as_columns_problem(table.columns)
    if problem is not None:
        raise PersonalDataInColumnName(problem)
    columns = {}
    for name in table.columns:
        columns[name] = _detect_column(
            table.get_column(name), sample_rows, min_share, seed, max_validated, extra_names, level_min_count
        )
    _surnames_beside_given_names(table, columns)
    return DetectionReport(columns=columns, sample_rows=sample_rows)


# a name split in two columns: next to a column of given names, a column this share of whose distinct values are
# surnames (:func:`_surname_level`) among at least SURNAME_MIN_DISTINCT of them is the names' other half
SURNAME_LEVEL_SHARE = 0.8
SURNAME_MIN_DISTINCT = 5
# and at least this share are surnames Faker lists: drugs ("Metformin") and specialties ("Nephrology") are in no
# vocabulary either
SURNAME_LISTED_SHARE = 0.5
UNLISTED_SURNAME, LISTED_SURNAME = 1, 2
_SURNAME_SHAPE = re.compile(r"^(?:[\w'’.]+[ -]){0,3}[\w'’-]+$")


def _surnames_beside_given_names(table: pl.DataFrame, columns: dict[str, ColumnDetection]) -> None:
    """A column of surnames next to a column of given names (a person's name split in two: "first", "last") is a
    name column too: each surname alone is no whole name ("Murphy", "Kowalski"), and a few families repeated make
    it a column of categories, so neither the column rule nor the level check takes it. The given-names column is
    one detected as ``PERSON`` whose values are single words; its neighbour (before or after it) is taken when
    nearly all of its distinct values read as surnames (:func:`_surname_level`), not towns or everyday words."""
    names = table.columns
    for i, name in enumerate(names):
        found, given = columns[name].column_finding, table.get_column(name)
        if found is None or found.entity != PERSON or given.dtype != pl.String or not _single_words(given):
            continue
        for j in (i - 1, i + 1):
            if not 0 <= j < len(names):
                continue
            other = columns[names[j]]
            now = other.column_finding
            series = table.get_column(names[j])
            if (now is not None and now.entity == PERSON) or series.dtype != pl.String:
                continue
            distinct = series.drop_nulls().unique().head(1000).to_list()
            if len(distinct) < SURNAME_MIN_DISTINCT:
                continue
            levels = [_surname_level(v) for v in distinct]
            share = sum(1 for level in levels if level) / len(distinct)
            listed = sum(1 for level in levels if level == LISTED_SURNAME) / len(distinct)
            if share >= SURNAME_LEVEL_SHARE and listed >= SURNAME_LISTED_SHARE:
                other.findings = [f for f in other.findings if f.entity != PERSON]
                other.findings.append(Finding(PERSON, NAME_ONLY_CONFIDENCE, round(share, 4), "content", "column"))


def _single_words(series: pl.Series) -> bool:
    values = series.drop_nulls().head(2000)
    return values.len() > 0 and values.str.strip_chars().str.contains(r"^\S+$").mean() >= SURNAME_LEVEL_SHARE


def _surname_level(value: str) -> int:
    """How ``value`` reads as a surname alone: one to four words, no digit, its last word capitalised, and each
    word but the particles ("van", "de la") a listed surname of Faker's ("Smith", "Cruz", "O'Brien":
    :data:`LISTED_SURNAME`) or no word of any language's common vocabulary nor of a place's name ("Thistlewaite":
    :data:`UNLISTED_SURNAME`); 0 for a town, region or country ("Boston", "Valencia"), an everyday word ("Gold",
    "Unknown"), a place, street or company word ("Lake", "GmbH") or another shape."""
    from twinforge.privacy.pii.vocabulary import frequent_words, irish_surname

    value = value.strip()
    if not value or any(c.isdigit() for c in value) or not _SURNAME_SHAPE.match(value):
        return 0
    if not value.split()[-1][:1].isupper() or value.lower() in rec.place_names():
        return 0
    words = [w.strip(".").lower() for w in re.split(r"[\s-]+", value) if w.strip(".")]
    core = [w for w in words if w not in rec.NAME_PARTICLES]
    surnames, vocabulary = rec.name_lists()[1], frequent_words()
    if not core or any(w in rec.not_name_words() or w in rec.place_and_company_words() for w in core):
        return 0
    if all(w in surnames or irish_surname(w) for w in core):
        return LISTED_SURNAME
    unknown = (
        w in surnames or irish_surname(w) or (w not in vocabulary and w not in rec.place_name_words()) for w in core
    )
    return UNLISTED_SURNAME if all(unknown) else 0


class PersonalDataInColumnName(ValueError):
    """A column's name holds personal data (e.g. a JSON object keyed by e-mail address): names travel
    into every output, so the table is refused; the message gives the column's position, never its name."""


def column_name_problem(names: list[str]) -> str | None:
    """Why the table must be refused if a name holds an e-mail address, a phone, card or account number, an
    SSN or a public IP address (a flattened nested name is checked whole: ``consent.ann.lee@example.com``);
    None when no name does. The reason gives the column's position, not its name."""
    for j, name in enumerate(names):
        entity = _personal_entity_in_name(str(name)[:1000])
        if entity is not None:
            return (
                f"column {j + 1} of {len(names)} has personal data in its name ({entity}); a name is kept "
                "in every output, so rename the column (an object keyed by personal data, as in JSON, is "
                "better written as a list of records)"
            )
    return None


# What a name must hold for presidio to find something that counts in it (:func:`_personal_in_name`): an @, nine
# digits (phones and SSNs have nine or more, cards and IBANs more), an IPv4 or an IPv6 address. A wide table's
# names ("sensor_0123") are then not analysed one by one.
_NAME_CANDIDATE = re.compile(r"@|(?:\d\D*){9}|\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4}::?[0-9A-Fa-f]{1,4}:")


@functools.lru_cache(maxsize=1 << 16)
def _personal_entity_in_name(name: str) -> str | None:
    """The type of personal data in a column or file name, or None; reading and detection check the same names."""
    if not _NAME_CANDIDATE.search(name):
        return None
    for entity, start, end, score in rec.analyze(name):
        if entity in PRESIDIO_ENTITIES and score >= MIN_SCORE and _personal_in_name(entity, name[start:end]):
            return entity  # dates, places and words in a name are what names are made of: skipped
    return None


# an object whose records each fill at most this share of its fields is keyed by data (a JSON object keyed by
# person: {"visits": {"Ann Smith": 3}}), not a record of named fields
MAP_MAX_FILLED_SHARE = 0.5


def keys_problem(table: pl.DataFrame) -> str | None:
    """Why the table must be refused if it is keyed by people's names: the fields of an object, opened up as
    ``parent.field`` columns, used as a map (each record fills few of its fields) with a key that is wholly a
    person's name in free-text masking. None otherwise. The reason gives the columns' positions."""
    groups: dict[str, list[int]] = {}
    for j, name in enumerate(table.columns):
        if "." in name:
            groups.setdefault(name.rsplit(".", 1)[0], []).append(j)
    for positions in groups.values():
        if len(positions) < 2:
            continue
        filled = table.select(pl.sum_horizontal(pl.nth(positions).is_not_null().cast(pl.Int32))).to_series()
        filled = filled.filter(filled > 0)
        if filled.len() == 0 or filled.mean() > MAP_MAX_FILLED_SHARE * len(positions):
            continue
        keys = [table.columns[j].rsplit(".", 1)[1] for j in positions]
        if any(_wholly_person_names(keys)):
            return (
                f"columns {positions[0] + 1} to {positions[-1] + 1} of {table.width} are the fields of an object keyed "
                "by people's names; names are kept in every output, so write the object as a list of records"
            )
    return None


def people_as_columns_problem(names: list[str]) -> str | None:
    """Why the table must be refused if a column is named by a person: a column per person (a rota, a timesheet, a
    gradebook), :data:`PEOPLE_AS_COLUMNS_MIN` or more columns each named by a person's name of two or more words
    (:func:`_people_as_columns`); or a single such column, by a stricter rule (:func:`named_by_a_person`), since one
    name that reads loosely as a person's ("Max Temp", "Sandy Soil") may be a coincidence. None otherwise. The
    reason gives the columns' positions, never their names."""
    people = _people_as_columns(names)
    if len(people) >= PEOPLE_AS_COLUMNS_MIN:
        return (
            f"columns {_positions(people)} of {len(names)} are named by people's names (a column per person, as in "
            "a rota or a gradebook); names are kept in every output, so write the table as rows of person and value"
        )
    named = [j for j, name in enumerate(names) if named_by_a_person(name)]
    if named:
        which = f"column {named[0] + 1}" if len(named) == 1 else f"columns {_positions(named)}"
        return (
            f"{which} of {len(names)} {'is' if len(named) == 1 else 'are'} named by a person's name; names are kept "
            "in every output, so rename the column (what it measures, not whom)"
        )
    return None


def _positions(found: list[int]) -> str:
    return ", ".join(str(j + 1) for j in found[:10]) + (", ..." if len(found) > 10 else "")


# this many columns named by people make a table keyed by people (one could be a coincidence: one column is refused
# only by the stricter :func:`named_by_a_person`)
PEOPLE_AS_COLUMNS_MIN = 2

# a word this frequent in English (wordfreq's Zipf scale) is an everyday word when it is no widespread surname, or
# stands after a given name that is an everyday word too ("Max Price", "Mark Price")
HEADER_EVERYDAY_ZIPF = 4.0
# a name of the world list (not Faker's) in a column's name counts only when it is this long and rarer in English
# than this: the world list holds abbreviations and words too ("Temp", "Log", "Alt", "Cat")
HEADER_WORLD_NAME_MIN_LETTERS = 5
HEADER_WORLD_NAME_MAX_ZIPF = 3.5
# a surname no list holds counts after a given name that is no word only when rarer than this in English and
# among no language's most frequent words ("Ada Piwek", "Leopoldine Thistlewaite")
HEADER_UNLISTED_SURNAME_MAX_ZIPF = 2.0
HEADER_UNLISTED_SURNAME_MIN_LETTERS = 4


def named_by_a_person(name: str) -> bool:
    """Whether a column's name is, on its own, a person's given and family name ("Maria Gonzalez", "Aiko Tanaka",
    "JOHN SMITH", "Daan van der Leek"): stricter than the rule for several such columns (:func:`_people_as_columns`),
    since one column needs no other to make it a table of people. Two or three words of letters, each capitalised
    (or all in capitals), single spaces between them and lower-case particles ("van der") only inside; not a
    listed place ("Costa Rica"), no word a unit, a title, a label or an everyday English word
    (:func:`~twinforge.privacy.pii.recognizers.not_name_words`, with "green" and "west" allowed as a surname after
    a given name that is no word). The first word a given name Faker lists, the last a surname Faker lists, or
    either one a long and rare name of the world list ("Oluwaseun", "Tanaka") beside a Faker-listed other; a given
    name that is no word may also stand before a surname no list holds that no language uses as a word ("Ada
    Piwek"). Not a given name that is an everyday word
    (:data:`~twinforge.privacy.pii.recognizers.EVERYDAY_GIVEN_NAMES`: "Max", "Rose", "Grant") before a frequent
    English word, nor any surname frequent in English that fewer than two Faker locales list ("Pop", "Date")."""
    if len(name) > 60:
        return False
    tokens = name.split(" ")
    if not 2 <= len(tokens) <= 5 or not tokens[0] or not tokens[-1]:
        return False
    words = [tokens[0]] + [t for t in tokens[1:-1] if t not in rec.NAME_PARTICLES] + [tokens[-1]]
    if not 2 <= len(words) <= 3 or not all(_capitalised_word(w) for w in words):
        return False
    all_caps = all(w.isupper() for w in words)
    if not all_caps and any(w.isupper() for w in words):  # "Log TRT", "Urban POP": a label with an abbreviation
        return False
    lowered = [w.lower() for w in words]
    if " ".join(lowered) in rec.place_names() or " ".join(t.lower() for t in tokens) in rec.place_names():
        return False
    from twinforge.privacy.pii.vocabulary import UNITS

    roles = rec.PERSON_LABELS | rec.TITLES | rec.RANKS | rec.NAME_SUFFIXES
    if any(w in roles or w in UNITS or w in rec.english_words() for w in lowered):
        return False
    given, surname, middle = lowered[0], lowered[-1], lowered[1:-1]
    names_first, names_last = rec.name_lists()
    first = _HyphenatedNames(names_first)
    last = _HyphenatedNames(names_last)
    if not all(w in _listed_names() for w in middle) or given in rec.not_name_words():
        return False
    plain_given = given in first and given not in rec.EVERYDAY_GIVEN_NAMES
    given_listed = given in first or _rare_world_name(given)
    if surname in last:
        surname_listed = surname not in rec.not_name_words() or plain_given  # "Robert Green", not "Rose Garden"
    elif _rare_world_name(surname):
        surname_listed = True
    else:  # a surname no list holds: only after a plain given name, and no word of any language
        surname_listed = plain_given and not all_caps and _no_word_anywhere(surname)
    if not (given_listed and surname_listed) or not (given in first or surname in last):
        return False
    frequent = _english_zipf(surname) >= HEADER_EVERYDAY_ZIPF
    return not (frequent and (surname not in rec.shared_last_names() or given in rec.EVERYDAY_GIVEN_NAMES))


class _HyphenatedNames:
    """A list of names that holds a hyphenated name when it holds each of its parts ("hans-christian")."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def __contains__(self, word: str) -> bool:
        return word in self.names or ("-" in word and all(p in self.names for p in word.split("-")))


def _capitalised_word(word: str) -> bool:
    """A word of letters (and inner apostrophes and hyphens) that starts with a capital and is written in capitals
    or ends in lower case ("Smith", "O'Neill", "Hans-Christian", "McDonald", "SMITH")."""
    return (
        len(word) >= 2
        and word[0].isupper()
        and word[-1].isalpha()
        and (word[-1].islower() or word.isupper())
        and all(c.isalpha() or c in "'’-" for c in word)
    )


def _rare_world_name(word: str) -> bool:
    """A name the world list holds and Faker does not that is long and rare in English ("oluwaseun", "tanaka"; not
    "temp", "log" or "alt", which the list holds too)."""
    return (
        word in rec.world_only_names()
        and len(word) >= HEADER_WORLD_NAME_MIN_LETTERS
        and _english_zipf(word) < HEADER_WORLD_NAME_MAX_ZIPF
    )


def _no_word_anywhere(word: str) -> bool:
    """A word of no list that no language uses (rare in English, among no language's most frequent words)."""
    from twinforge.privacy.pii.vocabulary import frequent_words

    return (
        len(word) >= HEADER_UNLISTED_SURNAME_MIN_LETTERS
        and word not in frequent_words()
        and word not in rec.world_names()
        and _english_zipf(word) < HEADER_UNLISTED_SURNAME_MAX_ZIPF
    )


def _english_zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def _wholly_person_names(names: list[str]) -> list[bool]:
    """For each name, whether free-text masking takes all of its letters for a person's name."""
    from twinforge.privacy.pii.mask import mask_text

    keys = pl.Series(names, dtype=pl.String)
    rest = mask_text(keys).str.replace_all(_PERSON_TOKEN, "")
    return (rest.str.contains(r"^[\W_]*$") & keys.str.contains(r"\p{L}")).to_list()


def _people_as_columns(names: list[str]) -> list[int]:
    """Positions of the column names that read as a person's given and family name, each with a first and a last
    word no other such name has (a header row of people: "Maria Gonzalez", "Aiko Tanaka"; "Min Price" and
    "Max Price" share a word, as measures do). Stricter than free-text masking, which takes "Max Temp" for a name:
    every word is a listed name (Faker's or the world list), none a common word, not all of them place words."""
    found = [(j, words) for j, name in enumerate(names) if (words := _person_name_words(name))]
    firsts = Counter(words[0] for _, words in found)
    lasts = Counter(words[-1] for _, words in found)
    return [j for j, words in found if firsts[words[0]] == 1 and lasts[words[-1]] == 1]


def _person_name_words(name: str) -> list[str] | None:
    """The lower-cased words of ``name`` if it reads as a person's name of two or more words, else None."""
    if not _SPACED_WORDS.search(name) or len(name) > 80:
        return None
    words = [w.strip(".").lower() for w in re.split(r"[\s,]+", name.strip()) if w.strip(".")]
    if len(words) < 2 or any(w in rec.not_name_words() for w in words):
        return None
    if all(w in rec.place_name_words() for w in words):  # "Costa Rica", "El Salvador"
        return None
    parts = [p for w in words for p in re.split(r"[-'’]", w) if p]
    listed = _listed_names()
    if sum(len(p) > 2 for p in parts) < 2 or not all(p in listed or len(p) <= 2 for p in parts):
        return None  # two-letter parts ("al", "de", "le") are particles; two longer names make a name
    return words


@functools.lru_cache(maxsize=1)
def _listed_names() -> frozenset[str]:
    return rec.all_names() | rec.world_names()


_SPACED_WORDS = re.compile(r"[^\W\d_]\s+[^\W\d_]")


_PERSON_TOKEN = re.escape(MASK_TOKENS[PERSON])


def _personal_in_name(entity: str, found: str) -> bool:
    """Whether ``found`` in a column name is about a person: phone numbers of nine digits or more, IP
    addresses only when public (a network's or host's private address names a machine)."""
    if entity == PHONE:
        return sum(c.isdigit() for c in found) >= 9
    if entity == IP:
        try:
            return ipaddress.ip_address(found.strip("[]")).is_global
        except ValueError:
            return False
    return True


def check_column_names(names: list[str]) -> None:
    """Raise :class:`PersonalDataInColumnName` when :func:`column_name_problem` finds one."""
    problem = column_name_problem(names)
    if problem is not None:
        raise PersonalDataInColumnName(problem)


# How a column name that is a value reads in a message: what it is, never what it says.
VALUE_WORDS = {
    PERSON: "a person's name",
    ADDRESS: "a street address",
    URL: "a URL",
    POSTAL: "a postcode",
    PHONE: "a phone number",
}


def columns_named_by_their_values(table: pl.DataFrame, sample_rows: int = 2000) -> list[tuple[int, str, bool]]:
    """The text columns of ``table`` named by a value of the personal data their own values are, as
    ``(position, entity, weak)``: a person's name over a column content detection finds to hold people's names
    (``weak`` when the name is a single word, over a column of single words: "Zebulon" over first names, as
    "Judge" may be a header over judges), a street address over addresses, a URL over URLs, a postcode over
    postcodes, a phone number over phone numbers. The names are tested first, by the recognisers detection
    applies to one value (:func:`value_entities`), and only a column whose name passes is looked at: a table's
    ordinary names cost little. E-mail addresses, longer phone numbers, card and account numbers, SSNs and IP
    addresses in a name are refused as they are by :func:`column_name_problem`."""
    names, dtypes = table.columns, table.dtypes  # once: each access builds the list afresh
    text = [j for j, dtype in enumerate(dtypes) if dtype == pl.String]
    found = []
    for j, entities in zip(text, _values_entities([names[j] for j in text])):
        if not entities:
            continue
        # the content alone decides: the name is no hint (a column called "name" is not looked at here)
        values = table.get_column(names[j]).rename("")
        finding = _detect_column(values, sample_rows, 0.5, 0, 100, frozenset()).column_finding
        if finding is None or finding.entity not in entities:
            continue
        weak = finding.entity == PERSON and len(names[j].split()) < 2
        if weak and (values.str.count_matches(r"\S+").median() or 0) > 1:
            continue  # one name over whole names: a label ("Mayor"), as a value it would be a whole name too
        found.append((j, finding.entity, weak))
    return found


def value_entities(value: str) -> set[str]:
    """The personal-data types whose per-value recognisers take ``value`` whole, as detection takes one value of
    a column: a person's name (:func:`named_like_a_person`), a street address (an address pattern at its start),
    a URL, a postcode (UK postcodes, ZIP+4) or a phone number (phone grouping that ``phonenumbers`` calls
    possible)."""
    return _values_entities([value])[0]


def _values_entities(values: list[str]) -> list[set[str]]:
    """:func:`value_entities` of each of ``values``, the patterns run over them all at once."""
    values = [v.strip() for v in values]
    found: list[set[str]] = [set() for _ in values]
    usable = [i for i, v in enumerate(values) if v and len(v) <= 200]
    for i in usable:
        if named_like_a_person(values[i]):
            found[i].add(PERSON)
        if any(c.isdigit() for c in values[i]):
            if rec.whole_value_postal(values[i]):
                found[i].add(POSTAL)
            if rec.is_phone_value(values[i]):
                found[i].add(PHONE)
    with_digits = [i for i in usable if any(c.isdigit() for c in values[i])]
    if with_digits:
        series = pl.Series([values[i] for i in with_digits], dtype=pl.String)
        at_start = rec.listed_street_share(series)
        for pattern in rec.ADDRESS_AT_START:
            at_start = at_start | series.str.contains(pattern)
        for k in at_start.arg_true().to_list():
            found[with_digits[k]].add(ADDRESS)
    links = [i for i in usable if "://" in values[i] or values[i].lower().startswith("www.")]
    if links:
        urls = pl.Series([values[i] for i in links], dtype=pl.String).str.contains(rec.URL_WHOLE)
        for k in urls.arg_true().to_list():
            found[links[k]].add(URL)
    return found


def named_like_a_person(name: str) -> bool:
    """Whether ``name`` reads as a person's name, as a value of a column of names would: two or more words shaped
    like a name (:func:`~twinforge.privacy.pii.recognizers.person_name_shape`; in lower case as if capitalised)
    with a listed given name first ("Zebulon Quackenbush", "Quackenbush, Zebulon" with it after the comma) or
    every word a listed name (:func:`_person_name_words`); or a single listed name that is no everyday word
    ("Zebulon", not "Judge" or "Will"). No word after a leading title ("Dr") may be one of the labels and titles
    that name a role ("Grant Holder", "Patient Name"); "Sales Rep" is no name ("Sales" is a surname, not a given
    name, and "Rep" in no list)."""
    text = rec.plain_name_text(name)
    tokens = [t for t in re.split(r"[\s,]+", text) if t]
    words = [w.strip(".").lower() for w in tokens[rec.leading_title_count(tokens) :] if w.strip(".")]
    if not words or any(w in rec.PERSON_LABELS or w in rec.TITLES or w in rec.RANKS for w in words):
        return False
    if len(tokens) == 1:
        return rec.is_person_name(text) and words[0] not in rec.not_name_words()
    if _person_name_words(text) is not None:
        return True
    shaped, known = rec.person_name_shape(text.title() if text.islower() else text)
    if not (shaped and known):
        return False
    given = words[1] if "," in text and len(words) == 2 else words[0]
    return given in rec.first_names()


def person_levels(values: pl.Series, min_count: int, limit: int = PERSON_LEVELS_CHECKED) -> list[str]:
    """The levels of a text column that are a person's name (:func:`is_person_level`): its distinct values seen at
    least ``min_count`` times (of them the ``limit`` commonest), commonest first. Rarer values are no category a
    generator learns (they become its rare placeholder) and are not looked at."""
    text = values.drop_nulls()
    if text.len() == 0 or not (text.dtype == pl.String or isinstance(text.dtype, pl.Categorical | pl.Enum)):
        return []
    counts = text.cast(pl.String).value_counts(sort=True, name="count")
    levels = counts.filter(pl.col("count") >= min_count).head(limit).get_column(counts.columns[0])
    return [v for v in levels.to_list() if is_person_level(v)]


def is_person_level(value: str) -> bool:
    """Whether a category level is a person's name: :func:`named_like_a_person` with two or more words after a
    leading title and no digit, or a title and one capitalised word that is no everyday, place or company word ("Dr
    Okonkwo"; not "Dr Pepper"). A single word is no one's name here: as levels, "Austin", "Florence" or "Paris"
    are towns far more often than first names."""
    value = value.strip()
    if not value or len(value) > 80 or any(c.isdigit() for c in value):
        return False
    tokens = [t for t in re.split(r"[\s,]+", rec.plain_name_text(value)) if t.strip(".")]
    titles = rec.leading_title_count(tokens)
    if titles and len(tokens) - titles == 1:  # "Dr Okonkwo": a title and a surname that is no word ("Dr Pepper")
        from twinforge.privacy.pii.vocabulary import common_name_words, kept_vocabulary

        surname = tokens[-1].strip(".").lower()
        return (
            tokens[-1][:1].isupper()
            and tokens[0].strip(".").lower() not in _PLACE_TITLES
            and surname not in kept_vocabulary()
            and surname not in common_name_words()
            and surname not in rec.not_name_words()
            and surname not in rec.place_name_words()
            and surname not in rec.place_and_company_words()
        )
    if len(tokens) - titles < 2:
        return False
    if tokens[-1].strip(".").lower() in _PLACE_AND_COMPANY_ENDINGS:  # "Cesar Chavez Ave", "Ann Taylor Inc"
        return False
    return named_like_a_person(value) or (len(tokens) == 2 and _given_name_and_everyday_surname(tokens))


def _given_name_and_everyday_surname(tokens: list[str]) -> bool:
    """A listed given name that is no everyday or place word, then a listed surname that is an everyday word but
    no street's, place's, company's or role's ("Joseph Price", "Kelsey Ward"; not "Erin Lane" nor "Grace Hill", which
    may be streets, nor "Georgia Power", nor "Grant Holder")."""
    given, surname = (t.strip(".").lower() for t in tokens)
    first, last = rec.name_lists()
    roles = rec.PERSON_LABELS | rec.TITLES | rec.RANKS  # "Grant Holder", "Patient Name"
    return (
        not {given, surname} & roles
        and given in first
        and given not in rec.not_name_words()
        and given not in rec.place_name_words()
        and surname in last
        and surname not in rec.place_and_company_words()
        and surname not in rec.place_name_words()
        and not rec.is_street_type(surname)
    )


# a saint's or a mountain's abbreviation before a place's name ("St. Louis", "Mt Hood"), no person's title
_PLACE_TITLES = frozenset("st ste saint sainte san santa sta mt mount ft fort".split())
# the last word of a street or a company named after someone (the full words are everyday words already)
_PLACE_AND_COMPANY_ENDINGS = frozenset(
    "ave av blvd bd st rd dr ln ct pl sq hwy pkwy ter cres inc ltd llc co corp plc gmbh ag sa bv srl".split()
)


def _detect_column(
    s, sample_rows, min_share, seed, max_validated, extra_names, level_min_count=DEFAULT_RARE_MIN_COUNT
) -> ColumnDetection:
    if isinstance(s.dtype, pl.List) and not s.dtype.inner.is_nested():
        s = s.explode()  # a list of values: each element is inspected like a value of its own
    s = _whole_numbers_as_integers(s)
    family = _dtype_family(s.dtype)
    hint = hinted_entity(normalize_name(s.name))
    if hint is not None and hint not in _HINT_DTYPES.get(family or "", set()):
        hint = None  # e.g. a float column called "zip" or a boolean "phone": not what the name says
    present = s.drop_nulls()
    if hint == DOB and family == "integer" and rec.years_only(present):
        hint = None  # a year of birth, which identifies no one alone
    detection = ColumnDetection(s.name, dtype_name(s.dtype), present.len(), 0, 0)
    whole: dict[str, tuple[float, float]] = {}  # entity -> (share, confidence)
    inside: dict[str, tuple[float, float]] = {}
    if family == "string" and present.len() > 0:
        text = present.cast(pl.String)
        _pattern_entities(text, seed, max_validated, hint, whole, inside, detection)
        for entity, pattern in ((MAC, rec.MAC_PATTERN), (VIN, rec.VIN_PATTERN), (EMAIL, rec.OBFUSCATED_EMAIL)):
            # over the whole column, as presidio's types are: one MAC address among a million codes is found
            # (ASCII word boundaries keep the regex engine fast on text of any script: the forms are ASCII)
            share = float(text.str.contains(rec.ascii_boundaries(pattern)).mean())
            if share > inside.get(entity, (0.0, 0.0))[0]:
                inside[entity] = (share, 0.7)
        _sampled_entities(text, sample_rows, seed, hint, min_share, whole, inside, detection, extra_names)
    elif family == "integer" and present.len() > 0:
        distinct = present.unique().sort()
        sample = (
            distinct.sample(min(sample_rows, distinct.len()), seed=seed) if distinct.len() > sample_rows else distinct
        )
        detection.sampled = sample.len()
        for entity, share in rec.integer_entity_shares(sample.to_list()).items():
            if share >= rec.INTEGER_ENTITY_MIN_SHARE:
                whole[entity] = (share, 0.7)
        # a few card numbers among small integers (a column of amounts): each found, as in text; a column of
        # long integers is judged as a whole above (random ids of card length pass the checks one in ten)
        few = float((present.abs() >= CARD_MIN_INTEGER).mean()) <= CARD_AMONG_INTEGERS_MAX_SHARE
        long = distinct.filter(distinct.abs() >= CARD_MIN_INTEGER).head(max_validated).to_list() if few else []
        cards = [v for v in long if any(e == CARD for e, *_ in rec.analyze(str(v)))]
        if cards and CARD not in whole:
            inside[CARD] = (float(present.is_in(pl.Series(cards, dtype=present.dtype).implode()).mean()), 0.7)
        # birth dates written as yyyymmdd, judged on the values with their repeats (as a date column's)
        dates = rec.date_key_dates(present.sample(min(sample_rows, present.len()), seed=seed))
        share = rec.birth_date_share(dates) if dates is not None else 0.0
        if share:
            whole[DOB] = (share, 0.7)
    elif family == "temporal" and present.len() > 0:
        sample = present.sample(min(sample_rows, present.len()), seed=seed)
        detection.sampled = sample.len()
        share = rec.birth_date_share(sample)
        if share:
            whole[DOB] = (share, 0.7)

    dominant = max(whole.items(), key=lambda kv: kv[1][0], default=None)
    column_entity = None
    if dominant is not None and dominant[1][0] >= min_share:
        entity, (share, confidence) = dominant
        column_entity = entity
        method = "name+content" if entity == hint else "content"
        confidence = max(confidence, NAME_AND_CONTENT_CONFIDENCE) if entity == hint else confidence
        detection.findings.append(Finding(entity, confidence, share, method, "column"))
    if hint is not None and hint != column_entity:
        share = whole.get(hint, inside.get(hint, (0.0, 0.0)))[0]
        method = "name+content" if share > 0 else "name"
        confidence = NAME_AND_CONTENT_CONFIDENCE if share > 0 else NAME_ONLY_CONFIDENCE
        detection.findings.append(Finding(hint, confidence, share, method, "column"))
    if family == "string" and not detection.findings and not detection.free_text and present.len() > 0:
        # kept as categories: a person's name among the levels a generator learns ("web", "store", "Ann Lee")
        names = person_levels(present, level_min_count)
        if names:
            share = float(present.cast(pl.String).is_in(pl.Series(names, dtype=pl.String).implode()).mean())
            inside[PERSON] = (share, PERSON_LEVEL_CONFIDENCE)
    column_level = {f.entity for f in detection.findings}
    for entity, (share, confidence) in sorted(inside.items()):
        if entity not in column_level and share > 0:
            detection.findings.append(Finding(entity, confidence, share, "content", "text"))
    return detection


def _whole_numbers_as_integers(s: pl.Series) -> pl.Series:
    """A float column all of whose values are whole numbers as the integers it holds (its phone numbers and SSNs
    are the integers'); other columns as they are."""
    if not s.dtype.is_float():
        return s
    integers = whole_numbers(s)
    return (
        integers
        if integers.null_count() == s.fill_nan(None).null_count() and integers.len() > integers.null_count()
        else s
    )


def _covers(value: str, start: int, end: int) -> bool:
    return len(value.strip()) - (end - start) <= WHOLE_SLACK


def _pattern_entities(text, seed, max_validated, hint, whole, inside, detection) -> None:
    is_candidate = text.str.contains(CANDIDATE)
    n_candidates = int(is_candidate.sum())
    if n_candidates == 0:
        return
    candidates = text.filter(is_candidate)
    # a seeded random choice of max_validated distinct values: those with the smallest hashes (hashing
    # and keeping the smallest distinct hashes is ten times cheaper than unique() on a million strings)
    hashes = candidates.hash(seed=seed)
    chosen = hashes.unique().bottom_k(max_validated)
    distinct = candidates.filter(hashes.is_in(chosen.implode())).unique(maintain_order=True)
    detection.validated = distinct.len()
    candidate_share = n_candidates / text.len()
    counts_whole: dict[str, list[float]] = {}
    counts_inside: dict[str, list[float]] = {}
    for value in distinct.to_list():
        seen_whole, seen_inside = set(), set()
        for entity, start, end, score in rec.analyze(value[:5000]):
            if score < MIN_SCORE and entity != hint:
                continue
            if entity not in seen_inside:
                counts_inside.setdefault(entity, []).append(score)
                seen_inside.add(entity)
            if entity not in seen_whole and _covers(value, start, end):
                counts_whole.setdefault(entity, []).append(score)
                seen_whole.add(entity)
    n = distinct.len()
    for target, counts in ((whole, counts_whole), (inside, counts_inside)):
        for entity, scores in counts.items():
            target[entity] = (candidate_share * len(scores) / n, min(1.0, sum(scores) / len(scores)))


def _sampled_entities(text, sample_rows, seed, hint, min_share, whole, inside, detection, extra_names) -> None:
    sample = text.sample(min(sample_rows, text.len()), seed=seed) if text.len() > sample_rows else text
    values = sample.to_list()
    n = len(values)
    detection.sampled = n
    words = sample.str.count_matches(r"\S+")
    detection.free_text = (
        float(words.median() or 0) >= FREE_TEXT_MIN_WORDS and sample.n_unique() >= FREE_TEXT_MIN_DISTINCT_SHARE * n
    )
    _person_names(values, hint, whole)
    rest = _without_frequent_values(values)
    if whole.get(PERSON, (0.0,))[0] < min_share and rest is not None:
        _person_names(rest, hint, whole)  # the names among a placeholder's many cells ("-", "n/a", "self")
    if whole.get(PERSON, (0.0,))[0] < min_share and (share := _other_script_names_share(values)):
        whole[PERSON] = (share, 0.6)
    shaped = rec.listed_street_share(sample)
    for pattern in rec.ADDRESS_AT_START:
        shaped = shaped | sample.str.contains(pattern)
    addresses = float(shaped.mean())
    if addresses < min_share:  # the street's name first: "Kimdreef 270"
        rest = sample.filter(~shaped)
        addresses += rec.street_then_number_share(rest) * rest.len() / n
    if rec.ADDRESS_MIN_KNOWN_SHARE <= addresses < min_share and float(words.median() or 0) <= rec.ADDRESS_MAX_WORDS:
        # known addresses and others of their make: forms no pattern knows ("BP 4826", "Maison 283")
        rest = sample.filter(~shaped)
        addresses = float(shaped.mean()) + rec.address_like_share(rest) * rest.len() / n
    if addresses:
        whole[ADDRESS] = (addresses, 0.7)
    urls = sample.str.contains(rec.URL_WHOLE)
    if urls.any():
        whole[URL] = (float(urls.mean()), 0.8)
    obfuscated = float(sample.str.contains(rec.OBFUSCATED_EMAIL_WHOLE).mean())
    if obfuscated > whole.get(EMAIL, (0.0, 0.0))[0]:
        whole[EMAIL] = (obfuscated, 0.7)
    macs = sample.str.contains(rec.MAC_WHOLE)
    if macs.any():
        whole[MAC] = (float(macs.mean()), 0.8)
    vins = sum(map(rec.is_vin, values)) / n
    if vins:
        whole[VIN] = (vins, 0.7)
    births = rec.birth_date_share(sample)
    if births:
        whole[DOB] = (births, 0.7)
        if births >= min_share:
            whole.pop(PHONE, None)  # "07 11 1993" has a phone number's digit groups: dates are no phones
    if births < min_share and whole.get(ADDRESS, (0.0, 0.0))[0] < min_share:
        multipart = rec.multipart_address_share(sample)  # addresses no pattern knows, by their parts
        if multipart >= min_share:
            whole[ADDRESS] = (multipart, 0.6)
    others = max((share for entity, (share, _) in whole.items() if entity != PHONE), default=0.0)
    if others < min_share:  # phone shapes that presidio's validation missed ("458.478.4005x75668")
        phones = sum(rec.is_phone_value(v) for v in values) / n
        if phones > whole.get(PHONE, (0.0, 0.0))[0]:
            whole[PHONE] = (phones, 0.7)
    shaped_ibans = sum(rec.iban_shaped(v) for v in values) / n
    if shaped_ibans >= IBAN_SHAPE_MIN_SHARE and shaped_ibans > whole.get(IBAN, (0.0, 0.0))[0]:
        whole[IBAN] = (shaped_ibans, 0.6)
    postcodes = sum(rec.whole_value_postal(v) for v in values)
    if postcodes:
        whole[POSTAL] = (postcodes / n, 0.7)
    # Sentences are read for the people, birth dates and addresses they mention however often they repeat: a
    # column of a few notes each written a hundred times is no free text by its distinct share, but a generator
    # learns its notes as categories and writes them out whole.
    sentences_only = not detection.free_text and not inside
    sentences = sample.filter(words >= FREE_TEXT_MIN_WORDS) if sentences_only else sample
    if sentences.len() == 0:
        return
    texts = sentences.to_list()
    if detection.free_text or sentences_only:  # not in codes and e-mails that hold a pattern's type
        is_mention = {v: rec.mentions_person(v, extra_names) for v in set(texts)}
        mentions = sum(is_mention[v] for v in texts)
        if mentions:
            inside[PERSON] = (mentions / n, 0.6)
    context = {v: rec.context_entities(v) for v in set(texts)}
    for entity in (DOB, POSTAL):
        hits = sum(entity in context[v] for v in texts)
        if hits:
            inside[entity] = (max(hits / n, inside.get(entity, (0.0, 0.0))[0]), 0.8)
    # one pattern at a time: together the address patterns exceed the regex engine's size limit
    for entity, patterns in (
        (ADDRESS, (*rec.ADDRESS_PATTERN_HALVES, rec.ADDRESS_IN_CONTEXT)),
        (URL, (rec.URL_PATTERN,)),
    ):
        found = pl.repeat(False, sentences.len(), eager=True)
        for pattern in patterns:
            found = found | sentences.str.contains(pattern).fill_null(False)
        hits = float(found.sum()) / n
        if hits:
            inside[entity] = (hits, 0.7)
    if sentences_only and inside and float(words.median() or 0) >= FREE_TEXT_MIN_WORDS:
        # sentences naming someone are free text, whatever their repeats: their other names and places, which no
        # recognizer knows, go with the words that are not common
        detection.free_text = True


def _without_frequent_values(values: list) -> list | None:
    """``values`` less those that fill :data:`FREQUENT_VALUE_SHARE` of them or more (placeholders such as "-",
    "n/a" or "self", which no list calls a name and which would outnumber the names); None when there are none,
    or fewer than :data:`MIN_VALUES_LESS_FREQUENT` values are left."""
    counts = Counter(values)
    frequent = {v for v, c in counts.items() if c >= FREQUENT_VALUE_SHARE * len(values)}
    if not frequent:
        return None
    rest = [v for v in values if v not in frequent]
    return rest if len(rest) >= MIN_VALUES_LESS_FREQUENT else None


def _person_names(values, hint, whole) -> None:
    """A column of person names: most values shaped like a name (capitalised words, initials,
    hyphens, titles; no common, month or place word), enough of them holding a listed name, and
    many different ones ("male"/"female" is no name column)."""
    n = len(values)
    like, known, known_single, several_words, short_names, distinct = 0, 0, 0, 0, 0, set()
    faker_names = rec.all_names()
    for v in map(rec.plain_name_text, values):
        listed = rec.is_person_name(v)
        shaped, has_known = rec.person_name_shape(v) if not listed else (True, True)
        if shaped:
            like += 1
            distinct.add(v)
            known += has_known
            several_words += len(v.split()) >= 2
            words = _name_words(v)
            short_names += 2 <= len(words) <= 3 or _initialled_surname(v, words)
            # a single word counts only as Faker's name: of the world list's, many are towns or brands
            known_single += has_known and (len(v.split()) >= 2 or v.strip().rstrip(".").lower() in faker_names)
    if not like or (len(distinct) < MIN_DISTINCT_NAMES and hint != PERSON):
        if hint != PERSON and (share := _rare_word_names_share(values)):
            whole[PERSON] = (share, 0.5)
        return
    if hint != PERSON and _shared_word_share(distinct) > PERSON_MAX_SHARED_WORD_SHARE:
        return
    if hint != PERSON and _place_or_company_share(values) >= PERSON_MAX_PLACE_OR_COMPANY_SHARE:
        return
    if hint != PERSON and _named_things(distinct):
        return
    if hint == PERSON:
        whole[PERSON] = (like / n, 0.7)
    elif several_words < like / 2:
        # single words (first names only, surnames only) look like colours, months or brands: most
        # must be listed names, and there must be many different ones
        if known_single / n >= PERSON_SINGLE_WORD_KNOWN_SHARE and len(distinct) >= PERSON_SINGLE_WORD_MIN_DISTINCT:
            whole[PERSON] = (like / n, 0.7)
    elif known / n >= PERSON_MIN_KNOWN_SHARE:
        whole[PERSON] = (like / n, 0.7)
    elif short_names / n >= PERSON_SHAPE_ONLY_SHARE and len(distinct) >= PERSON_SHAPE_ONLY_SHARE * n:
        # names in no list: nearly every value two or three capitalised words (titles, particles and
        # suffixes aside: longer runs are phrases, job titles, firms), nearly all different
        whole[PERSON] = (like / n, 0.5)
    elif share := _rare_word_names_share(values):
        whole[PERSON] = (share, 0.5)


def _named_things(distinct: set[str]) -> bool:
    """Whether the different name-shaped values of a column follow a pattern of things' names rather than people's:
    base words alone and in longer values (colours), a few unlisted first words (places by their type), or phrases
    of four words or more that are mostly no names (slogans, firms). The thresholds are :data:`THING_BASE_WORDS_MIN`
    and those after it."""
    listed = rec.known_names()
    # name words less initials of any length ("S.R."), which repeat in a column of people
    words = {
        v: [w.lower() for w in _name_words(v) if len(w.rstrip(".")) > 1 and "." not in w.rstrip(".")] for v in distinct
    }
    longer = {w for v, ws in words.items() if len(v.split()) >= 2 for w in ws}
    single = [ws[0] for v, ws in words.items() if len(v.split()) == 1 and ws]
    bases = {w for w in single if w in longer and w not in listed}
    if len(bases) >= THING_BASE_WORDS_MIN and len(bases) >= THING_BASE_WORDS_MIN_SHARE * len(single):
        return True
    firsts = [ws[0] for v, ws in words.items() if len(v.split()) >= 2 and ws]
    if len(firsts) >= MIN_DISTINCT_NAMES and len(set(firsts)) <= THING_PREFIX_MAX_DISTINCT_SHARE * len(firsts):
        if sum(w not in listed for w in firsts) >= THING_PREFIX_MIN_UNLISTED_SHARE * len(firsts):
            return True
    phrases = sum(
        len(ws) >= THING_PHRASE_MIN_WORDS and sum(w in listed for w in ws) < len(ws) / 2 for ws in words.values()
    )
    return phrases >= THING_PHRASE_MIN_SHARE * len(distinct)


def _other_script_names_share(values: list[str]) -> float:
    """The share of ``values`` that are names in a script other than Latin (:func:`~twinforge.privacy.pii.recognizers.
    other_script_name`: "राहुल शर्मा", "陈秀兰", "김현숙"); 0 unless most are surely names, among at least
    :data:`OTHER_SCRIPT_MIN_DISTINCT` different ones (a few people's names repeated), or nearly all are at least by a
    listed word or surname, among many different ones."""
    surety = {v: rec.other_script_name(v) for v in set(values)}
    n = len(values)
    sure = sum(surety[v] == 2 for v in values)
    likely = sum(surety[v] >= 1 for v in values)
    distinct_sure = sum(s == 2 for s in surety.values())
    distinct_likely = sum(s >= 1 for s in surety.values())
    if sure >= OTHER_SCRIPT_SURE_SHARE * n and distinct_sure >= OTHER_SCRIPT_MIN_DISTINCT:
        return likely / n
    if likely >= OTHER_SCRIPT_LIKELY_SHARE * n and distinct_likely >= max(MIN_DISTINCT_NAMES, n / 2):
        return likely / n
    return 0.0


_NOT_A_NAME = re.compile(r"[\d@/:#&+=_«»。]|[^\W\d_]\.[^\W\d_]")  # numbers, codes, domains, file names, quotes
_WORD = re.compile(r"[^\W\d_]+")


def _rare_word_names_share(values: list[str]) -> float:
    """The share of ``values`` that are names no list holds, whatever their case or script ("zarbex ulrav",
    "KESILO,SHAVIN", "ܡܪܝܡ ܝܘܚܢܢ"): one to five words, no digit, code, domain or quote, one word no common word of
    any language; 0 unless that share is at least :data:`PERSON_RARE_WORDS_SHARE` and the column meets the
    conditions above it."""
    from twinforge.privacy.pii.vocabulary import kept_vocabulary

    common = kept_vocabulary()
    rare = several = long_words = all_words = 0
    for value in values:
        words = _WORD.findall(value)
        if _NOT_A_NAME.search(value) or not 1 <= len(words) <= 5:
            continue
        if any(w.lower() not in common and (len(w) > 1 or not w.isascii()) for w in words):
            rare += 1
            several += 2 <= len(words) <= 4
        long_words += sum(len(w) >= LONG_WORD_LETTERS for w in words)
        all_words += len(words)
    n = len(values)
    distinct = set(values)
    is_names = (
        len(distinct) >= MIN_DISTINCT_NAMES
        and rare >= PERSON_RARE_WORDS_SHARE * n
        and several >= PERSON_RARE_SEVERAL_WORDS_SHARE * n
        and len(distinct) >= PERSON_RARE_WORDS_SHARE * n
        and long_words < PERSON_RARE_MAX_LONG_WORD_SHARE * all_words
        and _shared_word_share(distinct) <= PERSON_RARE_MAX_SHARED_WORD_SHARE
        and _place_or_company_share(values) < PERSON_MAX_PLACE_OR_COMPANY_SHARE
    )
    return rare / n if is_names else 0.0


# an initial or a short abbreviated given name: "L.", "Ma." (Maria), "Wm." (William)
_ABBREVIATION = re.compile(r"[^\W\d_]{1,2}\.|[^\W\d_]")


def _name_words(value: str) -> list[str]:
    """The words of a name-shaped value less its titles, particles, suffixes, initials and abbreviations, and
    less a father's name after "bin" or "binti" when two or more words come before it (a person's own name)."""
    skip = rec.TITLES | rec.NAME_PARTICLES | rec.NAME_SUFFIXES
    tokens = [w for w in re.split(r"[\s,]+", value) if w]
    tokens = tokens[rec.leading_title_count(tokens) :]
    patronymic = [i for i, t in enumerate(tokens) if i > 1 and t.rstrip(".").lower() in rec.PATRONYMIC_PARTICLES]
    tokens = tokens[: patronymic[0]] if patronymic else tokens  # "Ana bin Luis" keeps both: one own word
    # a dotted degree ("M.D.") only after the first word: first, the same letters are initials ("M.D. Rahman")
    words = [
        w
        for i, w in enumerate(tokens)
        if w.rstrip(".").lower() not in skip and not (i > 0 and w.replace(".", "").lower() in rec.NAME_SUFFIXES)
    ]
    return [w for w in words if not _ABBREVIATION.fullmatch(w)]


def _initialled_surname(value: str, name_words: list[str]) -> bool:
    """One name word after titles and initials ("MRS R DOE", "J. Doe"), before a citation's initials
    ("Doe JA") or an initial with its dot ("anna k."); not a word and a bare letter ("Vitamin D", "Hall B").
    ``name_words`` are ``value``'s :func:`_name_words`."""
    tokens = [t for t in re.split(r"[\s,]+", value) if t]
    if len(tokens) == 2 and re.fullmatch(r"[A-Z]{2}|[^\W\d_]\.", tokens[1]):
        return len(_name_words(tokens[0])) == 1  # "Doe JA", or a first name and an initial: "anna k."
    if len(tokens) < 2 or len(name_words) != 1:
        return False
    after_titles = tokens[rec.leading_title_count(tokens) : -1]
    return all(t.rstrip(".").lower() in rec.TITLES or _ABBREVIATION.fullmatch(t) for t in after_titles)


def _place_or_company_share(values: list[str]) -> float:
    """The share of ``values`` holding a word of :func:`~twinforge.privacy.pii.recognizers.place_and_company_words`."""
    words = rec.place_and_company_words()
    hits = sum(any(w in words for t in _words_after_titles(v) for w in re.split(r"[\-/]+", t)) for v in values)
    return hits / len(values) if values else 0.0


def _words_after_titles(value: str) -> list[str]:
    """``value``'s words, lower-cased and without dots, less the titles and ranks it starts with."""
    tokens = [t for t in re.split(r"[\s,]+", value) if t]
    return [t.replace(".", "").lower() for t in tokens[rec.leading_title_count(tokens) :]]


def _shared_word_share(distinct: set[str]) -> float:
    """The largest share of ``distinct`` values that one word (other than titles, particles,
    suffixes and first names common in many countries, which recur in a column of names) appears in."""
    skip, first_names = (
        rec.TITLES | rec.RANKS | rec.NAME_PARTICLES | rec.NAME_SUFFIXES | rec.name_affixes(),
        rec.widespread_first_names(),
    )
    counts: dict[str, int] = {}
    for value in distinct:
        for word in set(_words_after_titles(value)):
            if len(word) > 1 and word not in skip and word not in first_names:
                counts[word] = counts.get(word, 0) + 1
    return max(counts.values(), default=0) / len(distinct)


__all__ = [
    "ColumnDetection",
    "DetectionReport",
    "Finding",
    "PRESIDIO_ENTITIES",
    "VALUE_WORDS",
    "columns_named_by_their_values",
    "detect_pii",
    "is_person_level",
    "named_by_a_person",
    "named_like_a_person",
    "person_levels",
    "value_entities",
]
