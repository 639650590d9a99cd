import json
from datetime import UTC, date, datetime

import numpy as np
import polars as pl
import pytest
from scipy import stats as scipy_stats

from twinforge.encoders import RARE_PLACEHOLDER, TableEncoder, boolean, categorical, numeric
from twinforge.encoders import datetime as datetime_encoder
from twinforge.encoders.kinds import AnalyzeOptions
from twinforge.io.schema import ColumnKind, ColumnSchema, infer_schema


def column_of(series: pl.Series, kind: ColumnKind) -> ColumnSchema:
    return ColumnSchema(name=series.name, kind=kind, dtype=str(series.dtype), nullable=series.null_count() > 0)


def round_trip(module, series: pl.Series, kind: ColumnKind, seed: int = 0):
    column = column_of(series, kind)
    stats = module.analyze(series, column)
    json.dumps(stats)  # plain JSON, no numpy types
    u = module.to_uniform(series, stats, np.random.default_rng(seed))
    return stats, u, module.from_uniform(u, stats, column)


def assert_uniform(u: np.ndarray) -> None:
    u = u[~np.isnan(u)]
    assert u.min() >= 0.0 and u.max() <= 1.0
    assert scipy_stats.kstest(u, "uniform").statistic < 0.03


# --- numeric ---


def test_integers_with_nulls_round_trip_exactly():
    rng = np.random.default_rng(1)
    values = [None if rng.random() < 0.1 else int(v) for v in rng.integers(-50, 5000, 3000)]
    series = pl.Series("count", values, dtype=pl.Int64)
    stats, u, decoded = round_trip(numeric, series, ColumnKind.INTEGER)
    assert stats["integer"] and stats["null_share"] == pytest.approx(series.null_count() / 3000)
    assert np.array_equal(np.isnan(u), series.is_null().to_numpy())
    assert_uniform(u)
    assert decoded.dtype == pl.Int64 and decoded.to_list() == series.to_list()


def test_floats_round_trip_and_keep_their_decimals():
    rng = np.random.default_rng(2)
    rounded = pl.Series("tat", np.round(rng.gamma(2.0, 3.0, 4000), 1)).scatter([3, 7, 11], None)
    stats, u, decoded = round_trip(numeric, rounded, ColumnKind.FLOAT)
    assert stats["decimals"] == 1 and len(stats["quantiles"]) == numeric.QUANTILE_GRID_SIZE
    assert decoded.dtype == pl.Float64 and decoded.to_list() == rounded.to_list()

    continuous = pl.Series("x", rng.normal(0, 1, 5000))
    stats, u, decoded = round_trip(numeric, continuous, ColumnKind.FLOAT)
    assert stats["decimals"] is None
    assert_uniform(u)
    np.testing.assert_allclose(decoded.to_numpy(), continuous.to_numpy(), rtol=0, atol=1e-9)


def test_point_mass_is_spread_uniformly_and_decoded_exactly():
    # ct_result-like: 90% of the values are exactly 45, the rest continuous below it.
    rng = np.random.default_rng(3)
    values = np.where(rng.random(10_000) < 0.9, 45.0, np.round(rng.uniform(15, 40, 10_000), 2))
    series = pl.Series("ct", values)
    _, u, decoded = round_trip(numeric, series, ColumnKind.FLOAT)
    assert_uniform(u)
    assert decoded.to_list() == series.to_list()
    # Any uniform in the mass's stretch decodes to the mass.
    column = column_of(series, ColumnKind.FLOAT)
    stats = numeric.analyze(series, column)
    assert numeric.from_uniform(np.array([0.2, 0.5, 0.99]), stats, column).to_list() == [45.0, 45.0, 45.0]


def test_numeric_decode_stays_in_range_rounds_integers_and_keeps_dtype():
    series = pl.Series("n", [3, 5, 8, 13, 21], dtype=pl.Int32)
    column = column_of(series, ColumnKind.INTEGER)
    stats = numeric.analyze(series, column)
    decoded = numeric.from_uniform(np.linspace(0, 1, 101), stats, column)
    assert decoded.dtype == pl.Int32
    assert decoded.min() == 3 and decoded.max() == 21
    assert numeric.from_uniform(np.array([np.nan, 0.5]), stats, column).to_list() == [None, 8]


def test_grid_interpolation_is_numpys_interp_on_evenly_spaced_knots():
    rng = np.random.default_rng(4)
    u = np.concatenate([rng.random(20_000), [0.0, 1.0, -0.5, 1.5, 1.0 - 1e-16, np.nan]])
    point_masses = np.repeat(rng.normal(size=150), 7)
    for grid in (np.sort(rng.normal(size=1001)) * 1e3, np.sort(point_masses), np.array([2.0, 5.0]), np.array([7.0])):
        expected = np.interp(np.clip(u, 0, 1), np.linspace(0, 1, grid.size), grid)
        expected[np.isnan(u)] = np.nan
        np.testing.assert_allclose(numeric.interpolate_grid(u, grid), expected, rtol=0, atol=1e-12 * np.abs(grid).max())


def test_float_nan_counts_as_missing_and_missing_values_decode_to_their_kinds():
    series = pl.Series("f", [1.0, float("nan"), 2.0, None])
    stats, u, decoded = round_trip(numeric, series, ColumnKind.FLOAT)
    assert stats["null_share"] == 0.5 and stats["non_finite"] == {"nan": 0.5, "inf": 0.0, "-inf": 0.0}
    assert decoded[[0, 2]].to_list() == [1.0, 2.0]
    assert decoded.null_count() == 1 and decoded.is_nan().sum() == 1


def test_infinities_kept_by_ingestion_come_back_at_their_shares():
    rng = np.random.default_rng(5)
    kinds = rng.choice(["value", "null", "nan", "inf", "-inf"], 20_000, p=[0.6, 0.1, 0.1, 0.15, 0.05])
    special = {"null": None, "nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}
    series = pl.Series("income", [special.get(k, float(i)) for i, k in enumerate(kinds)], dtype=pl.Float64)
    column = column_of(series, ColumnKind.FLOAT)
    stats = numeric.analyze(series, column)
    assert stats["null_share"] == pytest.approx(0.4, abs=0.01) and stats["max"] < 20_000
    u = rng.random(10_000)
    u[rng.random(10_000) < stats["null_share"]] = np.nan
    decoded = numeric.from_uniform(u, stats, column)
    missing = int(np.isnan(u).sum())
    shares = {
        "null": decoded.null_count() / missing,
        "nan": decoded.is_nan().sum() / missing,
        "inf": (decoded == float("inf")).sum() / missing,
        "-inf": (decoded == float("-inf")).sum() / missing,
    }
    assert shares == pytest.approx({"null": 0.25, "nan": 0.25, "inf": 0.375, "-inf": 0.125}, abs=0.02)
    assert decoded.filter(decoded.is_finite()).len() == 10_000 - missing
    assert json.loads(json.dumps(stats)) == stats  # model files hold JSON


def test_columns_without_non_finite_values_decode_missing_to_null_only():
    series = pl.Series("f", [1.0, None, 2.0, 3.0])
    stats, _, decoded = round_trip(numeric, series, ColumnKind.FLOAT)
    assert "non_finite" not in stats and decoded.to_list() == [1.0, None, 2.0, 3.0]


# --- categorical ---


def test_categories_round_trip_and_rare_ones_take_frequent_levels():
    values = ["a"] * 60 + ["b"] * 30 + ["c"] * 8 + ["jane doe"] + ["x-42"] + [None] * 5
    series = pl.Series("cat", values)
    stats, u, decoded = round_trip(categorical, series, ColumnKind.CATEGORICAL)
    assert stats["categories"] == ["a", "b", "c"] and stats["counts"] == [60, 30, 8]
    assert stats["rare"]["suppressed_count"] == 2
    # Values seen fewer than rare_min_count times are never stored.
    assert "jane doe" not in json.dumps(stats) and "x-42" not in json.dumps(stats)
    # two rare values are too few to learn a shape from: their rows take frequent levels
    assert stats["tail"]["source"] == "frequent"
    assert decoded.dtype == pl.String
    rare_rows = series.is_in(["jane doe", "x-42"])
    assert decoded.filter(~rare_rows).to_list() == series.filter(~rare_rows).to_list()
    assert set(decoded.filter(rare_rows).to_list()) <= {"a", "b", "c"}


@pytest.mark.parametrize(("rare", "expected"), [("rare_token", RARE_PLACEHOLDER), ("null", None)])
def test_rare_categories_decode_as_the_columns_option_says(rare, expected):
    values = ["a"] * 60 + ["b"] * 30 + ["jane doe"] + ["x-42"]
    series = pl.Series("cat", values)
    column = column_of(series, ColumnKind.CATEGORICAL)
    stats = categorical.analyze(series, column, AnalyzeOptions(rare=rare))
    decoded = categorical.from_uniform(categorical.to_uniform(series, stats, np.random.default_rng(0)), stats, column)
    assert decoded.to_list() == [*values[:90], expected, expected]


def test_category_intervals_make_uniforms_and_keep_shares():
    rng = np.random.default_rng(4)
    series = pl.Series("c", rng.choice(["x", "y", "z"], 20_000, p=[0.6, 0.3, 0.1]))
    _, u, decoded = round_trip(categorical, series, ColumnKind.CATEGORICAL)
    assert_uniform(u)
    assert decoded.to_list() == series.to_list()


def test_high_cardinality_is_capped_and_overflow_decodes_proportionally():
    levels = [f"level{i:04d}" for i in range(5000)]
    series = pl.Series("code", levels * 6)  # every level seen 6 times: frequent enough to keep
    stats, u, decoded = round_trip(categorical, series, ColumnKind.CATEGORICAL)
    assert len(stats["categories"]) == categorical.DEFAULT_MAX_CATEGORIES
    assert len(stats["rare"]["categories"]) == 5000 - categorical.DEFAULT_MAX_CATEGORIES
    kept = series.is_in(stats["categories"])
    assert decoded.filter(kept).to_list() == series.filter(kept).to_list()
    overflow = decoded.filter(~kept)
    assert overflow.is_in(stats["rare"]["categories"]).all()
    assert overflow.n_unique() > 2000  # spread over the stored levels, not collapsed into one


def test_values_seen_once_are_all_suppressed_and_never_come_back():
    series = pl.Series("name", [f"person {7 * i}" for i in range(5000)])
    stats, _, decoded = round_trip(categorical, series, ColumnKind.TEXT)
    assert stats["categories"] == [] and stats["rare"] == {"categories": [], "counts": [], "suppressed_count": 5000}
    assert stats["tail"]["source"] == "pool"
    assert not decoded.is_in(series.implode()).any() and decoded.null_count() == 0
    assert RARE_PLACEHOLDER not in decoded.to_list()


def test_categorical_restores_categorical_and_numeric_dtypes():
    cats = pl.Series("c", ["u", "v"] * 10, dtype=pl.Categorical)
    assert round_trip(categorical, cats, ColumnKind.CATEGORICAL)[2].dtype == pl.Categorical
    codes = pl.Series("code", [10, 20, 30] * 5 + [99])
    decoded = round_trip(categorical, codes, ColumnKind.CATEGORICAL)[2]
    # 99 was rare: its row takes a frequent code (a number column never gets a generated string)
    assert decoded.dtype == pl.Int64 and decoded.head(15).to_list() == [10, 20, 30] * 5
    assert decoded[15] in (10, 20, 30)


# --- boolean ---


def test_zero_one_integers_come_back_as_integers():
    series = pl.Series("flag", [0, 1, 1, None, 0, 0, 1, 0] * 50, dtype=pl.Int64)
    stats, u, decoded = round_trip(boolean, series, ColumnKind.BOOLEAN)
    assert stats["true_share"] == pytest.approx(3 / 7)
    assert decoded.dtype == pl.Int64 and decoded.to_list() == series.to_list()


def test_true_booleans_round_trip_and_others_are_refused():
    series = pl.Series("b", [True, False, None, True] * 25)
    stats, u, decoded = round_trip(boolean, series, ColumnKind.BOOLEAN)
    assert decoded.dtype == pl.Boolean and decoded.to_list() == series.to_list()
    all_true = pl.Series("t", [True] * 10)
    assert round_trip(boolean, all_true, ColumnKind.BOOLEAN)[2].to_list() == [True] * 10
    float_flags = pl.Series("f", [0.0, 1.0, None, 1.0])
    decoded = round_trip(boolean, float_flags, ColumnKind.BOOLEAN)[2]
    assert decoded.dtype == pl.Float64 and decoded.to_list() == float_flags.to_list()
    with pytest.raises(ValueError, match="'level'.*categorical"):
        boolean.analyze(pl.Series("level", [0, 1, 2]), column_of(pl.Series("level", [0, 1, 2]), ColumnKind.BOOLEAN))


# --- datetime ---


def test_timezone_aware_millisecond_datetimes_round_trip():
    base = datetime(2021, 3, 28, 0, 30, tzinfo=UTC)  # spans a DST change in Paris
    millis = int(base.timestamp() * 1000) + np.random.default_rng(5).integers(0, 10 * 86_400_000, 1000)
    series = (
        pl.Series("ts", millis).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC").dt.convert_time_zone("Europe/Paris")
    ).scatter([0, 10], None)
    stats, u, decoded = round_trip(datetime_encoder, series, ColumnKind.DATETIME)
    assert stats["temporal"] == {"type": "Datetime", "time_unit": "ms", "time_zone": "Europe/Paris"}
    assert decoded.dtype == pl.Datetime("ms", "Europe/Paris")
    assert decoded.to_list() == series.to_list()


def test_datetimes_keep_the_step_they_were_recorded_at():
    days = pl.datetime_range(datetime(2020, 1, 1), datetime(2020, 3, 1), "1d", eager=True).cast(pl.Datetime("ns"))
    minutes = pl.datetime_range(datetime(2020, 1, 1), datetime(2020, 1, 2), "1m", eager=True).cast(pl.Datetime("ms"))
    for series, step in [(days, "1d"), (minutes, "1m")]:
        column = column_of(series, ColumnKind.DATETIME)
        stats = datetime_encoder.analyze(series, column)
        decoded = datetime_encoder.from_uniform(np.random.default_rng(0).random(500), stats, column)
        assert decoded.dtype == series.dtype
        assert decoded.n_unique() > 20 and decoded.equals(decoded.dt.truncate(step))


def test_dates_round_trip():
    series = pl.Series("day", [date(2020, 1, 1), date(2020, 2, 29), None, date(1999, 12, 31)] * 10)
    _, _, decoded = round_trip(datetime_encoder, series, ColumnKind.DATETIME)
    assert decoded.dtype == pl.Date and decoded.to_list() == series.to_list()


def test_a_kind_that_does_not_fit_the_dtype_is_named():
    text = pl.Series("amount", ["12", "x"])
    with pytest.raises(ValueError, match="'amount' is marked integer but has dtype String"):
        numeric.analyze(text, column_of(text, ColumnKind.INTEGER))
    with pytest.raises(ValueError, match="'amount' has dtype String, not a date"):
        datetime_encoder.analyze(text, column_of(text, ColumnKind.DATETIME))


# --- the whole table ---


@pytest.fixture
def mixed_table() -> pl.DataFrame:
    rng = np.random.default_rng(6)
    n = 3000
    return pl.DataFrame(
        {
            "patient_id": np.arange(n),
            "age": rng.integers(0, 100, n),
            "ct": pl.Series(rng.normal(30, 5, n)).scatter(np.arange(0, n, 7), None),
            "ward": rng.choice(["a", "b", "c"], n),
            "note": [f"free text number {i} written at length about the visit" for i in range(n)],
            "positive": rng.random(n) < 0.3,
            "drive_thru": rng.integers(0, 2, n),
            "seen": pl.Series(rng.integers(1_600_000_000_000, 1_700_000_000_000, n)).cast(pl.Datetime("ms", "UTC")),
        }
    )


def test_table_encoder_round_trips_a_mixed_table(mixed_table):
    schema = infer_schema(mixed_table, identifiers=["patient_id"])
    encoder = TableEncoder.fit(mixed_table, schema)
    assert encoder.skipped_columns.keys() == {"note"} and "free text" in encoder.skipped_columns["note"]
    assert encoder.output_columns == ["age", "ct", "ward", "positive", "drive_thru", "seen"]
    assert encoder.uniform_columns == ["age", "ct", "ct.is_null", "ward", "positive", "drive_thru", "seen"]

    u = encoder.to_uniform(mixed_table, np.random.default_rng(0))
    assert u.shape == (3000, 7) and not np.isnan(u).any()
    assert_uniform(u[:, encoder.uniform_columns.index("ct.is_null")])
    decoded = encoder.from_uniform(u)
    expected = mixed_table.select(encoder.output_columns)
    assert decoded.schema == expected.schema
    assert decoded.drop("ct").equals(expected.drop("ct"))
    np.testing.assert_allclose(decoded["ct"].to_numpy(), expected["ct"].to_numpy(), atol=1e-9)

    # Observed-only mode leaves NaN where the value is null.
    observed = encoder.to_uniform(mixed_table, np.random.default_rng(0), fill_missing=False)
    assert np.array_equal(np.isnan(observed[:, 1]), mixed_table["ct"].is_null().to_numpy())


def test_table_encoder_survives_json(mixed_table):
    encoder = TableEncoder.fit(mixed_table, infer_schema(mixed_table, identifiers=["patient_id"]))
    restored = TableEncoder.from_dict(json.loads(json.dumps(encoder.to_dict())))
    u = np.random.default_rng(1).random((50, len(encoder.uniform_columns)))
    assert restored.from_uniform(u).equals(encoder.from_uniform(u))
    with pytest.raises(ValueError, match="7 columns"):
        encoder.from_uniform(u[:, :3])


def test_table_encoder_decodes_an_all_null_column():
    df = pl.DataFrame({"x": [1.0, 2.0, 3.0], "empty": pl.Series([None, None, None], dtype=pl.Int64)})
    encoder = TableEncoder.fit(df, infer_schema(df))
    assert encoder.uniform_columns == ["x", "empty.is_null"]
    decoded = encoder.from_uniform(np.full((4, 2), 0.5))
    assert decoded["empty"].dtype == pl.Int64 and decoded["empty"].null_count() == 4


# --- the mode-specific (GAN, VAE) and token (transformer) representations ---


def test_mode_specific_representation_round_trips_every_kind(mixed_table):
    schema = infer_schema(mixed_table, identifiers=["patient_id"])
    encoder = TableEncoder.fit(mixed_table, schema, modes=True)
    spans = encoder.mode_spans()
    roles = {(s.column, s.role): s.width for s in spans}
    assert roles[("ct", "alpha")] == 1 and roles[("ct", "null")] == 2 and 1 <= roles[("ct", "mode")] <= 10
    assert roles[("ward", "level")] == 4  # a, b, c and the rare bucket
    assert roles[("positive", "level")] == 2 and ("seen", "mode") in roles

    x = encoder.to_modes(mixed_table, np.random.default_rng(0))
    assert x.dtype == np.float32 and x.shape == (3000, spans[-1].stop)
    assert np.abs(x[:, [s.start for s in spans if s.role == "alpha"]]).max() <= 0.99
    for s in spans:  # every one-hot stretch has exactly one 1 per row
        if s.role != "alpha":
            assert (x[:, s.start : s.stop].sum(axis=1) == 1).all(), s
    decoded = encoder.from_modes(x, np.random.default_rng(1))
    expected = mixed_table.select(encoder.output_columns)
    assert decoded.schema == expected.schema
    assert decoded.drop("ct", "seen").equals(expected.drop("ct", "seen"))
    np.testing.assert_allclose(decoded["ct"].to_numpy(), expected["ct"].to_numpy(), rtol=1e-5)  # float32 slots
    assert (decoded["ct"].is_null() == expected["ct"].is_null()).all()
    seconds = (decoded["seen"] - expected["seen"]).dt.total_seconds().abs()
    assert seconds.max() < 3600 * 6  # float32 alpha over a 3-year range: a few hours at most

    restored = TableEncoder.from_dict(json.loads(json.dumps(encoder.to_dict())))
    assert restored.from_modes(x, np.random.default_rng(1)).equals(decoded)
    with pytest.raises(ValueError, match="modes=True"):
        TableEncoder.fit(mixed_table, schema).mode_spans()


def test_mode_rows_hold_one_index_per_one_hot_stretch_and_expand_to_the_dense_layout(mixed_table):
    encoder = TableEncoder.fit(mixed_table, infer_schema(mixed_table, identifiers=["patient_id"]), modes=True)
    spans = encoder.mode_spans()
    rows = encoder.to_mode_rows(mixed_table, np.random.default_rng(0))
    dense = encoder.to_modes(mixed_table, np.random.default_rng(0))  # the same draws
    assert len(rows) == 3000 and rows.width == dense.shape[1]
    assert rows.hot.shape == (3000, sum(s.role != "alpha" for s in spans))
    assert np.array_equal(rows.dense(), dense)
    some = np.array([5, 0, 2999, 5])
    assert np.array_equal(rows.dense(some), dense[some])
    ward = next(s for s in spans if s.column == "ward")
    assert np.array_equal(rows.hot_of(ward), dense[:, ward.start : ward.stop].argmax(axis=1))
    with pytest.raises(ValueError, match="not a one-hot stretch"):
        rows.hot_of(next(s for s in spans if s.role == "alpha"))


def test_tokens_round_trip_discrete_columns_exactly_and_numbers_within_their_bin(mixed_table):
    encoder = TableEncoder.fit(mixed_table, infer_schema(mixed_table, identifiers=["patient_id"]))
    layout = encoder.token_layout(bins=20, fine_bins=10)
    assert layout[:3] == [("age", 20), ("age", 10), ("ct", 21)]  # ct: 20 bins + null
    assert ("ward", 4) in layout and ("positive", 2) in layout
    ordinals = encoder.token_ordinals(bins=20, fine_bins=10)  # how many leading tokens are ordered
    assert ordinals[:3] == [20, 10, 20]  # ct's null token comes after its 20 ordered bins
    assert all(ordinals[j] == 0 for j, (name, _) in enumerate(layout) if name in ("ward", "positive"))
    rng = np.random.default_rng(0)
    tokens = encoder.to_tokens(mixed_table, rng, 20, 10)
    assert tokens.shape == (3000, len(layout))
    assert all(tokens[:, j].max() < size for j, (_, size) in enumerate(layout))
    decoded = encoder.from_tokens(tokens, rng, 20, 10)
    expected = mixed_table.select(encoder.output_columns)
    assert decoded.schema == expected.schema
    for name in ("ward", "positive", "drive_thru"):
        assert decoded[name].equals(expected[name]), name
    assert (decoded["ct"].is_null() == expected["ct"].is_null()).all()
    # A continuous value comes back as a draw inside its (sub-)bin: re-encoding gives the same tokens.
    ct = [j for j, (name, _) in enumerate(layout) if name == "ct"]
    again = encoder.to_tokens(decoded, np.random.default_rng(5), 20, 10)
    assert (again[:, ct] == tokens[:, ct]).mean() > 0.99
    # ... and the marginal is the training one.
    assert scipy_stats.ks_2samp(decoded["ct"].drop_nulls(), expected["ct"].drop_nulls()).statistic < 0.02


def test_a_value_near_the_float_limit_is_encoded_without_numpy_warnings():
    import warnings

    from twinforge.encoders.numeric import _decimals_used

    values = np.array([12.5, 3.25, 1e308, -1.7e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow warning would reach the user's console
        assert _decimals_used(values) == 2
        table = pl.DataFrame({"income": np.concatenate([np.linspace(1.5, 90.25, 60), [1e308]])})
        encoder = TableEncoder.fit(table, infer_schema(table))
    assert encoder.columns[0].name == "income"


def test_a_decimal_wider_than_a_float_is_left_out_with_its_reason_and_a_narrow_one_is_modelled():
    """decimal(38,2) values with 28 integer digits all collapse to one 64-bit float: modelled, the twin held one
    value outside the real range; the column is left out and says why. decimal(12,2) is modelled as before."""
    from decimal import Decimal

    base = Decimal("1234567890123456789012345678.12")
    wide = pl.Series("wide", [base + i for i in range(200)], dtype=pl.Decimal(38, 2))
    narrow = pl.Series("narrow", [Decimal(i) / 4 for i in range(200)], dtype=pl.Decimal(12, 2))
    df = pl.DataFrame([wide, narrow])
    encoder = TableEncoder.fit(df, infer_schema(df))
    assert [c.name for c in encoder.columns] == ["narrow"]
    assert "more significant digits than a 64-bit float keeps" in encoder.skipped_columns["wide"]
