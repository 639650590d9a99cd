"""Business rules as a spec declares them, checked, and what "the rule holds" means on a table.

The ``rules:`` list of a dataset spec (and of ``twinforge synth --rules FILE``)::

    rules:
      - "checkout_date >= checkin_date"        # comparison between columns (numbers, dates)
      - "total == price * quantity"            # formula: the left column is derived, not learned
      - "discount <= 0.5 * price"              # arithmetic on either side
      - {fixed_combinations: [city, country]}  # only combinations seen in the real data
      - {unique: [order_id]}                   # generated unique, never copied from the data
      - {format: {column: order_id, regex: "ORD-[0-9]{6}"}}
      - {null_if: {column: cancel_reason, when: "status != 'cancelled'"}}
      - {range: {column: age, min: 0, max: 120}}

:func:`parse_rules` turns that list into :class:`Rule` objects; an error names the
entry (``rules[2]``) and what is wrong. :meth:`Rule.holds` is the polars expression
that is true on rows meeting the rule (null operands meet it, as in SQL ``CHECK``).
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import polars as pl

from twinforge.io.schema import dtype_name
from twinforge.rules.expressions import Expression, ExpressionError, parse_expression, parse_operand
from twinforge.rules.regex import RegexError, check_regex

RULE_KINDS = ("comparison", "formula", "fixed_combinations", "unique", "format", "null_if", "range")


class RuleError(ValueError):
    """A rule that cannot be used, or a rule sampling cannot meet; the message names the rule."""


@dataclass(frozen=True)
class Rule:
    """One declared rule; ``index`` is its position in the ``rules:`` list."""

    index: int
    kind: ClassVar[str]

    @property
    def label(self) -> str:
        """``rules[2]``: where the rule is declared."""
        return f"rules[{self.index}]"

    @property
    def name(self) -> str:
        """A short readable form, unique within a list: ``rules[0] checkout_date >= checkin_date``."""
        return f"{self.label} {self.describe()}"

    def describe(self) -> str:
        raise NotImplementedError

    @property
    def columns(self) -> list[str]:
        """Every column the rule reads or writes."""
        raise NotImplementedError

    def to_spec(self) -> str | dict[str, Any]:
        """The rule in the spec's syntax (what :func:`parse_rules` reads back)."""
        raise NotImplementedError

    def holds(self, dtypes: Mapping[str, pl.DataType], allowed: list[list[Any]] | None = None) -> pl.Expr:
        """True on rows meeting the rule; ``allowed`` is the fitted set of a ``fixed_combinations`` rule."""
        raise NotImplementedError


@dataclass(frozen=True)
class ComparisonRule(Rule):
    """A condition every row meets (``a >= b``, ``a <= 0.5 * b``, ``x > 0 and y > 0``)."""

    expression: Expression
    kind: ClassVar[str] = "comparison"

    def describe(self) -> str:
        return self.expression.text

    @property
    def columns(self) -> list[str]:
        return sorted(self.expression.columns)

    def to_spec(self) -> str:
        return self.expression.text

    def holds(self, dtypes, allowed=None) -> pl.Expr:
        return self.expression.to_polars(dtypes).fill_null(True)


@dataclass(frozen=True)
class FormulaRule(Rule):
    """``column == expression``: the column is computed from the others, never learned."""

    column: str
    formula: Expression
    text: str
    kind: ClassVar[str] = "formula"

    def describe(self) -> str:
        return self.text

    @property
    def columns(self) -> list[str]:
        return [self.column, *sorted(self.formula.columns)]

    def to_spec(self) -> str:
        return self.text

    def holds(self, dtypes, allowed=None) -> pl.Expr:
        dtype = dtypes.get(self.column)
        if dtype is not None and dtype.is_integer():
            # an integer column holds the formula's rounded value (what sampling writes): exact equality
            return (pl.col(self.column) == self._computed(dtypes)).fill_null(True)
        check = parse_expression(f"{self.column} == ({self.formula.text})")
        return check.to_polars(dtypes).fill_null(True)

    def value(self, dtypes: Mapping[str, pl.DataType]) -> pl.Expr:
        """The derived values, in the column's dtype (integers rounded); null where the formula is (a division by
        zero) or overflows to an infinite number: a twin holds no NaN nor inf."""
        dtype = dtypes.get(self.column)
        computed = self._computed(dtypes)
        return computed.cast(dtype) if dtype is not None else computed

    def _computed(self, dtypes: Mapping[str, pl.DataType]) -> pl.Expr:
        """The formula's values before the cast to the column's dtype: finite, rounded for an integer column."""
        computed = self.formula.to_polars(dtypes)
        dtype = dtypes.get(self.column)
        if dtype is not None and dtype.is_numeric():
            computed = pl.when(computed.is_finite()).then(computed).otherwise(None)
        if dtype is not None and dtype.is_integer():
            computed = computed.round(0)
        return computed


@dataclass(frozen=True)
class FixedCombinationsRule(Rule):
    """Only combinations of these columns' values seen (often enough) in the real data."""

    combination: tuple[str, ...]
    kind: ClassVar[str] = "fixed_combinations"

    def describe(self) -> str:
        return f"fixed_combinations: [{', '.join(self.combination)}]"

    @property
    def columns(self) -> list[str]:
        return list(self.combination)

    def to_spec(self) -> dict[str, Any]:
        return {"fixed_combinations": list(self.combination)}

    def holds(self, dtypes, allowed=None) -> pl.Expr:
        if allowed is None:
            raise RuleError(f"{self.name}: the rule is not fitted (its allowed combinations come from real data)")
        key = _combination_key(self.combination, dtypes)
        return key.is_in([_key_text(c) for c in allowed])


@dataclass(frozen=True)
class UniqueRule(Rule):
    """No two rows share these columns' values; one column is generated, never copied from the data."""

    key: tuple[str, ...]
    kind: ClassVar[str] = "unique"

    def describe(self) -> str:
        return f"unique: [{', '.join(self.key)}]"

    @property
    def columns(self) -> list[str]:
        return list(self.key)

    def to_spec(self) -> dict[str, Any]:
        return {"unique": list(self.key)}

    @property
    def generated_column(self) -> str | None:
        """The column sampling generates (one-column keys), else None (rows with repeated keys are redrawn)."""
        return self.key[0] if len(self.key) == 1 else None

    def holds(self, dtypes, allowed=None) -> pl.Expr:
        cols = [pl.col(c) for c in self.key]
        has_null = pl.any_horizontal([c.is_null() for c in cols])
        return has_null | ~pl.struct(cols).is_duplicated()


@dataclass(frozen=True)
class FormatRule(Rule):
    """A column's non-null values fully match a regular expression; sampling generates them from it."""

    column: str
    regex: str
    kind: ClassVar[str] = "format"

    def describe(self) -> str:
        return f"format: {self.column} ~ {self.regex}"

    @property
    def columns(self) -> list[str]:
        return [self.column]

    def to_spec(self) -> dict[str, Any]:
        return {"format": {"column": self.column, "regex": self.regex}}

    def holds(self, dtypes, allowed=None) -> pl.Expr:
        col = pl.col(self.column)
        return col.is_null() | col.cast(pl.String).str.contains(f"^(?:{self.regex})$")


@dataclass(frozen=True)
class NullIfRule(Rule):
    """A column is null on the rows where a condition holds."""

    column: str
    when: Expression
    kind: ClassVar[str] = "null_if"

    def describe(self) -> str:
        return f"null_if: {self.column} when {self.when.text}"

    @property
    def columns(self) -> list[str]:
        return [self.column, *sorted(self.when.columns - {self.column})]

    def to_spec(self) -> dict[str, Any]:
        return {"null_if": {"column": self.column, "when": self.when.text}}

    def condition(self, dtypes) -> pl.Expr:
        return self.when.to_polars(dtypes).fill_null(False)

    def holds(self, dtypes, allowed=None) -> pl.Expr:
        return ~self.condition(dtypes) | pl.col(self.column).is_null()


@dataclass(frozen=True)
class RangeRule(Rule):
    """A column's values lie within [min, max]; sampling clips them (``on_violation: clip``) or redraws rows."""

    column: str
    min: float | str | None = None
    max: float | str | None = None
    on_violation: str = "clip"
    kind: ClassVar[str] = "range"

    def describe(self) -> str:
        low = self.min if self.min is not None else "-inf"
        high = self.max if self.max is not None else "inf"
        return f"range: {low} <= {self.column} <= {high}"

    @property
    def columns(self) -> list[str]:
        return [self.column]

    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"column": self.column}
        for name in ("min", "max"):
            if getattr(self, name) is not None:
                spec[name] = getattr(self, name)
        if self.on_violation != "clip":
            spec["on_violation"] = self.on_violation
        return {"range": spec}

    def bounds(self, dtype: pl.DataType) -> tuple[Any, Any]:
        """The bounds as values of the column's dtype (dates from ISO text)."""
        return _bound(self.min, dtype), _bound(self.max, dtype)

    def holds(self, dtypes, allowed=None) -> pl.Expr:
        low, high = self.bounds(dtypes[self.column])
        col = pl.col(self.column)
        inside = pl.lit(True)  # parse_rules makes sure at least one bound is given
        if low is not None:
            inside = inside & (col >= low)
        if high is not None:
            inside = inside & (col <= high)
        return col.is_null() | inside

    def clipped(self, dtype: pl.DataType) -> pl.Expr:
        low, high = self.bounds(dtype)
        return pl.col(self.column).clip(low, high)


def _bound(value: Any, dtype: pl.DataType) -> Any:
    if value is None or not isinstance(value, str):
        return value
    if dtype == pl.Date:
        return dt.date.fromisoformat(value)
    return dt.datetime.fromisoformat(value)


def _is_iso_date(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _combination_key(columns: Sequence[str], dtypes: Mapping[str, pl.DataType]) -> pl.Expr:
    """One string per row naming its combination (nulls spelled out), comparable with :func:`_key_text`."""
    parts = [pl.col(c).cast(pl.String).fill_null("\x00null") for c in columns]
    return pl.concat_str(parts, separator="\x1f")


def _key_text(combination: Sequence[Any]) -> str:
    return "\x1f".join("\x00null" if v is None else str(v) for v in combination)


@dataclass(frozen=True)
class RuleList:
    """The parsed ``rules:`` list."""

    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def of_kind(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind]

    @property
    def derived_columns(self) -> list[str]:
        """Columns computed by a formula."""
        return [r.column for r in self.of_kind("formula")]

    @property
    def generated_columns(self) -> list[str]:
        """Columns sampling makes itself: derived by a formula, or a one-column unique key."""
        return list(dict.fromkeys([*self.derived_columns, *self.keys_from_nothing]))

    @property
    def generated_keys(self) -> dict[str, UniqueRule]:
        """Generated key columns that need no real values (one-column unique keys, with or without a format),
        with their rules."""
        return {r.generated_column: r for r in self.of_kind("unique") if r.generated_column}

    @property
    def keys_from_nothing(self) -> list[str]:
        return list(self.generated_keys)

    def check_columns(self, columns: Sequence[str]) -> None:
        """RuleError naming the rule and the column when a rule names a column the table lacks.

        A one-column ``unique`` key (and its ``format``) may name a column the table lacks (an identifier
        anonymization dropped): sampling generates it from nothing.
        """
        known = set(columns) | set(self.keys_from_nothing)
        for rule in self.rules:
            unknown = [c for c in rule.columns if c not in known]
            if unknown:
                raise RuleError(
                    f"field '{rule.label}': unknown column {unknown[0]!r} in {rule.describe()!r} "
                    f"(columns: {', '.join(columns)})"
                )

    def check_dtypes(self, dtypes: Mapping[str, pl.DataType]) -> None:
        """RuleError for a rule whose types do not fit the table's (:meth:`check_types`), or that would turn a
        column into values of another type: a ``format`` makes text from its regex, and a generated one-column
        key makes integers or text."""
        self.check_types(dtypes)
        keys = self.generated_keys
        for rule in self.rules:
            if isinstance(rule, FormatRule) and rule.column in dtypes and dtypes[rule.column] != pl.String:
                raise RuleError(
                    f"field '{rule.label}': {rule.describe()!r} makes text from its regex, but {rule.column!r} holds "
                    f"{_values_of(dtypes[rule.column])} values, which it would turn into text (a range rule bounds "
                    "numbers and dates; or declare the column 'kind: text' under columns:)"
                )
            column = rule.generated_column if isinstance(rule, UniqueRule) else None
            if column in keys and column in dtypes and not (dtypes[column] == pl.String or dtypes[column].is_integer()):
                raise RuleError(
                    f"field '{rule.label}': {rule.describe()!r} generates its column from nothing (integers in "
                    f"sequence, or text tokens or its format), but {column!r} holds {_values_of(dtypes[column])} "
                    "values, which it would replace (a key of several columns is checked and redrawn instead)"
                )

    def check_types(self, dtypes: Mapping[str, pl.DataType]) -> None:
        """RuleError naming the rule and the column when a rule's types do not fit the table's: a text column
        compared with a number, arithmetic on text, a quoted date that is not one, a formula giving values of
        another kind than its column's, a range on a column that is neither numbers nor dates or with bounds
        of another kind. Never quotes a value of the table."""
        for rule in self.rules:
            try:
                _check_rule_types(rule, dtypes)
            except ExpressionError as error:
                raise RuleError(f"field '{rule.label}': {rule.describe()!r}: {error}") from None

    def to_spec(self) -> list[str | dict[str, Any]]:
        return [r.to_spec() for r in self.rules]


def _check_rule_types(rule: Rule, dtypes: Mapping[str, pl.DataType]) -> None:
    """ExpressionError when ``rule`` cannot be evaluated on columns of these dtypes (see RuleList.check_types)."""
    if isinstance(rule, ComparisonRule):
        rule.expression.value_kind(dtypes)
    elif isinstance(rule, NullIfRule):
        rule.when.value_kind(dtypes)
    elif isinstance(rule, FormulaRule):
        kind = rule.formula.value_kind(dtypes)
        dtype = dtypes.get(rule.column)
        column = _values_of(dtype) if dtype is not None else None
        fits = {"integer": ("number",), "float": ("number",), "date": ("date",), "datetime": ("date", "datetime")}
        if column is not None and kind != "unknown" and kind not in fits.get(column, ()):
            raise ExpressionError(
                f"the formula gives {kind} values, but {rule.column!r} holds {column} values (a formula computes "
                "numbers for a number column, or dates plus or minus days for a date column)"
            )
    elif isinstance(rule, RangeRule) and rule.column in dtypes:
        dtype = dtypes[rule.column]
        temporal = dtype == pl.Date or isinstance(dtype, pl.Datetime)
        if not (temporal or (dtype.is_numeric() and dtype != pl.Boolean)):
            raise ExpressionError(
                f"a range bounds numbers or dates, but {rule.column!r} holds {_values_of(dtype)} values"
            )
        for name in ("min", "max"):
            bound = getattr(rule, name)
            if bound is None:
                continue
            if not temporal and isinstance(bound, str):
                raise ExpressionError(
                    f"{rule.column!r} holds {_values_of(dtype)} values: its '{name}' must be a number"
                )
            if temporal and not isinstance(bound, str):
                raise ExpressionError(f"{rule.column!r} holds date values: its '{name}' must be an ISO date")
            if temporal:
                try:
                    _bound(bound, dtype)
                except ValueError:
                    raise ExpressionError(
                        f"its '{name}' is not an ISO {_values_of(dtype)} for {rule.column!r} (such as '2024-01-31')"
                    ) from None


def _values_of(dtype: pl.DataType) -> str:
    """A dtype as a kind of value: "integer", "float", "date", "datetime", "boolean", or polars' name."""
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "float"
    names = {pl.Date: "date", pl.Datetime: "datetime", pl.Boolean: "boolean", pl.String: "text"}
    return next((word for base, word in names.items() if dtype == base or isinstance(dtype, base)), dtype_name(dtype))


def parse_rules(items: Any) -> RuleList:
    """Check a spec's ``rules:`` list; RuleError names the entry (``rules[2]``) and the problem."""
    if items is None:
        return RuleList()
    if not isinstance(items, list):
        raise RuleError(f"field 'rules': expected a list of rules, got {type(items).__name__}")
    rules = []
    for index, item in enumerate(items):
        try:
            rules.append(_parse_rule(index, item))
        except (RuleError, ExpressionError, RegexError) as error:
            raise RuleError(f"field 'rules[{index}]': {error}") from None
    derived = [r.column for r in rules if isinstance(r, FormulaRule)]
    twice = sorted({c for c in derived if derived.count(c) > 1})
    if twice:
        raise RuleError(f"field 'rules': column {twice[0]!r} is derived by more than one formula")
    for rule in rules:
        if isinstance(rule, FormulaRule):
            later = [c for c in rule.formula.columns if c in derived[derived.index(rule.column) :]]
            if later:
                raise RuleError(
                    f"field '{rule.label}': the formula reads {later[0]!r}, derived by itself or a later formula "
                    "(list formulas in the order they are computed)"
                )
    rule_list = RuleList(tuple(rules))
    _check_generated_keys(rule_list)
    return rule_list


def _check_generated_keys(rules: RuleList) -> None:
    """RuleError for a rule naming a generated one-column key that sampling cannot honour.

    Keys are generated after every other rule is met (so that they are unique over the whole sample): a
    rule can name one only where it needs no redrawing (its ``format``, a ``null_if`` on the key whose
    condition reads other columns, or a key of several columns, which the generated key makes unique).
    """
    keys = rules.generated_keys
    for rule in rules:
        if isinstance(rule, UniqueRule) or (isinstance(rule, FormatRule) and rule.column in keys):
            continue
        named = sorted(rule.when.columns if isinstance(rule, NullIfRule) and rule.column in keys else rule.columns)
        named = [c for c in named if c in keys]
        if named:
            raise RuleError(
                f"field '{rule.label}': {rule.describe()!r} names {named[0]!r}, the key {keys[named[0]].name} "
                "generates after every other rule is met, so the rule cannot be checked or redrawn; only a format, "
                "a key of several columns or a null_if on the key with a condition on other columns may name it"
            )


def _parse_rule(index: int, item: Any) -> Rule:
    if isinstance(item, str):
        return _parse_text_rule(index, item)
    if not isinstance(item, Mapping) or len(item) != 1:
        raise RuleError(
            f"expected a text rule or a mapping with one of {', '.join(RULE_KINDS[2:])}, got {_shape(item)}"
        )
    kind, body = next(iter(item.items()))
    if kind in ("fixed_combinations", "unique"):
        columns = _column_list(kind, body, minimum=2 if kind == "fixed_combinations" else 1)
        return (
            FixedCombinationsRule(index, tuple(columns))
            if kind == "fixed_combinations"
            else UniqueRule(index, tuple(columns))
        )
    if kind == "format":
        body = _fields(kind, body, required=("column", "regex"))
        if not isinstance(body["regex"], str):
            raise RuleError("format: 'regex' must be text")
        check_regex(body["regex"])
        return FormatRule(index, _column(kind, body["column"]), body["regex"])
    if kind == "null_if":
        body = _fields(kind, body, required=("column", "when"))
        when = parse_expression(body["when"])
        if not when.is_condition:
            raise RuleError(
                f"null_if: 'when' must be a condition, such as \"status != 'cancelled'\" or 'a > 0 and b > 0', "
                f"got {_shape(body['when'])}"
            )
        return NullIfRule(index, _column(kind, body["column"]), when)
    if kind == "range":
        body = _fields(kind, body, required=("column",), optional=("min", "max", "on_violation"))
        low, high = body.get("min"), body.get("max")
        for name, value in (("min", low), ("max", high)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float, str, dt.date))):
                raise RuleError(f"range: '{name}' must be a number or an ISO date, got {value!r}")
        low, high = (v.isoformat() if isinstance(v, dt.date) else v for v in (low, high))
        for name, value in (("min", low), ("max", high)):
            if isinstance(value, str) and not _is_iso_date(value):
                raise RuleError(
                    f"range: '{name}' must be a number or an ISO date (such as '2024-01-31'), got {_shape(value)}"
                )
        if low is None and high is None:
            raise RuleError("range: give 'min', 'max' or both")
        if low is not None and high is not None and type(low) is type(high) and low > high:
            raise RuleError(f"range: min {low!r} is above max {high!r}")
        on_violation = body.get("on_violation", "clip")
        if on_violation not in ("clip", "reject"):
            raise RuleError(f"range: 'on_violation' is clip or reject, got {on_violation!r}")
        return RangeRule(index, _column(kind, body["column"]), low, high, on_violation)
    raise RuleError(f"unknown rule kind {kind!r}; known: {', '.join(RULE_KINDS[2:])} (or a comparison as text)")


def _parse_text_rule(index: int, text: str) -> Rule:
    expression = parse_expression(text)
    comparison = expression.comparison
    if comparison is None:
        if isinstance(expression.tree, ast.BoolOp):
            return ComparisonRule(index, expression)
        raise RuleError(f"{text!r} is not a condition: write a comparison such as 'a >= b' or 'total == a * b'")
    left, op, right = comparison
    if op == "==" and isinstance(left, ast.Name) and not isinstance(right, ast.Name | ast.Constant):
        formula = parse_operand(right)
        if left.id in formula.columns:
            raise RuleError(f"{text!r}: the derived column {left.id!r} appears on both sides")
        return FormulaRule(index, left.id, formula, expression.text)
    return ComparisonRule(index, expression)


def _fields(kind: str, body: Any, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        raise RuleError(f"{kind}: expected a mapping with {', '.join(required)}, got {_shape(body)}")
    missing = [k for k in required if k not in body]
    unknown = [k for k in body if k not in (*required, *optional)]
    if missing:
        raise RuleError(f"{kind}: missing {', '.join(repr(k) for k in missing)}")
    if unknown:
        raise RuleError(f"{kind}: unknown field {unknown[0]!r} (fields: {', '.join([*required, *optional])})")
    return dict(body)


def _column(kind: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise RuleError(f"{kind}: 'column' must be a column name, got {_shape(value)}")
    return value


def _column_list(kind: str, body: Any, minimum: int) -> list[str]:
    if isinstance(body, str):
        body = [body]
    if not isinstance(body, list) or not all(isinstance(c, str) and c for c in body) or len(body) < minimum:
        raise RuleError(f"{kind}: expected a list of at least {minimum} column name(s), got {_shape(body)}")
    if len(set(body)) != len(body):
        raise RuleError(f"{kind}: a column is listed twice")
    return list(body)


def _shape(value: Any) -> str:
    """A description of a spec value that does not quote long text."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else f"a text of {len(value)} characters"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    if isinstance(value, Mapping):
        return f"a mapping with keys {sorted(map(str, value))}"
    return type(value).__name__


def load_rules(path: str | Path) -> RuleList:
    """The rules of a YAML file: a list in the spec's ``rules:`` syntax, or a mapping with a ``rules:`` key."""
    import yaml

    from twinforge.config.yaml_files import NESTED_TOO_DEEP, load_yaml

    path = Path(path)
    if not path.is_file():
        raise RuleError(f"rules file not found: {path}")
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RuleError(f"{path}: not valid YAML: {error}") from None
    except RecursionError:
        raise RuleError(f"{path}: not valid YAML: {NESTED_TOO_DEEP}") from None
    if isinstance(data, Mapping):
        others = sorted(str(k) for k in data if k != "rules")
        if others:
            raise RuleError(
                f"{path}: unknown key{'s' if len(others) > 1 else ''} {', '.join(others)}: a rules file holds the list "
                "of rules, alone or under `rules:`"
            )
        data = data.get("rules")
    if data is None or data == []:  # an empty file or an empty list is no rules file: a slip, not "no rules"
        raise RuleError(f"{path}: holds no rules (write the list of rules, alone or under `rules:`)")
    try:
        return parse_rules(data)
    except RuleError as error:
        raise RuleError(f"{path}: {error}") from None
