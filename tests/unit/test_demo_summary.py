"""`make run`'s summary says what a batch's k-anonymity means, not just its number; its retrain takes the newest
active batch as its partition, never a withdrawn or held one."""

from assets.promotion import promotion_message
from pipelines.demo import k_anonymity_line, retrain_partition
from twinforge.io.batches import ACTIVE, HELD, WITHDRAWN, Batch


def test_the_k_anonymity_line_explains_a_group_of_one_and_says_when_nothing_was_measured():
    alone = k_anonymity_line({"quasi_identifiers": ["age", "gender"], "k_anonymity_min_class": 1})
    assert alone.startswith("k-anonymity over age, gender: 1 (some record is alone")
    assert "privacy.k" in alone
    assert k_anonymity_line({"quasi_identifiers": ["age"], "k_anonymity_min_class": 12}) == "k-anonymity over age: 12"
    assert "not measured" in k_anonymity_line({"quasi_identifiers": [], "k_anonymity_min_class": 3000})


def _batch(batch_id: str, status: str = ACTIVE) -> Batch:
    return Batch(batch_id, "covid_testing", "2026-01-01T00:00:00+00:00", "landing", None, None, status=status)


def test_make_run_retrains_on_the_newest_active_batch_and_says_why_a_newer_one_is_left_out():
    # every batch active: the newest is the run's batch, nothing to say
    assert retrain_partition([_batch("initial"), _batch("b2")]) == ("b2", [])
    # the newest withdrawn (a wrong feed): never re-read, and the summary says so
    partition, notes = retrain_partition([_batch("initial"), _batch("b2", WITHDRAWN)])
    assert partition == "initial"
    assert notes == ["newest batch b2 is withdrawn: not trained on"]
    # held by its drift assessment, with a withdrawn one before it: each newer batch is named, the newest first
    partition, notes = retrain_partition([_batch("initial"), _batch("b2", WITHDRAWN), _batch("b3", HELD)])
    assert partition == "initial"
    assert notes[0].startswith("newest batch b3 is held: not trained on")
    assert "`twinforge batches covid_testing` says why" in notes[0]
    assert notes[1] == "batch b2 is withdrawn: not trained on"
    # no active batch at all: nothing to retrain on
    partition, notes = retrain_partition([_batch("initial", WITHDRAWN)])
    assert partition is None
    assert notes == ["newest batch initial is withdrawn: not trained on"]


def test_a_promotion_that_keeps_the_champion_reads_as_a_no_op():
    assert promotion_message("m", "1", "1") == "m version 1 stays champion (it already was)"
    assert promotion_message("m", "2", "1") == "m version 2 is now champion (was 1)"
    assert promotion_message("m", "1", None) == "m version 1 is now champion (was none)"
