import json

import numpy as np
import pytest
import torch
from sklearn.ensemble import HistGradientBoostingClassifier

from tests.conftest import reseal
from tests.planted import mixed_table
from twinforge.generators import create_generator, load_generator
from twinforge.generators.last_columns import UNSEEN_LOGIT, LastColumnModel, NumberInput
from twinforge.io.schema import infer_schema


def planted_tokens(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Tokens of a number (coarse, fine: 10 x 5 bins, null token 10) and a 6-level category; the target
    (3 classes, class 3 never used) is 2 when the number is above bin 6 and the category is 4 or 5,
    else 1 above bin 6, else 0, with 5% of labels flipped to a random class."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 11, n)  # 10: null
    fine = rng.integers(0, 5, n)
    level = rng.integers(0, 6, n)
    high = (coarse >= 6) & (coarse < 10)
    y = np.where(high & (level >= 4), 2, np.where(high, 1, 0))
    noisy = rng.random(n) < 0.05
    y[noisy] = rng.integers(0, 3, noisy.sum())
    return torch.from_numpy(np.stack([coarse, fine, level], axis=1)), torch.from_numpy(y)


def planted_model(seed: int = 0) -> LastColumnModel:
    return LastColumnModel([NumberInput(0, 1, 10, 5)], [(2, 6)], classes=4, seed=seed)


def test_learns_a_planted_threshold_and_level_rule_and_never_draws_an_unseen_class():
    tokens, y = planted_tokens(3000)
    model = planted_model()
    summary = model.fit(tokens[:2700], y[:2700], tokens[2700:], y[2700:])
    # below 10,000 rows: all rounds on every row, three trees a round (multiclass)
    assert summary == {"rounds_run": 100, "best_round": 100, "trees": 300}
    assert model.seen.tolist() == [0, 1, 2]
    test, y_test = planted_tokens(2000, seed=1)
    logits = model.logits(test)
    assert logits.shape == (2000, 4) and logits.dtype == torch.float32
    assert (logits[:, 3] == UNSEEN_LOGIT).all()
    assert (logits.argmax(1) == y_test).float().mean() > 0.9
    draws = torch.multinomial(torch.softmax(logits, 1), 20, replacement=True)
    assert not (draws == 3).any()
    # a number's null falls with the low bins here; an unseen level is still predicted
    unseen_level = test.clone()
    unseen_level[:, 2] = 6
    assert torch.isfinite(model.logits(unseen_level)).all()


def test_text_round_trip_predicts_the_same_probabilities():
    tokens, y = planted_tokens(1500)
    model = planted_model()
    model.fit(tokens, y)
    text = model.to_text()
    assert text.startswith("tree\nversion=")
    again = planted_model()
    again.load(model.seen.tolist(), text)
    test, _ = planted_tokens(500, seed=2)
    assert torch.equal(again.logits(test), model.logits(test))
    with pytest.raises(ValueError, match="not a LightGBM text model"):
        planted_model().load([0, 1, 2], "not a model")
    with pytest.raises(ValueError, match="do not predict 2 classes"):
        planted_model().load([0, 1], text)


def test_binary_and_single_class_targets_and_determinism():
    tokens, y = planted_tokens(1500)
    binary = (y > 0).long()
    first, second = planted_model(seed=3), planted_model(seed=3)
    assert first.fit(tokens, binary)["trees"] == 100
    second.fit(tokens, binary)
    assert first.to_text() == second.to_text()
    logits = first.logits(tokens[:50])
    assert (logits[:, 0] == 0).all() and (logits[:, 2:] == UNSEEN_LOGIT).all()
    one = planted_model()
    assert one.fit(tokens, torch.full_like(y, 2)) == {"rounds_run": 0, "best_round": 0, "trees": 0}
    assert one.to_text() is None
    assert torch.multinomial(torch.softmax(one.logits(tokens[:20]), 1), 1).eq(2).all()


def test_early_stops_on_validation_rows_above_10000_rows():
    tokens, y = planted_tokens(12_000)
    model = planted_model()
    summary = model.fit(tokens[:10_000], y[:10_000], tokens[10_000:], y[10_000:])
    assert summary["best_round"] <= summary["rounds_run"] <= 100 and "validation_loss" in summary
    assert summary["trees"] == 3 * summary["best_round"]


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-15, None)).mean())


def test_holdout_log_loss_matches_scikit_learn_on_the_same_bins():
    tokens, y = planted_tokens(4000, seed=4)
    train, holdout = slice(0, 3000), slice(3000, None)
    model = planted_model()
    model.fit(tokens[train], y[train])
    ours = log_loss(y[holdout].numpy(), torch.softmax(model.logits(tokens[holdout]).double(), 1).numpy())
    x = model.features(tokens)
    reference = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=100,
        max_depth=5,
        max_leaf_nodes=None,
        min_samples_leaf=20,
        l2_regularization=1.0,
        categorical_features=[1],
        early_stopping=False,
        random_state=0,
    ).fit(x[train], y[train].numpy())
    theirs = log_loss(y[holdout].numpy(), reference.predict_proba(x[holdout]))
    assert abs(ours - theirs) / theirs < 0.05, (ours, theirs)


def test_saved_transformer_holds_no_pickle_and_old_trees_fail_clearly(tmp_path):
    mixed = mixed_table().head(300)
    generator = create_generator("transformer", seed=2, epochs=1, last_columns=["fraud"]).fit(
        mixed, infer_schema(mixed)
    )
    folder = generator.save(tmp_path / "model")
    description = json.loads((folder / "model.json").read_text())
    (name,) = description["text_models"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(["model.json", "weights.pt", f"{name}.txt"])
    state = torch.load(folder / "weights.pt", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values())
    assert (folder / f"{name}.txt").read_text().startswith("tree\nversion=")
    assert load_generator(folder).sample(200, seed=3).equals(generator.sample(200, seed=3))

    # a model saved by the twinforge that drew last columns from torch trees
    state["last_column_boosters.5.booster.base"] = torch.zeros(2)
    torch.save(state, folder / "weights.pt")
    reseal(folder)
    with pytest.raises(ValueError, match=r"weights.pt does not hold valid weights .* older twinforge.*fit it again"):
        load_generator(folder)
