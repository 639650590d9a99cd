"""Great Expectations validation of a synthetic table against its training data.

A *profile* of the (anonymized) training table is built once, stored as plain
JSON next to the model, and turned into a GE 1.24 expectation suite whenever a
synthetic table is validated. The expectations fall into four groups, each a
blocking gate in the pipeline:

* ``schema``     - same column set, same type family per column;
* ``nulls``      - no more nulls than the training data had (plus a tolerance);
* ``ranges``     - numeric and datetime values inside the training min/max;
* ``categories`` - categorical/boolean values inside the training category set; in a
  string column only values seen at least ``rare_min_count`` times are in the set (rare ones
  are never stored) and the share of other values may reach the training share of rare
  values (their rows get generated values) plus a tolerance;
* ``rules``      - one expectation per business rule (when the profile holds rules:
  :mod:`twinforge.rules`): GE's own expectations where one fits (unique, regex,
  between, column pair A >= B), else a per-row indicator of the rule computed with
  polars and expected to be true on every row.

A process column (drawn from a distribution, :mod:`twinforge.process`) is held to
its distribution's support instead of the training min/max or values: a fresh
draw may rightly fall beyond the sample it was fitted on.

Identifier columns are never modelled, so they are not in the profile. Free-text
columns are checked for schema and nulls only: their values could be personal
data and must not be copied into a profile.

GE imports slowly (seconds), so it is imported inside :func:`validate_table`.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from twinforge.encoders.categorical import DEFAULT_RARE_MIN_COUNT, RARE_PLACEHOLDER
from twinforge.io.schema import ColumnKind, TableSchema
from twinforge.process.distributions import SUPPORT

if TYPE_CHECKING:
    from twinforge.rules import FittedRules

PROFILE_VERSION = 1
GROUPS = ("schema", "nulls", "ranges", "categories")
RULES_GROUP = "rules"  # present when the profile holds business rules
RULE_INDICATOR_PREFIX = "__rule_holds_"  # indicator columns of rules GE has no expectation for

# pandas dtype names accepted per type family, as ExpectColumnValuesToBeInTypeList
# understands them. Families, not exact dtypes: a synthetic Int64 column is a
# faithful twin of a training Int32 column. pandas extension dtypes go by class
# name ("Int64Dtype"; GE does not resolve "Int64"). "str" makes GE check each
# value of an object column (a plain "object" would accept anything).
TYPE_FAMILY_PANDAS_TYPES: dict[str, list[str]] = {
    "integer": [
        *(f"int{b}" for b in (8, 16, 32, 64)),
        *(f"uint{b}" for b in (8, 16, 32, 64)),
        *(f"Int{b}Dtype" for b in (8, 16, 32, 64)),  # pandas nullable integers
        *(f"UInt{b}Dtype" for b in (8, 16, 32, 64)),
    ],
    "float": ["float16", "float32", "float64", "Float32Dtype", "Float64Dtype"],
    "boolean": ["bool", "BooleanDtype"],
    "string": ["str", "StringDtype"],
    "datetime": [f"datetime64[{u}]" for u in ("s", "ms", "us", "ns")],
    "duration": [f"timedelta64[{u}]" for u in ("s", "ms", "us", "ns")],
}
RANGE_FAMILIES = ("integer", "float", "datetime")
RANGE_KINDS = (ColumnKind.INTEGER, ColumnKind.FLOAT, ColumnKind.DATETIME)
CATEGORY_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
MAX_UNEXPECTED_VALUES = 5
# Share of values outside a string column's frequent categories allowed on top of its training share of
# rare values (whose rows get generated values).
GENERATED_SHARE_TOLERANCE = 0.05
# rows validated at once: a larger table is validated slice by slice (bounded memory, exact totals)
DEFAULT_BATCH_ROWS = 1_000_000


# --------------------------------------------------------------------------- profile


def type_family(dtype: pl.DataType) -> str:
    """The coarse type family of a polars dtype (what the schema gate compares)."""
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float() or dtype.is_decimal():
        return "float"
    if dtype in (pl.String, pl.Categorical, pl.Enum):
        return "string"
    if dtype in (pl.Date, pl.Datetime):
        return "datetime"
    if dtype == pl.Duration:
        return "duration"
    return "other"


def build_expectation_profile(
    df: pl.DataFrame,
    schema: TableSchema,
    *,
    rare_min_count: int = DEFAULT_RARE_MIN_COUNT,
    process_columns: Mapping[str, str] | None = None,
    rules: FittedRules | None = None,
) -> dict:
    """Profile the modelled columns of ``df`` as plain JSON-serialisable data.

    Records per column: kind, type family, null fraction, min/max (numeric and
    datetime columns) and the category set (categorical and boolean columns only).
    Generators never reproduce a string category seen fewer than ``rare_min_count``
    times (privacy): the profile leaves such values out, records their share of the
    column (``rare_share``; generated values take their place) and allows
    ``RARE_PLACEHOLDER`` (a column's ``rare: rare_token`` option). ``rules`` (the
    generator's fitted business rules) are validated as the ``rules`` group.
    """
    missing = [c.name for c in schema.modelled() if c.name not in df.columns]
    if missing:
        raise KeyError(f"schema columns missing from the table: {missing}")
    df = _normalise(df.select([c.name for c in schema.modelled()]))
    columns = {c.name: _profile_column(df.get_column(c.name), c.kind, rare_min_count) for c in schema.modelled()}
    for name, distribution in (process_columns or {}).items():
        if name in columns:
            entry = {k: v for k, v in columns[name].items() if k not in ("min", "max", "categories")}
            entry["min"], entry["max"] = SUPPORT[distribution]
            columns[name] = {**entry, "process": distribution}
    profile = {"version": PROFILE_VERSION, "n_rows": df.height, "columns": columns}
    if rules is not None:
        # the fitted rules hold no real value but the fixed combinations seen at least rare_min_count times
        profile["rules"] = rules.to_dict()
        for name in rules.rules.generated_columns:
            # a formula's values or a generated key: its rule checks it; the real keys are never profiled
            entry = columns.get(name) or {"kind": "generated", "null_fraction": 0.0}
            entry["family"] = type_family(rules.output_dtype(name))
            for key in ("min", "max", "categories"):
                entry.pop(key, None)
            columns[name] = entry
    return profile


def _profile_column(s: pl.Series, kind: ColumnKind, rare_min_count: int) -> dict[str, Any]:
    family = type_family(s.dtype)
    entry: dict[str, Any] = {"kind": kind.value, "family": family, "null_fraction": _null_fraction(s)}
    if kind in RANGE_KINDS and family in RANGE_FAMILIES:
        entry["min"], entry["max"] = _finite_min_max(s)
    if kind in CATEGORY_KINDS:
        values = s.drop_nulls().unique()
        if values.dtype.is_float():
            values = values.filter(values.is_not_nan())  # NaN is a null to GE, not a category
        entry["categories"] = sorted(_json_scalar(v) for v in values.to_list())
        if family == "string":
            counts = s.drop_nulls().rename("value").value_counts()
            rare = counts.filter(pl.col("count") < rare_min_count)
            if rare.height:
                # rare values are never generated (and never stored here): their rows get generated
                # values, frequent ones, "_RARE_" or null, as the column's rare option says
                frequent = set(counts.filter(pl.col("count") >= rare_min_count).get_column("value").to_list())
                entry["categories"] = [v for v in entry["categories"] if v in frequent] + [RARE_PLACEHOLDER]
                entry["rare_share"] = round(float(rare.get_column("count").sum() / counts.get_column("count").sum()), 6)
    return entry


def _null_fraction(s: pl.Series) -> float:
    # NaN counts as null: pandas (and so GE) cannot tell them apart.
    if s.len() == 0:
        return 0.0
    nulls = s.null_count() + (s.is_nan().sum() if s.dtype.is_float() else 0)
    return float(nulls / s.len())


def _finite_min_max(s: pl.Series) -> tuple[Any, Any]:
    if s.dtype.is_float():
        s = s.filter(s.is_finite())
    s = s.drop_nulls()
    if s.len() == 0:
        return None, None
    return _json_scalar(s.min()), _json_scalar(s.max())


def _json_scalar(v: Any) -> Any:
    """A plain JSON value: datetimes as ISO strings, numpy scalars unwrapped."""
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):  # numpy scalar
        v = v.item()
    if hasattr(v, "isoformat"):  # pandas Timestamp
        return v.isoformat()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def _normalise(df: pl.DataFrame) -> pl.DataFrame:
    """Make dtypes round-trip to pandas in a form GE checks reliably.

    Categoricals become strings (object columns), decimals floats, and
    timezone-aware datetimes naive UTC (GE cannot name a tz-aware dtype).
    """
    exprs = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if dtype in (pl.Categorical, pl.Enum):
            exprs.append(col.cast(pl.String))
        elif dtype.is_decimal():
            exprs.append(col.cast(pl.Float64))
        elif dtype == pl.Datetime and getattr(dtype, "time_zone", None):
            exprs.append(col.dt.convert_time_zone("UTC").dt.replace_time_zone(None))
    return df.with_columns(exprs) if exprs else df


def _to_pandas(df: pl.DataFrame):
    """pandas frame of a :func:`_normalise`-d table for GE; integer/boolean columns with nulls stay integer/boolean."""
    import pandas as pd
    import pyarrow as pa

    nullable = {
        pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype(),
        pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
        pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }  # fmt: skip
    # Without the mapper an integer column with one null turns float64 and fails the schema gate.
    return df.to_pandas(types_mapper=nullable.get)


# --------------------------------------------------------------------------- outcome


@dataclass(frozen=True)
class GroupOutcome:
    """Result of one expectation group (one pipeline gate)."""

    name: str
    success: bool
    statistics: dict[str, Any]
    failed: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"success": self.success, "statistics": dict(self.statistics), "failed": list(self.failed)}


@dataclass(frozen=True)
class ValidationOutcome:
    """Outcome of :func:`validate_table`: one :class:`GroupOutcome` per group in :data:`GROUPS`."""

    groups: dict[str, GroupOutcome]
    # columns whose value checks (ranges, categories) were skipped: absent from the
    # table or of the wrong type family; the schema group reports them.
    not_checked: list[str] = field(default_factory=list)
    rows: int = 0  # rows validated
    slices: int = 1  # slices they were validated in (each at most the batch size)

    @property
    def success(self) -> bool:
        return all(g.success for g in self.groups.values())

    @property
    def failed_groups(self) -> list[str]:
        return [name for name, g in self.groups.items() if not g.success]

    def __getitem__(self, group: str) -> GroupOutcome:
        return self.groups[group]

    def to_dict(self) -> dict[str, Any]:
        results = [g.statistics for g in self.groups.values()]
        return {
            "success": self.success,
            "failed_groups": self.failed_groups,
            "statistics": _statistics(
                sum(s["evaluated_expectations"] for s in results),
                sum(s["successful_expectations"] for s in results),
            ),
            "groups": {name: g.to_dict() for name, g in self.groups.items()},
            "not_checked": list(self.not_checked),
            "rows": self.rows,
            "slices": self.slices,
        }


def _statistics(evaluated: int, successful: int) -> dict[str, Any]:
    # Same keys and convention as GE's own run statistics (None when nothing ran).
    return {
        "evaluated_expectations": evaluated,
        "successful_expectations": successful,
        "unsuccessful_expectations": evaluated - successful,
        "success_percent": 100.0 * successful / evaluated if evaluated else None,
    }


# --------------------------------------------------------------------------- validation


def validate_table(
    table: pl.DataFrame | pl.LazyFrame,
    profile: dict,
    *,
    null_tolerance: float = 0.05,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> ValidationOutcome:
    """Validate ``table`` (typically a synthetic table) against a training ``profile``.

    Runs one ephemeral GE suite holding all groups and splits its results by group.
    ``null_tolerance`` is the share of extra nulls allowed per column on top of the
    training null fraction. A table of more than ``batch_rows`` rows (a LazyFrame is
    read one slice at a time, so memory is bounded by one slice) is validated slice by
    slice and the results are merged exactly: counts are summed and each expectation's
    ``mostly`` is judged on the totals, as if the whole table had been validated at
    once; uniqueness rules are checked on their key columns over all rows.
    """
    _quiet_great_expectations()
    import great_expectations.expectations as gxe

    lazy = table.lazy()
    rows = lazy.select(pl.len()).collect().item()
    families = {name: type_family(dtype) for name, dtype in _normalise(lazy.head(0).collect()).schema.items()}
    specs = list(_expectation_specs(profile, families, null_tolerance))
    expectations = [getattr(gxe, cls)(**kwargs, meta={"group": group}) for group, cls, kwargs in specs]
    batched = rows > batch_rows
    suite, rules_suite = _Suite(expectations), None
    per_batch: list[list] = []
    rule_batches: list[list] = []
    for offset in range(0, max(rows, 1), batch_rows):
        df = _normalise(lazy.slice(offset, batch_rows).collect())
        per_batch.append(suite.run(_to_pandas(df)))
        if "rules" in profile:
            rules_frame, rule_expectations = _rule_expectations(df, profile["rules"], with_unique=not batched)
            if rule_expectations and rules_suite is None:  # the same expectations for every slice
                rules_suite = _Suite(rule_expectations)
            rule_batches.append(rules_suite.run(_to_pandas(rules_frame)) if rules_suite else [])
        del df
    groups = _group_results(_merge_batches(per_batch))
    if "rules" in profile:
        rule_results = _merge_batches(rule_batches)
        if batched:  # a duplicate key may sit in two slices: uniqueness is judged over all rows
            rule_results += _unique_rule_results(lazy, profile["rules"])
        groups[RULES_GROUP] = _group_results(rule_results, groups=(RULES_GROUP,))[RULES_GROUP]
    return ValidationOutcome(
        groups=groups, not_checked=_not_checked(profile, families), rows=rows, slices=len(per_batch)
    )


@dataclass(frozen=True)
class _MergedResult:
    """One expectation's result over all slices of a table, shaped like GE's own result objects."""

    expectation_config: Any
    success: bool
    result: dict[str, Any]
    exception_info: Any = None


def _merge_batches(batches: list[list]) -> list:
    """Per-expectation results of several slices merged into one result each (GE's own for one slice)."""
    if len(batches) == 1:
        return batches[0]
    return [_merge_expectation(list(results)) for results in zip(*batches, strict=True)]


def _merge_expectation(results: list) -> _MergedResult:
    config = results[0].expectation_config
    raised = next((r.exception_info for r in results if _raised(r)), None)
    counted = all(r.result and "unexpected_count" in r.result and "element_count" in r.result for r in results)
    if raised is not None or not counted:
        # table-level expectations (column set, type list) see the same schema in every slice: all must pass
        failed = next((r for r in results if not r.success), results[0])
        return _MergedResult(config, all(r.success for r in results), dict(failed.result or {}), raised)
    element = sum(int(r.result["element_count"]) for r in results)
    missing = sum(int(r.result.get("missing_count") or 0) for r in results)
    unexpected = sum(int(r.result["unexpected_count"]) for r in results)
    # GE's column-map convention: the share of unexpected values among the non-missing ones, against
    # `mostly`; for "not null" the nulls are the unexpected values and nothing is missing
    considered = element - missing
    share = unexpected / considered if considered else 0.0
    mostly = config.kwargs.get("mostly")
    success = unexpected == 0 if mostly is None else 1.0 - share >= float(mostly)
    partial = [v for r in results for v in (r.result.get("partial_unexpected_list") or [])]
    merged = {
        "element_count": element,
        "missing_count": missing,
        "unexpected_count": unexpected,
        "unexpected_percent": 100.0 * share,
        "partial_unexpected_list": partial[: 4 * MAX_UNEXPECTED_VALUES],
    }
    return _MergedResult(config, success, merged)


def _raised(result) -> bool:
    info = result.exception_info or {}
    return isinstance(info, dict) and bool(info.get("raised_exception"))


def _unique_rule_results(lazy: pl.LazyFrame, fitted: dict) -> list:
    """GE's uniqueness expectations run on the key columns of the whole table (only those are read)."""
    import great_expectations.expectations as gxe

    from twinforge.rules import FittedRules
    from twinforge.rules.definitions import UniqueRule

    columns = set(lazy.collect_schema().names())
    expectations, keys = [], []
    for rule in FittedRules.from_dict(fitted).rules:
        if isinstance(rule, UniqueRule) and set(rule.key) <= columns:
            meta = {"group": RULES_GROUP, "rule": rule.name}
            expectations.append(
                gxe.ExpectColumnValuesToBeUnique(column=rule.key[0], meta=meta)
                if len(rule.key) == 1
                else gxe.ExpectCompoundColumnsToBeUnique(column_list=list(rule.key), meta=meta)
            )
            keys += [k for k in rule.key if k not in keys]
    if not expectations:
        return []
    return _Suite(expectations).run(_to_pandas(_normalise(lazy.select(keys).collect())))


def _rule_expectations(df: pl.DataFrame, fitted: dict, *, with_unique: bool = True) -> tuple[pl.DataFrame, list]:
    """The table (with indicator columns where needed) and one GE expectation per rule; uniqueness rules
    whose key columns are present are left out when ``with_unique`` is false (checked over all rows)."""
    import great_expectations.expectations as gxe

    from twinforge.rules import FittedRules
    from twinforge.rules.definitions import ComparisonRule, FormatRule, RangeRule, UniqueRule

    rules = FittedRules.from_dict(fitted)
    expectations, indicators = [], {}
    for rule in rules.rules:
        meta = {"group": RULES_GROUP, "rule": rule.name}
        missing = [c for c in rule.columns if c not in df.columns]
        pair = rule.expression.comparison if isinstance(rule, ComparisonRule) else None
        if missing:
            indicators[rule.index] = pl.lit(False)  # fails closed: the rule cannot hold on a missing column
        elif isinstance(rule, UniqueRule) and not with_unique:
            continue
        elif isinstance(rule, UniqueRule) and len(rule.key) == 1:
            expectations.append(gxe.ExpectColumnValuesToBeUnique(column=rule.key[0], meta=meta))
        elif isinstance(rule, UniqueRule):
            expectations.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(rule.key), meta=meta))
        elif isinstance(rule, FormatRule):
            regex = f"^(?:{rule.regex})$"
            expectations.append(gxe.ExpectColumnValuesToMatchRegex(column=rule.column, regex=regex, meta=meta))
        elif isinstance(rule, RangeRule) and not df.schema[rule.column].is_temporal():
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(column=rule.column, min_value=rule.min, max_value=rule.max, meta=meta)
            )
        elif pair is not None and pair[1] in (">", ">=", "<", "<=") and _bare_names(pair):
            left, op, right = pair
            a, b = (left.id, right.id) if op in (">", ">=") else (right.id, left.id)
            expectations.append(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=a,
                    column_B=b,
                    or_equal=op in (">=", "<="),
                    ignore_row_if="either_value_is_missing",
                    meta=meta,
                )
            )
        else:
            indicators[rule.index] = rule.holds(df.schema, rules.allowed.get(rule.index)).fill_null(True)
        if rule.index in indicators:
            column = f"{RULE_INDICATOR_PREFIX}{rule.index}"
            expectations.append(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=[True], meta=meta))
    frame = df.with_columns([e.alias(f"{RULE_INDICATOR_PREFIX}{i}") for i, e in indicators.items()])
    return frame, expectations


def _bare_names(pair) -> bool:
    import ast

    return isinstance(pair[0], ast.Name) and isinstance(pair[2], ast.Name)


def _quiet_great_expectations() -> None:
    # No usage statistics from pipeline runs; must be set before GE is imported.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "true")


def _value_checkable(spec: dict, families: dict[str, str], name: str) -> bool:
    # Value checks on a missing or mistyped column would fail (or raise) for a
    # schema reason; leave that to the schema group so each gate fails for its own cause.
    return families.get(name) == spec["family"]


def _not_checked(profile: dict, families: dict[str, str]) -> list[str]:
    return [name for name, spec in profile["columns"].items() if not _value_checkable(spec, families, name)]


def _expectation_specs(
    profile: dict, families: dict[str, str], null_tolerance: float
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(group, GE expectation class name, kwargs) for every expectation of the suite."""
    columns: dict[str, dict] = profile["columns"]
    yield "schema", "ExpectTableColumnsToMatchSet", {"column_set": list(columns), "exact_match": True}
    for name, spec in columns.items():
        if name not in families:
            continue  # ExpectTableColumnsToMatchSet reports it
        yield from _column_specs(name, spec, null_tolerance, _value_checkable(spec, families, name))


def _column_specs(
    name: str, spec: dict, null_tolerance: float, value_checkable: bool
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    type_list = TYPE_FAMILY_PANDAS_TYPES.get(spec["family"])
    if type_list:
        yield "schema", "ExpectColumnValuesToBeInTypeList", {"column": name, "type_list": type_list}
    mostly = round(min(1.0, 1.0 - (spec["null_fraction"] + null_tolerance)), 6)
    if mostly > 0:
        yield "nulls", "ExpectColumnValuesToNotBeNull", {"column": name, "mostly": mostly}
    if not value_checkable:
        return
    if spec.get("min") is not None or spec.get("max") is not None:  # a process column may have one bound only
        lo, hi = _range_bound(spec.get("min"), spec["family"]), _range_bound(spec.get("max"), spec["family"])
        yield "ranges", "ExpectColumnValuesToBeBetween", {"column": name, "min_value": lo, "max_value": hi}
    if "categories" in spec:
        kwargs = {"column": name, "value_set": list(spec["categories"])}
        if spec.get("rare_share"):  # the rows of rare values may hold generated values
            kwargs["mostly"] = round(max(0.0, 1.0 - spec["rare_share"] - GENERATED_SHARE_TOLERANCE), 6)
        yield "categories", "ExpectColumnValuesToBeInSet", kwargs


def _range_bound(value: Any, family: str) -> Any:
    # Datetime bounds travel as ISO strings in the JSON profile.
    return dt.datetime.fromisoformat(value) if family == "datetime" and value is not None else value


class _Suite:
    """One GE suite in one ephemeral context, run on one pandas frame after another."""

    def __init__(self, expectations: list):
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)  # no tqdm spam in pipeline logs
        batch_definition = (
            ctx.data_sources.add_pandas(name="twinforge")
            .add_dataframe_asset(name="table")
            .add_batch_definition_whole_dataframe(name="whole")
        )
        suite = ctx.suites.add(gx.ExpectationSuite(name="twinforge_profile", expectations=expectations))
        self._definition = ctx.validation_definitions.add(
            gx.ValidationDefinition(name="twinforge_validation", data=batch_definition, suite=suite)
        )

    def run(self, pdf) -> list:
        return list(self._definition.run(batch_parameters={"dataframe": pdf}, result_format="SUMMARY").results)


def _group_results(results: Iterable, groups: Iterable[str] = GROUPS) -> dict[str, GroupOutcome]:
    by_group: dict[str, list] = {g: [] for g in groups}
    for r in results:
        by_group[r.expectation_config.meta["group"]].append(r)
    return {
        group: GroupOutcome(
            name=group,
            success=all(r.success for r in rs),
            statistics=_statistics(len(rs), sum(bool(r.success) for r in rs)),
            failed=[_describe_failure(r) for r in rs if not r.success],
        )
        for group, rs in by_group.items()
    }


def _describe_failure(r) -> dict[str, Any]:
    """A short JSON-safe account of one failed expectation (values of the validated table)."""
    config, result = r.expectation_config, r.result or {}
    out: dict[str, Any] = {"expectation": config.type, "column": config.kwargs.get("column")}
    if "rule" in (config.meta or {}):
        out["rule"] = config.meta["rule"]
    if "observed_value" in result:
        out["observed_value"] = _json_value(result["observed_value"])
    if "unexpected_count" in result:
        out["unexpected_count"] = int(result["unexpected_count"])
        out["unexpected_percent"] = _json_scalar(result.get("unexpected_percent"))
    values = [v for v in (result.get("partial_unexpected_list") or []) if v is not None]
    if values:
        out["unexpected_values"] = [_json_scalar(v) for v in _distinct(values)[:MAX_UNEXPECTED_VALUES]]
    if result.get("details"):
        out["details"] = _json_value(result["details"])
    info = r.exception_info or {}
    if isinstance(info, dict) and info.get("raised_exception"):
        out["exception"] = str(info.get("exception_message"))
    return out


def _distinct(values: list) -> list:
    seen, out = set(), []
    for v in values:
        key = repr(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _json_value(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _json_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set)):
        return [_json_value(x) for x in v]
    return _json_scalar(v)
