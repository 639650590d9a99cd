"""Promotion gates: thresholds on the report's headline numbers, failing closed.

Each gate reads one typed number from the :class:`~twinforge.evaluation.models.QualityReport`
and compares it with a threshold from the dataset spec (``quality.gates``;
these defaults otherwise). A gate set to ``null`` is off; the utility gate is
off when there is no target column (:func:`enabled_gates`). ``margin`` is how
far the value is on the good side of the threshold: negative means the gate
failed by that much.

An enabled gate is *not applicable* only where its section says so explicitly,
with a reason: the real columns have no dependence to keep (the dependence
gate), the model trained on real rows barely beats chance (the utility gate).
It then passes. Any other gate whose number is missing or NaN **fails**, with
a reason: a number that cannot be computed is no evidence of quality.

Why the defaults (``benchmarks/gate_calibration.py``; the table is in
docs/quality-and-gates.md): the fidelity and utility thresholds are the
transformer's worst value over three benchmark tables and three seeds, less a
margin of 0.1, rounded to the lenient 0.05. They were never fitted to the demo
table, which is their test: there the transformer passes every gate and the
Gaussian copula, which loses the demo's result x ct_result dependence, fails the
dependence, discriminator and utility gates. The column-shape gate cannot tell
the two apart (the copula's marginals are exact by construction); it catches
broken marginals. The privacy thresholds are the risk accepted, not calibrated
on a generator: a generator that copies its training rows fails every one.

The per-column gates (worst column, null shares, extreme values) judge each column and read the
worst, counting a difference only beyond what sampling noise could make; their thresholds were
checked on fresh draws of known truths (tests/unit/test_evaluation_column_gates.py; the why is in
docs/quality-and-gates.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from twinforge.config.quality import GateThresholds
from twinforge.evaluation.columns import MISSING_FROM_SYNTHETIC
from twinforge.evaluation.models import GateResult, GateVerdicts, NumericColumnFidelity, QualityReport

Reader = Callable[[QualityReport], "float | None"]
Explainer = Callable[[QualityReport], "str | None"]


def _nothing(report: QualityReport) -> str | None:
    return None


@dataclass(frozen=True)
class Gate:
    name: str  # also the Dagster check name
    threshold_field: str
    direction: Literal["min", "max"]
    section: str
    description: str
    value: Reader
    # the section's explicit statement that the gate does not apply (a reason), else None
    not_applicable: Explainer = _nothing
    # what the section says about why its number is missing, to put in a failed gate's reason
    why_unmeasured: Explainer = _nothing
    # for a measured value: what lies behind it (the worst columns of a per-column gate), as its reason
    detail: Explainer = _nothing

    def judge(self, report: QualityReport, threshold: float) -> GateResult:
        """This gate's verdict on ``report``: measured, explicitly not applicable, or failed as unmeasurable."""
        common = {
            "name": self.name,
            "threshold": threshold,
            "direction": self.direction,
            "section": self.section,
            "description": self.description,
        }
        reason = self.not_applicable(report)
        if reason:
            return GateResult(**common, value=None, passed=True, margin=None, applicable=False, reason=reason)
        value = self.value(report)
        if value is None or not math.isfinite(value):
            why = self.why_unmeasured(report)
            reason = "value could not be measured" + (f": {why}" if why else "")
            return GateResult(**common, value=None, passed=False, margin=None, applicable=True, reason=reason)
        value = float(value)
        margin = value - threshold if self.direction == "min" else threshold - value
        detail = self.detail(report)
        return GateResult(**common, value=value, passed=margin >= 0, margin=margin, applicable=True, reason=detail)


# --------------------------------------------------------------------------- per-column gates
#
# Each judges every compared column and reads the worst one, so one destroyed column fails however good
# the others are. A column's difference counts only beyond what sampling noise alone could make (the
# fidelity section's ``distance_noise``, or BINOMIAL_Z standard errors of a share): a small table's
# faithful twin differs by chance more than a large one's. A report without the per-column numbers (one
# written before these gates) fails them: nothing was measured.

BINOMIAL_Z = 4.0  # a share's difference beyond 4 standard errors is not sampling noise (probability 6e-5)
NAMED_COLUMNS = 3  # the worst columns a gate's reason names


def share_noise(real: float, synthetic: float, n: int, m: int) -> float:
    """BINOMIAL_Z standard errors of the difference of two shares of ``n`` and ``m`` rows (pooled share)."""
    if n <= 0 or m <= 0:
        return 0.0
    pooled = (real * n + synthetic * m) / (n + m)
    return BINOMIAL_Z * math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m))


def _beyond(difference: float, noise: float) -> float:
    """A difference within sampling noise counts as none."""
    return difference if difference > noise else 0.0


def _shape_differences(report: QualityReport) -> dict[str, tuple[float, str]] | None:
    """Column -> (1 - score beyond sampling noise, what to say about it); None if a column lacks its noise."""
    out = {}
    for name, column in report.fidelity.columns.items():
        if column.distance_noise is None:
            return None
        distance = 1.0 - column.score
        out[name] = (
            _beyond(distance, column.distance_noise),
            f"{name} {column.score:.3f} ({column.metric.upper()} {distance:.3f}, noise {column.distance_noise:.3f})",
        )
    for name, why in report.fidelity.skipped.items():  # a learnable column the twin lacks is destroyed whole
        if why == MISSING_FROM_SYNTHETIC:
            out[name] = (1.0, f"{name} missing from the synthetic table")
    return out or None


def _null_differences(report: QualityReport) -> dict[str, tuple[float, str]] | None:
    """Column -> (|null share difference| beyond sampling noise, what to say about it), text columns too."""
    rows = report.fidelity.n_rows
    columns = {**report.fidelity.columns, **(report.fidelity.text or {})}
    out = {}
    for name, column in columns.items():
        real, synthetic = column.null_rate.real, column.null_rate.synthetic
        noise = share_noise(real, synthetic, rows.real, rows.synthetic)
        out[name] = (_beyond(abs(synthetic - real), noise), f"{name} {real:.1%} real, {synthetic:.1%} synthetic")
    return out or None


def _numeric_columns(report: QualityReport) -> dict[str, NumericColumnFidelity]:
    return {n: c for n, c in report.fidelity.columns.items() if isinstance(c, NumericColumnFidelity)}


def _extreme_excesses(report: QualityReport) -> dict[str, tuple[float, str]] | None:
    """Numeric column -> (extreme-value share beyond the real one's, past sampling noise; what to say about it)."""
    if not report.fidelity.columns:
        return None
    out = {}
    for name, column in _numeric_columns(report).items():
        if column.n_values is None:
            return None  # a report of before: not measured
        n, m = column.n_values.real, column.n_values.synthetic
        if not n or not m:
            continue  # no values on one side: the null-share and column-shape gates judge it
        if column.extreme_share is None or column.extreme_share.real is None or column.extreme_share.synthetic is None:
            return None
        real, synthetic = column.extreme_share.real, column.extreme_share.synthetic
        out[name] = (
            _beyond(synthetic - real, share_noise(real, synthetic, n, m)),
            f"{name} {synthetic:.2%} of synthetic values extreme, {real:.2%} of real",
        )
    return out


def _worst(differences: dict[str, tuple[float, str]] | None) -> float | None:
    return max((d for d, _ in differences.values()), default=0.0) if differences is not None else None


def _named(differences: dict[str, tuple[float, str]] | None, closest: str | None = None) -> str | None:
    """The worst columns beyond sampling noise; else that none is (and ``closest``, the nearest to failing)."""
    if not differences:
        return None
    ranked = sorted(differences.items(), key=lambda kv: (-kv[1][0], kv[0]))
    beyond = [text for _, (d, text) in ranked if d > 0][:NAMED_COLUMNS]
    if not beyond:
        return "no column differs beyond sampling noise" + (f"; {closest}" if closest else "")
    return "beyond sampling noise: " + "; ".join(beyond)


def _worst_shape(report: QualityReport) -> float | None:
    worst = _worst(_shape_differences(report))
    return None if worst is None else 1.0 - worst


def _worst_shape_detail(report: QualityReport) -> str | None:
    differences = _shape_differences(report)
    if not differences:
        return None
    lowest = min(report.fidelity.columns.items(), key=lambda kv: (kv[1].score, kv[0]))[0]
    return _named(differences, f"lowest score: {differences[lowest][1]}")  # the column closest to failing


def _fidelity_columns_unmeasured(report: QualityReport) -> str | None:
    if not report.fidelity.columns:
        return "no column was compared"
    return "the report has no per-column sampling noise or value counts (written by an older twinforge?)"


def _no_numeric_column(report: QualityReport) -> str | None:
    columns = _numeric_columns(report)
    if report.fidelity.columns and not any(
        c.n_values is None or (c.n_values.real and c.n_values.synthetic) for c in columns.values()
    ):
        return "no numeric or date column with values on both sides"
    return None


def _dependence(report: QualityReport) -> float | None:
    association = report.fidelity.association
    return association.dependence_score if association else None


def _dependence_not_applicable(report: QualityReport) -> str | None:
    association = report.fidelity.association
    return association.dependence_not_applicable if association else None


def _dependence_unmeasured(report: QualityReport) -> str | None:
    return None if report.fidelity.association else "no pairwise association in the report"


def _process_mean_errors(report: QualityReport) -> dict[str, tuple[float, str]] | None:
    """Process column (and group) -> (|CDF z|, what to say about it): how far the synthetic values sit from
    the declared (or fitted) distribution, in standard errors of the mean of its CDF at them (close to normal
    whatever the tails); None when a column's was not measured (a report of before, or no values)."""
    out = {}
    for name, process in report.process_columns.items():
        for moments in [process.overall, *process.groups]:
            if moments.cdf_z is None:
                if moments.group is None:
                    return None
                continue  # a group without values
            where = name if moments.group is None else f"{name}[{process.by}={moments.group}]"
            # the gate judges the distribution's fit (cdf_z); the mean's own z is said beside it, as the report shows
            text = f"{where} off its distribution by z {moments.cdf_z:+.1f}"
            if moments.synthetic_mean is not None:
                text += f"; mean {moments.synthetic_mean:.4g} against {moments.expected_mean:.4g}"
                text += "" if moments.mean_z is None else f" (z {moments.mean_z:+.1f})"
            out[where] = (abs(moments.cdf_z), text)
    return out


def _no_process_columns(report: QualityReport) -> str | None:
    return None if report.process_columns else "no process columns"


def _process_unmeasured(report: QualityReport) -> str | None:
    return "a process column has no values to compare, or the report predates the CDF z-score"


def _process_detail(report: QualityReport) -> str | None:
    errors = _process_mean_errors(report)
    if not errors:
        return None
    ranked = sorted(errors.items(), key=lambda kv: (-kv[1][0], kv[0]))[:NAMED_COLUMNS]
    return "; ".join(text for _, (_, text) in ranked)


def _discriminator(report: QualityReport) -> float | None:
    discriminator = report.fidelity.discriminator
    return discriminator.auc if discriminator else None


def _discriminator_unmeasured(report: QualityReport) -> str | None:
    discriminator = report.fidelity.discriminator
    return discriminator.reason if discriminator else "no discriminator in the report"


def _lift(report: QualityReport) -> float | None:
    return report.utility.lift_retained if report.utility else None


def _lift_not_applicable(report: QualityReport) -> str | None:
    return report.utility.lift_not_applicable if report.utility else None


def _lift_unmeasured(report: QualityReport) -> str | None:
    if report.utility is None:
        return "no utility section in the report although the gate is enabled"
    return report.utility.reason


def _attacks_unmeasured(report: QualityReport) -> str | None:
    return None if report.privacy.attacks else "no attacks in the report"


def _singling_out(report: QualityReport) -> float | None:
    attacks = report.privacy.attacks
    return attacks.singling_out_risk if attacks else None


def _linkability(report: QualityReport) -> float | None:
    attacks = report.privacy.attacks
    return attacks.linkability.risk if attacks else None


def _linkability_unmeasured(report: QualityReport) -> str | None:
    attacks = report.privacy.attacks
    return attacks.linkability.reason if attacks else "no attacks in the report"


def _inference(report: QualityReport) -> float | None:
    attacks = report.privacy.attacks
    return attacks.inference_risk if attacks else None


def _dp_epsilon(report: QualityReport) -> float | None:
    dp = report.privacy.differential_privacy
    return dp.epsilon if dp else None


def _dp_unmeasured(report: QualityReport) -> str | None:
    return "no differential-privacy accounting was recorded for this model (a private spec needs its spent ε)"


GATES: tuple[Gate, ...] = (
    Gate(
        "fidelity_column_shapes",
        "min_column_shape_score",
        "min",
        "fidelity",
        "Mean per-column score (1 - KS for numbers and dates, 1 - TVD for categories).",
        lambda r: r.fidelity.overall_score,
    ),
    Gate(
        "fidelity_worst_column",
        "min_worst_column_score",
        "min",
        "fidelity",
        "Lowest per-column score (1 - KS, 1 - TVD) among columns that differ beyond sampling noise (1 if none "
        "does): one destroyed column fails however good the mean is.",
        _worst_shape,
        why_unmeasured=_fidelity_columns_unmeasured,
        detail=_worst_shape_detail,
    ),
    Gate(
        "fidelity_null_shares",
        "max_null_share_difference",
        "max",
        "fidelity",
        "Largest difference of a column's share of nulls, real vs synthetic, beyond sampling noise "
        f"({BINOMIAL_Z:g} standard errors; 0 if none).",
        lambda r: _worst(_null_differences(r)),
        why_unmeasured=_fidelity_columns_unmeasured,
        detail=lambda r: _named(_null_differences(r)),
    ),
    Gate(
        "fidelity_extreme_values",
        "max_extreme_share_excess",
        "max",
        "fidelity",
        "Largest excess, over the real share, of a numeric column's synthetic values beyond the real "
        "[q0.1% - 3 IQR, q99.9% + 3 IQR], past sampling noise (0 if none).",
        lambda r: _worst(_extreme_excesses(r)),
        not_applicable=_no_numeric_column,
        why_unmeasured=_fidelity_columns_unmeasured,
        detail=lambda r: _named(_extreme_excesses(r)),
    ),
    Gate(
        "fidelity_pairwise_dependence",
        "min_dependence_score",
        "min",
        "fidelity",
        "Share of the real column-pair associations (Cramér's V) the synthetic data keeps.",
        _dependence,
        not_applicable=_dependence_not_applicable,
        why_unmeasured=_dependence_unmeasured,
    ),
    Gate(
        "process_distributions",
        "max_process_mean_z",
        "max",
        "fidelity",
        "Largest distance, in standard errors, of a process column's synthetic values (overall and per group) "
        "from its declared or fitted distribution (the mean of its CDF at them, 1/2 for draws of it): a rule "
        "that conditions the draw shifts it.",
        lambda r: _worst(_process_mean_errors(r)),
        not_applicable=_no_process_columns,
        why_unmeasured=_process_unmeasured,
        detail=_process_detail,
    ),
    Gate(
        "fidelity_discriminator",
        "max_discriminator_auc",
        "max",
        "fidelity",
        "ROC AUC of a classifier telling real from synthetic rows (0.5 ideal).",
        _discriminator,
        why_unmeasured=_discriminator_unmeasured,
    ),
    Gate(
        "utility_tstr",
        "min_utility_lift_retained",
        "min",
        "utility",
        "Share of the train-on-real model's gain over chance (ROC AUC or R² on the holdout) kept by training "
        "on synthetic rows.",
        _lift,
        not_applicable=_lift_not_applicable,
        why_unmeasured=_lift_unmeasured,
    ),
    Gate(
        "privacy_exact_matches",
        "max_exact_match_excess",
        "max",
        "privacy",
        "Share of synthetic rows copied from training rows, beyond the holdout's own share.",
        lambda r: r.privacy.exact_matches.excess,
    ),
    Gate(
        "privacy_dcr",
        "max_dcr_share_closer_to_train",
        "max",
        "privacy",
        "Size-balanced share of synthetic rows closer to a training row than to a holdout row (0.5 ideal).",
        lambda r: r.privacy.distances.dcr.balanced_share_closer_to_train,
    ),
    Gate(
        "privacy_membership_inference",
        "max_membership_advantage",
        "max",
        "privacy",
        "Advantage (TPR - FPR) of a distance attack telling training rows from holdout rows.",
        lambda r: r.privacy.distances.membership.advantage,
    ),
    Gate(
        "privacy_singling_out",
        "max_singling_out_risk",
        "max",
        "privacy",
        "anonymeter-style singling-out risk (the larger of univariate and multivariate).",
        _singling_out,
        why_unmeasured=_attacks_unmeasured,
    ),
    Gate(
        "privacy_linkability",
        "max_linkability_risk",
        "max",
        "privacy",
        "anonymeter-style linkability risk.",
        _linkability,
        why_unmeasured=_linkability_unmeasured,
    ),
    Gate(
        "privacy_inference",
        "max_inference_risk",
        "max",
        "privacy",
        "anonymeter-style inference risk of the most exposed secret column.",
        _inference,
        why_unmeasured=_attacks_unmeasured,
    ),
    Gate(
        "privacy_dp_epsilon",
        "max_dp_epsilon",
        "max",
        "privacy",
        "ε spent by the differentially private generator (statistics + DP-SGD), within the spec's budget.",
        _dp_epsilon,
        why_unmeasured=_dp_unmeasured,
    ),
)


def enabled_gates(thresholds: GateThresholds, *, has_target: bool = True) -> list[Gate]:
    """Gates with a threshold; the utility gate only when there is a target to predict."""
    return [
        g for g in GATES
        if getattr(thresholds, g.threshold_field) is not None and (has_target or g.section != "utility")
    ]  # fmt: skip


def evaluate_gates(
    report: QualityReport, thresholds: GateThresholds, *, has_target: bool | None = None
) -> GateVerdicts:
    """One :class:`GateResult` per enabled gate (``has_target`` defaults to whether the report has a target)."""
    has_target = report.target is not None if has_target is None else has_target
    return GateVerdicts(
        {
            gate.name: gate.judge(report, float(getattr(thresholds, gate.threshold_field)))
            for gate in enabled_gates(thresholds, has_target=has_target)
        }
    )
