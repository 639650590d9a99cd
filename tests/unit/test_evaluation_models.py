"""The typed quality report: JSON round trip, the JSON keys consumers read, and what a report may not claim."""

import json
import math

import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from tests.unit.report_skeleton import report_with, skeleton
from twinforge.evaluation import (
    GateThresholds,
    QualityReport,
    QualitySpec,
    evaluate,
    write_report_html,
    write_report_json,
)
from twinforge.evaluation.gates import evaluate_gates
from twinforge.evaluation.models import GateResult, GateVerdicts
from twinforge.io.schema import infer_schema

pytestmark = pytest.mark.usefixtures("one_thread")


def accounts(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    balance = rng.lognormal(8, 1, n)
    return pl.DataFrame({
        "balance": balance,
        "age": rng.integers(18, 90, n),
        "segment": rng.choice(["retail", "private", "business"], n),
        "churned": np.where(balance < 2000, "yes", "no"),
    })  # fmt: skip


@pytest.fixture(scope="module")
def report() -> QualityReport:
    quality = QualitySpec(attacks=30, privacy_rows=300, privacy_queries=150, discriminator_rows=150, threads=1)
    train = accounts(300, 0)
    return evaluate(train, accounts(150, 1), accounts(300, 2), infer_schema(train), target="churned", quality=quality)


def test_evaluate_returns_a_typed_report_that_survives_a_json_round_trip(report, tmp_path):
    assert isinstance(report, QualityReport) and isinstance(report.gates, GateVerdicts)
    data = report.to_json_dict()
    again = QualityReport.from_json(data)
    assert again == report and again.to_json_dict() == data
    assert QualityReport.from_json(json.dumps(data)) == report
    path = write_report_json(report, tmp_path / "quality.json")
    assert QualityReport.from_json(path) == report
    assert report.unknown_keys() == []  # every key evaluate writes is a typed field


def test_json_form_keeps_the_keys_consumers_read(report):
    data = json.loads(report.to_json())
    assert {"fidelity", "utility", "privacy", "gates", "passed", "settings", "timings_seconds", "n_rows"} <= set(data)
    assert data["fidelity"]["association"]["dependence_score"] == report.fidelity.association.dependence_score
    assert data["privacy"]["distances"]["dcr"]["balanced_share_closer_to_train"] == pytest.approx(
        report.privacy.distances.dcr.balanced_share_closer_to_train
    )
    dcr = data["gates"]["privacy_dcr"]
    assert {"threshold", "value", "passed", "margin", "applicable", "direction", "section", "description"} <= set(dcr)
    assert dcr["name"] == "privacy_dcr" and data["passed"] is report.passed
    column = data["fidelity"]["columns"]["segment"]
    assert column["metric"] == "tvd" and "unit" not in data["fidelity"]["columns"]["balance"]  # only for datetimes


def test_json_written_before_gates_carried_name_and_reason_still_reads():
    data = skeleton()
    judged = report_with()
    gates = evaluate_gates(judged, GateThresholds()).model_dump(mode="json")
    del gates["process_distributions"]  # newer than such reports (and not applicable here: its reason is needed)
    for g in gates.values():
        del g["name"], g["reason"]
    data["gates"] = gates
    report = QualityReport.from_json(data)
    assert report.gates["privacy_dcr"].name == "privacy_dcr" and report.gates["privacy_dcr"].reason is None


def test_nan_reads_as_not_measured_and_json_never_holds_nan():
    data = skeleton(dcr=math.nan)
    data["privacy"]["distances"]["dcr"]["synthetic_to_train"]["median"] = math.nan
    report = QualityReport.model_validate(data)
    assert report.privacy.distances.dcr.balanced_share_closer_to_train is None
    text = report.to_json()
    assert "NaN" not in text and json.loads(text)["privacy"]["distances"]["dcr"]["synthetic_to_train"]["median"] is None


def test_a_report_cannot_claim_a_verdict_its_gates_do_not_give():
    data = skeleton(dcr=0.9)
    data["gates"] = evaluate_gates(QualityReport.model_validate(data), GateThresholds()).model_dump(mode="json")
    with pytest.raises(ValidationError, match="passed is True but the gates say False"):
        QualityReport.model_validate(data)  # the skeleton says passed: True
    data["passed"] = False
    assert QualityReport.model_validate(data).failed_gates == ["privacy_dcr"]


def test_a_gate_result_cannot_pass_unmeasured_or_skip_without_a_reason():
    common = {"name": "privacy_dcr", "threshold": 0.6, "direction": "max", "section": "privacy", "description": "d"}
    with pytest.raises(ValidationError, match="passes only on a measured value"):
        GateResult(**common, value=None, passed=True, margin=None, applicable=True)
    with pytest.raises(ValidationError, match="passes only on a measured value"):
        GateResult(**common, value=0.7, passed=True, margin=-0.1, applicable=True)
    with pytest.raises(ValidationError, match="must say why"):
        GateResult(**common, value=None, passed=True, margin=None, applicable=False)
    with pytest.raises(ValidationError, match="filed under another gate's name"):
        GateVerdicts.model_validate({"privacy_inference": {**common, "value": 0.5, "passed": True, "margin": 0.1}})


def test_html_is_the_same_from_the_typed_report_and_from_its_json(report, tmp_path):
    typed = write_report_html(report, tmp_path / "typed.html", title="t")
    from_json = write_report_html(report.to_json_dict(), tmp_path / "json.html", title="t")
    assert typed.read_text() == from_json.read_text()
    assert all(name in typed.read_text() for name in report.gates)


def test_singling_out_shows_twinforge_and_anonymeter_scoring_side_by_side(tmp_path):
    """Where twinforge's singling-out scoring deliberately differs from anonymeter's, the page shows both numbers."""
    data = skeleton(singling_out=0.948)
    reference = {"risk": 0.087, "risk_ci": [0.05, 0.12], "n_attacks": 500, "informative": True, "n_success": 46,
                 "control_count": 0.0, "control_correction": 1.0}  # fmt: skip
    data["privacy"]["attacks"]["singling_out"]["univariate"]["anonymeter_method"] = reference
    report = QualityReport.model_validate(data)
    assert report.privacy.attacks.singling_out["univariate"].anonymeter_method.risk == 0.087
    html = write_report_html(report, tmp_path / "r.html", title="t").read_text()
    row = html[html.index("<td>singling out (univariate)</td>") :].split("</tr>")[0]
    assert "0.948" in row and "0.087" in row
    assert "anonymeter's scoring" in html and "divides by the number of attacks requested" in html
    linkability = html[html.index("<td>linkability</td>") :].split("</tr>")[0]
    assert "same" in linkability  # one scoring for the attacks where both agree by design
