"""presidio-analyzer set up to run offline, plus name lists and context patterns.

presidio's AnalyzerEngine normally loads a spaCy language model for NER; none is
downloaded at run time and none is needed for its pattern recognizers, so the engine gets
a blank spaCy pipeline (tokenizer only). Its e-mail recognizer validates domains
with tldextract, which would try to download the public-suffix list: it is given an
extractor that uses the snapshot shipped inside tldextract.
"""

from __future__ import annotations

import calendar
import collections
import datetime as dt
import functools
import gzip
import importlib
import logging
import math
import re
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from twinforge.privacy.pii.disk_cache import kept_on_disk
from twinforge.privacy.pii.entities import CARD, DOB, PERSON, PHONE, POSTAL, PRESIDIO_ENTITIES, SSN

# presidio logs every recognizer it loads at INFO; twinforge's own messages say what matters
logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)


_NLP_IMPORT = threading.Lock()  # columns are masked on threads: one of them imports, the others wait


def _import_nlp_without_torch() -> None:
    """Import spaCy and presidio without torch when torch is not loaded yet.

    thinc (spaCy's machine-learning layer) and presidio's device detection import torch if they can
    (2-3 s on the development machine); the blank tokenizer, the pattern recognizers and the stop
    words used here never need it. A ``None`` entry in ``sys.modules`` makes those optional imports
    fail as if torch were absent; the entry is removed at once, so a later ``import torch`` (a
    generator's) works as usual.
    """
    with _NLP_IMPORT:
        if "presidio_analyzer" in sys.modules or "torch" in sys.modules:
            return
        sys.modules["torch"] = None  # type: ignore[assignment]
        try:
            import presidio_analyzer  # noqa: F401
            import spacy  # noqa: F401
        finally:
            if "torch" in sys.modules and sys.modules["torch"] is None:
                del sys.modules["torch"]


# the top labels of a network's own domains (RFC 6762, RFC 8375, ICANN's .internal, and common practice): no public
# suffix, yet a person's address there is as personal as one at a public domain
PRIVATE_TOP_DOMAINS = frozenset(
    {"local", "localdomain", "lan", "home", "corp", "internal", "intranet", "intra", "private"}
)


@functools.lru_cache(maxsize=1)
def analyzer():
    """The shared presidio AnalyzerEngine (built once: it takes a second or two)."""
    _import_nlp_without_torch()
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        UsSsnRecognizer,
    )

    offline_suffixes = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            domain = pattern_text.rsplit("@", 1)[-1]
            return offline_suffixes(domain).suffix != "" or domain.rsplit(".", 1)[-1].lower() in PRIVATE_TOP_DOMAINS

    class BlankSpacyEngine(SpacyNlpEngine):
        """Tokenizer only: the pattern recognizers need no trained model."""

        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    engine = BlankSpacyEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        OfflineEmailRecognizer(),
        PhoneRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        UsSsnRecognizer(),
        IpRecognizer(),
    ):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


def analyze(text: str) -> list[tuple[str, int, int, float]]:
    """(entity, start, end, score) of each presidio finding; overlapping findings keep the best score."""
    found = analyzer().analyze(text, language="en", entities=list(PRESIDIO_ENTITIES))
    found.sort(key=lambda r: (-r.score, r.start))
    kept: list[tuple[str, int, int, float]] = []
    for r in found:
        if all(r.end <= s or r.start >= e for _, s, e, _ in kept):
            kept.append((r.entity_type, r.start, r.end, r.score))
    return sorted(kept, key=lambda k: k[1])


# ------------------------------------------------------------------ person names

_NAME_LIST_ATTRS = ("first_names", "first_names_male", "first_names_female", "last_names")


@functools.lru_cache(maxsize=1)
def _names_by_locale() -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """Each Faker locale's lower-cased (first names, last names) written in Latin letters, read once for
    :func:`name_lists` and :func:`widespread_first_names`."""
    from faker.config import AVAILABLE_LOCALES

    per_locale = []
    for locale in AVAILABLE_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        first: set[str] = set()
        last: set[str] = set()
        for attr in _NAME_LIST_ATTRS:
            values = getattr(provider, attr, None)
            if not isinstance(values, (list, tuple, dict, set, frozenset)):
                continue  # some locales compute these as properties
            target = last if attr == "last_names" else first
            target.update(v.lower() for v in values if isinstance(v, str) and _is_latin_word(v) and len(v) > 1)
        per_locale.append((frozenset(first), frozenset(last)))
    return tuple(per_locale)


@functools.lru_cache(maxsize=1)
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """Lower-cased first and last names from every Faker locale written in Latin letters
    (accented ones included: "josé", "müller")."""
    per_locale = _names_by_locale()
    return frozenset().union(*(f for f, _ in per_locale)), frozenset().union(*(last for _, last in per_locale))


WIDESPREAD_FIRST_NAME_LOCALES = 5


@kept_on_disk
def widespread_first_names() -> frozenset[str]:
    """Lower-cased first names that at least :data:`WIDESPREAD_FIRST_NAME_LOCALES` Faker locales list
    ("john", "maria", "jane"): common enough to recur across a column of names; "ville" (Finnish, and
    French for town) or "paris" are not."""
    counts = collections.Counter(name for first, _ in _names_by_locale() for name in first)
    return frozenset(name for name, count in counts.items() if count >= WIDESPREAD_FIRST_NAME_LOCALES)


# a surname listed by this many Faker locales is a family name before it is a word ("smith", "brown", "price"); one
# listed by fewer and frequent in English is a word first ("pop", "junk", "date")
SHARED_LAST_NAME_LOCALES = 2


@functools.lru_cache(maxsize=1)
def shared_last_names() -> frozenset[str]:
    """Lower-cased last names that at least :data:`SHARED_LAST_NAME_LOCALES` Faker locales list."""
    counts = collections.Counter(name for _, last in _names_by_locale() for name in last)
    return frozenset(name for name, count in counts.items() if count >= SHARED_LAST_NAME_LOCALES)


# given names that are also everyday English words, measures or abbreviations, as the first word of a column's name
# far more often than someone's name ("Max Temp", "Rose Garden", "Grant Amount", "Jack Pine", "Urban Male"): a
# column named by one of them and a word is no person (:func:`~twinforge.privacy.pii.detect.named_by_a_person`)
EVERYDAY_GIVEN_NAMES = frozenset(
    "max min will bill mark rose grant jack art sandy urban page victoria hope grace faith joy may june april august"
    " summer dawn eve ivy lily daisy holly pearl ruby amber crystal jade iris violet heather rich guy frank chase"
    " hunter carter dale dean glen miles gene ray rob pat don sue rusty penny sky river rain storm star sunny misty"
    " brook cliff clay forest heath wade drew reed rod mat nick bob val lance earl bud buck chip dusty ginger honey"
    " candy cherry olive sage basil gale male norm mean long young early royal noble sterling price".split()
)


def _is_latin_word(value: str) -> bool:
    return value.isalpha() and all(c < "\u0250" for c in value)  # Basic Latin up to Latin Extended-B


_AFFIX_ATTRS = (
    "prefixes",
    "prefixes_male",
    "prefixes_female",
    "prefixes_nonbinary",
    "suffixes",
    "suffixes_male",
    "suffixes_female",
    "suffixes_nonbinary",
)


@kept_on_disk
def name_affixes() -> frozenset[str]:
    """Lower-cased honorifics and suffixes of every Faker locale written in Latin letters, dots
    removed ("sig.ra" -> "sigra", "pani", "dott."), that are not names themselves ("Don")."""
    return frozenset(_affixes(whole_values_only=True) - all_names())


@kept_on_disk
def honorific_words() -> frozenset[str]:
    """Every word of every Faker locale's honorifics and suffixes, lower-cased, dots removed, names
    among them included ("tri", "arch" of "Ing. arch."): text masking takes a lower-case one, or a
    capitalised one that is no listed name, for a title in front of a name."""
    return frozenset(_affixes(whole_values_only=False))


def faker_values(provider_kind: str, attrs: tuple[str, ...]) -> Iterator[str]:
    """Every text value of these attributes of every Faker locale's ``provider_kind`` provider."""
    from faker.config import AVAILABLE_LOCALES

    for locale in AVAILABLE_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.{provider_kind}.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        for attr in attrs:
            values = getattr(provider, attr, None)
            if isinstance(values, dict):
                values = list(values)
            if isinstance(values, (list, tuple, set, frozenset)):
                yield from (v for v in values if isinstance(v, str))


def _affixes(whole_values_only: bool) -> set[str]:
    affixes: set[str] = set()
    for value in faker_values("person", _AFFIX_ATTRS):
        if whole_values_only and " " in value.strip():
            continue
        for word in value.split():
            bare = word.replace(".", "").lower()
            if len(bare) > 1 and _is_latin_word(bare):  # single letters are initials
                affixes.add(bare)
    return affixes


_GIVEN_NAME_ATTRS = ("first_names", "first_names_male", "first_names_female")
# a name written without spaces: two to five Han characters ("王伟", "陈秀兰", "近藤裕美子") or three or four Hangul
# syllables ("김현숙"; two are most often a word: "이상", "정상")
_UNSPACED_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,5}|[\uac00-\ud7af]{3,4}")
_UNSPACED_GIVEN_MAX = 3


def _is_other_script_word(word: str) -> bool:
    """A word of letters and marks none of which is a Latin letter ("राहुल", "陈", "김")."""
    return (
        bool(word)
        and all(unicodedata.category(c)[0] in "LM" for c in word)
        and not any("a" <= c.lower() <= "z" or "\u00c0" <= c <= "\u024f" for c in word)
    )


@functools.cache
def other_script_names() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Faker's given names and surnames of every locale in scripts other than Latin, lower-cased words ("राहुल",
    "شرما", "陈", "김"), and the characters of the given names of scripts written without spaces ("秀", "兰")."""
    given = {w.lower() for v in faker_values("person", _GIVEN_NAME_ATTRS) for w in v.split()}
    surnames = {w.lower() for v in faker_values("person", ("last_names",)) for w in v.split()}
    given, surnames = ({w for w in words if _is_other_script_word(w)} for words in (given, surnames))
    unspaced = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
    characters = {c for w in given if unspaced.fullmatch(w) for c in w}
    return frozenset(given), frozenset(surnames), frozenset(characters)


def other_script_name(value: str) -> int:
    """How surely ``value`` is a person's name in a script other than Latin, by Faker's lists of those scripts
    (:func:`other_script_names`): 2 when every word is a listed name ("राहुल शर्मा", two to four words) or, written
    without spaces, a listed surname and a given name of listed characters ("陈秀兰"); 1 when one word is listed and
    the others are no common word, or only the surname is listed ("毛泽东": the lists hold few given names, and most
    people bear a few surnames); 0 otherwise."""
    value = value.strip()
    given, surnames, characters = other_script_names()
    if _UNSPACED_NAME.fullmatch(value):
        surety = 0
        for length in (1, 2, 3):
            rest = value[length:]
            if value[:length] in surnames and 1 <= len(rest) <= _UNSPACED_GIVEN_MAX:
                surety = max(surety, 2 if all(c in characters for c in rest) else 1)
        return surety
    words = [w.lower() for w in re.split(r"[\s,·・]+", value) if w]
    if not 2 <= len(words) <= 4 or not all(_is_other_script_word(w) for w in words):
        return 0
    from twinforge.privacy.pii.vocabulary import kept_vocabulary

    listed = sum(w in given or w in surnames for w in words)
    if listed == len(words):
        return 2
    # a listed name beside words that are no common word ("محمد الخطيب"), not beside a place's ("شهر پرهام")
    common = kept_vocabulary()
    return int(listed > 0 and not any(w in common for w in words if w not in given and w not in surnames))


@kept_on_disk
def first_names() -> frozenset[str]:
    """Faker's first names (:func:`name_lists`)."""
    return name_lists()[0]


@kept_on_disk
def all_names() -> frozenset[str]:
    """Faker's first and last names (:func:`name_lists`): the names that place, company and country
    words are checked against."""
    first, last = name_lists()
    return first | last


# word lists derived from maintained data sets at build time (tools/build_pii_wordlists.py says how)
_DATA = Path(__file__).with_name("data")


@functools.cache
def shipped_words(file_name: str) -> frozenset[str]:
    """The words of a gzip-compressed list in ``data/``, one a line, ``#`` lines are its header."""
    with gzip.open(_DATA / file_name, "rt", encoding="utf-8") as f:
        return frozenset(line.rstrip("\n") for line in f if line[:1] != "#")


@functools.lru_cache(maxsize=1)
def world_names() -> frozenset[str]:
    """First and last names of 105 countries (names-dataset: names ranked in a country's top 5,000),
    lower-cased, in Latin letters."""
    return shipped_words("person_names.txt.gz")


@kept_on_disk
def world_only_names() -> frozenset[str]:
    """The names of :func:`world_names` that Faker lacks, less the words that are names somewhere
    but mostly something else here: common words, months, towns, regions and countries, place and
    company words, titles, honorifics, particles and labels ("May", "Valencia", "Street", "Patient",
    "Von", "Vitamin")."""
    return world_names() - all_names() - _not_world_names()


_PLACE_ATTRS = (
    "cities", "city_names", "real_city_names", "metropolitan_cities", "towns", "villages", "settlements",
    "municipalities", "districts", "provinces", "regions", "region_names", "states", "countries", "cantons",
    "departments", "prefectures", "places",
)  # fmt: skip


@functools.cache
def place_names() -> frozenset[str]:
    """The town, region and country names listed by every Faker locale, whole and lower-cased ("new york")."""
    return frozenset(v.lower() for v in faker_values("address", _PLACE_ATTRS))


@kept_on_disk
def place_name_words() -> frozenset[str]:
    """Lower-cased words of the town, region and country names listed by every Faker locale, in
    Latin letters ("valencia", "salamanca"): many are surnames somewhere too."""
    words = set()
    for value in place_names():
        words.update(w for w in re.split(r"[\s\-/]+", value) if len(w) > 1 and _is_latin_word(w))
    return frozenset(words)


def _not_world_names() -> frozenset[str]:
    return (
        not_name_words()
        | place_name_words()
        | place_and_company_words()
        | honorific_words()
        | TITLES
        | NAME_PARTICLES
        | NAME_SUFFIXES
        | UPPER_CASE_NOT_NAMES
        | LETTER_LABEL_WORDS
    )


@kept_on_disk
def known_names() -> frozenset[str]:
    """The names that make a capitalised word a person's name: Faker's (:func:`all_names`) and
    those of the world list that are not mostly something else (:func:`world_only_names`)."""
    return all_names() | world_only_names()


# Words in front of a name that announce one ("Dr", "Patient"), and parts of a name that are not names.
TITLES = frozenset(
    "mr mrs ms miss mx dr prof sir dame madam mister lady lord rev father sister nurse patient"
    " pt client customer mme mlle herr frau sr sra srta".split()
)
# the last word of a label that a colon and a person's name follow: "Student: Drovik", "Form Tutor:",
# "Emergency contact:", "Approved by:"; what follows is masked when it is no common word
PERSON_LABELS = frozenset(
    "name names surname forename firstname lastname patient customer client student pupil tutor teacher lecturer"
    " applicant candidate host guest passenger traveller traveler tenant landlord landlady owner buyer seller"
    " sender recipient addressee consignee contact attn signed signature signatory witness employee starter"
    " buddy mentor manager supervisor doctor physician nurse surgeon dentist therapist clinician gp consultant"
    " referrer caller driver courier member author requester requestor assignee reporter beneficiary insured"
    " policyholder holder cardholder spouse partner husband wife father mother parent guardian child son"
    " daughter kin claimant defendant plaintiff respondent appellant victim suspect complainant resident occupant"
    " visitor attendee participant volunteer donor borrower guarantor officer inspector technician by"
    " payee payer subscriber receiver remitter shipper consignor account-holder addressee"
    # the same in other languages: name, surname, patient, member, holder...
    " nombre apellido apellidos nom prénom prenom nome cognome navn namn nimi naam imię nazwisko jméno příjmení név"
    " ime prezime isim adı soyadı soyadi ism esm фио имя фамилия отчество нэр овог ім'я прізвище ስም enw cyfenw claf"
    " paciente patiente paziente patiënt cliente kunde socio socia bazkidea titular beneficiario remitente"
    " destinatario empfänger absender inhaber mitglied membre titulaire destinataire expéditeur".split()
)
# Turkic "son of", "daughter of" after the father's name
PATRONYMIC_SUFFIXES = frozenset("oglu oğlu ogly qizi qızı kyzy uulu uly ulı qyzy gyzy".split())
NAME_PARTICLES = (
    frozenset("van von der den de da del della di du la le st bin binti bint bt bte ibn al el y dos das ter".split())
    | PATRONYMIC_SUFFIXES
    | {"ferch", "verch"}  # Welsh "daughter of"
)
# particles that are also everyday words of their languages (Faroese and Icelandic "á", "í", "undir", "við",
# Scandinavian "av", Welsh "ab" and "ap" (German "ab"), Catalan "i"): part of a name only after a listed name
# or a masked one ("Tróndur á Steig", "Gruffudd ab Ieuan", "Batlle i Serrallonga"), not "Bor i Oslo"
WEAK_NAME_PARTICLES = frozenset("á í av undir við ab ap i".split())
# the particles after which a father's name follows ("Nurul Izzah bt. Abdul Ghani")
PATRONYMIC_PARTICLES = frozenset("bin binti bint bt bte ibn".split())
NAME_SUFFIXES = frozenset("jr sr ii iii iv v phd md dds dvm esq rn cpa mba msc bsc llb llm dphil pharmd".split())
# abbreviated ranks, grades and clergy written before a name ("Flt. Lt.", "Maj. Gen.", "Assoc. Prof.", "Msgr."),
# and the words that qualify a rank after them ("Acting Sub Lt."): skipped with the titles at a name's start
RANKS = frozenset(
    "lt ltjg capt cpt col ltcol maj gen brig sgt ssgt msgt cpl lcpl pvt pte adm radm vadm cdr cmdr lcdr flt wg"
    " sqn plt ens cmdt insp supt det assoc asst adj msgr revd fr".split()
)
RANK_QUALIFIERS = frozenset("acting sub vice rear deputy".split())
# all-caps words shaped like a surname ("NOTE, Smith called") that are alerts, headings or acronyms
# of notes and forms; words of three letters or fewer in capitals ("ICU", "USA") must be listed names
UPPER_CASE_NOT_NAMES = frozenset(
    "asap attn nato note notes urgent important warning caution alert notice reminder update please attention"
    " confidential draft final pending approved denied cancelled void paid unpaid overdue positive negative"
    " normal abnormal allergies allergy history diagnosis assessment plan medications discharge admission"
    " summary unknown none male female total invoice receipt info memo todo covid aids stat".split()
)
# nouns that label things with a letter ("Vitamin D.", "Hepatitis B.", "Appendix A."): such a word
# before a capital letter and its dot is no first name and an initial
LETTER_LABEL_WORDS = frozenset(
    "vitamin hepatitis appendix annex exhibit schedule category grade class group section type plan part"
    " phase stage block building wing ward gate level zone figure fig table option item model size row seat"
    " unit room floor lot plot team tier version hall area sector box bay platform terminal runway channel"
    " track division league series batch lab site factor letter pavilion tower entrance exit door".split()
)


@kept_on_disk
def english_words() -> frozenset[str]:
    """Lower-case English words: spaCy's stop words and Faker's lorem words."""
    from faker.providers.lorem.en_US import Provider as Lorem

    _import_nlp_without_torch()
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | {w.lower() for w in Lorem.word_list}


@kept_on_disk
def not_name_words() -> frozenset[str]:
    """Lower-cased capitalised words that are not person names although they look like one:
    common English words, months and weekdays, place-name parts, street and company words."""
    import calendar

    from faker.providers.address.en_US import Provider as Address
    from faker.providers.company.en_US import Provider as Company

    words = set(english_words())
    # and their inflections, which start sentences before a name: "Called Ana", "Emailed Dr Lee"
    words |= {w + ending for w in list(words) for ending in ("s", "ed", "d", "ing")}
    words |= {m.lower() for m in calendar.month_name[1:]} | {m.lower() for m in calendar.month_abbr[1:]}
    words |= {d.lower() for d in calendar.day_name} | {d.lower() for d in calendar.day_abbr}
    words |= {w.lower() for w in Address.city_prefixes} | {w.lower() for w in Address.street_suffixes}
    words |= {w.lower() for s in Company.company_suffixes for w in s.split()}
    words |= {w.lower() for state in Address.states for w in state.split()}
    # countries named in one word ("Canada", "France"), unless a name too ("Jordan", "Chad")
    words |= {c.lower() for c in Address.countries if c.isalpha()} - all_names()
    words |= set(
        "inc llc ltd plc gmbh mbh ag kg kgaa ohg sa sarl sas srl spa bv nv sl fils söhne hijos corp co company group bank hospital clinic university school street road avenue"
        " city county state north south east west central new old saint sainte san santa santo são los las el fort"
        " port lake mount"
        " river valley hills park center centre university college church".split()
    )
    words |= vocabulary_not_names()
    return frozenset(words - TITLES - NAME_PARTICLES)


# words of everyday English (wordfreq's Zipf frequency of 3.5 or more: "salary", "kettle", "tutor",
# "reception") that Faker lists as no first or last name: the world list holds many of them as names
# somewhere ("Contract", "Visa"), and capitalised in forms and headings they are no names here
VOCABULARY_MIN_ZIPF = 3.5
# shorter words are given names' syllables too ("Hong", "Ming", "Jie")
VOCABULARY_MIN_LETTERS = 5


# words written before a name, which go with it when masked: "Rabbi Levi", "Imam Yusuf"
_TITLES_BEFORE_NAMES = frozenset("rabbi imam sheikh pastor reverend bishop cantor deacon mufti swami guru lama".split())
# courtesy titles of languages whose Faker locale lists none, lower-cased, as written before a name (with or
# without a dot; "г-дин": the hyphen kept): "Madame Ana", "gosp. Marko", "gđa Jelena", "г-ђа Драгана",
# "Reb Yoel", "הרב שלמה", "ר' שלמה", "السيدة سكينة", "Maître Ana"
OTHER_HONORIFICS = frozenset(
    "madame monsieur mademoiselle maître maitre señor señora señorita senhor senhora"
    " gospodin gospođa gospođica gosp gđa gđica g-din g-đa g-đica gospa gospod"
    " господин госпођа госпођица госпожа г-дин г-ђа г-ђица г-жа г-н гн"
    " reb harav הרב ר' מרת גב' גברת"
    " السيد السيدة الآنسة الاستاذ الأستاذ الشيخ الحاج الحاجة"
    " hajja ustaz ustazah encik puan tuan".split()
)


@kept_on_disk
def vocabulary_not_names() -> frozenset[str]:
    """Lower-cased English words of :data:`VOCABULARY_MIN_ZIPF` or more (wordfreq) and
    :data:`VOCABULARY_MIN_LETTERS` or more, less Faker's names, honorifics and titles."""
    from wordfreq import top_n_list, zipf_frequency

    words = {w for w in top_n_list("en", 40_000) if w.isalpha() and len(w) >= VOCABULARY_MIN_LETTERS}
    kept = all_names() | honorific_words() | TITLES | _TITLES_BEFORE_NAMES
    return frozenset(w for w in words if zipf_frequency(w, "en") >= VOCABULARY_MIN_ZIPF) - kept


# everyday words of other languages (wordfreq's most frequent ones, data/other_vocabulary.txt.gz): capitalised
# in headings, labels and place names ("Fecha", "Domicilio", "MINISTERIO", "Телеком") they are no names, though
# the world list holds many as a name somewhere. Shorter words of these vocabularies are names too, and the
# syllables made-up names are built of ("Neri", "Velden"): the list keeps words of 7 letters or more, and of 5 or
# more that the world list holds as a name ("Fecha", "Bilik")
OTHER_VOCABULARY_LANGUAGES = (
    "bg ca cs da de el en es fi fr hu is it lt lv mk nb nl pl pt ro ru sh sk sl sv uk".split()
)  # not Vietnamese, Turkish, Indonesian, Malay or Filipino, whose everyday words are names as often


@kept_on_disk
def other_language_words() -> frozenset[str]:
    """Lower-cased everyday words of :data:`OTHER_VOCABULARY_LANGUAGES` (the shipped list), less Faker's names,
    honorifics, titles, particles and person labels ("rosa", "santos" stay names)."""
    kept = all_names() | honorific_words() | TITLES | _TITLES_BEFORE_NAMES | NAME_PARTICLES | PERSON_LABELS
    return shipped_words("other_vocabulary.txt.gz") - kept


@kept_on_disk
def other_language_name_words() -> frozenset[str]:
    """The words of :func:`other_language_words` that names-dataset's list holds as a name somewhere ("velden",
    "kosta"): next to a word in no list, such a word may be a made-up name's part."""
    return other_language_words() & world_names()


_PLACE_AND_COMPANY_ATTRS = {
    "address": ("city_suffixes", "city_prefixes", "street_suffixes", "street_prefixes"),
    "company": ("company_suffixes",),
}


@kept_on_disk
def place_and_company_words() -> frozenset[str]:
    """Lower-cased words of every Faker locale's legal forms of companies ("Oy", "Kft", "Srl") and
    the words its place names are built with ("Paulista", "Ville", "do Sul"), written in Latin
    letters, dots removed, that are no first or last name. Many locales build companies and towns
    from surnames ("Korhonen Ky", "Martins Paulista"): these words tell them from people."""
    words: set[str] = set()
    for provider_kind, attrs in _PLACE_AND_COMPANY_ATTRS.items():
        for value in faker_values(provider_kind, attrs):
            if value[:1].islower() and " " not in value.strip():
                continue  # "ville", "háza": glued to a name, not words of their own
            for word in re.split(r"[\s\-/]+", value.replace(".", "").lower()):
                if len(word) > 1 and _is_latin_word(word):
                    words.add(word)
    return frozenset(words - all_names() - NAME_PARTICLES - TITLES)


@kept_on_disk
def _not_name_parts() -> frozenset[str]:
    """Words that rule out a name unless listed as one: common, place and company words."""
    return not_name_words() | place_and_company_words()


# a word of a name: an initial, initials ("J.R.", "J.-P."), or letters with apostrophes and hyphens inside
_NAME_TOKEN = re.compile(
    r"(?:[^\W\d_]\.?|(?:[^\W\d_]\.){2,3}|[^\W\d_]\.-[^\W\d_]\.|[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*\.?)"
)
# a Korean given name's syllables joined by a hyphen: "Seong-min", "A-reum", "Ji-hye"
_HYPHENATED_GIVEN_NAME = re.compile(r"[A-Z][a-z]{0,5}-[a-z]{1,5}")
# "al-Rashid", "el-Amin": an Arabic article joined to the name
_ARTICLE_PREFIX = re.compile(r"^(?:al|el|ul|ad|ar|as|at|az|ash)-(?=[^\W\d_])")
# a first name as typed in chat and an initial: "anna k.", "min-seo h."
# (and the surname after the initial: "anna k. lopez")
_CHAT_NAME = re.compile(r"[^\W\d_]{2,}(?:-[^\W\d_]{1,5})? [^\W\d_]\.(?: [^\W\d_]{2,})?")


# "Ana 'Bunny' Lopez", 'Ana "Bunny" Lopez': a nickname in quotes between the parts of a name
_QUOTED_NICKNAME = re.compile(r"(?<=\S)\s+['\"‘“][^\W\d_](?:[^\W\d_]|['’\-]|\s(?=\S))*['\"’”](?=\s+\S)")
# "Nermin (Kenan) Delić", "Melwen [Ostp] Velpimsha": a father's name or a nickname in brackets between the
# parts of a name
_BRACKETED_MIDDLE = re.compile(r"(?<=\S)\s+[(\[][^\W\d_][^()\[\]]*[)\]](?=\s+\S)")
# "LOPEZ/ANA MARIA" (as airline bookings write names), "Lopez (Ana)", "Ploy (Ana Lopez)": words of
# letters, apostrophes and hyphens on both sides
_NAME_WORDS = r"[^\W\d_](?:[^\W\d_]|['’\-]|\s(?=[^\W\d_]))*"
_SLASHED = re.compile(rf"({_NAME_WORDS})/({_NAME_WORDS})")
# (a letter before the bracket checked by a look-ahead: "[^()]*" on both sides of it backtracked quadratically)
_BRACKETED = re.compile(rf"(?=[^()]*[^\W\d_])([^()]*?)\s*\(({_NAME_WORDS})\)")
# "Ana Lopez a.k.a. Bunny Ruiz", "Ana Lopez alias ...", "Ana Lopez d/o Luis Lopez" (daughter, son, wife of):
# the name before the alias or the relation; "alias" only after two words, as it is also a Malay given name
# ("Mohd Alias Ibrahim")
_ALIAS_OR_RELATION = re.compile(r"(?i)\s+(a\.\s?k\.\s?a\.?|aka|alias|[sdw]/o)\s+\S.*$")


# "Ana Lopez (née Ruiz)", "Ana Lopez geb. Ruiz", "Ana Horvat rođ. Kovač", "Ana Ruiz vda. de Lopez": a maiden
# (or, after "vda. de", a late husband's) name after its marker
_MAIDEN_NAME = re.compile(
    r"(?<=\S)\s+\(?\s*(?:née|nee|né|born|geb\.|geborene|roz\.|szül\.|z d\.|z domu|ur\.|rođ\.|roj\.|rod\.|o\.\s?s\."
    r"|vda\.\s+de|viuda de|épouse|ép\.)\s+([^\W\d_][^()]*?)\s*\)?$",
    re.IGNORECASE,
)
# "Ana & Luis Lopez", "Ana and Luis Lopez": a couple sharing the last name; "Lopez & Ruiz" (one word
# after the joiner) stays a firm's name
_COUPLE = re.compile(r"^([^\W\d_][^\W\d_'’\-]*)\s+(?:&|and)\s+(\S+(?:\s+\S+)+)$")


# a passport's machine-readable zone: "SURNAME<<GIVEN<MIDDLE"
_MACHINE_READABLE_NAME = re.compile(r"([A-Z]+(?:<[A-Z]+)*)<<([A-Z]+(?:<[A-Z]+)*)<*")


# Dutch "van 't", "in 't", "op 't": a particle and its contracted article
_CONTRACTED_ARTICLE = re.compile(r"(?i)\s(?:van|in|op)\s['’]t\s")


def plain_name_text(value: str) -> str:
    """``value`` with the punctuation some name formats add taken out, for the name tests: a nickname
    in quotes between two words dropped, "LAST/FIRST", "Last (First)", "Last; First" and a passport's
    "LAST<<FIRST<MIDDLE" as words,
    a maiden name after "née" or "geb." and a couple's "Ana & Luis Lopez" as a name's words, Dutch
    "van 't", "in 't" and "op 't" as the particle "van". Other values come back as they were."""
    value = _BRACKETED_MIDDLE.sub("", _QUOTED_NICKNAME.sub("", value.strip()))
    machine_readable = _MACHINE_READABLE_NAME.fullmatch(value)
    if machine_readable:
        return f"{machine_readable.group(2)} {machine_readable.group(1)}".replace("<", " ")
    value = _MAIDEN_NAME.sub(r" \1", value)
    value = _CONTRACTED_ARTICLE.sub(" van ", value)
    value = _COUPLE.sub(r"\1 \2", value)
    alias = _ALIAS_OR_RELATION.search(value)
    if alias and (alias.group(1).lower() != "alias" or len(value[: alias.start()].split()) >= 2):
        value = value[: alias.start()]
    if value.count(";") == 1:
        value = value.replace(";", ",")
    for pattern in (_SLASHED, _BRACKETED):
        whole = pattern.fullmatch(value)
        if whole:
            return f"{whole.group(1).strip()} {whole.group(2)}"
    return value


def person_name_shape(value: str) -> tuple[bool, bool]:
    """(looks like a person's name, contains a known first or last name).

    A name is one to five capitalised words (hyphenated, with apostrophes, initials, particles
    such as "van", titles and suffixes allowed: :data:`TITLES` and every Faker locale's
    honorifics, :func:`name_affixes`), optionally "Last, First"; any word from
    :func:`not_name_words` (months, cities' parts, company words, common words) rules it out, and
    so does a lower-case word joined by hyphens ("Lebon-la-Forêt", "Pelletier-sur-Mer": places).
    """
    tokens = [t for t in re.split(r"[\s,]+", value.strip()) if t]
    if not 1 <= len(tokens) <= 6:
        return False, False
    listed, affixes, blocked = known_names(), name_affixes(), _not_name_parts()
    if leading_title_count([*tokens, "name"]) == len(tokens):
        return False, False  # titles alone: "Mr", "Dr."
    if value.islower() and _CHAT_NAME.fullmatch(value.strip()):
        first = tokens[0].split("-")[0]
        return first not in blocked, first in listed
    if len(tokens) > 1 and tokens[-1].endswith(".") and len(tokens[-1]) > 3:
        last = tokens[-1].replace(".", "").lower()
        if last not in NAME_SUFFIXES and last not in affixes:
            return False, False  # a sentence: "Get Spanel Glukh."
    words = 0
    known = False
    leading = leading_title_count(tokens)
    for i, token in enumerate(tokens):
        if i < leading:
            continue  # "Sig.ra", "pani", "Assoc. Prof. Dr.", "Acting Sub Lt.": any case, dots inside
        bare = token.rstrip(".").lower()
        token = _ARTICLE_PREFIX.sub("", token) if i > 0 else token
        if _HYPHENATED_GIVEN_NAME.fullmatch(token) and token.split("-")[1] not in blocked:
            token = token.replace("-", "")
        bare = token.rstrip(".").lower()
        if not _NAME_TOKEN.fullmatch(token):
            return False, False
        undotted = bare.replace(".", "")  # "M.D.", "D.D.S."
        if i > 0 and (undotted in NAME_SUFFIXES or bare in NAME_PARTICLES or bare in affixes):
            continue
        if token.islower() and i > 0 and tokens[i - 1].lower() in NAME_PARTICLES:
            continue  # a lower-case word after a particle: "Da silva"
        if not token[0].isupper() or (len(bare) > 1 and token.isupper() and len(tokens) == 1):
            return False, False
        if any(p[:1].islower() for p in token.split("-")[1:]):
            return False, False
        if i > 0 and (len(bare) == 1 or (i == len(tokens) - 1 and _CITED_INITIALS.fullmatch(token))):
            continue  # an initial ("MR I DOE"), or a citation's initials after the surname ("Doe JA")
        parts = re.split(r"['’\-]", bare)
        if any(p in blocked and p not in listed for p in parts) or bare in blocked:
            return False, False
        known = known or any(p in listed for p in parts)
        words += 1
    return words >= 1, known


_DOTTED_INITIALS = re.compile(r"(?:[A-Z]\.){2,3}")


def leading_title_count(tokens: list[str]) -> int:
    """How many of a name's first ``tokens`` are titles, honorifics or ranks ("Mr", "Sig.ra", "Assoc. Prof.
    Dr.", "Flt. Lt.", "Acting Sub Lt."; a qualifier such as "Acting" only before a rank); at least one token
    is left for the name."""
    affixes = name_affixes()
    count = 0
    for i, token in enumerate(tokens[:-1]):
        bare = token.rstrip(".").lower()
        # dotted capitals are initials ("S.R. Kovind", "M.D. Rahman"), though "sr" and "md" are affixes
        initials = _DOTTED_INITIALS.fullmatch(token) is not None
        if bare in TITLES or bare in RANKS or (not initials and bare.replace(".", "") in affixes):
            count = i + 1
        elif bare not in RANK_QUALIFIERS:  # a qualifier counts once a rank follows it
            break
    return count


# "Doe JA", "Doe ID": a citation's initials after a surname written in lower case (not "WHO", "USA")
_CITED_INITIALS = re.compile(r"[A-Z]{1,2}")


def is_person_name(value: str) -> bool:
    """A short value made only of known first/last names ("Ana Lopez", "lopez, ana")."""
    value = value.strip()
    if not _NAME_VALUE.fullmatch(value):
        return False
    known = all_names()
    return all(w.lower() in known for w in _WORD.findall(value))


_WORD = re.compile(r"[^\W\d_][^\W\d_'\-]*")
_NAME_VALUE = re.compile(r"[^\W\d_][^\W\d_'\-]*(?:[ ,.]+[^\W\d_][^\W\d_'\-]*){0,3}\.?")
_CAPITALIZED = re.compile(r"\b[A-Z][a-z]+(?:['\-][A-Z]?[a-z]+)?\b")
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+[A-Z][a-z]+")


def mentions_person(text: str, extra_names: frozenset[str] = frozenset()) -> bool:
    """Free text naming someone: a title and a name, a first name followed by a last name, or a
    name taken from the table's own name columns."""
    if _TITLE.search(text):
        return True
    first, last = name_lists()
    words = _CAPITALIZED.findall(text)
    for a, b in zip(words, words[1:]):
        if a.lower() in first and b.lower() in last:
            return True
    if extra_names:
        return any(w.lower() in extra_names for w in _WORD.findall(text))
    return False


# ------------------------------------------------------------------ street addresses and URLs (Rust regex syntax)

# street types: Faker's en_US list plus common abbreviations and other languages' words
_STREET_TYPES = (
    r"(?:alley|avenue|ave|branch|bridge|brook|brooks|burg|bypass|camp|canyon|cape|causeway|center|centre|circle"
    r"|cir|circles|cliff|club|common|corner|corners|course|court|courts|ct|cove|creek|crescent|cres|crest"
    r"|crossing|crossroad|curve|dale|dam|divide|drive|drives|dr|estate|estates|expressway|extension|falls|ferry"
    r"|field|fields|flat|flats|ford|forest|forge|fork|fort|freeway|garden|gardens|gateway|glen|glens|green"
    r"|greens|grove|groves|harbor|harbour|haven|heights|highway|hwy|hill|hills|hollow|inlet|island|islands|isle"
    r"|junction|key|keys|knoll|knolls|lake|lakes|land|landing|lane|ln|light|lights|loaf|lock|locks|lodge|loop"
    r"|mall|manor|manors|meadow|meadows|mews|mill|mills|mission|motorway|mount|mountain|neck|orchard|oval|park"
    r"|parks|parkway|pkwy|pass|path|pike|pine|pines|place|pl|plain|plains|plaza|point|points|port|ports"
    r"|prairie|radial|ranch|rapid|rapids|rest|retreat|ridge|ridges|river|road|rd|roads|route|row|rue|run"
    r"|shoal|shoals|shore|shores|skyway|spring|springs|spur|square|sq|squares|station|stravenue|stream|street"
    r"|st|streets|summit|terrace|ter|throughway|trace|track|trafficway|trail|tunnel|turnpike|underpass|union"
    r"|unions|valley|valleys|via|viaduct|view|views|village|villages|ville|vista|walk|walks|wall|way|ways|well"
    r"|wells|wharf|close|chase|parade|esplanade|promenade|rise|vale|wynd|quay|cutting|grange|heath|lawn|fall"
    r"|overpass|passage|ramp|tower|fairway|roadside|cross|crossway|mew|boulevard|blvd|gate|gardens|arcade|bank"
    r"|alleyway|approach|concourse|circuit|reserve|beach|brae|tor|range|track|glade|outlook|rise|strand"
    r"|chowk|nagar|ganj|zila|marg|gali|bazar|colony)s?"
)
_STREET_TYPE_WORD = re.compile(rf"(?i){_STREET_TYPES}")


def is_street_type(word: str) -> bool:
    """Whether ``word`` names a kind of street or place ("Lane", "Hill", "Wells", "nagar")."""
    return bool(_STREET_TYPE_WORD.fullmatch(word))


# "12 Main Street, Apt 4", "04/7 Hull Gardens", "Flat 3\n12 Scott Place", "Studio 0\nArnold Oval"
# "House No. 135", "Building No. 466", "Holding No. 15" (Bangladesh), "Lot 6" (Malaysia); India's "Door No.",
# "Flat No.", "Old No. 35, New No. 70"; Ghana's "Hse No.", "H/No. B 336/26"; South Africa's "Erf 5245" (a plot)
_NUMBERED_HOUSE = r"(?:house|hse|building|holding|plot|door|flat|old|new)\s+no|h\.\s?no|h/no"
_UNIT = (
    rf"(?:{_NUMBERED_HOUSE}|flat|studio|apartment|apt|suite|ste|unit|room|floor|level|building|bldg|lot|erf|po box"
    r"|p\.o\. box|#)\.?\s*[\w\-/]+"
)
# a flat, floor or office after the house number, in English and the Romance and German languages:
# "Los Robles 11 Dpto. 262", "Matta 937 Of. 203", "Via Rita, 56 Piano 3", "Calle Mayor 3 Piso 2"
_UNIT_WORDS_AFTER = (
    "apt apto app appartamento apartamento apartment piso planta dpto depto departamento of ofic oficina piano int"
    " interno scala esc escalera pta puerta local casa bloque torre suite ste unit bureau étage etage stock whg"
    " wohnung top stiege flat floor fl room rm level lvl"
).split()
_UNIT_AFTER_NUMBER = (
    rf"(?:,?\s+(?i:{'|'.join(_UNIT_WORDS_AFTER)})\.?\s*\d{{1,5}}[A-Za-z]?(?:[/\-]\d{{1,5}}[A-Za-z]?)?\b)"
)
# the same in capitals, where no address word announces the street: "Karina Salinas 7701 Of. 323"
_CAPITAL_UNIT_AFTER_NUMBER = (
    rf"(?:,?\s+(?:{'|'.join(w.capitalize() for w in _UNIT_WORDS_AFTER)})\.?\s*\d{{1,5}}[A-Za-z]?"
    r"(?:[/\-]\d{1,5}[A-Za-z]?)?\b)"
)
# a New Zealand rural delivery number after the street: "48 Tipumakau Cross, RD 9"
_RURAL_DELIVERY = r"RD\s+\d{1,3}"
# "12", "12B", "12/3", Vietnamese alley numbers "5/40/928"
_HOUSE_NUMBER = r"\d{1,6}(?:-?[A-Za-z])?(?:[/\-]\d{1,6}[A-Za-z]?){0,2}"
# capitalised words or an ordinal ("97th Avenue") naming a street, then its type ("Drive Extension")
# housing areas named like streets ("Orchid Village Phase 9", "Lee Subdivision 2", "Opal Homes")
_AREA_TYPES = r"(?:village|subdivision|homes|residences|condominiums|suites|estates)"
_STREET_NAME = (
    rf"(?:(?:\p{{Lu}}[\p{{L}}'.\-]*|\d{{1,3}}(?:st|nd|rd|th))\s+){{1,4}}(?i:{_STREET_TYPES}|{_AREA_TYPES})\b\.?"
    r"(?:\s+(?i:extension)\b)?(?:\s+(?i:phase)\s+\d{1,3}\b|\s+\d{1,3}\b)?"
)
# the parts after a street, each with a street or area type: "..., Orchid Village Phase 9, Palali Road"
_MORE_STREETS = rf"(?:,\s*{_STREET_NAME}){{0,2}}"
# a building in front of the street: "Room 202 Bryant Suites 5, ", "2nd Floor Kamias Condominiums, "
_BUILDING = (
    r"(?:(?i:room|unit|suite)\s+\d{1,4}\s+|\d{1,2}F\s+|\d{1,2}(?:st|nd|rd|th)\s+(?i:floor)\s+)?"
    r"(?:\p{Lu}[\p{L}']*\s+){1,2}(?i:suites|residences|condominiums|towers?|buildings?)(?:\s+\d{1,3})?,\s*"
)
_EN_STREET = (
    rf"(?:\b(?:{_BUILDING})?{_HOUSE_NUMBER},?\s+{_STREET_NAME}{_MORE_STREETS}"
    rf"|\b(?:(?i:{_UNIT})[,\s]+){{1,3}}(?:{_HOUSE_NUMBER}\s+)?{_STREET_NAME}"
    # the Philippines: "Block 19 Lot 70 Apo Road", "B22 L60 Cruz Grove"
    # ("Blk 38 Lot 42 Phase 1, Ghosh Homes")
    rf"|\b(?i:block|blk|b)\s?\d{{1,3}}\s+(?i:lot|l)\s?\d{{1,3}}(?:\s+(?i:phase)\s+\d{{1,2}},?)?\s+{_STREET_NAME}{_MORE_STREETS})"
    rf"(?:,?\s+(?:(?i:{_UNIT})|{_RURAL_DELIVERY})\b)?"
    # Bangladesh: "Apartment 6, House No. 135, SonaGram Park", "Holding No. 176, West ChitalBari"
    rf"|\b(?:(?i:{_UNIT})[,\s]+){{0,2}}(?i:{_NUMBERED_HOUSE})\.?\s*(?:[A-Z]\s)?[\w\-/]+,\s*\p{{Lu}}[\p{{L}}'\-]*(?:\s+\p{{Lu}}[\p{{L}}'\-]*){{0,2}}"
    r"|\b(?i:p\.?\s?o\.?\s?box|psc|unit)\s+\d{1,6}(?:,\s*box\s+\d{1,6})?\b|\b(?:USNS|USNV|USS|USCGC)\s+\p{Lu}\p{L}+"
    # Southern Africa's "Private Bag X8062"
    r"|\b(?i:private\s+bag)\s+X?\d{1,6}\b"
    # Bangladesh: "House 74, Road 15/B, Rahman R/A" (a residential area)
    r"|\b(?i:house|plot)\s+\d{1,4}[A-Za-z]?,\s*(?i:road)\s+\d{1,3}(?:/[A-Za-z0-9]{1,2})?\b(?:,\s*\p{Lu}[\p{L}'\-]*\s+R/A)?"
    # Thailand: a house number, the village ("Moo") and maybe the lane ("Soi"): "105/50 Moo 11, Soi Ghosh 14"
    r"|\b\d{1,4}(?:/\d{1,4})?\s+Moo\s+\d{1,3}\b(?:,\s*Soi\s+\p{Lu}[\p{L}'\-]*(?:\s+\d{1,3}\b)?)?"
)
# "Hauptstraße 5", "Karl-Peter-Etzold-Gasse 9/3"; "50, avenue de Lebon", "rue de Pottier"; "Calle Mayor 3"
_DE_STREET = (
    # capitalised, or lower case before a hyphen ("van-Straße"): not "during 5 days"
    r"(?:\b(?:\p{Lu}[\p{L}\-.]*|van|von|der|den|de|zu|am|an|im)\s+){0,3}\b(?:\p{Lu}|\p{Ll}+-)[\p{L}\-]*"
    r"(?i:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|ufer|chaussee|steig|pfad)"
    r"\s+\d{1,4}[a-z]?(?:[/\-]\d{1,4}[a-z]?)?\b"
)
_STREET_WORD = (
    r"(?:(?:de|del|di|la|las|los|dei|della|delle|dello|degli|alla|alle|al|da|do|dos|das)\s+)?\p{Lu}[\p{L}'\-]*"
)
# the street type in front ("rue", "Calle", "Via", "Strada", "Avda."), then its name (up to four
# capitalised words) and maybe a house number, after a comma too ("Via Rita, 56"), and a unit
_FR_ES_STREET = (
    r"(?:\b\d{1,5}(?:\s?(?:bis|ter))?,?\s+)?\b(?i:c/|rue|avenue|av\.|avda\.|psje\.|pje\.|boulevard|bd|chemin|impasse|allée|allé"
    r"|place|quai|route|cours|montée|côte|rang|croissant|calle|avenida|paseo|pasaje|plaza|camino|via|viale|piazza"
    r"|piazzale|corso|largo|strada|vicolo|borgo|contrada|lungomare|loc\.|località|fraz\.|frazione"
    # Portuguese and Hebrew (romanized): "Rua Augusta", "Rehov Herzl" (not "Estrada" or "Alameda": surnames too)
    r"|rua|travessa|praça|praca|rodovia|rehov|rechov|sderot)\s+"
    # the name capitalised: not "the route was closed", "sent via email"
    r"(?:(?i:de|du|des|la|le|les|del|di|della|dei|degli|d')\s*)?\p{Lu}[\p{L}'\-]*"
    # more words and a house number, and maybe a unit ("Via Luzi, 56 Piano 9"); or a unit right after
    # the first word ("94403 rue Renée Apt. 818"), which the words would take for a name; or more words
    # (Portuguese "n.º" before the number: "Rua Henschel, n.º 158")
    rf"(?:(?:\s+{_STREET_WORD}){{0,3}},?\s+(?:n\.?\s?[º°]\.?\s?)?\d{{1,5}}[A-Za-z]?\b{_UNIT_AFTER_NUMBER}?|{_UNIT_AFTER_NUMBER}"
    rf"|(?:\s+{_STREET_WORD}){{0,3}})"
)
# a four- or five-digit postcode and a town after the house number: ", 1326 Lovenjoel"
_POSTCODE_TOWN = r"(?:,?\s+\d{4,5}\s+\p{Lu}[\p{L}'\-]*)"
# a street name, then its type as a word of its own, then the house number, as Nordic, Dutch and
# German addresses are written: "Karlstads Allé 2", "Nørre Vold Allé 612", "Lange Straße 5"; Baltic
# "Vilniaus g. 110-51", "Narva mnt 116-62"; an initial in front and "N" before the number, as Georgian
# addresses are written in English: "I. Chavchavadze Ave. 87", "Pekini St. N 78"
_NAME_TYPE_NUMBER = (
    r"\b(?:\p{Lu}\.\s+)?(?:\p{Lu}[\p{L}'\-]*\s+){1,3}(?:Street|St\.|Road|Rd\.|Avenue|Ave\.|Lane|Drive|Boulevard"
    r"|Allé|Alle|Allee|Vej|Gade|Vei|Veien|Gata|Gatan|Väg|Vägen|Straße|Strasse|Straat|Weg|Laan|Plads|Plein|Torv"
    r"|g\.|pr\.|mnt\.?|pst\.?)\s+(?:N\s?|No\.\s?)?\d{1,5}[A-Za-z]?"
    r"(?:[/\-]\d{1,5}[A-Za-z]?)?\b"
    rf"{_UNIT_AFTER_NUMBER}?{_POSTCODE_TOWN}?"
)
# Nordic and Dutch street names with the street type glued on: "Stevnsgade 419", "Ny Østervej 1",
# "Storgatan 12", "Kirkeveien 5", "Kerkstraat 3", "Mannerheimintie 8"
_GLUED_STREET = (
    r"\b(?:\p{Lu}[\p{L}\-.]*\s+){0,2}\p{Lu}\p{Ll}[\p{L}\-]*(?:vej|gade|stræde|vænge|plads|torv|vang|vägen|väg"
    r"|gatan|gata|gränd|stigen|backen|torget|veien|vei|vegen|veg|gate|gaten|stien|plassen|straat|laan|plein"
    r"|gracht|kade|dreef|singel|steeg|dijk|katu|tie|kuja|polku|tori)\s+\d{1,4}[A-Za-z]?(?:[/\-]\d{1,4}[A-Za-z]?)?\b"
    rf"{_UNIT_AFTER_NUMBER}?{_POSTCODE_TOWN}?"
)
# a street name and then its house number, whatever the street is called: "Kimdreef 270", "Torve
# Allé 691", "Via dei Mille, 5" (short lower-case words such as "dei" may join the capitalised ones)
_STREET_THEN_NUMBER = (
    r"\p{Lu}\p{Ll}[\p{L}'.\-]*(?:\s+(?:\p{Lu}[\p{L}'.\-]*|\p{Ll}{1,4}'?)){0,4},?\s+"
    rf"\d{{1,5}}[A-Za-z]?(?:[/\-]\d{{1,5}}[A-Za-z]?)?{_UNIT_AFTER_NUMBER}?"
)
# without an address word: a street name, its house number and a unit in capitals after it, which
# makes it an address ("Karina Salinas 7701 Of. 323", "Los Alerces 3258 Piso 60"); particles
# ("de", "del", "van") only between capitalised words
_STREET_NUMBER_UNIT = (
    r"\b\p{Lu}\p{Ll}[\p{L}'.\-]*(?:\s+(?:(?:de|del|della|di|da|dei|la|las|los|le|van|von|der|den|y)\s+|dell')?"
    r"\p{Lu}[\p{L}'.\-]*){0,4},?\s+"
    rf"\d{{1,5}}[A-Za-z]?(?:[/\-]\d{{1,5}}[A-Za-z]?)?{_CAPITAL_UNIT_AFTER_NUMBER}"
)
# a rural address by its kilometre marker: "Ruta T-10, km 6", "Ruta 5 Sur, km 826", "Route 66 km 12"
_ROAD_KILOMETRE = (
    r"\b\p{Lu}\p{L}*\.?\s+(?:\p{Lu}{1,3}-?)?\d{1,4}(?:-\p{Lu}{1,3})?(?:\s+\p{Lu}\p{Ll}+)?,?\s+"
    r"(?i:km|kilómetro|kilometro)\.?\s*\d{1,4}(?:[.,]\d{1,3})?\b"
)
# a word or phrase that announces an address: "lives at", "moved to", "ship to", "at home:", "delivery
# address to", a label holding "address" and ending in a colon ("Address on file:")
ADDRESS_CONTEXT = (
    r"(?i:(?:address|addr\.?)(?:\s+(?:is|was|to|at|as|changed\s+to))?|address(?:\s+[\w\-]+){1,3}\s*:"
    r"|(?:lives?|living|lived|resides?|residing|resided|stays?|staying)\s+(?:at|on)|moved\s+(?:in\s+)?to"
    r"|(?:ship|deliver|post|send|sent|mail|forward|return)(?:s|ed|ing)?\s+(?:\w+\s+)?to|located\s+at"
    # collections and drop-offs: "collect from", "picked up at", "drop off at"
    r"|(?:collect(?:s|ed|ing)?|pick(?:s|ed|ing)?\s+up|drop(?:s|ped|ping)?\s+off)\s+(?:\w+\s+)?(?:from|at)"
    r"|at\s+home|home)"
)
# group 1 is the context, kept in front of the mask token; then a house number and capitalised
# words, or a street name and its house number (and maybe a postcode and town after it)
ADDRESS_IN_CONTEXT = (
    rf"(\b{ADDRESS_CONTEXT}\W{{0,3}})(?:\d{{1,6}}[A-Za-z]?(?:[/\-]\d{{1,6}})?,?(?:\s+\p{{Lu}}[\p{{L}}'\-]*){{1,4}}"
    rf"|{_STREET_THEN_NUMBER}\b(?:,?\s+\d{{4,5}}\s+\p{{Lu}}[\p{{L}}'\-]*)?)"
)
# a house number and two to four capitalised words in text ("at 94 Gabrielle Part"), whatever the
# street type is called; the same shape as ADDRESS_SHAPE for whole values, so it may take a
# capitalised name after a number too ("in 2024 Acme Corp"): over-masking text costs little
_EN_STREET_ANY_TYPE = (
    rf"\b(?:(?i:{_UNIT})[,\s]+)?\d{{1,6}}[A-Za-z]?(?:[/\-]\d{{1,6}})?,?"
    rf"(?:\s+\p{{Lu}}[\p{{Ll}}'\-]+(?:\p{{Lu}}[\p{{Ll}}'\-]+)?){{2,4}}\b(?:,?\s+{_RURAL_DELIVERY}\b)?"
)
# Malaysia: "15, Jalan Wan Kadir 4", "11, Lorong Parlimen 6/43", "75, Jln 3", "Lot 6, Jalan Kuching 3/38"
_MY_STREET = (
    rf"(?:\b(?:(?i:{_UNIT}|no\.?)[,\s]+)?(?:\b[A-Za-z]-)?\d{{1,5}}[A-Za-z]?(?:-\d{{1,3}}){{0,2}},?\s+)?"
    r"\b(?i:jalan|jln|lorong|lrg|persiaran|lebuh)\s+"
    r"(?:\p{Lu}[\p{L}']*(?:\s+\p{Lu}[\p{L}']*){0,3}(?:\s+\d{1,4}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?)?)?"
    r"|\d{1,4}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?)?)\b"
)
# Malaysian first: "42, Jalan Tun Dr Ismail 6/9" is no English "42 ... Dr"
# Colombia's grid: a street type and the street's number, "#" (or "No.") and the cross street's number,
# a hyphen and the house's distance from the corner: "Carrera 73 # 49-1 Este", "Cl. 36 # 81-32", "Dg. 4ª # 52-62"
_CO_STREET = (
    r"(?-u:\b)(?i:avenida calle|avenida carrera|av\.? calle|av\.? carrera|calle|cll|cl|carrera|cra|kra|kr|cr|avenida|av"
    r"|diagonal|dg|transversal|tv|tr|circular|cq|autopista)\.?\s+\d{1,3}\s?\p{L}{0,3}(?:\s+(?i:bis|este|sur|norte|oeste))?"
    r"\s*(?:#|(?i:no|n[°º])\.?)\s*\d{1,3}\s?\p{L}{0,3}\s*-\s*\d{1,3}\p{L}?(?:\s+(?i:este|sur|norte|oeste)(?-u:\b))?"
)
# a US rural route or highway contract route and its box: "RR 3 Box 477", "HC 86 Box 3478"
_RURAL_ROUTE = r"(?-u:\b(?:RR|R\.R\.|HC|(?i:rural\s+route|highway\s+contract))\s*\d{1,4},?\s+(?i:box)\s+\d{1,6}\b)"
# numbered parts, two or more, as Gulf addresses are written: "Flat 25, Building 1940, Road 541, Block 687",
# "Villa 88, Street 46", "Building 33, Street 621, Zone 43", "Room 1703, Block B, No. 89 Shennan Avenue"
# (ASCII-only case folding and boundaries, "(?-u:...)": Unicode ones would make the compiled address patterns
# exceed the regex engine's size limit)
_NUMBERED_PART = (
    r"(?-u:(?i:flat|villa|building|bldg|house|apartment|apt|unit|office|shop|plot|road|rd|street|st|way|avenue|ave"
    r"|lane|block|blk|zone|sector|compound|room|rm|no|floor|tower|wing|phase|extension|ext|erf|ward)\.?\s+(?:\d{1,5}[A-Za-z]?(?:/[A-Za-z0-9]{1,3})?"
    r"|[A-Z])\b)"
)
# and maybe the street's name after the last part, as capitalised words ("No. 89 Shennan Avenue")
_NUMBERED_PARTS = rf"(?-u:\b){_NUMBERED_PART}(?:,\s*{_NUMBERED_PART}){{1,4}}(?:\s+\p{{Lu}}[\p{{L}}'\-]*(?:\s+\p{{Lu}}[\p{{L}}'\-]*){{0,3}})?"
# Vietnam: the house number ("Số"), the lanes ("ngõ", "ngách", "hẻm") and the street ("phố", "đường"):
# "Số 12 ngõ 34 phố Huế", "123 Đường Lê Lợi"
_VN_STREET = (
    r"(?:(?i:số)\s+)?\d{1,5}[A-Za-z]?(?:/\d{1,4}){0,2}(?:,?\s+(?i:ngõ|ngách|hẻm|kiệt)\s+\d{1,5}(?:/\d{1,4})?)*,?\s+"
    r"(?i:phố|đường|đ\.)\s+\p{Lu}\p{L}*(?:\s+\p{Lu}\p{L}*){0,3}"
)
# a house number, then a numbered zone or phase and the township: "5796 Zone 7, Diepkloof"
_NUMBER_THEN_ZONE = r"(?-u:\b\d{1,5}\s+(?i:zone|sector|phase|extension)\s+\d{1,3},)\s*\p{Lu}[\p{L}'\-]+"
# a microdistrict and its block, as post-Soviet addresses are written: "Isani, I m/r, korp. 30, bina 35"
_MICRODISTRICT = (
    r"\p{Lu}[\p{L}'\-]*,?\s+(?-u:(?:[IVX]{1,4}|\d{1,2})\s+(?i:m/r|mkr\.?|mikrorayon|microdistrict),?\s*"
    r"(?i:korp\.?|korpus|bldg\.?|block)\s*\d{1,3})"
)
# Nepal: a street, its metropolitan city or municipality and its ward, "Kupondole Marg, Lalitpur
# Metropolitan City, Ward 14"; an Estonian farm and its village, "Männiku talu, Kõrveküla"
_WARD_OR_FARM = (
    r"(?:\p{Lu}[\p{L}'\-]*\s+){1,3}(?i:marg|tole|chowk|path|sadak),\s*(?:\p{Lu}[\p{L}'\-]*\s+){1,2}"
    r"(?-u:(?i:(?:sub-)?metropolitan\s+city|(?:rural\s+)?municipality),\s*(?i:ward)\s+(?:(?i:no)\.?\s*)?\d{1,2})"
    r"|\p{Lu}[\p{L}'\-]*\s+talu,\s*\p{Lu}[\p{L}'\-]*"
)
# Japan: a postcode after its mark, "〒502-3749"; a block, lot and house, "日本堤9丁目19番15号"
# Taiwan and China: a postcode, a street (路, 街), lane (巷), section (段) and house number (號), "577 動物園路91號之8"
_EAST_ASIAN_ADDRESS = (
    r"〒\s?\d{3}-?\d{4}|[\p{Han}\p{Katakana}\p{Hiragana}ー]{1,30}\d{1,2}丁目\d{1,3}番地?(?:\d{1,3}号)?"
    r"|(?:\d{3,6}\s?)?\p{Han}{1,20}[路街巷道弄](?:\d{1,3}[段巷弄])*\d{1,5}[號号](?:之\d{1,3})?(?:\d{1,3}[樓楼])?"
    r"|\p{Han}{1,20}[路街巷道弄][A-Za-z0-9]{1,3}座"  # a building by its letter: "长春街X座"
)
# post-Soviet streets in Cyrillic: a street type with its dot, the street's name (a microdistrict's number after a
# hyphen), the house ("д.") and flat ("кв."): "ул. Абая, д. 57, кв. 174", "мкр. Коктем-1, д. 72", "пр. Достык 70А";
# a numbered microdistrict first, "4 мкр., д. 7, кв. 36"; a city in front, "г. Шымкент, мкр. Самал-2, д. 9"
_CYRILLIC_STREET = (
    r"(?:(?:г|Г)\.\s*\p{Lu}[\p{L}\-]*,\s*)?"
    r"(?:(?:ул|Ул|УЛ|пр|Пр|ПР|просп|пр-т|пер|Пер|б-р|бул|ш|наб|пл|мкр|Мкр|МКР|мкрн)\.\s*\p{Lu}[\p{L}\-]*"
    r"(?:\s+\p{Ll}{1,3})?(?:-\d{1,2})?,?\s+|\d{1,2}\s+мкр\.,?\s+)(?:(?:д|Д)\.\s*)?\d{1,5}\p{L}?(?:/\d{1,5})?"
    r"(?:,?\s*(?:кв|КВ|корп|к|стр|оф)\.\s*\d{1,5})*"
)
# Mongolia: a district and its numbered khoroo, in Cyrillic or Latin letters ("Сүхбаатар дүүрэг, 7-р хороо",
# "Khan-Uul District, Khoroo 11"), or a soum and its bag ("Khatgal sum, 3-r bag"); Peru's block and lot,
# "Mz. G Lt. 6"; an Ethiopian kebele and house number in Ge'ez script, "ቀበሌ 08፣ የቤት ቁጥር 665"
_DISTRICT_KHOROO_LOT = (
    r"\p{Lu}[\p{L}\-]*\s+(?:дүүрэг|düüreg|District),\s*(?:\d{1,2}-(?:р|r)\s+(?:хороо|khoroo)|Khoroo\s+\d{1,2})"
    r"(?:,\s*\d{1,3}-(?:р|r)\s+(?:байр|bair|гудамж|gudamj))?(?:,\s*\d{1,4}\s+(?:тоот|toot))?"
    r"|\p{Lu}[\p{L}\-]*\s+(?:sum|сум),\s*\d{1,2}-(?:r|р)\s+(?:bag|баг)"
    r"|(?-u:\bMz\.?\s*[A-Z0-9]{1,3},?\s+Lt\.?\s*\d{1,4}\b)"
    r"|ቀበሌ\s*\d{1,2}[፣,]\s*የቤት\s+ቁጥር\s*\d{1,5}"
)
# Wales: a house number, then the street type before the name, "39 Stryd y Castell", "23 FFORDD CAERGYBI"
_WELSH_STREET = (
    r"\d{1,5}[A-Za-z]?,?\s+(?:Stryd|STRYD|Ffordd|FFORDD|Heol|HEOL|Lôn|LÔN)\s+(?:(?:y|yr|Y|YR)\s+)?\p{Lu}[\p{L}'\-]*"
)
# Thai: a house number (its part after a slash), a village's number ("หมู่ 4"), then the road or lane with its name
# glued on ("5/9 ถนนถนัดการยนต์", "01 หมู่ 0 ถ.แท่นทอง", "454/4 ซ.ดีตพันธุ์", "484 ซอยปรีชากุลเศรษฐ์")
_THAI_STREET = r"\d{1,5}(?:/\d{1,5})?\s+(?:หมู่\s*\d{1,3}\s+)?(?:ถนน|ถ\.|ซอย|ซ\.)\s?\p{Thai}{2,}"
# the address patterns in two halves, in the order masking tries them: masking and detection match each half
# on its own, because with Unicode word boundaries all of them in one exceed the regex engine's size limit
ADDRESS_PATTERN_HALVES = (
    rf"{_RURAL_ROUTE}|{_VN_STREET}|{_CO_STREET}|{_MY_STREET}|{_ROAD_KILOMETRE}|{_STREET_NUMBER_UNIT}|{_EN_STREET}",
    rf"{_DE_STREET}|{_GLUED_STREET}|{_NAME_TYPE_NUMBER}|{_FR_ES_STREET}|{_NUMBERED_PARTS}|{_NUMBER_THEN_ZONE}"
    rf"|{_MICRODISTRICT}|{_WARD_OR_FARM}|{_EAST_ASIAN_ADDRESS}|{_CYRILLIC_STREET}|{_DISTRICT_KHOROO_LOT}|{_WELSH_STREET}"
    rf"|{_THAI_STREET}"
    rf"|{_EN_STREET_ANY_TYPE}",
)
# a value that starts with a house number and two to four capitalised words, then ends or goes on
# after a line break or comma (a town, a postcode): an address whatever the street type is called
ADDRESS_SHAPE = (
    rf"^\W{{0,2}}(?:(?i:{_UNIT})[,\s]+)?\d{{1,6}}[A-Za-z]?(?:[/\-]\d{{1,6}})?,?\s+(?:\p{{Lu}}[\p{{L}}'.\-]*\s+){{1,3}}"
    r"\p{Lu}[\p{L}'\-]*\s*(?:$|\n|,)"
)
# a value that starts with one numbered part (a house, lot, villa, tower or kebele; "No." maybe between) and a
# place's name: "House 24, Koodbuur", "Lot 19, Siumu", "Villa C-213, Empire World", "Kebele 01, House No. 435";
# whole values only: in text "Room 12, Anna" is no address
ADDRESS_PART_THEN_PLACE = (
    r"^\W{0,2}(?-u:(?i:house|lot|plot|villa|tower|kebele|flat|fflat|apt|unit|compound)(?:\s+(?i:no)\.?)?\s+"
    r"[A-Z]?-?\d{1,5}[A-Za-z]?),\s+\p{Lu}"
)
# a value that starts with an address: any of these patterns matches it
ADDRESS_AT_START = (
    *(rf"^\W{{0,2}}(?:{half})" for half in ADDRESS_PATTERN_HALVES),
    ADDRESS_SHAPE,
    ADDRESS_PART_THEN_PLACE,
)
# the other order, for whole values: a street name, its house number, then the end, or a line
# break or comma (postcode, town): "Kimdreef 270\n1326 Lovenjoel"; its group 1 is the street name
ADDRESS_SHAPE_NUMBER_LAST = (
    r"^\W{0,2}(\p{Lu}\p{Ll}[\p{L}'.\-]*(?:\s+(?:\p{Lu}[\p{L}'.\-]*|\p{Ll}{1,4}'?)){0,4}),?\s+"
    rf"\d{{1,5}}[A-Za-z]?(?:[/\-]\d{{1,5}}[A-Za-z]?)?{_UNIT_AFTER_NUMBER}?\s*(?:$|\n|,)"
)
# Street types of 60 languages (libpostal's dictionaries, ``data/street_types.txt.gz``) around a
# street's name and its house number, in any of the three orders addresses are written in:
# "ul. Kwiatowa 5", "Szombathelyi út 88.", "12 Harbour Mews"; then house-number and unit words of
# those dictionaries ("Nr. 103 Bl. 89 Sc. 65 Ap. 600"). Types of one or two letters need their
# dot ("ul."); English stop and filler words ("and", "by", "at") are left out.
# streets named after a king, prince, ban or count, or a saint: "Ulica kralja Zvonimira 5", "Ulica bana Jelačića 12"
_SOUTH_SLAVIC_TITLES = r"kralja|kraljice|kneza|kneginje|bana|grofa|cara|svetog|svete|sv\."
_LISTED_NAME_WORD = r"\p{Lu}[\p{L}'’\-]*"
_LISTED_NAME = rf"(?:(?i:de|da|do|dos|das|del|di|la|van|von|der|den|{_SOUTH_SLAVIC_TITLES})\s+)?{_LISTED_NAME_WORD}(?:\s+{_LISTED_NAME_WORD}){{0,3}}"
_LISTED_HOUSE_NUMBER = r"\d{1,5}[A-Za-z]?(?:[/\-]\d{1,5}[A-Za-z]?){0,2}\.?"


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


# street types libpostal's dictionaries lack: Faroese "gøta" (street) and "vegur" (road)
_STREET_TYPES_LIBPOSTAL_LACKS = frozenset({"gøta", "vegur"})


@functools.lru_cache(maxsize=1)
def listed_street_patterns() -> tuple[str, ...]:
    """Addresses by a listed street type, one pattern per order (Rust regex syntax; see the comment
    above), each with the character in front as group 1. They run one at a time: as one
    alternation the engine leaves its fast path (100x slower)."""
    from faker.providers.address.en_US import Provider as Address

    english = english_words() - {w.lower() for w in Address.street_suffixes}
    types = (shipped_words("street_types.txt.gz") | _STREET_TYPES_LIBPOSTAL_LACKS) - english
    unit_words = _alternation(shipped_words("address_units.txt.gz") - english)
    # one or two ASCII letters ("ul", "al") only with their dot; "út" stands alone
    bare = _alternation(t for t in types if len(t) > 2 or not t.isascii())
    dotted = _alternation(t for t in types if len(t) <= 2 and t.isascii())
    street_type = rf"(?i:{bare}|(?:{dotted})\.)"
    # the house number may be announced by a unit word or a number sign, which the English filter
    # above drops ("No", "Nr", "Nº"; "d." of Russian "dom", "br." of South Slavic "broj")
    number = rf"(?:(?:(?i:{unit_words})\.?:?|(?i:no|nr|nro|n[°º])\.?:?|(?i:d|br)\.)\s*)?{_LISTED_HOUSE_NUMBER}"
    units = rf"(?:,?\s+(?i:{unit_words})\.?:?\s*\d{{1,5}}[A-Za-z]?(?-u:\b)){{0,4}}"
    # no Unicode \b: on text with accents it makes the regex engine leave its fast path (100x
    # slower); the character before the address is group 1 instead, kept by the replacement
    start = r"(^|[^\p{L}\p{N}_])"
    return (
        rf"{start}{street_type}\.?\s+{_LISTED_NAME},?\s+{number}{units}",  # "ul. Kwiatowa 5", "Aleea Florilor Nr. 103"
        rf"{start}{_LISTED_NAME}\s+{street_type}\.?,?\s+{number}{units}",  # "Szombathelyi út 88.", "X Sokak No: 5"
        rf"{start}\d{{1,5}}[A-Za-z]?,?\s+{_LISTED_NAME}\s+{street_type}(?-u:\b){units}",  # "12 Harbour Mews"
    )


@functools.lru_cache(maxsize=1)
def _listed_type_needles() -> list[str]:
    words = shipped_words("street_types.txt.gz") | _STREET_TYPES_LIBPOSTAL_LACKS
    return [f" {w}{end}" for w in words for end in (" ", ".", ",")]


def listed_street_candidates(values: pl.Series) -> pl.Series:
    """Whether each of ``values`` holds a digit and a listed street type as a word: a cheap test
    (Aho-Corasick over the lower-cased text) that saves running :func:`listed_street_patterns`
    on the rest."""
    found = values.str.contains(r"\d").fill_null(False)
    if not found.any():
        return found
    chosen = values.filter(found)
    padded = " " + chosen.str.to_lowercase().str.replace_all(r"[\s,;:()]", " ") + " "
    return found.scatter(found.arg_true(), padded.str.contains_any(_listed_type_needles()))


def listed_street_share(values: pl.Series) -> pl.Series:
    """Whether each of ``values`` starts with an address of :func:`listed_street_patterns`."""
    found = pl.Series([False] * values.len())
    for pattern in listed_street_patterns():
        found = found | values.str.contains(rf"^\W{{0,2}}(?:{pattern})").fill_null(False)
    return found


# a column of such values is one of addresses only when its values and street names vary: "Room 12",
# "Gate 4" or "Ward 7" columns repeat one word
ADDRESS_MIN_DISTINCT_SHARE = 0.8
ADDRESS_MIN_DISTINCT_STREET_SHARE = 0.3


# a column whose known addresses are a quarter or more is one of addresses when the rest are of their make: a
# number (any script's digits) and a word in each, their first words varied ("BP 4826", "Maison 283", "Sergeli
# tumani, 2-kvartal", "Section 238, Allotment 46"; a column of "Room 12" or "Batch 3" has one first word), and short
ADDRESS_MIN_KNOWN_SHARE = 0.25
ADDRESS_MAX_FIRST_WORD_SHARE = 0.5
ADDRESS_MAX_WORDS = 10  # median words of such a column's values: no notes


def address_like_share(values: pl.Series) -> float:
    """Share of ``values`` (those no address pattern knows, of a column with known addresses) that are made like
    addresses: a number and a word of two letters or more; 0.0 when one first word starts half of them or more."""
    if values.len() == 0:
        return 0.0
    like = values.str.contains(r"\p{Nd}").fill_null(False) & values.str.contains(r"\p{L}[\p{L}\p{M}]").fill_null(False)
    first = values.str.extract(r"^\W*([\p{L}\p{M}\p{Nd}]+)").str.to_lowercase()
    if (
        first.drop_nulls().len()
        and first.value_counts(sort=True)["count"][0] >= ADDRESS_MAX_FIRST_WORD_SHARE * values.len()
    ):
        return 0.0
    return float(like.mean())


# A column of addresses that no pattern or list knows, by their make: parts between commas, a number beside a word in
# one of them (a house, flat, plot or holding), a part of words alone (a street, an area, a town); nearly every value
# different (:data:`ADDRESS_MIN_DISTINCT_SHARE`), no first part (less its numbers) starting half of them, short
# ("Gəncə şəhəri, İ.HİDAYƏTZADƏ pr., b. 3, m. 3", "Bari Nan 54, Holdin Nan 9, Kajikarnar")
_NUMBERED_PART = r"(?:^|,)[^,]*(?:\p{L}[\p{L}\p{M}.]*\s*\p{Nd}|\p{Nd}[\p{Nd}/\-]*\s*\p{L}[\p{L}\p{M}])"
_WORDS_PART = r"(?:^|,)\s*[^,\p{Nd}]*\p{L}[\p{L}\p{M}]+[^,\p{Nd}]*(?:,|$)"


def multipart_address_share(values: pl.Series) -> float:
    """The share of ``values`` made like addresses of several parts between commas (see above); 0.0 unless nearly
    all differ, no first part starts half of them and their median is :data:`ADDRESS_MAX_WORDS` words or fewer.
    A value naming a month is a date ("Monday, 3 March 1950"), not counted."""
    n = values.len()
    if n == 0 or values.n_unique() < ADDRESS_MIN_DISTINCT_SHARE * n:
        return 0.0
    if (values.str.count_matches(r"\S+").median() or 0) > ADDRESS_MAX_WORDS:
        return 0.0
    # the first part less its numbers: "Ward" starts every "Ward 5, Bed 12"; "K. Goris", "K. Talin" vary
    first = values.str.extract(r"^([^,]*)").str.replace_all(r"[\p{Nd}\W_]+", " ").str.strip_chars()
    first = first.str.to_lowercase().drop_nulls()
    if first.len() and first.value_counts(sort=True)["count"][0] >= ADDRESS_MAX_FIRST_WORD_SHARE * n:
        return 0.0
    padded = " " + values.str.to_lowercase().str.replace_all(r"[^\p{L}]+", " ") + " "
    shaped = (
        (values.str.count_matches(",") >= 1)
        & values.str.contains(_NUMBERED_PART)
        & values.str.contains(_WORDS_PART)
        & ~padded.str.contains_any(_month_needles())  # "Monday, 3 March 1950": a date
    )
    return float(shaped.fill_null(False).mean())


@functools.lru_cache(maxsize=1)
def _month_needles() -> list[str]:
    return [f" {month} " for month in month_words()]


def street_then_number_share(values: pl.Series) -> float:
    """The share of ``values`` shaped like :data:`ADDRESS_SHAPE_NUMBER_LAST` when nearly all of
    those differ and their street names vary (0.0 otherwise)."""
    streets = values.str.extract(ADDRESS_SHAPE_NUMBER_LAST, 1).drop_nulls()
    if streets.len() == 0:
        return 0.0
    shaped = values.filter(values.str.contains(ADDRESS_SHAPE_NUMBER_LAST))
    if shaped.n_unique() < ADDRESS_MIN_DISTINCT_SHARE * shaped.len():
        return 0.0
    if streets.n_unique() < ADDRESS_MIN_DISTINCT_STREET_SHARE * streets.len():
        return 0.0
    return streets.len() / values.len()


def ascii_boundaries(pattern: str) -> str:
    """``pattern`` with ASCII word boundaries: a Unicode ``\\b`` makes Rust's regex leave its fast
    engine on any non-ASCII text (10-20x slower), and these patterns are about digits and ASCII."""
    return pattern.replace(r"\b", r"(?-u:\b)")


URL_PATTERN = (
    r"(?i:\b(?:(?:https?|ftp)://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]"
    r"|\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:com|org|net|edu|gov|io|info|biz|co|uk|de|fr|eu)/[^\s<>\"']*)"
)
URL_WHOLE = rf"^\s*(?:{URL_PATTERN})\s*$"

# an e-mail address written so that harvesters miss it: "ann(at)example(dot)org", "ann [at] example.org",
# "ann @ example . org" (a known top-level domain after spaced dots: "call @ home. Then" is prose), "ann@[10.0.0.1]",
# '"ann lee"@example.org'
_AT = r"\s*[(\[{<]\s*(?:at|@)\s*[)\]}>]\s*"
_DOT = r"\s*[(\[{<]\s*(?:dot|\.)\s*[)\]}>]\s*|\."
_COMMON_TLD = r"com|org|net|edu|gov|mil|int|info|biz|io|co|me|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|ru|ua|cn|jp|kr|in|br|mx|ar|au|nz|ca|us|za|ng|ke|eg|tr|ir|il|sa|ae"
_MAILBOX = r"[\p{L}\p{N}._%+\-]+"
_LABEL = r"[\p{L}\p{N}\-]+"
OBFUSCATED_EMAIL = (
    rf"(?i)\"[^\"\n@]{{1,64}}\"@{_LABEL}(?:\.{_LABEL})*\.\p{{L}}{{2,}}\b"  # a quoted mailbox: "ann lee"@example.org
    rf"|{_MAILBOX}(?:{_AT}{_LABEL}(?:(?:{_DOT}){_LABEL})*(?:{_DOT})\p{{L}}{{2,}}\b"
    rf"|\s+@\s+{_LABEL}(?:\s*\.\s*{_LABEL})*\s*\.\s*(?:{_COMMON_TLD})\b"
    r"|@\[\d{1,3}(?:\.\d{1,3}){3}\])"
)
OBFUSCATED_EMAIL_WHOLE = rf"^\s*(?:{OBFUSCATED_EMAIL})\s*$"

# a MAC address: six hexadecimal pairs parted by colons or dashes, or three groups of four parted by dots
MAC_PATTERN = (
    r"(?i)\b(?:[0-9a-f]{2}(?::[0-9a-f]{2}){5}|[0-9a-f]{2}(?:-[0-9a-f]{2}){5}|[0-9a-f]{4}(?:\.[0-9a-f]{4}){2})\b"
)
# a vehicle identification number: seventeen capitals and digits, no I, O or Q (ISO 3779), a letter among them (a
# run of seventeen digits is no VIN); one alternative per place of the first letter, as the regex has no lookahead
VIN_PATTERN = r"\b(?:" + "|".join(rf"\d{{{k}}}[A-HJ-NPR-Z][A-HJ-NPR-Z0-9]{{{16 - k}}}" for k in range(17)) + r")\b"
MAC_WHOLE = rf"^\s*(?:{MAC_PATTERN})\s*$"
_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
VIN_MIN_LETTERS = VIN_MIN_DIGITS = 2  # a maker's code and a serial: not a word, not a number


def is_vin(value: str) -> bool:
    """The whole value is a vehicle identification number (:data:`VIN_PATTERN`) with letters and digits."""
    value = value.strip()
    return (
        bool(_VIN.fullmatch(value))
        and sum(c.isdigit() for c in value) >= VIN_MIN_DIGITS
        and sum(c.isalpha() for c in value) >= VIN_MIN_LETTERS
    )


# ------------------------------------------------------------------ context patterns (Rust regex syntax too)


@functools.lru_cache(maxsize=1)
def month_words() -> dict[str, int]:
    """Lower-cased month names (1-12) of every Faker locale that writes them in one word of Latin
    letters ("marzo", "märz", "février", "listopad"), with English names and abbreviations; a word
    that names two months in different languages is left out."""
    from faker.config import AVAILABLE_LOCALES

    found: dict[str, set[int]] = {}
    for locale in AVAILABLE_LOCALES:
        if locale in _NOT_GREGORIAN_MONTHS:
            continue
        try:
            provider = importlib.import_module(f"faker.providers.date_time.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        names = getattr(provider, "MONTH_NAMES", None)
        if not isinstance(names, dict):
            continue
        for number, name in names.items():
            word = str(name).lower()
            if _is_latin_word(word) and len(word) >= 3 and str(number).isdigit():
                found.setdefault(word, set()).add(int(number))
    words = {w: next(iter(n)) for w, n in found.items() if len(n) == 1}
    return words | _MONTHS_FAKER_LACKS | _ENGLISH_MONTHS


_GEORGIAN_MONTHS = "იანვარი თებერვალი მარტი აპრილი მაისი ივნისი ივლისი აგვისტო სექტემბერი ოქტომბერი ნოემბერი დეკემბერი"
_KAZAKH_MONTHS = "қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша желтоқсан"
_LATVIAN_LOCATIVE_MONTHS = (
    "janvārī februārī martā aprīlī maijā jūnijā jūlijā augustā septembrī oktobrī novembrī decembrī"
)
# month names of languages Faker has no dates for: Swahili, Icelandic, Malay, Maltese, Estonian, Afrikaans,
# Georgian, Hungarian, Welsh, Kurmanji and Kazakh; and the forms dates write that Faker's nominatives are not:
# Polish, Lithuanian, Russian and Ukrainian genitives ("14 marca", "kovo 22 d.", "15 июня 1985 г."), Latvian
# locatives ("7. aprīlī"), Basque genitives ("1953ko martxoaren 5a"); Bulgarian nominatives ("4 май 1968 г.")
_MONTHS_FAKER_LACKS = {
    word: number
    for names in (
        "januari februari machi aprili mei juni julai agosti septemba oktoba novemba desemba",
        "janúar febrúar mars apríl maí júní júlí ágúst september október nóvember desember",
        "januari februari mac april mei jun julai ogos september oktober november disember",
        "jannar frar marzu april mejju ġunju lulju awwissu settembru ottubru novembru diċembru",
        "jaanuar veebruar märts aprill mai juuni juuli august september oktoober november detsember",
        "januarie februarie maart april mei junie julie augustus september oktober november desember",
        _GEORGIAN_MONTHS,
        "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia",
        "sausio vasario kovo balandžio gegužės birželio liepos rugpjūčio rugsėjo spalio lapkričio gruodžio",
        _LATVIAN_LOCATIVE_MONTHS,
        "január február március április május június július augusztus szeptember október november december",
        "ionawr chwefror mawrth ebrill mai mehefin gorffennaf awst medi hydref tachwedd rhagfyr",
        "çile sibat adar nîsan gulan hezîran tîrmeh tebax îlon cotmeh mijdar kanûn",
        "urtarrilaren otsailaren martxoaren apirilaren maiatzaren ekainaren uztailaren abuztuaren irailaren urriaren"
        " azaroaren abenduaren",
        "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
        "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня",
        "януари февруари март април май юни юли август септември октомври ноември декември",
        _KAZAKH_MONTHS,
    )
    for number, word in enumerate(names.split(), start=1)
}
# Thai month abbreviations ("7 เม.ย. 2507": 7 April, Buddhist era 2507), read as month numbers
_THAI_MONTHS = "ม.ค. ก.พ. มี.ค. เม.ย. พ.ค. มิ.ย. ก.ค. ส.ค. ก.ย. ต.ค. พ.ย. ธ.ค.".split()
# months in Roman numerals, as Central and Eastern Europe write them: "20. VIII. 1955."
_ROMAN_MONTHS = "i ii iii iv v vi vii viii ix x xi xii".split()
# dates of the Solar Hijri (Iranian) calendar, year first in digits ("1335/04/03") or with a Persian month
# ("30 Aban 1321"), and of the Islamic (lunar) calendar with its month's name ("17 Rajab 1370"); years
# 1300-1449 (1921-2070 and 1882-2028): a four-digit year first that small is read as Solar Hijri
_PERSIAN_MONTHS = "farvardin ordibehesht khordad tir mordad shahrivar mehr aban azar dey bahman esfand".split()
_ISLAMIC_MONTHS = {
    "muharram": 1, "safar": 2, "rabi al-awwal": 3, "rabi ul-awwal": 3, "rabi al-thani": 4, "rabi al-akhir": 4,
    "rabi ul-akhir": 4, "jumada al-ula": 5, "jumada al-awwal": 5, "jumada al-akhirah": 6, "jumada al-thani": 6,
    "rajab": 7, "shaban": 8, "sha'ban": 8, "ramadan": 9, "shawwal": 10, "dhu al-qadah": 11, "dhu al-qi'dah": 11,
    "dhul-qadah": 11, "dhu al-hijjah": 12, "dhul-hijjah": 12,
}  # fmt: skip
# a year of the Buddhist era (Thailand: 543 years ahead) in a birth date: 2443-2600 is 1900-2057
_BUDDHIST_ERA_YEARS = (2443, 2600)
_BUDDHIST_ERA_OFFSET = 543


# locales whose month names are of another calendar (gu_IN: the Hindu lunar months)
_NOT_GREGORIAN_MONTHS = frozenset({"gu_IN"})
_ENGLISH_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m
}
_ENGLISH_MONTHS["sept"] = 9


def _other_language_months() -> str:
    """An alternation of the non-English month names of :func:`month_words`, longest first."""
    words = sorted(set(month_words()) - set(_ENGLISH_MONTHS), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re.escape(w) for w in words) + ")"


# the Bikram Sambat months, romanized, each in two usual spellings
_NEPALI_MONTHS = {
    word: number
    for number, words in enumerate(
        (
            "baisakh baishakh",
            "jestha jeth",
            "asar ashadh",
            "shrawan saun",
            "bhadra bhadau",
            "asoj ashwin",
            "kartik kartika",
            "mangsir marga",
            "poush push",
            "magh mangh",
            "falgun phagun",
            "chaitra chait",
        ),
        start=1,
    )
    for word in words.split()
}
# the Ethiopian months in Ge'ez script (two usual spellings of some), and the era's mark, "ዓ.ም." (ዓመተ ምሕረት)
_ETHIOPIAN_MONTHS = {
    word: number
    for number, words in enumerate(
        ("መስከረም", "ጥቅምት", "ኅዳር ህዳር", "ታኅሣሥ ታህሳስ", "ጥር", "የካቲት", "መጋቢት", "ሚያዝያ", "ግንቦት", "ሰኔ", "ሐምሌ ሓምሌ", "ነሐሴ ነሓሴ",
         "ጳጉሜ ጳጉሜን"),
        start=1,
    )
    for word in words.split()
}  # fmt: skip
_ETHIOPIAN_ERA = r"ዓ\s?[./]?\s?ም\.?"
# the days of a month as ordinal words: "the twenty-fourth of November"
_ORDINAL_WORDS = {
    word: number
    for number, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth"
        " fifteenth sixteenth seventeenth eighteenth nineteenth twentieth twenty-first twenty-second twenty-third"
        " twenty-fourth twenty-fifth twenty-sixth twenty-seventh twenty-eighth twenty-ninth thirtieth thirty-first".split(),
        start=1,
    )
}

# a date in text, by its parts rather than a list of formats: an optional weekday (full or
# abbreviated), then year-month-day (with an optional ISO time: "1985-03-03T00:00:00"), day and
# month either way round with any of "/.-" between them (or spaces, with a four-digit year: "07 11
# 1993"), or a day and an English month name or abbreviation either way round; two- or four-digit
# years; a day, a month name of another language and a four-digit year ("3 de marzo de 1985", "3.
# März 1985"); a day, an English abbreviation and a year written as one word ("03MAR1985")
_MONTH_NAME = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_ISO_TIME = r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+\-]\d{2}:?\d{2})?)?"
DATE_PATTERN = (
    # "Sunday 30 July 2000", "Tue, 04 Jul 1963", "Sunday the 30th of July, 2000"; Malay and Indonesian
    # weekdays ("Rabu, 19 Julai 2006")
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]{0,6}\.?,?\s+"
    r"|(?:Isnin|Senin|Selasa|Rabu|Khamis|Kamis|Jumaat|Jumat|Sabtu|Ahad|Minggu),?\s+)?(?:the\s+)?"
    rf"(?:\d{{4}}[\-/.]\d{{1,2}}[\-/.]\d{{1,2}}{_ISO_TIME}|\d{{4}}_\d{{2}}_\d{{2}}|\d{{1,2}}[/.\-·]\d{{1,2}}[/.\-·](?:\d{{4}}|\d{{2}})"
    r"|ngày\s+\d{1,2}\s+tháng\s+\d{1,2},?\s+năm\s+\d{4}"  # Vietnamese
    r"|\d{1,2}\.\s\d{1,2}\.\s(?:\d{4}|\d{2})|\d{1,2}\s\d{1,2}\s(?:1[89]|20)\d{2}"  # "3. 4. 1990", "07 11 1993"
    # a Japanese era date: "S59.08.01" (Shōwa 59: 1984)
    r"|[MTSHR]\d{1,2}\.(?:0?[1-9]|1[0-2])\.(?:0?[1-9]|[12]\d|3[01])"
    # "19 May 1972", "19th May, 1972", "04-Jul-63", "24/Feb/1982"
    # ("12 Mar '85", "Mar-12-1985": an apostrophe for the century, hyphens after a month name)
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\.?[\s\-/]+(?:of\s+)?{_MONTH_NAME},?[\s\-/]+(?:\d{{4}}|['’]?\d{{2}})"
    rf"|\d{{1,2}}\.{_MONTH_NAME}\.?\d{{4}}"  # "14.Mar.1980"
    rf"|{_MONTH_NAME}[\s\-/]+\d{{1,2}}(?:st|nd|rd|th)?,?[\s\-/]+(?:\d{{4}}|['’]?\d{{2}})"
    # year first with spaces after the dots ("1966. 08. 19.", as Hungarian writes it) or a month name
    # ("2002-Jun-11")
    r"|(?:1[89]|20)\d{2}\.\s\d{1,2}\.\s\d{1,2}\."
    rf"|(?:1[89]|20)\d{{2}}[\-/.\s]{_MONTH_NAME}[\-/.\s]\d{{1,2}}"
    rf"|\d{{1,2}}\.?\s+(?:(?:de|of|ta['’])\s+)?{_other_language_months()}\.?,?\s+(?:(?:de|del)\s+)?(?:1[89]|20)\d{{2}}"
    rf"|{_other_language_months()}\.?\s+\d{{1,2}},?\s+(?:1[89]|20)\d{{2}}"  # "Agosto 15, 1998"
    # a month in Roman numerals ("20. VIII. 1955."), a Thai month abbreviation ("7 เม.ย. 2507"), a Solar
    # Hijri or Islamic month ("30 Aban 1321", "17 Rajab 1370 AH")
    rf"|\d{{1,2}}\.\s?(?:{'|'.join(sorted(_ROMAN_MONTHS, key=len, reverse=True))})\.\s?(?:1[89]|20)\d{{2}}\.?"
    rf"|\d{{1,2}}\s*(?:{'|'.join(re.escape(m) for m in _THAI_MONTHS)})\s*\d{{4}}"
    rf"|\d{{1,2}}\s+(?:{'|'.join([*_PERSIAN_MONTHS, *(re.escape(m) for m in _ISLAMIC_MONTHS)])})\s+1[34]\d{{2}}"
    r"(?:\s*(?:AH|H)\b)?"
    r"|\d{1,2}(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(?:\d{4}|\d{2})"
    # a Bikram Sambat month ("8 Ashwin 2010 BS"), "वि.सं." before a date; Lithuanian year first ("1975 m. kovo
    # 22 d."; Latvian's is in OTHER_SCRIPT_DATE); the day as an ordinal word ("the fourth of June, 2006")
    rf"|\d{{1,2}}\s+(?i:{_alternation(_NEPALI_MONTHS)})\s+\d{{4}}|वि\.\s?सं\.\s*\d{{4}}[/.\-]\d{{1,2}}[/.\-]\d{{1,2}}"
    rf"|(?:1[89]|20)\d{{2}}\s+m\.\s+{_other_language_months()}\s+\d{{1,2}}\s*d\b"
    # year first as Hungarian ("1937. szeptember 23", without the day's dot), Mongolian ("1934 оны 4 сарын 26") and
    # Basque ("1953ko martxoaren 5a") write it
    rf"|(?:1[89]|20)\d{{2}}\.\s+{_other_language_months()}\s+\d{{1,2}}|(?:1[89]|20)\d{{2}}\s+оны\s+\d{{1,2}}\s+сарын\s+\d{{1,2}}"
    rf"|(?:1[89]|20)\d{{2}}ko\s+{_other_language_months()}\s+\d{{1,2}}a"
    # and with "day of", or neither: "the twenty-first day of December, 1966", "21st day of May", "first March 1963"
    rf"|(?i:{_alternation(_ORDINAL_WORDS)}|\d{{1,2}}(?:st|nd|rd|th)\s+day)(?:\s+day)?(?:\s+of)?\s+{_MONTH_NAME},?\s+\d{{4}})"
    # the weekday after it in brackets: "1955/12/06 (Tue)"; the era or year word: "B.S.", Polish "r." (without their
    # last dot: a word boundary follows the pattern in text)
    r"(?:\s*\((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]{0,6}\.?\)|\s*B\.\s?S\b|\s+BS\b|\s+r\b)?"
)
# a date in Chinese, Japanese or Korean characters: "1985年3月12日", "1985년 3월 12일"
# and of the Republic of China's calendar, as Taiwan writes them: "民國74年3月12日" (1985)
CJK_DATE = r"(?:(?:1[89]|20)\d{2}|(?:民國|民国)\s*\d{1,3})\s*[年년]\s*\d{1,2}\s*[月월]\s*\d{1,2}\s*[日일]"
# dates that end in a letter or digit of another script, where an ASCII word boundary cannot follow: Latvian
# ("1969. gada 7. aprīlī"), Georgian ("23 სექტემბერი 1935 წ.") and Bikram Sambat in Devanagari ("वि.सं. २०४९/०६/३०")
OTHER_SCRIPT_DATE = (
    rf"(?i:(?:1[89]|20)\d{{2}}\.\s+gada\s+\d{{1,2}}\.\s+(?:{_alternation(_LATVIAN_LOCATIVE_MONTHS.split())})"
    # Kazakh "1982 жылғы 3 желтоқсан"; an Ethiopian month's name, "ሐምሌ 1 ቀን 1937 ዓ.ም."
    rf"|(?:1[89]|20)\d{{2}}\s+жылғы\s+\d{{1,2}}\s+(?:{_alternation(_KAZAKH_MONTHS.split())})"
    rf"|(?:{_alternation(_ETHIOPIAN_MONTHS)})\s+\d{{1,2}}\s+(?:ቀን\s+)?\d{{4}}(?:\s*{_ETHIOPIAN_ERA})?"
    rf"|\d{{1,2}}\s+(?:{_alternation(_GEORGIAN_MONTHS.split())})\s+(?:1[89]|20)\d{{2}}(?:\s+წ\.)?"
    r"|वि\.\s?सं\.\s*\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2})"
)
# words that announce a date of birth, in many languages (one list for the patterns of dates in text)
BIRTH_LABELS = (
    r"born|née?s?|né\(e\)|née?\(s\)|nacid[oa]s?|nascid[oa]s?|nat[oa][ ]il|geboren|geb\.|urodzon[ya]|született"
    r"|syntynyt|född|født|fødd|fæddur|rođen[a]?|narozen[aá]?|doğdu|fèt|teraka(?:[ ]tamin['’]ny)?|rugadh|riegádan"
    r"|tug['’‘ʻ]ilgan(?:[ ]sana)?|ծնվել|ծննդյան[ ]ամսաթիվ|родил(?:ся|ась)|дата[ ]рождения|туған|төрсөн"
    r"|date\s+of\s+birth|birth[\s_]*date|dob|d\.o\.b\.?|birthday|date[ ]de[ ]naissance|fecha[ ]de[ ]nacimiento"
    r"|data[ ]di[ ]nascita|data[ ]de[ ]nascimento|geburtsdatum|data[ ]urodzenia|datum[ ]rođenja|fødselsdato"
    r"|födelsedatum|syntymäaika|születési[ ]idő|doğum[ ]tarihi|မွေးသက္ကရာဇ်|ថ្ងៃខែឆ្នាំកំណើត|تاریخ[ ]تولد|تاريخ[ ]الميلاد"
)
# a date of birth written as eight digits, year first ("19851126") or last ("26111985", "11261985"), or
# as six: a date only after a birth word
BIRTH_DIGITS = (
    r"(?:(?:1[89]|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|[12]\d|3[01])(?:1[89]|20)\d{2}"
    # six digits, year or day first: "780211", "261289"
    r"|\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2})"
)
POSTAL_CONTEXT = r"(?:zip(?:\s*code)?|post\s*code|postal\s+code)"
US_ZIP = r"\d{5}(?:-\d{4})?"
UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"

# a birth word, a few linking words ("DOB as 19851126", "born on 3 May 1990"), then a date: detection's
# DOB_IN_TEXT and the text masker's birth-date pattern are both built from these
BIRTH_LINK = r"\W{0,3}(?:(?:as|is|was|on|of)\s+)?"
BIRTH_VALUE = rf"(?:{DATE_PATTERN}|{OTHER_SCRIPT_DATE}|{BIRTH_DIGITS}\b)"
DOB_IN_TEXT = re.compile(rf"(?i)\b(?:{BIRTH_LABELS})\b{BIRTH_LINK}{BIRTH_VALUE}")

# A birth date in text by its form, whatever the month's language or the script of its digits: a birth label of
# many languages ("born", "né(e) le", "teraka tamin'ny", "riegádan", "Tugʻilgan sana", "ծնվել"), then a day and a
# year (1-2 and 4 digits of any script, a word glued to either: "14ú", "ថ្ងៃទី១៤", "1985-yil", "14-mart") with up to
# two words between them (the month, "da", "b.") and up to two in front ("an", "ils"), and a short word of another
# script after it (Armenian "թ.", Burmese "ရက်"); or a date in French words ("quatorze mars mil neuf cent ...").
# Rust regex (polars): ``\p{..}`` classes, no look-around; the masker keeps group 1 (the label) and the last group
# (what follows the date).
# between the label and the date: a colon, "=", a quote or slash, and a linking word ("le", "am", "on", "tamin'ny")
# (a second label in another language after the first: "riegádan / født")
_BIRTH_LABEL_LINK = rf"[^\p{{L}}\p{{N}}\n]{{0,4}}(?:(?:{BIRTH_LABELS})[^\p{{L}}\p{{N}}\n]{{0,4}})?(?:(?:le|la|on|am|el|il|em|den|of|the)[ ]+)?"
# letters, marks, dots and hyphens glued to a word or number; an apostrophe only inside ("tamin'ny"), not the quote
# that closes a field ("birth_date=1985 මාර්තු 14'")
_GLUED = r"(?:[\p{L}\p{M}\u200c\u200d.\-]|['’ʻ]\p{L})"  # and zero-width (non-)joiners: Sinhala "අප්‍රේල්"
_DATE_WORD = rf"\p{{L}}{_GLUED}*"
# (the date's last number keeps a glued word, "14-mart", but not a sentence's full stop: "born ... 1985. Reply")
_LAST_GLUED = rf"(?:{_GLUED}*[\p{{L}}\p{{M}}])?"
_DAY_TOKEN = rf"(?:\p{{L}}{_GLUED}*)?\p{{Nd}}{{1,2}}{_GLUED}*"
_DAY_LAST = rf"(?:\p{{L}}{_GLUED}*)?\p{{Nd}}{{1,2}}{_LAST_GLUED}"
_YEAR_LAST = rf"(?:\p{{L}}{_GLUED}*)?\p{{Nd}}{{4}}{_LAST_GLUED}"
_YEAR_TOKEN = rf"(?:\p{{L}}{_GLUED}*)?\p{{Nd}}{{4}}{_GLUED}*"
_DATE_GAP = r"[ ,،၊]{1,3}"
_FRENCH_NUMBER_WORD = (
    r"premier|une?|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|vingts?"
    r"|trente|quarante|cinquante|soixante|cents?|et"
)
_FRENCH_MONTHS = r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre"
FRENCH_DATE_WORDS = (
    rf"(?i:(?:{_FRENCH_NUMBER_WORD})(?:[ \-]+(?:{_FRENCH_NUMBER_WORD}))*[ ]+(?:{_FRENCH_MONTHS})[ ]+"
    rf"(?:mil|mille|deux[ ]mille)(?:[ \-]+(?:{_FRENCH_NUMBER_WORD}))*)"
)
ANY_SCRIPT_DATE = (
    rf"(?:(?i:le[ ]+)?{FRENCH_DATE_WORDS}"
    rf"|(?:{_DATE_WORD}{_DATE_GAP}){{0,2}}(?:{_DAY_TOKEN}(?:{_DATE_GAP}{_DATE_WORD}){{0,2}}{_DATE_GAP}{_YEAR_LAST}"
    rf"|{_YEAR_TOKEN}(?:{_DATE_GAP}{_DATE_WORD}){{0,2}}{_DATE_GAP}{_DAY_LAST})"
    r"(?:[ ][\p{L}--\p{Latin}][\p{L}\p{M}]{0,3}\.?)?)"
)
BIRTH_DATE_AFTER_LABEL = (
    rf"(?i)((?:^|[^\p{{L}}])(?:{BIRTH_LABELS}){_BIRTH_LABEL_LINK})(?-i:{ANY_SCRIPT_DATE})($|[^\p{{L}}\p{{M}}\p{{Nd}}])"
)
POSTAL_IN_TEXT = re.compile(rf"(?i)\b{POSTAL_CONTEXT}\b\W{{0,3}}(?:{US_ZIP}|{UK_POSTCODE})\b")
UK_POSTCODE_ONLY = re.compile(rf"^{UK_POSTCODE}$")
# the letters a UK postcode starts with (its area): "TN979CY" is shaped like one, "ZM544FI" is not
UK_POSTCODE_AREAS = frozenset(
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX"
    " FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE"
    " NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ"
    " TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE".split()
)
ZIP_PLUS4_ONLY = re.compile(r"^\d{5}-\d{4}$")


def context_entities(text: str) -> set[str]:
    found = set()
    if DOB_IN_TEXT.search(text):
        found.add(DOB)
    if POSTAL_IN_TEXT.search(text):
        found.add(POSTAL)
    return found


# ------------------------------------------------------------------ dates of birth by content

# dates are read by content, not by a list of formats: three parts in any of the usual orders
# (year first; day and month either way round, decided per value where a part is over 12 and per
# column otherwise), separated by spaces, dots, slashes or dashes, the month as a number, an
# English name or abbreviation or a name of another language (:func:`month_words`), an optional
# weekday in front, two- or four-digit years
# an English weekday ("Thu 27 Apr 1961"), or a word and a comma: a weekday of another language ("Rabu, 19 Julai
# 2006", "Isnin, 7 November 1977"); one regex, as polars keeps few compiled
_WEEKDAY = r"^(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+|\p{L}{3,10}\.?,\s*)"
# after a date: a weekday in brackets, "1955/12/06 (tue)"; the year's word: Polish "r.", Georgian "წ.", Russian
# and Bulgarian "г.", Ukrainian "р."
_AFTER_DATE = r"(?:\s*\((?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?\)|\s*(?:r|წ|г|р)\.)$"
# year first, then the month (its name, or its number and a month word) and the day: Lithuanian "1975 m. kovo
# 22 d.", Latvian "1969. gada 7. aprīlī", Kazakh "1982 жылғы 3 желтоқсан", Mongolian "1934 оны 4 сарын 26",
# Hungarian "1937. szeptember 23.", Basque "1953ko martxoaren 5a"; rewritten day first, "22 kovo 1975"
_YEAR_MONTH_NAME_DAY = (
    r"^(\d{4})(?:\.|ko)?\s+(?:m\.\s+(\p{L}+)\s+(\d{1,2})\s*d\.?|gada\s+(\d{1,2})\.\s+(\p{L}+)"
    r"|жылғы\s+(\d{1,2})\s+(\p{L}+)|оны\s+(\d{1,2})\s+сарын\s+(\d{1,2})|(\p{L}{3,12})\s+(\d{1,2})(?:\.|a)?)$"
)
_YEAR_MONTH_NAME_DAY_AS_DAY_FIRST = "${3}${4}${6}${9}${11} ${2}${5}${7}${8}${10} ${1}"
_DATE_SEP = r"(?:\s*[./\-_]\s*|\s+)"  # "1968_05_01" as file names write dates
_NUMERIC_DATE = rf"^(\d{{1,4}}){_DATE_SEP}(\d{{1,2}}){_DATE_SEP}(\d{{2}}|\d{{4}})$"
_ORDINAL = r"(?:st|nd|rd|th)?"
# "3 de marzo de 1985", "3 of March 1985", "3 ta' Marzu 1985": a connecting word before the month and the year
_DAY_MONTH_NAME = (
    rf"^(\d{{1,2}}){_ORDINAL}\.?[\s\-/,]*(?:(?:de|del|of|ta['’])\s+)?(\p{{L}}{{3,12}})\.?,?[\s\-/]*(?:(?:de|del)\s+)?"
    r"(\d{4}|['’]?\d{2})$"  # "12 Mar '85": an apostrophe for the century
)
_MONTH_NAME_DAY = rf"^(\p{{L}}{{3,12}})\.?[\s\-/]*(\d{{1,2}}){_ORDINAL},?[\s\-/]*(\d{{2}}|\d{{4}})$"
MIN_PARSED_SHARE = 0.9
# a column of birth dates puts (nearly) everyone at a human age, adults typically, spread over decades
BIRTH_MAX_AGE_YEARS = 115
BIRTH_MIN_MEDIAN_AGE_YEARS = 12
BIRTH_MIN_SPREAD_YEARS = 10  # between the 5th and 95th percentile
BIRTH_MIN_PLAUSIBLE_SHARE = 0.97
# birthdays fall in every part of the year: of 40 or more dates, fewer than 10 distinct months is
# about 1 in 500 for real ones, and what version numbers ("4.27.85", majors 1-8) read as dates give
BIRTH_MONTHS_MIN_DATES = 40
BIRTH_MIN_DISTINCT_MONTHS = 10
# dates at a regular step, each once (a daily, weekly or monthly series, such as exchange rates): observations
# over time, not people's births, whose gaps are random and which repeat once a table holds many people
SERIES_MIN_REGULAR_GAPS = 0.9  # share of the gaps between consecutive dates within a few days of their median
SERIES_GAP_TOLERANCE_DAYS = 3  # months of 28-31 days, business days (a gap of 3 over a weekend)
SERIES_MIN_DISTINCT_SHARE = 0.98


# a day, a Thai month abbreviation ("7 เม.ย. 2507") or a month in Roman numerals ("20. viii. 1955."), a year
_MONTH_MARK_DATE = (
    rf"^(\d{{1,2}})(?:\s*({'|'.join(re.escape(m) for m in _THAI_MONTHS)})\s*"
    rf"|\.\s*({'|'.join(sorted(_ROMAN_MONTHS, key=len, reverse=True))})\.\s*)(\d{{4}})\.?$"
)


def _month_marks_as_numbers(text: pl.Series) -> pl.Series:
    """Lower-cased ``text`` with Thai dates ("7 เม.ย. 2507") and months in Roman numerals ("20. viii. 1955.")
    written with the month's number ("7.4.2507", "20.8.1955"); one regex for all: polars keeps few compiled
    regexes, and more would push out the costly address ones."""
    parts = text.str.extract_groups(_MONTH_MARK_DATE)
    numbers = lambda marks: {m: str(i) for i, m in enumerate(marks, start=1)}  # noqa: E731
    month = pl.select(
        pl.coalesce(
            parts.struct.field("2").replace_strict(numbers(_THAI_MONTHS), default=None, return_dtype=pl.String),
            parts.struct.field("3").replace_strict(numbers(_ROMAN_MONTHS), default=None, return_dtype=pl.String),
        )
    ).to_series()
    dotted = pl.select(pl.format("{}.{}.{}", parts.struct.field("1"), month, parts.struct.field("4"))).to_series()
    return pl.select(pl.when(month.is_not_null()).then(dotted).otherwise(text)).to_series().alias(text.name)


# Devanagari, Arabic-Indic, Persian and Bengali digits, read as ASCII ones
_OTHER_DIGITS = [chr(zero + i) for zero in (0x0966, 0x0660, 0x06F0, 0x09E6) for i in range(10)]
_ASCII_DIGITS = [str(i) for _ in range(4) for i in range(10)]
_HIJRI_YEAR = r"(1[34]\d{2})"
# and a Japanese era date: the era's letter (Meiji, Taishō, Shōwa, Heisei, Reiwa), its year, month, day
# ("s59.08.01": 1984); one regex for them all, as polars keeps few compiled
_OTHER_CALENDAR_DATE = (
    rf"^(?:{_HIJRI_YEAR}[/.\-](\d{{1,2}})[/.\-](\d{{1,2}})"
    rf"|(\d{{1,2}})\s+({'|'.join(_PERSIAN_MONTHS)})\s+{_HIJRI_YEAR}"
    rf"|(\d{{1,2}})\s+({'|'.join(re.escape(m) for m in sorted(_ISLAMIC_MONTHS, key=len, reverse=True))})\s+"
    rf"{_HIJRI_YEAR}(?:\s*(?:ah|h))?"
    r"|([mtshr])(\d{1,2})[./\-](0?[1-9]|1[0-2])[./\-](0?[1-9]|[12]\d|3[01])"
    # Bikram Sambat (Nepal), year first after "वि.सं." or before "B.S.", or with its month's name
    r"|वि\.\s?सं\.\s*(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})"
    r"|(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})\s*b\.?\s?s\.?"
    rf"|(\d{{1,2}})\s+({_alternation(_NEPALI_MONTHS)})\s+(\d{{4}})(?:\s*b\.?\s?s\.?)?"
    # the day as an ordinal word: "the fourth of June, 2006"
    rf"|the\s+({_alternation(_ORDINAL_WORDS)})(?:\s+day)?\s+of\s+(\p{{L}}{{3,12}}),?\s+(\d{{4}})"
    # the Ethiopian calendar, day first with the era's mark ("03/10/1955 ዓ.ም.") or with its month's name
    # ("ሐምሌ 1 ቀን 1937 ዓ.ም.")
    rf"|(\d{{1,2}})[/.\-](\d{{1,2}})[/.\-](\d{{4}})\s*{_ETHIOPIAN_ERA}"
    rf"|({_alternation(_ETHIOPIAN_MONTHS)})\s+(\d{{1,2}})\s+(?:ቀን\s+)?(\d{{4}})(?:\s*{_ETHIOPIAN_ERA})?)$"
)
_ERA_FIRST_YEAR = {"m": 1868, "t": 1912, "s": 1926, "h": 1989, "r": 2019}


def ethiopian_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of an Ethiopian date (thirteen months: twelve of 30 days, then 5 or 6), by its
    Julian day number; ValueError for a month or day out of range."""
    if not (1 <= month <= 13 and 1 <= day <= (30 if month <= 12 else 6)):
        raise ValueError(f"no Ethiopian date: month {month}, day {day}")
    julian_day = 1724221 + 365 * (year - 1) + year // 4 + 30 * month + day - 31
    return dt.date.fromordinal(julian_day - 1721425)


# a Bikram Sambat year starts in mid-April, 56 years and 8.5 months before the Gregorian; its months' lengths
# vary from year to year (29-32 days): a usual year's are taken, so a date may be a day or two off
_BS_MONTH_DAYS = (31, 31, 32, 32, 31, 30, 30, 29, 30, 29, 30, 30)


def bikram_sambat_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a Bikram Sambat (Nepali) date, to within about two days (see above)."""
    if not 1 <= month <= 12 or not 1 <= day <= 32:
        raise ValueError(f"no Bikram Sambat month {month}, day {day}")
    return dt.date(year - 57, 4, 13) + dt.timedelta(days=sum(_BS_MONTH_DAYS[: month - 1]) + day - 1)


_SOLAR_HIJRI_BREAKS = (-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324)


def solar_hijri_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a Solar Hijri (Iranian) date, by the astronomical calendar's leap-year
    breaks (Borkowski's algorithm, as the jalaali libraries use it); ValueError for a month or day out of range."""
    if not (1 <= month <= 12 and 1 <= day <= (31 if month <= 6 else 30)):
        raise ValueError(f"no Solar Hijri date: month {month}, day {day}")
    jump, leap, previous = 0, -14, _SOLAR_HIJRI_BREAKS[0]
    for current in _SOLAR_HIJRI_BREAKS[1:]:
        jump = current - previous
        if year < current:
            break
        leap += jump // 33 * 8 + jump % 33 // 4
        previous = current
    n = year - previous
    leap += n // 33 * 8 + (n % 33 + 3) // 4
    if jump % 33 == 4 and jump - n == 4:
        leap += 1
    gregorian_year = year + 621
    gregorian_leap = gregorian_year // 4 - (gregorian_year // 100 + 1) * 3 // 4 - 150
    new_year = dt.date(gregorian_year, 3, 20 + leap - gregorian_leap)  # 1 Farvardin
    days = (month - 1) * 31 - (month // 7) * (month - 7) + day - 1  # six months of 31 days, then 30
    date = new_year + dt.timedelta(days=days)
    if month == 12 and day == 30 and date != solar_hijri_to_gregorian(year + 1, 1, 1) - dt.timedelta(days=1):
        raise ValueError(f"no Solar Hijri date: {year} is no leap year")
    return date


def islamic_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of an Islamic (lunar) date by the tabular calendar (30-year cycle), which is
    within a day or two of the sighted or Umm al-Qura calendars; ValueError for a month or day out of range."""
    leap = (14 + 11 * year) % 30 < 11
    if not (1 <= month <= 12 and 1 <= day <= (30 if month % 2 or (month == 12 and leap) else 29)):
        raise ValueError(f"no Islamic date: month {month}, day {day}")
    days = day + math.ceil(29.5 * (month - 1)) + (year - 1) * 354 + (3 + 11 * year) // 30
    return dt.date(622, 7, 19) + dt.timedelta(days=days - 1)  # 1 Muharram 1 AH (Julian 16 July 622)


def _other_calendars_as_iso(text: pl.Series) -> pl.Series:
    """Lower-cased ``text`` with Solar Hijri, Islamic, Japanese era and Bikram Sambat dates, and dates with the
    day as an ordinal word (:data:`_OTHER_CALENDAR_DATE`), written as their Gregorian date, year first
    ("1956-06-24"); a value that is no such date is kept."""
    parts = text.str.extract_groups(_OTHER_CALENDAR_DATE).struct.unnest()
    matched = parts.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
    if not matched.any():
        return text
    converted = text.to_list()
    for row in matched.arg_true().to_list():
        g = [parts[row, i] for i in range(parts.width)]
        try:
            if g[0] is not None:
                date = solar_hijri_to_gregorian(int(g[0]), int(g[1]), int(g[2]))
            elif g[3] is not None:
                date = solar_hijri_to_gregorian(int(g[5]), _PERSIAN_MONTHS.index(g[4]) + 1, int(g[3]))
            elif g[6] is not None:
                date = islamic_to_gregorian(int(g[8]), _ISLAMIC_MONTHS[g[7]], int(g[6]))
            elif g[9] is not None:
                date = dt.date(_ERA_FIRST_YEAR[g[9]] + int(g[10]) - 1, int(g[11]), int(g[12]))
            elif g[13] is not None or g[16] is not None:
                first = 13 if g[13] is not None else 16
                date = bikram_sambat_to_gregorian(int(g[first]), int(g[first + 1]), int(g[first + 2]))
            elif g[19] is not None:
                date = bikram_sambat_to_gregorian(int(g[21]), _NEPALI_MONTHS[g[20]], int(g[19]))
            elif g[22] is not None:
                month = month_words().get(g[23])
                if month is None:
                    continue
                date = dt.date(int(g[24]), month, _ORDINAL_WORDS[g[22]])
            elif g[25] is not None:
                date = ethiopian_to_gregorian(int(g[27]), int(g[26]), int(g[25]))
            else:
                date = ethiopian_to_gregorian(int(g[30]), _ETHIOPIAN_MONTHS[g[28]], int(g[29]))
        except ValueError:  # a month or day out of range
            continue
        converted[row] = date.isoformat()
    return pl.Series(text.name, converted, dtype=pl.String)


def parse_dates(values: pl.Series, today: dt.date | None = None) -> pl.Series:
    """Text values read as dates by content (null where a value is no date), whatever the order of
    day, month and year and the separators: "1961-04-27", "27.04.61", "04/27/1961", "27 04 1961",
    "Thu 27 Apr 1961", "April 27th, 1961", "27-Apr-61". A two-digit year takes the century that
    puts the date on or before ``today``; day and month are told apart by a part over 12 in the
    value, else by the column (day first unless more values say month first)."""
    today = today or dt.date.today()
    text = (
        values.cast(pl.String)
        .str.replace_many(_OTHER_DIGITS, _ASCII_DIGITS)
        .str.strip_chars()
        .str.to_lowercase()
        .str.replace(_WEEKDAY, "")
        .str.replace(r"^the\s+(\d)", "${1}")  # "(Sunday) the 30th of July, 2000"
        .str.replace(_AFTER_DATE, "")
        .str.replace(_YEAR_MONTH_NAME_DAY, _YEAR_MONTH_NAME_DAY_AS_DAY_FIRST)
        # eight digits: year first when that reads as a date ("19851126"), else day and month first
        # ("26111985", "11261985")
        .str.replace(r"^((?:1[89]|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$", "${1}-${2}-${3}")
        .str.replace(r"^(0[1-9]|[12]\d|3[01])(0[1-9]|[12]\d|3[01])((?:1[89]|20)\d{2})$", "${1}-${2}-${3}")
        # six digits: year first ("780211", as Japan, Korea and Sweden write them), else day first ("261289")
        .str.replace(r"^(\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$", "${3}-${2}-${1}")
        .str.replace(r"^(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])(\d{2})$", "${1}-${2}-${3}")
    )
    # a year of the Republic of China's calendar (year 1 is 1912): "民國74年3月12日" is 1985
    roc_year = text.str.extract(r"^(?:民國|民国)\s*(\d{1,3})\s*年", 1).cast(pl.Int32, strict=False)
    text = (
        pl.select(
            pl.when(roc_year.is_not_null())
            .then((roc_year + 1911).cast(pl.String) + text.str.replace(r"^(?:民國|民国)\s*\d{1,3}\s*", ""))
            .otherwise(text)
        )
        .to_series()
        .rename(text.name)
    )
    text = (
        text
        # "1985年3月12日", "1985년 3월 12일": year and month marks as separators, the day's mark dropped
        .str.replace_all(r"\s*[年月년월]\s*", "-")
        .str.replace(r"\s*[日일]$", "")
        .str.replace(r"^(\d{4}\s*[./\-]\s*\d{1,2}\s*[./\-]\s*)(\d)$", "${1}0${2}")  # year first, a one-digit day
        .str.replace_all(r"(\d)·", "${1}.")  # "14·05·1932"
        # Vietnamese "ngày 17 tháng 03 năm 1968"; Swahili "tarehe 29 Agosti 1985"
        .str.replace(r"^ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2}),?\s+năm\s+(\d{4})$", "${1}.${2}.${3}")
        .str.replace(r"^tarehe\s+", "")
    )
    text = _month_marks_as_numbers(text)
    text = _french_date_words_as_digits(text)
    text = _other_calendars_as_iso(text)
    numeric = text.str.extract_groups(_NUMERIC_DATE)
    day_name = text.str.extract_groups(_DAY_MONTH_NAME)
    name_day = text.str.extract_groups(_MONTH_NAME_DAY)
    words = month_words()
    months = pl.DataFrame({"word": list(words), "number": list(words.values())})
    frame = pl.DataFrame(
        {
            "a": numeric.struct.field("1"),
            "b": numeric.struct.field("2"),
            "c": numeric.struct.field("3"),
            "dn_day": day_name.struct.field("1"),
            "dn_month": day_name.struct.field("2"),
            "dn_year": day_name.struct.field("3").str.strip_chars_start("'’"),
            "nd_month": name_day.struct.field("1"),
            "nd_day": name_day.struct.field("2"),
            "nd_year": name_day.struct.field("3"),
        }
    )
    a, b, c = (pl.col(k).cast(pl.Int32, strict=False) for k in "abc")
    year_first = pl.col("a").str.len_chars() == 4
    day_first_votes = int(frame.select(((a > 12) & (b <= 12) & ~year_first).sum()).item() or 0)
    month_first_votes = int(frame.select(((b > 12) & (a <= 12) & ~year_first).sum()).item() or 0)
    day_first = pl.lit(day_first_votes >= month_first_votes)
    month_number = lambda col: pl.col(col).replace_strict(months["word"], months["number"], default=None)  # noqa: E731
    frame = frame.with_columns(
        year_text=pl.coalesce(
            pl.when(year_first).then(pl.col("a")).otherwise(pl.col("c")), pl.col("dn_year"), pl.col("nd_year")
        ),
        month=pl.coalesce(
            pl.when(year_first).then(b).when(a > 12).then(b).when(b > 12).then(a).when(day_first).then(b).otherwise(a),
            month_number("dn_month"),
            month_number("nd_month"),
        ),
        day=pl.coalesce(
            pl.when(year_first).then(c).when(a > 12).then(a).when(b > 12).then(b).when(day_first).then(a).otherwise(b),
            pl.col("dn_day").cast(pl.Int32, strict=False),
            pl.col("nd_day").cast(pl.Int32, strict=False),
        ),
    )
    # a two-digit year: this century unless that is after today
    short = pl.col("year_text").str.len_chars() == 2
    year = pl.col("year_text").cast(pl.Int32, strict=False)
    century_2000 = pl.date(year + 2000, pl.col("month").clip(1, 12), 1)
    frame = frame.with_columns(
        year=pl.when(short)
        .then(pl.when(century_2000 <= pl.lit(today.replace(day=1))).then(year + 2000).otherwise(year + 1900))
        .otherwise(year)
    )
    low, high = _BUDDHIST_ERA_YEARS
    buddhist = pl.col("year").is_between(low, high)
    frame = frame.with_columns(year=pl.when(buddhist).then(pl.col("year") - _BUDDHIST_ERA_OFFSET).otherwise("year"))
    valid = pl.col("year").is_between(1000, 9999) & pl.col("month").is_between(1, 12) & pl.col("day").is_between(1, 31)
    iso = pl.format(
        "{}-{}-{}",
        pl.col("year"),
        pl.col("month").cast(pl.String).str.zfill(2),
        pl.col("day").cast(pl.String).str.zfill(2),
    )
    return (
        frame.select(pl.when(valid).then(iso).otherwise(None).str.to_date("%Y-%m-%d", strict=False).alias("date"))
        .to_series()
        .alias(values.name)
    )


_FRENCH_NUMBERS = {
    w: n
    for n, w in enumerate(
        "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize".split()
    )
} | {"une": 1, "premier": 1, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}


def french_number(words: list[str]) -> int | None:
    """The number that French ``words`` (lower case, hyphens split) write, up to the thousands: "quatre vingt
    dix neuf" is 99, "mil neuf cent quatre vingt cinq" 1985, "deux mille trois" 2003; None for another word."""
    total, current = 0, 0
    for i, word in enumerate(words):
        if word == "et":
            continue
        if word in ("cent", "cents"):
            current = (current or 1) * 100
        elif word in ("mil", "mille"):
            total, current = total + (current or 1) * 1000, 0
        elif word in ("vingt", "vingts") and i and words[i - 1] == "quatre":
            current += 80 - 4  # "quatre-vingt": four twenties
        elif word in _FRENCH_NUMBERS:
            current += _FRENCH_NUMBERS[word]
        else:
            return None
    return total + current


def _french_date_in_digits(value: str) -> str:
    """A date in French words ("quatorze mars mil neuf cent quatre-vingt-cinq") as "14 mars 1985"; else as it was."""
    words = re.split(r"[\s\-]+", value.strip())
    words = words[1:] if words and words[0] == "le" else words
    months = [i for i, w in enumerate(words) if re.fullmatch(_FRENCH_MONTHS, w)]
    if len(months) != 1:
        return value
    day, year = french_number(words[: months[0]]), french_number(words[months[0] + 1 :])
    return value if day is None or year is None else f"{day} {words[months[0]]} {year}"


def _french_date_words_as_digits(text: pl.Series) -> pl.Series:
    """Lower-cased ``text`` with the dates that are written in French words (:data:`FRENCH_DATE_WORDS`) in digits."""
    worded = text.str.contains(rf"^(?:le\s+)?{FRENCH_DATE_WORDS}$").fill_null(False)
    if not worded.any():
        return text
    found = [_french_date_in_digits(v) for v in text.filter(worded).to_list()]
    return text.scatter(worded.arg_true(), pl.Series(found, dtype=pl.String))


def as_dates(values: pl.Series, today: dt.date | None = None) -> pl.Series | None:
    """``values`` as dates: temporal columns directly, text read by :func:`parse_dates` when at
    least 90% of it is a date; ``None`` otherwise."""
    if values.dtype.is_temporal():
        return values.cast(pl.Date) if values.dtype != pl.Time else None
    if values.dtype != pl.String or values.len() == 0:
        return None
    parsed = parse_dates(values, today)
    if parsed.null_count() > (1 - MIN_PARSED_SHARE) * values.len():
        parsed = _parsed_by_dateutil(values, parsed)
    if parsed.null_count() <= (1 - MIN_PARSED_SHARE) * values.len():
        return parsed.drop_nulls()
    return None


# a year of birth in the value: a four-digit year of 1800-2099 on its own, or first in eight digits
_HAS_YEAR = re.compile(r"(?:^|\D)(?:1[89]|20)\d\d(?:\D|$)|^(?:1[89]|20)\d{6}$")


def _parsed_by_dateutil(values: pl.Series, parsed: pl.Series) -> pl.Series:
    """``parsed`` with the values it left null and that hold a year read by ``dateutil``'s parser,
    which knows orders and spellings no pattern here does ("1966. 08. 19.", "2002-Jun-11",
    "19851126"); values it cannot read stay null."""
    from dateutil import parser

    default = dt.datetime(2000, 1, 1)
    out = []
    for value, date in zip(values.to_list(), parsed.to_list()):
        if date is None and isinstance(value, str) and _HAS_YEAR.search(value.strip()):
            try:
                date = parser.parse(value, default=default).date()
            except (ValueError, OverflowError):
                date = None
        out.append(date)
    return pl.Series(parsed.name, out, dtype=pl.Date)


def date_key_dates(values: pl.Series) -> pl.Series | None:
    """An integer column's values as dates when nearly all of them (:data:`INTEGER_ENTITY_MIN_SHARE`) are
    dates written as yyyymmdd (19610317, as claims, SAS and mainframe extracts store them), years
    1850-2100; None otherwise."""
    present = values.drop_nulls()
    if not present.dtype.is_integer() or present.len() == 0:
        return None
    text = present.cast(pl.String)
    dates = text.str.to_date("%Y%m%d", strict=False)
    valid = (text.str.len_chars() == 8) & dates.dt.year().is_between(1850, 2100)
    valid = valid.fill_null(False)
    if valid.mean() < INTEGER_ENTITY_MIN_SHARE:
        return None
    return dates.filter(valid)


def years_only(values: pl.Series) -> bool:
    """Whether an integer column holds four-digit years (1800-2100) alone: a year of birth, not a date."""
    present = values.drop_nulls()
    return present.len() > 0 and bool(present.is_between(1800, 2100).all())


def _regular_series(dates: pl.Series) -> bool:
    """Whether ``dates`` are a series at a regular step, each date once (see :data:`SERIES_MIN_REGULAR_GAPS`)."""
    if dates.len() < BIRTH_MONTHS_MIN_DATES or dates.n_unique() < SERIES_MIN_DISTINCT_SHARE * dates.len():
        return False
    gaps = dates.unique().sort().diff().dt.total_days().drop_nulls()
    regular = (gaps - gaps.median()).abs() <= SERIES_GAP_TOLERANCE_DAYS
    return float(regular.mean()) >= SERIES_MIN_REGULAR_GAPS


def birth_date_share(values: pl.Series, today: dt.date | None = None) -> float:
    """Share of ``values`` that are plausible birth dates when the column as a whole looks like
    birth dates (ages 0-115 nearly everywhere, median age >= 12 years, spread over >= 10 years, of
    40 dates or more at least 10 different months); 0.0 otherwise."""
    today = today or dt.date.today()
    values = with_ascii_digits(values)
    dates = as_dates(values.drop_nulls(), today)
    if dates is None and values.dtype == pl.String:
        dates = _birth_dates_by_form(values.drop_nulls().to_list())
    if dates is None or dates.len() == 0 or _regular_series(dates):
        return 0.0
    ages = (pl.lit(today) - pl.lit(dates)).dt.total_days() / 365.25
    ages = pl.select(ages).to_series()
    plausible = float(((ages >= 0) & (ages <= BIRTH_MAX_AGE_YEARS)).mean())
    spread = float(ages.quantile(0.95) - ages.quantile(0.05))
    if plausible < BIRTH_MIN_PLAUSIBLE_SHARE or float(ages.median()) < BIRTH_MIN_MEDIAN_AGE_YEARS:
        return 0.0
    if spread < BIRTH_MIN_SPREAD_YEARS:
        return 0.0
    if dates.len() >= BIRTH_MONTHS_MIN_DATES and dates.dt.month().n_unique() < BIRTH_MIN_DISTINCT_MONTHS:
        return 0.0
    return plausible * dates.len() / values.drop_nulls().len()


@functools.cache
def _ascii_digit_table() -> dict[int, str]:
    return {
        code: str(unicodedata.digit(chr(code)))
        for code in range(128, sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Nd"
    }


def with_ascii_digits(values: pl.Series) -> pl.Series:
    """``values`` (text) with the decimal digits of every script written as ASCII digits ("߁/߁߂/߁߉߇߀" -> "1/12/1970",
    "١٤-٠٣-١٩٨٥" -> "14-03-1985"); other series as they are."""
    if values.dtype != pl.String or not values.str.contains(r"[^\x00-\x7F]").any():
        return values
    table = _ascii_digit_table()
    return pl.Series(values.name, [None if v is None else v.translate(table) for v in values.to_list()], pl.String)


# a column of dates whose month words are in no list, read by its values as a whole: each holds one year (four
# digits of any script) and one day (1-31), and what is left of the values ("# մարտի # թ.", "ថ្ងៃទី# ខែមីនា ឆ្នាំ#")
# takes a dozen or two forms, as months do (a case or spelling each): the month's words stand for its number
BIRTH_FORM_MAX_MONTH_WORDS = 24
_SOLAR_HIJRI_YEARS = (1300, 1449)  # years of the Solar Hijri calendar in a birth date (1921-2070)
_SOLAR_HIJRI_OFFSET = 621
_ANY_DIGITS = re.compile(r"\d+")  # Python's \d: the digits of every script, which int() reads


def _birth_dates_by_form(values: list[str]) -> pl.Series | None:
    """``values`` as dates by their form (see :data:`BIRTH_FORM_MAX_MONTH_WORDS`), or None when fewer than 90% of
    them have that form or the left-over words are too few or too many to be months. The month of each date is
    its month word's place among the column's (the words' numbers are unknown); Solar Hijri years are converted
    when all years are of that calendar."""
    parts = []
    for value in values:
        runs = _ANY_DIGITS.findall(value)
        if sorted(map(len, runs)) not in ([1, 4], [2, 4]):
            continue
        year, day = (int(r) for r in sorted(runs, key=len, reverse=True))
        rest = _ANY_DIGITS.sub("#", value.strip().lower())
        if 1 <= day <= 31 and re.search(r"[^\W\d_]", rest):
            parts.append((year, day, rest))
    if not parts or len(parts) < MIN_PARSED_SHARE * len(values):
        return None
    words = sorted({rest for _, _, rest in parts})
    if not min(BIRTH_MIN_DISTINCT_MONTHS, len(parts) // 4) <= len(words) <= BIRTH_FORM_MAX_MONTH_WORDS:
        return None
    low, high = _SOLAR_HIJRI_YEARS
    offset = _SOLAR_HIJRI_OFFSET if all(low <= year <= high for year, _, _ in parts) else 0
    month = {w: i % 12 + 1 for i, w in enumerate(words)}
    return pl.Series(
        [dt.date(year + offset, month[rest], min(day, 28)) for year, day, rest in parts if 1 <= year + offset <= 9999],
        dtype=pl.Date,
    )


# ------------------------------------------------------------------ phones by shape

_PHONE_CORE = re.compile(
    r"(?:\+|00)?\d{1,3}?[\s.\-]?(?:\(\d{1,5}\)[\s.\-]?)?\d{1,5}(?:[\s.\-]?\d{1,5}){1,5}"
    r"|\(\d{1,5}\)[\s.\-]?\d{1,5}(?:[\s.\-]?\d{1,5}){1,4}"
)
# an extension after a phone number: "x75668", " ext. 12", " #4", and other languages' words for it
# (French "poste", Spanish "interno"/"anexo", Portuguese "ramal", German "Durchwahl", Polish "wew.",
# Dutch "toestel")
PHONE_EXTENSION = (
    # (a colon after the word: "Ext: 440")
    r"(?:\s*(?:x|ext\.?|extn\.?|extension|#):?\s*\d{1,6}|;ext=\d{1,6}"  # ";ext=": RFC 3966's tel: URIs
    # Brazilian "r." (ramal) and Thai "ต่อ" too
    r"|,?\s+(?:poste|p\.|int\.|interno|anexo|ramal|r\.|ต่อ|durchwahl|dw\.?|wewn?\.|w\.|toestel|tst\.|loc\.|local|kl\."
    r"|lisa):?\s*\d{1,6}"
    r"|\s*\(内線\s?\d{1,6}\)|\s*\(tel\./fax\)"  # Japanese "(内線486)"; "(tel./fax)" after the number
    r"|\s*\((?:x|ext\.?|extension)\s*\d{1,6}\))"  # "(ext 274)"
)
_PHONE_EXTENSION = re.compile(PHONE_EXTENSION + "$", re.IGNORECASE)
# ISBNs ("978-0-406-82899-6") have phone-like digit groups
_NOT_PHONE = re.compile(r"^97[89][\- ]\d.*$")
_NUMERIC_DATE_PY = re.compile(_NUMERIC_DATE)


def date_shaped(value: str) -> bool:
    """Three numbers that make a date in some order ("2024-07-19", "19.07.24", "07 11 1993"): no
    phone number, whatever the separators."""
    match = _NUMERIC_DATE_PY.match(value.strip())
    if not match:
        return False
    a, b, c = (int(g) for g in match.groups())
    if len(match.group(1)) == 4:
        return 1 <= b <= 12 and 1 <= c <= 31
    if len(match.group(1)) > 2:
        return False
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "AU", "BR", "ES", "IT", "NL", "MX", "JP")


def is_phone_value(value: str) -> bool:
    """The whole value is a phone number: digits in phone grouping, an optional extension, and a
    number that ``phonenumbers`` calls possible in one of :data:`PHONE_REGIONS`, or a valid Chinese mobile one."""
    import phonenumbers

    core = _PHONE_EXTENSION.sub("", value.strip())
    if (
        _NOT_PHONE.match(core)
        or date_shaped(core)
        or not _PHONE_CORE.fullmatch(core)
        or not 7 <= sum(c.isdigit() for c in core) <= 15
    ):
        return False
    readings = ((core, region) for region in PHONE_REGIONS)
    return _phonenumbers_accept(phonenumbers.is_possible_number, readings) or _china_mobile(core)


# mainland China's mobile numbers are written bare: eleven digits from 13-19, no trunk prefix ("13812345678")
_CHINA_MOBILE = re.compile(r"1[3-9]\d{9}")


def _china_mobile(digits: str) -> bool:
    """``digits`` are a mainland Chinese mobile number that ``phonenumbers`` calls valid."""
    import phonenumbers

    return bool(_CHINA_MOBILE.fullmatch(digits)) and _phonenumbers_accept(
        phonenumbers.is_valid_number, [(digits, "CN")]
    )


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of card numbers holds for ``digits``."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _valid_phone_digits(digits: str) -> bool:
    """A run of digits that ``phonenumbers`` calls a valid number: a North American one without its
    country code, any country's with it (the ``+`` an integer cannot hold), or a Chinese mobile one."""
    import phonenumbers

    readings = ((digits, "US"), ("+" + digits, None))
    return _phonenumbers_accept(phonenumbers.is_valid_number, readings) or _china_mobile(digits)


def _phonenumbers_accept(test: Callable[[Any], bool], readings: Iterable[tuple[str, str | None]]) -> bool:
    """Whether ``test`` (``phonenumbers.is_possible_number`` or ``is_valid_number``) holds for the number
    that one of ``readings`` (text, default region) parses to; a reading that does not parse is skipped."""
    import phonenumbers

    for text, region in readings:
        try:
            if test(phonenumbers.parse(text, region)):
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


def _ssn_digits(digits: str) -> bool:
    """A US SSN's structure once the zeros an integer drops are put back: area 001-899 but not 666,
    group 01-99, serial 0001-9999."""
    if not 7 <= len(digits) <= 9:
        return False
    padded = digits.zfill(9)
    area, group, serial = int(padded[:3]), int(padded[3:5]), int(padded[5:])
    return 0 < area < 900 and area != 666 and group > 0 and serial > 0


def _date_key(digits: str) -> bool:
    """A date and time written as one number: ``yyyymmddhh``, ``yyyymmddhhmm`` or ``yyyymmddhhmmss``."""
    if len(digits) not in (10, 12, 14):
        return False
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    clock = [int(digits[i : i + 2]) for i in range(8, len(digits), 2)]
    return 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31 and clock[0] <= 23 and max(clock) <= 59


# shares of an integer column's distinct values a content finding needs: digits alone carry little shape,
# so nearly every value must be a valid number of the kind (random 10-digit numbers are valid North
# American phone numbers about half the time, random 9-digit ones valid SSNs 88%, random card-length
# numbers pass Luhn a tenth)
INTEGER_ENTITY_MIN_SHARE = 0.95
# SSNs: nine digits in most values (areas under 100 lose digits as integers), a valid structure in all, and
# at least this many areas (the first three digits): consecutive ids share one or two, the SSNs of people
# from one state pre-2011 still span dozens (California's 545-573)
SSN_NINE_DIGIT_MIN_SHARE = 0.85
SSN_MIN_AREAS = 10


def integer_entity_shares(values: Iterable[int]) -> dict[str, float]:
    """Shares of the distinct non-negative integers ``values`` that are, as digits, a valid phone number
    (:func:`_valid_phone_digits`), a card number (13-19 digits, Luhn) or an SSN (:func:`_ssn_digits`).

    None of them in a column of date keys (:func:`_date_key`: ``2024010112`` reads as a phone number). An
    SSN share counts only when most values have all nine digits (a column of smaller numbers with SSN-like
    structure is not one) and the values span :data:`SSN_MIN_AREAS` areas or more (consecutive ids do not)."""
    digits = [str(v) for v in values if v >= 0]
    if not digits or sum(map(_date_key, digits)) * 2 >= len(digits):
        return {}
    n = len(digits)
    shares = {
        PHONE: sum(_valid_phone_digits(d) for d in digits if 10 <= len(d) <= 15) / n,
        CARD: sum(luhn_valid(d) for d in digits if 13 <= len(d) <= 19) / n,
    }
    nine_digits = sum(len(d) == 9 for d in digits) / n >= SSN_NINE_DIGIT_MIN_SHARE
    if nine_digits and len({d.zfill(9)[:3] for d in digits}) >= min(SSN_MIN_AREAS, n):
        shares[SSN] = sum(map(_ssn_digits, digits)) / n
    return {entity: share for entity, share in shares.items() if share > 0}


# an IBAN's shape: a country code, two check digits and 11-30 letters and digits, maybe in groups
_IBAN_SHAPE = re.compile(r"^([A-Z]{2})\d{2}(?: ?[A-Z0-9]){11,30}$")


@functools.lru_cache(maxsize=1)
def iban_countries() -> frozenset[str]:
    """Country codes an IBAN-shaped value may start with: presidio's IBAN countries and every
    region phonenumbers knows (ISO 3166 codes), since account numbers of countries without IBANs
    are written in that shape too."""
    import phonenumbers

    _import_nlp_without_torch()
    from presidio_analyzer.predefined_recognizers.generic.iban_patterns import regex_per_country

    return frozenset(regex_per_country) | frozenset(phonenumbers.SUPPORTED_REGIONS)


def iban_shaped(value: str) -> bool:
    """Shaped like an IBAN of a country that has them, checksum or length right or not: a column of
    such values holds account numbers even where they fail validation (fail closed). Shorter than any
    IBAN (8-10 characters after the check digits: "TH89 2249 2093 03", a Thai account number written
    as one) only with a valid ISO 7064 checksum, which 1 in 97 random values has. Groups may be parted by any
    space (no-break spaces too), or by hyphens with a valid checksum (hyphenated groups are also how licence
    keys and serial numbers are written)."""
    compact = re.sub(r"\s+", " ", value.strip().upper())
    if "-" in compact:
        spaced = re.sub(r"(?<=[A-Z0-9])-(?=[A-Z0-9])", " ", compact)
        match = _IBAN_SHAPE.match(spaced) or _SHORT_IBAN_SHAPE.match(spaced)
        return bool(match) and match.group(1) in iban_countries() and _iban_checksum_valid(spaced.replace(" ", ""))
    match = _IBAN_SHAPE.match(compact)
    if match:
        return match.group(1) in iban_countries()
    match = _SHORT_IBAN_SHAPE.match(compact)
    return bool(match) and match.group(1) in iban_countries() and _iban_checksum_valid(compact.replace(" ", ""))


_SHORT_IBAN_SHAPE = re.compile(r"^([A-Z]{2})\d{2}(?: ?[A-Z0-9]){8,10}$")


def _iban_checksum_valid(compact: str) -> bool:
    """ISO 7064 MOD 97-10, as IBANs are checked: the country and check digits moved to the end, letters
    as 10-35, the number modulo 97 is 1."""
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def whole_value_postal(value: str) -> bool:
    """Postcode shapes distinctive enough without a column-name hint: UK postcodes and ZIP+4."""
    v = value.strip().upper()
    if UK_POSTCODE_ONLY.match(v):
        return re.match(r"[A-Z]+", v).group() in UK_POSTCODE_AREAS
    return bool(ZIP_PLUS4_ONLY.match(v))


__all__ = [
    "PERSON",
    "analyze",
    "analyzer",
    "all_names",
    "context_entities",
    "is_person_name",
    "known_names",
    "listed_street_candidates",
    "listed_street_patterns",
    "listed_street_share",
    "mentions_person",
    "honorific_words",
    "name_affixes",
    "name_lists",
    "place_name_words",
    "whole_value_postal",
    "world_names",
    "world_only_names",
]
