"""Process columns fitted to a training table, drawn into synthetic rows, saved as JSON.

:func:`fit_process_model` turns a spec's declarations into a :class:`ProcessModel`:
each column's canonical parameters for every group (declared, or fitted by maximum
likelihood on groups of at least ``rare_min_count`` rows) and a default (the
declared defaults, or the fit on all rows) for any other group, a null group
included. A generator learns the table without these columns
(:meth:`ProcessModel.learned_part`) and :meth:`ProcessModel.draw_into` adds them to
each synthetic chunk, drawn given each row's group. Rare group values are never
stored: a group of fewer rows has no entry of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import polars as pl

from twinforge.io.schema import ColumnKind, TableSchema
from twinforge.process import distributions
from twinforge.process.declaration import ProcessColumnSpec, group_key

GROUP_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)


# At most this many of a group column's values are named in an error about a declared group
NAMED_VALUES = 5


@dataclasses.dataclass(frozen=True)
class FittedProcessColumn:
    """One process column's parameters: per group, and a default for every other group."""

    name: str
    distribution: str
    by: str | None
    fitted: bool  # fitted on the training data (else declared in the spec)
    default: dict[str, float]
    groups: dict[str, dict[str, float]]
    dtype: str  # the training column's polars dtype: drawn values are given back in it

    def params_for(self, key: str | None) -> dict[str, float]:
        return self.groups.get(key, self.default) if key is not None else self.default

    def params_of_value(self, value: Any) -> dict[str, float]:
        """The parameters of a group column's ``value`` (a model saved before keys were canonical
        named a float code's group ``"2.0"``: found too)."""
        key = group_key(value)
        if key not in self.groups and value is not None and str(value) in self.groups:
            return self.groups[str(value)]
        return self.params_for(key)

    def draw(self, table: pl.DataFrame, rng: np.random.Generator) -> pl.Series:
        """One value per row of ``table``, from the parameters of the row's group."""
        values = np.empty(table.height, dtype=np.float64)
        if self.by is None:
            values[:] = distributions.draw(self.distribution, self.default, table.height, rng)
        else:
            groups = table.get_column(self.by)
            # a fixed order of groups, so the same seed gives the same values
            for value in sorted(groups.unique().to_list(), key=lambda v: (v is not None, str(v))):
                rows = (groups.is_null() if value is None else groups == value).fill_null(False).arg_true().to_numpy()
                values[rows] = distributions.draw(self.distribution, self.params_of_value(value), len(rows), rng)
        return _in_dtype(self.name, values, self.dtype)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FittedProcessColumn:
        if d["distribution"] not in distributions.DISTRIBUTIONS:
            raise ValueError(f"process column {d['name']!r}: unknown distribution {d['distribution']!r}")
        return cls(
            name=str(d["name"]),
            distribution=str(d["distribution"]),
            by=d.get("by"),
            fitted=bool(d["fitted"]),
            default={k: float(v) for k, v in d["default"].items()},
            groups={str(g): {k: float(v) for k, v in p.items()} for g, p in d.get("groups", {}).items()},
            dtype=str(d["dtype"]),
        )


@dataclasses.dataclass(frozen=True)
class ProcessModel:
    """Every process column of a table, and the training table's column order to put them back in."""

    columns: dict[str, FittedProcessColumn] = dataclasses.field(default_factory=dict)
    column_order: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.columns)

    def learned_part(self, df: pl.DataFrame, schema: TableSchema) -> tuple[pl.DataFrame, TableSchema]:
        """The table and schema a generator learns: without the process columns."""
        if not self.columns:
            return df, schema
        kept = tuple(c for c in schema.columns if c.name not in self.columns)
        return df.drop(list(self.columns)), TableSchema(columns=kept)

    def check_groups_generated(self, generated: list[str]) -> None:
        """Each ``by`` column must be among the columns a generator outputs; ValueError naming the field if not."""
        for column in self.columns.values():
            if column.by is not None and column.by not in generated:
                raise ValueError(
                    f"process_columns.{column.name}.by: column {column.by!r} is not generated (not modelled), "
                    "so the synthetic rows have no group to draw from"
                )

    def draw_into(self, chunk: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
        """``chunk`` with every process column drawn, in the training table's column order."""
        if not self.columns:
            return chunk
        drawn = chunk.with_columns([column.draw(chunk, rng) for column in self.columns.values()])
        return drawn.select([name for name in self.column_order if name in drawn.columns])

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [c.to_dict() for c in self.columns.values()], "column_order": list(self.column_order)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> ProcessModel:
        if not d:
            return cls()
        columns = [FittedProcessColumn.from_dict(c) for c in d["columns"]]
        return cls({c.name: c for c in columns}, tuple(str(n) for n in d["column_order"]))


def fit_process_model(
    declarations: Mapping[str, ProcessColumnSpec | Mapping[str, Any]] | None,
    df: pl.DataFrame,
    schema: TableSchema,
    *,
    rare_min_count: int,
    sensitive: Collection[str] = (),
) -> ProcessModel:
    """The parameters of each declared process column on the training table ``df``.

    Errors (ValueError) start with the spec field (``process_columns.<column>...``) and
    give counts, never a cell's value, except a declared group that no value of its ``by``
    column matches: the error names a value differing only in case, and up to
    :data:`NAMED_VALUES` of the column's common values (groups of ``rare_min_count`` rows
    or more), unless the column is in ``sensitive``.
    """
    if not declarations:
        return ProcessModel()
    specs = {
        name: spec if isinstance(spec, ProcessColumnSpec) else ProcessColumnSpec.model_validate(spec)
        for name, spec in declarations.items()
    }
    columns = {
        name: _fit_column(name, spec, df, schema, specs, rare_min_count, sensitive) for name, spec in specs.items()
    }
    return ProcessModel(columns, tuple(df.columns))


def _fit_column(
    name: str,
    spec: ProcessColumnSpec,
    df: pl.DataFrame,
    schema: TableSchema,
    specs: Mapping[str, ProcessColumnSpec],
    rare_min_count: int,
    sensitive: Collection[str],
) -> FittedProcessColumn:
    field = f"process_columns.{name}"
    if name not in df.columns:
        raise ValueError(f"{field}: the training table has no column {name!r} (dropped by anonymization?)")
    dtype = df.schema[name]
    if not dtype.is_numeric():
        raise ValueError(f"{field}: a process column holds numbers; {name!r} holds {dtype}")
    if spec.by is not None:
        _check_group_column(field, spec.by, df, schema, specs)
    if not spec.fit:
        if spec.by is not None and spec.groups:
            _check_declared_groups(field, spec, df, rare_min_count, spec.by in sensitive)
        groups = {group: spec.declared_params(group) for group in spec.groups}
        return FittedProcessColumn(name, spec.distribution, spec.by, False, spec.declared_params(), groups, str(dtype))
    values = df.select(pl.col(name).cast(pl.Float64), *([pl.col(spec.by)] if spec.by else []))
    values = values.filter(pl.col(name).is_finite())  # nulls (and NaN) are not events: left out of the fit
    bad = distributions.unsupported_count(spec.distribution, values.get_column(name).to_numpy())
    if bad:
        raise ValueError(
            f"{field}: {bad:,} of {values.height:,} training values cannot come from a {spec.distribution} "
            f"distribution (support: {_support_text(spec.distribution)})"
        )
    default = _fit(field, spec.distribution, values.get_column(name))
    groups = {}
    if spec.by is not None:
        for (value,), part in values.drop_nulls(spec.by).partition_by(spec.by, as_dict=True).items():
            if part.height >= rare_min_count:  # rarer groups use the default (pooled) fit
                groups[group_key(value)] = _fit(
                    f"{field} (a group of {part.height:,} rows)", spec.distribution, part[name]
                )
    return FittedProcessColumn(
        name, spec.distribution, spec.by, True, default, dict(sorted(groups.items())), str(dtype)
    )


def _check_group_column(
    field: str, by: str, df: pl.DataFrame, schema: TableSchema, specs: Mapping[str, ProcessColumnSpec]
) -> None:
    if by in specs:
        raise ValueError(f"{field}.by: {by!r} is a process column itself; groups come from a learned column")
    if by not in df.columns:
        raise ValueError(f"{field}.by: the training table has no column {by!r}")
    kind = schema[by].kind
    if kind not in GROUP_KINDS:
        raise ValueError(
            f"{field}.by: column {by!r} is {kind.value}; groups need a categorical or boolean column "
            f"(set columns.{by}.kind: categorical in the spec if its numbers are codes)"
        )


def _check_declared_groups(
    field: str, spec: ProcessColumnSpec, df: pl.DataFrame, rare_min_count: int, sensitive: bool
) -> None:
    """A declared group that no value of the ``by`` column matches would silently get the defaults:
    a ValueError naming it instead."""
    by = spec.by
    counts = df.get_column(by).drop_nulls().value_counts(name="rows")
    keys = [group_key(value) for value in counts.get_column(by).to_list()]
    present = {key for key in keys if key is not None}
    rows_of = dict(zip(keys, counts.get_column("rows").to_list(), strict=True))
    for group in spec.groups:
        if group in present:
            continue
        text = f"{field}.groups.{group}: no value of column {by!r} is {group!r}"
        near = sorted(key for key in present if key.casefold() == group.casefold())
        if near:  # never guessed: the spec must name the group as the data does
            # a rare value is never named (it may be one person's): the spec's author knows which it is
            common = [key for key in near if rows_of.get(key, 0) >= rare_min_count]
            shown = ", ".join(repr(key) for key in common) if common and not sensitive else "a value"
            text += f" ({shown} differs only in case: group names must match exactly)"
        if sensitive:
            text += f"; its {len(present):,} values are not shown (the column is sensitive)"
        else:
            rows = counts.get_column("rows").to_list()
            common = sorted((-n, key) for key, n in zip(keys, rows) if n >= rare_min_count and key is not None)
            named = ", ".join(repr(key) for _, key in common[:NAMED_VALUES])  # rare values are never named
            text += f"; its {len(present):,} values" + (f" include {named}" if named else " are all rare")
        raise ValueError(text)


def _fit(field: str, distribution: str, values: pl.Series) -> dict[str, float]:
    try:
        return distributions.fit(distribution, values.to_numpy())
    except ValueError as error:
        raise ValueError(f"{field}: {error}") from None


def _support_text(distribution: str) -> str:
    return {
        "exponential": "0 or more",
        "weibull": "more than 0",
        "lognormal": "more than 0",
        "poisson": "whole numbers, 0 or more",
        "normal": "any number",
    }[distribution]


def _in_dtype(name: str, values: np.ndarray, dtype_name: str) -> pl.Series:
    from twinforge.encoders.common import simple_dtype

    series = pl.Series(name, values, dtype=pl.Float64)
    dtype = simple_dtype(dtype_name)
    if dtype is None or not dtype.is_numeric():
        return series
    if dtype.is_integer():
        series = series.round()
    return series.cast(dtype, strict=False)  # out of an integer type's range: null
