"""Values generated from a regular expression (the ``format`` rule).

The regex is parsed by Python's own parser (``re._parser``, the one ``re.compile``
uses) and a subset is generated: literals, ``.``, classes (``[A-Z0-9_]``, ``\\d``,
``\\w``, ``\\s``), groups, alternation ``a|b``, and quantifiers (``?``, ``*``, ``+``,
``{n}``, ``{n,m}``; an unbounded one repeats at most :data:`UNBOUNDED_EXTRA` more
times than its minimum). Negated classes, backreferences and lookarounds are refused.
Generation is vectorised over the rows with numpy.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
import string

import numpy as np
import polars as pl

UNBOUNDED_EXTRA = 8  # `x+` / `x*` repeat up to min + this many times
# pieces made for one value at most (a literal, a class or an anchor is one; a repeat makes its body as many
# times as it may repeat): nested repeats multiply, and ``((a+)+)+...`` would take hours a column
MAX_GENERATION_STEPS = 10_000
_DIGITS = list(string.digits)
_WORD = list(string.ascii_letters + string.digits + "_")
_SPACE = [" "]
_ANY = list(string.ascii_letters + string.digits)
_CATEGORIES = {sre.CATEGORY_DIGIT: _DIGITS, sre.CATEGORY_WORD: _WORD, sre.CATEGORY_SPACE: _SPACE}


class RegexError(ValueError):
    """A regex outside the generated subset, or not a valid regex."""


def check_regex(regex: str) -> None:
    """RegexError unless ``regex`` is valid (in Python and polars) and in the generated subset."""
    try:
        parsed = sre_parse.parse(regex)
    except re.error as error:
        raise RegexError(f"not a valid regular expression: {error}") from None
    try:
        pl.select(pl.lit("").str.contains(f"^(?:{regex})$"))
    except pl.exceptions.PolarsError:
        raise RegexError("a regular expression polars cannot run (use the common subset of Python and Rust)") from None
    _check(parsed)
    steps = _generation_steps(parsed)
    if steps > MAX_GENERATION_STEPS:
        raise RegexError(
            f"making one value takes more than {MAX_GENERATION_STEPS:,} steps (at most {MAX_GENERATION_STEPS:,}): "
            "nest fewer repeats or give them smaller bounds"
        )


def _generation_steps(pattern) -> int:
    """The pieces :func:`_generate` makes for one value, capped just above :data:`MAX_GENERATION_STEPS`."""
    steps = 0
    for op, av in pattern:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, high, sub = av
            high = low + UNBOUNDED_EXTRA if high == sre.MAXREPEAT else high
            steps += 1 + high * max(1, _generation_steps(sub))  # an empty body is still made each time
        elif op == sre.SUBPATTERN:
            steps += _generation_steps(av[3])
        elif op == sre.BRANCH:
            steps += 1 + sum(_generation_steps(branch) for branch in av[1])
        else:
            steps += 1
        if steps > MAX_GENERATION_STEPS:
            return MAX_GENERATION_STEPS + 1
    return steps


def _check(pattern) -> None:
    for op, av in pattern:
        if op in (sre.LITERAL, sre.ANY, sre.AT):
            continue
        if op == sre.IN:
            for item_op, item in av:
                if item_op == sre.CATEGORY and item not in _CATEGORIES:
                    raise RegexError(f"class {item} cannot be generated (use \\d, \\w, \\s or explicit ranges)")
                if item_op not in (sre.LITERAL, sre.RANGE, sre.CATEGORY):
                    raise RegexError("negated classes ([^...]) cannot be generated: list the allowed characters")
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            _check(av[2])
        elif op == sre.SUBPATTERN:
            _check(av[3])
        elif op == sre.BRANCH:
            for branch in av[1]:
                _check(branch)
        elif op == sre.NOT_LITERAL:
            raise RegexError("negated classes ([^...]) cannot be generated: list the allowed characters")
        else:
            raise RegexError(
                f"{str(op).lower()} cannot be generated (use literals, classes, groups, | and quantifiers)"
            )


def generate_from_regex(regex: str, n: int, rng: np.random.Generator) -> list[str]:
    """``n`` strings each fully matching ``regex`` (checked with :func:`check_regex` first)."""
    check_regex(regex)
    return [str(v) for v in _generate(sre_parse.parse(regex), n, rng)]


def _generate(pattern, n: int, rng: np.random.Generator) -> np.ndarray:
    out = np.full(n, "", dtype=object)
    for op, av in pattern:
        out = out + _token(op, av, n, rng)
    return out


def _token(op, av, n: int, rng: np.random.Generator) -> np.ndarray:
    if op == sre.LITERAL:
        return np.full(n, chr(av), dtype=object)
    if op == sre.AT:
        return np.full(n, "", dtype=object)
    if op == sre.ANY:
        return np.asarray(rng.choice(_ANY, n), dtype=object)
    if op == sre.IN:
        return np.asarray(rng.choice(_class_chars(av), n), dtype=object)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, sub = av
        high = low + UNBOUNDED_EXTRA if high == sre.MAXREPEAT else high
        counts = rng.integers(low, high + 1, n)
        out = np.full(n, "", dtype=object)
        for k in range(high):
            piece = _generate(sub, n, rng)
            out = np.where(counts > k, out + piece, out)
        return out
    if op == sre.SUBPATTERN:
        return _generate(av[3], n, rng)
    if op == sre.BRANCH:
        branches = av[1]
        chosen = rng.integers(0, len(branches), n)
        out = np.full(n, "", dtype=object)
        for i, branch in enumerate(branches):
            out = np.where(chosen == i, _generate(branch, n, rng), out)
        return out
    raise RegexError(f"{op} cannot be generated")  # _check refused it already


def _class_chars(items) -> list[str]:
    chars: list[str] = []
    for item_op, item in items:
        if item_op == sre.LITERAL:
            chars.append(chr(item))
        elif item_op == sre.RANGE:
            chars.extend(chr(c) for c in range(item[0], item[1] + 1))
        else:
            chars.extend(_CATEGORIES[item])
    return list(dict.fromkeys(chars))
