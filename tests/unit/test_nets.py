"""The transformer's network: bucketed output heads (same loss and logits as one head per column), ranked
number tokens; the last-column MLP: its inputs read from tokens, its blend with the transformer's logits."""

import torch
from torch.nn import functional as F

from twinforge.generators.nets import BucketedHeads, TabularTransformer

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


def test_the_vaes_cross_entropy_is_each_one_hot_stretchs_own_summed_with_its_gradients():
    from twinforge.encoders.modes import Span
    from twinforge.generators.nets import SpanLayout

    widths = [1, 2, 5, 1, 3, 9, 2, 1, 17]  # width 1: a scalar slot; stretches of widths 2, 3, 5, 9, 17
    spans, start = [], 0
    for i, width in enumerate(widths):
        spans.append(Span(f"c{i}", "alpha" if width == 1 else "level", start, width))
        start += width
    generator = torch.Generator().manual_seed(4)
    raw = torch.randn(300, start, generator=generator, requires_grad=True)
    x = torch.zeros(300, start)
    levels = {}
    for span in spans:
        if span.width == 1:
            x[:, span.start] = torch.rand(300, generator=generator)
        else:
            levels[span] = torch.randint(0, span.width, (300,), generator=generator)
            x[torch.arange(300), span.start + levels[span]] = 1.0
    expected = sum(
        F.cross_entropy(raw[:, s.start : s.start + s.width], level, reduction="sum") for s, level in levels.items()
    )
    loss = SpanLayout(spans).cross_entropy(raw, x)
    torch.testing.assert_close(loss, expected)
    (gradient,) = torch.autograd.grad(loss, raw)
    (expected_gradient,) = torch.autograd.grad(expected, raw)
    torch.testing.assert_close(gradient, expected_gradient)
