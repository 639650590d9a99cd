"""Rules fitted on real data and enforced on every sampled chunk.

:func:`fit_rules` checks a rule list against the training table and learns what
sampling needs: the allowed combinations of each ``fixed_combinations`` rule (only
those seen at least ``rare_min_count`` times: a rare real combination is never
stored nor generated), the first integer of each generated integer key, and each
rule's violation rate in the real data (a rule the data breaks is logged, not
learned silently). The result is plain JSON (:meth:`FittedRules.to_dict`) and
travels inside the saved model.

:meth:`FittedRules.enforce` is the one place sampling applies rules. For each chunk
a generator draws it

1. clips ``range`` columns (``on_violation: clip``), computes formula columns,
   sets ``null_if`` nulls and generates ``format`` values that do not match;
2. redraws the rows that still break a rule (comparisons, fixed combinations,
   ``range`` with ``on_violation: reject``, repeated multi-column keys), in at most
   :data:`MAX_ROUNDS` rounds, then raises :class:`RuleError` naming the rule and the
   share of drawn rows that still broke it (with :class:`Strata`, a rebalanced
   sample's levels, each level's missing rows are redrawn from that level, so the
   counts stay exact);
3. generates one-column ``unique`` keys (from the ``format`` regex if the column
   has one, else a sequence or random tokens), unique over the whole sample, and
   nulls them where a ``null_if`` on the key says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl

from twinforge.encoders.common import simple_dtype
from twinforge.io.schema import ColumnKind, TableSchema
from twinforge.rules.definitions import (
    FormatRule,
    NullIfRule,
    Rule,
    RuleError,
    RuleList,
    UniqueRule,
    parse_rules,
)
from twinforge.rules.regex import generate_from_regex

log = logging.getLogger(__name__)

MAX_ROUNDS = 20  # redraw rounds per chunk before a rule counts as impossible
DRAW_FACTOR = 50  # at most this many drawn rows per row asked for (and at least MIN_DRAWN_ROWS)
MIN_DRAWN_ROWS = 20_000
TOKEN_CHARS = 16  # random hex keys for a unique text column without a format rule
FORMAT_VERSION = 1

# A generator's sampling with its conditions: (rows, seed, chunk_rows) -> decoded chunks.
Draw = Callable[[int, int, int], Iterator[pl.DataFrame]]
# The same with exact row counts per stratum: (counts, seed, chunk_rows) -> decoded chunks.
DrawCounts = Callable[[list[int], int, int], Iterator[pl.DataFrame]]

_STRATUM = "\x00stratum"  # a drawn row's stratum, carried through the checks, dropped before output


@dataclass(frozen=True)
class Strata:
    """Groups of rows whose counts sampling keeps exact through the redraws (a rebalanced column's levels).

    ``of`` numbers each drawn row's group (0 to ``count - 1``); ``draw`` draws exactly the counts asked
    for of each group. A rule can reject one group's rows more often than another's: redrawing each
    group's missing rows keeps the requested counts.
    """

    count: int
    of: pl.Expr
    draw: DrawCounts


@dataclass
class FittedRules:
    """A rule list with what it learned from the real data; plain JSON via :meth:`to_dict`."""

    rules: RuleList
    schema: TableSchema  # the training table's columns: output order and the dtypes of generated columns
    allowed: dict[int, list[list[str | None]]] = field(default_factory=dict)  # fixed_combinations index -> combos
    key_starts: dict[str, int] = field(default_factory=dict)  # integer unique column -> first generated value
    real_violation_rates: dict[str, float] = field(default_factory=dict)  # rule name -> share of real rows

    def warn_broken_by_real_rows(self) -> None:
        """Log each rule the training rows break: a generator's rows will meet it, so they differ from the real
        data there (said when fitting to generate; judging a twin reports the rates instead)."""
        for name, rate in self.real_violation_rates.items():
            if rate > 0:
                log.warning(
                    "rule %s is broken by %.2f%% of the real rows: synthetic rows meet it, so they differ from the "
                    "real data there",
                    name,
                    100 * rate,
                )

    # ------------------------------------------------------------------ the learning schema

    def learning_schema(self, schema: TableSchema) -> TableSchema:
        """``schema`` with the generated columns (formulas, one-column keys) marked never to learn."""
        generated = set(self.rules.generated_columns)
        return TableSchema(
            columns=tuple(replace(c, kind=ColumnKind.IDENTIFIER) if c.name in generated else c for c in schema.columns)
        )

    # ------------------------------------------------------------------ measuring

    def violation_rates(self, frame: pl.DataFrame) -> dict[str, float | None]:
        """Share of ``frame``'s rows breaking each rule (None: a column of the rule is missing)."""
        rates: dict[str, float | None] = {}
        for rule in self.rules:
            if any(c not in frame.columns for c in rule.columns) or frame.height == 0:
                rates[rule.name] = None
                continue
            try:
                holds = frame.select(self._holds(rule, frame).alias("holds")).get_column("holds")
            except pl.exceptions.PolarsError as error:  # its message may quote cell values: named, not shown
                raise RuleError(
                    f"field '{rule.label}': {rule.describe()!r} cannot be evaluated on the columns "
                    f"{', '.join(repr(c) for c in rule.columns)} ({type(error).__name__}: their types do not fit)"
                ) from None
            rates[rule.name] = float((~holds).sum() / frame.height)
        return rates

    def _holds(self, rule: Rule, frame: pl.DataFrame) -> pl.Expr:
        return rule.holds(frame.schema, self.allowed.get(rule.index)).fill_null(True)

    # ------------------------------------------------------------------ enforcing

    def enforce(
        self, draw: Draw, n: int, seed: int, chunk_rows: int, strata: Strata | None = None
    ) -> Iterator[pl.DataFrame]:
        """``n`` rows meeting every rule, ``chunk_rows`` at a time, from a generator's ``draw``.

        With ``strata``, each chunk keeps the count of each group it was drawn with.
        """
        state = _SampleState()
        for chunk_index, chunk in enumerate(draw(n, seed, chunk_rows)):
            yield self._enforce_chunk(chunk, chunk_index, draw, seed, chunk_rows, strata, state)

    def _enforce_chunk(
        self,
        chunk: pl.DataFrame,
        chunk_index: int,
        draw: Draw,
        seed: int,
        chunk_rows: int,
        strata: Strata | None,
        state: _SampleState,
    ) -> pl.DataFrame:
        if strata is not None:
            chunk = chunk.with_columns(strata.of.cast(pl.Int64).alias(_STRATUM))
        target = _group_counts(chunk, strata)  # rows of each group the chunk was drawn with
        drawn = target.copy()
        kept, violations = self._keep_valid(self.transform(chunk, _rng(seed, chunk_index, 0)), state)
        state.remember_keys(self.rules, kept)  # a redrawn row must not repeat a key kept already
        frames, rows, round_ = [kept], _group_counts(kept, strata), 0
        budget = max(chunk.height * DRAW_FACTOR, MIN_DRAWN_ROWS)
        while (rows < target).any():
            round_ += 1
            missing = target - rows
            rates = np.maximum(rows / np.maximum(drawn, 1), 1.0 / DRAW_FACTOR)
            requests = np.where(missing > 0, np.ceil(missing / rates * 1.1) + 16, 0).astype(np.int64)
            left = budget - int(drawn.sum())
            if round_ > MAX_ROUNDS or left <= 0:
                raise self._impossible(violations, int(drawn.sum()), round_ - 1)
            if requests.sum() > left:  # the last rows the budget allows, shared as asked
                requests = np.where(requests > 0, np.maximum(requests * left // requests.sum(), 1), 0)
            rng = _rng(seed, chunk_index, round_)
            extra_seed, extra_rows = _derived_seed(seed, chunk_index, round_), int(requests.sum())
            if strata is None:
                extras = draw(extra_rows, extra_seed, min(extra_rows, chunk_rows))
            else:  # each group's missing rows from that group
                extras = strata.draw(requests.tolist(), extra_seed, min(extra_rows, chunk_rows))
            for extra in extras:
                if strata is not None:
                    extra = extra.with_columns(strata.of.cast(pl.Int64).alias(_STRATUM))
                drawn += _group_counts(extra, strata)
                valid, more = self._keep_valid(self.transform(extra, rng), state)
                valid = _at_most(valid, target - rows, strata)
                state.remember_keys(self.rules, valid)
                for name, count in more.items():
                    violations[name] = violations.get(name, 0) + count
                frames.append(valid)
                rows += _group_counts(valid, strata)
        out = pl.concat(frames, how="vertical") if len(frames) > 1 else kept
        if strata is not None:
            out = out.drop(_STRATUM)
            if len(frames) > 1:  # the redrawn rows come last, grouped by what was missing: mix them in
                out = out.sample(fraction=1.0, shuffle=True, seed=_derived_seed(seed, chunk_index, -2))
        out = self._generate_keys(out, _rng(seed, chunk_index, -1), state)
        return self._in_order(out)

    def transform(self, chunk: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
        """Clip ranges, compute formulas, set null_if nulls, regenerate values off their format."""
        dtypes = self._dtypes_with_generated(chunk)
        clips = [
            r.clipped(chunk.schema[r.column])
            for r in self.rules.of_kind("range")
            if r.on_violation == "clip" and r.column in chunk.columns and r.column not in self.rules.derived_columns
        ]
        if clips:
            chunk = chunk.with_columns(clips)
        chunk = self._derive(chunk, dtypes)
        keys = self.rules.keys_from_nothing  # their null_if nulls are set with the keys (_generate_keys)
        nulls = [r for r in self.rules.of_kind("null_if") if r.column in chunk.columns and r.column not in keys]
        nulled = self._nulled(chunk, nulls)
        if nulled is not chunk:
            chunk = self._derive(nulled, dtypes)  # a formula reading a nulled column
        for rule in self.rules.of_kind("format"):
            if rule.column in self.rules.generated_columns:
                continue  # a generated key: made from the regex in _generate_keys
            chunk = self._formatted(chunk, rule, rng)
        return chunk

    def _derive(self, chunk: pl.DataFrame, dtypes: dict[str, pl.DataType]) -> pl.DataFrame:
        for rule in self.rules.of_kind("formula"):
            chunk = chunk.with_columns(
                rule.value({**dtypes, **chunk.schema, rule.column: dtypes[rule.column]}).alias(rule.column)
            )
            # a null_if on the derived column wins: the formula holds where the column is not null (as a
            # formula check reads nulls, and as the real data has it); later formulas read the nulls
            chunk = self._nulled(chunk, [r for r in self.rules.of_kind("null_if") if r.column == rule.column])
        return chunk

    def _nulled(self, chunk: pl.DataFrame, rules: list[NullIfRule]) -> pl.DataFrame:
        """``chunk`` with each rule's column null where its condition holds (``chunk`` itself if no rule)."""
        if not rules:
            return chunk
        return chunk.with_columns(
            [pl.when(r.condition(chunk.schema)).then(None).otherwise(pl.col(r.column)).alias(r.column) for r in rules]
        )

    def _formatted(self, chunk: pl.DataFrame, rule: FormatRule, rng: np.random.Generator) -> pl.DataFrame:
        if rule.column not in chunk.columns:
            values = generate_from_regex(rule.regex, chunk.height, rng)
            return chunk.with_columns(pl.Series(rule.column, values, dtype=pl.String))
        off = ~chunk.select(rule.holds(chunk.schema).alias("ok")).get_column("ok")
        count = int(off.sum())
        if count == 0:
            return chunk
        column = chunk.get_column(rule.column).cast(pl.String).to_list()
        fresh = iter(generate_from_regex(rule.regex, count, rng))
        replaced = [next(fresh) if bad else value for value, bad in zip(column, off.to_list())]
        return chunk.with_columns(pl.Series(rule.column, replaced, dtype=pl.String))

    def _keep_valid(self, chunk: pl.DataFrame, state: _SampleState) -> tuple[pl.DataFrame, dict[str, int]]:
        """The rows meeting every rule checked by redrawing, and how many rows broke each."""
        checks = {}
        for rule in self.rules:
            if self._met_by_keys(rule):
                continue
            check = self._holds(rule, chunk)
            if isinstance(rule, UniqueRule):  # nor a key an earlier chunk gave out
                given = state.seen.get("|".join(rule.key))
                if given:
                    check = check & ~pl.struct(rule.key).is_in([dict(zip(rule.key, k)) for k in given])
            checks[rule.name] = check
        if not checks:
            return chunk, {}
        flags = chunk.select([e.alias(name) for name, e in checks.items()])
        violations = {name: int((~flags.get_column(name)).sum()) for name in checks}
        valid = flags.select(pl.all_horizontal(pl.all())).to_series()
        return chunk.filter(valid), {k: v for k, v in violations.items() if v}

    def _met_by_keys(self, rule: Rule) -> bool:
        """Whether ``_generate_keys`` meets the rule (parse_rules refuses any other rule naming a generated key)."""
        keys = self.rules.keys_from_nothing
        if isinstance(rule, UniqueRule):  # a one-column key, or a key of several holding one (unique already)
            return any(c in keys for c in rule.key)
        if isinstance(rule, FormatRule | NullIfRule):
            return rule.column in keys
        return False

    def _impossible(self, violations: dict[str, int], drawn: int, rounds: int) -> RuleError:
        worst = sorted(violations.items(), key=lambda kv: -kv[1])
        described = "; ".join(f"{name}: {count / max(drawn, 1):.1%} of them break it" for name, count in worst)
        return RuleError(
            f"could not generate rows meeting the rules: {drawn:,} rows drawn in {rounds} redraw rounds, "
            f"too few meet every rule ({described or 'no rule broken'}); the model rarely produces rows that "
            "meet the rule, or the rule cannot be met"
        )

    def _generate_keys(self, chunk: pl.DataFrame, rng: np.random.Generator, state: _SampleState) -> pl.DataFrame:
        formats = {r.column: r.regex for r in self.rules.of_kind("format")}
        for rule in self.rules.of_kind("unique"):
            column = rule.generated_column
            if column is None:
                continue
            # a null_if on the key: those rows get no key (none is spent on them); its condition reads
            # only columns made already (parse_rules)
            nulled = [r.condition(chunk.schema) for r in self.rules.of_kind("null_if") if r.column == column]
            keyed = chunk.select(~pl.any_horizontal(nulled) if nulled else pl.repeat(True, chunk.height)).to_series()
            n = int(keyed.sum())
            dtype = self._dtype(column)
            if column in formats:
                values = state.fresh_from_regex(column, formats[column], n, rng, rule)
                series = pl.Series(column, values, dtype=pl.String)
            elif dtype.is_integer():
                start = state.next_key.get(column, self.key_starts.get(column, 1))
                series = pl.Series(column, np.arange(start, start + n), dtype=pl.Int64).cast(dtype)
                state.next_key[column] = start + n
            else:
                values = state.fresh_tokens(column, n, rng)
                series = pl.Series(column, values, dtype=pl.String)
            if n < chunk.height:
                series = pl.Series(column, [None] * chunk.height, dtype=series.dtype).scatter(
                    np.flatnonzero(keyed.to_numpy()), series
                )
            chunk = chunk.with_columns(series)
        return chunk

    def output_dtype(self, column: str) -> pl.DataType:
        """The dtype sampling gives a generated column."""
        return self._dtype(column)

    def _dtype(self, column: str) -> pl.DataType:
        if column not in self.schema:
            return pl.String  # a key the training table lacked: generated as text
        return simple_dtype(self.schema[column].dtype) or pl.String

    def _dtypes_with_generated(self, chunk: pl.DataFrame) -> dict[str, pl.DataType]:
        return {**{c: self._dtype(c) for c in self.rules.generated_columns}, **chunk.schema}

    def _in_order(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """The training table's column order; keys the training table lacked come first."""
        order = [c for c in self.schema.names if c in chunk.columns]
        extra = [c for c in chunk.columns if c not in order]
        return chunk.select([*extra, *order])

    # ------------------------------------------------------------------ plain JSON

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "rules": self.rules.to_spec(),
            "schema": self.schema.to_dict(),
            "allowed": {str(k): v for k, v in self.allowed.items()},
            "key_starts": dict(self.key_starts),
            "real_violation_rates": dict(self.real_violation_rates),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FittedRules:
        return cls(
            rules=parse_rules(d["rules"]),
            schema=TableSchema.from_dict(d["schema"]),
            allowed={int(k): [list(c) for c in v] for k, v in d.get("allowed", {}).items()},
            key_starts={str(k): int(v) for k, v in d.get("key_starts", {}).items()},
            real_violation_rates={str(k): float(v) for k, v in d.get("real_violation_rates", {}).items()},
        )


def fit_rules(
    rules: RuleList | Sequence[Any], df: pl.DataFrame, schema: TableSchema, *, rare_min_count: int
) -> FittedRules:
    """Check ``rules`` against the training table and learn what sampling needs (see the module docstring)."""
    rules = rules if isinstance(rules, RuleList) else parse_rules(list(rules))
    rules.check_columns(df.columns)
    rules.check_dtypes(df.schema)
    allowed: dict[int, list[list[Any]]] = {}
    for rule in rules.of_kind("fixed_combinations"):
        counts = df.group_by(list(rule.combination)).len()
        frequent = (
            counts.filter(pl.col("len") >= rare_min_count).drop("len").sort(list(rule.combination), nulls_last=True)
        )
        if frequent.height == 0:
            raise RuleError(
                f"{rule.name}: no combination of these columns is seen {rare_min_count} times or more in the real "
                "data, so none may be generated (rare combinations are never reproduced)"
            )
        # as text (polars' cast, as the check reads rows): JSON keeps dates, booleans and numbers exactly
        as_text = frequent.select([pl.col(c).cast(pl.String) for c in rule.combination])
        allowed[rule.index] = [list(row) for row in as_text.rows()]
    key_starts = {}
    for rule in rules.of_kind("unique"):
        column = rule.generated_column
        if column is not None and column in df.columns and df.schema[column].is_integer():
            top = df.get_column(column).max()
            key_starts[column] = int(top) + 1 if top is not None else 1  # never a real key
    fitted = FittedRules(rules=rules, schema=schema, allowed=allowed, key_starts=key_starts)
    rates = fitted.violation_rates(df)
    fitted.real_violation_rates = {k: v for k, v in rates.items() if v is not None}
    return fitted


def broken_rules(fitted: FittedRules) -> dict[str, float]:
    """The rules the real data breaks, with their violation rate."""
    return {k: v for k, v in fitted.real_violation_rates.items() if v > 0}


class _SampleState:
    """What stays unique across the chunks of one sample: generated keys and keys already given out."""

    def __init__(self):
        self.next_key: dict[str, int] = {}
        self.seen: dict[str, set] = {}

    def fresh_from_regex(self, column: str, regex: str, n: int, rng: np.random.Generator, rule: Rule) -> list[str]:
        seen = self.seen.setdefault(column, set())
        out: list[str] = []
        if n == 0:  # every row's key nulled by a null_if
            return out
        for _ in range(MAX_ROUNDS):
            for value in generate_from_regex(regex, max(2 * (n - len(out)), 16), rng):
                if value not in seen:
                    seen.add(value)
                    out.append(value)
                    if len(out) == n:
                        return out
        raise RuleError(
            f"{rule.name}: could not generate {n:,} more distinct values of {column!r} from the regex "
            f"{regex!r} ({len(seen):,} generated so far); the format allows too few values for this many rows"
        )

    def fresh_tokens(self, column: str, n: int, rng: np.random.Generator) -> list[str]:
        seen = self.seen.setdefault(column, set())
        out = []
        while len(out) < n:
            for value in generate_from_regex(f"[0-9a-f]{{{TOKEN_CHARS}}}", n - len(out), rng):
                if value not in seen:
                    seen.add(value)
                    out.append(value)
        return out

    def remember_keys(self, rules: RuleList, chunk: pl.DataFrame) -> None:
        """Multi-column keys kept so far: a row drawn later (in this chunk or a later one) repeating one is redrawn."""
        generated = set(rules.keys_from_nothing)
        for rule in rules.of_kind("unique"):
            if not generated.intersection(rule.key):  # a generated key is unique by construction
                seen = self.seen.setdefault("|".join(rule.key), set())
                seen.update(chunk.select(rule.key).rows())


def _group_counts(frame: pl.DataFrame, strata: Strata | None) -> np.ndarray:
    """Rows of each stratum in ``frame`` (one group, all rows, without strata)."""
    if strata is None:
        return np.array([frame.height], dtype=np.int64)
    return np.bincount(frame.get_column(_STRATUM).to_numpy(), minlength=strata.count).astype(np.int64)


def _at_most(frame: pl.DataFrame, room: np.ndarray, strata: Strata | None) -> pl.DataFrame:
    """The first ``room[i]`` rows of each group of ``frame``."""
    if strata is None:
        return frame.head(int(room[0]))
    limit = pl.col(_STRATUM).replace_strict(list(range(strata.count)), room.tolist(), return_dtype=pl.Int64)
    return frame.filter(pl.int_range(pl.len()).over(_STRATUM) < limit)


def _derived_seed(seed: int, *path: int) -> int:
    return int(np.random.SeedSequence([seed & 0xFFFFFFFF, *[p & 0xFFFFFFFF for p in path]]).generate_state(1)[0])


def _rng(seed: int, *path: int) -> np.random.Generator:
    return np.random.default_rng(_derived_seed(seed, 7, *path))


__all__ = ["Draw", "DrawCounts", "FittedRules", "Strata", "broken_rules", "fit_rules"]
