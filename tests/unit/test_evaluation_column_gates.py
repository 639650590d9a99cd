"""The per-column gates (worst column, null shares, extreme values): fresh draws of a known truth pass them,
twins with one destroyed column fail them and name it, and a report without their numbers fails them.

Thresholds are judged on tables generated here (several seeds, 300 and 3,000 rows; skewed, heavy-tailed,
zero-inflated, categorical and binary columns), never on a reviewer's data.
"""

import numpy as np
import polars as pl
import pytest

from tests.unit.report_skeleton import skeleton
from twinforge.evaluation import GateThresholds, QualityReport
from twinforge.evaluation.fidelity import fidelity_report
from twinforge.evaluation.gates import evaluate_gates
from twinforge.io.schema import infer_schema

COLUMN_GATES = ("fidelity_worst_column", "fidelity_null_shares", "fidelity_extreme_values")


def truth(n: int, seed: int, income_nulls: float = 0.0) -> pl.DataFrame:
    """A known process: a fresh draw of it is a perfect twin of another draw."""
    rng = np.random.default_rng(seed)
    age = rng.normal(45, 12, n).clip(18, 90).round()
    income = np.exp(9.6 + 0.025 * age + rng.normal(0, 0.35, n))  # skewed
    income[rng.random(n) < income_nulls] = np.nan
    return pl.DataFrame(
        {
            "age": age,
            "income": pl.Series(income).fill_nan(None),
            "claims": rng.standard_cauchy(n) * 100 + 1000,  # heavy-tailed both ways
            "loss": rng.pareto(1.1, n) * 50,  # heavy right tail
            "spend": np.where(rng.random(n) < 0.7, 0.0, rng.lognormal(3, 1.5, n)),  # zero-inflated
            "visits": rng.poisson(2, n),
            "region": rng.choice(["N", "S", "E", "W", "X"], n, p=[0.4, 0.3, 0.2, 0.08, 0.02]),
            "score": pl.Series(np.where(rng.random(n) < 0.2, np.nan, rng.normal(600, 80, n).round())).fill_nan(None),
            "default": np.where(rng.random(n) < 0.13, "yes", "no"),  # a 13% class
        }
    )


def judge(real: pl.DataFrame, synthetic: pl.DataFrame) -> QualityReport:
    """The gates on a report whose fidelity section is measured on ``real`` and ``synthetic``."""
    data = skeleton()
    data["fidelity"].update(fidelity_report(real, synthetic, infer_schema(real)))
    report = QualityReport.model_validate(data)
    return report.model_copy(update={"gates": evaluate_gates(report, GateThresholds())})


@pytest.mark.parametrize("rows", [300, 3000])
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_a_fresh_draw_of_the_truth_passes_every_column_gate(rows, seed):
    report = judge(truth(rows, seed, income_nulls=0.35), truth(rows, seed + 100, income_nulls=0.35))
    gates = report.gates
    assert not [name for name in (*COLUMN_GATES, "fidelity_column_shapes") if not gates[name].passed], [
        (g.name, g.value, g.reason) for g in gates.values()
    ]


def test_a_lost_target_class_fails_the_worst_column_gate_though_the_mean_passes():
    real, fresh = truth(3000, 1), truth(40_000, 4)
    # 13% -> 3% of "yes": rows of the truth, the positives undersampled
    twin = pl.concat(
        [fresh.filter(pl.col("default") == "yes").head(90), fresh.filter(pl.col("default") == "no").head(2910)]
    )
    gates = judge(real, twin).gates
    assert gates["fidelity_column_shapes"].passed  # the mean over columns hides it
    worst = gates["fidelity_worst_column"]
    assert not worst.passed and worst.value == pytest.approx(0.9, abs=0.015)
    assert worst.reason.startswith("beyond sampling noise: default 0.8")


def test_erased_nulls_fail_the_null_share_gate():
    real, twin = truth(3000, 1, income_nulls=0.35), truth(3000, 3)
    gates = judge(real, twin).gates
    nulls = gates["fidelity_null_shares"]
    assert not nulls.passed and nulls.value == pytest.approx(0.35, abs=0.03)
    assert "income 3" in nulls.reason and "0.0% synthetic" in nulls.reason
    assert gates["fidelity_worst_column"].passed  # KS and TVD drop nulls: only this gate sees it


def test_a_unit_slip_on_3_percent_of_a_column_fails_the_extreme_value_gate():
    real, twin = truth(3000, 1), truth(3000, 3)
    slipped = np.random.default_rng(5).random(twin.height) < 0.03
    twin = twin.with_columns(
        income=pl.when(pl.Series(slipped)).then(pl.col("income") * 1000).otherwise(pl.col("income"))
    )
    gates = judge(real, twin).gates
    extreme = gates["fidelity_extreme_values"]
    assert not extreme.passed and extreme.value == pytest.approx(0.03, abs=0.01)
    assert extreme.reason.startswith("beyond sampling noise: income 3.")
    assert gates["fidelity_worst_column"].passed and gates["fidelity_column_shapes"].passed  # KS moves by 0.03


def test_a_passing_column_gate_names_the_column_closest_to_failing():
    gates = judge(truth(3000, 1), truth(3000, 2)).gates
    assert gates["fidelity_worst_column"].reason.startswith("no column differs beyond sampling noise; lowest score:")


def test_a_report_without_the_per_column_numbers_fails_the_column_gates():
    data = skeleton()
    for column in data["fidelity"]["columns"].values():  # a report written before these gates
        column.pop("n_values"), column.pop("distance_noise"), column.pop("extreme_share", None)
    gates = evaluate_gates(QualityReport.model_validate(data), GateThresholds())
    for name in ("fidelity_worst_column", "fidelity_extreme_values"):
        assert gates[name].applicable and not gates[name].passed and "older twinforge" in gates[name].reason
    assert gates["fidelity_null_shares"].passed  # null shares were always in the report


def test_only_categorical_columns_make_the_extreme_value_gate_not_applicable():
    real = truth(300, 0).select("region", "default")
    gate = judge(real, truth(300, 1).select("region", "default")).gates["fidelity_extreme_values"]
    assert gate.passed and not gate.applicable and "no numeric" in gate.reason


def test_the_gate_thresholds_are_spec_fields():
    thresholds = GateThresholds()
    assert (
        thresholds.min_worst_column_score,
        thresholds.max_null_share_difference,
        thresholds.max_extreme_share_excess,
    ) == (0.92, 0.05, 0.01)
    assert set(COLUMN_GATES) <= set(evaluate_gates(QualityReport.model_validate(skeleton()), thresholds))


def test_a_twin_missing_a_column_fails_the_worst_column_gate_and_names_it():
    real = truth(1000, 0)
    report = judge(real, truth(1000, 100).drop("region"))
    worst = report.gates["fidelity_worst_column"]
    assert not worst.passed and worst.value == 0.0
    assert "region missing from the synthetic table" in worst.reason
    assert report.fidelity.skipped == {"region": "missing from synthetic"}
