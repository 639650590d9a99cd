"""The `gan` follows CTGAN's method where it matters for what it learns (see
benchmarks/results/gan_vae/ctgan_comparison.md): training-by-sampling pairs each condition with
real rows that meet it, levels are drawn by log-frequency in training and by frequency when
sampling, the conditional cross-entropy is CTGAN's, and sampling leaves the model unchanged."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import torch
from torch.nn import functional as F

from twinforge.generators import create_generator
from twinforge.generators.conditioning import ConditionSampler
from twinforge.io.schema import infer_schema

ROWS = 2000


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    segment = rng.choice(["a", "b", "c"], ROWS, p=[0.8, 0.15, 0.05])
    flag = rng.choice(["yes", "no"], ROWS, p=[0.3, 0.7])
    # a bimodal number whose mode follows the segment: the relation a conditional GAN must learn
    amount = np.where(segment == "a", rng.normal(10, 1, ROWS), rng.normal(50, 2, ROWS))
    return pl.DataFrame({"segment": segment, "flag": flag, "amount": amount})


@pytest.fixture(scope="module")
def gan(table):
    generator = create_generator("gan", seed=0, epochs=2, batch_size=200)
    generator.fit(table, infer_schema(table))
    return generator


@pytest.fixture(scope="module")
def rows(gan, table):
    return gan.encoder.to_mode_rows(table, np.random.default_rng(0))


def _counts(rows, span) -> np.ndarray:
    return np.bincount(rows.hot_of(span), minlength=span.width).astype(float)


def test_training_conditions_come_with_real_rows_that_meet_them(gan, rows):
    sampler = ConditionSampler.from_encoder(gan.encoder).attach_rows(rows)
    chosen, real_rows = sampler.for_training(5000, np.random.default_rng(1))
    for s, span in enumerate(sampler.spans):
        picked = chosen.span == s
        assert picked.any()
        assert np.array_equal(rows.hot_of(span)[real_rows[picked]], chosen.level[picked])
        # the vector's one hot slot is that level of that column
        assert np.array_equal(chosen.cond[picked].argmax(axis=1), sampler.offsets[s] + chosen.level[picked])
    assert np.array_equal(chosen.cond.sum(axis=1), np.ones(len(real_rows)))


def test_training_draws_levels_by_log_frequency_and_sampling_by_frequency(gan, rows):
    sampler = ConditionSampler.from_encoder(gan.encoder).attach_rows(rows)
    s = sampler.span_index("segment")
    counts = _counts(rows, sampler.spans[s])
    log_share = np.where(counts > 0, np.log(counts + 1), 0.0)
    log_share /= log_share.sum()
    chosen, _ = sampler.for_training(40_000, np.random.default_rng(2))
    training = np.bincount(chosen.level[chosen.span == s], minlength=len(counts)) / np.sum(chosen.span == s)
    np.testing.assert_allclose(training, log_share, atol=0.02)
    original = sampler.original(40_000, np.random.default_rng(3))
    sampling = np.bincount(original.level[original.span == s], minlength=len(counts)) / np.sum(original.span == s)
    np.testing.assert_allclose(sampling, counts / counts.sum(), atol=0.02)
    # the rare level is seen far more often in training than its share
    rare = int(np.argmin(np.where(counts > 0, counts, np.inf)))
    assert training[rare] > 3 * counts[rare] / counts.sum()


def test_conditional_loss_is_the_chosen_columns_cross_entropy_averaged_over_rows(gan):
    sampler = gan.conditioner
    chosen = sampler.original(300, np.random.default_rng(4))
    raw = torch.randn((300, gan._spans[-1].stop), generator=torch.Generator().manual_seed(0), requires_grad=True)
    assert len({s.width for s in sampler.spans}) > 1  # stretches of several widths: the padding is exercised
    expected = raw.new_zeros(())
    for i in range(300):  # CTGAN: the mask keeps each row's chosen column only; the sum is divided by rows
        span = sampler.spans[chosen.span[i]]
        logits = raw[i : i + 1, span.start : span.stop]
        expected = expected + F.cross_entropy(logits, torch.tensor([chosen.level[i]]))
    (expected_grad,) = torch.autograd.grad(expected / 300, raw)
    loss = gan._cond_loss(raw, chosen)
    assert float(loss) == pytest.approx(float(expected) / 300, rel=1e-5)
    (grad,) = torch.autograd.grad(loss, raw)
    torch.testing.assert_close(grad, expected_grad)


def test_sampling_uses_batch_norms_running_statistics_and_changes_no_weight(gan):
    before = {k: v.clone() for k, v in gan.state_dict().items()}
    gan.sample(500, seed=5)
    after = gan.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not gan.generator_net.training
    # a row's output does not depend on the other rows of its batch
    noise = torch.randn((64, gan.noise_dim), generator=torch.Generator().manual_seed(1))
    cond = torch.from_numpy(gan.conditioner.original(64, np.random.default_rng(6)).cond)
    with torch.no_grad():
        whole = gan.generator_net(noise, cond)
        alone = gan.generator_net(noise[:1], cond[:1])
    torch.testing.assert_close(whole[:1], alone)


def test_a_bimodal_column_is_encoded_in_both_modes(gan, rows, table):
    span = next(s for s in gan.encoder.mode_spans() if s.column == "amount" and s.role == "mode")
    mode = rows.hot_of(span)
    low = table["amount"].to_numpy() < 30
    # each cluster lives in its own modes, and both are used
    assert set(mode[low]).isdisjoint(set(mode[~low]))
    assert low.any() and (~low).any()


def test_training_rows_are_drawn_uniformly_among_the_rows_of_the_chosen_level(gan, rows):
    sampler = ConditionSampler.from_encoder(gan.encoder).attach_rows(rows)
    s = sampler.span_index("segment")
    chosen, real_rows = sampler.for_training(200_000, np.random.default_rng(7))
    rare = int(np.argmin(_counts(rows, sampler.spans[s])[:3]))  # level "c", about 100 rows
    picked = real_rows[(chosen.span == s) & (chosen.level == rare)]
    level_rows = np.flatnonzero(rows.hot_of(sampler.spans[s]) == rare)
    assert set(picked.tolist()) == set(level_rows.tolist())  # every row of the level, and only those
    hits = np.bincount(picked, minlength=rows.hot_of(sampler.spans[s]).size)[level_rows]
    expected = len(picked) / len(level_rows)
    # Poisson spread: no row drawn far more or less often than its share
    assert np.all(np.abs(hits - expected) < 6 * np.sqrt(expected))


def test_gumbel_softmax_draws_each_slot_with_its_softmax_probability():
    from twinforge.encoders.modes import Span
    from twinforge.generators.nets import activate

    spans = [Span("x", "alpha", 0, 1), Span("c", "level", 1, 3), Span("d", "level", 4, 2)]
    raw = torch.tensor([[0.3, 0.0, 1.0, 2.0, -1.0, 1.0]]).repeat(100_000, 1)
    torch.manual_seed(0)
    out = activate(raw, spans, gumbel_tau=0.2)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out[:, 0], torch.tanh(raw[:, 0]))
    for span in spans[1:]:
        part = out[:, span.start : span.start + span.width]
        torch.testing.assert_close(part.sum(dim=1), torch.ones(len(out)))
        shares = torch.bincount(part.argmax(dim=1), minlength=span.width) / len(out)
        expected = torch.softmax(raw[0, span.start : span.start + span.width], dim=0)
        torch.testing.assert_close(shares, expected, atol=0.006, rtol=0)


def test_activation_is_tanh_on_scalars_and_a_softmax_per_stretch_with_its_gradients():
    from twinforge.encoders.modes import Span
    from twinforge.generators.nets import activate

    spans = [Span("x", "alpha", 0, 1), Span("x", "mode", 1, 5), Span("c", "level", 6, 2), Span("d", "level", 8, 9)]
    raw = torch.randn((300, 17), generator=torch.Generator().manual_seed(2), requires_grad=True)
    weights = torch.randn((300, 17), generator=torch.Generator().manual_seed(3))
    out = activate(raw, spans)
    expected = torch.cat(
        [
            torch.tanh(raw[:, :1]),
            *(torch.softmax(raw[:, s.start : s.start + s.width], dim=1) for s in spans[1:]),
        ],
        dim=1,
    )
    torch.testing.assert_close(out, expected)
    (gradient,) = torch.autograd.grad((out * weights).sum(), raw)
    (expected_gradient,) = torch.autograd.grad((expected * weights).sum(), raw)
    torch.testing.assert_close(gradient, expected_gradient)


def test_the_critics_dropout_zeroes_half_the_units_scales_the_rest_and_is_off_when_sampling():
    from twinforge.generators.nets import PackedDiscriminator

    critic = PackedDiscriminator(4, [64], pac=2)
    dropout = critic.body[2]
    x = torch.ones((2000, 500))
    torch.manual_seed(0)
    out = dropout.train()(x)
    kept = out != 0
    assert float(kept.float().mean()) == pytest.approx(0.5, abs=0.005)
    assert torch.equal(out[kept], torch.full((int(kept.sum()),), 2.0))
    assert torch.equal(dropout.eval()(x), x)
    # a model saved with torch's own dropout in that place loads: the layer holds no state
    assert not dict(dropout.state_dict())


def test_the_critics_dropout_runs_batched_in_a_private_fit(table):
    """Per-sample gradients (DP) run the critic under ``torch.func.vmap``: an operation without a batching rule
    there falls back to a loop over the rows and makes torch warn the user."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        create_generator("gan", seed=0, epochs=1, dp={"epsilon": 1.0}).fit(table[:300], infer_schema(table))
    assert not [w for w in caught if "batching rule" in str(w.message)]


def test_each_training_step_runs_the_generator_once(table, monkeypatch):
    """The critic's step and the generator's step score the same fake rows (DCGAN's loop); CTGAN runs the
    generator twice a step."""
    from twinforge.generators.gan import GanGenerator

    calls = []
    build = GanGenerator._build

    def counting_build(self):
        build(self)
        # training passes only (the calibration's draws after training run in eval mode)
        self.generator_net.register_forward_hook(lambda net, *_: calls.append(1) if net.training else None)

    monkeypatch.setattr(GanGenerator, "_build", counting_build)
    create_generator("gan", seed=0, epochs=2, batch_size=200).fit(table, infer_schema(table))
    assert len(calls) == 2 * (ROWS // 200)


def test_levels_of_many_columns_are_drawn_at_once_with_each_columns_shares():
    from twinforge.generators.conditioning import _LevelShares

    # a level with no share (trailing too, where rounding could land) is never drawn
    shares = [np.array([0.5, 0.5]), np.array([0.0, 0.7, 0.3, 0.0]), np.array([1 / 3] * 3)]
    spans = np.repeat([0, 1, 2], 40_000)
    levels = _LevelShares(shares).draw(spans, np.random.default_rng(0))
    for s, p in enumerate(shares):
        drawn = np.bincount(levels[spans == s], minlength=len(p)) / 40_000
        assert len(drawn) == len(p)
        np.testing.assert_allclose(drawn, p, atol=0.01)
        assert (drawn[p == 0] == 0).all()
    # a column with no share at all (nothing to draw it by) does not stop the others from being drawn
    assert _LevelShares([np.zeros(2), np.array([0.2, 0.8])]).draw(np.array([1, 1]), np.random.default_rng(0)).max() < 2


@pytest.fixture(scope="module")
def plain_and_calibrated(table):
    """Two short fits with one seed: the same training, then calibration for the second only."""
    fits = []
    for calibrate in (False, True):
        generator = create_generator("gan", seed=0, epochs=2, batch_size=200, calibrate=calibrate)
        generator.fit(table, infer_schema(table))
        fits.append(generator)
    return fits


def test_calibration_gives_a_number_its_training_marginal_and_keeps_the_generators_order(plain_and_calibrated, table):
    plain, calibrated = plain_and_calibrated
    assert plain.calibration is None and set(calibrated.calibration) == {"amount"}
    for name, weights in plain.state_dict().items():  # calibration comes after training: the networks are equal
        torch.testing.assert_close(calibrated.state_dict()[name], weights)
    probabilities = np.linspace(0.05, 0.95, 19)
    real = np.quantile(table["amount"].to_numpy(), probabilities)

    def worst_quantile_error(sample: pl.DataFrame) -> float:
        return float(np.abs(np.quantile(sample["amount"].to_numpy(), probabilities) - real).max())

    plain_rows, calibrated_rows = plain.sample(20_000, seed=1), calibrated.sample(20_000, seed=1)
    # two epochs leave the amounts far from the training marginal (the two clusters are 10 and 50)
    assert worst_quantile_error(plain_rows) > 3.0
    assert worst_quantile_error(calibrated_rows) < 1.0
    # the same noise gives the same rows, each amount moved monotonically: the order of the rows is kept
    # (among the plain amounts inside the training range: those at its ends were clipped there, ties)
    plain_amounts, calibrated_amounts = plain_rows["amount"].to_numpy(), calibrated_rows["amount"].to_numpy()
    inside = (plain_amounts > plain_amounts.min()) & (plain_amounts < plain_amounts.max())
    assert inside.mean() > 0.5
    order = np.argsort(plain_amounts[inside])
    assert (np.diff(calibrated_amounts[inside][order]) >= 0).all()
    assert calibrated_rows.drop("amount").equals(plain_rows.drop("amount"))


def test_calibration_is_saved_with_the_weights_and_a_model_saved_without_it_samples_uncalibrated(
    plain_and_calibrated, tmp_path
):
    from twinforge.generators.gan import CALIBRATION_KEY
    from twinforge.generators.persistence import load_generator

    plain, calibrated = plain_and_calibrated
    calibrated.save(tmp_path / "calibrated")
    loaded = load_generator(tmp_path / "calibrated")
    np.testing.assert_array_equal(loaded.calibration["amount"], calibrated.calibration["amount"])
    assert loaded.sample(500, seed=4).equals(calibrated.sample(500, seed=4))
    # weights from before calibration existed: the same networks, sampled as they were then
    state = calibrated.state_dict()
    del state[CALIBRATION_KEY]
    calibrated_twin = load_generator(tmp_path / "calibrated")
    calibrated_twin.load_state_dict(state)
    assert calibrated_twin.calibration is None
    assert calibrated_twin.sample(500, seed=4).equals(plain.sample(500, seed=4))


def test_a_calibration_that_does_not_fit_the_encoder_is_refused(plain_and_calibrated):
    from twinforge.generators.gan import CALIBRATION_KEY

    _, calibrated = plain_and_calibrated
    state = calibrated.state_dict()
    state[CALIBRATION_KEY] = torch.zeros((2, 7), dtype=torch.float64)
    with pytest.raises(ValueError, match="calibration of shape"):
        calibrated.load_state_dict(state)
    calibrated.load_state_dict(calibrated.state_dict())  # leaves it as it was for the other tests


@pytest.fixture(scope="module")
def with_nulls() -> pl.DataFrame:
    rng = np.random.default_rng(5)
    x = rng.normal(50, 10, ROWS)
    y = 2 * x + rng.normal(0, 5, ROWS)
    return pl.DataFrame(
        {
            "x": np.where(rng.random(ROWS) < 0.3, np.nan, x),
            "y": np.where(rng.random(ROWS) < 0.05, np.nan, y),
            "group": rng.choice(["a", "b"], ROWS),
        }
    ).fill_nan(None)


def test_calibration_gives_a_numbers_null_share_its_training_share(with_nulls, tmp_path):
    from twinforge.generators.gan import NULL_CUTS_KEY
    from twinforge.generators.persistence import load_generator

    shares = {}
    for calibrate in (False, True):
        generator = create_generator("gan", seed=0, epochs=2, batch_size=200, calibrate=calibrate)
        generator.fit(with_nulls, infer_schema(with_nulls))
        sample = generator.sample(20_000, seed=1)
        shares[calibrate] = {c: sample[c].null_count() / sample.height for c in ("x", "y")}
    # two epochs leave the generator's null indicators far from the training shares (0.3 and 0.05) ...
    assert max(abs(shares[False]["x"] - 0.3), abs(shares[False]["y"] - 0.05)) > 0.05
    # ... which the calibration sets to them
    real = {c: with_nulls[c].null_count() / ROWS for c in ("x", "y")}
    assert shares[True] == pytest.approx(real, abs=0.01)
    generator.save(tmp_path / "gan")
    loaded = load_generator(tmp_path / "gan")
    assert loaded.null_cuts == generator.null_cuts and set(generator.null_cuts) == {"x", "y"}
    assert loaded.sample(500, seed=4).equals(generator.sample(500, seed=4))
    state = generator.state_dict()
    state[NULL_CUTS_KEY] = torch.zeros((3, 2), dtype=torch.float64)
    with pytest.raises(ValueError, match="null cuts of shape"):
        generator.load_state_dict(state)
