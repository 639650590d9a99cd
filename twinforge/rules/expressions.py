"""A small, safe expression language for rules, evaluated as polars expressions.

``"checkout_date >= checkin_date"``, ``"total == price * quantity"``,
``"status != 'cancelled' and discount <= 0.5 * price"``: Python syntax parsed by
:mod:`ast` and checked against a whitelist (column names, numbers, quoted strings,
``+ - * /``, unary minus, one comparison per operand pair, ``and`` / ``or``,
parentheses). Nothing is ever evaluated by Python: the tree becomes a polars
expression.

Nulls follow SQL: a comparison with a null operand is null (neither met nor
violated), and so is a division by zero; callers decide what a null outcome means.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

# `a == b` on numbers holds within this relative tolerance (plus the same absolute one), so that a
# total stored to float precision still equals price * quantity
EQUALITY_TOLERANCE = 1e-9

_COMPARISONS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class ExpressionError(ValueError):
    """An expression outside the rule language (the message says which part)."""


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, its syntax tree and the columns it reads."""

    text: str
    tree: ast.expr
    columns: frozenset[str]

    @property
    def comparison(self) -> tuple[ast.expr, str, ast.expr] | None:
        """(left, operator, right) when the whole expression is one comparison, else None."""
        if isinstance(self.tree, ast.Compare):
            return self.tree.left, _COMPARISONS[type(self.tree.ops[0])], self.tree.comparators[0]
        return None

    def to_polars(self, dtypes: Mapping[str, pl.DataType]) -> pl.Expr:
        """The polars expression, given the dtypes of the frame it runs on (for dates and equality)."""
        return _Translator(dtypes).expr(self.tree)

    def value_kind(self, dtypes: Mapping[str, pl.DataType]) -> str:
        """What the expression gives on a table of these dtypes: "number", "text", "date", "datetime", "boolean"
        or "condition"; :class:`ExpressionError` naming the column when its types do not fit (a text column
        compared with a number, arithmetic on text, a quoted date that is not a date). Columns missing from
        ``dtypes`` are not checked (their rule is refused for the unknown column)."""
        try:
            return _kind(self.tree, dtypes)
        except RecursionError:
            raise ExpressionError("an expression nested too deeply (parentheses or signs)") from None

    @property
    def is_condition(self) -> bool:
        """Whether the expression is a comparison, or comparisons joined by and / or."""
        return isinstance(self.tree, ast.Compare | ast.BoolOp)


def parse_expression(text: str) -> Expression:
    """Parse and check ``text``; :class:`ExpressionError` names what is not allowed."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(f"expected an expression as text, got {text!r}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
        columns: set[str] = set()
        _check(tree, columns)
    except SyntaxError as error:
        raise ExpressionError(f"not a valid expression ({error.msg})") from None
    except (MemoryError, RecursionError):  # Python's parser and the checks recurse per level of nesting
        raise ExpressionError("an expression nested too deeply (parentheses or signs)") from None
    return Expression(text=text.strip(), tree=tree, columns=frozenset(columns))


def parse_operand(node: ast.expr) -> Expression:
    """One side of a comparison as an expression of its own."""
    columns: set[str] = set()
    _check(node, columns)
    return Expression(text=ast.unparse(node), tree=node, columns=frozenset(columns))


def _check(node: ast.expr, columns: set[str]) -> None:
    if isinstance(node, ast.Name):
        columns.add(node.id)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float, str)):
            raise ExpressionError(f"only numbers and quoted strings are allowed as values, got {node.value!r}")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _ARITHMETIC:
            raise ExpressionError(f"operator {ast.unparse(node)!r} is not allowed (only + - * /)")
        _check(node.left, columns)
        _check(node.right, columns)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError(f"{ast.unparse(node)!r} is not allowed (only a leading minus)")
        _check(node.operand, columns)
    elif isinstance(node, ast.Compare):
        if len(node.ops) != 1:
            raise ExpressionError(f"{ast.unparse(node)!r}: one comparison at a time (join them with 'and')")
        if type(node.ops[0]) not in _COMPARISONS:
            raise ExpressionError(f"comparison {ast.unparse(node)!r} is not allowed (only == != < <= > >=)")
        _check(node.left, columns)
        _check(node.comparators[0], columns)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            if not isinstance(value, (ast.Compare, ast.BoolOp)):
                raise ExpressionError(f"'and' / 'or' join comparisons, got {ast.unparse(value)!r}")
            _check(value, columns)
    else:
        raise ExpressionError(
            f"{ast.unparse(node)!r} is not allowed: use column names, numbers, quoted strings, + - * /, "
            "comparisons, and / or"
        )


class _Translator:
    def __init__(self, dtypes: Mapping[str, pl.DataType]):
        self.dtypes = dtypes
        self.kinds: dict[int, str] = {}  # node id -> its kind, each node's found once

    def kind(self, node: ast.expr) -> str:
        return _kind(node, self.dtypes, check=False, memo=self.kinds)

    def expr(self, node: ast.expr) -> pl.Expr:
        if isinstance(node, ast.Name):
            if node.id not in self.dtypes:
                raise ExpressionError(f"unknown column {node.id!r}")
            return pl.col(node.id)
        if isinstance(node, ast.Constant):
            return pl.lit(node.value)
        if isinstance(node, ast.UnaryOp):
            inner = self.expr(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            left, right = self.expr(node.left), self.expr(node.right)
            op = _ARITHMETIC[type(node.op)]
            kinds = self.kind(node.left), self.kind(node.right)
            if kinds[0] in _TEMPORAL and kinds[1] in _TEMPORAL:  # date - date: the days between them
                return (left - right).dt.total_seconds(fractional=True) / 86_400.0
            if kinds[0] in _TEMPORAL:  # date +- a number of days
                return left + pl.duration(days=right) if op == "+" else left - pl.duration(days=right)
            if kinds[1] in _TEMPORAL:  # a number of days + date
                return right + pl.duration(days=left)
            if op == "/":  # as in SQL, a division by zero is null (never NaN nor inf)
                return pl.when(right != 0).then(left / right).otherwise(None)
            return {"+": left + right, "-": left - right, "*": left * right}[op]
        if isinstance(node, ast.BoolOp):
            parts = [self.expr(v) for v in node.values]
            return pl.all_horizontal(parts) if isinstance(node.op, ast.And) else pl.any_horizontal(parts)
        if isinstance(node, ast.Compare):
            return self.compare(node.left, _COMPARISONS[type(node.ops[0])], node.comparators[0])
        raise ExpressionError(f"{ast.unparse(node)!r} is not allowed")  # _check refused it already

    def operand(self, node: ast.expr, other: ast.expr) -> pl.Expr:
        """A side of a comparison; a quoted date compared with a date column becomes a date."""
        temporal = self.temporal_dtype(other)
        if temporal is not None and isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = pl.lit(node.value)
            return text.str.to_date() if temporal == pl.Date else text.str.to_datetime().cast(temporal)
        return self.expr(node)

    def compare(self, left_node: ast.expr, op: str, right_node: ast.expr) -> pl.Expr:
        left, right = self.operand(left_node, right_node), self.operand(right_node, left_node)
        if op in ("==", "!=") and self.is_numeric(left_node) and self.is_numeric(right_node):
            close = (left - right).abs() <= EQUALITY_TOLERANCE * (1.0 + right.abs())
            return close if op == "==" else ~close
        return {
            "==": left == right,
            "!=": left != right,
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
        }[op]

    def temporal_dtype(self, node: ast.expr) -> pl.DataType | None:
        return _temporal_dtype(node, self.dtypes)

    def is_numeric(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            dtype = self.dtypes.get(node.id)
            return dtype is not None and dtype.is_numeric()
        if isinstance(node, ast.Constant):
            return isinstance(node.value, (int, float))
        return isinstance(node, (ast.BinOp, ast.UnaryOp)) and self.kind(node) not in _TEMPORAL


# ---------------------------------------------------------------------------------------------- value kinds

_TEMPORAL = ("date", "datetime")
_ORDERED = {("number", "number"), ("number", "boolean"), ("boolean", "number"), ("boolean", "boolean")}


def _temporal_dtype(node: ast.expr, dtypes: Mapping[str, pl.DataType]) -> pl.DataType | None:
    """The date or datetime dtype ``node`` gives: a temporal column, or a date plus or minus days."""
    if isinstance(node, ast.Name):
        dtype = dtypes.get(node.id)
        return dtype if dtype is not None and dtype.is_temporal() and dtype != pl.Time else None
    if isinstance(node, ast.BinOp):
        left, right = _temporal_dtype(node.left, dtypes), _temporal_dtype(node.right, dtypes)
        return None if left is not None and right is not None else left or right
    return None


def _column_kind(dtype: pl.DataType) -> str:
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_numeric():
        return "number"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype in (pl.String, pl.Categorical, pl.Enum) or isinstance(dtype, pl.Categorical | pl.Enum):
        return "text"
    return str(dtype)


def _described(node: ast.expr, kind: str) -> str:
    """``'city' (text)``: an operand and its kind, for messages; a quoted string is not repeated."""
    if isinstance(node, ast.Name):
        return f"column {node.id!r} ({kind} values)"
    if isinstance(node, ast.Constant):
        return "a quoted text" if isinstance(node.value, str) else "a number"
    return f"{ast.unparse(node)!r} ({kind})"


def _kind(
    node: ast.expr, dtypes: Mapping[str, pl.DataType], check: bool = True, memo: dict[int, str] | None = None
) -> str:
    """The kind of value ``node`` gives (see :meth:`Expression.value_kind`); with ``check=False`` no error.

    ``memo`` keeps each node's kind (node id -> kind) across calls on parts of one tree. One stack frame per
    level of the tree, as the parser's checks.
    """
    if memo is not None and id(node) in memo:
        return memo[id(node)]
    if isinstance(node, ast.UnaryOp):
        parts = [node.operand]
    elif isinstance(node, ast.BinOp):
        parts = [node.left, node.right]
    elif isinstance(node, ast.Compare):
        parts = [node.left, node.comparators[0]]
    elif isinstance(node, ast.BoolOp):
        parts = list(node.values)
    else:
        parts = []
    kinds = []
    for part in parts:  # a loop, not a comprehension: no stack frame of its own
        kinds.append(_kind(part, dtypes, check, memo))
    kind = _node_kind(node, kinds, dtypes, check)
    if memo is not None:
        memo[id(node)] = kind
    return kind


def _node_kind(node: ast.expr, kinds: list[str], dtypes: Mapping[str, pl.DataType], check: bool) -> str:
    """The kind of ``node`` given its parts' ``kinds`` (see :func:`_kind`)."""
    if isinstance(node, ast.Name):
        dtype = dtypes.get(node.id)
        return "unknown" if dtype is None else _column_kind(dtype)
    if isinstance(node, ast.Constant):
        return "text" if isinstance(node.value, str) else "number"
    if isinstance(node, ast.UnaryOp):
        if check and kinds[0] not in ("number", "unknown"):
            raise ExpressionError(f"a sign applies to numbers, not to {_described(node.operand, kinds[0])}")
        return "number"
    if isinstance(node, ast.BinOp):
        op = _ARITHMETIC[type(node.op)]
        left, right = kinds
        if "unknown" in (left, right):
            return left if right == "unknown" else right
        if left == right == "number":
            return "number"
        if left in _TEMPORAL and right in _TEMPORAL and op == "-":
            return "number"  # the days between two dates
        if left in _TEMPORAL and right == "number" and op in "+-":
            return left  # a date plus or minus a number of days
        if left == "number" and right in _TEMPORAL and op == "+":
            return right
        if check:
            raise ExpressionError(
                f"{op!r} between {_described(node.left, left)} and {_described(node.right, right)}: arithmetic is "
                "on numbers, and on dates plus or minus a number of days or a date minus a date (in days)"
            )
        return "unknown"
    if isinstance(node, ast.Compare):
        left, right = kinds
        if check and "unknown" not in (left, right):
            _check_comparable(node.left, left, node.comparators[0], right, dtypes)
        return "condition"
    if isinstance(node, ast.BoolOp):
        return "condition"
    return "unknown"


def _check_comparable(
    left_node: ast.expr, left: str, right_node: ast.expr, right: str, dtypes: Mapping[str, pl.DataType]
) -> None:
    for node, other_node in ((left_node, right_node), (right_node, left_node)):
        temporal = _temporal_dtype(other_node, dtypes)
        if temporal is not None and isinstance(node, ast.Constant) and isinstance(node.value, str):
            if not _is_iso(node.value, temporal):
                raise ExpressionError(
                    f"{_described(other_node, _kind(other_node, dtypes, False))} is compared with a quoted text that "
                    f"is not an ISO {'date' if temporal == pl.Date else 'date-time'} (such as '2024-01-31')"
                )
            return
    if left == right or (left, right) in _ORDERED:  # values of one kind (times, durations too)
        return
    if left in _TEMPORAL and right in _TEMPORAL:
        return
    raise ExpressionError(
        f"{_described(left_node, left)} is compared with {_described(right_node, right)}: a comparison is between "
        "numbers, texts, or dates (a quoted ISO date compares with a date)"
    )


def _is_iso(text: str, dtype: pl.DataType) -> bool:
    """Whether polars reads ``text`` as a date (or date-time) as :meth:`_Translator.operand` does."""
    literal = pl.lit(text)
    try:
        pl.select(literal.str.to_date() if dtype == pl.Date else literal.str.to_datetime())
    except pl.exceptions.PolarsError:
        return False
    return True
