"""Promotion gates: thresholds on the report's headline numbers.

Each gate reads one number from the evaluation report and compares it with a
threshold from the dataset spec (``quality.gates``; these defaults otherwise).
A gate set to ``null`` is off. A gate whose number could not be measured (no
target column, real columns with no dependence to keep) is *not applicable*
and does not block. ``margin`` is how far the value is on the good side of the
threshold: negative means the gate failed by that much.

Why the defaults (measured on the bundled covid_testing demo; see README):
a generator that copies its training rows fails every privacy gate, one that
shuffles each column independently fails the pairwise-dependence gate (and the
discriminator and utility ones), and the Gaussian copula passes all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from twinforge.config.quality import GateThresholds


@dataclass(frozen=True)
class Gate:
    name: str  # also the Dagster check name
    threshold_field: str
    direction: Literal["min", "max"]
    section: str
    description: str
    value: Callable[[dict[str, Any]], float | None]


def _get(*path: str) -> Callable[[dict[str, Any]], float | None]:
    def read(report: dict[str, Any]) -> float | None:
        node: Any = report
        for key in path:
            if not isinstance(node, dict) or node.get(key) is None:
                return None
            node = node[key]
        return float(node)

    return read


GATES: tuple[Gate, ...] = (
    Gate(
        "fidelity_column_shapes",
        "min_column_shape_score",
        "min",
        "fidelity",
        "Mean per-column score (1 - KS for numbers and dates, 1 - TVD for categories).",
        _get("fidelity", "overall_score"),
    ),
    Gate(
        "fidelity_pairwise_dependence",
        "min_dependence_score",
        "min",
        "fidelity",
        "Share of the real column-pair associations (Cramér's V) the synthetic data keeps.",
        _get("fidelity", "association", "dependence_score"),
    ),
    Gate(
        "fidelity_discriminator",
        "max_discriminator_auc",
        "max",
        "fidelity",
        "ROC AUC of a classifier telling real from synthetic rows (0.5 ideal).",
        _get("fidelity", "discriminator", "auc"),
    ),
    Gate(
        "utility_tstr",
        "min_utility_lift_retained",
        "min",
        "utility",
        "Share of the train-on-real model's gain over chance (ROC AUC or R² on the holdout) kept by training "
        "on synthetic rows.",
        _get("utility", "lift_retained"),
    ),
    Gate(
        "privacy_exact_matches",
        "max_exact_match_excess",
        "max",
        "privacy",
        "Share of synthetic rows copied from training rows, beyond the holdout's own share.",
        _get("privacy", "exact_matches", "excess"),
    ),
    Gate(
        "privacy_dcr",
        "max_dcr_share_closer_to_train",
        "max",
        "privacy",
        "Size-balanced share of synthetic rows closer to a training row than to a holdout row (0.5 ideal).",
        _get("privacy", "distances", "dcr", "balanced_share_closer_to_train"),
    ),
    Gate(
        "privacy_membership_inference",
        "max_membership_advantage",
        "max",
        "privacy",
        "Advantage (TPR - FPR) of a distance attack telling training rows from holdout rows.",
        _get("privacy", "distances", "membership", "advantage"),
    ),
    Gate(
        "privacy_singling_out",
        "max_singling_out_risk",
        "max",
        "privacy",
        "anonymeter-style singling-out risk (the larger of univariate and multivariate).",
        _get("privacy", "attacks", "singling_out_risk"),
    ),
    Gate(
        "privacy_linkability",
        "max_linkability_risk",
        "max",
        "privacy",
        "anonymeter-style linkability risk.",
        _get("privacy", "attacks", "linkability", "risk"),
    ),
    Gate(
        "privacy_inference",
        "max_inference_risk",
        "max",
        "privacy",
        "anonymeter-style inference risk of the most exposed secret column.",
        _get("privacy", "attacks", "inference_risk"),
    ),
)


def enabled_gates(thresholds: GateThresholds, *, has_target: bool = True) -> list[Gate]:
    """Gates with a threshold; the utility gate only when there is a target to predict."""
    return [
        g for g in GATES
        if getattr(thresholds, g.threshold_field) is not None and (has_target or g.section != "utility")
    ]  # fmt: skip


def evaluate_gates(report: dict[str, Any], thresholds: GateThresholds, *, has_target: bool) -> dict[str, Any]:
    """One entry per enabled gate: threshold, value, passed, margin, applicable."""
    out = {}
    for gate in enabled_gates(thresholds, has_target=has_target):
        threshold = float(getattr(thresholds, gate.threshold_field))
        value = gate.value(report)
        if value is None:
            out[gate.name] = {
                "threshold": threshold,
                "value": None,
                "passed": True,
                "margin": None,
                "applicable": False,
                "direction": gate.direction,
                "section": gate.section,
                "description": gate.description,
            }
            continue
        margin = value - threshold if gate.direction == "min" else threshold - value
        out[gate.name] = {
            "threshold": threshold,
            "value": value,
            "passed": margin >= 0,
            "margin": margin,
            "applicable": True,
            "direction": gate.direction,
            "section": gate.section,
            "description": gate.description,
        }
    return out
