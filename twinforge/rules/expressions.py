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
        if isinstance(node, ast.Name):
            dtype = self.dtypes.get(node.id)
            if dtype is not None and dtype.is_temporal():
                return dtype
        return None

    def is_numeric(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            dtype = self.dtypes.get(node.id)
            return dtype is not None and dtype.is_numeric()
        if isinstance(node, ast.Constant):
            return isinstance(node.value, (int, float))
        return isinstance(node, (ast.BinOp, ast.UnaryOp))
