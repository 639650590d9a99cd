"""The train/holdout split keeps every record on one side."""

import numpy as np
import polars as pl
import pytest

from twinforge.io.split import record_groups, repeated_rows, split_train_holdout


@pytest.fixture(scope="module")
def distinct() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    return pl.DataFrame({"id": np.arange(2000), "x": rng.normal(size=2000), "c": rng.choice(["a", "b"], 2000)})


def test_on_distinct_rows_it_is_the_seeded_row_split(distinct):
    train, holdout = split_train_holdout(distinct, 0.2, seed=3)
    order = np.random.default_rng(3).permutation(distinct.height)
    assert sorted(holdout["id"].to_list()) == sorted(order[:400].tolist())
    assert train.height + holdout.height == distinct.height


def test_records_sent_twice_never_straddle_the_split(distinct):
    resent = pl.concat([distinct, distinct.sample(700, seed=1), distinct.sample(300, seed=2)])
    for seed in range(5):
        train, holdout = split_train_holdout(resent, 0.2, seed=seed)
        assert train.height + holdout.height == resent.height  # nothing lost
        assert train.join(holdout, on=train.columns, how="semi").height == 0
        assert abs(holdout.height / resent.height - 0.2) < 0.01


def test_all_rows_of_a_record_key_stay_together(distinct):
    visits = distinct.with_columns(patient=pl.col("id") // 4)  # four different rows per patient
    train, holdout = split_train_holdout(visits, 0.25, seed=0, record_key=["patient"])
    assert not set(train["patient"]) & set(holdout["patient"])
    assert holdout.height == 500
    with pytest.raises(ValueError, match="not in the table"):
        split_train_holdout(visits, 0.25, seed=0, record_key=["nope"])
    with pytest.raises(ValueError, match="too few values"):
        split_train_holdout(visits.with_columns(patient=pl.lit(1)), 0.25, seed=0, record_key=["patient"])


def test_groups_number_by_first_appearance_and_repeats_are_counted_per_batch():
    df = pl.DataFrame({"a": [1, 2, 1, 3, 2], "b": ["x", "y", "x", "z", "y"]})
    assert record_groups(df).tolist() == [0, 1, 0, 2, 1]
    first, second = df.head(3), pl.DataFrame({"a": [3, 1, 9], "b": ["z", "x", "q"]})
    assert repeated_rows({"b1": first, "b2": second}) == {
        "b1": {"rows": 3, "repeated_within": 1, "repeated_earlier": 0},
        "b2": {"rows": 3, "repeated_within": 0, "repeated_earlier": 1},
    }
