"""Dataset specs: one YAML file describes one dataset end to end.

A spec names the source, the role and anonymization policy of each column, the
generator and its parameters, and the sampling, validation, drift and schedule
settings. Adding a dataset means adding a spec, not code. Validation errors name
the file and the field (``generator.model``, ``columns.age.kind``, ...).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

import polars as pl

from twinforge.schema import ColumnKind, TableSchema, infer_schema

ColumnRole = Literal["identifier", "quasi_identifier", "sensitive", "target", "feature"]
AnonymizeAction = Literal["keep", "drop", "pseudonymize"]
SOURCE_FORMATS = ("csv", "parquet")


class SpecError(ValueError):
    """A dataset spec that cannot be used; the message names the file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColumnPolicy(_Strict):
    kind: ColumnKind | None = None  # overrides schema inference
    role: ColumnRole = "feature"
    anonymize: AnonymizeAction | None = None  # None: identifiers are dropped, the rest kept

    @model_validator(mode="after")
    def _identifiers_never_kept(self) -> "ColumnPolicy":
        if self.role == "identifier" and self.anonymize == "keep":
            raise ValueError("an identifier column cannot be kept as is: use 'drop' or 'pseudonymize'")
        return self

    @property
    def action(self) -> AnonymizeAction:
        if self.anonymize is not None:
            return self.anonymize
        return "drop" if self.role == "identifier" else "keep"


class SourceSpec(_Strict):
    path: Path
    format: Literal["csv", "parquet"] | None = None  # default: from the file extension

    @property
    def resolved_format(self) -> str:
        if self.format:
            return self.format
        name = self.path.name.lower()
        if name.endswith((".csv", ".csv.gz")):
            return "csv"
        if name.endswith((".parquet", ".pq")):
            return "parquet"
        raise ValueError(f"cannot tell the format of {self.path}: set source.format to one of {SOURCE_FORMATS}")


class SplitSpec(_Strict):
    holdout_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    seed: int = 42


class GeneratorSpec(_Strict):
    model: str = "copula"
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = 0

    @field_validator("model")
    @classmethod
    def _known_model(cls, v: str) -> str:
        from twinforge.generators import available_generators

        known = available_generators()
        if v not in known:
            raise ValueError(f"unknown generator {v!r}; available: {', '.join(known)}")
        return v


class SamplingSpec(_Strict):
    rows: int | None = Field(None, gt=0)  # None: as many rows as the training split
    seed: int = 1
    conditions: dict[str, Any] = Field(default_factory=dict)  # fixed values, e.g. {result: positive}
    rebalance: dict[str, dict[Any, float]] | None = None  # e.g. {result: {positive: 0.3}}: exact shares

    @field_validator("rebalance")
    @classmethod
    def _one_column(cls, v: dict | None) -> dict | None:
        if v is not None and len(v) != 1:
            raise ValueError("rebalance takes exactly one column: {column: {value: share}}")
        return v


class ValidationSpec(_Strict):
    null_tolerance: float = Field(0.05, ge=0.0, le=1.0)


class DriftSpec(_Strict):
    drift_share: float = Field(0.5, gt=0.0, le=1.0)


class ScheduleSpec(_Strict):
    regenerate_cron: str = "0 6 * * *"
    enabled: bool = False  # schedules start stopped; turn on in the UI or here

    @field_validator("regenerate_cron")
    @classmethod
    def _five_fields(cls, v: str) -> str:
        if len(v.split()) != 5:
            raise ValueError(f"cron expression must have 5 fields, got {v!r}")
        return v


class DatasetSpec(_Strict):
    name: str
    description: str = ""
    source: SourceSpec
    columns: dict[str, ColumnPolicy] = Field(default_factory=dict)
    split: SplitSpec = Field(default_factory=SplitSpec)
    generator: GeneratorSpec = Field(default_factory=GeneratorSpec)
    sampling: SamplingSpec = Field(default_factory=SamplingSpec)
    validation: ValidationSpec = Field(default_factory=ValidationSpec)
    drift: DriftSpec = Field(default_factory=DriftSpec)
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)

    @field_validator("name")
    @classmethod
    def _identifier_like(cls, v: str) -> str:
        # the name becomes a Dagster key prefix, an MLflow model name and a folder
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", v):
            raise ValueError("must be lowercase letters, digits and underscores, starting with a letter")
        return v

    @property
    def registered_model_name(self) -> str:
        return f"twinforge-{self.name}"

    def columns_with(self, action: AnonymizeAction) -> list[str]:
        return [c for c, p in self.columns.items() if p.action == action]

    @property
    def identifiers(self) -> list[str]:
        return [c for c, p in self.columns.items() if p.role == "identifier"]

    @property
    def target(self) -> str | None:
        targets = [c for c, p in self.columns.items() if p.role == "target"]
        return targets[0] if targets else None

    @property
    def kind_overrides(self) -> dict[str, ColumnKind]:
        return {c: p.kind for c, p in self.columns.items() if p.kind is not None}

    def schema_for(self, table: "pl.DataFrame") -> TableSchema:
        """The table's schema with this spec's overrides; columns dropped upstream are ignored."""
        overrides = {c: k for c, k in self.kind_overrides.items() if c in table.columns}
        identifiers = [c for c in self.identifiers if c in table.columns]
        return infer_schema(table, overrides=overrides, identifiers=identifiers)


def _format_errors(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"  field '{field}': {e['msg']}")
    return "\n".join(lines)


def parse_spec(data: Any, *, origin: str = "<spec>", base_dir: Path | None = None) -> DatasetSpec:
    """Validate spec data; a relative ``source.path`` is resolved against ``base_dir``."""
    if not isinstance(data, dict):
        raise SpecError(f"{origin}: a dataset spec must be a mapping, got {type(data).__name__}")
    try:
        spec = DatasetSpec.model_validate(data)
    except ValidationError as e:
        raise SpecError(f"{origin}: invalid dataset spec\n{_format_errors(e)}") from None
    if base_dir is not None and not spec.source.path.is_absolute():
        spec.source.path = (base_dir / spec.source.path).resolve()
    try:
        spec.source.resolved_format
    except ValueError as e:
        raise SpecError(f"{origin}: field 'source.format': {e}") from None
    return spec


def load_spec(path: str | Path) -> DatasetSpec:
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"dataset spec not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise SpecError(f"{path}: not valid YAML: {e}") from None
    return parse_spec(data, origin=str(path), base_dir=path.parent)


def load_specs(directory: str | Path) -> list[DatasetSpec]:
    """Every ``*.yaml`` spec in a folder, sorted by file name; dataset names must be unique."""
    specs = [load_spec(p) for p in sorted(Path(directory).glob("*.yaml"))]
    seen: dict[str, int] = {}
    for s in specs:
        seen[s.name] = seen.get(s.name, 0) + 1
    dupes = [n for n, k in seen.items() if k > 1]
    if dupes:
        raise SpecError(f"{directory}: dataset names used by more than one spec: {dupes}")
    return specs
