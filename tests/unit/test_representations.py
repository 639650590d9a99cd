"""The representation modules of twinforge.encoders (uniform, modes, tokens, conditions) on their own,
and the TableEncoder facade delegating to them."""

import numpy as np
import polars as pl
import pytest

from tests.planted import mixed_table
from twinforge.encoders import TableEncoder, conditions, modes, tokens, uniform
from twinforge.io.schema import infer_schema


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    return mixed_table()


@pytest.fixture(scope="module")
def encoder(table) -> TableEncoder:
    return TableEncoder.fit(table, infer_schema(table), modes=True, seed=1)


def test_uniform_slots_follow_the_uniform_columns(encoder):
    names = uniform.uniform_columns(encoder.columns)
    assert names == encoder.uniform_columns
    slots = uniform.slots(encoder.columns)
    assert len(slots) == len(encoder.columns)
    for c, (value_slot, null_slot) in zip(encoder.columns, slots):
        assert (value_slot is not None) == c.has_values and (null_slot is not None) == c.has_nulls
        if value_slot is not None:
            assert names[value_slot] == c.name
        if null_slot is not None:
            assert names[null_slot] == f"{c.name}.is_null"


def test_uniform_module_and_facade_agree(encoder, table):
    u = uniform.to_uniform(encoder.columns, table, np.random.default_rng(2))
    assert np.array_equal(u, encoder.to_uniform(table, np.random.default_rng(2)))
    assert uniform.from_uniform(encoder.columns, u).equals(encoder.from_uniform(u))
    with pytest.raises(KeyError, match="lacks encoded columns"):
        uniform.to_uniform(encoder.columns, table.drop("amount"), np.random.default_rng(0))


def test_mixture_modes_encode_and_decode_values(encoder):
    values = np.concatenate([np.random.default_rng(0).normal(0, 1, 500), np.random.default_rng(1).normal(20, 2, 500)])
    fitted = modes.analyze_modes(values, seed=0)
    assert len(fitted["means"]) >= 2 and sum(fitted["weights"]) == pytest.approx(1.0)
    alpha, mode = modes.values_to_modes(values, fitted, np.random.default_rng(0))
    assert np.abs(alpha).max() <= modes.ALPHA_CLIP
    np.testing.assert_allclose(modes.values_from_modes(alpha, mode, fitted), values, rtol=1e-9, atol=1e-9)
    assert modes.analyze_modes(np.array([np.nan]))["means"] == [0.0]  # nothing seen: one standard mode


def test_mixture_modes_are_the_full_covariance_fit():
    """The one-feature mixture is fitted with diagonal covariances for speed: the same model as full ones."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import BayesianGaussianMixture

    rng = np.random.default_rng(5)
    values = np.concatenate([np.zeros(400), rng.lognormal(5, 1, 900), rng.normal(40, 3, 700)])
    fitted = modes.analyze_modes(values, seed=0)
    full = BayesianGaussianMixture(
        n_components=modes.MAX_MODES,
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=0.001,
        max_iter=100,
        reg_covar=(1e-3 * values.std()) ** 2,
        covariance_type="full",
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        full.fit(values.reshape(-1, 1))
    keep = full.weights_ > modes.MODE_MIN_WEIGHT
    order = np.argsort(full.means_.ravel()[keep])
    assert len(fitted["means"]) == keep.sum() >= 3
    np.testing.assert_allclose(fitted["means"], full.means_.ravel()[keep][order], rtol=1e-6)
    np.testing.assert_allclose(fitted["stds"], np.sqrt(full.covariances_.ravel()[keep][order]), rtol=1e-6)
    weights = full.weights_[keep][order] / full.weights_[keep].sum()
    np.testing.assert_allclose(fitted["weights"], weights, rtol=1e-6)


def test_modes_module_and_facade_agree(encoder, table):
    spans = modes.mode_spans(encoder.columns)
    assert spans == encoder.mode_spans()
    rows = modes.to_mode_rows(encoder.columns, table, np.random.default_rng(3))
    assert np.array_equal(rows.dense(), encoder.to_modes(table, np.random.default_rng(3)))
    decoded = modes.from_modes(encoder.columns, rows.dense(), np.random.default_rng(4))
    assert decoded.equals(encoder.from_modes(rows.dense(), np.random.default_rng(4)))
    amount = encoder.column("amount")
    assert amount.modes is amount.stats["modes"]
    plain = TableEncoder.fit(table, infer_schema(table))
    with pytest.raises(ValueError, match="modes=True"):
        _ = plain.column("amount").modes


def test_normal_scores_give_each_continuous_column_one_scalar_and_decode_to_its_values(table):
    """``continuous="normal_scores"``: one scalar per continuous column (no mode one-hot), nulls kept apart, and
    decoding what was encoded gives back every value (dates, tz-aware datetimes, rounded floats, integers) but a
    column's very extremes, which come back inside the range (the scores stop at the outer 0.01% of the CDF)."""
    encoder = TableEncoder.fit(table, infer_schema(table), modes=True, seed=1, continuous=modes.NORMAL_SCORES)
    spans = encoder.mode_spans()
    for c in encoder.columns:
        roles = [s.role for s in spans if s.column == c.name]
        if c.is_continuous:
            assert roles == ["alpha"] + (["null"] if c.has_nulls else [])
    rows = encoder.to_mode_rows(table, np.random.default_rng(0))
    assert np.abs(rows.scalars).max() < 1.0
    decoded = encoder.from_modes(rows.dense(), np.random.default_rng(1))
    for name in ("amount", "visits", "seen_at", "born"):
        real, back = table.get_column(name), decoded.get_column(name)
        extreme = (real == real.min()) | (real == real.max())
        assert back.filter(~extreme.fill_null(False)).equals(real.filter(~extreme.fill_null(False))), name
        assert back.null_count() == real.null_count() and real.min() <= back.min() <= back.max() <= real.max()


def test_normal_scores_keep_a_point_mass_exact_and_a_linear_relation_linear():
    """The two reasons for normal scores: a value most rows share (zero debts) decodes to exactly that value
    over a whole stretch of scalars, and two strongly related skewed columns stay about as correlated as
    their ranks are, where mixture modes split the relation across one-hots."""
    rng = np.random.default_rng(5)
    amount = rng.lognormal(7, 0.6, 4000)
    df = pl.DataFrame(
        {
            "debt": np.where(rng.random(4000) < 0.8, 0.0, rng.lognormal(6, 1, 4000).round(0)),
            "amount": amount.round(0),
            "price": (amount * rng.lognormal(0.3, 0.2, 4000)).round(0),
        }
    )
    encoder = TableEncoder.fit(df, infer_schema(df), modes=True, continuous=modes.NORMAL_SCORES)
    rows = encoder.to_mode_rows(df, np.random.default_rng(0))
    debt, amount_score, price_score = rows.scalars.T
    zero = debt[df["debt"].to_numpy() == 0]
    assert zero.max() - zero.min() > 1.0  # the zeros fill a stretch of scalars...
    grid = np.linspace(zero.min(), zero.max(), 50)
    x = np.zeros((50, encoder.mode_spans()[-1].stop), dtype=np.float32)
    x[:, rows.scalar_slots[0]] = grid
    assert (encoder.from_modes(x, np.random.default_rng(0))["debt"] == 0).all()  # ...which decodes to exactly 0
    ranks = df.select(pl.col("amount").rank(), pl.col("price").rank())
    assert np.corrcoef(amount_score, price_score)[0, 1] == pytest.approx(
        np.corrcoef(ranks["amount"], ranks["price"])[0, 1], abs=0.02
    )


def test_a_continuous_encoding_other_than_the_two_is_refused(table):
    with pytest.raises(ValueError, match="continuous must be one of"):
        TableEncoder.fit(table, infer_schema(table), modes=True, continuous="quantiles")


def test_tokens_module_and_facade_agree(encoder, table):
    layout = tokens.token_layout(encoder.columns, 20, 10)
    assert layout == encoder.token_layout(20, 10)
    assert tokens.token_ordinals(encoder.columns, 20, 10) == encoder.token_ordinals(20, 10)
    t = tokens.to_tokens(encoder.columns, table, np.random.default_rng(5), 20, 10)
    assert np.array_equal(t, encoder.to_tokens(table, np.random.default_rng(5), 20, 10))
    segment = encoder.column("segment")
    one = tokens.column_tokens(segment, table["segment"], np.random.default_rng(0), 20, 10)
    assert one.shape == (len(table), 1) and np.array_equal(one[:, 0], segment.level_indices(table["segment"]))
    decoded = tokens.from_tokens(encoder.columns, t, np.random.default_rng(6), 20, 10)
    assert decoded.equals(encoder.from_tokens(t, np.random.default_rng(6), 20, 10))
    assert tokens.DEFAULT_BINS == 100


def test_conditions_canonical_values_filters_and_slots(encoder, table):
    cases = {
        "segment": ("public", "public"),
        "active": ("true", True),
        "fraud": (1, True),  # a 0/1 flag is boolean
        "visits": (3, 3.0),
        "note": (None, None),
    }
    for name, (value, expected) in cases.items():
        c = encoder.column(name)
        canonical = conditions.normalize_condition(c, value, encoder.rare_min_count)
        assert canonical == expected, name
        assert canonical == encoder.normalize_condition(name, value)
        meets = table.select(conditions.condition_expr(c, canonical).fill_null(False)).to_series()
        series = conditions.condition_series(c, canonical, 4)
        assert series.dtype == table[name].dtype and series.len() == 4
        # the rows the filter keeps hold the value condition_series gives
        kept = table.filter(meets)[name]
        assert kept.len() > 0 and (kept.is_null().all() if canonical is None else (kept == series[0]).all()), name
    seen = encoder.column("seen_at")
    number = conditions.normalize_condition(seen, "2023-03-01 10:00", encoder.rare_min_count)
    assert conditions.condition_series(seen, number, 1).dt.hour().item() == 10
    with pytest.raises(ValueError, match="not a value of column 'seen_at'"):
        conditions.normalize_condition(seen, "not a date", encoder.rare_min_count)
    with pytest.raises(ValueError, match="not a level the model learned"):
        conditions.normalize_condition(encoder.column("segment"), "rare", encoder.rare_min_count)

    canonical = {"segment": "public", "note": None}
    fixed = conditions.condition_uniforms(encoder.columns, canonical, 50, np.random.default_rng(0))
    names = encoder.uniform_columns
    assert sorted(names[slot] for slot in fixed) == ["note.is_null", "segment"]
    assert all(u.shape == (50,) for u in fixed.values())
    note = encoder.column("note")
    assert conditions.discrete_index(note, None) == note.n_discrete() - 1
    assert conditions.discrete_index(encoder.column("segment"), "public") == encoder.discrete_index("segment", "public")
