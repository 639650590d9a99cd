"""Gates: threshold logic on constructed reports, spec validation, and the verdict on the demo table.

That the copula passes every gate on the demo is checked end to end (tests/test_pipeline_e2e.py).
"""

import polars as pl
import pytest

from tests.conftest import DEMO_SPEC
from twinforge.config.spec import SpecError, load_spec, parse_spec
from twinforge.evaluation import GateThresholds, QualitySpec, evaluate, failed_gates, headline_metrics
from twinforge.evaluation.gates import GATES, enabled_gates, evaluate_gates
from twinforge.io.split import split_train_holdout

PRIVACY_GATES = {g.name for g in GATES if g.section == "privacy"}


def report_with(**values):
    """A report skeleton holding only the numbers the gates read."""
    return {
        "fidelity": {"overall_score": values.get("shapes", 0.95), "association": {"dependence_score": values.get(
            "dependence", 0.8)}, "discriminator": {"auc": values.get("auc", 0.6)}},
        "utility": {"lift_retained": values.get("lift", 0.9)},
        "privacy": {
            "exact_matches": {"excess": values.get("exact", 0.0)},
            "distances": {"dcr": {"balanced_share_closer_to_train": values.get("dcr", 0.5)},
                          "membership": {"advantage": values.get("mia", 0.01)}},
            "attacks": {"singling_out_risk": 0.0, "linkability": {"risk": 0.0}, "inference_risk": 0.0},
        },
    }  # fmt: skip


def test_margins_say_by_how_much_a_gate_failed():
    gates = evaluate_gates(report_with(dcr=0.7, shapes=0.8), GateThresholds(), has_target=True)
    assert gates["privacy_dcr"]["passed"] is False and gates["privacy_dcr"]["margin"] == pytest.approx(-0.1)
    assert gates["fidelity_column_shapes"]["margin"] == pytest.approx(-0.05)
    assert gates["privacy_membership_inference"]["margin"] == pytest.approx(0.09)
    on_the_line = evaluate_gates(report_with(dcr=0.6), GateThresholds(), has_target=True)["privacy_dcr"]
    assert on_the_line["passed"] is True and on_the_line["margin"] == pytest.approx(0.0)


def test_unmeasured_numbers_are_not_applicable_and_do_not_block():
    report = report_with()
    report["fidelity"]["association"]["dependence_score"] = None  # the real columns are independent
    gate = evaluate_gates(report, GateThresholds(), has_target=True)["fidelity_pairwise_dependence"]
    assert gate["applicable"] is False and gate["passed"] is True and gate["value"] is None


def test_gates_can_be_turned_off_and_utility_needs_a_target():
    thresholds = GateThresholds(max_discriminator_auc=None)
    names = {g.name for g in enabled_gates(thresholds, has_target=False)}
    assert "fidelity_discriminator" not in names and "utility_tstr" not in names
    assert set(evaluate_gates(report_with(), thresholds, has_target=False)) == names


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
    assert report["passed"] is False
    assert set(failed_gates(report)) == PRIVACY_GATES  # and nothing else: the copy is perfectly "faithful"
    assert report["privacy"]["exact_matches"]["synthetic_share"] == 1.0
    headline = headline_metrics(report)
    assert headline["gates_failed"] == len(PRIVACY_GATES) and headline["exact_match_share"] == 1.0


def test_shuffling_each_column_fails_the_pairwise_gate(demo):
    train = demo[1]
    shuffled = train.select([pl.col(c).shuffle(seed=i) for i, c in enumerate(train.columns)])
    report = _evaluate(demo, shuffled)
    failed = set(failed_gates(report))
    assert "fidelity_pairwise_dependence" in failed and "fidelity_column_shapes" not in failed
    assert report["fidelity"]["association"]["dependence_score"] < 0.05
    assert report["fidelity"]["overall_score"] == 1.0  # marginals untouched: only the pairs give it away
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
