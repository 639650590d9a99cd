"""presidio-analyzer set up to run offline, plus name lists and context patterns.

presidio's AnalyzerEngine normally loads a spaCy language model for NER; none is
downloaded at run time and none is needed for its pattern recognizers, so the engine gets
a blank spaCy pipeline (tokenizer only). Its e-mail recognizer validates domains
with tldextract, which would try to download the public-suffix list: it is given an
extractor that uses the snapshot shipped inside tldextract.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re

from twinforge.privacy.pii.entities import DOB, PERSON, POSTAL, PRESIDIO_ENTITIES

# presidio logs every recognizer it loads at INFO; twinforge's own messages say what matters
logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)


@functools.lru_cache(maxsize=1)
def analyzer():
    """The shared presidio AnalyzerEngine (built once: it takes a second or two)."""
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
            return offline_suffixes(pattern_text.rsplit("@", 1)[-1]).suffix != ""

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

_LATIN_LOCALE_NAMES = ("first_names", "first_names_male", "first_names_female", "last_names")


@functools.lru_cache(maxsize=1)
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """Lower-cased first and last names from every Faker locale written in Latin letters."""
    from faker.config import AVAILABLE_LOCALES

    first: set[str] = set()
    last: set[str] = set()
    for locale in AVAILABLE_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        for attr in _LATIN_LOCALE_NAMES:
            values = getattr(provider, attr, None)
            if not isinstance(values, (list, tuple, dict, set, frozenset)):
                continue  # some locales compute these as properties
            target = last if attr == "last_names" else first
            target.update(
                v.lower() for v in values if isinstance(v, str) and v.isascii() and v.isalpha() and len(v) > 1
            )
    return frozenset(first), frozenset(last)


@functools.lru_cache(maxsize=1)
def all_names() -> frozenset[str]:
    first, last = name_lists()
    return first | last


_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_CAPITALIZED = re.compile(r"\b[A-Z][a-z]+(?:['\-][A-Z]?[a-z]+)?\b")
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+[A-Z][a-z]+")


_NAME_VALUE = re.compile(r"[A-Za-z][A-Za-z'\-]*(?:[ ,.]+[A-Za-z][A-Za-z'\-]*){0,3}\.?")


def is_person_name(value: str) -> bool:
    """A short value made only of known first/last names ("Ana Lopez", "lopez, ana")."""
    value = value.strip()
    if not _NAME_VALUE.fullmatch(value):
        return False
    known = all_names()
    return all(w.lower() in known for w in _WORD.findall(value))


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


# ------------------------------------------------------------------ context patterns (Rust regex syntax too)

DATE_PATTERN = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}"
    r"|\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{4}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4})"
)
BIRTH_CONTEXT = r"(?:born(?:\s+on)?|dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday)"
POSTAL_CONTEXT = r"(?:zip(?:\s*code)?|post\s*code|postal\s+code)"
US_ZIP = r"\d{5}(?:-\d{4})?"
UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"

DOB_IN_TEXT = re.compile(rf"(?i)\b{BIRTH_CONTEXT}\b\W{{0,3}}{DATE_PATTERN}")
POSTAL_IN_TEXT = re.compile(rf"(?i)\b{POSTAL_CONTEXT}\b\W{{0,3}}(?:{US_ZIP}|{UK_POSTCODE})\b")
UK_POSTCODE_ONLY = re.compile(rf"^{UK_POSTCODE}$")
ZIP_PLUS4_ONLY = re.compile(r"^\d{5}-\d{4}$")


def context_entities(text: str) -> set[str]:
    found = set()
    if DOB_IN_TEXT.search(text):
        found.add(DOB)
    if POSTAL_IN_TEXT.search(text):
        found.add(POSTAL)
    return found


def whole_value_postal(value: str) -> bool:
    """Postcode shapes distinctive enough without a column-name hint: UK postcodes and ZIP+4."""
    v = value.strip().upper()
    return bool(UK_POSTCODE_ONLY.match(v) or ZIP_PLUS4_ONLY.match(v))


__all__ = [
    "PERSON",
    "analyze",
    "analyzer",
    "all_names",
    "context_entities",
    "is_person_name",
    "mentions_person",
    "name_lists",
    "whole_value_postal",
]
