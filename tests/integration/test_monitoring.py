import json

import numpy as np
import polars as pl
import pytest

from twinforge.io.schema import infer_schema
from twinforge.monitoring.batch_drift import assess_batch_drift


@pytest.fixture(scope="module")
def reference(demo_table):
    return demo_table.drop("rownames", "subject_id", "fake_first_name", "fake_last_name").sample(6000, seed=0)


def _assess(reference, current, tmp_path):
    return assess_batch_drift(
        "b1",
        reference,
        ["initial"],
        current,
        infer_schema(reference),
        target="result",
        report_dir=tmp_path,
        drift_share=0.2,
        concept_tolerance=0.05,
    )


def test_batch_from_the_same_population_recommends_nothing(reference, demo_table, tmp_path):
    same = demo_table.drop("rownames", "subject_id", "fake_first_name", "fake_last_name").sample(2000, seed=1)
    result = _assess(reference, same, tmp_path)
    assert not result.retrain_recommended and result.reasons == []
    assert not result.data.dataset_drift and not result.concept.drifted
    saved = json.loads((tmp_path / "drift.json").read_text())
    assert saved["retrain_recommended"] is False and saved["reference_batches"] == ["initial"]
    assert (tmp_path / "drift.html").stat().st_size > 100_000


def test_shifted_batch_recommends_retraining_and_says_why(reference, demo_table, tmp_path):
    shifted = (
        demo_table.drop("rownames", "subject_id", "fake_first_name", "fake_last_name")
        .sample(2000, seed=2)
        .with_columns(
            age=pl.col("age") + 20,
            pan_day=pl.col("pan_day") + 60,
            # the rare class becomes the common one
            result=pl.when(pl.col("result") == "negative").then(pl.lit("positive")).otherwise(pl.lit("negative")),
        )
    )
    result = _assess(reference, shifted, tmp_path)
    assert result.retrain_recommended
    assert {"age", "pan_day", "result"} <= set(result.data.drifted_columns)
    assert result.reasons[0].startswith("data drift:") and "age" in result.reasons[0]


def test_flipped_target_is_concept_drift(reference, tmp_path):
    rng = np.random.default_rng(0)
    flipped = reference.sample(2000, seed=3).with_columns(
        result=pl.Series(rng.choice(["positive", "negative"], size=2000, p=[0.5, 0.5]))
    )
    result = _assess(reference, flipped, tmp_path)
    assert result.concept.drifted
    assert any(r.startswith("concept drift:") for r in result.reasons)
