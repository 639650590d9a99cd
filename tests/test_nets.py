"""The transformer's network: bucketed output heads (same loss and logits as one head per column), ranked
number tokens; the last-column MLP: its inputs read from tokens, its blend with the transformer's logits."""

import pytest
import torch
from torch.nn import functional as F

from twinforge.generators.nets import BucketedHeads, NumberInput, PrefixValueMLP, TabularTransformer

VOCABULARIES = [21, 10, 3, 2, 2000, 21, 10, 17]


def _tokens(n: int, generator: torch.Generator) -> torch.Tensor:
    return torch.stack([torch.randint(0, v, (n,), generator=generator) for v in VOCABULARIES], dim=1)


def test_loss_is_the_mean_of_each_columns_own_cross_entropy():
    torch.manual_seed(0)
    heads = BucketedHeads(8, VOCABULARIES)
    generator = torch.Generator().manual_seed(1)
    h = torch.randn(64, len(VOCABULARIES), 8, generator=generator)
    tokens = _tokens(64, generator)
    per_column = [F.cross_entropy(heads.logits(h[:, j], j), tokens[:, j]) for j in range(len(VOCABULARIES))]
    torch.testing.assert_close(heads.loss(h, tokens), torch.stack(per_column).mean())
    for j, v in enumerate(VOCABULARIES):  # each column's softmax covers exactly its own vocabulary
        assert heads.logits(h[:, j], j).shape == (64, v)


def test_a_large_vocabulary_pads_nothing_else():
    heads = BucketedHeads(8, VOCABULARIES)
    widths = {members[0]: weight.shape[1] for members, weight in zip(heads.buckets, heads.weights)}
    # widths 16 (vocabularies 2..10), 32 (17, 21) and 2048 (the large one, alone)
    assert sorted(len(m) for m in heads.buckets) == [1, 3, 4]
    assert widths[VOCABULARIES.index(2000)] == 2048
    assert sum(w.numel() for w in heads.weights) < 8 * (2048 + 7 * 32)


def test_models_saved_with_one_linear_per_column_still_load():
    torch.manual_seed(0)
    net = TabularTransformer(VOCABULARIES, d_model=16, layers=1, heads=2, dropout=0.0)
    old_heads = [torch.nn.Linear(16, v) for v in VOCABULARIES]
    state = {k: v for k, v in net.state_dict().items() if not k.startswith("heads.")}
    for j, head in enumerate(old_heads):
        state[f"heads.{j}.weight"], state[f"heads.{j}.bias"] = head.weight.detach(), head.bias.detach()
    loaded = TabularTransformer(VOCABULARIES, d_model=16, layers=1, heads=2, dropout=0.0)
    loaded.load_state_dict(state)  # strict: every old key is consumed, every new one filled
    h = torch.randn(5, 16)
    for j, head in enumerate(old_heads):
        torch.testing.assert_close(loaded.heads.logits(h, j), head(h))


def test_ordered_tokens_carry_their_rank_and_categories_do_not():
    torch.manual_seed(0)
    ordinals = [20, 10, 0, 0, 0, 20, 10, 0]  # a number's coarse bins (+ null) and sub-bins; categories
    net = TabularTransformer(VOCABULARIES, d_model=16, layers=1, heads=2, dropout=0.0, ordinals=ordinals)
    ranks = [net.ranks[int(net.offsets[j]) : int(net.offsets[j]) + v] for j, v in enumerate(VOCABULARIES)]
    torch.testing.assert_close(ranks[0][:20], torch.linspace(-1, 1, 20))
    assert float(ranks[0][20]) == 0.0  # the null token after the bins has no rank
    assert all(float(ranks[j].abs().sum()) == 0.0 for j in (2, 3, 4, 7))
    # the same token embeds differently at different ranks: adjacent bins differ by one step along the direction
    ids = torch.tensor([[0, int(net.offsets[0]) + 3], [0, int(net.offsets[0]) + 4]])
    embedded = net._embed(ids, 0, 2)
    step = embedded[1, 1] - embedded[0, 1] - (net.tokens.weight[ids[1, 1]] - net.tokens.weight[ids[0, 1]])
    torch.testing.assert_close(step, net.rank_directions[0] * (2 / 19))


def test_models_saved_before_ranks_load_and_embed_as_before():
    torch.manual_seed(0)
    ordinals = [20, 10, 0, 0, 0, 20, 10, 0]
    old = TabularTransformer(VOCABULARIES, d_model=16, layers=1, heads=2, dropout=0.0, ordinals=ordinals)
    state = {k: v for k, v in old.state_dict().items() if k != "rank_directions"}
    loaded = TabularTransformer(VOCABULARIES, d_model=16, layers=1, heads=2, dropout=0.0, ordinals=ordinals)
    loaded.load_state_dict(state)  # strict
    assert float(loaded.rank_directions.abs().sum()) == 0.0
    tokens = _tokens(4, torch.Generator().manual_seed(2))
    plain = TabularTransformer(VOCABULARIES, d_model=16, layers=1, heads=2, dropout=0.0)
    plain.load_state_dict(loaded.state_dict())
    torch.testing.assert_close(loaded.eval().hidden(tokens[:, :-1]), plain.eval().hidden(tokens[:, :-1]))


def test_prefix_mlp_reads_numbers_as_normal_scores_and_categories_one_hot():
    # positions 0-1: a number in 20 bins of 10 sub-bins (null token 20); 2: a category of 3; 3: a number in 4 bins
    mlp = PrefixValueMLP([NumberInput(0, 1, 20, 10), NumberInput(3, -1, 4, 1)], [(2, 3)], classes=2)
    tokens = torch.tensor([[0, 0, 2, 3], [10, 7, 0, 0], [20, 0, 1, 1]])
    features = mlp.features(tokens)
    # sub-bin centres as quantiles, then normal scores; a null scores 0 and raises its flag
    first = torch.special.ndtri(torch.tensor([0.05 / 20, 10.75 / 20]))
    torch.testing.assert_close(features[:2, 0], first)
    torch.testing.assert_close(features[:, 1], torch.tensor([0.0, 0.0, 1.0]))
    assert features[2, 0] == 0.0
    torch.testing.assert_close(features[:, 2], torch.special.ndtri(torch.tensor([3.5 / 4, 0.5 / 4, 1.5 / 4])))
    torch.testing.assert_close(features[:, 4:], torch.tensor([[0.0, 0, 1], [1, 0, 0], [0, 1, 0]]))
    assert mlp(tokens, torch.zeros(3, 2)).shape == (3, 2)


def test_prefix_mlp_piecewise_member_reads_ramps_over_quantile_intervals():
    mlp = PrefixValueMLP([NumberInput(0, 1, 20, 10), NumberInput(2, -1, 4, 1)], [], classes=2, piecewise_bins=4)
    assert len(mlp.members()) == 2 and mlp.mix.tolist() == [0.0, 1.0]
    tokens = torch.tensor([[10, 7, 0], [20, 0, 3]])  # quantiles 0.5375 and null; 0.125 and 0.875
    plain, piecewise = mlp.member_inputs(tokens)
    torch.testing.assert_close(piecewise[:, : plain.shape[1]], plain)
    ramps = piecewise[:, plain.shape[1] :]
    # 0.5375 * 4 = 2.15: the first two intervals full, the third 15% along; a null has no ramp
    torch.testing.assert_close(ramps[0, :4], torch.tensor([1.0, 1.0, 0.15, 0.0]))
    torch.testing.assert_close(ramps[1, :4], torch.zeros(4))
    torch.testing.assert_close(ramps[:, 4:], torch.tensor([[0.5, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.5]]))
    with pytest.raises(ValueError, match="piecewise_bins must be at least 0"):
        PrefixValueMLP([NumberInput(0, -1, 4, 1)], [], classes=2, piecewise_bins=-1)


def test_prefix_mlp_blend_leans_on_the_model_that_predicts():
    torch.manual_seed(0)
    mlp = PrefixValueMLP([NumberInput(0, -1, 10, 1)], [], classes=2)  # untrained: its logits are noise
    tokens = torch.randint(0, 10, (2000, 1))
    informative = torch.randn(2000)
    targets = (torch.rand(2000) < torch.sigmoid(3 * informative)).long()
    base = torch.stack([torch.zeros(2000), 3 * informative], dim=1)  # the true log-odds
    assert mlp.mix.tolist() == [0.0, 1.0]  # before blending: the MLP alone
    mlp.fit_mix(tokens, base, targets)
    weight_base, weight_mlp = mlp.mix.tolist()
    assert 0.8 < weight_base < 1.2 and 0.0 <= weight_mlp < 0.3
    blended = F.cross_entropy(mlp(tokens, base), targets)
    assert blended <= F.cross_entropy(base, targets) + 1e-3
