"""Typed quality report: Pydantic models for what :func:`~twinforge.evaluation.evaluate` returns.

:class:`QualityReport` holds the sections (``fidelity``, ``utility``,
``privacy``), the run's metadata (sizes, columns, settings, timings) and the
promotion-gate verdict (:class:`GateVerdicts`, one :class:`GateResult` per
enabled gate). ``report.to_json_dict()`` is the JSON form (the keys the report
has always had; NaN written as null); ``QualityReport.from_json(...)`` reads it
back, from a dict, a JSON string or a file.

Conventions:

* a number that could not be measured is ``None`` (``null`` in JSON); NaN is
  read as ``None`` (:data:`Measure`), so a typed report never holds NaN;
* keys a section writes only in some cases (``reason``, the moments of a
  numeric column that has values, ...) are left out of the JSON when unset,
  as the evaluation modules have always left them out;
* sections accept keys they do not know (``extra="allow"``), so a report
  written by another twinforge version still reads; :meth:`QualityReport.unknown_keys`
  lists them.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel, model_validator

from twinforge.config.quality import QualitySpec

T = TypeVar("T")


def _nan_to_none(v: Any) -> Any:
    return None if isinstance(v, float) and math.isnan(v) else v


# A measured number, or None (null in JSON) where it could not be measured; NaN counts as not measured.
Measure = Annotated[float | None, BeforeValidator(_nan_to_none)]


def _is_none(v: Any) -> bool:
    return v is None


def _optional(default: Any = None) -> Any:
    """A key written only when it has a value (as the evaluation modules write it)."""
    return Field(default, exclude_if=_is_none)


class Section(BaseModel):
    """Base of every report model: unknown keys are kept (and dumped) rather than rejected."""

    model_config = ConfigDict(extra="allow")


class Pair(Section, Generic[T]):
    real: T
    synthetic: T


# --------------------------------------------------------------------------- fidelity


class Histogram(Section):
    edges: list[float]
    real: list[float]
    synthetic: list[float]


class Bars(Section):
    labels: list[str]
    real: list[float]
    synthetic: list[float]


class NumericColumnFidelity(Section):
    """A numeric or datetime column: 1 - KS; the moments and charts only when both sides have values."""

    kind: str
    unit: str | None = _optional()  # "epoch seconds" for datetimes
    metric: Literal["ks"] = "ks"
    null_rate: Pair[float]
    ks: Measure
    wasserstein: Measure
    wasserstein_scale: str | None = _optional()
    mean: Pair[Measure] | None = _optional()
    std: Pair[Measure] | None = _optional()
    variance: Pair[Measure] | None = _optional()
    skewness: Pair[Measure] | None = _optional()
    kurtosis: Pair[Measure] | None = _optional()
    outlier_share: Pair[Measure] | None = _optional()
    range: Pair[list[float]] | None = _optional()
    out_of_range_share: Measure = _optional()
    # shares of values beyond the far fence around the real values (fidelity.extreme_fences)
    extreme_share: Pair[Measure] | None = _optional()
    histogram: Histogram | None = _optional()
    n_values: Pair[int] | None = _optional()  # non-null values compared (None: a report of before)
    distance_noise: Measure = _optional()  # the KS sampling noise alone could reach
    score: float


class CategoricalColumnFidelity(Section):
    """A categorical or boolean column: 1 - TVD and category coverage."""

    kind: str
    metric: Literal["tvd"] = "tvd"
    tvd: float
    null_rate: Pair[float]
    n_categories: Pair[int]
    categories_missing: int
    categories_invented: int
    bars: Bars
    n_values: Pair[int] | None = _optional()  # non-null values compared (None: a report of before)
    distance_noise: Measure = _optional()  # the TVD sampling noise alone could reach
    score: float


class TextColumnFidelity(Section):
    """A generated text column (:mod:`twinforge.evaluation.text`): lengths, frequent values, character 3-grams."""

    kind: str
    metric: Literal["text"] = "text"
    null_rate: Pair[float]
    n_distinct: Pair[int]
    length_tvd: float
    mean_length: Pair[Measure]
    frequent_share: Pair[float]
    frequent_tvd: float
    char_ngram_similarity: float
    rare_real_share: float
    score: float


ColumnFidelity = Annotated[NumericColumnFidelity | CategoricalColumnFidelity, Field(discriminator="metric")]


class CorrelationPair(Section):
    columns: list[str]
    real: Measure
    synthetic: Measure


class CorrelationReport(Section):
    """Pearson correlations of the numeric columns, real vs synthetic."""

    columns: list[str]
    n_pairs: int
    mean_abs_diff: Measure
    max_abs_diff: Measure
    worst_pair: CorrelationPair | None
    real: list[list[float | None]] | None
    synthetic: list[list[float | None]] | None


class AssociationPair(Section):
    columns: list[str]
    real: float
    synthetic: float
    contingency_similarity: float
    # numeric columns whose correlations have opposite signs (Cramér's V cannot tell)
    opposite_sign: bool = _optional()
    lost: Measure = _optional()  # the dependence lost beyond sampling noise


class AssociationReport(Section):
    """Cramér's V of every column pair, real vs synthetic, and the dependence score."""

    columns: list[str]
    n_pairs: int
    real: list[list[float | None]] | None
    synthetic: list[list[float | None]] | None
    dependence_score: Measure
    mean_abs_diff: Measure
    contingency_similarity: Measure
    worst_pairs: list[AssociationPair]
    mean_real_association: Measure = _optional()
    # why there is no dependence to keep (the score is undefined by design), when that is so
    dependence_not_applicable: str | None = _optional()


class DiscriminatorReport(Section):
    auc: Measure
    rows_per_class: int
    folds: int | None = _optional()
    reason: str | None = _optional()


class FidelityReport(Section):
    overall_score: Measure
    n_columns: int
    n_rows: Pair[int]
    columns: dict[str, ColumnFidelity]
    skipped: dict[str, str]
    correlation: CorrelationReport
    association: AssociationReport | None = _optional()
    discriminator: DiscriminatorReport | None = _optional()
    text: dict[str, TextColumnFidelity] | None = _optional()  # generated text columns, not in the overall score


# --------------------------------------------------------------------------- utility


class UtilityRows(Section):
    trtr: int
    tstr: int
    test: int


class UtilityReport(Section):
    """TSTR vs TRTR on the holdout; ``trtr`` / ``tstr`` map metric names to scores."""

    target: str
    task: Literal["classification", "regression"]
    rows_without_target: dict[str, int]
    # classification: rows whose target class no other row of their set has, left out of fitting
    rows_of_rare_classes: dict[str, int] | None = _optional()
    primary_metric: str
    trtr: dict[str, Measure] | None
    tstr: dict[str, Measure] | None
    loss: Measure
    lift_retained: Measure
    rows: UtilityRows | None = _optional()
    reason: str | None = _optional()  # why the scores could not be measured
    # why the lift is undefined by design (the real-data model barely beats chance), when that is so
    lift_not_applicable: str | None = _optional()

    @property
    def trtr_primary(self) -> float | None:
        return (self.trtr or {}).get(self.primary_metric)

    @property
    def tstr_primary(self) -> float | None:
        return (self.tstr or {}).get(self.primary_metric)


# --------------------------------------------------------------------------- privacy


class ExactMatchReport(Section):
    synthetic_share: Measure
    holdout_share: Measure
    excess: Measure
    synthetic_duplicate_share: Measure


class DistanceRows(Section):
    train_reference: int
    holdout_reference: int
    synthetic_queries: int


class Quantiles(Section):
    p05: Measure
    median: Measure
    mean: Measure


class DistanceHistogram(Section):
    edges: list[float]
    series: dict[str, list[float]]


class DcrReport(Section):
    share_closer_to_train: Measure
    expected_share_if_unrelated: Measure
    balanced_share_closer_to_train: Measure
    synthetic_to_train: Quantiles
    synthetic_to_holdout: Quantiles
    holdout_to_train: Quantiles
    share_at_zero: Measure
    holdout_share_at_zero: Measure
    histogram: DistanceHistogram


class NndrReport(Section):
    synthetic: Quantiles
    holdout: Quantiles
    histogram: DistanceHistogram


class MembershipReport(Section):
    auc: Measure
    advantage: Measure
    rows_per_class: int
    synthetic_reference_rows: int


class DistanceReport(Section):
    rows: DistanceRows
    dcr: DcrReport
    nndr: NndrReport
    membership: MembershipReport


class AnonymeterMethodRisk(Section):
    """A singling-out attack scored as anonymeter scores it, where twinforge's own scoring deliberately differs:
    over the attacks requested rather than the predicates found, the control count scaled by ``curve_fit``."""

    risk: Measure
    risk_ci: list[Measure]
    risk_error: Measure = _optional()  # the 95 % interval's half-width before clipping to [0, 1]
    attack_rate: Measure = _optional()
    control_rate: Measure = _optional()
    baseline_rate: Measure = _optional()
    n_attacks: int  # requested
    informative: bool
    n_success: int
    control_count: Measure  # after the size correction
    control_correction: Measure


class AttackResult(Section):
    """One anonymeter-style attack: the risk, its 95 % interval and the success rates behind it."""

    risk: Measure
    risk_ci: list[Measure]
    risk_error: Measure = _optional()  # the 95 % interval's half-width before clipping to [0, 1]
    attack_rate: Measure = _optional()
    control_rate: Measure = _optional()
    baseline_rate: Measure = _optional()
    n_attacks: int
    informative: bool
    mode: str | None = _optional()  # singling out
    aux_columns: list[list[str]] | None = _optional()  # linkability
    secret: str | None = _optional()  # inference
    reason: str | None = _optional()  # why no attack could be made
    anonymeter_method: AnonymeterMethodRisk | None = _optional()  # singling out


class AttackReport(Section):
    method: str
    rows: dict[str, int]
    singling_out: dict[str, AttackResult]
    singling_out_risk: Measure
    linkability: AttackResult
    inference: dict[str, AttackResult]
    inference_risk: Measure
    inference_worst_secret: str | None


class DifferentialPrivacyReport(Section):
    """What a differentially private generator spent (its fit's accounting, as recorded with its version)."""

    epsilon: float  # spent: statistics + training (basic composition)
    delta_spent: float
    epsilon_budget: float
    delta: float
    statistics_epsilon: float
    statistics_delta: float
    training_epsilon: float
    training_delta: float
    accountant: str
    noise_multiplier: float
    sample_rate: float
    steps: int
    max_grad_norm: float
    declared_columns: list[str] = Field(default_factory=list)
    null_columns: list[str] = Field(default_factory=list)  # left null by the statistics (see warnings)
    warnings: list[str] = Field(default_factory=list)


class PrivacyReport(Section):
    exact_matches: ExactMatchReport
    distances: DistanceReport
    attacks: AttackReport | None = _optional()
    differential_privacy: DifferentialPrivacyReport | None = _optional()


# --------------------------------------------------------------------------- gates


class GateResult(Section):
    """One promotion gate's verdict.

    ``applicable`` is False only where the gate was explicitly found not to
    apply (``reason`` says why); it then passes. An applicable gate whose
    value could not be measured fails, with ``value`` and ``margin`` None and
    ``reason`` saying what was missing; a measured per-column gate's ``reason`` names
    its worst columns. ``margin`` is how far the value is on
    the good side of the threshold (negative: failed by that much).
    """

    name: str
    threshold: float
    value: Measure
    passed: bool
    margin: Measure
    applicable: bool = True
    reason: str | None = None
    direction: Literal["min", "max"]
    section: str
    description: str

    @model_validator(mode="after")
    def _consistent(self) -> GateResult:
        if self.applicable and self.passed and (self.value is None or self.margin is None or self.margin < 0):
            raise ValueError(
                f"gate {self.name}: an applicable gate passes only on a measured value within its threshold"
            )
        if not self.applicable and not self.reason:
            raise ValueError(f"gate {self.name}: a gate that does not apply must say why (reason)")
        return self


class GateVerdicts(RootModel[dict[str, GateResult]]):
    """Every enabled gate's result by gate name (the JSON ``gates`` object); reads like a read-only mapping."""

    @model_validator(mode="before")
    @classmethod
    def _names_from_keys(cls, data: Any) -> Any:
        # reports written before gate results carried their name: the key is the name
        if isinstance(data, Mapping):
            return {k: {"name": k, **v} if isinstance(v, Mapping) and "name" not in v else v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _keys_are_names(self) -> GateVerdicts:
        wrong = [k for k, g in self.root.items() if g.name != k]
        if wrong:
            raise ValueError(f"gate results filed under another gate's name: {', '.join(wrong)}")
        return self

    def __getitem__(self, name: str) -> GateResult:
        return self.root[name]

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)

    def __contains__(self, name: object) -> bool:
        return name in self.root

    def get(self, name: str) -> GateResult | None:
        return self.root.get(name)

    def keys(self) -> KeysView[str]:
        return self.root.keys()

    def values(self) -> ValuesView[GateResult]:
        return self.root.values()

    def items(self) -> ItemsView[str, GateResult]:
        return self.root.items()

    @property
    def failed(self) -> list[str]:
        return [name for name, g in self.root.items() if not g.passed]

    @property
    def all_passed(self) -> bool:
        return all(g.passed for g in self.root.values())


# --------------------------------------------------------------------------- process columns


class ProcessMoments(Section):
    """A process column's moments in one group (``group`` None: over all rows): expected vs synthetic."""

    group: str | None
    rows: int  # synthetic rows
    expected_mean: Measure
    expected_sd: Measure
    synthetic_mean: Measure
    synthetic_sd: Measure
    real_mean: Measure = None  # None for groups too small to show
    real_sd: Measure = None
    mean_relative_error: Measure = None  # |synthetic - expected| / |expected|
    mean_z: Measure = None  # (synthetic - expected) / standard error of the mean
    # (mean of the distribution's CDF at the synthetic values - 1/2) / its standard error, 1 / sqrt(12 n)
    cdf_z: Measure = _optional()


class ProcessColumnReport(Section):
    """How one process column follows its distribution (:mod:`twinforge.process.moments`)."""

    distribution: str
    by: str | None
    fitted: bool
    parameters: dict[str, Any]  # {"default": {...}, "groups": {group: {...}}}, canonical parameters
    overall: ProcessMoments
    groups: list[ProcessMoments] = Field(default_factory=list)


# --------------------------------------------------------------------------- the report


class RowCounts(Section):
    train: int
    holdout: int
    synthetic: int


class RuleViolations(Section):
    """How often one business rule is broken, in the training rows and in the synthetic rows."""

    rule: str  # "rules[0] checkout_date >= checkin_date"
    kind: str
    real_violation_rate: float | None  # None: a column of the rule is missing from that table
    synthetic_violation_rate: float | None


class RulesReport(Section):
    """Violation rate per declared rule (twinforge.rules); every synthetic rate should be 0."""

    rules: list[RuleViolations]

    @property
    def max_synthetic_violation_rate(self) -> float | None:
        rates = [r.synthetic_violation_rate for r in self.rules]
        return None if not rates or any(r is None for r in rates) else max(rates)


class QualityReport(Section):
    """Everything :func:`~twinforge.evaluation.evaluate` measured, and the gate verdict."""

    created_at: str  # ISO 8601, UTC
    twinforge_version: str
    n_rows: RowCounts
    columns: dict[str, str]  # compared column -> kind
    skipped_columns: dict[str, str]  # column -> why it is not compared
    target: str | None
    fidelity: FidelityReport
    utility: UtilityReport | None  # None: no target column
    privacy: PrivacyReport
    settings: QualitySpec
    gates: GateVerdicts
    passed: bool
    timings_seconds: dict[str, float] = Field(default_factory=dict)
    # columns drawn from a distribution: their moments against the distribution's (none: no such column)
    process_columns: dict[str, ProcessColumnReport] = Field(default_factory=dict)
    rules: RulesReport | None = None  # None: no business rule declared

    @model_validator(mode="after")
    def _verdict_matches_gates(self) -> QualityReport:
        if self.passed != self.gates.all_passed:
            raise ValueError(f"passed is {self.passed} but the gates say {self.gates.all_passed}")
        if self.target is not None and self.utility is not None and self.utility.target != self.target:
            raise ValueError(f"utility measured for {self.utility.target!r}, the report's target is {self.target!r}")
        return self

    # ----------------------------------------------------------------------- reading and writing

    @classmethod
    def from_json(cls, source: str | bytes | os.PathLike | Mapping[str, Any]) -> QualityReport:
        """A report from its JSON form: a dict, a JSON string, or the path of a JSON file."""
        if isinstance(source, Mapping):
            return cls.model_validate(source)
        if isinstance(source, os.PathLike):
            source = Path(source).read_text(encoding="utf-8")
        return cls.model_validate_json(source)

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON form: plain dicts, lists, strings, numbers, booleans and None (never NaN)."""
        return _finite(self.model_dump(mode="json"))

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_json_dict(), indent=indent)

    def unknown_keys(self) -> list[str]:
        """Dotted paths of the keys no model field describes (from another twinforge version)."""
        return sorted(_extra_paths(self, ""))

    # ----------------------------------------------------------------------- summaries

    @property
    def failed_gates(self) -> list[str]:
        return self.gates.failed

    def headline(self) -> dict[str, float]:
        """The headline numbers (unmeasured ones left out) and the gate counts, as floats.

        The names are MLflow metric and Dagster metadata keys.
        """
        fidelity, utility, privacy = self.fidelity, self.utility, self.privacy
        association, discriminator, attacks = fidelity.association, fidelity.discriminator, privacy.attacks
        numbers = {
            "fidelity_overall": fidelity.overall_score,
            "pairwise_dependence": association.dependence_score if association else None,
            "contingency_similarity": association.contingency_similarity if association else None,
            "correlation_mean_abs_diff": fidelity.correlation.mean_abs_diff,
            "discriminator_auc": discriminator.auc if discriminator else None,
            "utility_trtr": utility.trtr_primary if utility else None,
            "utility_tstr": utility.tstr_primary if utility else None,
            "utility_lift_retained": utility.lift_retained if utility else None,
            "exact_match_share": privacy.exact_matches.synthetic_share,
            "dcr_share_closer_to_train": privacy.distances.dcr.balanced_share_closer_to_train,
            "nndr_median": privacy.distances.nndr.synthetic.median,
            "membership_advantage": privacy.distances.membership.advantage,
            "singling_out_risk": attacks.singling_out_risk if attacks else None,
            "linkability_risk": attacks.linkability.risk if attacks else None,
            "inference_risk": attacks.inference_risk if attacks else None,
            "dp_epsilon": privacy.differential_privacy.epsilon if privacy.differential_privacy else None,
            "rules_max_synthetic_violation_rate": self.rules.max_synthetic_violation_rate if self.rules else None,
        }
        for name, process in self.process_columns.items():
            numbers[f"process.{_metric_name(name)}.mean_relative_error"] = process.overall.mean_relative_error
        out = {k: float(v) for k, v in numbers.items() if v is not None and math.isfinite(v)}
        failed = len(self.gates.failed)
        out["gates_failed"] = float(failed)
        out["gates_passed"] = float(len(self.gates) - failed)
        return out


def as_report(report: QualityReport | Mapping[str, Any]) -> QualityReport:
    """A typed report from a typed report or its JSON form (a dict, e.g. a Dagster asset's stored value)."""
    return report if isinstance(report, QualityReport) else QualityReport.from_json(report)


def _metric_name(column: str) -> str:
    # MLflow metric keys take letters, digits, _ - . / and spaces
    return re.sub(r"[^A-Za-z0-9_\-./ ]", "_", column)


def _finite(node: Any) -> Any:
    if isinstance(node, float):
        return node if math.isfinite(node) else None
    if isinstance(node, dict):
        return {k: _finite(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_finite(v) for v in node]
    return node


def _extra_paths(node: Any, prefix: str) -> Iterator[str]:
    if isinstance(node, RootModel):
        node = node.root
    if isinstance(node, BaseModel):
        for key in node.model_extra or {}:
            yield f"{prefix}{key}"
        for name in type(node).model_fields:
            yield from _extra_paths(getattr(node, name), f"{prefix}{name}.")
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _extra_paths(value, f"{prefix}{key}.")
    elif isinstance(node, list):
        for value in node:
            yield from _extra_paths(value, prefix)
