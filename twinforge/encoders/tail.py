"""The long tail of a categorical or text column: values generated in place of the rare ones.

A value seen fewer than ``rare_min_count`` times is never stored (a rare real value is a
quasi-identifier). Rows that held one (the *tail*) decode to a *generated* value instead:

* with at least :data:`MIN_TAIL_VALUES` distinct tail values, an n-gram model (:class:`NgramModel`,
  over words when the values have several words, else over characters) is trained on the tail
  and, at fit time, fills a pool of generated values (twice the tail's rows, 256 to
  :data:`DEFAULT_POOL_SIZE`); every value equal to a rare real value (compared case- and
  whitespace-insensitively) is thrown away, so the pool, the only thing saved, holds no rare real
  value. The model itself is not saved. When the words give fewer than :data:`MIN_POOL_DISTINCT`
  distinct values, characters are tried;
* with fewer tail values (or fewer than :data:`MIN_POOL_DISTINCT` distinct generated ones either way)
  there is too little to learn their shape from: tail rows take a frequent level, in proportion to its
  count;
* with no frequent level either, tail rows decode to null.

The n-gram model only keeps a transition (a context and the token after it) seen in at least
``min_support`` distinct values, so a word or stretch of characters unique to one value cannot be
copied out whole.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import polars as pl

# Fewer distinct tail values than this: tail rows take frequent levels instead of generated ones.
MIN_TAIL_VALUES = 20
# The pool: twice the tail's rows, within these bounds. Fewer distinct generated values than
# MIN_POOL_DISTINCT (a model that can only give back its training values): frequent levels instead.
DEFAULT_POOL_SIZE = 4096
MIN_POOL_SIZE = 256
MIN_POOL_DISTINCT = 5
# Distinct tail values the model trains on at most (a sample, by count, beyond): bounds the fit time.
MAX_TRAINING_VALUES = 20_000
DEFAULT_ORDERS = {"word": 2, "char": 4}  # tokens of context
# Average words per tail value from which the model works on words rather than characters.
WORD_UNIT_MIN_WORDS = 1.5
DEFAULT_MIN_SUPPORT = 2  # distinct values a transition must appear in
# Pool drafts per wanted value before giving up (a model that mostly reproduces its training values).
MAX_DRAFTS_PER_VALUE = 8
# Median words per value from which a text column counts as long free text (notes), left out by default.
LONG_TEXT_MIN_WORDS = 8

TAIL_POLICIES = ("generate", "rare_token", "null")
_START, _END = "\x02", "\x03"


def normalized(value: str) -> str:
    """The form two values are compared in by the privacy filter: casefolded, whitespace collapsed."""
    return " ".join(value.casefold().split())


def is_long_text(series: pl.Series) -> bool:
    """Whether a string column holds long free text (notes): a median of at least LONG_TEXT_MIN_WORDS words."""
    words = series.drop_nulls().cast(pl.String).str.split(" ").list.len()
    return words.len() > 0 and float(words.median()) >= LONG_TEXT_MIN_WORDS


class NgramModel:
    """An n-gram model of the tokens of a value (words or characters) with backoff to shorter contexts.

    ``fit`` counts, for every context of up to ``order`` tokens, the next token (the end of the value
    included), weighting each value by its count; transitions seen in fewer than ``min_support``
    distinct values are dropped. ``sample`` draws values token by token from the longest context that
    has counts. Word tokens are joined by single spaces.
    """

    def __init__(self, unit: str = "char", order: int | None = None, min_support: int = DEFAULT_MIN_SUPPORT):
        if unit not in DEFAULT_ORDERS:
            raise ValueError(f"unit must be one of {', '.join(DEFAULT_ORDERS)}, got {unit!r}")
        self.unit = unit
        self.order = DEFAULT_ORDERS[unit] if order is None else order
        if self.order < 1:
            raise ValueError(f"order must be at least 1, got {self.order}")
        self.min_support = min_support
        self.max_tokens = 0
        # one table per context length: context -> (next tokens, cumulative probabilities)
        self._tables: list[dict[tuple[str, ...], tuple[list[str], list[float]]]] = []

    def tokens(self, value: str) -> list[str]:
        return value.split() if self.unit == "word" else list(value)

    def fit(self, values: Sequence[str], counts: Sequence[int] | None = None) -> NgramModel:
        counts = [1] * len(values) if counts is None else list(counts)
        if len(counts) != len(values):
            raise ValueError(f"{len(values)} values but {len(counts)} counts")
        weight = [defaultdict(lambda: defaultdict(float)) for _ in range(self.order + 1)]
        support = [defaultdict(int) for _ in range(self.order + 1)]
        for value, count in zip(values, counts, strict=True):
            tokens = self.tokens(value)
            padded = (_START,) * self.order + tuple(tokens) + (_END,)
            seen = set()
            for i in range(self.order, len(padded)):
                for k in range(self.order + 1):
                    context = padded[i - k : i]
                    weight[k][context][padded[i]] += count
                    seen.add((k, context, padded[i]))
            for k, context, token in seen:
                support[k][(context, token)] += 1
            self.max_tokens = max(self.max_tokens, len(tokens))
        self._tables = []
        for k in range(self.order + 1):
            table = {}
            for context, following in weight[k].items():
                kept = {t: w for t, w in following.items() if support[k][(context, t)] >= self.min_support}
                if kept:
                    tokens = sorted(kept)
                    cumulative = np.cumsum([kept[t] for t in tokens])
                    table[context] = (tokens, list(cumulative / cumulative[-1]))
            self._tables.append(table)
        return self

    @property
    def is_fitted(self) -> bool:
        return bool(self._tables) and bool(self._tables[0])

    def sample(self, n: int, rng: np.random.Generator) -> list[str]:
        """Up to ``n`` values: a draft that runs past the longest training value is dropped."""
        if not self.is_fitted:
            return []
        draws = rng.random((n, self.max_tokens + 1))
        separator = " " if self.unit == "word" else ""
        out = []
        for row in draws:
            context = (_START,) * self.order
            for r in row:
                tokens, cumulative = self._distribution(context)
                token = tokens[min(bisect.bisect_right(cumulative, r), len(tokens) - 1)]
                if token == _END:
                    out.append(separator.join(context[self.order :]))
                    break
                context += (token,)
        return out

    def _distribution(self, context: tuple[str, ...]) -> tuple[list[str], list[float]]:
        for k in range(self.order, -1, -1):
            found = self._tables[k].get(context[len(context) - k :] if k else ())
            if found is not None:
                return found
        raise AssertionError("the empty context always has counts once fitted")


def choose_unit(values: Sequence[str], counts: Sequence[int]) -> str:
    """``"word"`` for values of several words on average (titles, names of things), else ``"char"``."""
    words = np.array([len(v.split()) for v in values], dtype=float)
    return "word" if np.average(words, weights=np.asarray(counts, dtype=float)) >= WORD_UNIT_MIN_WORDS else "char"


def generate_pool(
    tail_values: Sequence[str],
    tail_counts: Sequence[int],
    forbidden: Iterable[str],
    rng: np.random.Generator,
    size: int = DEFAULT_POOL_SIZE,
    unit: str | None = None,
) -> list[str]:
    """Up to ``size`` values from an :class:`NgramModel` of the tail; none equals (normalized) a
    value of ``forbidden`` (the rare real values), none is empty."""
    if len(tail_values) > MAX_TRAINING_VALUES:
        weights = np.asarray(tail_counts, dtype=np.float64)
        chosen = rng.choice(len(tail_values), MAX_TRAINING_VALUES, replace=False, p=weights / weights.sum())
        tail_values, tail_counts = [tail_values[i] for i in chosen], [tail_counts[i] for i in chosen]
    model = NgramModel(unit or choose_unit(tail_values, tail_counts)).fit(tail_values, tail_counts)
    banned = {normalized(v) for v in forbidden}
    pool: list[str] = []
    for _ in range(MAX_DRAFTS_PER_VALUE):
        drafts = model.sample(size, rng)
        pool.extend(v for v in drafts if v.strip() and normalized(v) not in banned)
        if len(pool) >= size:
            break
    return pool[:size]


def analyze_tail(
    tail_values: Sequence[str],
    tail_counts: Sequence[int],
    policy: str,
    string_column: bool,
    has_frequent: bool,
    seed: Sequence[int],
) -> dict[str, Any]:
    """JSON-ready description of how a column's tail rows decode (see the module docstring).

    ``source`` is ``"pool"`` (generated ``values``), ``"frequent"``, ``"null"`` or ``"rare_token"``.
    """
    if policy not in TAIL_POLICIES:
        raise ValueError(f"unknown rare policy {policy!r}; one of {', '.join(TAIL_POLICIES)}")
    if policy != "generate":
        return {"policy": policy, "source": policy, "values": []}
    if string_column and len(tail_values) >= MIN_TAIL_VALUES:
        size = int(np.clip(2 * sum(tail_counts), MIN_POOL_SIZE, DEFAULT_POOL_SIZE))
        rng = np.random.default_rng(list(seed))
        preferred = choose_unit(tail_values, tail_counts)
        # words shared by too few values (names, codes with a number) leave little to compose: characters then
        for unit in (preferred, "char" if preferred == "word" else "word"):
            pool = generate_pool(tail_values, tail_counts, tail_values, rng, size, unit)
            if len(set(pool)) >= MIN_POOL_DISTINCT:
                return {"policy": policy, "source": "pool", "values": pool}
    return {"policy": policy, "source": "frequent" if has_frequent else "null", "values": []}
