"""Candidate rules inferred from a table, each with its support (the share of rows meeting it).

:func:`suggest_rules` looks for

* orderings ``a >= b`` / ``a > b`` between number columns or between date columns;
* unique columns (no nulls, no repeated value): ``{unique: [id]}``;
* functional dependencies between text columns (each city has one country):
  ``{fixed_combinations: [city, country]}``;
* ``null_if`` patterns: a column null exactly when a text column is not one value;
* formulas ``a == b * c`` and ``a == b + c`` between number columns.

A candidate is listed when its support reaches ``min_support`` (default 99%). Candidates that
twinforge would refuse with the others are *left out* (:attr:`Suggestion.left_out` says why, and
:func:`format_suggestions` prints them as comments): a rule naming a one-column ``unique`` key
candidate (the key is generated after every other rule), a rule naming a column the anonymization
policy drops (``dropped``; a one-column key is still a candidate: it is generated from nothing), and
any candidate :func:`~twinforge.rules.parse_rules` refuses with the rest. The rules printed are
accepted together.
Suggestions quote column names and, for ``null_if``, one category of a text column
that the rule needs; never a row's values otherwise. A table above :data:`MAX_ROWS` rows
is measured on a seeded sample.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from twinforge.rules.definitions import RuleError, parse_rules
from twinforge.rules.expressions import EQUALITY_TOLERANCE

MIN_SUPPORT = 0.99
MAX_COLUMNS = 30  # columns of one type compared pairwise (the first ones)
MAX_LEVELS = 200  # a text column with more distinct values is not a fixed_combinations candidate
MIN_ROWS = 20  # fewer non-null rows tell nothing
MAX_FORMULA_COLUMNS = 12  # formulas are searched over triples of the first number columns
MAX_ROWS = 100_000  # a larger table is measured on a seeded sample of this many rows


@dataclass(frozen=True)
class Suggestion:
    rule: str | dict[str, Any]  # in the spec's syntax
    support: float  # share of the (non-null) rows meeting it
    rows: int  # rows it was measured on
    kind: str
    left_out: str | None = None  # why twinforge would refuse it with the others (None: printed as a rule)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "support": self.support,
            "rows": self.rows,
            "kind": self.kind,
            "left_out": self.left_out,
        }

    @property
    def columns(self) -> list[str]:
        return parse_rules([self.rule]).rules[0].columns


def suggest_rules(
    df: pl.DataFrame, min_support: float = MIN_SUPPORT, dropped: Mapping[str, str] | None = None
) -> list[Suggestion]:
    """Candidate rules for ``df``, best supported first within each kind; ``dropped`` maps the columns the
    anonymization policy drops to why (their candidates are left out, see the module docstring)."""
    return _leave_out_refused(_candidates(df, min_support), dict(dropped or {}))


def _leave_out_refused(found: list[Suggestion], dropped: dict[str, str]) -> list[Suggestion]:
    """``found`` with :attr:`Suggestion.left_out` set on the candidates twinforge would refuse with the others."""
    keys = {s.rule["unique"][0]: s for s in found if s.kind == "unique" and len(s.rule["unique"]) == 1}
    out = []
    for s in found:
        if s.kind == "unique" and len(s.rule["unique"]) == 1:
            out.append(s)  # generated from nothing, even when the policy drops its column
            continue
        gone = [c for c in s.columns if c in dropped]
        named = [c for c in s.columns if c in keys]
        if gone:
            why = f"{gone[0]!r} is dropped by the default anonymization policy ({dropped[gone[0]]})"
            s = replace(s, left_out=why)
        elif named:
            why = f"names {named[0]!r}, which {{unique: [{named[0]}]}} generates after every other rule is met"
            s = replace(s, left_out=why)
        out.append(s)
    while True:  # whatever else the rules parser refuses with the rest (none known; never printed)
        kept = [i for i, s in enumerate(out) if s.left_out is None]
        try:
            parse_rules([out[i].rule for i in kept])
            return out
        except RuleError as error:
            match = re.search(r"rules\[(\d+)\]", str(error))
            if match is None:
                raise
            i = kept[int(match.group(1))]
            out[i] = replace(out[i], left_out="twinforge refuses it with the rules above")


def _candidates(df: pl.DataFrame, min_support: float) -> list[Suggestion]:
    if df.height > MAX_ROWS:
        df = df.sample(MAX_ROWS, seed=0)
    numbers = [c for c, t in df.schema.items() if t.is_numeric() and t != pl.Boolean][:MAX_COLUMNS]
    dates = [c for c, t in df.schema.items() if t.is_temporal()][:MAX_COLUMNS]
    texts = [c for c, t in df.schema.items() if t in (pl.String, pl.Categorical, pl.Enum)][:MAX_COLUMNS]
    found = [
        *_orderings(df, numbers, min_support),
        *_orderings(df, dates, min_support),
        *_unique(df),
        *_dependencies(df, texts, min_support),
        *_null_ifs(df, texts, min_support),
        *_formulas(df, numbers[:MAX_FORMULA_COLUMNS], min_support),
    ]
    order = {"unique": 0, "comparison": 1, "formula": 2, "fixed_combinations": 3, "null_if": 4}
    return sorted(found, key=lambda s: (order[s.kind], -s.support))


def _orderings(df: pl.DataFrame, columns: list[str], min_support: float) -> list[Suggestion]:
    out = []
    for a, b in itertools.permutations(columns, 2):
        both = df.select(a, b).drop_nulls()
        if both.height < MIN_ROWS:
            continue
        stats = both.select(
            ge=(pl.col(a) >= pl.col(b)).mean(), gt=(pl.col(a) > pl.col(b)).mean(), eq=(pl.col(a) == pl.col(b)).mean()
        ).row(0, named=True)
        if stats["eq"] >= min_support:
            continue  # the same column twice, or nearly: not an ordering
        if stats["gt"] >= min_support:
            out.append(Suggestion(f"{a} > {b}", stats["gt"], both.height, "comparison"))
        elif stats["ge"] >= min_support:
            out.append(Suggestion(f"{a} >= {b}", stats["ge"], both.height, "comparison"))
    return out


def _unique(df: pl.DataFrame) -> list[Suggestion]:
    out = []
    for column, dtype in df.schema.items():
        if dtype.is_float() or dtype == pl.Boolean or dtype.is_temporal() or df.height < MIN_ROWS:
            continue
        series = df.get_column(column)
        if series.null_count() == 0 and series.n_unique() == df.height:
            out.append(Suggestion({"unique": [column]}, 1.0, df.height, "unique"))
    return out


def _dependencies(df: pl.DataFrame, columns: list[str], min_support: float) -> list[Suggestion]:
    """``a -> b``: the rows whose ``b`` is the most common one for their ``a`` make the support."""
    levels = {c: df.get_column(c).n_unique() for c in columns}
    candidates = [c for c in columns if 1 < levels[c] <= MAX_LEVELS]
    out = []
    for a, b in itertools.permutations(candidates, 2):
        if levels[a] <= levels[b]:
            continue  # a finer column determines a coarser one (city -> country)
        both = df.select(a, b).drop_nulls()
        if both.height < MIN_ROWS or both.get_column(b).n_unique() < 2:
            continue
        majority = both.group_by(a, b).len().group_by(a).agg(pl.col("len").max()).get_column("len").sum()
        support = majority / both.height
        if support >= min_support:
            out.append(Suggestion({"fixed_combinations": [a, b]}, float(support), both.height, "fixed_combinations"))
    return out


def _null_ifs(df: pl.DataFrame, texts: list[str], min_support: float) -> list[Suggestion]:
    """``column`` null exactly where ``s != value``, for a text column ``s`` and one of its values."""
    out = []
    with_nulls = [c for c in df.columns if 0 < df.get_column(c).null_count() < df.height]
    for column in with_nulls:
        present = df.get_column(column).is_not_null()
        for s in texts:
            if s == column or not 1 < df.get_column(s).n_unique() <= MAX_LEVELS:
                continue
            values = df.filter(present).get_column(s).drop_nulls()
            if values.len() < MIN_ROWS or values.n_unique() != 1:
                continue
            value = values[0]
            holds = df.select(((pl.col(s) == value) | pl.col(column).is_null()).fill_null(True)).to_series()
            exact = df.select((pl.col(s) == value).fill_null(False) == pl.col(column).is_not_null()).to_series()
            support = float(exact.mean())
            if support >= min_support and bool(holds.all()):
                quoted = str(value).replace("'", "\\'")
                rule = {"null_if": {"column": column, "when": f"{s} != '{quoted}'"}}
                out.append(Suggestion(rule, support, df.height, "null_if"))
    return out


def _formulas(df: pl.DataFrame, columns: list[str], min_support: float) -> list[Suggestion]:
    out = []
    for a in columns:
        others = [c for c in columns if c != a]
        for b, c in itertools.combinations(others, 2):
            for op, expr in (("*", pl.col(b) * pl.col(c)), ("+", pl.col(b) + pl.col(c))):
                rows = df.select(a, b, c).drop_nulls()
                if rows.height < MIN_ROWS:
                    continue
                diff = (pl.col(a) - expr).abs() <= EQUALITY_TOLERANCE * (1.0 + expr.abs()) + 1e-6
                support = float(rows.select(diff.mean()).item())
                if support >= min_support:
                    out.append(Suggestion(f"{a} == {b} {op} {c}", support, rows.height, "formula"))
    return out


def format_suggestions(suggestions: list[Suggestion]) -> str:
    """One YAML-ready line per suggestion, with its support as a comment; the candidates left out follow as
    comments, each with why."""
    if not suggestions:
        return "# no candidate rule reaches the support threshold"
    kept = [s for s in suggestions if s.left_out is None]
    left_out = [s for s in suggestions if s.left_out is not None]
    lines = ["rules:" if kept else "rules: []"]
    for s in kept:
        lines.append(f"  - {_spec_text(s.rule):<70} # support {s.support:.2%} of {s.rows:,} rows")
    if left_out:
        lines.append("# left out: candidates twinforge would refuse with the rules above")
        for s in left_out:
            lines.append(f"#   - {_spec_text(s.rule):<68} # support {s.support:.2%}; {s.left_out}")
    return "\n".join(lines)


def _spec_text(rule: str | dict[str, Any]) -> str:
    import json

    return json.dumps(rule) if isinstance(rule, str) else _flow(rule)


def _flow(value: Any) -> str:
    """A YAML flow mapping, the spec's style: {unique: [id]}."""
    import json

    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, str) and (value.isidentifier()):
        return value
    return json.dumps(value)
