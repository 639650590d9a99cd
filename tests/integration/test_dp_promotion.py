"""A private generator's accounting goes to MLflow (run and version), comes back into the quality report, and a
version that spent more than the spec's budget fails the report's gates, which refuses its promotion."""

import json

import pytest

from tests.unit.test_dp import MODEL_TINY, small_table
from twinforge.config.spec import parse_spec
from twinforge.evaluation import evaluate
from twinforge.generators.training import train_generator
from twinforge.tracking.registry import (
    dp_tracking_entries,
    get_model_version,
    get_run_params,
    log_generator,
    recorded_dp_accounting,
    tracking,
)


def _spec(promotion_budget: float | None) -> dict:
    gates = {"max_dp_epsilon": promotion_budget} if promotion_budget is not None else {}
    return {
        "name": "loans",
        "source": {"path": "loans.csv"},
        "columns": {"age": {"bounds": [0, 120]}, "fraud": {"role": "target"}},
        "generator": {
            "model": "vae",
            "seed": 1,
            "params": {"epochs": 2, "batch_size": 100, **MODEL_TINY["vae"], "dp": {"epsilon": 2.0}},
        },
        # the ε gate alone decides here: the fidelity, utility and attack gates are off
        "quality": {
            "gates": {
                "min_column_shape_score": None,
                "min_worst_column_score": None,
                "max_null_share_difference": None,
                "max_extreme_share_excess": None,
                "min_dependence_score": None,
                "max_discriminator_auc": None,
                "min_utility_lift_retained": None,
                "max_exact_match_excess": None,
                "max_dcr_share_closer_to_train": None,
                "max_membership_advantage": None,
                "max_singling_out_risk": None,
                "max_linkability_risk": None,
                "max_inference_risk": None,
                **gates,
            },
            "attacks": 10,
        },
    }


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    """One private version registered in a fresh MLflow store, and the tables it came from."""
    root = tmp_path_factory.mktemp("dp-mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    spec = parse_spec(_spec(None))
    train, holdout = small_table(600, seed=1), small_table(200, seed=2)
    trained = train_generator(train, spec, root / "model")
    dp = dp_tracking_entries(trained.generator.fit_summary["dp"])
    ref = log_generator(
        tracking_uri=uri,
        experiment="twinforge-loans",
        artifact_root=root / "artifacts",
        model_name=spec.registered_model_name,
        generator_dir=trained.directory,
        params={**trained.params, **dp.params},
        metrics={"fit_seconds": trained.fit_seconds, **dp.metrics},
        tags={"dataset": spec.name, **dp.tags},
    )
    synthetic = trained.generator.sample(400, seed=3)
    return uri, ref, trained, train, holdout, synthetic


def test_the_accounting_is_logged_on_the_run_and_the_version(registered):
    uri, ref, trained, *_ = registered
    spent = trained.generator.fit_summary["dp"]
    version = get_model_version(uri, ref.model_name, ref.version)
    assert json.loads(version.tags["dp_accounting"]) == spent
    assert float(version.tags["dp_epsilon"]) == pytest.approx(spent["epsilon"], rel=1e-5) and spent["epsilon"] <= 2.0
    assert version.tags["dp_accountant"] == "rdp"
    assert json.loads(version.tags["dp_epsilon_split"]) == {
        "statistics": pytest.approx(0.2),
        "training": pytest.approx(spent["training_epsilon"]),
    }
    params = get_run_params(uri, ref.run_id)
    assert float(params["dp_noise_multiplier"]) == pytest.approx(spent["noise_multiplier"], rel=1e-5)
    assert int(params["dp_steps"]) == spent["steps"] and params["dp_accountant"] == "rdp"
    with tracking(uri) as mlflow:
        metrics = mlflow.MlflowClient().get_run(ref.run_id).data.metrics
    assert metrics["dp_epsilon"] == pytest.approx(spent["epsilon"])
    assert metrics["dp_training_epsilon"] == pytest.approx(spent["training_epsilon"])
    assert recorded_dp_accounting(uri, ref.model_name, ref.version) == spent


@pytest.mark.parametrize(
    ("promotion_budget", "passes"), [(None, True), (1.0, False)], ids=["within_budget", "above_budget"]
)
def test_the_report_judges_the_recorded_epsilon_against_the_budget(registered, promotion_budget, passes):
    uri, ref, _, train, holdout, synthetic = registered
    spec = parse_spec(_spec(promotion_budget))
    report = evaluate(
        train,
        holdout,
        synthetic,
        spec.schema_for(train),
        target=spec.target,
        quality=spec.quality,
        differential_privacy=recorded_dp_accounting(uri, ref.model_name, ref.version),
    )
    gate = report.gates["privacy_dp_epsilon"]
    assert gate.threshold == (promotion_budget or 2.0) and gate.passed is passes
    assert report.passed is passes  # what the champion asset reads (gates_all_passed): refused when False
    assert report.privacy.differential_privacy.epsilon == pytest.approx(gate.value)


def test_a_private_spec_without_recorded_accounting_fails_closed(registered):
    _, _, _, train, holdout, synthetic = registered
    spec = parse_spec(_spec(None))
    report = evaluate(train, holdout, synthetic, spec.schema_for(train), target=spec.target, quality=spec.quality)
    assert not report.passed and report.failed_gates == ["privacy_dp_epsilon"]
