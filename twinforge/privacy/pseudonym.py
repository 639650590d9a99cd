"""Keyed pseudonymisation: the key's rules, and the canonical form of a value before it is hashed.

The key comes from ``TWINFORGE_PSEUDONYM_KEY`` only and is never logged, stored or returned.
:func:`check_key` refuses a key that is short or guessable, with a message that says what is
wrong and never shows the key.

:func:`canonical_identifier` decides which spellings of one identifier get one token, so that
linkage holds across batches whose readers typed the same column differently:

* surrounding whitespace is removed;
* the text is Unicode NFKC-normalised (full-width digits, compatibility characters);
* a number that is a whole number is written as an integer: ``1412``, ``1412.0``, ``1.412e3``
  and ``" 1412 "`` are one identifier;
* nothing else changes: leading zeros are kept (``01412`` is not ``1412``: many codes, such as
  ZIP codes and record numbers, carry them as part of the value), case is kept, and a number
  with a fraction (``1412.5``) stays itself.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping

import polars as pl

PSEUDONYM_KEY_ENV = "TWINFORGE_PSEUDONYM_KEY"
MIN_KEY_LENGTH = 16
MIN_DISTINCT_CHARACTERS = 6
MIN_KEY_ENTROPY_BITS = 2.5  # Shannon entropy per character: random hex gives 3.2 (16 digits) to 3.9 (64)
# a decimal number written as text: optional sign, digits, optional fraction, optional exponent
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class MissingKeyError(RuntimeError):
    """Pseudonymisation was requested but no (usable) key is configured."""


class WeakKeyError(MissingKeyError):
    """The configured key is too short or too guessable; the message says why, never the key."""


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text``'s character distribution (0 for one repeated character)."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def key_problems(key: str) -> list[str]:
    """What is wrong with ``key`` as a pseudonymisation key (empty when it is fit for use); no key text."""
    problems = []
    if not key.strip():
        return ["it is empty or only whitespace"]
    if len(key) < MIN_KEY_LENGTH:
        problems.append(f"it has {len(key)} characters, fewer than {MIN_KEY_LENGTH}")
    distinct = len(set(key))
    if distinct == 1:
        problems.append("it repeats one character")
    elif distinct < MIN_DISTINCT_CHARACTERS:
        problems.append(f"it uses only {distinct} different characters, fewer than {MIN_DISTINCT_CHARACTERS}")
    if distinct > 1 and shannon_entropy(key) < MIN_KEY_ENTROPY_BITS:
        problems.append(
            f"its characters are too predictable ({shannon_entropy(key):.1f} bits of entropy per character, "
            f"fewer than {MIN_KEY_ENTROPY_BITS})"
        )
    if key != key.strip():
        problems.append("it starts or ends with whitespace (a copy-paste accident?)")
    return problems


def check_key(key: str | bytes) -> bytes:
    """``key`` as bytes when it is strong enough; :class:`WeakKeyError` saying what is wrong otherwise."""
    if isinstance(key, bytes):
        try:
            key = key.decode("utf-8")
        except UnicodeDecodeError:
            # a binary key (secrets.token_bytes): judged byte by byte and used as it is, never decoded lossily
            # (that would map every invalid byte to one character); spaces are bytes like any other there
            problems = [p for p in key_problems(key.decode("latin-1")) if "whitespace" not in p]
            _refuse(problems)
            return key
    _refuse(key_problems(key))
    return key.encode("utf-8")


def _refuse(problems: list[str]) -> None:
    if problems:
        raise WeakKeyError(
            f"{PSEUDONYM_KEY_ENV} is not a usable key: {'; '.join(problems)}. Generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'` and keep it in your secret store."
        )


def pseudonym_key_from_env(env: Mapping[str, str] | None = None) -> bytes | None:
    """The key from the environment, checked (:func:`check_key`); None when it is not set at all."""
    value = (env if env is not None else os.environ).get(PSEUDONYM_KEY_ENV)
    if value is None or value == "":
        return None
    return check_key(value)


def canonical_identifier(value: object) -> str:
    """The text an identifier is hashed as (see the module docstring for the rules)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if _NUMBER.fullmatch(text) and not _leading_zero(text):
        number = float(text)
        if math.isfinite(number) and number.is_integer() and abs(number) < 2**53:
            return str(int(number))
    return text


def _leading_zero(text: str) -> bool:
    digits = text.lstrip("+-")
    return len(digits) > 1 and digits[0] == "0" and digits[1].isdigit()


def pseudonymize(series: pl.Series, key: bytes) -> pl.Series:
    """HMAC-SHA256 of each value's canonical text (:func:`canonical_identifier`), as hex; nulls stay null.

    The distinct values are hashed once each; integer columns get their canonical text from polars
    (a whole number's decimal digits, as :func:`canonical_identifier` writes it).
    """
    distinct = series.drop_nulls().unique()
    if distinct.len() == 0:
        return pl.Series(series.name, [None] * series.len(), dtype=pl.String)
    if distinct.dtype.is_integer():
        texts = distinct.cast(pl.String)
    else:
        texts = pl.Series([canonical_identifier(v) for v in distinct.to_list()], dtype=pl.String)
    digests = pl.Series(hmac_sha256_many(key, texts.cast(pl.Binary).to_list()), dtype=pl.Binary)  # UTF-8 bytes
    return series.replace_strict(distinct, digests.bin.encode("hex"), default=None, return_dtype=pl.String).alias(
        series.name
    )


_SHA256_BLOCK = 64


def hmac_sha256_many(key: bytes, messages: list[bytes]) -> list[bytes]:
    """``hmac.digest(key, m, "sha256")`` for each message, about 3x faster on long lists.

    RFC 2104's construction with hashlib: the key-padded inner and outer hash states are computed
    once and copied per message, where ``hmac.digest`` sets up both for every call.
    """
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    out = []
    for message in messages:
        h = inner.copy()
        h.update(message)
        o = outer.copy()
        o.update(h.digest())
        out.append(o.digest())
    return out
