"""Candidate rules inferred from a table, each with its support (the share of rows meeting it).

:func:`suggest_rules` looks for

* orderings ``a >= b`` / ``a > b`` between number columns or between date columns;
* unique columns (no nulls, no repeated value): ``{unique: [id]}``;
* functional dependencies between text columns (each city has one country):
  ``{fixed_combinations: [city, country]}``;
* ``null_if`` patterns: a column null exactly when a text column is not one value;
* formulas ``a == b * c`` and ``a == b + c`` between number columns.

A candidate is listed when its support reaches ``min_support`` (default 99%).
Suggestions quote column names and, for ``null_if``, one category of a text column
that the rule needs; never a row's values otherwise. A table above :data:`MAX_ROWS` rows
is measured on a seeded sample.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import polars as pl

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

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "support": self.support, "rows": self.rows, "kind": self.kind}


def suggest_rules(df: pl.DataFrame, min_support: float = MIN_SUPPORT) -> list[Suggestion]:
    """Candidate rules for ``df``, best supported first within each kind."""
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
    """One YAML-ready line per suggestion, with its support as a comment."""
    import json

    if not suggestions:
        return "# no candidate rule reaches the support threshold"
    lines = ["rules:"]
    for s in suggestions:
        rule = json.dumps(s.rule) if isinstance(s.rule, str) else _flow(s.rule)
        lines.append(f"  - {rule:<70} # support {s.support:.2%} of {s.rows:,} rows")
    return "\n".join(lines)


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
