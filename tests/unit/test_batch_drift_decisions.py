"""Drift decisions on batches from an unchanged population, and on batches that did change.

Evidently's per-column tests alone flagged most columns of small batches (fixed distance thresholds above
1,000 reference rows) and a key column of every large batch against a small reference (chi-square on exact
reference shares); a column now drifts when its test fails and its effect size reaches drift.min_effect."""

import numpy as np
import polars as pl
import pytest

from twinforge.config.spec import DriftSpec
from twinforge.io.schema import infer_schema
from twinforge.monitoring.batch_drift import assess_batch_drift

pytestmark = pytest.mark.unit


def _table(n: int, seed: int, *, shift: float = 0.0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    columns = {f"x{i}": rng.normal(size=n) + (shift if i == 0 else 0.0) for i in range(6)}
    columns["region"] = rng.choice(["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1])
    return pl.DataFrame(columns)


def _assess(reference, current, tmp_path, **rules):
    return assess_batch_drift(
        "b", reference, ["initial"], current, infer_schema(reference),
        target=None, report_dir=tmp_path, rules=DriftSpec(**rules),
    )  # fmt: skip


def test_small_batches_of_an_unchanged_population_recommend_nothing(tmp_path):
    reference = _table(3000, 0)
    results = [_assess(reference, _table(100, seed), tmp_path / str(seed), drift_share=0.2) for seed in range(1, 9)]
    tested = sum(c.test_drifted for r in results for c in r.data.columns.values())
    assert tested >= 15  # Evidently's distance tests alone flag a third of these columns...
    assert sum(r.retrain_recommended for r in results) == 0  # ...none of which moved by a relevant amount
    assert all(r.data.to_dict()["columns"]["x1"]["test_drifted"] is not None for r in results)


def test_a_key_column_of_a_large_batch_drifts_only_when_its_shares_moved(tmp_path):
    reference = _table(800, 0)
    same = _assess(reference, _table(20_000, 1), tmp_path / "same", key_columns=["region"])
    assert not same.retrain_recommended
    moved = _table(20_000, 2).with_columns(
        region=pl.when(pl.int_range(pl.len()) % 4 == 0).then(pl.lit("west")).otherwise("region")
    )
    result = _assess(reference, moved, tmp_path / "moved", key_columns=["region"])
    assert result.retrain_recommended and any(r.startswith("key column region drifted") for r in result.reasons)


def test_a_moderate_shift_of_a_small_batch_is_still_found(tmp_path):
    reference = _table(3000, 0)
    result = _assess(reference, _table(200, 3, shift=0.6), tmp_path, key_columns=["x0"])
    assert "x0" in result.data.drifted_columns and result.retrain_recommended


def test_min_effect_off_gives_evidently_s_verdicts_back(tmp_path):
    reference = _table(3000, 0)
    batch = _table(100, 1)
    tests_alone = _assess(reference, batch, tmp_path / "off", min_effect=None).data
    gated = _assess(reference, batch, tmp_path / "on").data
    assert tests_alone.drifted_columns == [name for name, c in gated.columns.items() if c.test_drifted]
    assert tests_alone.dataset_drift and not gated.dataset_drift  # 5 of 7 columns against 1
    assert all(c.test_drifted is None for c in tests_alone.columns.values())


def test_a_column_that_empties_in_the_batch_has_moved(tmp_path):
    reference = _table(3000, 0).with_columns(
        x5=pl.when(pl.int_range(pl.len()) % 3 == 0).then(None).otherwise(pl.col("x5"))
    )
    emptied = _table(500, 1).with_columns(x5=pl.lit(None, dtype=pl.Float64))
    result = _assess(reference, emptied, tmp_path)
    assert "x5" in result.data.skipped_columns and result.shifts["x5"].effect > 1.0
    assert any(r.startswith("column x5 moved") for r in result.reasons)
    # an emptied key column is a shift to act on, not an error in the spec
    keyed = _assess(reference, emptied, tmp_path / "key", key_columns=["x5"])
    assert keyed.verdict in ("retrain", "held")


def test_batches_of_a_few_rows_of_an_unchanged_population_recommend_nothing(tmp_path):
    # the effect size's sampling noise is corrected on average, but on 5 or 20 rows it varies by more than the
    # column threshold; and an accuracy over 5 rows says little
    def labelled(n, seed):
        table = _table(n, seed)
        noise = np.random.default_rng(seed + 100).normal(size=n)
        return table.with_columns(y=pl.Series(np.where(table["x0"].to_numpy() + noise > 0, "yes", "no")))

    reference = labelled(3000, 0)
    verdicts = []
    for n in (5, 20):
        for seed in range(1, 11):
            result = assess_batch_drift(
                "b", reference, ["initial"], labelled(n, seed), infer_schema(reference),
                target="y", report_dir=tmp_path / f"{n}-{seed}", rules=DriftSpec(),
            )  # fmt: skip
            verdicts.append(result.verdict)
            if n == 5:
                assert result.concept is None and any("concept drift not judged" in note for note in result.notes)
    assert verdicts.count("no retrain") == len(verdicts), verdicts


def test_a_rare_class_growing_fourfold_in_a_key_column_drifts(tmp_path):
    # 1% -> 4% fraud: Evidently's Jensen-Shannon distance (0.07) stays under its 0.1 threshold and the effect
    # size under min_effect, but the change is far beyond sampling noise, which is what a key column needs
    def flagged(n, seed, share):
        rng = np.random.default_rng(seed)
        return _table(n, seed).with_columns(fraud=pl.Series((rng.random(n) < share).astype(int)).cast(pl.String))

    reference = flagged(3000, 0, 0.01)
    moved = _assess(reference, flagged(2000, 1, 0.04), tmp_path / "moved", key_columns=["fraud"])
    assert any(r.startswith("key column fraud drifted") for r in moved.reasons)
    same = [_assess(reference, flagged(2000, s, 0.01), tmp_path / str(s), key_columns=["fraud"]) for s in range(2, 7)]
    assert not any(r.retrain_recommended for r in same)


def test_the_drift_page_names_the_effect_floor_only_when_it_is_applied(tmp_path):
    reference, batch = _table(3000, 0), _table(100, 1)
    _assess(reference, batch, tmp_path / "on", min_effect=0.2)
    _assess(reference, batch, tmp_path / "off", min_effect=None)
    floored = (tmp_path / "on" / "drift.html").read_text()
    tests_alone = (tmp_path / "off" / "drift.html").read_text()
    assert "Columns drifted (Evidently&#x27;s test, and an effect size of at least drift.min_effect 0.2)" in floored
    assert "Columns drifted (Evidently&#x27;s test)" in tests_alone and "min_effect" not in tests_alone


def _correlated(n: int, seed: int, *, reversed_: bool = False) -> pl.DataFrame:
    # load and temperature move together (rho 0.8); the sign turns when the sensor is wired backwards
    rng = np.random.default_rng(seed)
    load = rng.normal(size=n)
    temperature = 0.8 * load + 0.6 * rng.normal(size=n)
    return pl.DataFrame({
        "load": load,
        "temperature": -temperature if reversed_ else temperature,
        "region": rng.choice(["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1]),
    })  # fmt: skip


def test_a_reversed_correlation_with_unchanged_marginals_is_a_reason_to_retrain(tmp_path):
    reference = _correlated(3000, 0)
    reversed_batch = _assess(reference, _correlated(1000, 1, reversed_=True), tmp_path / "reversed")
    # every column's own distribution is the same: only the pair's dependence moved
    assert reversed_batch.data.drifted_columns == [] and not any(s.beyond_noise for s in reversed_batch.shifts.values())
    assert reversed_batch.retrain_recommended
    reason = next(r for r in reversed_batch.reasons if r.startswith("dependence between columns changed"))
    assert "load × temperature (opposite sign)" in reason
    assert reversed_batch.to_dict()["dependence"]["score"] == 0.0
    assert "Dependence kept" in (tmp_path / "reversed" / "drift.html").read_text()
    off = _assess(reference, _correlated(1000, 1, reversed_=True), tmp_path / "off", min_dependence_kept=None)
    assert not off.retrain_recommended and off.to_dict()["dependence"] is None


def test_batches_of_an_unchanged_dependence_keep_it_whatever_their_size(tmp_path):
    reference = _correlated(3000, 0)
    for n in (50, 200, 5000):
        result = _assess(reference, _correlated(n, n), tmp_path / str(n))
        assert not result.retrain_recommended, (n, result.reasons)


def test_a_tiny_batch_far_outside_the_reference_range_is_a_reason_to_retrain(tmp_path):
    reference = _table(800, 0)
    moved = _table(10, 41).with_columns(x1=pl.col("x1") * 1000)
    result = _assess(reference, moved, tmp_path)
    assert result.verdict == "retrain"
    assert any(r.startswith("column x1 moved") for r in result.reasons)


def test_a_batch_without_a_column_of_the_reference_is_held_even_when_approved(tmp_path):
    # anonymization dropped a column of this batch only (its values looked like e-mail addresses): it cannot be
    # trained on with the other batches, so it is held rather than judged on the columns left
    reference = _table(3000, 0)
    batch = _table(300, 1).drop("region").with_columns(extra=pl.lit(1))
    for approved in (False, True):
        result = assess_batch_drift(
            "b", reference, ["initial"], batch, infer_schema(reference),
            target=None, report_dir=tmp_path / str(approved), rules=DriftSpec(), approved=approved,
        )  # fmt: skip
        assert result.verdict == "held"
        assert any("region" in r and "missing from the batch" in r for r in result.hold_reasons)
        assert any("extra" in r and "not in the reference" in r for r in result.hold_reasons)
