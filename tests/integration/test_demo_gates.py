"""The default gates on the demo table: the demo's transformer passes them, the Gaussian copula does not.

The defaults were calibrated on other tables (benchmarks/gate_calibration.py); the demo is their test.
Both models are trained and sampled as the pipeline does (``train_generator`` with the spec's
generator settings, the spec's sampling seed, as many rows as the training split) and judged by the
real evaluation with the spec's quality settings, except smaller privacy-attack samples (they feed
only the privacy gates, which both models pass by a wide margin).
"""

import polars as pl
import pytest

from tests.conftest import DEMO_SPEC
from twinforge.config.spec import DatasetSpec, load_spec
from twinforge.evaluation import QualityReport, evaluate
from twinforge.generators.training import train_generator
from twinforge.io.split import split_train_holdout


@pytest.fixture(scope="module")
def demo(demo_table):
    spec = load_spec(DEMO_SPEC)
    # what reaches the split: identifiers and names gone (the pseudonymized subject_id is never learned)
    real = demo_table.drop([*spec.identifiers, *spec.sensitive])
    train, holdout = split_train_holdout(real, spec.split.holdout_fraction, spec.split.seed)
    return spec, train, holdout


def _judge(spec: DatasetSpec, train: pl.DataFrame, holdout: pl.DataFrame, tmp_path) -> QualityReport:
    trained = train_generator(train, spec, tmp_path)
    synthetic = trained.generator.sample(
        spec.sampling.rows or train.height,
        seed=spec.sampling.seed,
        conditions=spec.sampling.conditions or None,
        rebalance=spec.sampling.rebalance,
    )
    quality = spec.quality.model_copy(update={"attacks": 500, "privacy_queries": 2000, "threads": 1})
    return evaluate(
        train, holdout, synthetic, trained.schema, target=spec.target, secrets=spec.inference_secrets, quality=quality
    )


def test_the_demo_uses_the_transformer_with_the_default_gates(demo):
    spec = demo[0]
    assert spec.generator.model == "transformer"
    assert spec.quality.gates == type(spec.quality.gates)()  # the spec writes out the defaults


def test_the_demo_transformer_passes_every_gate(demo, tmp_path, one_thread):
    report = _judge(*demo, tmp_path)
    assert report.failed_gates == []
    measured = {name: g for name, g in report.gates.items() if name != "process_distributions"}  # none in the demo
    assert all(g.applicable and g.value is not None for g in measured.values())
    assert not report.gates["process_distributions"].applicable


def test_the_copula_fails_the_dependence_and_utility_gates_on_the_demo(demo, tmp_path, one_thread):
    spec, train, holdout = demo
    copula = spec.model_copy(update={"generator": spec.generator.model_copy(update={"model": "copula", "params": {}})})
    report = _judge(copula, train, holdout, tmp_path)
    failed = set(report.failed_gates)
    assert {"fidelity_pairwise_dependence", "utility_tstr"} <= failed
    assert not any(name.startswith("privacy_") for name in failed)  # it is not rejected for privacy
