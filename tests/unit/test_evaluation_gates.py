"""Gates: threshold logic on constructed reports, failing closed, spec validation, and the verdict on the demo table.

That the demo's transformer passes every default gate and the Gaussian copula fails the dependence and utility
gates is checked with the real generators in tests/integration/test_demo_gates.py.
"""

import math

import polars as pl
import pytest

from tests.conftest import DEMO_SPEC
from tests.unit.report_skeleton import report_with, skeleton
from twinforge.config.spec import SpecError, load_spec, parse_spec
from twinforge.evaluation import GateThresholds, QualityReport, QualitySpec, evaluate, failed_gates, headline_metrics
from twinforge.evaluation.gates import GATES, enabled_gates, evaluate_gates
from twinforge.io.split import split_train_holdout

# the privacy gates on by default (the DP ε gate is on only for a private generator's spec)
PRIVACY_GATES = {
    g.name for g in GATES if g.section == "privacy" and getattr(GateThresholds(), g.threshold_field) is not None
}


def test_margins_say_by_how_much_a_gate_failed():
    shapes = GateThresholds().min_column_shape_score - 0.05
    gates = evaluate_gates(report_with(dcr=0.7, shapes=shapes), GateThresholds(), has_target=True)
    assert gates["privacy_dcr"].passed is False and gates["privacy_dcr"].margin == pytest.approx(-0.1)
    assert gates["fidelity_column_shapes"].margin == pytest.approx(-0.05)
    assert gates["privacy_membership_inference"].margin == pytest.approx(0.09)
    assert gates.failed == ["fidelity_column_shapes", "privacy_dcr"] and not gates.all_passed
    on_the_line = evaluate_gates(report_with(dcr=0.6), GateThresholds(), has_target=True)["privacy_dcr"]
    assert on_the_line.passed is True and on_the_line.margin == pytest.approx(0.0) and on_the_line.reason is None


@pytest.mark.parametrize("missing", [None, math.nan])
def test_an_applicable_gate_whose_value_is_missing_fails_with_a_reason(missing):
    report = report_with(dcr=missing)
    assert report.privacy.distances.dcr.balanced_share_closer_to_train is None  # NaN reads as "not measured"
    gates = evaluate_gates(report, GateThresholds())
    dcr = gates["privacy_dcr"]
    assert dcr.applicable is True and dcr.passed is False
    assert dcr.value is None and dcr.margin is None and "could not be measured" in dcr.reason
    assert gates.failed == ["privacy_dcr"]


def test_a_gate_fails_closed_whatever_number_is_missing():
    for name, field in [
        ("fidelity_column_shapes", "shapes"), ("fidelity_pairwise_dependence", "dependence"),
        ("fidelity_discriminator", "auc"), ("utility_tstr", "lift"), ("privacy_exact_matches", "exact"),
        ("privacy_membership_inference", "mia"), ("privacy_singling_out", "singling_out"),
        ("privacy_linkability", "linkability"), ("privacy_inference", "inference"),
    ]:  # fmt: skip
        gate = evaluate_gates(report_with(**{field: None}), GateThresholds())[name]
        assert gate.applicable and not gate.passed and gate.reason, name


def test_the_section_says_why_a_value_is_missing():
    data = skeleton(auc=None)
    data["fidelity"]["discriminator"]["reason"] = "too few rows or columns"
    data["privacy"]["attacks"] = None
    gates = evaluate_gates(QualityReport.model_validate(data), GateThresholds())
    assert gates["fidelity_discriminator"].reason == "value could not be measured: too few rows or columns"
    for name in ("privacy_singling_out", "privacy_linkability", "privacy_inference"):
        assert not gates[name].passed and "no attacks in the report" in gates[name].reason


def test_utility_gate_with_a_target_but_no_utility_section_fails():
    data = skeleton()
    data["utility"] = None
    gate = evaluate_gates(QualityReport.model_validate(data), GateThresholds(), has_target=True)["utility_tstr"]
    assert gate.applicable and not gate.passed and "no utility section" in gate.reason


def test_a_gate_is_not_applicable_only_where_its_section_says_so():
    data = skeleton(dependence=None, lift=None)
    data["fidelity"]["association"]["dependence_not_applicable"] = "the real columns are nearly independent"
    data["utility"]["lift_not_applicable"] = "the model trained on real rows barely beats chance"
    gates = evaluate_gates(QualityReport.model_validate(data), GateThresholds())
    dependence, utility = gates["fidelity_pairwise_dependence"], gates["utility_tstr"]
    assert dependence.applicable is False and dependence.passed is True and dependence.value is None
    assert dependence.reason == "the real columns are nearly independent"
    assert utility.applicable is False and utility.passed is True
    assert utility.reason == "the model trained on real rows barely beats chance"
    assert gates.all_passed


def test_gates_can_be_turned_off_and_utility_needs_a_target():
    thresholds = GateThresholds(max_discriminator_auc=None)
    names = {g.name for g in enabled_gates(thresholds, has_target=False)}
    assert "fidelity_discriminator" not in names and "utility_tstr" not in names
    assert set(evaluate_gates(report_with(), thresholds, has_target=False)) == names
    no_target = skeleton()
    no_target.update(target=None, utility=None)
    assert set(evaluate_gates(QualityReport.model_validate(no_target), thresholds)) == names  # has_target from report


def test_headline_metrics_read_typed_fields_and_leave_out_unmeasured_ones():
    report = report_with(dcr=None)
    report = report.model_copy(update={"gates": evaluate_gates(report, GateThresholds())})
    report = report.model_copy(update={"passed": report.gates.all_passed})
    headline = headline_metrics(report)
    assert "dcr_share_closer_to_train" not in headline and "correlation_mean_abs_diff" not in headline
    assert headline["utility_trtr"] == 0.95 and headline["utility_tstr"] == 0.9 and headline["fidelity_overall"] == 0.95
    assert headline["gates_failed"] == 1.0 and headline["gates_passed"] == 13.0
    assert headline == headline_metrics(report.to_json_dict()) and failed_gates(report) == ["privacy_dcr"]


def test_spec_errors_name_the_quality_field(tmp_path):
    base = {"name": "t", "source": {"path": "t.csv"}}
    with pytest.raises(SpecError, match=r"quality\.gates\.max_dcr_share_closer_to_train"):
        parse_spec({**base, "quality": {"gates": {"max_dcr_share_closer_to_train": 1.5}}})
    with pytest.raises(SpecError, match=r"quality\.gates\.max_dcr"):
        parse_spec({**base, "quality": {"gates": {"max_dcr": 0.6}}})  # a misspelt gate is not ignored
    with pytest.raises(SpecError, match=r"quality\.attacks"):
        parse_spec({**base, "quality": {"attacks": 0}})
    spec = parse_spec({**base, "quality": {"gates": {"max_inference_risk": None}}})
    assert spec.quality.gates.max_inference_risk is None and spec.quality.gates.max_dcr_share_closer_to_train == 0.6


# --------------------------------------------------------------------------- the demo table


@pytest.fixture(scope="module")
def demo(demo_table):
    spec = load_spec(DEMO_SPEC)
    real = demo_table.drop(["rownames", "subject_id", "fake_first_name", "fake_last_name"])
    train, holdout = split_train_holdout(real, spec.split.holdout_fraction, spec.split.seed)
    return spec, train, holdout, spec.schema_for(train)


def _evaluate(demo, synthetic):
    spec, train, holdout, schema = demo
    return evaluate(
        train, holdout, synthetic, schema, target=spec.target, secrets=spec.inference_secrets, quality=spec.quality
    )


def test_copying_the_training_rows_fails_every_privacy_gate(demo):
    report = _evaluate(demo, demo[1].clone())
    assert report.passed is False
    assert set(failed_gates(report)) == PRIVACY_GATES  # and nothing else: the copy is perfectly "faithful"
    judged = {name: g for name, g in report.gates.items() if name != "process_distributions"}  # none in the demo
    assert all(g.applicable and g.value is not None for g in judged.values())
    assert not report.gates["process_distributions"].applicable
    assert report.privacy.exact_matches.synthetic_share == 1.0
    headline = headline_metrics(report)
    assert headline["gates_failed"] == len(PRIVACY_GATES) and headline["exact_match_share"] == 1.0


def test_shuffling_each_column_fails_the_pairwise_gate(demo):
    train = demo[1]
    shuffled = train.select([pl.col(c).shuffle(seed=i) for i, c in enumerate(train.columns)])
    report = _evaluate(demo, shuffled)
    failed = set(failed_gates(report))
    assert "fidelity_pairwise_dependence" in failed and "fidelity_column_shapes" not in failed
    assert report.fidelity.association.dependence_score < 0.05
    assert report.fidelity.overall_score == 1.0  # marginals untouched: only the pairs give it away
    assert "utility_tstr" in failed  # the target no longer follows the features


def test_evaluate_rejects_bad_input(demo):
    _, train, holdout, schema = demo
    with pytest.raises(ValueError, match="'age' holds String"):
        evaluate(train, holdout, train.with_columns(pl.col("age").cast(pl.String)), schema, quality=QuickQuality)
    with pytest.raises(ValueError, match="holdout table lacks training columns: age"):
        evaluate(train, holdout.drop("age"), train, schema, quality=QuickQuality)
    with pytest.raises(ValueError, match="target column 'nope'"):
        evaluate(train, holdout, train, schema, target="nope", quality=QuickQuality)
    with pytest.raises(ValueError, match="quality.secrets names columns that are not compared: diagnosis"):
        evaluate(train, holdout, train, schema, quality=QuickQuality.model_copy(update={"secrets": ["diagnosis"]}))
    with pytest.raises(ValueError, match="synthetic table is empty"):
        evaluate(train, holdout, train.head(0), schema, quality=QuickQuality)


QuickQuality = QualitySpec(attacks=50, privacy_rows=500, privacy_queries=200, discriminator_rows=500)
