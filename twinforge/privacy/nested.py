"""Nested columns (structs, lists) opened up so that every leaf is inspected and anonymized.

Detection and the policy work on flat columns, so a table is flattened first:

* a struct becomes one column per field, named ``parent.field`` (recursively:
  ``subject.name.first``);
* a list of structs becomes one list column per field (``log.note`` holds each row's notes);
* a list of plain values stays a list column: detection looks at its elements, and the policy
  applies to each element (:func:`per_element`);
* what is still nested after that (a list of lists, an array of structs of lists ...) cannot be
  inspected value by value: :func:`inspectable` says so, and the policy drops such a column unless
  the spec names an action for it (fail closed).

Row count and row order never change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import polars as pl

SEPARATOR = "."


def inspectable(dtype: pl.DataType) -> bool:
    """A flat value of a type detection reads or that holds no text (numbers, booleans, dates and times), or a
    list of such values. Anything else (objects, extension types, types added later) is not."""
    if isinstance(dtype, (pl.List, pl.Array)):
        dtype = dtype.inner
    if dtype.is_nested():
        return False
    return (
        dtype.is_numeric()
        or dtype.is_temporal()
        or dtype in (pl.String, pl.Boolean, pl.Null)
        or isinstance(dtype, pl.Categorical | pl.Enum)
    )


def _leaves(expr: pl.Expr, dtype: pl.DataType, name: str) -> list[pl.Expr]:
    if isinstance(dtype, pl.Struct):
        return [
            e for f in dtype.fields for e in _leaves(expr.struct.field(f.name), f.dtype, f"{name}{SEPARATOR}{f.name}")
        ]
    if isinstance(dtype, pl.Array):
        return _leaves(expr.arr.to_list(), pl.List(dtype.inner), name)
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
        # one list column per field: element i of "log.note" is the note of element i of "log"
        return [
            e for f in dtype.inner.fields for e in _list_leaves(expr, [f.name], f.dtype, f"{name}{SEPARATOR}{f.name}")
        ]
    return [expr.alias(name)]


def _list_leaves(expr: pl.Expr, path: list[str], dtype: pl.DataType, name: str) -> list[pl.Expr]:
    if isinstance(dtype, pl.Struct):
        return [
            e for f in dtype.fields for e in _list_leaves(expr, [*path, f.name], f.dtype, f"{name}{SEPARATOR}{f.name}")
        ]
    element = pl.element()
    for field in path:
        element = element.struct.field(field)
    return [expr.list.eval(element).alias(name)]


def flatten_nested(table: pl.DataFrame) -> pl.DataFrame:
    """``table`` with its struct columns (and the structs inside lists) split into leaf columns.

    Raises ``ValueError`` when a leaf's name (``parent.field``) is already a column of the table.
    """
    if not any(dtype.is_nested() for dtype in table.dtypes):
        return table
    exprs = [e for name, dtype in table.schema.items() for e in _leaves(pl.col(name), dtype, name)]
    flat = table.select(exprs)
    names = flat.columns
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"flattening nested columns gives names that already exist: {duplicated}")
    return flat


# fields of a column declaration that only make sense together: a field's declaration takes a group whole from
# itself or from its struct, never half of each ("anonymize: generalize" without its "generalize:" block)
_DECLARATION_GROUPS = (("anonymize", "generalize", "min_count"), ("kind", "format"), ("bounds", "categories"))


def is_parent(name: str, names: Iterable[str]) -> bool:
    """Whether ``name`` is a struct (or JSON object) some of ``names`` were opened up from: ``subject`` of
    ``subject.email``, ``subject.name`` of ``subject.name.first``."""
    prefix = name + SEPARATOR
    return any(n.startswith(prefix) for n in names)


def leaf_declarations(columns: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The spec's column declarations with each one made on a struct applied to the fields opened up from it.

    ``columns`` maps names to :class:`~twinforge.config.spec.ColumnPolicy`; ``names`` are the columns once
    opened up (``subject.email``). A declaration on a name that is not among ``names`` but that some are opened
    up from (``subject``, or ``subject.name`` for ``subject.name.first``) is given to each of them: what a
    field declares itself wins, group by group (:data:`_DECLARATION_GROUPS`; ``anonymize: keep`` on
    ``subject.age`` beside ``subject: {anonymize: drop}`` keeps it), the nearest struct's declaration fills in
    the rest. Declarations of other names are left as they are. Raises ``ValueError`` naming the field when
    the merged declaration is not valid (``role: identifier`` on the struct, ``anonymize: keep`` on a field).
    """
    names = list(names)
    present = set(names)
    result = dict(columns)
    for name in names:
        parts = name.split(SEPARATOR)
        ancestors = [
            columns[p]
            for p in (SEPARATOR.join(parts[:i]) for i in range(len(parts) - 1, 0, -1))
            if p in columns and p not in present
        ]
        if not ancestors:
            continue
        own = columns.get(name)
        chain = [own, *ancestors] if own is not None else ancestors
        taken: dict[str, Any] = {}
        for declaration in chain:
            fields = type(declaration).model_fields
            groups = [g for g in _DECLARATION_GROUPS if g[0] in fields]
            grouped = {f for g in groups for f in g}
            groups += [(f,) for f in fields if f not in grouped]
            for group in groups:
                if not any(f in taken for f in group) and any(f in declaration.model_fields_set for f in group):
                    taken.update({f: getattr(declaration, f) for f in group})
        try:
            result[name] = type(chain[0])(**taken)
        except ValueError as error:
            first = error.errors()[0]["msg"] if hasattr(error, "errors") else str(error)
            first = first.removeprefix("Value error, ")
            raise ValueError(
                f"{name!r} takes the declaration of the struct it is a field of, and then: {first}"
            ) from None
    return result


def per_element(series: pl.Series, transform: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``transform`` applied to the elements of a list column, the lists rebuilt as they were
    (same lengths, nulls and empty lists kept); a plain column is transformed directly."""
    if isinstance(series.dtype, pl.Array):
        series = series.arr.to_list()
    if not isinstance(series.dtype, pl.List):
        return transform(series)
    lengths = series.list.len().fill_null(0)
    filled = lengths > 0
    elements = transform(series.filter(filled).explode().alias(series.name))
    rows = pl.int_range(0, series.len(), eager=True).filter(filled).repeat_by(lengths.filter(filled)).explode()
    lists = pl.DataFrame({"row": rows, "value": elements}).group_by("row", maintain_order=True).agg("value")
    rebuilt = (
        pl.DataFrame({"row": pl.int_range(0, series.len(), eager=True)})
        .join(lists, on="row", how="left")
        .get_column("value")
    )
    empty = pl.Series([[]], dtype=rebuilt.dtype)
    return (
        pl.select(
            pl.when(pl.lit(series).is_null())
            .then(None)
            .when(pl.lit(filled))
            .then(pl.lit(rebuilt))
            .otherwise(pl.lit(empty).first())
        )
        .to_series()
        .alias(series.name)
    )
