"""The neural networks of the torch generators, apart from their training and sampling loops.

Each network only maps tensors to tensors; what the tensors mean (the
mode-specific layout, the token vocabularies) is the business of the encoder
(``twinforge.encoders``) and the generator classes (``gan``, ``vae``,
``transformer``), which build these modules from sizes kept in their JSON.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from twinforge.encoders import Span

# --- shared by the GAN and the VAE: turning raw outputs into the mode-specific layout ---


def padded_slots(spans: Sequence[Span], width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The layout slots of each of ``spans``' stretches as one ``(stretches, width)`` tensor (on the CPU), padded
    with the stretch's first slot, and the padding's mask."""
    cpu = torch.device("cpu")  # whatever torch's default device: callers move them where they are used
    offsets = torch.arange(width, device=cpu)[None, :]
    widths = torch.tensor([s.width for s in spans], device=cpu)[:, None]
    starts = torch.tensor([s.start for s in spans], device=cpu)[:, None]
    padding = offsets >= widths
    return torch.where(padding, starts, starts + offsets), padding


class SpanLayout:
    """Index tensors that treat all the one-hot stretches of a mode-specific layout at once.

    The stretches are grouped by their width rounded up to a power of two; a group is gathered into
    one padded ``(n, stretches, width)`` tensor (padding masked out), so a softmax, a Gumbel-softmax
    or a cross-entropy over every stretch is a few tensor operations per group instead of a few per
    column. The VAE uses it; the GAN keeps the per-column :func:`activate`: the same distribution and
    gradients, but on the development table ``health_insurance`` the GAN trained with it scored 0.73
    and 0.79 (seeds 0, 1) against 0.86 and 0.85, unexplained (see benchmarks/results/gan_vae).
    """

    def __init__(self, spans: Sequence[Span]):
        self.width = spans[-1].stop if spans else 0
        # index tensors of the layout, on the CPU whatever torch's default device (see ``on``)
        cpu = torch.device("cpu")
        self.scalar = torch.tensor([s.start for s in spans if s.activation == "tanh"], dtype=torch.long, device=cpu)
        hot = [s for s in spans if s.activation != "tanh"]
        # 1 in every one-hot slot (every slot but the scalars): the chosen logits of all stretches are one
        # masked product
        self.hot_mask = torch.ones(self.width, device=cpu)
        self.hot_mask[self.scalar] = 0.0
        self.groups: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
        for width in sorted({_bucket_width(s.width, 1) for s in hot}):
            members = [s for s in hot if _bucket_width(s.width, 1) == width]
            index, padding = padded_slots(members, width)
            self.groups.append((index, padding, index[~padding]))
        self._moved: dict[torch.device, tuple] = {}

    def on(self, device: torch.device) -> tuple[torch.Tensor, list[tuple[torch.Tensor, ...]], torch.Tensor]:
        """The scalar slots, the groups' tensors and the one-hot mask on ``device`` (copied once per device)."""
        if device.type == "cpu":
            return self.scalar, self.groups, self.hot_mask
        if device not in self._moved:
            groups = [tuple(t.to(device) for t in group) for group in self.groups]
            self._moved[device] = (self.scalar.to(device), groups, self.hot_mask.to(device))
        return self._moved[device]

    def _logits(self, raw: torch.Tensor, index: torch.Tensor, padding: torch.Tensor) -> torch.Tensor:
        return raw[:, index].masked_fill(padding, float("-inf"))

    def activate(self, raw: torch.Tensor, gumbel_tau: float | None = None) -> torch.Tensor:
        """tanh on scalar slots; softmax (or Gumbel-softmax with ``gumbel_tau``) on one-hot stretches."""
        scalar, groups, _ = self.on(raw.device)
        out = raw.new_zeros((raw.shape[0], self.width))
        out[:, scalar] = torch.tanh(raw[:, scalar])
        for index, padding, slots in groups:
            logits = self._logits(raw, index, padding)
            if gumbel_tau is not None:
                gumbels = -torch.empty_like(logits).exponential_().log()
                logits = (logits + gumbels) / gumbel_tau
            out[:, slots] = torch.softmax(logits, dim=2)[:, ~padding]
        return out

    def one_hot_samples(self, raw: torch.Tensor) -> torch.Tensor:
        """Draw each one-hot stretch from the softmax of its logits (scalars pass through tanh)."""
        scalar, groups, _ = self.on(raw.device)
        out = raw.new_zeros((raw.shape[0], self.width))
        out[:, scalar] = torch.tanh(raw[:, scalar])
        for index, padding, _ in groups:
            probabilities = torch.softmax(self._logits(raw, index, padding), dim=2)
            choice = torch.multinomial(probabilities.flatten(0, 1), 1).reshape(probabilities.shape[:2])
            out.scatter_(1, index.gather(1, choice.T).T, 1.0)
        return out

    def cross_entropy(self, raw: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Summed cross-entropy of every one-hot stretch of the logits ``raw`` against ``x``, which holds
        exactly one 1 in each stretch of each row: the stretches' log-sum-exps less the chosen logits.

        The log-sum-exps are taken on the transpose, down the rows (``(stretches, width, n)``): a CPU
        reduces along the long axis several times faster than over each row's few slots."""
        _, groups, hot_mask = self.on(raw.device)
        total, raw_t = -(raw * x * hot_mask).sum(), raw.t()
        for index, padding, _ in groups:
            logits = raw_t[index].masked_fill(padding[:, :, None], float("-inf"))
            total = total + torch.logsumexp(logits, dim=1).sum()
        return total


def activate(raw: torch.Tensor, spans: Sequence[Span], gumbel_tau: float | None = None) -> torch.Tensor:
    """tanh on scalar slots; softmax (or Gumbel-softmax with ``gumbel_tau``) on one-hot stretches.

    The Gumbel noise of every slot is drawn at once, as ``-log(-log(U))`` with ``U`` uniform on [0, 1)
    (``F.gumbel_softmax``'s distribution; torch's ``exponential_`` costs three times as much on a CPU).
    ``U = 0`` gives a logit of -inf: that slot's probability is 0, never a NaN."""
    logits = raw
    if gumbel_tau is not None:
        logits = (raw - torch.rand_like(raw).log_().neg_().log_()) / gumbel_tau
    # Worked on the transpose: a softmax over a few-slot stretch of each of n rows is many times faster on a
    # CPU as a softmax down the n columns of a few rows (one vectorised pass each) than along each short row.
    raw_t, logits_t = raw.t(), logits.t()
    parts = []
    for span in spans:
        if span.activation == "tanh":
            parts.append(torch.tanh(raw_t[span.start : span.stop]))
        else:
            parts.append(torch.softmax(logits_t[span.start : span.stop], dim=0))
    return torch.cat(parts, dim=0).t()


def one_hot_samples(raw: torch.Tensor, spans: Sequence[Span]) -> torch.Tensor:
    """Draw each one-hot stretch from the softmax of its logits (scalars pass through tanh)."""
    parts = []
    for span in spans:
        x = raw[:, span.start : span.stop]
        if span.activation == "tanh":
            parts.append(torch.tanh(x))
        else:
            choice = torch.multinomial(torch.softmax(x, dim=1), 1).squeeze(1)
            parts.append(F.one_hot(choice, span.width).to(raw.dtype))
    return torch.cat(parts, dim=1)


# --- GAN (CTGAN's architecture) ---


def autocast_to(dtype: torch.dtype | None, device: torch.device) -> contextlib.AbstractContextManager:
    """Matrix products inside the block in ``dtype`` (mixed precision); None or float32: unchanged."""
    if dtype is None or dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


class _Residual(nn.Module):
    def __init__(self, i: int, o: int):
        super().__init__()
        self.fc = nn.Linear(i, o)
        self.bn = nn.BatchNorm1d(o)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([F.relu(self.bn(self.fc(x))), x], dim=1)


class ResidualGenerator(nn.Module):
    """Noise + conditional vector -> raw outputs in the mode-specific layout (residual MLP).

    ``compute_dtype`` (not saved; None: float32) is the dtype of its matrix products; the output is float32
    whatever it is."""

    def __init__(self, noise_dim: int, cond_dim: int, hidden: Sequence[int], data_dim: int):
        super().__init__()
        self.compute_dtype: torch.dtype | None = None
        layers, width = [], noise_dim + cond_dim
        for h in hidden:
            layers.append(_Residual(width, h))
            width += h
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(width, data_dim)

    def forward(self, noise: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        with autocast_to(self.compute_dtype, noise.device):
            raw = self.out(self.body(torch.cat([noise, cond], dim=1)))
        return raw.float()


class _Dropout(nn.Module):
    """Dropout with the mask drawn as uniforms compared to ``p``: the same distribution as ``nn.Dropout``,
    about three times faster on a CPU (torch's Bernoulli draw is the slow part). No state, so models saved
    with ``nn.Dropout`` in its place load unchanged."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        # out of place: torch.func.vmap (per-sample gradients under DP) has no batching rule for ``ge_``
        return x * (torch.rand_like(x) >= self.p).to(x.dtype) * (1.0 / (1.0 - self.p))


class PackedDiscriminator(nn.Module):
    """Critic over packs of ``pac`` rows at once (PacGAN), which discourages mode collapse.

    ``compute_dtype`` as :class:`ResidualGenerator`'s: the scores are float32 whatever it is."""

    def __init__(self, input_dim: int, hidden: Sequence[int], pac: int):
        super().__init__()
        self.pac = pac
        self.compute_dtype: torch.dtype | None = None
        layers, width = [], input_dim * pac
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2), _Dropout(0.5)]
            width = h
        layers.append(nn.Linear(width, 1))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with autocast_to(self.compute_dtype, x.device):
            scores = self.body(x.reshape(-1, x.shape[1] * self.pac))
        return scores.float()

    def gradient_penalty(self, real: torch.Tensor, fake: torch.Tensor, weight: float = 10.0) -> torch.Tensor:
        """WGAN-GP: the critic's gradient norm kept near 1 between real and fake packs."""
        alpha = torch.rand(real.shape[0] // self.pac, 1, 1, device=real.device)
        alpha = alpha.repeat(1, self.pac, real.shape[1]).reshape(-1, real.shape[1])
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        (gradients,) = torch.autograd.grad(self(mixed).sum(), mixed, create_graph=True)
        norms = gradients.reshape(-1, self.pac * real.shape[1]).norm(2, dim=1)
        return weight * ((norms - 1) ** 2).mean()


# --- VAE (TVAE's architecture, conditioned) ---


def _mlp(input_dim: int, hidden: Sequence[int]) -> tuple[nn.Sequential, int]:
    layers, width = [], input_dim
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return nn.Sequential(*layers), width


class VaeEncoder(nn.Module):
    def __init__(self, data_dim: int, cond_dim: int, hidden: Sequence[int], latent_dim: int):
        super().__init__()
        self.body, width = _mlp(data_dim + cond_dim, hidden)
        self.mean = nn.Linear(width, latent_dim)
        self.log_var = nn.Linear(width, latent_dim)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(torch.cat([x, cond], dim=1))
        return self.mean(h), self.log_var(h)


class VaeDecoder(nn.Module):
    """Latent + conditional vector -> raw outputs; ``log_sigma`` is the learned noise of scalar slots."""

    def __init__(self, latent_dim: int, cond_dim: int, hidden: Sequence[int], data_dim: int):
        super().__init__()
        self.body, width = _mlp(latent_dim + cond_dim, list(reversed(hidden)))
        self.out = nn.Linear(width, data_dim)
        self.log_sigma = nn.Parameter(torch.full((data_dim,), -2.3))  # sigma 0.1 to start

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(torch.cat([z, cond], dim=1)))


# --- autoregressive transformer over per-column tokens ---


class KeyValueCache:
    """One block's keys and values of the positions decoded so far, for ``(n, heads, positions, head_dim)``
    buffers allocated on the first step for the whole row: each step writes its position in place and
    attends to a view of the filled part, so no step copies the earlier ones (concatenating a growing
    cache made decoding a row quadratic in its length)."""

    def __init__(self, positions: int):
        self.positions = positions
        self.filled = 0
        self.keys: torch.Tensor | None = None
        self.values: torch.Tensor | None = None

    def append(self, keys: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store the new positions' ``keys`` and ``values`` ``(n, heads, t, head_dim)``; all so far come back."""
        if self.keys is None:
            n, heads, _, head_dim = keys.shape
            self.keys = keys.new_empty((n, heads, self.positions, head_dim))
            self.values = values.new_empty((n, heads, self.positions, head_dim))
        stop = self.filled + keys.shape[2]
        if stop > self.positions:
            raise ValueError(f"key/value cache is full: it holds {self.positions} positions")
        self.keys[:, :, self.filled : stop] = keys
        self.values[:, :, self.filled : stop] = values
        self.filled = stop
        return self.keys[:, :, :stop], self.values[:, :, :stop]


class _Block(nn.Module):
    """A pre-norm transformer block whose attention can reuse cached keys and values (fast sampling)."""

    def __init__(self, d_model: int, heads: int, ff_multiplier: int = 4):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        width = ff_multiplier * d_model
        self.ff = nn.Sequential(nn.Linear(d_model, width), nn.GELU(), nn.Linear(width, d_model))

    def forward(self, x: torch.Tensor, cache: KeyValueCache | None = None) -> torch.Tensor:
        n, t, d = x.shape
        q, k, v = (
            z.reshape(n, t, self.heads, d // self.heads).transpose(1, 2) for z in self.qkv(self.norm1(x)).split(d, -1)
        )
        if cache is not None:  # generation: the new position attends to all earlier ones
            k, v = cache.append(k, v)
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=cache is None and t > 1)
        x = x + self.proj(attended.transpose(1, 2).reshape(n, t, d))
        return x + self.ff(self.norm2(x))


def _bucket_width(vocabulary: int, least: int = 16) -> int:
    """Padded width of an output head: the next power of two, at least ``least``."""
    return max(least, 1 << (max(vocabulary, 1) - 1).bit_length())


class BucketedHeads(nn.Module):
    """One output head per token position, evaluated a bucket at a time.

    Positions whose vocabularies pad to the same power of two share one batched
    matrix product (``einsum``) and one cross-entropy, instead of a Linear and a
    loss per column: on a CPU the per-column calls, not the arithmetic, were most
    of a training step. Padding logits are masked out, so each position is still
    its own softmax over its own vocabulary; a large vocabulary (a high-cardinality
    category) lands in a bucket of its own and pads nothing else.
    """

    def __init__(self, d_model: int, vocab_sizes: Sequence[int]):
        super().__init__()
        self.vocab_sizes = [max(int(v), 1) for v in vocab_sizes]
        widths = sorted({_bucket_width(v) for v in self.vocab_sizes})
        self.buckets = [[j for j, v in enumerate(self.vocab_sizes) if _bucket_width(v) == w] for w in widths]
        # position j -> (bucket, row inside the bucket)
        self.where = {j: (b, i) for b, members in enumerate(self.buckets) for i, j in enumerate(members)}
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for b, (width, members) in enumerate(zip(widths, self.buckets)):
            weight = torch.empty(len(members), width, d_model)
            for i in range(len(members)):  # nn.Linear's initialisation, per position
                nn.init.kaiming_uniform_(weight[i], a=5**0.5)
            bound = 1 / d_model**0.5
            self.weights.append(nn.Parameter(weight))
            self.biases.append(nn.Parameter(torch.empty(len(members), width).uniform_(-bound, bound)))
            # index buffers are made on the CPU whatever the default device (``.to(device)`` moves them): on
            # torch's meta device (load_generator's size check) comparisons import torch's compiler, seconds
            cpu = torch.device("cpu")
            sizes = torch.tensor([self.vocab_sizes[j] for j in members], device=cpu)
            valid = torch.arange(width, device=cpu)[None, :] < sizes[:, None]
            self.register_buffer(f"padding_{b}", ~valid, persistent=False)
            self.register_buffer(f"members_{b}", torch.tensor(members, device=cpu), persistent=False)

    def _bucket_logits(self, h: torch.Tensor, b: int) -> torch.Tensor:
        """Logits ``(n, members, width)`` of bucket ``b`` from hidden states ``(n, members, d)``."""
        logits = torch.einsum("nkd,kwd->nkw", h, self.weights[b]) + self.biases[b]
        return logits.masked_fill(getattr(self, f"padding_{b}"), float("-inf"))

    def loss(self, h: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Mean over positions of each position's mean cross-entropy (all positions have ``n`` rows)."""
        total = h.new_zeros(())
        for b in range(len(self.buckets)):
            members = getattr(self, f"members_{b}")
            logits = self._bucket_logits(h[:, members], b)
            total = total + F.cross_entropy(logits.flatten(0, 1), tokens[:, members].flatten(), reduction="sum")
        return total / tokens.numel()

    def logits(self, h: torch.Tensor, j: int) -> torch.Tensor:
        """Logits ``(n, vocabulary)`` of position ``j`` from hidden states ``(n, d)``."""
        b, i = self.where[j]
        return (h @ self.weights[b][i].T + self.biases[b][i])[:, : self.vocab_sizes[j]]

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ):
        # Models saved before the heads were bucketed hold one Linear per position ("<prefix><j>.weight").
        if f"{prefix}0.weight" in state_dict:
            for b, members in enumerate(self.buckets):
                weight, bias = self.weights[b].detach().clone().zero_(), self.biases[b].detach().clone().zero_()
                for i, j in enumerate(members):
                    old_weight, old_bias = state_dict.pop(f"{prefix}{j}.weight"), state_dict.pop(f"{prefix}{j}.bias")
                    weight[i, : old_weight.shape[0]], bias[i, : old_bias.shape[0]] = old_weight, old_bias
                state_dict[f"{prefix}weights.{b}"], state_dict[f"{prefix}biases.{b}"] = weight, bias
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )


class TabularTransformer(nn.Module):
    """A causal transformer with one position per token: position ``j`` predicts token ``j``.

    The input at position 0 is a start token, at position ``j`` the token ``j - 1``.
    Token embeddings share one table, each token's vocabulary at its own offset;
    each token has its own output head.
    """

    def __init__(
        self,
        vocab_sizes: Sequence[int],
        d_model: int,
        layers: int,
        heads: int,
        dropout: float,
        token_dropout: float = 0.0,
        ff_multiplier: int = 4,
        ordinals: Sequence[int] | None = None,
    ):
        super().__init__()
        self.vocab_sizes = list(vocab_sizes)
        self.token_dropout = token_dropout
        starts = list(itertools.accumulate([1, *self.vocab_sizes[:-1]]))  # index 0: the start token
        self.register_buffer("offsets", torch.tensor(starts), persistent=False)
        self.mask_id = sum(self.vocab_sizes) + 1  # stands in for dropped tokens
        self.tokens = nn.Embedding(sum(self.vocab_sizes) + 2, d_model)
        # Ordered tokens (a number's quantile bins) also carry their rank, in [-1, 1], along a learned
        # direction per position: neighbouring bins start out alike and thresholds and sums across
        # columns are one linear step away, which a bag of unrelated embeddings must learn bin by bin.
        cpu = torch.device("cpu")  # as the heads' buffers (see BucketedHeads)
        ranks = torch.zeros(sum(self.vocab_sizes) + 2, device=cpu)
        for j, levels in enumerate(ordinals or [0] * len(self.vocab_sizes)):
            if levels > 1:
                ranks[starts[j] : starts[j] + levels] = torch.linspace(-1.0, 1.0, levels, device=cpu)
        self.register_buffer("ranks", ranks, persistent=False)
        self.rank_directions = nn.Parameter(torch.zeros(len(self.vocab_sizes), d_model))
        self.positions = nn.Parameter(torch.zeros(len(self.vocab_sizes), d_model))
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(_Block(d_model, heads, ff_multiplier) for _ in range(layers))
        self.norm = nn.LayerNorm(d_model)
        self.heads = BucketedHeads(d_model, self.vocab_sizes)
        # GPT-style: token and position embeddings on the same small scale, so attention can find columns
        nn.init.normal_(self.positions, std=0.02)
        nn.init.normal_(self.tokens.weight, std=0.02)
        nn.init.normal_(self.rank_directions, std=0.02)

    @property
    def columns(self) -> int:
        return len(self.vocab_sizes)

    def hidden(self, tokens: torch.Tensor) -> torch.Tensor:
        """Hidden states for positions ``0 .. k`` given the first ``k`` tokens ``(n, k)``."""
        n, k = tokens.shape
        start = torch.zeros((n, 1), dtype=torch.long, device=tokens.device)
        ids = torch.cat([start, tokens + self.offsets[:k]], dim=1)
        if self.training and self.token_dropout > 0:
            # Token dropout: hide random earlier columns from each row's context. A row's exact
            # combination of values then cannot serve as a key to memorise it, while the
            # dependencies between columns still carry over (a regulariser, and a privacy one).
            hidden = torch.rand(ids.shape, device=ids.device) < self.token_dropout
            hidden[:, 0] = False
            ids = torch.where(hidden, torch.full_like(ids, self.mask_id), ids)
        x = self.dropout(self._embed(ids, 0, k + 1)) + self.positions[: k + 1]
        for block in self.blocks:
            x = block(x)
        return self.norm(x)

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ):
        # Models saved before ordered tokens carried their rank: zero directions embed exactly as they did.
        state_dict.setdefault(f"{prefix}rank_directions", torch.zeros_like(self.rank_directions))
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    def _embed(self, ids: torch.Tensor, first: int, stop: int) -> torch.Tensor:
        """Embeddings of input positions ``first .. stop - 1`` (position ``i`` holds token ``i - 1``)."""
        directions = torch.cat([self.rank_directions.new_zeros(1, self.rank_directions.shape[1]), self.rank_directions])
        return self.tokens(ids) + self.ranks[ids][..., None] * directions[first:stop]

    def loss(self, tokens: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood per token of full rows ``(n, columns)``."""
        return self.heads.loss(self.hidden(tokens[:, :-1]), tokens)

    def new_caches(self) -> list[KeyValueCache]:
        """Empty key/value caches, one per block, for decoding rows with :meth:`step_logits`."""
        return [KeyValueCache(self.columns) for _ in self.blocks]

    def step_logits(self, previous: torch.Tensor | None, j: int, caches: list[KeyValueCache], n: int) -> torch.Tensor:
        """Logits of token ``j`` given token ``j - 1`` (``previous``; None for ``j == 0``) and the earlier
        positions' keys and values in ``caches`` (:meth:`new_caches`; this position's are added): the
        logits :meth:`hidden` gives for the whole prefix, for one position's work."""
        if previous is None:
            ids = torch.zeros((n, 1), dtype=torch.long, device=self.offsets.device)
        else:
            ids = (previous + self.offsets[j - 1])[:, None]
        x = self._embed(ids, j, j + 1) + self.positions[j]
        for block, cache in zip(self.blocks, caches):
            x = block(x, cache)
        return self.heads.logits(self.norm(x)[:, 0], j)
