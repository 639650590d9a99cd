import numpy as np
import polars as pl
import pytest

from twinforge.io.schema import infer_schema
from twinforge.monitoring.concept_drift import concept_drift


def _table(n: int, seed: int, flip: bool = False) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    group = rng.choice(["a", "b"], size=n)
    label = (x > 0) ^ (group == "b")
    if flip:  # same features, opposite relationship
        label = ~label
    return pl.DataFrame({"x": x, "group": group, "label": np.where(label, "yes", "no"), "noise": rng.normal(size=n)})


def test_same_relationship_does_not_drift():
    ref, cur = _table(3000, 0), _table(1000, 1)
    result = concept_drift(ref, cur, infer_schema(ref), "label")
    assert result.task == "classification" and result.metric in ("accuracy", "balanced_accuracy")  # the nearer to drift
    assert result.reference_score > 0.9
    assert abs(result.score_drop) < 0.05 and not result.drifted


def test_flipped_relationship_drifts_although_features_do_not():
    ref, cur = _table(3000, 0), _table(1000, 1, flip=True)
    result = concept_drift(ref, cur, infer_schema(ref), "label")
    assert result.current_score < 0.2 and result.drifted
    assert result.to_dict()["score_drop"] > 0.7


def test_regression_target_uses_r2():
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    ref = pl.DataFrame({"x": x, "y": 3 * x + rng.normal(scale=0.1, size=2000)})
    cur = pl.DataFrame({"x": x[:500], "y": -3 * x[:500]})
    result = concept_drift(ref, cur, infer_schema(ref), "y")
    assert result.metric == "r2" and result.reference_score > 0.95 and result.drifted


def test_missing_target_is_named():
    ref = _table(100, 0)
    with pytest.raises(KeyError, match="'label' is not in the current table"):
        concept_drift(ref, ref.drop("label"), infer_schema(ref), "label")


def test_chance_level_is_guessing_at_the_reference_rates():
    ref, cur = _table(3000, 0), _table(1000, 1, flip=True)
    result = concept_drift(ref, cur, infer_schema(ref), "label")
    # balanced classes: guessing at the reference's rates is right half the time
    assert result.chance_score == pytest.approx(0.5, abs=0.03)
    assert result.current_score < result.chance_score < result.reference_score


def test_a_batch_whose_category_column_is_all_null_is_scored():
    ref = _table(3000, 0)
    cur = _table(1000, 1).with_columns(group=pl.lit(None, dtype=pl.String))
    result = concept_drift(ref, cur, infer_schema(ref), "label")
    assert 0.0 <= result.current_score <= 1.0 and result.current_rows == 1000


def _noisy_table(n: int, seed: int) -> pl.DataFrame:
    # a target the features predict about 75% of the time: small batches of it score anywhere from 60% to 90%
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    label = (x + rng.normal(scale=1.4, size=n)) > 0
    return pl.DataFrame({"x": x, "z": rng.normal(size=n), "label": np.where(label, "yes", "no")})


def test_small_batches_of_the_same_relationship_do_not_drift_by_sampling_error_alone():
    ref = _noisy_table(3000, 0)
    schema = infer_schema(ref)
    results = [concept_drift(ref, _noisy_table(50, seed), schema, "label") for seed in range(1, 21)]
    # an accuracy over 50 rows has a standard error of about 0.06: a drop of 0.05 is noise
    assert sum(r.score_drop > r.tolerance for r in results) >= 3  # the raw drop alone would have fired
    assert sum(r.drifted for r in results) <= 1
    assert all(r.drop_standard_error > 0.04 for r in results)


def test_a_flipped_relationship_in_a_small_batch_still_drifts():
    ref = _table(3000, 0)
    result = concept_drift(ref, _table(50, 7, flip=True), infer_schema(ref), "label")
    assert result.drifted and result.score_drop > 10 * result.drop_standard_error


def test_duration_and_time_features_are_seconds():
    import datetime as dt

    def table(n, seed):
        base = _table(n, seed)
        seconds = (base["x"] * 100 + 500).cast(pl.Int64)
        return base.with_columns(
            wait=pl.duration(seconds=seconds),
            clock=(pl.lit(dt.datetime(2024, 1, 1)) + pl.duration(seconds=seconds)).dt.time(),
        )

    ref = table(2000, 0)
    result = concept_drift(ref, table(500, 1), infer_schema(ref), "label")
    assert result.reference_score > 0.9 and not result.drifted


def test_a_target_the_features_cannot_predict_is_not_held_as_below_chance_by_noise():
    from twinforge.config.spec import HoldSpec
    from twinforge.monitoring.holds import hold_reasons

    def unpredictable(n, seed):
        rng = np.random.default_rng(seed)
        return pl.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n), "label": rng.choice(["yes", "no"], n)})

    ref = unpredictable(3000, 0)
    schema = infer_schema(ref)
    held = 0
    below = 0
    for seed in range(1, 21):
        current = unpredictable(500, seed)
        concept = concept_drift(ref, current, schema, "label")
        below += concept.current_score < concept.chance_score
        held += bool(hold_reasons(ref, current, schema, concept, HoldSpec()))
    assert below >= 5  # the model scores under chance in many batches by noise alone...
    assert held <= 1  # ...which is no evidence that the labels contradict the features

    flipped = concept_drift(_table(3000, 0), _table(500, 1, flip=True), infer_schema(_table(10, 0)), "label")
    assert hold_reasons(_table(3000, 0), _table(500, 1, flip=True), infer_schema(_table(10, 0)), flipped, HoldSpec())


def _rare_class_table(n: int, seed: int, reversed_rule: bool = False) -> pl.DataFrame:
    # fraud in 1% of rows: above x0's 99th percentile, or below its 1st once the rule is reversed
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=n)
    fraud = x0 < -2.326 if reversed_rule else x0 > 2.326
    return pl.DataFrame({"x0": x0, "x1": rng.normal(size=n), "fraud": np.where(fraud, "yes", "no")})


def test_a_reversed_rule_for_a_rare_class_is_concept_drift():
    ref = _rare_class_table(20_000, 0)
    schema = infer_schema(ref)
    reversed_batch = concept_drift(ref, _rare_class_table(5_000, 1, reversed_rule=True), schema, "fraud")
    # plain accuracy hardly moves (0.997 -> 0.984): every fraud is missed, and no fraud is found any more
    assert reversed_batch.drifted and reversed_batch.score_drop > 0.3
    same = concept_drift(ref, _rare_class_table(5_000, 2), schema, "fraud")
    assert not same.drifted and same.reference_score > 0.9


def test_chance_of_balanced_accuracy_is_the_mean_reference_rate_of_the_batch_classes():
    ref = _rare_class_table(20_000, 0)
    result = concept_drift(ref, _rare_class_table(5_000, 1, reversed_rule=True), infer_schema(ref), "fraud")
    # guessing "yes" 1% of the time recalls 1% of the frauds and 99% of the rest
    assert result.metric == "balanced_accuracy" and result.chance_score == pytest.approx(0.5, abs=0.01)
    no_fraud = _rare_class_table(5_000, 1).filter(pl.col("fraud") == "no")
    assert concept_drift(ref, no_fraud, infer_schema(ref), "fraud").chance_score == pytest.approx(0.99, abs=0.01)


def test_a_class_grown_common_whatever_the_features_say_is_concept_drift_by_accuracy():
    # balanced accuracy cannot see it: the frauds the rule finds are still found, the new ones never were
    ref = _rare_class_table(20_000, 0)
    batch = _rare_class_table(5_000, 1)
    rng = np.random.default_rng(3)
    wave = batch.with_columns(fraud=pl.when(pl.Series(rng.random(5_000) < 0.3)).then(pl.lit("yes")).otherwise("fraud"))
    result = concept_drift(ref, wave, infer_schema(ref), "fraud")
    assert result.drifted and result.metric == "accuracy" and result.score_drop > 0.2
