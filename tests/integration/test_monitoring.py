import json

import numpy as np
import polars as pl
import pytest

from twinforge.config.spec import DriftSpec
from twinforge.io.schema import infer_schema
from twinforge.monitoring.batch_drift import assess_batch_drift
from twinforge.monitoring.summary_page import MARKER

IDENTIFYING = ("rownames", "subject_id", "fake_first_name", "fake_last_name")


@pytest.fixture(scope="module")
def reference(demo_table):
    return demo_table.drop(*IDENTIFYING).sample(6000, seed=0)


def _assess(reference, current, tmp_path, **rules):
    return assess_batch_drift(
        "b1",
        reference,
        ["initial"],
        current,
        infer_schema(reference),
        target="result",
        report_dir=tmp_path,
        rules=DriftSpec(drift_share=0.2, concept_tolerance=0.05, **rules),
        champion_version="3",
    )


def _summary(tmp_path) -> str:
    page = (tmp_path / "drift.html").read_text()
    start = page.index(f"<section id='{MARKER}'")
    return page[start : page.index("</section>", start)]


def test_batch_from_the_same_population_recommends_nothing(reference, demo_table, tmp_path):
    same = demo_table.drop(*IDENTIFYING).sample(2000, seed=1)
    result = _assess(reference, same, tmp_path)
    assert not result.retrain_recommended and result.reasons == [] and result.verdict == "no retrain"
    assert not result.data.dataset_drift and not result.concept.drifted and result.hold_reasons == []
    assert max(s.effect for s in result.shifts.values()) < 0.25 / 4  # far from the column threshold
    saved = json.loads((tmp_path / "drift.json").read_text())
    assert saved["retrain_recommended"] is False and saved["reference_batches"] == ["initial"]
    assert saved["verdict"] == "no retrain" and set(saved["column_shifts"]) == set(result.data.columns)
    assert (tmp_path / "drift.html").stat().st_size > 100_000


def test_one_column_moved_far_recommends_retraining_alone(reference, demo_table, tmp_path):
    # 30 years older, nothing else: too few columns drift to reach drift_share 0.2
    older = demo_table.drop(*IDENTIFYING).sample(2000, seed=2).with_columns(age=pl.col("age") + 30)
    result = _assess(reference, older, tmp_path)
    assert not result.data.dataset_drift and "age" in result.data.drifted_columns
    assert result.verdict == "retrain" and result.retrain_recommended
    (reason,) = result.reasons
    assert reason.startswith("column age moved: effect size") and "column_threshold 0.25" in reason
    assert result.shifts["age"].effect > 1.0
    # without the column rule only the share counts, and one column of 13 is not enough
    assert _assess(reference, older, tmp_path, column_threshold=None).verdict == "no retrain"


def test_a_key_column_counts_at_any_effect_size_beyond_sampling_noise(reference, demo_table, tmp_path):
    # 3 days later (0.11 standard deviations): Evidently's test fails, the effect size (0.026) is under
    # min_effect (0.1) but beyond the noise of 2,000 against 6,000 rows
    nudged = demo_table.drop(*IDENTIFYING).sample(2000, seed=4).with_columns(pan_day=pl.col("pan_day") + 3)
    plain = _assess(reference, nudged, tmp_path, column_threshold=None)
    assert plain.data.columns["pan_day"].test_drifted and "pan_day" not in plain.data.drifted_columns
    assert plain.verdict == "no retrain" and plain.shifts["pan_day"].beyond_noise
    keyed = _assess(reference, nudged, tmp_path, column_threshold=None, key_columns=["pan_day"])
    assert keyed.verdict == "retrain" and keyed.reasons[0].startswith("key column pan_day drifted")


def test_a_key_column_that_is_not_compared_is_an_error(reference, demo_table, tmp_path):
    same = demo_table.drop(*IDENTIFYING).sample(500, seed=5)
    with pytest.raises(ValueError, match=r"drift.key_columns \['nope'\] are not compared"):
        _assess(reference, same, tmp_path, key_columns=["nope"])


def test_every_label_flipped_is_held_not_retrained(reference, tmp_path):
    flipped = reference.sample(2000, seed=3).with_columns(
        result=pl.when(pl.col("result") == "negative").then(pl.lit("positive")).otherwise(pl.lit("negative"))
    )
    result = _assess(reference, flipped, tmp_path)
    assert result.verdict == "held" and not result.retrain_recommended
    assert result.concept.current_score < result.concept.chance_score
    assert any("below chance level" in r for r in result.hold_reasons)
    assert any(r.startswith("concept drift:") for r in result.reasons)  # still said, as context
    summary = _summary(tmp_path)
    assert "HELD" in summary and "below chance level" in summary and "--approve" in summary
    # approved: the same batch is judged on drift alone
    assert _assess(reference, flipped, tmp_path).verdict == "held"
    approved = assess_batch_drift(
        "b1", reference, ["initial"], flipped, infer_schema(reference), target="result", report_dir=tmp_path,
        rules=DriftSpec(drift_share=0.2), approved=True,
    )  # fmt: skip
    assert approved.verdict == "retrain" and approved.hold_reasons == []


def test_a_column_emptied_or_recoded_wholesale_is_held(reference, tmp_path):
    batch = reference.sample(1000, seed=6)
    emptied = batch.with_columns(clinic_name=pl.lit(None, dtype=pl.String))
    result = _assess(reference, emptied, tmp_path)
    assert result.verdict == "held" and any(
        r.startswith("null share of clinic_name changed") for r in result.hold_reasons
    )
    recoded = batch.with_columns(gender=pl.col("gender").str.to_uppercase())
    result = _assess(reference, recoded, tmp_path)
    assert result.verdict == "held"
    assert any("values of gender are categories the reference never had" in r for r in result.hold_reasons)
    off = _assess(reference, recoded, tmp_path, hold_if={"new_category_share": None})
    assert off.verdict == "retrain"


def test_plausible_concept_drift_is_retrained_not_held(reference, tmp_path):
    # a wave: a third of the tests turn positive whatever the features say
    rng = np.random.default_rng(0)
    batch = reference.sample(2000, seed=3)
    wave = batch.with_columns(
        result=pl.when(pl.Series(rng.random(2000) < 0.33)).then(pl.lit("positive")).otherwise(pl.col("result"))
    )
    result = _assess(reference, wave, tmp_path)
    assert result.concept.drifted and result.verdict == "retrain"
    assert any(r.startswith("concept drift:") for r in result.reasons)
    summary = _summary(tmp_path)
    assert "RETRAIN" in summary and "concept drift" in summary and "b1" in summary and "initial" in summary


def test_the_drift_page_shows_the_verdict_and_reasons_first_in_chromium(reference, tmp_path):
    from tests.integration.test_evaluation_report import _chromium, _headless

    chromium = _chromium()
    flipped = reference.sample(1500, seed=7).with_columns(
        result=pl.when(pl.col("result") == "negative").then(pl.lit("positive")).otherwise(pl.lit("negative")),
        age=pl.col("age") + 30,
    )
    result = _assess(reference, flipped, tmp_path)
    assert result.verdict == "held"
    url = (tmp_path / "drift.html").as_uri()
    dom = _headless(chromium, tmp_path / "profile", "--virtual-time-budget=8000", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = dom.stdout[dom.stdout.index("<body") :]
    summary_at = body.index(f'id="{MARKER}"')
    # nothing rendered before it: the summary is the first thing in the body, Evidently's report after it
    assert summary_at < 200 and body.index(f'id="{MARKER}-verdict"') < body.index("</section>")
    summary = body[summary_at : body.index("</section>")]
    for expected in ("HELD", "below chance level", "column age moved", "concept drift", "b1", "initial", ">3<"):
        assert expected in summary, expected
    assert "Dataset Drift" in body[body.index("</section>") :] or len(body) > 100_000  # Evidently's page follows
    shot = tmp_path / "drift.png"
    run = _headless(chromium, tmp_path / "profile-shot", "--virtual-time-budget=8000", f"--screenshot={shot}",
                    "--window-size=1280,1200", url)  # fmt: skip
    assert run.returncode == 0 and shot.stat().st_size > 20_000
