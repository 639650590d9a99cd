import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from twinforge.evaluation.fidelity import column_fidelity, fidelity_report
from twinforge.evaluation.pairwise import correlation_difference
from twinforge.evaluation.report import write_report_html
from twinforge.io.schema import ColumnKind, infer_schema


def real_table(n: int = 3000, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n)
    return pl.DataFrame(
        {
            "id": np.arange(n),
            "x": x,
            "y": 2 * x + rng.normal(0, 1, n),  # corr(x, y) = 2 / sqrt(5)
            "count": pl.Series(rng.poisson(3, n), dtype=pl.Int32),
            "city": rng.choice(["Lyon", "Nice", "Paris"], n, p=[0.2, 0.3, 0.5]).tolist(),
            "flag": (rng.random(n) < 0.3).tolist(),
            "day": [dt.date(2024, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 365, n)],
            "comment": [f"text {i}" for i in range(n)],
        }
    )


@pytest.fixture(scope="module")
def real() -> pl.DataFrame:
    return real_table()


@pytest.fixture(scope="module")
def schema(real):
    return infer_schema(real, identifiers=["id"], overrides={"comment": ColumnKind.TEXT})


def test_identical_numeric_column_scores_one():
    s = pl.Series("x", np.random.default_rng(1).normal(size=500))
    f = column_fidelity(s, s, ColumnKind.FLOAT)
    assert f["ks"] == 0.0 and f["wasserstein"] == 0.0 and f["score"] == 1.0
    assert f["mean"]["real"] == f["mean"]["synthetic"] and f["null_rate"] == {"real": 0.0, "synthetic": 0.0}
    assert f["histogram"]["real"] == f["histogram"]["synthetic"]
    assert sum(f["histogram"]["real"]) == pytest.approx(1.0)


def test_known_shift_matches_theory():
    # two unit normals d apart: KS = 2 * Phi(d / 2) - 1; Wasserstein = d, here over the IQR 1.349
    rng, n, d = np.random.default_rng(2), 20_000, 1.0
    f = column_fidelity(pl.Series(rng.normal(0, 1, n)), pl.Series(rng.normal(d, 1, n)), ColumnKind.FLOAT)
    assert f["ks"] == pytest.approx(2 * norm.cdf(d / 2) - 1, abs=0.02)
    assert f["score"] == pytest.approx(1 - f["ks"])
    assert f["wasserstein_scale"] == "iqr"
    assert f["wasserstein"] == pytest.approx(d / (norm.ppf(0.75) - norm.ppf(0.25)), rel=0.05)
    assert f["mean"]["synthetic"] - f["mean"]["real"] == pytest.approx(d, abs=0.05)


def test_numeric_null_rates_count_nan_and_null():
    real = pl.Series([1.0, 2.0, None, float("nan")])
    synthetic = pl.Series([1.0, 2.0, 3.0, 4.0])
    f = column_fidelity(real, synthetic, ColumnKind.FLOAT)
    assert f["null_rate"] == {"real": 0.5, "synthetic": 0.0}
    assert f["ks"] == 0.5  # {1, 2} vs {1, 2, 3, 4}


def test_constant_column_falls_back_to_unnormalised_wasserstein():
    f = column_fidelity(pl.Series([5] * 10), pl.Series([7] * 10), ColumnKind.INTEGER)
    assert f["wasserstein_scale"] == "none" and f["wasserstein"] == 2.0 and f["ks"] == 1.0 and f["score"] == 0.0


def test_empty_columns_compare_without_errors():
    empty = pl.Series([None, None], dtype=pl.Float64)
    assert column_fidelity(empty, empty, ColumnKind.FLOAT)["score"] == 1.0
    assert column_fidelity(empty, pl.Series([1.0]), ColumnKind.FLOAT)["score"] == 0.0


def test_datetime_columns_compare_as_epoch_seconds():
    days = pl.Series([dt.datetime(2024, 1, d) for d in range(1, 29)])
    f = column_fidelity(days, days.dt.offset_by("1d"), ColumnKind.DATETIME)
    assert f["unit"] == "epoch seconds"
    assert f["mean"]["synthetic"] - f["mean"]["real"] == pytest.approx(86_400)
    assert f["ks"] == pytest.approx(1 / 28)


def test_identical_categories_score_one():
    s = pl.Series(["a", "b", "b", None, "c"])
    f = column_fidelity(s, s.cast(pl.Categorical), ColumnKind.CATEGORICAL)
    assert f["tvd"] == 0.0 and f["score"] == 1.0
    assert f["categories_missing"] == f["categories_invented"] == 0
    assert f["null_rate"] == {"real": 0.2, "synthetic": 0.2}


def test_disjoint_categories_have_tvd_one_and_list_counts_only():
    f = column_fidelity(pl.Series(["a", "b"] * 10), pl.Series(["x", "y", "z", "z"]), ColumnKind.CATEGORICAL)
    assert f["tvd"] == 1.0 and f["score"] == 0.0
    assert (f["categories_missing"], f["categories_invented"]) == (2, 3)
    assert f["n_categories"] == {"real": 2, "synthetic": 3}
    # invented values never appear in the report, only their pooled share
    assert f["bars"] == {"labels": ["a", "b", "(invented)"], "real": [0.5, 0.5, 0.0], "synthetic": [0.0, 0.0, 1.0]}


def test_known_category_shift():
    real = pl.Series([True] * 70 + [False] * 30)
    synthetic = pl.Series([True] * 40 + [False] * 60)
    assert column_fidelity(real, synthetic, ColumnKind.BOOLEAN)["tvd"] == pytest.approx(0.3)


def test_rare_real_categories_are_pooled_in_the_bars():
    real = pl.Series([f"c{i:02d}" for i in range(40)] * 10)
    bars = column_fidelity(real, real, ColumnKind.CATEGORICAL)["bars"]
    assert len(bars["labels"]) == 16 and bars["labels"][-1] == "(other)"
    assert sum(bars["real"]) == pytest.approx(1.0)


def test_a_category_held_by_fewer_than_ten_real_rows_is_never_named():
    # a neutral column of names and phone numbers: each held by one or a few people
    people = [f"Person {i} +1 555 01{i:02d}" for i in range(30)]
    real = pl.Series(["common"] * 40 + ["frequent"] * 10 + people[:20] + people[20:] * 9)
    bars = column_fidelity(real, real, ColumnKind.CATEGORICAL)["bars"]
    assert bars["labels"] == ["common", "frequent", "(other)"]  # 9 rows each: pooled, unnamed
    assert sum(bars["real"]) == pytest.approx(1.0) and bars["real"][-1] == pytest.approx(110 / 160)


def test_text_and_identifier_columns_are_not_compared():
    with pytest.raises(ValueError, match="text"):
        column_fidelity(pl.Series(["a"]), pl.Series(["a"]), ColumnKind.TEXT)


def test_report_on_a_faithful_copy(real, schema):
    report = fidelity_report(real, real_table(seed=1), schema)
    assert json.loads(json.dumps(report)) == report
    assert list(report["columns"]) == ["x", "y", "count", "city", "flag", "day"]
    assert report["skipped"] == {"id": "identifier", "comment": "text"}
    assert report["overall_score"] == pytest.approx(np.mean([c["score"] for c in report["columns"].values()]))
    assert report["overall_score"] > 0.95
    corr = report["correlation"]
    assert corr["columns"] == ["x", "y", "count", "day"] and corr["n_pairs"] == 6
    assert corr["mean_abs_diff"] < 0.05


def test_report_sees_broken_correlation_and_missing_columns(real, schema):
    rng = np.random.default_rng(3)
    synthetic = real.with_columns(pl.Series("y", rng.permutation(real.get_column("y").to_numpy()))).drop("flag")
    report = fidelity_report(real, synthetic, schema)
    assert report["skipped"]["flag"] == "missing from synthetic"
    assert report["columns"]["y"]["score"] == 1.0  # same marginal...
    worst = report["correlation"]["worst_pair"]  # ...but the x-y dependence is gone
    assert worst["columns"] == ["x", "y"] and worst["real"] == pytest.approx(2 / 5**0.5, abs=0.03)
    assert report["correlation"]["max_abs_diff"] == pytest.approx(2 / 5**0.5, abs=0.06)


def test_correlation_skips_undefined_pairs():
    df = pl.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 1.0, 1.0], "c": [3.0, 1.0, 2.0]})
    out = correlation_difference(df, df, ["a", "b", "c"])
    assert out["n_pairs"] == 1 and out["mean_abs_diff"] == 0.0
    assert correlation_difference(df, df, ["a"])["mean_abs_diff"] is None


def test_html_has_headline_and_every_column(real, schema, tmp_path):
    report = fidelity_report(real, real_table(seed=4), schema)
    path = write_report_html({"fidelity": report}, tmp_path / "out" / "quality.html", title="covid <twin> quality")
    text = path.read_text(encoding="utf-8")
    assert "covid &lt;twin&gt; quality" in text
    assert "Column shapes (mean score)" in text and f"{report['overall_score']:.3f}" in text
    for name in [*report["columns"], *report["skipped"]]:
        assert name in text
    assert text.count("<svg") == len(report["columns"]) and "extreme 0.0 % → " in text
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert path.stat().st_size < 500_000


def test_small_integer_ranges_get_one_bin_per_value():
    f = column_fidelity(pl.Series([0, 1, 1, 2, 8]), pl.Series([1, 1, 2, 2]), ColumnKind.INTEGER)
    hist = f["histogram"]
    assert hist["edges"] == [k - 0.5 for k in range(10)]
    assert hist["real"][1] == pytest.approx(0.4) and hist["synthetic"][2] == pytest.approx(0.5)


def test_moments_match_a_known_distribution():
    # exponential(1): variance 1, skewness 2, excess kurtosis 6
    rng = np.random.default_rng(5)
    real, synthetic = pl.Series(rng.exponential(1.0, 200_000)), pl.Series(rng.normal(0, 1, 200_000))
    f = column_fidelity(real, synthetic, ColumnKind.FLOAT)
    assert f["variance"]["real"] == pytest.approx(1.0, rel=0.03)
    assert f["skewness"]["real"] == pytest.approx(2.0, rel=0.05)
    assert f["kurtosis"]["real"] == pytest.approx(6.0, rel=0.15)
    assert f["skewness"]["synthetic"] == pytest.approx(0.0, abs=0.03)
    assert f["kurtosis"]["synthetic"] == pytest.approx(0.0, abs=0.05)


def test_outliers_and_range_against_the_real_fences():
    real = pl.Series([float(v) for v in range(1, 101)])  # Q1 25.75, Q3 75.25: fences -48.5 and 149.5
    synthetic = pl.Series([float(v) for v in range(1, 91)] + [150.0] * 5 + [-60.0] * 5)
    f = column_fidelity(real, synthetic, ColumnKind.FLOAT)
    assert f["outlier_share"] == {"real": 0.0, "synthetic": pytest.approx(0.10)}
    assert f["out_of_range_share"] == pytest.approx(0.10)  # outside the real 1..100
    low, high = f["range"]["real"]
    assert low == pytest.approx(1 + 0.005 * 99) and high == pytest.approx(1 + 0.995 * 99)


def test_moments_undefined_for_constant_columns():
    f = column_fidelity(pl.Series([3.0] * 10), pl.Series([3.0] * 10), ColumnKind.FLOAT)
    assert f["skewness"] == {"real": None, "synthetic": None} and f["kurtosis"]["real"] is None
    assert f["variance"] == {"real": 0.0, "synthetic": 0.0} and f["outlier_share"]["synthetic"] == 0.0


def test_datetime_range_in_epoch_seconds():
    days = pl.Series([dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in range(201)])
    f = column_fidelity(days, days.filter(days < dt.date(2024, 3, 1)), ColumnKind.DATETIME)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp()
    assert f["range"]["real"][0] == pytest.approx(start + 86_400)  # 0.5 % of 200 days
    assert f["range"]["synthetic"][1] < f["range"]["real"][1]
    assert f["out_of_range_share"] == 0.0 and f["ks"] > 0.6


def test_extreme_shares_and_sampling_noise_are_reported_per_column():
    rng = np.random.default_rng(0)
    real = pl.Series(rng.lognormal(10, 0.35, 3000))
    slipped = real.to_numpy().copy()
    slipped[:60] *= 1000  # a unit slip on 2% of the values
    out = column_fidelity(real, pl.Series(slipped), ColumnKind.FLOAT)
    assert out["extreme_share"] == {"real": 0.0, "synthetic": pytest.approx(0.02)}
    assert out["n_values"] == {"real": 3000, "synthetic": 3000}
    assert out["distance_noise"] == pytest.approx(2.3 * np.sqrt(2 / 3000))
    binary = column_fidelity(pl.Series(["a", "b"] * 150), pl.Series(["a", "b"] * 150), ColumnKind.CATEGORICAL)
    se = np.sqrt(0.25 * 2 / 300)  # each share's standard error; TVD of a binary column is one share's difference
    assert binary["distance_noise"] == pytest.approx(np.sqrt(2 / np.pi) * se + 5 * 0.5 * np.sqrt(2) * se)
