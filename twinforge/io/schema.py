"""Typed table schema: what kind of data each column holds.

The schema decides which encoder handles a column and which columns a generator
may learn from. It is inferred from the data and can be overridden per column
by the dataset spec. It serialises to plain JSON so it can travel inside model
artifacts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any

import polars as pl


class ColumnKind(str, Enum):
    INTEGER = "integer"
    FLOAT = "float"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"  # free text: modelled only when low-cardinality (then as categorical)
    IDENTIFIER = "identifier"  # never learned by a generator


# A string column with at most this many distinct values (or this share of rows)
# is treated as categorical; above both it is free text.
CATEGORICAL_MAX_LEVELS = 1000
CATEGORICAL_MAX_SHARE = 0.5


@dataclass(frozen=True)
class ColumnSchema:
    name: str
    kind: ColumnKind
    dtype: str  # the polars dtype seen at inference, for faithful decoding
    nullable: bool = True

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"] = self.kind.value
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ColumnSchema:
        return cls(name=d["name"], kind=ColumnKind(d["kind"]), dtype=d["dtype"], nullable=d.get("nullable", True))


@dataclass(frozen=True)
class TableSchema:
    columns: tuple[ColumnSchema, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @cached_property
    def _by_name(self) -> dict[str, ColumnSchema]:  # lookups by name in constant time: tables can be wide
        return {c.name: c for c in reversed(self.columns)}  # the first of a repeated name, as a scan finds

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> ColumnSchema:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"column {name!r} is not in the schema (columns: {', '.join(self.names)})") from None

    def modelled(self) -> list[ColumnSchema]:
        """Columns a generator learns: everything except identifiers."""
        return [c for c in self.columns if c.kind is not ColumnKind.IDENTIFIER]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TableSchema:
        return cls(columns=tuple(ColumnSchema.from_dict(c) for c in d["columns"]))


def dtype_name(dtype: pl.DataType) -> str:
    """A dtype as schemas and model files record it: ``str(dtype)``, but an Enum without its categories (``"Enum"``),
    which may name values no row had, or rows too rare to keep (a type built from a column of names): the
    categorical encoder keeps them only when every one is a level it models."""
    return "Enum" if isinstance(dtype, pl.Enum) else str(dtype)


def infer_column_kind(series: pl.Series, distinct: int | None = None) -> ColumnKind:
    """The kind of ``series``; ``distinct``: its number of distinct non-null values, if already counted."""
    dtype = series.dtype
    if dtype == pl.Boolean:
        return ColumnKind.BOOLEAN
    if dtype.is_integer():
        non_null = series.drop_nulls()
        # 0/1 integer flags (e.g. drive_thru_ind) behave like booleans
        if non_null.len() > 0 and non_null.is_in([0, 1]).all():
            return ColumnKind.BOOLEAN
        return ColumnKind.INTEGER
    if dtype.is_float():
        return ColumnKind.FLOAT
    if dtype.is_temporal():
        return ColumnKind.DATETIME
    if dtype in (pl.String, pl.Categorical, pl.Enum):
        return ColumnKind.CATEGORICAL if is_low_cardinality(series, distinct) else ColumnKind.TEXT
    return ColumnKind.TEXT


def is_low_cardinality(series: pl.Series, distinct: int | None = None) -> bool:
    """Whether a string column has few enough distinct values to be modelled as categorical
    (``distinct``: its number of distinct non-null values, if already counted)."""
    n_unique = series.drop_nulls().n_unique() if distinct is None else distinct
    present = series.len() - series.null_count()
    return n_unique <= CATEGORICAL_MAX_LEVELS or n_unique <= CATEGORICAL_MAX_SHARE * max(present, 1)


def normalize_name(name: str) -> str:
    """``"PatientID"``, ``"patient id"``, ``"Patient-Id"`` -> ``"patient_id"``, for matching name hints."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name))
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


# Names that say "this identifies a record": id, uuid, customer_id, account_number, ...
_IDENTIFIER_NAME = re.compile(r"(^|_)(id|uuid|guid|mrn|key|number|no|num)$")
# Names that say whom (or which person's record) a row is about: patient_id, CUST_NO, subject_key, bene_id,
# and the whole names mrn, ssn, national_id. Such a column identifies people even when each repeats over
# that person's visits, orders or claims.
_PERSON_WORDS = (
    r"patient|pat|person|pers|subject|subj|participant|customer|cust|client|member|mbr|user|employee|emp|empl"
    r"|staff|account|acct|beneficiary|bene|policy_?holder|insured|subscriber|enrollee|student|resident|donor"
    r"|guest|passenger|consumer|applicant|household|medical_?record|health_?record|chart|national|citizen"
    r"|tax|passport|nhs|social_?security"
)
_PERSON_ID_NAME = re.compile(
    rf"(^|_)({_PERSON_WORDS})_?(id|ids|no|nbr|num|number|key|ref|identifier|uuid|guid)$"
    r"|(^|_)(mrn|ssn|nino|empi|upi)$"
)
# A value that says it is a person's record number: letters naming the record ("MRN", "PAT", "EMP", "CUST"; see
# :func:`names_a_person`), then its number ("MRN10075486", "PAT-0042917", "emp 4411")
_PREFIXED_NUMBER = r"^([A-Za-z]{2,8})[\s#:._-]*\d[\d\s-]{2,}\d$"
PREFIXED_RECORD_SHARE = 0.9
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
IDENTIFIER_MIN_ROWS = 10
# A column named for a person with at least this many distinct values identifies people, however often
# each value repeats: in visit-level data the share of distinct values is 1 / visits per person, so no share
# tells ids from categories. The columns so named that are categories are ordinals within a small group
# (a person's number in a household, a member's on a policy) and stay below this; an id column of fewer
# people than this names too few for a generator to learn it as more than a handful of categories.
PERSON_ID_MIN_DISTINCT = 20


def names_a_person(name: str) -> bool:
    """Whether a column's name says it identifies a person or a person's record (``patient_id``, ``MRN``)."""
    return bool(_PERSON_ID_NAME.search(normalize_name(name)))


def _person_record_numbers(values: pl.Series) -> bool:
    """Whether nearly every value is a number after letters that name a person's record (``MRN10075486``,
    ``PAT-0042917``: ``mrn``, ``pat_id`` read as :func:`names_a_person` reads a column's name); ``SKU-20417``,
    ``ORD8812345`` name things."""
    prefixes = values.str.extract(_PREFIXED_NUMBER, 1)
    if prefixes.null_count() > (1 - PREFIXED_RECORD_SHARE) * values.len():
        return False
    counts = prefixes.drop_nulls().str.to_lowercase().value_counts(sort=True, name="count")
    record = sum(
        count for prefix, count in counts.iter_rows() if names_a_person(prefix) or names_a_person(f"{prefix}_id")
    )
    return record >= PREFIXED_RECORD_SHARE * values.len()


def looks_like_identifier(name: str, series: pl.Series, distinct: int | None = None) -> bool:
    """An id-like name with mostly distinct values, a person's id by name (:func:`names_a_person`) with
    at least :data:`PERSON_ID_MIN_DISTINCT` distinct values however often each repeats, as many record numbers that
    name a person's record themselves (:func:`_person_record_numbers`: ``MRN10075486``), a row index (1..n), or
    UUIDs (``distinct``: the number of distinct non-null values, if already counted)."""
    dtype = series.dtype
    if not (dtype.is_integer() or dtype == pl.String):
        return False
    present = series.drop_nulls()
    n = present.len()
    if n < IDENTIFIER_MIN_ROWS:
        return False
    distinct = present.n_unique() if distinct is None else distinct
    if _IDENTIFIER_NAME.search(normalize_name(name)) and distinct >= 0.5 * n:
        return True
    if distinct >= PERSON_ID_MIN_DISTINCT and names_a_person(name):
        return True
    if dtype == pl.String and distinct >= PERSON_ID_MIN_DISTINCT and _person_record_numbers(present):
        return True  # "MRN10075486" under a neutral name ("chart"), however often each repeats
    if dtype.is_integer() and distinct == n and int(present.max()) - int(present.min()) + 1 == n:
        return True  # a row index such as R's rownames
    return dtype == pl.String and bool(present.str.contains(_UUID).all())


def infer_schema(
    df: pl.DataFrame,
    overrides: Mapping[str, ColumnKind | str] | None = None,
    identifiers: Iterable[str] = (),
    detect_identifiers: bool = False,
) -> TableSchema:
    """Infer a :class:`TableSchema`; ``overrides`` and ``identifiers`` win over inference.

    ``detect_identifiers``: also mark id-like columns (see :func:`looks_like_identifier`) as
    identifiers, as ingestion does; generators fitting a table they are handed leave it off.
    """
    overrides = {k: ColumnKind(v) for k, v in (overrides or {}).items()}
    identifiers = set(identifiers)
    unknown = (set(overrides) | identifiers) - set(df.columns)
    if unknown:
        raise KeyError(f"schema overrides name columns not in the table: {sorted(unknown)}")
    # distinct counts of the columns inference looks at, in one select: polars counts columns in parallel
    counted = [
        c
        for c, dtype in df.schema.items()
        if c not in identifiers and c not in overrides and (dtype.is_integer() or dtype in (pl.String, pl.Categorical))
    ]
    distinct = df.select(pl.col(c).drop_nulls().n_unique() for c in counted).row(0, named=True) if counted else {}
    cols = []
    for name in df.columns:
        s = df.get_column(name)
        if name in identifiers:
            kind = ColumnKind.IDENTIFIER
        elif name in overrides:
            kind = overrides[name]
        elif detect_identifiers and looks_like_identifier(name, s, distinct.get(name)):
            kind = ColumnKind.IDENTIFIER
        else:
            kind = infer_column_kind(s, distinct.get(name))
        cols.append(ColumnSchema(name=name, kind=kind, dtype=dtype_name(s.dtype), nullable=s.null_count() > 0))
    return TableSchema(columns=tuple(cols))
