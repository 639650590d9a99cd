"""The Dagster gate checks read the stored report as a typed QualityReport and fail closed."""

import pytest

from checks.quality_gates import build_quality_gate_checks
from tests.conftest import DEMO_SPEC
from tests.unit.report_skeleton import report_with
from twinforge.config.spec import load_spec
from twinforge.evaluation.gates import enabled_gates, evaluate_gates


@pytest.fixture(scope="module")
def spec():
    return load_spec(DEMO_SPEC)


def stored(spec, **values) -> dict:
    """A judged report in its stored (JSON) form, as the IO manager hands it to the checks."""
    report = report_with(**values)
    gates = evaluate_gates(report, spec.quality.gates, has_target=True)
    return report.model_copy(update={"gates": gates, "passed": gates.all_passed}).to_json_dict()


def outcomes(spec, report: dict) -> dict:
    return {r.check_name: r for r in build_quality_gate_checks(spec)[0](quality_report=report)}


def test_every_enabled_gate_is_checked_from_the_typed_report(spec):
    results = outcomes(spec, stored(spec))
    assert set(results) == {g.name for g in enabled_gates(spec.quality.gates, has_target=True)}
    assert all(r.passed for r in results.values())
    dcr = results["privacy_dcr"]
    assert dcr.metadata["value"].value == 0.5 and dcr.metadata["applicable"].value is True
    assert dcr.description.startswith("privacy_dcr: 0.5 (needs ≤ 0.6) passed")


def test_a_gate_missing_from_the_report_fails_its_check(spec):
    report = stored(spec)
    del report["gates"]["privacy_linkability"]
    results = outcomes(spec, report)
    assert not results["privacy_linkability"].passed
    assert results["privacy_linkability"].metadata["error"].value == "gate missing from the report"
    assert all(r.passed for name, r in results.items() if name != "privacy_linkability")


def test_an_unmeasured_gate_fails_its_check_with_the_reason(spec):
    results = outcomes(spec, stored(spec, dcr=None))
    dcr = results["privacy_dcr"]
    assert not dcr.passed and dcr.metadata["value"].value == "not measured"
    assert "could not be measured" in dcr.metadata["reason"].value and "FAILED" in dcr.description


def test_a_report_that_does_not_validate_fails_every_check(spec):
    report = stored(spec, dcr=None)
    # the old fail-open shape: an unmeasured gate marked not applicable and passed, with no reason
    report["gates"]["privacy_dcr"].update(applicable=False, passed=True, reason=None)
    report["passed"] = True
    results = outcomes(spec, report)
    assert results and not any(r.passed for r in results.values())
    assert "not valid" in results["fidelity_column_shapes"].metadata["error"].value
