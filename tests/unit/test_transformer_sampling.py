"""The transformer's incremental decoder: each step reuses the earlier positions' keys and values, written
in place, and gives the logits the full-prefix network gives."""

import pytest
import torch

from tests.planted import mixed_table
from twinforge.generators import create_generator
from twinforge.io.schema import infer_schema


@pytest.fixture(scope="module")
def fitted_net():
    df = mixed_table()
    generator = create_generator("transformer", seed=4, epochs=2, d_model=32, layers=2, heads=4, last_columns=["fraud"])
    return generator.fit(df, infer_schema(df)).net.eval()


@torch.no_grad()
def test_cached_steps_give_the_full_prefix_logits_at_every_position(fitted_net):
    net, rows = fitted_net, 300
    generator = torch.Generator().manual_seed(0)
    tokens = torch.zeros((rows, net.columns), dtype=torch.long)
    caches = net.new_caches()
    for j in range(net.columns):
        cached = net.step_logits(tokens[:, j - 1] if j else None, j, caches, rows)
        # the uncached decoder: the whole prefix through the network again
        uncached = net.heads.logits(net.hidden(tokens[:, :j])[:, j], j)
        torch.testing.assert_close(cached, uncached, rtol=1e-4, atol=1e-5)
        tokens[:, j] = torch.multinomial(torch.softmax(cached, dim=1), 1, generator=generator).squeeze(1)
    assert all(len(set(tokens[:, j].tolist())) > 1 for j in range(2))  # real draws, not one repeated row


@torch.no_grad()
def test_the_cache_is_allocated_once_and_written_in_place(fitted_net):
    net, rows = fitted_net, 64
    caches = net.new_caches()
    previous, where = None, None
    for j in range(net.columns):
        logits = net.step_logits(previous, j, caches, rows)
        previous = torch.multinomial(torch.softmax(logits, dim=1), 1).squeeze(1)
        pointers = [(c.keys.data_ptr(), c.values.data_ptr()) for c in caches]
        where = where or pointers
        assert pointers == where  # no step copies the earlier positions' keys and values into a new tensor
    assert all(c.filled == net.columns for c in caches)
    assert all(c.keys.shape == (rows, net.blocks[0].heads, net.columns, 32 // 4) for c in caches)


def test_a_full_cache_refuses_another_position(fitted_net):
    caches = fitted_net.new_caches()
    with torch.no_grad():
        for j in range(fitted_net.columns):
            fitted_net.step_logits(torch.zeros(8, dtype=torch.long) if j else None, j, caches, 8)
        with pytest.raises(ValueError, match="cache is full"):
            caches[0].append(caches[0].keys[:, :, :1], caches[0].values[:, :, :1])
