import numpy as np
import polars as pl
import pytest

from twinforge.evaluation.columns import DistanceSpace
from twinforge.evaluation.disclosure import balanced_share, distance_report, exact_match_report
from twinforge.io.schema import ColumnKind, ColumnSchema

pytestmark = pytest.mark.usefixtures("one_thread")

COLUMNS = [
    ColumnSchema("age", ColumnKind.INTEGER, "Int64"),
    ColumnSchema("income", ColumnKind.FLOAT, "Float64"),
    ColumnSchema("city", ColumnKind.CATEGORICAL, "String"),
    ColumnSchema("member", ColumnKind.BOOLEAN, "Int64"),
]


def people(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "age": rng.integers(18, 90, n),
        "income": np.round(rng.lognormal(10, 0.5, n), 2),
        "city": rng.choice(["Lyon", "Nice", "Paris", "Lille"], n),
        "member": rng.integers(0, 2, n),
    })  # fmt: skip


@pytest.fixture(scope="module")
def split():
    table = people(5000, 0)
    return table.head(4000), table.tail(1000)  # 4:1 like an 80/20 split


def test_exact_matches_count_copies_and_the_holdout_baseline():
    train = people(100, 1)
    holdout = pl.concat([train.head(5), people(95, 2)])  # 5 % of holdout rows also occur in train
    synthetic = pl.concat([train.head(30), people(70, 3)]).with_columns(pl.col("age").cast(pl.Float64))
    out = exact_match_report(train, holdout, synthetic, COLUMNS)
    assert out["synthetic_share"] == pytest.approx(0.30)  # Float64 ages still match Int64 ones
    assert out["holdout_share"] == pytest.approx(0.05)
    assert out["excess"] == pytest.approx(0.25)
    doubled = pl.concat([train.head(50), train.head(50)])
    assert exact_match_report(train, holdout, doubled, COLUMNS)["synthetic_duplicate_share"] == pytest.approx(0.5)


def test_nulls_match_nulls_exactly():
    train = pl.DataFrame({"age": [1, None], "income": [None, 2.0], "city": ["a", None], "member": [0, 1]})
    out = exact_match_report(train, train.tail(1), train.head(1), COLUMNS)
    assert out["synthetic_share"] == 1.0 and out["holdout_share"] == 1.0


def test_balanced_share_maps_the_size_ratio_to_one_half():
    assert balanced_share(0.8, 4000, 1000) == pytest.approx(0.5)
    assert balanced_share(0.5, 1000, 1000) == pytest.approx(0.5)
    assert balanced_share(1.0, 4000, 1000) == 1.0 and balanced_share(0.0, 4000, 1000) == 0.0
    assert 0.5 < balanced_share(0.9, 4000, 1000) < 1.0


def test_distance_space_is_gower_like():
    reference = pl.DataFrame(
        {"age": [10, 20, 30, 40], "income": [1.0, 2.0, 3.0, None], "city": ["a", "b", "a", "b"], "member": [0, 1, 0, 1]}
    )
    space = DistanceSpace.fit(COLUMNS, reference)
    rows = space.transform(
        pl.DataFrame(
            {
                "age": [10, 10, 10, 10],
                "income": [1.0, 1.0, 1.0, None],
                "city": ["a", "b", "zzz", "a"],
                "member": [0, 0, 0, 0],
            }
        )
    )
    d = np.linalg.norm(rows[1:] - rows[0], axis=1)
    assert d[0] == pytest.approx(1.0)  # another category
    assert d[1] == pytest.approx(1.0)  # a category never seen: "other"
    assert d[2] >= 1.0  # a null where a value was
    ranks = space.transform(reference)[:, 0]
    assert ranks.tolist() == pytest.approx([0.125, 0.375, 0.625, 0.875])  # mid-ranks in 0..1


def test_a_copy_of_the_training_rows_is_caught_by_every_distance_measure(split):
    train, holdout = split
    out = distance_report(train, holdout, train, COLUMNS, max_queries=1000)
    assert out["dcr"]["balanced_share_closer_to_train"] > 0.95
    assert out["dcr"]["share_at_zero"] == 1.0
    assert out["nndr"]["synthetic"]["median"] == 0.0
    assert out["membership"]["advantage"] > 0.95 and out["membership"]["auc"] > 0.97


def test_fresh_rows_from_the_population_look_like_the_holdout(split):
    train, holdout = split
    out = distance_report(train, holdout, people(4000, 9), COLUMNS, max_queries=1000)
    assert out["dcr"]["expected_share_if_unrelated"] == pytest.approx(0.8)
    assert out["dcr"]["balanced_share_closer_to_train"] == pytest.approx(0.5, abs=0.06)
    assert out["membership"]["advantage"] < 0.1 and out["membership"]["auc"] == pytest.approx(0.5, abs=0.05)
    nndr = out["nndr"]
    assert nndr["synthetic"]["median"] == pytest.approx(nndr["holdout"]["median"], abs=0.1)
    hist = out["dcr"]["histogram"]
    assert set(hist["series"]) == {"synthetic → train", "synthetic → holdout", "holdout → train"}
    assert all(sum(v) == pytest.approx(1.0) for v in hist["series"].values())


def test_references_are_sampled_at_one_rate(split):
    train, holdout = split
    out = distance_report(train, holdout, people(3000, 4), COLUMNS, max_rows=2000, max_queries=500)
    assert out["rows"] == {"train_reference": 2000, "holdout_reference": 500, "synthetic_queries": 500}
    assert out["membership"]["rows_per_class"] == 500


def test_a_holdout_that_repeats_the_training_rows_is_refused():
    from twinforge.evaluation.disclosure import holdout_overlap_problem

    train = people(400, 1)
    copy = train.sample(fraction=1.0, shuffle=True, seed=3)  # the training rows again, shuffled
    problem = holdout_overlap_problem(train, copy, COLUMNS)
    assert problem is not None and "100.0% of its rows equal a training row" in problem
    partly = pl.concat([train.head(40), people(160, 2)])  # a split done twice: a fifth overlaps
    assert holdout_overlap_problem(train, partly, COLUMNS) is not None
    assert holdout_overlap_problem(train, people(200, 2), COLUMNS) is None


@pytest.mark.parametrize("seed", range(5))
def test_a_disjoint_holdout_of_a_table_of_repeated_rows_passes(seed):
    # three coarse columns: most rows have twins, in the training table and across the split alike
    from twinforge.evaluation.disclosure import holdout_overlap_problem

    rng = np.random.default_rng(seed)
    n = 3000
    table = pl.DataFrame({
        "age": rng.integers(18, 25, n), "income": rng.integers(0, 3, n).astype(float),
        "city": rng.choice(["Lyon", "Nice"], n), "member": rng.integers(0, 2, n),
    })  # fmt: skip
    assert holdout_overlap_problem(table.head(2100), table.tail(900), COLUMNS) is None
    # few rows and many columns: twins are rare, and so are matches across the split
    sparse = people(300, seed + 10)
    assert holdout_overlap_problem(sparse.head(210), sparse.tail(90), COLUMNS) is None
