"""Columns evaluate cannot compare as usual. One with no value at all (twinforge keeps one as an all-null column
of its type): the report is written, the models that score fidelity and utility leave out what carries no
information, and a twin that lost a column's every value fails on its null share. One only the synthetic table
has: refused, naming it (no metric could judge it, so real values there would pass every gate)."""

import numpy as np
import polars as pl
import pytest

from twinforge.evaluation import evaluate
from twinforge.io.schema import infer_schema

pytestmark = pytest.mark.usefixtures("one_thread")


def table(n: int, seed: int, empty_sensor: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    sensor = [None] * n if empty_sensor else list(rng.normal(size=n))
    return pl.DataFrame({
        "a": a, "b": rng.normal(size=n), "group": rng.choice(["x", "y"], n),
        "label": np.where(a + rng.normal(0, 0.5, n) > 0, "high", "low"),
        "sensor": pl.Series(sensor, dtype=pl.Float64),
    })  # fmt: skip


def test_a_column_empty_in_every_table_is_reported_not_a_crash():
    train, holdout, synthetic = table(1200, 0, True), table(300, 1, True), table(1200, 2, True)
    report = evaluate(train, holdout, synthetic, infer_schema(train), target="label")
    assert report.fidelity.discriminator.auc is not None
    assert report.utility.tstr is not None and report.utility.trtr is not None
    assert report.gates["fidelity_null_shares"].passed


def test_a_twin_that_lost_every_value_of_a_column_fails_its_null_share():
    train, holdout = table(1200, 0, False), table(300, 1, False)
    synthetic = table(1200, 2, True)
    report = evaluate(train, holdout, synthetic, infer_schema(train), target="label")
    assert not report.gates["fidelity_null_shares"].passed
    assert report.utility.tstr is not None


def test_a_column_only_the_synthetic_table_has_is_refused_naming_it():
    train, holdout, synthetic = table(600, 0, False), table(200, 1, False), table(600, 2, False)
    leaked = synthetic.with_columns(serial=pl.Series([f"SN-{i:05d}" for i in range(600)]))
    with pytest.raises(
        ValueError,
        match="the synthetic table has a column the training table lacks: serial; no metric or gate can judge it",
    ):
        evaluate(train, holdout, leaked, infer_schema(train))


def test_a_key_the_rules_generate_from_nothing_is_judged_by_its_rule_not_refused():
    from twinforge.rules import fit_rules

    train, holdout, synthetic = table(600, 0, False), table(200, 1, False), table(600, 2, False)
    keyed = synthetic.with_columns(order_id=pl.Series(range(600)))  # made by sampling, as `unique: [order_id]` does
    rules = fit_rules([{"unique": ["order_id"]}], train, infer_schema(train), rare_min_count=10)
    report = evaluate(train, holdout, keyed, infer_schema(train), rules=rules)
    assert [r.synthetic_violation_rate for r in report.rules.rules] == [0.0]
    with pytest.raises(ValueError, match="lacks: order_id;"):  # without the rule, nothing accounts for it
        evaluate(train, holdout, keyed, infer_schema(train))
