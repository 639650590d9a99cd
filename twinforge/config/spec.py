"""Dataset specs: one YAML file describes one dataset end to end.

A spec names the source, the role and anonymization policy of each column, the
generator and its parameters, and the sampling, expectations, drift and schedule
settings. Adding a dataset means adding a spec, not code. Validation errors name
the file and the field (``generator.model``, ``columns.age.kind``,
``quality.gates.max_dcr_share_closer_to_train``, ...).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import polars as pl
import yaml
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from twinforge.config.quality import QualitySpec
from twinforge.config.yaml_files import NESTED_TOO_DEEP, BoundedSafeLoader
from twinforge.encoders.kinds import DEFAULT_RARE_MIN_COUNT, ColumnOptions
from twinforge.evaluation.expectations import DEFAULT_BATCH_ROWS
from twinforge.io.schema import ColumnKind, TableSchema, infer_schema
from twinforge.io.typing_rules import number_kinds
from twinforge.process.declaration import ProcessColumnSpec
from twinforge.rules.definitions import RuleError, RuleList, parse_rules

# the models twinforge.generators registers; tests/unit keep the two lists equal
BUILTIN_GENERATORS = ("copula", "gan", "transformer", "vae")
ColumnRole = Literal["identifier", "quasi_identifier", "sensitive", "target", "feature"]
AnonymizeAction = Literal["keep", "drop", "pseudonymize", "generalize", "suppress_rare", "mask"]
SourceFormat = Literal["csv", "parquet", "jsonl", "sqlite", "duckdb", "postgres"]
SOURCE_FORMATS = ("csv", "parquet", "jsonl", "sqlite", "duckdb", "postgres")
FILE_FORMATS = ("csv", "parquet", "jsonl")
SQL_FORMATS = ("sqlite", "duckdb", "postgres")
# file name endings -> format, longest first so ".csv.gz" wins over ".gz"
EXTENSIONS = {
    ".csv.gz": "csv",
    ".tsv.gz": "csv",
    ".jsonl.gz": "jsonl",
    ".ndjson.gz": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
    ".db": "sqlite",
    ".duckdb": "duckdb",
    ".ddb": "duckdb",
}


def format_from_name(name: str) -> str | None:
    """A source format from a file name or URL, or None when it cannot tell."""
    lowered = name.lower()
    if lowered.startswith(("postgresql://", "postgres://", "postgresql+")):
        return "postgres"
    for suffix in sorted(EXTENSIONS, key=len, reverse=True):
        if lowered.endswith(suffix):
            return EXTENSIONS[suffix]
    return None


class SpecError(ValueError):
    """A dataset spec that cannot be used; the message names the file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GeneralizeSpec(_Strict):
    """Exactly one coarsening: dates to month/year, numbers to bands or rounded, codes to a prefix."""

    date: Literal["month", "year"] | None = None
    band: float | None = Field(None, gt=0)  # bands of this width: 37 -> "30-39" with band 10
    top: float | None = None  # with band: values at or above this become one open band ("90+")
    round: float | None = Field(None, gt=0)  # to the nearest multiple: 51234 -> 51000 with round 1000
    prefix: int | None = Field(None, gt=0)  # keep the first N characters: "02139" -> "021" with prefix 3

    @model_validator(mode="after")
    def _exactly_one(self) -> GeneralizeSpec:
        chosen = [n for n in ("date", "band", "round", "prefix") if getattr(self, n) is not None]
        if len(chosen) != 1:
            raise ValueError(f"set exactly one of date, band, round, prefix (got {chosen or 'none'})")
        if self.top is not None and self.band is None:
            raise ValueError("'top' only goes with 'band'")
        return self

    def to_params(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ColumnPolicy(_Strict):
    kind: ColumnKind | None = None  # overrides schema inference
    format: str | None = None  # strptime format for datetime columns read from text
    role: ColumnRole = "feature"
    # None: identifiers are dropped; detected PII gets the safe default for its type; the rest is kept
    anonymize: AnonymizeAction | None = None
    generalize: GeneralizeSpec | None = None  # with anonymize: generalize
    min_count: int | None = Field(None, ge=2)  # with anonymize: suppress_rare (default privacy.rare_min_count)
    # public knowledge a differentially private generator uses instead of reading the data (never read otherwise)
    bounds: tuple[Any, Any] | None = None  # [min, max] of a number or date column; values outside are clipped
    categories: list[Any] | None = Field(None, min_length=1)  # the levels a discrete column can take
    # what synthetic rows get where the real row held a category too rare to learn: generated values
    # (never a rare real value), the literal "_RARE_", or null (YAML `null` and "null" alike)
    rare: Literal["generate", "rare_token", "null"] | None = "generate"
    long_text: Literal["skip", "generate"] = "skip"  # long free text (notes): left out unless "generate"
    # text masked (anonymize: mask, or free text by default): "common" keeps only common words of some language
    # (twinforge.privacy.pii.vocabulary), "recognized" every word the PII recognizers did not mask
    mask_words: Literal["common", "recognized"] = "common"

    @model_validator(mode="after")
    def _consistent(self) -> ColumnPolicy:
        if self.role == "identifier" and self.anonymize == "keep":
            raise ValueError("an identifier column cannot be kept as is: use 'drop' or 'pseudonymize'")
        if (self.anonymize == "generalize") != (self.generalize is not None):
            raise ValueError("'anonymize: generalize' and a 'generalize:' block go together")
        if self.min_count is not None and self.anonymize != "suppress_rare":
            raise ValueError("'min_count' only goes with 'anonymize: suppress_rare'")
        if self.bounds is not None and not self.bounds[0] < self.bounds[1]:
            raise ValueError(f"'bounds' must be [min, max] with min < max, got {list(self.bounds)}")
        if self.bounds is not None and self.categories is not None:
            raise ValueError("a column has 'bounds' (a number or date) or 'categories' (discrete), not both")
        return self

    @property
    def action(self) -> AnonymizeAction | None:
        """The declared action; None when the spec leaves it to the defaults (see twinforge.privacy.anonymize)."""
        if self.anonymize is not None:
            return self.anonymize
        return "drop" if self.role == "identifier" else None


# Cell texts that mean "no value" in text sources, as spreadsheets and databases export them (#N/A is Excel's).
# Matched exactly: "na" or "Na" are also words and names. Not "NaN" (a non-finite number: ingest.non_finite),
# nor "None" or "-", which are real categories or a zero in some tables; add them in source.na_values.
DEFAULT_NA_VALUES = ("", "NA", "N/A", "n/a", "#N/A", "null", "NULL", "Null", "?")


class SourceSpec(_Strict):
    """Where a dataset's initial batch comes from, and how to read it."""

    path: Path | None = None  # a file: csv (.gz), parquet, jsonl, a SQLite or DuckDB database
    url: str | None = None  # a database URL, e.g. postgresql://user@host:5432/db (no password here)
    url_env: str | None = None  # or: the environment variable holding the URL (keeps passwords out)
    format: SourceFormat | None = None  # default: from the file extension or URL scheme
    table: str | None = None  # SQL sources: a table to read whole ...
    query: str | None = None  # ... or a query
    delimiter: str = Field(",", min_length=1, max_length=1)  # text files
    # text files: False reads line 1 as a record (a header-less export), the columns named column_1, column_2, ...
    header: bool = True
    # text files: the decimal mark of numbers; "," reads "45123,50" and "1.234,5" (thousands by ".") as numbers
    decimal: Literal[".", ","] = "."
    encoding: str = "utf-8"
    # text files: cells equal to one of these (after trimming spaces) read as null; see DEFAULT_NA_VALUES
    na_values: list[str] = Field(default_factory=lambda: list(DEFAULT_NA_VALUES))

    @field_validator("delimiter")
    @classmethod
    def _delimiter_parts_fields(cls, value: str) -> str:
        if value in ('"', "\n", "\r"):  # the CSV reader's quote and line ends
            raise ValueError(
                f"{value!r} cannot part fields: it quotes or ends a record; use e.g. ',', ';', '\\t' or '|'"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _old_null_values_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "null_values" in data:
            if "na_values" in data:
                raise ValueError("give na_values or its old name null_values, not both")
            data = {("na_values" if k == "null_values" else k): v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _one_location(self) -> SourceSpec:
        given = [n for n in ("path", "url", "url_env") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(f"set exactly one of path, url, url_env (got {given or 'none'})")
        return self

    @property
    def resolved_format(self) -> str:
        if self.format:
            return self.format
        if self.url_env is not None:
            raise ValueError("set source.format (e.g. postgres) when the URL comes from url_env")
        name = str(self.path) if self.path is not None else str(self.url)
        found = format_from_name(name)
        if found is None and self.path is not None and Path(self.path).is_dir():
            raise ValueError(f"{name} is a folder: give a table file (CSV, Parquet, JSON Lines) or a database file")
        if found is None:
            raise ValueError(
                f"cannot tell the format of {name} from its name (.csv, .csv.gz, .parquet, .jsonl, .sqlite, "
                f".duckdb): rename it, or set source.format in a dataset spec to one of {SOURCE_FORMATS}"
            )
        return found

    @property
    def is_sql(self) -> bool:
        return self.resolved_format in SQL_FORMATS

    def delimiter_for(self, path: str | Path) -> str:
        """The delimiter of the text file ``path`` (the source's, or a batch read with its options): a
        ``.tsv`` file is tab-separated unless the spec sets ``delimiter``."""
        if "delimiter" not in self.model_fields_set and str(path).lower().endswith((".tsv", ".tsv.gz")):
            return "\t"
        return self.delimiter


class IngestSpec(_Strict):
    on_bad_rows: Literal["fail", "quarantine"] = "fail"
    max_field_chars: int = Field(1_048_576, gt=0)  # a longer field makes its row bad
    # keep a Parquet copy of each parsed raw batch (and the values of quarantined rows) in the state folder
    keep_raw: bool = False
    # inf, -inf, nan and numbers beyond float64 in number columns: kept, made null, or a bad row (counted)
    non_finite: Literal["keep", "null", "quarantine"] = "quarantine"

    @field_validator("non_finite", mode="before")
    @classmethod
    def _yaml_null_is_null(cls, v: Any) -> Any:
        # YAML reads the documented `non_finite: null` (or ~) unquoted as None: it means the mode "null"
        return "null" if v is None else v


class DetectionSpec(_Strict):
    sample_rows: int = Field(2000, gt=0)  # rows sampled per batch for content detection
    min_share: float = Field(0.5, gt=0.0, le=1.0)  # share of sampled values for a column to be "of" a PII type
    seed: int = 0


class PrivacySpec(_Strict):
    # a rule set applied on top of the column policies; see twinforge/privacy/hipaa.py and docs/privacy.md
    profile: Literal["hipaa_safe_harbor"] | None = None
    # k-anonymity over the quasi-identifiers: enforced (generalize, then suppress rows) and a blocking check
    k: int | None = Field(None, ge=2)
    # with k: generalize until at most this share of rows would be suppressed (or no hierarchy level is left)
    k_max_suppressed_share: float = Field(0.05, ge=0.0, le=1.0)
    l: int | None = Field(None, ge=2)  # l-diversity of each sensitive column within those classes
    rare_min_count: int = Field(10, ge=2)  # suppress_rare default: categories seen fewer times -> "other"
    detection: DetectionSpec = Field(default_factory=DetectionSpec)


class SplitSpec(_Strict):
    holdout_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    seed: int = 42
    training_window: int | None = Field(None, gt=0)  # the most recent N batches; None: every batch
    # columns identifying one record (e.g. a patient id): all its rows land on the same side of the split.
    # Identical rows always do.
    record_key: list[str] = Field(default_factory=list)


class GeneratorSpec(_Strict):
    model: str = "copula"
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = 0

    @field_validator("model")
    @classmethod
    def _known_model(cls, v: str) -> str:
        # a spec loads without importing torch: the built-in names, plus any registered in a loaded registry
        registry = sys.modules.get("twinforge.generators")
        known = sorted({*BUILTIN_GENERATORS, *(registry.available_generators() if registry else ())})
        if v not in known:
            raise ValueError(f"unknown generator {v!r}; available: {', '.join(known)}")
        return v

    @property
    def rare_min_count(self) -> int:
        """Values seen fewer times are never generated: the generator's parameter, also used by its rules and process fits."""
        return int(self.params.get("rare_min_count", DEFAULT_RARE_MIN_COUNT))


class SamplingSpec(_Strict):
    rows: int | None = Field(None, gt=0)  # None: as many rows as the training split
    seed: int = 1
    conditions: dict[str, Any] = Field(default_factory=dict)  # fixed values, e.g. {result: positive}
    rebalance: dict[str, dict[Any, float]] | None = None  # e.g. {result: {positive: 0.3}}: exact shares
    # a sample of more rows is split into parts of at most this many rows, sampled by parallel steps (each with
    # a seed derived from `seed` and its index) into one Parquet dataset; one part: exactly the rows of `seed`
    partition_rows: int = Field(1_000_000, gt=0)

    @field_validator("rebalance")
    @classmethod
    def _one_column(cls, v: dict | None) -> dict | None:
        if v is not None and len(v) != 1:
            raise ValueError("rebalance takes exactly one column: {column: {value: share}}")
        return v


class ExpectationsSpec(_Strict):
    """The Great Expectations suite run on every synthetic table (blocking checks)."""

    null_tolerance: float = Field(0.05, ge=0.0, le=1.0)  # null share allowed above the training data's
    # rows validated at once: a larger synthetic table is validated slice by slice, with exact totals
    batch_rows: int = Field(DEFAULT_BATCH_ROWS, ge=1_000)


class HoldSpec(_Strict):
    """When a batch is too implausible to train on unseen: it is held until someone approves it."""

    # the target model scores below one that knows only the reference's target distribution
    below_chance: bool = True
    # a column's share of nulls moves by at least this much (absolute)
    null_share_change: float | None = Field(0.5, gt=0.0, le=1.0)
    # at least this share of a categorical column's values are categories the reference never had
    new_category_share: float | None = Field(0.5, gt=0.0, le=1.0)


class DriftSpec(_Strict):
    # a batch drifts when at least this share of its columns drift (Evidently's per-column tests)...
    drift_share: float = Field(0.5, gt=0.0, le=1.0)
    # ...or when one column's effect size (population stability index, corrected for sampling noise)
    # reaches this (0.25 is the usual "major shift"; see docs/production.md for the measurements)...
    column_threshold: float | None = Field(0.25, gt=0.0)
    # ...or when one of these columns drifts...
    key_columns: list[str] = Field(default_factory=list)
    # ...where a column drifts when Evidently's test fails and its effect size reaches this (PSI's "no
    # significant change" ends at 0.1): on small or large batches the tests alone flag differences of no
    # consequence (docs/production.md); null: Evidently's test alone
    min_effect: float | None = Field(0.1, ge=0.0)
    # ...or when a model of the target, trained on the reference, loses more than this much score on it...
    concept_tolerance: float = Field(0.05, gt=0.0, le=1.0)
    # ...or when the batch keeps less than this share of the reference's association between columns (the
    # quality report's dependence score, counted beyond sampling noise): a correlation that reversed or
    # vanished while every column's own distribution stayed; null: not judged
    min_dependence_kept: float | None = Field(0.5, ge=0.0, le=1.0)
    hold_if: HoldSpec = Field(default_factory=HoldSpec)
    # how often the sensors look for new batches and drift results
    sensor_interval_seconds: int = Field(30, ge=1, le=86_400)


class ScheduleSpec(_Strict):
    regenerate_cron: str = "0 6 * * *"
    enabled: bool = False  # schedules start stopped; turn on in the UI or here
    start_date: dt.date = dt.date(2026, 1, 1)  # first day of the date-partitioned synthetic_daily
    # judge each daily twin by the candidate's quality gates too (against train/holdout) before publishing it
    quality_gates: bool = False

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
    ingest: IngestSpec = Field(default_factory=IngestSpec)
    columns: dict[str, ColumnPolicy] = Field(default_factory=dict)
    privacy: PrivacySpec = Field(default_factory=PrivacySpec)
    split: SplitSpec = Field(default_factory=SplitSpec)
    generator: GeneratorSpec = Field(default_factory=GeneratorSpec)
    sampling: SamplingSpec = Field(default_factory=SamplingSpec)
    # columns drawn from a declared or fitted distribution instead of learned (docs/process-columns.md)
    process_columns: dict[str, ProcessColumnSpec] = Field(default_factory=dict)
    # `validation:` is the section's former name, still read
    expectations: ExpectationsSpec = Field(
        default_factory=ExpectationsSpec, validation_alias=AliasChoices("expectations", "validation")
    )
    drift: DriftSpec = Field(default_factory=DriftSpec)
    quality: QualitySpec = Field(default_factory=QualitySpec)  # evaluation settings and promotion gates
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    # business rules every synthetic row meets (syntax: twinforge.rules.definitions, docs/rules.md)
    rules: list[str | dict[str, Any]] = Field(default_factory=list)
    _origin: str = PrivateAttr("<spec>")  # the file the spec came from, named in errors found later

    @field_validator("name")
    @classmethod
    def _identifier_like(cls, v: str) -> str:
        # the name becomes a Dagster key prefix, an MLflow model name and a folder
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", v):
            raise ValueError("must be lowercase letters, digits and underscores, starting with a letter")
        return v

    @model_validator(mode="after")
    def _privacy_needs_roles(self) -> DatasetSpec:
        if (self.privacy.k or self.privacy.l) and not self.quasi_identifiers:
            raise ValueError("privacy.k / privacy.l need at least one column with role quasi_identifier")
        if self.privacy.l and not self.sensitive:
            raise ValueError("privacy.l needs at least one column with role sensitive")
        return self

    @model_validator(mode="after")
    def _dp_budget_gate(self) -> DatasetSpec:
        """A private generator's budget is a promotion gate: the spent ε must stay within it."""
        budget = self.dp_epsilon
        if budget is not None:
            gates = self.quality.gates
            if gates.max_dp_epsilon is not None and gates.max_dp_epsilon > budget:
                raise ValueError(
                    f"quality.gates.max_dp_epsilon ({gates.max_dp_epsilon}) is above generator.params.dp.epsilon "
                    f"({budget})"
                )
            if gates.max_dp_epsilon is None:
                gates.max_dp_epsilon = budget
        return self

    @model_validator(mode="after")
    def _process_columns_fit_the_table(self) -> DatasetSpec:
        conditioned = {*self.sampling.conditions, *(self.sampling.rebalance or {})}
        for name, process in self.process_columns.items():
            field = f"process_columns.{name}"
            for column in (name, process.by):
                policy = self.columns.get(column) if column is not None else None
                if policy is not None and policy.action in ("drop", "pseudonymize", "mask"):
                    raise ValueError(
                        f"{field}: column {column!r} has the policy {policy.action!r} (columns.{column}); a process "
                        "column and its group column must reach the generator's table"
                    )
            if process.by == name:
                raise ValueError(f"{field}.by: a process column cannot be grouped by itself")
            if process.by in self.process_columns:
                raise ValueError(
                    f"{field}.by: {process.by!r} is a process column too; groups come from a learned column"
                )
            if name in conditioned:
                raise ValueError(
                    f"{field}: sampling conditions and rebalancing apply to learned columns, not to {name!r}"
                )
        return self

    @property
    def origin(self) -> str:
        """The spec's file (or ``<spec>``), for errors found after loading."""
        return self._origin

    def rule_list(self) -> RuleList:
        """The parsed ``rules:`` (checked at load by :func:`parse_spec`)."""
        return parse_rules(self.rules)

    @property
    def registered_model_name(self) -> str:
        return f"twinforge-{self.name}"

    def columns_with(self, action: AnonymizeAction) -> list[str]:
        return [c for c, p in self.columns.items() if p.action == action]

    @property
    def quasi_identifiers(self) -> list[str]:
        return [c for c, p in self.columns.items() if p.role == "quasi_identifier"]

    @property
    def identifiers(self) -> list[str]:
        return [c for c, p in self.columns.items() if p.role == "identifier"]

    @property
    def target(self) -> str | None:
        targets = [c for c, p in self.columns.items() if p.role == "target"]
        return targets[0] if targets else None

    @property
    def sensitive(self) -> list[str]:
        return [c for c, p in self.columns.items() if p.role == "sensitive"]

    @property
    def inference_secrets(self) -> list[str]:
        """Columns an inference attack tries to guess: the spec's list, else sensitive columns and the target."""
        return self.quality.secrets or [*self.sensitive, *([self.target] if self.target else [])]

    def column_options_for(self, schema: TableSchema) -> dict[str, ColumnOptions]:
        """The generation options of the spec's learned columns that set any (``rare``, ``long_text``)."""
        learned = {c.name for c in schema.modelled()}
        return {
            name: ColumnOptions(rare=policy.rare or "null", long_text=policy.long_text == "generate")
            for name, policy in self.columns.items()
            if name in learned and (policy.rare != "generate" or policy.long_text != "skip")
        }

    @property
    def public_bounds(self) -> dict[str, list[Any]]:
        """Declared ``bounds`` of columns (for differentially private training)."""
        return {c: list(p.bounds) for c, p in self.columns.items() if p.bounds is not None}

    @property
    def public_categories(self) -> dict[str, list[Any]]:
        """Declared ``categories`` of columns (for differentially private training)."""
        return {c: list(p.categories) for c, p in self.columns.items() if p.categories is not None}

    @property
    def dp_epsilon(self) -> float | None:
        """The ε budget of ``generator.params.dp``; None when the generator is not private."""
        dp = self.generator.params.get("dp")
        if dp is None:
            return None
        if not isinstance(dp, dict) or not isinstance(dp.get("epsilon"), int | float) or dp["epsilon"] <= 0:
            raise ValueError("generator.params.dp must be a mapping with a positive 'epsilon', e.g. {epsilon: 1.0}")
        return float(dp["epsilon"])

    @property
    def kind_overrides(self) -> dict[str, ColumnKind]:
        return {c: p.kind for c, p in self.columns.items() if p.kind is not None}

    def schema_for(self, table: pl.DataFrame, extra_identifiers: Iterable[str] = ()) -> TableSchema:
        """The table's schema with this spec's overrides (and ``extra_identifiers``, columns of the table never
        compared or learned); columns dropped upstream are ignored.

        Id-like columns that reach it (kept or pseudonymized by the spec without role ``identifier``)
        are inferred as identifiers as ingestion infers them, so that no generator learns a person's
        id, or its pseudonym, as a category and writes it into synthetic rows.
        """
        overrides = {**number_kinds(table), **{c: k for c, k in self.kind_overrides.items() if c in table.columns}}
        identifiers = [*(c for c in self.identifiers if c in table.columns), *extra_identifiers]
        return infer_schema(table, overrides=overrides, identifiers=identifiers, detect_identifiers=True)


def _format_errors(err: ValidationError) -> str:
    """The errors after ``invalid dataset spec``: on the same line when there is one, else one per line."""
    lines = []
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"field '{field}': {e['msg']}")
    return f": {lines[0]}" if len(lines) == 1 else "".join(f"\n  {line}" for line in lines)


def parse_spec(data: Any, *, origin: str = "<spec>", base_dir: Path | None = None) -> DatasetSpec:
    """Validate spec data; a relative ``source.path`` is resolved against ``base_dir``."""
    if not isinstance(data, dict):
        raise SpecError(f"{origin}: a dataset spec must be a mapping, got {type(data).__name__}")
    try:
        spec = DatasetSpec.model_validate(data)
    except ValidationError as e:
        raise SpecError(f"{origin}: invalid dataset spec{_format_errors(e)}") from None
    if base_dir is not None and spec.source.path is not None and not spec.source.path.is_absolute():
        spec.source.path = (base_dir / spec.source.path).resolve()
    try:
        _ = spec.source.resolved_format  # raises for a format it cannot tell
    except ValueError as e:
        raise SpecError(f"{origin}: field 'source.format': {e}") from None
    try:
        spec.rule_list()
    except RuleError as e:
        raise SpecError(f"{origin}: {e}") from None
    spec._origin = origin
    return spec


class _UniqueKeyLoader(BoundedSafeLoader):
    """PyYAML keeps the last of two equal keys silently; in a spec that hides a setting, so refuse it."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"key {key!r} appears twice (lines {seen[key] + 1} and {key_node.start_mark.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load_spec(path: str | Path) -> DatasetSpec:
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"dataset spec not found: {path}")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (safe loader)
    except yaml.YAMLError as e:
        raise SpecError(f"{path}: not valid YAML: {e}") from None
    except RecursionError:
        raise SpecError(f"{path}: not valid YAML: {NESTED_TOO_DEEP}") from None
    return parse_spec(data, origin=str(path), base_dir=path.parent)


def load_specs(directory: str | Path) -> list[DatasetSpec]:
    """Every ``*.yaml`` spec in a folder, sorted by file name; dataset names must be unique. A folder that does
    not exist is an error, not an empty one: a mistyped ``--specs`` or ``TWINFORGE_SPECS`` must not read as a
    project with no datasets."""
    if not Path(directory).is_dir():
        what = "is not a folder" if Path(directory).exists() else "does not exist"
        raise FileNotFoundError(f"the folder of dataset specs {directory} {what} (check --specs or TWINFORGE_SPECS)")
    specs = [load_spec(p) for p in sorted(Path(directory).glob("*.yaml"))]
    seen: dict[str, int] = {}
    for s in specs:
        seen[s.name] = seen.get(s.name, 0) + 1
    dupes = [n for n, k in seen.items() if k > 1]
    if dupes:
        raise SpecError(f"{directory}: dataset names used by more than one spec: {dupes}")
    return specs
