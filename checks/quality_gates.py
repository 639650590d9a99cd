import dagster as dg

from twinforge.config.spec import DatasetSpec
from twinforge.evaluation.gates import enabled_gates


def build_quality_gate_checks(spec: DatasetSpec) -> dg.AssetChecksDefinition:
    """One blocking check per enabled gate on `quality_report`; `champion` depends on it, so a failed gate blocks it."""
    report_key = dg.AssetKey([spec.name, "quality_report"])
    gates = enabled_gates(spec.quality.gates, has_target=spec.target is not None)

    @dg.multi_asset_check(
        name=f"{spec.name}__quality_gates",
        specs=[
            dg.AssetCheckSpec(
                g.name,
                asset=report_key,
                blocking=True,
                description=f"{g.description} Threshold: {'≥' if g.direction == 'min' else '≤'} "
                f"{getattr(spec.quality.gates, g.threshold_field)} (quality.gates.{g.threshold_field}).",
            )
            for g in gates
        ],
        ins={"quality_report": dg.AssetIn(key=report_key)},
    )
    def quality_gates(quality_report: dict):
        for gate in gates:
            outcome = quality_report["gates"].get(gate.name)
            if outcome is None:  # the report was computed with other settings: never pass silently
                yield dg.AssetCheckResult(
                    asset_key=report_key,
                    check_name=gate.name,
                    passed=False,
                    metadata={"error": "gate missing from the report"},
                )
                continue
            yield dg.AssetCheckResult(
                asset_key=report_key,
                check_name=gate.name,
                passed=bool(outcome["passed"]),
                description=_summary(gate.name, outcome),
                metadata={
                    "threshold": outcome["threshold"],
                    "value": _number(outcome["value"]),
                    "margin": _number(outcome["margin"]),
                    "direction": outcome["direction"],
                    "applicable": outcome["applicable"],
                    "threshold_field": f"quality.gates.{gate.threshold_field}",
                },
            )

    return quality_gates


def _number(v: float | None) -> dg.MetadataValue:
    return dg.MetadataValue.float(round(float(v), 6)) if v is not None else dg.MetadataValue.text("not measured")


def _summary(name: str, outcome: dict) -> str:
    if not outcome["applicable"]:
        return f"{name}: not applicable (nothing to measure)"
    bound = "≥" if outcome["direction"] == "min" else "≤"
    verdict = "passed" if outcome["passed"] else f"FAILED by {abs(outcome['margin']):.4g}"
    return f"{name}: {outcome['value']:.4g} (needs {bound} {outcome['threshold']:.4g}) {verdict}"
