"""The conditional vector of the GAN and the VAE, and CTGAN's training-by-sampling.

The conditional vector holds one one-hot stretch per discrete column
(categorical or boolean, null as a level), all zeros except the level of one
chosen column. In training, a column is chosen uniformly and one of its levels
with probability proportional to the log of its frequency, so rare levels are
seen often enough to be learned; then a real row with that level is picked.
For unconditional sampling the level is drawn with its training frequency
(marginals are kept); a condition such as ``result=positive`` fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from twinforge.encoders import ModeRows, Span
from twinforge.generators.nets import padded_slots


@dataclass(frozen=True)
class CondBatch:
    cond: np.ndarray  # (batch, width) float32
    span: np.ndarray  # chosen span index per row
    level: np.ndarray  # chosen level per row


class _LevelShares:
    """Each discrete column's level shares, laid out to draw a level for many rows of different columns at once:
    one uniform per row looked up in the columns' cumulative shares laid end to end (column ``s``'s on
    ``[s, s + 1]``)."""

    def __init__(self, shares: list[np.ndarray]):
        self.widest = max(len(p) for p in shares)
        cumulative = np.ones((len(shares), self.widest))
        self.last = np.empty(len(shares), dtype=np.int64)  # the last level with a share: rounding never passes it
        for s, p in enumerate(shares):
            cumulative[s, : len(p)] = np.cumsum(p)
            shared = np.flatnonzero(p > 0)
            self.last[s] = shared[-1] if shared.size else len(p) - 1
        self.cumulative = (cumulative + np.arange(len(shares))[:, None]).ravel()

    def draw(self, spans: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        found = np.searchsorted(self.cumulative, spans + rng.random(len(spans)), side="right") - spans * self.widest
        return np.minimum(found, self.last[spans])


class ConditionSampler:
    def __init__(self, spans: list[Span], shares: dict[str, np.ndarray]):
        """``spans``: the mode-specific layout; ``shares``: each discrete column's level shares (null last)."""
        self.spans = [s for s in spans if s.role == "level" and s.width > 1]
        self.offsets = np.cumsum([0, *[s.width for s in self.spans]])[:-1].astype(np.int64)
        self.width = int(sum(s.width for s in self.spans))
        self.frequency = [np.asarray(shares[s.column], dtype=np.float64) / np.sum(shares[s.column]) for s in self.spans]
        # the training rows grouped by conditional-vector slot (column span and level): the rows of slot
        # ``j`` are ``slot_rows[slot_start[j] : slot_start[j] + slot_count[j]]``
        self.slot_rows = np.zeros(0, dtype=np.int64)
        self.slot_start = np.zeros(self.width, dtype=np.int64)
        self.slot_count = np.zeros(self.width, dtype=np.int64)
        self.log_frequency: list[np.ndarray] = []
        self._sampling_shares = _LevelShares(self.frequency) if self.spans else None
        self._training_shares: _LevelShares | None = None
        self._index: tuple[torch.Tensor, torch.Tensor] | None = None

    @classmethod
    def from_encoder(cls, encoder) -> ConditionSampler:
        shares = {c.column.name: c.discrete_shares() for c in encoder.columns if not c.is_continuous}
        return cls(encoder.mode_spans(), shares)

    def attach_rows(self, data: ModeRows) -> ConditionSampler:
        """Index the encoded training rows by level, for :meth:`for_training`."""
        self.log_frequency, rows_by_slot, counts_by_slot = [], [], []
        for span in self.spans:
            level = data.hot_of(span)
            counts = np.bincount(level, minlength=span.width).astype(np.float64)
            rows_by_slot.append(np.argsort(level, kind="stable"))
            counts_by_slot.append(counts.astype(np.int64))
            log_counts = np.where(counts > 0, np.log(counts + 1), 0.0)
            self.log_frequency.append(log_counts / log_counts.sum())
        if self.enabled:
            self._training_shares = _LevelShares(self.log_frequency)
            self.slot_rows = np.concatenate(rows_by_slot)
            self.slot_count = np.concatenate(counts_by_slot)
            self.slot_start = np.concatenate([[0], np.cumsum(self.slot_count)[:-1]])
        return self

    @property
    def enabled(self) -> bool:
        return self.width > 0

    def span_index(self, column: str) -> int | None:
        for i, span in enumerate(self.spans):
            if span.column == column:
                return i
        return None

    def for_training(self, batch: int, rng: np.random.Generator) -> tuple[CondBatch, np.ndarray]:
        """Training-by-sampling: conditions and, for each, a real row index that meets it."""
        spans = rng.integers(0, len(self.spans), batch)
        levels = self._training_shares.draw(spans, rng)
        slots = self.offsets[spans] + levels
        # uniformly among the rows of each drawn slot (a level drawn by log-frequency has rows)
        picks = (rng.random(batch) * self.slot_count[slots]).astype(np.int64)
        return self.batch(spans, levels), self.slot_rows[self.slot_start[slots] + picks]

    def of_rows(self, data: ModeRows, rows: np.ndarray, rng: np.random.Generator) -> CondBatch:
        """For each of ``rows``, one discrete column chosen at random, with the row's own level."""
        return self.batch(*self.choose_for_rows(data, rows, rng))

    def choose_for_rows(
        self, data: ModeRows, rows: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`of_rows`' choices, ``(span index, level)`` per row, without their vectors (for many rows)."""
        if not self.enabled:  # no discrete column: an empty vector
            return np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=np.int64)
        spans = rng.integers(0, len(self.spans), len(rows))
        levels = np.empty(len(rows), dtype=np.int64)
        for s in np.unique(spans):
            where = np.flatnonzero(spans == s)
            levels[where] = data.hot_of(self.spans[s])[rows[where]]
        return spans, levels

    def original(self, batch: int, rng: np.random.Generator) -> CondBatch:
        """Conditions drawn with the training frequencies: unconditional sampling."""
        if not self.enabled:
            return self.batch(np.zeros(batch, dtype=np.int64), np.zeros(batch, dtype=np.int64))
        spans = rng.integers(0, len(self.spans), batch)
        return self.batch(spans, self._sampling_shares.draw(spans, rng))

    def condition_loss(self, raw: torch.Tensor, chosen: CondBatch) -> torch.Tensor:
        """Mean cross-entropy of the generator's logits (``raw``, the mode-specific layout) for each row's chosen
        column against its chosen level: one gather of every row's stretch, padded to the widest with -inf."""
        index, padding = self._stretch_index(raw.device)
        span = torch.from_numpy(chosen.span).to(raw.device)
        logits = raw.gather(1, index[span]).masked_fill(padding[span], float("-inf"))
        return F.cross_entropy(logits, torch.from_numpy(chosen.level).to(raw.device))

    def _stretch_index(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Per conditional column, the layout slots of its stretch (padded with its first) and the padding."""
        if self._index is None or self._index[0].device != device:
            index, padding = padded_slots(self.spans, max(s.width for s in self.spans))
            self._index = (index.to(device), padding.to(device))
        return self._index

    def fixed(self, batch: int, span: int, level: int) -> CondBatch:
        return self.batch(np.full(batch, span), np.full(batch, level))

    def batch(self, spans: np.ndarray, levels: np.ndarray) -> CondBatch:
        cond = np.zeros((len(spans), self.width), dtype=np.float32)
        if len(spans) and self.enabled:
            cond[np.arange(len(spans)), self.offsets[spans] + levels] = 1.0
        return CondBatch(cond=cond, span=spans.astype(np.int64), level=levels.astype(np.int64))

    def native(self, encoder, conditions) -> tuple[int, int] | None:
        """``(span, level)`` of the first condition on a discrete column, which the vector can express."""
        for name, canonical in (conditions or {}).items():
            span = self.span_index(name)
            if span is not None:
                return span, encoder.discrete_index(name, canonical)
        return None
