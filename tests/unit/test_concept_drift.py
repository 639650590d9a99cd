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
    assert result.task == "classification" and result.metric == "accuracy"
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
