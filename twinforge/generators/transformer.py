"""Autoregressive transformer ("GPT for tables"): the flagship generator.

Each row is a sequence of tokens, one position per column
(``TableEncoder.to_tokens``): numbers and datetimes discretised into ``bins``
quantile bins, categories and booleans as their level, null as a token of its
own; with ``fine_bins`` a number gets a second token, its sub-bin inside the
coarse bin (digit-like: two small classification problems instead of one
large one, which generalises far better on small tables); a number's tokens
also carry their rank into the network, so neighbouring bins start out alike.
A causal transformer (:class:`TabularTransformer`) learns
``p(column_j | columns before j)``; sampling draws column after column, and a
bin becomes a value drawn from the training distribution inside that bin, so
every marginal is kept to within a bin and nothing is copied verbatim.

Column order: ``condition_columns`` first (the columns users will condition or
rebalance on), then the others in table order, then ``last_columns`` (a
downstream model's target: generated from all the other columns, so the model
learns ``p(target | features)`` directly, which is what train-on-synthetic
utility measures). A last column is drawn from LightGBM's gradient-boosted trees on the earlier
columns' bins (:class:`~twinforge.generators.last_columns.LastColumnModel`, fitted after the
transformer and saved in LightGBM's text format; ``last_column_booster=False`` leaves it to the
transformer's own heads). Conditions on a
leading stretch of that order are native:
their tokens are fixed and the rest is drawn from the model's conditional
distribution; conditions on later columns go through the base class's bounded
rejection.

Training minimises the mean per-column negative log-likelihood and stops early
on the held-out validation loss, keeping the best weights; that is also what
keeps the model from memorising rows. The weights validated, kept and sampled
from are an exponential moving average of the trained ones (``ema_decay`` per
step; 0 turns it off): on small tables it scored higher SDMetrics quality than
the raw weights at the same privacy, for no extra training time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl
import torch

from twinforge.encoders.categorical import DEFAULT_RARE_MIN_COUNT
from twinforge.generators.last_columns import LastColumnModel, NumberInput
from twinforge.generators.nets import TabularTransformer
from twinforge.generators.torch_base import EarlyStopping, TorchGenerator, seeded

# Rows pushed through the network at once when sampling. On a CPU a small batch keeps its key/value caches in
# the core's cache: 1,024 rows gave 1.5x the rows/s of 8,192 at 20 and 40 columns (benchmarks/results/
# sampling_speed); a GPU wants large batches.
CPU_GENERATION_BATCH_ROWS = 1024
GPU_GENERATION_BATCH_ROWS = 8192
WARMUP_STEPS = 100
# state_dict keys of the torch trees an older twinforge drew the last columns from
OLD_LAST_COLUMN_PREFIX = "last_column_boosters."
# the last columns' models, by generation position: their seen classes in the state_dict under this
# prefix, their trees (LightGBM's text format) in text_state under this name
LAST_COLUMN_CLASSES = "last_column_classes."
LAST_COLUMN_TEXT = "last_column_"


class TransformerGenerator(TorchGenerator):
    name = "transformer"
    default_epochs = 200
    default_batch_size = 256
    default_learning_rate = 1e-3
    # the validation loss bottoms out within about ten epochs on tables of a few thousand rows; on the
    # development tables no fit found a better epoch after three without one (patience 5 and 15 kept
    # the same best epoch), so waiting longer only costs time
    default_patience = 3
    # an epoch must lower the validation loss by 0.2% to count as progress (the lowest loss's weights are kept
    # all the same): on the large development table gss_wages (50k rows) that stopped at epoch 16 instead of 35
    # for 0.003 less SDMetrics quality and the same utility, and on the small development tables a few epochs
    # sooner with about the same scores (benchmarks/results/large_tables/stopping_rule.md)
    default_min_delta = 2e-3
    # a table of more than 20,000 training rows is trained in epochs of 20,000 rows drawn afresh: early stopping
    # then judges progress per 20,000 rows, which on gss_wages (45,000 training rows) stopped after 460,000 rows
    # instead of 720,000 for 0.001 less SDMetrics quality (benchmarks/results/large_tables/stopping_rule.md)
    default_epoch_rows = 20_000

    def __init__(
        self,
        seed: int = 0,
        rare_min_count: int = DEFAULT_RARE_MIN_COUNT,
        epochs: int | None = None,
        batch_size: int | None = None,
        learning_rate: float | None = None,
        device: str = "auto",
        validation_fraction: float = 0.1,
        patience: int | None = None,
        bins: int = 20,
        fine_bins: int = 10,
        d_model: int = 64,
        layers: int = 2,
        heads: int = 4,
        ff_multiplier: int = 4,
        dropout: float = 0.1,
        token_dropout: float = 0.1,
        weight_decay: float = 0.01,
        lr_patience: int = 1,
        ema_decay: float = 0.95,
        condition_columns: Sequence[str] = (),
        last_columns: Sequence[str] = (),
        last_column_booster: bool = True,
        dp: Mapping[str, Any] | None = None,
        max_fit_seconds: float | None = None,
        epoch_rows: int | None = None,
        min_delta: float | None = None,
    ):
        super().__init__(
            seed,
            rare_min_count,
            epochs,
            batch_size,
            learning_rate,
            device,
            validation_fraction,
            patience,
            dp,
            max_fit_seconds=max_fit_seconds,
            epoch_rows=epoch_rows,
        )
        self.bins, self.fine_bins = int(bins), int(fine_bins)
        self.d_model, self.layers, self.heads = int(d_model), int(layers), int(heads)
        self.ff_multiplier = int(ff_multiplier)
        self.dropout, self.token_dropout, self.weight_decay = float(dropout), float(token_dropout), float(weight_decay)
        self.lr_patience = int(lr_patience)
        self.min_delta = float(min_delta) if min_delta is not None else self.default_min_delta
        if not 0.0 <= self.min_delta < 1.0:
            raise ValueError(f"transformer: min_delta must be in [0, 1), got {self.min_delta}")
        self.ema_decay = float(ema_decay)
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"transformer: ema_decay must be in [0, 1), got {self.ema_decay}")
        self.condition_columns = _names(condition_columns)
        self.last_columns = _names(last_columns)
        self.last_column_booster = bool(last_column_booster)
        if self.bins < 2:
            raise ValueError(f"transformer: bins must be at least 2, got {self.bins}")
        if self.d_model % self.heads:
            raise ValueError(f"transformer: d_model ({self.d_model}) must be a multiple of heads ({self.heads})")
        self.net: TabularTransformer | None = None
        # position -> the model that draws that last column's (first) token; None: the transformer's heads
        self.last_column_boosters: dict[str, LastColumnModel] | None = None
        self._saved_classes: dict[str, list[int]] = {}

    @property
    def column_order(self) -> list[str]:
        """Generation order: condition columns first, then the rest in table order, then the last columns
        (a column in both lists is a condition column: native conditioning wins)."""
        names = self.encoder.output_columns
        for field, columns in (("condition_columns", self.condition_columns), ("last_columns", self.last_columns)):
            unknown = [c for c in columns if c not in names]
            if unknown:
                raise ValueError(f"transformer: {field} {unknown} are not modelled columns ({', '.join(names)})")
        last = [c for c in self.last_columns if c not in self.condition_columns]
        middle = [c for c in names if c not in self.condition_columns and c not in last]
        return [*self.condition_columns, *middle, *last]

    def _layout(self) -> list[tuple[str, int]]:
        return self.encoder.token_layout(self.bins, self.fine_bins)

    def _positions(self) -> np.ndarray:
        """Token columns (of ``TableEncoder.to_tokens``) in generation order."""
        layout = [name for name, _ in self._layout()]
        return np.array([j for name in self.column_order for j, owner in enumerate(layout) if owner == name])

    def _vocab(self) -> list[int]:
        """Token vocabulary size of each generation position."""
        sizes = [size for _, size in self._layout()]
        return [max(sizes[i], 1) for i in self._positions()]

    def _build(self) -> None:
        positions = self._positions()
        vocab = self._vocab()
        ordinals = self.encoder.token_ordinals(self.bins, self.fine_bins)
        self.net = TabularTransformer(
            vocab,
            self.d_model,
            self.layers,
            self.heads,
            self.dropout,
            self.token_dropout,
            self.ff_multiplier,
            ordinals=[ordinals[i] for i in positions],
        )
        boosters = {str(j): self._prefix_booster(j, vocab[j]) for j in self._last_column_positions()}
        self.last_column_boosters = boosters or None
        self._saved_classes = {}

    def _last_column_positions(self) -> list[int]:
        """Generation positions drawn by a last-column model: the first token of each last column (not a condition
        column) that has earlier columns to learn from."""
        if not self.last_column_booster or self.private:  # the trees would read real rows outside the budget
            return []
        layout = [name for name, _ in self._layout()]
        owners = [layout[i] for i in self._positions()]
        last = [c for c in self.last_columns if c not in self.condition_columns]
        return [owners.index(c) for c in last if owners.index(c) > 0]

    def _prefix_booster(self, stop: int, classes: int) -> LastColumnModel:
        """The last-column model for generation position ``stop``, on the tokens of positions ``0 .. stop - 1``."""
        layout = self._layout()
        ordinals = self.encoder.token_ordinals(self.bins, self.fine_bins)
        positions = self._positions()
        numbers, levels, j = [], [], 0
        while j < stop:
            name, size = layout[positions[j]]
            if ordinals[positions[j]] > 0:
                paired = j + 1 < stop and layout[positions[j + 1]][0] == name
                fine_bins = ordinals[positions[j + 1]] if paired else 1
                numbers.append(NumberInput(j, j + 1 if paired else -1, ordinals[positions[j]], fine_bins))
                j += 2 if paired else 1
            else:
                levels.append((j, size))
                j += 1
        return LastColumnModel(numbers, levels, classes, seed=self.seed)

    def _fit(self, df: pl.DataFrame) -> dict[str, Any]:
        rng = np.random.default_rng(self.seed)
        tokens = self.encoder.to_tokens(df, rng, self.bins, self.fine_bins)[:, self._positions()]
        device = self.device
        if self.private:
            return self._fit_private(tokens, device)
        train_rows, validation_rows = self._split_rows(len(tokens), rng)
        with seeded(self.seed, device):
            self._build()
            net = self.net.to(device)
            optimizer = torch.optim.AdamW(net.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)
            all_tokens = torch.from_numpy(tokens).to(device)
            train, validation = all_tokens[train_rows], all_tokens[validation_rows]
            shuffle = torch.Generator().manual_seed(self.seed)
            stopper = EarlyStopping(self.patience, self.min_delta, keep_lowest=True)
            steps_per_epoch = len(self._batches(len(train), torch.Generator().manual_seed(0)))
            # a short linear warm-up (at most two epochs), then a constant rate: early stopping decides the end
            warmup = max(1, min(WARMUP_STEPS, 2 * steps_per_epoch))
            scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
            # halve the rate when the validation loss stalls: finer steps before early stopping ends it
            plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=self.lr_patience)
            averaged = self._averaged(net)
            kept = averaged.module if averaged is not None else net  # the weights validated and kept
            stopped_by = "epochs"
            self._start_clock()
            for epoch in range(1, self.epochs + 1):
                net.train()
                total = 0.0
                batches = self._batches(len(train), shuffle)
                for batch in batches:
                    loss = net.loss(train[batch.to(device)])
                    optimizer.zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                    optimizer.step()
                    if scheduler.last_epoch < warmup:  # afterwards the plateau rule owns the rate
                        scheduler.step()
                    if averaged is not None:
                        averaged.update_parameters(net)
                    total += float(loss.detach()) * len(batch)
                losses = {"loss": total / sum(len(b) for b in batches)}
                if len(validation):
                    losses["validation_loss"] = self._validation_loss(validation, kept)
                self._report_epoch(epoch, self.epochs, losses)
                if len(validation) and self.lr_patience > 0 and epoch * steps_per_epoch >= warmup:
                    plateau.step(losses["validation_loss"])
                if len(validation) and stopper.update(losses["validation_loss"], epoch, kept):
                    stopped_by = "early stopping"
                    break
                if self._out_of_time():
                    stopped_by = "time budget"
                    break
            if kept is not net:  # the last average; replaced by the best one below when there was a validation
                net.load_state_dict(kept.state_dict())
            stopper.restore(net)
            last_columns = self._fit_last_column_boosters(train, validation)
        net.eval().cpu()
        summary = {
            "epochs_run": epoch,
            "best_epoch": stopper.best_epoch or epoch,
            "stopped_by": stopped_by,
            "rows_per_epoch": min(len(train), self.epoch_rows),
            "device": str(device),
        }
        return {**summary, **({"last_column_boosters": last_columns} if last_columns else {})}

    def _fit_private(self, tokens: np.ndarray, device: torch.device) -> dict[str, Any]:
        """DP-SGD on every row for ``epochs`` epochs at a constant rate (Poisson batches, per-row clipping
        in place of the batch's gradient clipping); the kept weights are the moving average."""
        from twinforge.generators.private import RowLoss

        with seeded(self.seed, device):
            self._build()
            net = self.net.to(device)
            optimizer = torch.optim.AdamW(net.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)
            all_tokens = torch.from_numpy(tokens).to(device)
            trainer = self._private_trainer(RowLoss(net.loss, net=net), optimizer, len(all_tokens))
            averaged = self._averaged(net)
            for epoch in range(1, self.epochs + 1):
                net.train()
                total, count = 0.0, 0
                for rows in trainer.batches():
                    loss = trainer.step(all_tokens[rows.to(device)])
                    if averaged is not None:
                        averaged.update_parameters(net)
                    if len(rows):
                        total, count = total + loss * len(rows), count + len(rows)
                self._report_epoch(epoch, self.epochs, {"loss": total / max(count, 1)})
            if averaged is not None:
                net.load_state_dict(averaged.module.state_dict())
        net.eval().cpu()
        return {"epochs_run": self.epochs, "device": str(device), **self._privacy_summary(trainer)}

    def _fit_last_column_boosters(self, train: torch.Tensor, validation: torch.Tensor) -> dict[str, Any] | None:
        """Fit each last column's model on the rows' earlier tokens, after the transformer: its early
        stop suits the whole row, which overfits long before a target's conditional has converged."""
        if self.last_column_boosters is None:
            return None
        fitted = {
            self._column_at(int(j)): booster.fit(
                train[:, : int(j)], train[:, int(j)], validation[:, : int(j)], validation[:, int(j)]
            )
            for j, booster in self.last_column_boosters.items()
        }
        return {"columns": list(fitted), "boosters": fitted}

    def _column_at(self, position: int) -> str:
        layout = [name for name, _ in self._layout()]
        return layout[self._positions()[position]]

    def _averaged(self, net: torch.nn.Module) -> torch.optim.swa_utils.AveragedModel | None:
        if not self.ema_decay:
            return None
        return torch.optim.swa_utils.AveragedModel(
            net, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(self.ema_decay), use_buffers=False
        )

    @torch.no_grad()
    def _validation_loss(self, validation: torch.Tensor, net: torch.nn.Module) -> float:
        net.eval()
        total = 0.0
        for batch in torch.split(validation, 4096):
            total += float(net.loss(batch)) * len(batch)
        return total / len(validation)

    def _native_prefix(self, conditions: Mapping[str, Any] | None) -> list[str]:
        """The leading columns of the order that conditions fix: their tokens can be forced."""
        prefix = []
        for name in self.column_order:
            if not conditions or name not in conditions:
                break
            prefix.append(name)
        return prefix

    @torch.no_grad()
    def _generate(
        self, n: int, seed: int, chunk_rows: int, conditions: Mapping[str, Any] | None = None
    ) -> Iterator[pl.DataFrame]:
        rng = np.random.default_rng(seed)
        device = self.device
        net = self.net.to(device).eval()
        boosters = self.last_column_boosters or {}
        prefix = self._native_prefix(conditions)
        inverse = np.argsort(self._positions())
        with seeded(seed, device):
            for start in range(0, n, chunk_rows):
                rows = min(chunk_rows, n - start)
                forced = [
                    self.encoder.column_tokens(
                        name,
                        self.encoder.condition_series(name, conditions[name], rows),
                        rng,
                        self.bins,
                        self.fine_bins,
                    )
                    for name in prefix
                ]
                forced = np.concatenate(forced, axis=1) if forced else np.empty((rows, 0), dtype=np.int64)
                parts = []
                batch_rows = CPU_GENERATION_BATCH_ROWS if device.type == "cpu" else GPU_GENERATION_BATCH_ROWS
                for first in range(0, rows, batch_rows):
                    size = min(batch_rows, rows - first)
                    tokens = torch.empty((size, len(inverse)), dtype=torch.long, device=device)
                    caches = net.new_caches()
                    for j in range(len(inverse)):
                        logits = net.step_logits(tokens[:, j - 1] if j else None, j, caches, size)
                        if str(j) in boosters:
                            logits = boosters[str(j)].logits(tokens[:, :j])
                        if j < forced.shape[1]:
                            tokens[:, j] = torch.from_numpy(forced[first : first + size, j]).to(device)
                        else:
                            tokens[:, j] = torch.multinomial(torch.softmax(logits, dim=1), 1).squeeze(1)
                    parts.append(tokens.cpu().numpy())
                decoded = self.encoder.from_tokens(np.concatenate(parts)[:, inverse], rng, self.bins, self.fine_bins)
                # a fixed number lands in a bin; give back the exact value asked for
                exact = [self.encoder.condition_series(name, conditions[name], rows) for name in prefix]
                yield decoded.with_columns(exact) if exact else decoded
        net.cpu()

    def state_dict(self) -> dict[str, torch.Tensor]:
        classes = {
            LAST_COLUMN_CLASSES + j: torch.from_numpy(model.seen.copy())
            for j, model in (self.last_column_boosters or {}).items()
        }
        return {**self.net.state_dict(), **classes}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore the transformer; the last columns' models come back with :meth:`load_text_state`
        (until then, and when saved without them, the transformer's heads draw the last columns)."""
        if any(k.startswith(OLD_LAST_COLUMN_PREFIX) for k in state):
            raise ValueError(
                "it holds the torch last-column trees of an older twinforge, which this version replaced "
                "with LightGBM; fit it again with this version"
            )
        self._build()
        self.net.load_state_dict({k: v for k, v in state.items() if not k.startswith(LAST_COLUMN_CLASSES)})
        self.net.eval()
        self._saved_classes = {
            k[len(LAST_COLUMN_CLASSES) :]: v.tolist() for k, v in state.items() if k.startswith(LAST_COLUMN_CLASSES)
        }
        self.last_column_boosters = None

    def text_state(self) -> dict[str, str]:
        """The last columns' trees in LightGBM's text format, named by generation position."""
        texts = {LAST_COLUMN_TEXT + j: model.to_text() for j, model in (self.last_column_boosters or {}).items()}
        return {name: text for name, text in texts.items() if text is not None}

    def load_text_state(self, texts: Mapping[str, str]) -> None:
        classes = self._saved_classes
        models = {str(j): model for j, model in zip(self._last_column_positions(), self._models(), strict=True)}
        if set(classes) != set(models):
            if not classes and not texts:  # saved without them (last_column_booster off): the heads draw
                self.last_column_boosters = None
                return
            raise ValueError(f"expected the last-column models {sorted(models)}, got classes for {sorted(classes)}")
        unknown = set(texts) - {LAST_COLUMN_TEXT + j for j in models}
        if unknown:
            raise ValueError(f"unexpected text models {sorted(unknown)}")
        for j, model in models.items():
            model.load(classes[j], texts.get(LAST_COLUMN_TEXT + j))
        self.last_column_boosters = models or None

    def _models(self) -> list[LastColumnModel]:
        vocab = self._vocab()
        return [self._prefix_booster(j, vocab[j]) for j in self._last_column_positions()]


def _names(columns: str | Sequence[str]) -> list[str]:
    return [str(c) for c in ([columns] if isinstance(columns, str) else columns)]
