import dagster as dg
from pydantic import ValidationError

from resources.partitions import daily_partitions
from twinforge.config.spec import DatasetSpec
from twinforge.evaluation.gates import enabled_gates
from twinforge.evaluation.models import GateResult, QualityReport


def build_quality_gate_checks(spec: DatasetSpec, asset: str = "quality_report") -> list[dg.AssetChecksDefinition]:
    """One blocking check per enabled gate on `quality_report`; `champion` depends on it, so a failed gate blocks it.

    A spec with every gate turned off gets no check definition (an empty list): Dagster refuses a
    multi-asset check without specs.

    Fails closed: a stored report that does not read as a :class:`QualityReport`, or lacks an enabled gate's
    result, fails that gate's check; so does an applicable gate whose value could not be measured.
    """
    report_key = dg.AssetKey([spec.name, asset])
    partitions = daily_partitions(spec) if asset == "quality_report_daily" else None
    gates = enabled_gates(spec.quality.gates, has_target=spec.target is not None)
    if not gates:
        return []

    @dg.multi_asset_check(
        name=f"{spec.name}__{asset}__gates" if partitions else f"{spec.name}__quality_gates",
        specs=[
            dg.AssetCheckSpec(
                g.name,
                asset=report_key,
                blocking=True,
                description=f"{g.description} Threshold: {'≥' if g.direction == 'min' else '≤'} "
                f"{getattr(spec.quality.gates, g.threshold_field)} (quality.gates.{g.threshold_field}).",
                partitions_def=partitions,
            )
            for g in gates
        ],
        ins={"quality_report": dg.AssetIn(key=report_key)},
    )
    def quality_gates(quality_report):
        if isinstance(quality_report, dict) and len(quality_report) == 1 and partitions is not None:
            quality_report = next(iter(quality_report.values()))  # the run's one partition
        try:
            report = QualityReport.from_json(quality_report)
        except ValidationError as error:  # never pass a report that cannot be read
            for gate in gates:
                yield _failed(report_key, gate.name, f"the stored quality report is not valid: {error}")
            return
        for gate in gates:
            outcome = report.gates.get(gate.name)
            if outcome is None:  # the report was computed with other settings: never pass silently
                yield _failed(report_key, gate.name, "gate missing from the report")
                continue
            yield dg.AssetCheckResult(
                asset_key=report_key,
                check_name=gate.name,
                passed=outcome.passed,
                description=_summary(outcome),
                metadata={
                    "threshold": outcome.threshold,
                    "value": _number(outcome.value),
                    "margin": _number(outcome.margin),
                    "direction": outcome.direction,
                    "applicable": outcome.applicable,
                    "reason": outcome.reason or "",
                    "threshold_field": f"quality.gates.{gate.threshold_field}",
                },
            )

    return [quality_gates]


def _failed(report_key: dg.AssetKey, name: str, error: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=report_key, check_name=name, passed=False, description=f"{name}: FAILED ({error})",
        metadata={"error": error[:2000]},
    )  # fmt: skip


def _number(v: float | None) -> dg.MetadataValue:
    return dg.MetadataValue.float(round(float(v), 6)) if v is not None else dg.MetadataValue.text("not measured")


def _summary(outcome: GateResult) -> str:
    if not outcome.applicable:
        return f"{outcome.name}: not applicable ({outcome.reason})"
    bound = "≥" if outcome.direction == "min" else "≤"
    if outcome.value is None or outcome.margin is None:
        return f"{outcome.name}: not measured (needs {bound} {outcome.threshold:.4g}) FAILED: {outcome.reason}"
    verdict = "passed" if outcome.passed else f"FAILED by {abs(outcome.margin):.4g}"
    return f"{outcome.name}: {outcome.value:.4g} (needs {bound} {outcome.threshold:.4g}) {verdict}"
