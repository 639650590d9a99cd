import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from twinforge.evaluation.expectations import GROUPS, build_expectation_profile, type_family, validate_table
from twinforge.io.schema import ColumnKind, infer_schema

N = 300


@pytest.fixture(scope="module")
def train() -> pl.DataFrame:
    rng = np.random.default_rng(7)
    age = rng.integers(18, 90, N).tolist()
    age[::10] = [None] * len(age[::10])  # an integer column with nulls must stay "integer" in pandas
    return pl.DataFrame(
        {
            "patient_id": [f"P{i:05d}" for i in range(N)],
            "age": pl.Series(age, dtype=pl.Int32),
            "income": rng.normal(50_000, 8_000, N),
            "city": rng.choice(["Lyon", "Nice", "Paris"], N).tolist(),
            "smoker": rng.random(N) < 0.3,
            "visit": [dt.datetime(2024, 1, 1) + dt.timedelta(hours=int(h)) for h in rng.integers(0, 5000, N)],
            "note": [f"free text {i}" for i in range(N)],
        }
    )


@pytest.fixture(scope="module")
def schema(train):
    return infer_schema(train, identifiers=["patient_id"], overrides={"note": ColumnKind.TEXT})


@pytest.fixture(scope="module")
def profile(train, schema) -> dict:
    return build_expectation_profile(train, schema)


@pytest.fixture(scope="module")
def synthetic(train) -> pl.DataFrame:
    """A faithful twin: modelled columns only, Int64 where the train had Int32."""
    return train.drop("patient_id").with_columns(pl.col("age").cast(pl.Int64))


def test_profile_is_plain_json_without_identifiers_or_text_values(profile):
    assert json.loads(json.dumps(profile)) == profile
    cols = profile["columns"]
    assert list(cols) == ["age", "income", "city", "smoker", "visit", "note"]
    assert cols["age"] == {"kind": "integer", "family": "integer", "null_fraction": 0.1, "min": 18, "max": 89}
    assert cols["city"]["categories"] == ["Lyon", "Nice", "Paris"]
    assert cols["smoker"]["categories"] == [False, True]
    assert cols["visit"]["family"] == "datetime" and cols["visit"]["min"].startswith("2024-01-")
    assert "categories" not in cols["note"] and "min" not in cols["note"]


def test_profile_counts_nan_as_null_and_ignores_it_in_ranges():
    df = pl.DataFrame({"x": [1.0, float("nan"), None, 4.0]})
    col = build_expectation_profile(df, infer_schema(df))["columns"]["x"]
    assert col["null_fraction"] == 0.5 and (col["min"], col["max"]) == (1.0, 4.0)


def test_profile_requires_the_schema_columns(train, schema):
    with pytest.raises(KeyError, match="income"):
        build_expectation_profile(train.drop("income"), schema)


def test_type_families_compare_coarsely():
    assert type_family(pl.Int32) == type_family(pl.UInt64) == "integer"
    assert type_family(pl.Categorical()) == type_family(pl.String) == "string"
    assert type_family(pl.Date) == type_family(pl.Datetime("us", "UTC")) == "datetime"


def test_faithful_copy_passes_every_group(synthetic, profile):
    outcome = validate_table(synthetic, profile)
    assert outcome.success, outcome.to_dict()
    assert set(outcome.groups) == set(GROUPS)
    for group in GROUPS:
        stats = outcome[group].statistics
        assert stats["evaluated_expectations"] > 0
        assert stats["success_percent"] == 100.0


def _with_unseen_city(df):
    return df.with_columns(pl.when(pl.int_range(pl.len()) < 5).then(pl.lit("Atlantis")).otherwise("city").alias("city"))


BREAKAGES = {
    "new column": ("schema", lambda df: df.with_columns(pl.lit(1).alias("leak"))),
    "missing column": ("schema", lambda df: df.drop("income")),
    "wrong type family": ("schema", lambda df: df.with_columns(pl.col("age").cast(pl.String))),
    "too many nulls": ("nulls", lambda df: df.with_columns(pl.lit(None, pl.Float64).alias("income"))),
    "value out of range": ("ranges", lambda df: df.with_columns((pl.col("income") * 100).alias("income"))),
    "date out of range": ("ranges", lambda df: df.with_columns(pl.col("visit").dt.offset_by("5y"))),
    "unseen category": ("categories", _with_unseen_city),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_each_breakage_fails_its_own_group(synthetic, profile, breakage):
    group, breaker = BREAKAGES[breakage]
    outcome = validate_table(breaker(synthetic), profile)
    assert outcome.failed_groups == [group], outcome.to_dict()
    assert not outcome.success and outcome[group].failed


def test_failures_are_described_in_json_metadata(synthetic, profile):
    broken = _with_unseen_city(synthetic).with_columns(pl.lit(1).alias("leak")).drop("income")
    d = validate_table(broken, profile).to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["success"] is False and d["failed_groups"] == ["schema", "categories"]
    assert d["not_checked"] == ["income"]
    (column_set,) = [
        f for f in d["groups"]["schema"]["failed"] if f["expectation"] == "expect_table_columns_to_match_set"
    ]
    assert column_set["details"]["mismatched"] == {"unexpected": ["leak"], "missing": ["income"]}
    (unseen,) = d["groups"]["categories"]["failed"]
    assert (
        unseen["column"] == "city" and unseen["unexpected_count"] == 5 and unseen["unexpected_values"] == ["Atlantis"]
    )
    stats = d["statistics"]
    assert stats["evaluated_expectations"] == stats["successful_expectations"] + stats["unsuccessful_expectations"]


def test_null_gate_uses_training_null_fraction_plus_tolerance(synthetic, profile):
    # age is 10 % null in training; 14 % passes with the default 5 % tolerance, not with 1 %
    more_nulls = synthetic.with_columns(
        pl.when(pl.int_range(pl.len()) % 25 == 1).then(None).otherwise(pl.col("age")).alias("age")
    )
    assert validate_table(more_nulls, profile)["nulls"].success
    assert not validate_table(more_nulls, profile, null_tolerance=0.01)["nulls"].success


def test_mostly_null_training_column_gets_no_null_expectation():
    df = pl.DataFrame({"x": [None] * 97 + [1.0, 2.0, 3.0]})
    profile = build_expectation_profile(df, infer_schema(df))
    outcome = validate_table(pl.DataFrame({"x": [None] * 100}, schema={"x": pl.Float64}), profile)
    assert outcome["nulls"].statistics["evaluated_expectations"] == 0
    assert outcome.success


def test_rare_placeholder_allowed_only_where_rare_categories_were_suppressed():
    from twinforge.encoders import RARE_PLACEHOLDER
    from twinforge.io.schema import infer_schema

    train = pl.DataFrame({"common": ["a", "b"] * 50, "with_rare": ["x"] * 99 + ["only_once"]})
    profile = build_expectation_profile(train, infer_schema(train))
    assert RARE_PLACEHOLDER in profile["columns"]["with_rare"]["categories"]
    assert RARE_PLACEHOLDER not in profile["columns"]["common"]["categories"]
    synthetic = pl.DataFrame({"common": ["a"] * 10, "with_rare": [RARE_PLACEHOLDER] * 10})
    assert validate_table(synthetic, profile)["categories"].success
    bad = synthetic.with_columns(common=pl.lit(RARE_PLACEHOLDER))
    assert not validate_table(bad, profile)["categories"].success


def test_rare_values_stay_out_of_the_profile_and_generated_values_may_take_their_share():
    from twinforge.io.schema import infer_schema

    rare_titles = [f"rare title {i}" for i in range(10)]
    train = pl.DataFrame({"title": ["nurse"] * 60 + ["driver"] * 30 + rare_titles})
    profile = build_expectation_profile(train, infer_schema(train))
    assert not any(t in json.dumps(profile) for t in rare_titles)
    assert profile["columns"]["title"]["rare_share"] == pytest.approx(0.1)
    like_training = pl.DataFrame({"title": ["nurse"] * 55 + ["driver"] * 33 + [f"new title {i}" for i in range(12)]})
    assert validate_table(like_training, profile)["categories"].success
    mostly_invented = pl.DataFrame({"title": ["nurse"] * 50 + [f"new title {i}" for i in range(50)]})
    assert not validate_table(mostly_invented, profile)["categories"].success


def _verdicts(outcome) -> dict:
    """Each group's success and each failed expectation's column and unexpected count."""
    return {
        name: (g.success, sorted((f["expectation"], f.get("column"), f.get("unexpected_count")) for f in g.failed))
        for name, g in outcome.groups.items()
    }


def test_a_table_validated_in_slices_gets_the_verdicts_of_one_pass(synthetic, profile):
    rng = np.random.default_rng(3)
    broken = synthetic.with_columns(
        # out of range and an unknown category scattered over every slice
        income=pl.when(pl.Series(rng.random(N) < 0.05)).then(10**9).otherwise(pl.col("income")),
        city=pl.when(pl.Series(rng.random(N) < 0.1)).then(pl.lit("Atlantis")).otherwise(pl.col("city")),
    )
    for table in (synthetic, broken):
        whole = validate_table(table, profile)
        sliced = validate_table(table.lazy(), profile, batch_rows=37)  # 9 slices, the last a short one
        assert _verdicts(sliced) == _verdicts(whole)
    assert not validate_table(broken.lazy(), profile, batch_rows=37)["ranges"].success


def test_null_shares_are_judged_on_the_whole_table_not_per_slice(train, schema):
    profile = build_expectation_profile(train, schema)  # age: 10% nulls, tolerance 5 points
    # 14% nulls overall, all of them in the first slice: one slice alone is far past the tolerance
    age = [None] * 42 + list(range(20, 20 + N - 42))
    table = train.drop("patient_id").with_columns(age=pl.Series(age, dtype=pl.Int64))
    assert validate_table(table, profile)["nulls"].success
    assert validate_table(table.lazy(), profile, batch_rows=50)["nulls"].success
    more = table.with_columns(age=pl.Series([None] * 48 + age[48:], dtype=pl.Int64))  # 16%: past 15%
    assert not validate_table(more, profile)["nulls"].success
    assert not validate_table(more.lazy(), profile, batch_rows=50)["nulls"].success
