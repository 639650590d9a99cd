"""The process-distribution gate: a twin whose process column no longer follows its declared distribution
fails promotion. A rule relating a process column to a learned one is met by redrawing rows, which conditions
the declared draw (a Weibull MTBF of 10,000 h came out at 7,250 h) while the report said so and no gate read it."""

import math

import numpy as np
import polars as pl
import pytest

from twinforge import Synthesizer
from twinforge.evaluation import GateThresholds, evaluate
from twinforge.evaluation.gates import evaluate_gates
from twinforge.io.schema import infer_schema
from twinforge.io.split import split_train_holdout

pytestmark = pytest.mark.unit

DECLARED = {"hours_between_failures": {"distribution": "weibull", "shape": 1.5, "mean": 10_000}}


def _fleet(n: int, seed: int) -> pl.DataFrame:
    # time between failures as declared; hours since overhaul = that time plus earlier running time
    rng = np.random.default_rng(seed)
    between = 10_000 / math.gamma(1 + 1 / 1.5) * rng.weibull(1.5, n)
    return pl.DataFrame({
        "plant": rng.choice(["north", "south"], n),
        "hours_since_overhaul": between + rng.exponential(5_000, n),
        "hours_between_failures": between,
    })  # fmt: skip


def _gate(rules):
    train, holdout = split_train_holdout(_fleet(3000, 3), holdout_fraction=0.25, seed=0)
    synthesizer = Synthesizer(model="copula", seed=0).fit(train, process_columns=DECLARED, rules=rules)
    synthetic = synthesizer.sample(3000, seed=1)
    report = evaluate(
        train, holdout, synthetic, infer_schema(train), target=None, process=synthesizer.generator.process
    )
    return evaluate_gates(report, GateThresholds(), has_target=False)["process_distributions"]


def test_a_process_column_drawn_as_declared_passes():
    gate = _gate(rules=None)
    assert gate.applicable and gate.passed and gate.value < 4


def test_a_rule_that_conditions_a_process_column_fails_the_gate_naming_it():
    gate = _gate(rules=["hours_since_overhaul >= hours_between_failures"])
    assert not gate.passed and gate.value > 10
    assert "hours_between_failures" in gate.reason


def test_a_twin_without_process_columns_is_not_judged_by_it():
    train, holdout = split_train_holdout(_fleet(600, 4).drop("hours_between_failures"), holdout_fraction=0.25, seed=0)
    synthetic = Synthesizer(model="copula", seed=0).fit(train).sample(600, seed=1)
    report = evaluate(train, holdout, synthetic, infer_schema(train), target=None)
    gate = evaluate_gates(report, GateThresholds(), has_target=False)["process_distributions"]
    assert gate.passed and not gate.applicable and "no process columns" in gate.reason


def test_a_heavy_tailed_process_column_drawn_as_declared_is_not_a_false_alarm():
    # a lognormal with sdlog 2: its sample mean is far from normal (|z| of the mean > 4 in 0.5% of correct
    # samples), the mean of its CDF at the values is not
    from twinforge.process.moments import process_moments_report

    rng = np.random.default_rng(0)
    table = pl.DataFrame({"site": rng.choice(["a", "b"], 500), "repair_hours": rng.lognormal(1.0, 2.0, 500)})
    declared = {"repair_hours": {"distribution": "lognormal", "meanlog": 1.0, "sdlog": 2.0}}
    synthesizer = Synthesizer(model="copula", seed=0).fit(table, process_columns=declared)
    z = [
        process_moments_report(synthesizer.sample(1000, seed=seed), synthesizer.generator.process)["repair_hours"][
            "overall"
        ]["cdf_z"]
        for seed in range(200)
    ]
    assert max(abs(v) for v in z) < 4
    assert 0.7 < float(np.std(z)) < 1.3  # a standard normal's spread: the standard error is right


def test_values_piled_at_the_declared_mean_fail_and_the_line_tells_the_fit_from_the_mean():
    train, holdout = split_train_holdout(_fleet(3000, 3), holdout_fraction=0.25, seed=0)
    synthesizer = Synthesizer(model="copula", seed=0).fit(train, process_columns=DECLARED)
    synthetic = synthesizer.sample(3000, seed=1).with_columns(hours_between_failures=pl.lit(10_000.0))
    report = evaluate(
        train, holdout, synthetic, infer_schema(train), target=None, process=synthesizer.generator.process
    )
    gate = evaluate_gates(report, GateThresholds(), has_target=False)["process_distributions"]
    overall = report.process_columns["hours_between_failures"].overall
    assert abs(overall.mean_z) < 0.01 and not gate.passed and gate.value == pytest.approx(abs(overall.cdf_z))
    # the number judged is the fit's; the mean's own z is said as the report shows it
    assert f"off its distribution by z {overall.cdf_z:+.1f}" in gate.reason
    assert f"against 1e+04 (z {overall.mean_z:+.1f})" in gate.reason
