import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from twinforge.evaluation.attacks import (
    AttackTables,
    attack_report,
    attack_result,
    inference_risk,
    linkability_risk,
    residual_risk,
    singling_out_probability_integral,
    singling_out_risk,
    success_rate,
)
from twinforge.io.schema import ColumnKind, ColumnSchema

pytestmark = pytest.mark.usefixtures("one_thread")

COLUMNS = [
    ColumnSchema("age", ColumnKind.INTEGER, "Int64"),
    ColumnSchema("income", ColumnKind.FLOAT, "Float64"),
    ColumnSchema("city", ColumnKind.CATEGORICAL, "String"),
    ColumnSchema("job", ColumnKind.CATEGORICAL, "String"),
    ColumnSchema("diagnosis", ColumnKind.CATEGORICAL, "String"),
]


def patients(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "age": rng.integers(18, 90, n),
        "income": np.round(rng.lognormal(10, 0.6, n), 2),
        "city": rng.choice([f"city{i}" for i in range(30)], n),
        "job": rng.choice([f"job{i}" for i in range(20)], n),
        "diagnosis": rng.choice(["flu", "cold", "covid", "none"], n),
    })  # fmt: skip


@pytest.fixture(scope="module")
def tables():
    population = patients(6000, 0)
    train, holdout = population.head(3000), population.tail(3000)
    return {
        "copy": AttackTables.prepare(train, holdout, train, COLUMNS, max_rows=3000, seed=0),
        "fresh": AttackTables.prepare(train, holdout, patients(3000, 1), COLUMNS, max_rows=3000, seed=0),
    }


def test_wilson_interval_known_values():
    z = norm.ppf(0.975)
    rate = success_rate(100, 50)
    assert rate.value == pytest.approx(0.5)
    assert rate.error == pytest.approx(z / (100 + z * z) * np.sqrt(25 + z * z / 4))
    assert success_rate(1000, 0).value == pytest.approx(z * z / 2 / (1000 + z * z))


def test_residual_risk_is_the_excess_over_control():
    assert residual_risk(success_rate(10_000, 6000), success_rate(10_000, 2000))["value"] == pytest.approx(
        0.5, abs=0.01
    )
    assert residual_risk(success_rate(10_000, 2000), success_rate(10_000, 6000))["value"] == 0.0  # clipped
    ci = residual_risk(success_rate(100, 60), success_rate(100, 20))["ci"]
    assert ci[0] < 0.5 < ci[1]


def test_singling_out_probability_integral():
    assert singling_out_probability_integral(1, 0.0, 1.0) == pytest.approx(0.5)  # ∫ w dw over [0, 1]
    n = 50
    grid = np.linspace(0, 0.1, 200_001)
    numeric = np.trapezoid(n * grid * (1 - grid) ** (n - 1), grid)
    assert singling_out_probability_integral(n, 0.0, 0.1) == pytest.approx(numeric, rel=1e-6)


def test_a_copy_is_at_risk_on_every_attack(tables):
    copy = tables["copy"]
    assert singling_out_risk(copy, mode="univariate", n_attacks=200, seed=0)["risk"] > 0.8
    assert singling_out_risk(copy, mode="multivariate", n_attacks=100, seed=0)["risk"] > 0.8
    assert linkability_risk(copy, n_attacks=500, seed=0)["risk"] > 0.8
    inference = inference_risk(copy, "diagnosis", n_attacks=500, seed=0)
    assert inference["risk"] > 0.9 and inference["informative"]


def test_fresh_rows_from_the_population_carry_little_risk(tables):
    fresh = tables["fresh"]
    for mode in ("univariate", "multivariate"):
        assert singling_out_risk(fresh, mode=mode, n_attacks=200, seed=0)["risk"] < 0.15
    assert linkability_risk(fresh, n_attacks=500, seed=0)["risk"] < 0.05
    inference = inference_risk(fresh, "diagnosis", n_attacks=500, seed=0)
    assert inference["risk"] < 0.1
    assert inference["control_rate"] == pytest.approx(0.25, abs=0.06)  # guessing one of 4 diagnoses


def test_train_and_control_keep_their_size_ratio():
    population = patients(5000, 2)
    tables = AttackTables.prepare(
        population.head(4000), population.tail(1000), population, COLUMNS, max_rows=2000, seed=0
    )
    assert (tables.train.height, tables.control.height, tables.synthetic.height) == (2000, 500, 2000)
    assert tables.train.schema["age"] == pl.Float64 and tables.train.schema["city"] == pl.String


def test_attack_report_summarises_the_worst_risks(tables):
    population = patients(4000, 3)
    out = attack_report(
        population.head(2000),
        population.tail(2000),
        population.head(2000),
        COLUMNS,
        secrets=["diagnosis", "job"],
        n_attacks=300,
        max_rows=2000,
    )
    assert set(out["inference"]) == {"diagnosis", "job"}
    assert out["inference_risk"] == max(r["risk"] for r in out["inference"].values()) > 0.8
    assert out["singling_out_risk"] == max(r["risk"] for r in out["singling_out"].values())
    assert out["linkability"]["aux_columns"] == [["age", "city", "diagnosis"], ["income", "job"]]
    with pytest.raises(ValueError, match="'salary'"):
        inference_risk(tables["fresh"], "salary", n_attacks=10, seed=0)


def test_size_correction_extrapolates_the_control_count():
    from twinforge.evaluation.attacks import _Coded, curve_fit_size_correction, singled_out_by_size, size_correction

    # each predicate "x == v" isolates one row exactly when v is present; a value of a 100,000-value
    # universe is in a sample of n rows with probability ~n w (1 - w)^(n - 1), w = 1e-5
    rng = np.random.default_rng(0)
    control = _Coded({"x": rng.choice(100_000, 3000, replace=False).astype(float)}, {"x"})
    predicates = [(("x", "==", float(v)),) for v in rng.choice(100_000, 5000, replace=False)]
    expected = 12_000 / 3000 * (1 - 1e-5) ** 9000
    sizes, successes = singled_out_by_size(control, predicates, rng)
    assert size_correction(sizes, successes, 3000, 12_000) == pytest.approx(expected, rel=0.2)
    # anonymeter's fit (same model, curve_fit from its starting point) lands on the branch falling as 1/n here
    # and shrinks the control count although the counts grow with size: the deliberate difference
    assert curve_fit_size_correction(sizes, successes, 3000, 12_000) == pytest.approx(3000 / 12_000, rel=0.05)
    nothing = singled_out_by_size(control, [(("x", "==", -1.0),)], rng)
    assert size_correction(*nothing, 3000, 12_000) == 1.0  # nothing singled out


def test_anonymeter_method_scores_singling_out_over_the_attacks_requested(tables):
    """Few predicates found: twinforge's risk is over those found, anonymeter's over the number requested."""
    copy = tables["copy"]
    requested = 100_000  # far more than the synthetic rows can give
    result = singling_out_risk(copy, mode="multivariate", n_attacks=requested, seed=0, max_attempts=300)
    found, reference = result["n_attacks"], result["anonymeter_method"]
    assert 0 < found < 300 and reference["n_attacks"] == requested
    assert result["risk"] > 0.8  # a copy: nearly every predicate found singles out a training row
    expected = attack_result(requested, reference["n_success"], 0, reference["control_count"])["risk"]
    assert reference["risk"] == pytest.approx(expected) and reference["risk"] < 0.01
