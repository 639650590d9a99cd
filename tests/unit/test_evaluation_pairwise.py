import numpy as np
import polars as pl
import pytest

from twinforge.evaluation.pairwise import association_report, contingency_similarity, cramers_v
from twinforge.io.schema import ColumnKind, ColumnSchema


def test_cramers_v_of_independent_and_identical_columns():
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 4, 20_000), rng.integers(0, 3, 20_000)
    assert cramers_v(x, y) == pytest.approx(0.0, abs=0.01)
    assert cramers_v(x, x) == pytest.approx(1.0)


def test_cramers_v_of_a_known_two_by_two_table():
    # balanced binary columns equal 90 % of the time: phi = 0.9 - 0.1 = 0.8
    x = np.repeat([0, 0, 1, 1], [4500, 500, 500, 4500])
    y = np.repeat([0, 1, 0, 1], [4500, 500, 500, 4500])
    assert cramers_v(x, y) == pytest.approx(0.8, abs=0.002)


def test_cramers_v_ignores_empty_levels_and_single_level_columns():
    assert cramers_v(np.array([0, 0, 0]), np.array([0, 1, 2])) == 0.0
    assert cramers_v(np.array([0, 2, 0, 2] * 50), np.array([1, 3, 1, 3] * 50)) == pytest.approx(1.0)


def test_contingency_similarity_of_known_joints():
    x = np.array([0, 1] * 500)
    assert contingency_similarity(x, x, x, x) == 1.0
    # perfectly dependent vs independent balanced binaries: joints (.5, 0, 0, .5) and (.25 each), TVD 0.5
    independent = np.array([0, 0, 1, 1] * 250), np.array([0, 1, 0, 1] * 250)
    assert contingency_similarity(x, x, *independent) == pytest.approx(0.5)


def _columns(**kinds):
    return [ColumnSchema(name, ColumnKind(kind), "x") for name, kind in kinds.items()]


def _dependent_table(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pl.DataFrame({
        "x": x,
        "y": x + rng.normal(scale=0.5, size=n),
        "group": np.where(x > 0.3, "high", "low"),
        "flag": rng.random(n) < 0.5,  # independent of the rest
    })  # fmt: skip


def test_dependence_score_is_one_for_the_same_joint_and_zero_for_shuffled_columns():
    real = _dependent_table()
    columns = _columns(x="float", y="float", group="categorical", flag="boolean")
    same = association_report(real, _dependent_table(seed=1), columns)
    assert same["dependence_score"] > 0.9 and same["contingency_similarity"] > 0.9
    shuffled = real.select([pl.col(c).shuffle(seed=i) for i, c in enumerate(real.columns)])
    lost = association_report(real, shuffled, columns)
    assert lost["dependence_score"] < 0.05
    assert lost["worst_pairs"][0]["columns"] in (["x", "group"], ["x", "y"], ["y", "group"])
    names = lost["columns"]
    assert np.array(lost["real"])[names.index("x"), names.index("flag")] < 0.05  # independent in the data


def test_dependence_score_undefined_when_real_columns_are_independent():
    rng = np.random.default_rng(2)
    real = pl.DataFrame({"a": rng.normal(size=3000), "b": rng.choice(["u", "v"], 3000)})
    out = association_report(real, real, _columns(a="float", b="categorical"))
    assert out["dependence_score"] is None and out["n_pairs"] == 1
    assert "beyond sampling noise" in out["dependence_not_applicable"]  # said explicitly: the gate does not apply
    single = association_report(real, real, _columns(a="float"))
    assert single["dependence_score"] is None and "no column pair" in single["dependence_not_applicable"]


def test_a_measured_dependence_score_is_never_marked_not_applicable():
    rng = np.random.default_rng(3)
    a = rng.normal(size=2000)
    real = pl.DataFrame({"a": a, "b": np.where(a > 0, "u", "v")})
    out = association_report(real, real, _columns(a="float", b="categorical"))
    assert out["dependence_score"] > 0.9 and "dependence_not_applicable" not in out


def test_nulls_are_a_level_of_their_own():
    # b is null exactly when a is "x": the association lives in the null pattern
    real = pl.DataFrame({"a": ["x", "y"] * 500, "b": [None, 1.0] * 500})
    out = association_report(real, real, _columns(a="categorical", b="float"))
    assert out["real"][0][1] == pytest.approx(1.0, abs=0.01)


def _wide_table(n: int, seed: int, *, unrelated: int, lose_pair: bool = False, flip_sign: bool = False):
    # x and y correlate (rho 0.8); every other column is independent noise
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = 0.8 * x + 0.6 * rng.normal(size=n)
    if lose_pair:
        y = rng.permutation(y)
    if flip_sign:
        y = -y
    return pl.DataFrame({"x": x, "y": y, **{f"noise{k}": rng.normal(size=n) for k in range(unrelated)}})


def test_a_faithful_twin_of_a_wide_table_keeps_its_dependence_score_whatever_the_unrelated_columns():
    # each unrelated pair's V is noise (about 0.05 at 600 rows): summed over 45 pairs it outweighed the one
    # real association, and a fresh draw of the same population scored 0.3
    for unrelated, n in ((8, 600), (16, 1000)):
        real = _wide_table(n, 0, unrelated=unrelated)
        columns = _columns(**dict.fromkeys(real.columns, "float"))
        scores = [association_report(real, _wide_table(n, seed, unrelated=unrelated), columns) for seed in (1, 2, 3)]
        assert all(s["dependence_score"] > 0.8 for s in scores), [s["dependence_score"] for s in scores]


def test_a_lost_strong_pair_in_a_wide_table_of_unrelated_columns_fails_the_score():
    real = _wide_table(2000, 0, unrelated=19)  # 190 pairs, mean real V about 0.02: the gate had switched off
    columns = _columns(**dict.fromkeys(real.columns, "float"))
    lost = association_report(real, _wide_table(2000, 1, unrelated=19, lose_pair=True), columns)
    assert lost["dependence_score"] is not None and lost["dependence_score"] < 0.2  # the gate: 0.75
    assert lost["worst_pairs"][0]["columns"] == ["x", "y"]


def test_a_correlation_of_the_wrong_sign_is_lost_dependence():
    real = _wide_table(2000, 0, unrelated=2)
    columns = _columns(**dict.fromkeys(real.columns, "float"))
    flipped = association_report(real, _wide_table(2000, 1, unrelated=2, flip_sign=True), columns)
    faithful = association_report(real, _wide_table(2000, 1, unrelated=2), columns)
    # Cramér's V is the same for x, y and x, -y: only the sign tells them apart
    assert flipped["worst_pairs"][0]["opposite_sign"] and not faithful["worst_pairs"][0]["opposite_sign"]
    assert flipped["dependence_score"] == 0.0 and faithful["dependence_score"] > 0.9
