"""Masking PII inside text: every match becomes a type token such as ``<EMAIL>``.

Pattern types are replaced over the whole column by polars (Rust regex, no Python
per row); person names need a dictionary lookup per word, done in Python. The
patterns are broader than detection's validated recognizers on purpose: masking
a number that was not a phone number loses little, missing one leaks it.
Order matters: e-mail addresses before anything with digits, dates before phone
numbers, and so on.
"""

from __future__ import annotations

import polars as pl

from twinforge.privacy.pii.entities import CARD, DOB, EMAIL, IBAN, IP, MASK_TOKENS, PERSON, PHONE, POSTAL, SSN
from twinforge.privacy.pii.recognizers import (
    BIRTH_CONTEXT,
    DATE_PATTERN,
    POSTAL_CONTEXT,
    UK_POSTCODE,
    US_ZIP,
    all_names,
)

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_US_STATE = (
    r"(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]"
    r"|W[AIVY])"
)

# (entity, pattern, replacement); "$1"/"$2" keep a context word in front of the token
MASK_PATTERNS: list[tuple[str, str, str]] = [
    (EMAIL, r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}", MASK_TOKENS[EMAIL]),
    (IBAN, r"(?i)\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b", MASK_TOKENS[IBAN]),
    (IP, rf"\b(?:{_OCTET}\.){{3}}{_OCTET}\b", MASK_TOKENS[IP]),
    (
        IP,
        r"(?i)(?:\b[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|(?:\b[0-9a-f]{1,4}:){1,7}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}\b)?",
        MASK_TOKENS[IP],
    ),
    (DOB, rf"(?i)\b({BIRTH_CONTEXT})\b(\W{{0,3}}){DATE_PATTERN}", "${1}${2}" + MASK_TOKENS[DOB]),
    ("DATE", rf"(?i)\b{DATE_PATTERN}\b", MASK_TOKENS["DATE"]),
    (CARD, r"\b(?:\d[ \-]?){12,18}\d\b", MASK_TOKENS[CARD]),
    (SSN, r"\b\d{3}[ .\-]\d{2}[ .\-]\d{4}\b|\b\d{9}\b", MASK_TOKENS[SSN]),
    (POSTAL, rf"(?i)\b({POSTAL_CONTEXT})\b(\W{{0,3}})(?:{US_ZIP}|{UK_POSTCODE})\b", "${1}${2}" + MASK_TOKENS[POSTAL]),
    (POSTAL, rf"\b({_US_STATE})(\s+){US_ZIP}\b", "${1}${2}" + MASK_TOKENS[POSTAL]),
    (POSTAL, rf"\b{UK_POSTCODE}\b", MASK_TOKENS[POSTAL]),
    (PHONE, r"\+\d{1,3}[\s.\-]?(?:\(\d{1,4}\)[\s.\-]?)?\d{1,5}(?:[\s.\-]?\d{1,5}){1,4}\b", MASK_TOKENS[PHONE]),
    (PHONE, r"\(\d{2,5}\)[\s.\-]?\d{2,5}(?:[\s.\-]?\d{2,5}){0,3}\b", MASK_TOKENS[PHONE]),
    (PHONE, r"\b\d{2,5}(?:[\s.\-]\d{2,5}){2,4}\b|\b\d{10,11}\b", MASK_TOKENS[PHONE]),
]

_TOKEN_WORDS = frozenset(t.strip("<>").lower() for t in MASK_TOKENS.values())
MIN_TABLE_NAME_LENGTH = 3


def mask_patterns(expr: pl.Expr) -> pl.Expr:
    for _, pattern, replacement in MASK_PATTERNS:
        expr = expr.str.replace_all(pattern, replacement)
    return expr


_PIECES = r"[A-Za-z]+|[^A-Za-z]+"  # words and what lies between them ("grunt's": "grunt", "'", "s")


def mask_names(values: pl.Series, extra_names: frozenset[str] = frozenset()) -> pl.Series:
    """Capitalized words that are known first or last names, and any word (any case) from
    ``extra_names`` (the table's own name columns, lower-cased), become ``<PERSON>``.

    Each text is cut into words and the gaps between them, the words are looked up in the
    name sets in one vectorized pass, and the pieces are joined again: no Python per row,
    and the cost does not grow with the number of distinct names.
    """
    common = pl.Series(sorted(all_names()))
    extra = pl.Series(
        sorted(n for n in extra_names if len(n) >= MIN_TABLE_NAME_LENGTH and n not in _TOKEN_WORDS), dtype=pl.String
    )
    word = pl.element()
    lowered = word.str.to_lowercase()
    is_name = (word.str.contains(r"^[A-Z][a-z]") & lowered.is_in(common.implode())) | lowered.is_in(extra.implode())
    pieces = values.str.extract_all(_PIECES)
    masked = pieces.list.eval(pl.when(is_name).then(pl.lit(MASK_TOKENS[PERSON])).otherwise(word)).list.join("")
    # extract_all gives an empty list for an empty string and null for null: keep both as they were
    return (
        pl.select(pl.when(pl.lit(values).str.len_chars() == 0).then(pl.lit(values)).otherwise(pl.lit(masked)))
        .to_series()
        .alias(values.name)
    )


def mask_text(values: pl.Series, extra_names: frozenset[str] = frozenset()) -> pl.Series:
    """``values`` (cast to text) with every PII pattern and person name replaced by its token."""
    text = values.cast(pl.String)
    patterned = pl.select(mask_patterns(pl.lit(text))).to_series().alias(values.name)
    return mask_names(patterned, extra_names).alias(values.name)
