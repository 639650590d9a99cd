"""The transformer's last-column trees: histogram gradient boosting on binned columns."""

import io

import pytest
import torch

from twinforge.generators import boosting
from twinforge.generators.boosting import UNSEEN_LOGIT, BinnedInput, NumberInput, PrefixBooster, TokenBooster


def _rows(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Input 0: a number in 100 ordered bins plus a null bin (100); input 1: a category of 5 levels.
    The positive class is likely above bin 70, for levels 1 and 3 (not neighbours), and for a null."""
    generator = torch.Generator().manual_seed(seed)
    number = torch.randint(0, 101, (n,), generator=generator)
    level = torch.randint(0, 5, (n,), generator=generator)
    positive = (number > 70) | (level == 1) | (level == 3)
    chance = torch.where(positive, 0.9, 0.1)
    return torch.stack([number, level], dim=1), (torch.rand(n, generator=generator) < chance).long()


INPUTS = [BinnedInput(101, 100), BinnedInput(5, 0)]


def test_boosted_trees_recover_a_threshold_a_level_set_and_the_nulls_side():
    x, y = _rows(6000)
    booster = TokenBooster(INPUTS, classes=2)
    summary = booster.fit(x, y)
    assert summary == {"rounds_run": 100, "best_round": 100, "trees": 100}  # no validation rows: every round
    probe = torch.tensor([[10, 0], [60, 2], [80, 0], [95, 4], [100, 0], [20, 1], [20, 3]])
    p = torch.softmax(booster(probe), dim=1)[:, 1]
    assert (p[:2] < 0.2).all() and (p[2:] > 0.8).all()  # below 70 and levels 0/2/4: negative; the rest positive
    # the first tree's root separates levels {1, 3} from {0, 2, 4} in a single split (the largest gain),
    # and on the {0, 2, 4} side the number splits near 70, the null bin going with the high values
    assert int(booster.feature[0, 0]) == 1
    sides = booster.mask[0, 0].tolist()[:5]
    assert sides[1] == sides[3] and sides[0] == sides[2] == sides[4] and sides[1] != sides[0]
    low_levels_side = int(booster.left[0, 0]) + (0 if sides[0] else 1)
    assert int(booster.feature[0, low_levels_side]) == 0
    mask = booster.mask[0, low_levels_side]
    left = mask[:100].nonzero().flatten()
    assert 60 <= (left.max() if mask[0] else left.min()) <= 80
    assert bool(mask[100]) == bool(mask[99])


def test_every_leaf_holds_at_least_min_rows_per_leaf_training_rows():
    x, y = _rows(3000)
    booster = TokenBooster(INPUTS, classes=2, min_rows_per_leaf=50, max_rounds=20)
    booster.fit(x, y)
    leaves = booster.leaves(x)
    for tree in range(booster.trees):
        counts = torch.bincount(leaves[:, tree])
        assert counts[counts > 0].min() >= 50
    # leaves are nodes without children; every row lands in one
    assert (torch.gather(booster.left, 1, leaves.T) == -1).all()


def test_validation_rows_stop_boosting_and_keep_the_best_round():
    generator = torch.Generator().manual_seed(1)
    x = torch.randint(0, 101, (2000, 2), generator=generator)
    y = torch.randint(0, 2, (2000,), generator=generator)  # noise: held-out loss rises after a few rounds
    booster = TokenBooster([BinnedInput(101, 100)] * 2, classes=2, patience=5)
    summary = booster.fit(x[:1500], y[:1500], x[1500:], y[1500:])
    assert summary["rounds_run"] == summary["best_round"] + 5 < 100
    assert booster.trees == summary["trees"] == summary["best_round"]
    assert summary["validation_loss"] == pytest.approx(
        float(torch.nn.functional.cross_entropy(booster(x[1500:]), y[1500:])), abs=1e-5
    )


def test_several_classes_and_a_class_never_seen_is_never_drawn():
    generator = torch.Generator().manual_seed(2)
    x = torch.randint(0, 101, (3000, 1), generator=generator)
    y = torch.bucketize(x[:, 0], torch.tensor([33, 66]))  # 3 classes by thirds; class 3 (a null) never seen
    booster = TokenBooster([BinnedInput(101, 100)], classes=4, max_rounds=30)
    booster.fit(x, y)
    p = torch.softmax(booster(torch.tensor([[5], [50], [95]])), dim=1)
    assert p.argmax(dim=1).tolist() == [0, 1, 2] and (p.max(dim=1).values > 0.9).all()
    assert booster.base[3] == UNSEEN_LOGIT and (p[:, 3] < 1e-10).all()
    # one tree per round for each seen class but the first (the reference, whose logit stays 0)
    assert booster.trees == 30 * 2 and set(booster.tree_class.tolist()) == {1, 2}


def test_state_dict_round_trip_is_tensors_only_and_predicts_the_same():
    x, y = _rows(2000)
    booster = TokenBooster(INPUTS, classes=3, max_rounds=15)
    booster.fit(x, y)
    buffer = io.BytesIO()
    torch.save(booster.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    fresh = TokenBooster(INPUTS, classes=3, max_rounds=15)
    assert fresh.trees == 0
    fresh.load_state_dict(state)
    assert fresh.trees == booster.trees == 15
    torch.testing.assert_close(fresh(x), booster(x))
    # a bin beyond an input's width (never seen in training) is read as its last bin
    torch.testing.assert_close(booster(torch.tensor([[500, 9]])), booster(torch.tensor([[100, 4]])))


def test_bad_booster_settings_fail_clearly():
    with pytest.raises(ValueError, match="needs inputs"):
        TokenBooster([], classes=2)
    with pytest.raises(ValueError, match="ordered <= width"):
        TokenBooster([BinnedInput(3, 4)], classes=2)
    with pytest.raises(ValueError, match="max_depth"):
        TokenBooster(INPUTS, classes=2, max_depth=0)


def test_prefix_booster_reads_a_numbers_sub_bin_and_a_categorys_level(monkeypatch):
    # positions 0-1: a number in 20 bins of 10 sub-bins (null token 20); 2: a category of 3; 3: a number in 4 bins
    booster = PrefixBooster([NumberInput(0, 1, 20, 10), NumberInput(3, -1, 4, 1)], [(2, 3)], classes=2)
    tokens = torch.tensor([[0, 0, 2, 3], [10, 7, 0, 0], [20, 0, 1, 4]])
    assert booster.bins(tokens).tolist() == [
        [0, 3, 2],
        [107, 0, 0],
        [200, 4, 1],
    ]  # a null: the bin after the ordered ones
    assert booster.booster.inputs == [BinnedInput(201, 200), BinnedInput(5, 4), BinnedInput(3, 0)]

    generator = torch.Generator().manual_seed(3)
    rows = torch.randint(0, 20, (1200, 4), generator=generator)
    targets = (rows[:, 0] > 12).long()
    # a small table: a fixed number of rounds on the training and validation rows together
    small = booster.fit(rows[:1000], targets[:1000], rows[1000:], targets[1000:])
    assert "validation_loss" not in small and small["trees"] == 100
    assert (booster(rows).argmax(dim=1) == targets).float().mean() > 0.99
    # on a large one the validation rows stop it
    monkeypatch.setattr(boosting, "EARLY_STOPPING_MIN_ROWS", 1000)
    large = PrefixBooster([NumberInput(0, 1, 20, 10), NumberInput(3, -1, 4, 1)], [(2, 3)], classes=2)
    assert "validation_loss" in large.fit(rows[:1000], targets[:1000], rows[1000:], targets[1000:])
