import numpy as np
import polars as pl
import pytest

from twinforge.evaluation.utility import macro_roc_auc, utility_report
from twinforge.io.schema import ColumnKind, ColumnSchema

pytestmark = pytest.mark.usefixtures("one_thread")

COLUMNS = [
    ColumnSchema("x", ColumnKind.FLOAT, "Float64"),
    ColumnSchema("noise", ColumnKind.FLOAT, "Float64"),
    ColumnSchema("colour", ColumnKind.CATEGORICAL, "String"),
    ColumnSchema("y", ColumnKind.FLOAT, "Float64"),
    ColumnSchema("label", ColumnKind.CATEGORICAL, "String"),
]


def table(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pl.DataFrame({
        "x": x,
        "noise": rng.normal(size=n),
        "colour": rng.choice(["red", "blue"], n),
        "y": 2 * x + rng.normal(size=n),  # R² = 4 / 5; MAE = E|N(0, 1)| = sqrt(2 / pi)
        "label": np.where(x > 0, "yes", "no"),  # a threshold on x: learnable exactly
    })  # fmt: skip


@pytest.fixture(scope="module")
def real():
    return table(3000, 0), table(3000, 1)


def test_regression_scores_match_theory(real):
    train, holdout = real
    out = utility_report(train, holdout, table(3000, 2), COLUMNS, "y")
    assert out["task"] == "regression" and out["primary_metric"] == "r2"
    assert out["trtr"]["r2"] == pytest.approx(0.8, abs=0.03)
    assert out["trtr"]["mae"] == pytest.approx(np.sqrt(2 / np.pi), rel=0.08)
    assert out["tstr"]["r2"] == pytest.approx(0.8, abs=0.03)
    assert out["lift_retained"] == pytest.approx(1.0, abs=0.05)


def test_classification_from_faithful_and_from_broken_synthetic_rows(real):
    train, holdout = real
    faithful = utility_report(train, holdout, table(3000, 3), COLUMNS, "label")
    assert faithful["task"] == "classification"
    assert faithful["trtr"]["roc_auc"] > 0.99 and faithful["trtr"]["accuracy"] > 0.97
    assert faithful["tstr"]["macro_f1"] > 0.95 and faithful["loss"] == pytest.approx(0.0, abs=0.01)
    broken = table(3000, 3).with_columns(pl.col("label").shuffle(seed=0))  # label no longer follows x
    lost = utility_report(train, holdout, broken, COLUMNS, "label")
    assert lost["tstr"]["roc_auc"] == pytest.approx(0.5, abs=0.06)
    assert lost["lift_retained"] < 0.15 and lost["loss"] > 0.4


def test_rows_without_target_are_dropped_and_counted(real):
    train, holdout = real
    holey = train.with_columns(pl.when(pl.int_range(pl.len()) < 100).then(None).otherwise(pl.col("y")).alias("y"))
    out = utility_report(holey, holdout, train, COLUMNS, "y")
    assert out["rows_without_target"] == {"train": 100, "holdout": 0, "synthetic": 0}
    assert out["rows"]["trtr"] == 2900


def test_unknown_or_unusable_target_is_an_error(real):
    train, holdout = real
    with pytest.raises(ValueError, match="'price'"):
        utility_report(train, holdout, train, COLUMNS, "price")


def test_lift_undefined_when_the_target_is_unpredictable(real):
    train, holdout = real
    out = utility_report(train, holdout, train, COLUMNS, "noise")
    assert out["lift_retained"] is None and out["trtr"]["r2"] < 0.05
    assert "barely beats chance" in out["lift_not_applicable"] and "reason" not in out  # explicitly not applicable


def test_scores_that_cannot_be_computed_say_why(real):
    train, holdout = real
    one_class = holdout.with_columns(pl.lit("yes").alias("label"))  # ROC AUC needs two classes in the holdout
    out = utility_report(train, one_class, train, COLUMNS, "label")
    assert out["lift_retained"] is None and "lift_not_applicable" not in out
    assert "undefined on the holdout" in out["reason"]


def test_macro_roc_auc_known_values():
    y = np.array(["a", "a", "b", "b"])
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.8, 0.2]])
    assert macro_roc_auc(y, proba, np.array(["a", "b"])) == pytest.approx(0.75)
    # a class the model never saw scores 0.5; the others are ranked perfectly
    y3 = np.array(["a", "b", "c", "a", "b", "c"])
    p3 = np.array([[1, 0], [0, 1], [0.5, 0.5], [1, 0], [0, 1], [0.5, 0.5]])
    assert macro_roc_auc(y3, p3, np.array(["a", "b"])) == pytest.approx((1.0 + 1.0 + 0.5) / 3)
    assert macro_roc_auc(np.array(["a", "a"]), proba[:2], np.array(["a", "b"])) is None


def test_a_target_class_seen_once_is_left_out_of_fitting_and_counted(real):
    # a new class in one row (a masked token such as <EMAIL> in a fresh batch) cannot be split into the
    # early-stopping validation set and the fitting rows; it is left out of fitting, and the report says so
    train, holdout = real
    odd = train.with_columns(
        pl.when(pl.int_range(pl.len()) == 7).then(pl.lit("<EMAIL>")).otherwise("label").alias("label")
    )
    synthetic = table(3000, 3).with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("<EMAIL>")).otherwise("label").alias("label")
    )
    out = utility_report(odd, holdout, synthetic, COLUMNS, "label")
    assert out["trtr"]["roc_auc"] > 0.99 and out["tstr"]["roc_auc"] > 0.99
    assert out["rows_of_rare_classes"] == {"trtr": 1, "tstr": 1}


def test_no_scores_when_every_class_is_in_one_row(real):
    train, holdout = real
    unique = train.head(50).with_columns(pl.format("c{}", pl.int_range(pl.len())).alias("label"))
    out = utility_report(unique, holdout, table(3000, 3), COLUMNS, "label")
    assert out["tstr"] is None and "one row only" in out["reason"] and out["rows_of_rare_classes"]["trtr"] == 50


def test_the_report_names_the_rows_left_out_of_fitting(real):
    from twinforge.evaluation.models import UtilityReport
    from twinforge.evaluation.report import _utility

    train, holdout = real
    odd = train.with_columns(pl.when(pl.int_range(pl.len()) == 7).then(pl.lit("x")).otherwise("label").alias("label"))
    html = _utility(UtilityReport.model_validate(utility_report(odd, holdout, table(3000, 3), COLUMNS, "label")))
    assert "left out of fitting: 1 real, 0 synthetic" in html
    assert "left out" not in _utility(
        UtilityReport.model_validate(utility_report(train, holdout, table(3000, 3), COLUMNS, "label"))
    )


def test_a_target_on_a_huge_scale_is_measured_as_on_its_own_scale():
    # r2 is the same whatever the target's unit; squared errors of values near 1e160 overflowed to inf, r2 came
    # out NaN, and NaN took the "barely beats chance: not applicable" way, which passes the gate
    rng = np.random.default_rng(0)

    def real(n):
        x = rng.normal(size=n)
        return pl.DataFrame({"x": x, "z": rng.normal(size=n), "y": x * 1e160})

    train, holdout = real(300), real(150)
    synthetic = pl.DataFrame({"x": rng.normal(size=300), "z": rng.normal(size=300), "y": rng.normal(size=300) * 1e160})
    columns = [ColumnSchema(c, ColumnKind.FLOAT, "Float64") for c in ("x", "z", "y")]
    huge = utility_report(train, holdout, synthetic, columns, "y")
    small = utility_report(*(f.with_columns(pl.col("y") / 1e150) for f in (train, holdout, synthetic)), columns, "y")
    assert huge["trtr"]["r2"] == pytest.approx(small["trtr"]["r2"]) and huge["trtr"]["r2"] > 0.9
    assert huge["tstr"]["r2"] == pytest.approx(small["tstr"]["r2"]) and huge["lift_retained"] < 0.1
    assert huge["trtr"]["mae"] == pytest.approx(small["trtr"]["mae"] * 1e150)
    assert "lift_not_applicable" not in huge


@pytest.mark.parametrize("trtr, tstr", [(float("nan"), 0.5), (0.9, float("nan")), (float("inf"), 0.5)])
def test_a_score_that_is_not_a_number_leaves_the_lift_unmeasured_never_not_applicable(trtr, tstr):
    from twinforge.evaluation.utility import lift_retained

    lift, why = lift_retained(trtr, tstr, "r2")
    assert lift is None and "not a finite number" in why["reason"] and "lift_not_applicable" not in why
