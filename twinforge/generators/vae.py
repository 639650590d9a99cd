"""Tabular VAE (TVAE-style) on the GAN's layout of scalars and one-hots, conditioned like the GAN.

Numbers and dates are normal scores by default (``continuous``; see
:mod:`twinforge.encoders.modes`). The encoder maps a row (and its conditional
vector) to a Gaussian latent, the decoder maps a latent (and the vector) back to
the layout: scalar slots with a learned noise level, one-hot stretches as logits. The loss is
TVAE's: reconstruction (Gaussian for scalars, cross-entropy for one-hots) times
``loss_factor`` plus the KL term. Training stops early on the validation loss.

The conditional vector names one discrete column's level, the row's own in
training; at sampling it is drawn with training frequencies, or fixed by a
condition on a discrete column (native conditioning).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import polars as pl
import torch
from torch import nn

from twinforge.encoders.categorical import DEFAULT_RARE_MIN_COUNT
from twinforge.encoders.modes import NORMAL_SCORES, checked_continuous
from twinforge.generators.conditioning import ConditionSampler
from twinforge.generators.nets import SpanLayout, VaeDecoder, VaeEncoder
from twinforge.generators.torch_base import (
    EarlyStopping,
    ModeMatrix,
    TorchGenerator,
    combined_state,
    load_combined_state,
    rows_per_dense_pass,
    seeded,
)

SIGMA_RANGE = (0.01, 1.0)
# validation rows expanded to the dense layout at once: bounds memory on wide, long tables
VALIDATION_CHUNK_ROWS = 4096


class VaeGenerator(TorchGenerator):
    name = "vae"
    uses_modes = True
    # Defaults (these and the network's size) tuned on the development tables (benchmarks/tune_gan_vae.py);
    # early stopping ends a fit once the validation loss no longer falls (docs/generators.md).
    default_epochs = 200
    default_batch_size = 500
    default_learning_rate = 2e-3
    default_patience = 15

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
        latent_dim: int = 64,
        hidden: list[int] | tuple[int, ...] = (128,),
        loss_factor: float = 2.0,
        dp: Mapping[str, Any] | None = None,
        max_fit_seconds: float | None = None,
        epoch_rows: int | None = None,
        continuous: str = NORMAL_SCORES,
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
        self.latent_dim = int(latent_dim)
        self.hidden = [int(h) for h in hidden]
        self.loss_factor = float(loss_factor)
        self.continuous = checked_continuous(continuous)
        self.encoder_net: VaeEncoder | None = None
        self.decoder_net: VaeDecoder | None = None
        self.conditioner: ConditionSampler | None = None

    def _build(self) -> None:
        spans = self.encoder.mode_spans()
        data_dim = spans[-1].stop
        self._layout = SpanLayout(spans)
        self.conditioner = ConditionSampler.from_encoder(self.encoder)
        self.encoder_net = VaeEncoder(data_dim, self.conditioner.width, self.hidden, self.latent_dim)
        self.decoder_net = VaeDecoder(self.latent_dim, self.conditioner.width, self.hidden, data_dim)

    def _fit(self, df: pl.DataFrame) -> dict[str, Any]:
        rng = np.random.default_rng(self.seed)
        data = self.encoder.to_mode_rows(df, rng)
        device = self.device
        if self.private:
            return self._fit_private(data, rng, device)
        train_rows, validation_rows = self._split_rows(len(data), rng)
        with seeded(self.seed, device):
            self._build()
            self.encoder_net.to(device)
            self.decoder_net.to(device)
            parameters = [*self.encoder_net.parameters(), *self.decoder_net.parameters()]
            # Adam's update in one fused kernel (as the gan's): the per-tensor loop was a tenth of a step
            optimizer = torch.optim.Adam(parameters, lr=self.learning_rate, weight_decay=1e-5, fused=True)
            x_all = ModeMatrix(data, device)
            validation_choices = self.conditioner.choose_for_rows(data, validation_rows, rng)
            shuffle = torch.Generator().manual_seed(self.seed)
            stopper = EarlyStopping(self.patience)
            stopped_by = "epochs"
            self._start_clock()
            for epoch in range(1, self.epochs + 1):
                self.encoder_net.train()
                self.decoder_net.train()
                total, count = 0.0, 0
                for batch in self._batches(len(train_rows), shuffle):
                    rows = train_rows[batch.numpy()]
                    cond = self._cond_tensor(self.conditioner.of_rows(data, rows, rng).cond, device)
                    loss = self._loss(x_all[rows], cond)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    self.decoder_net.log_sigma.data.clamp_(*np.log(SIGMA_RANGE))
                    total, count = total + float(loss.detach()) * len(rows), count + len(rows)
                losses = {"loss": total / count}
                if len(validation_rows):
                    losses["validation_loss"] = self._validation_loss(x_all, validation_rows, validation_choices)
                self._report_epoch(epoch, self.epochs, losses)
                if len(validation_rows) and stopper.update(
                    losses["validation_loss"], epoch, self.encoder_net, self.decoder_net
                ):
                    stopped_by = "early stopping"
                    break
                if self._out_of_time():
                    stopped_by = "time budget"
                    break
            stopper.restore(self.encoder_net, self.decoder_net)
        self.encoder_net.eval().cpu()
        self.decoder_net.eval().cpu()
        return {
            "epochs_run": epoch,
            "best_epoch": stopper.best_epoch or epoch,
            "stopped_by": stopped_by,
            "rows_per_epoch": min(len(train_rows), self.epoch_rows),
            "device": str(device),
        }

    def _fit_private(self, data, rng: np.random.Generator, device: torch.device) -> dict[str, Any]:
        """DP-SGD on every row for ``epochs`` epochs (Poisson batches; each row's own conditional vector)."""
        from twinforge.generators.private import RowLoss

        with seeded(self.seed, device):
            self._build()
            self.encoder_net.to(device)
            self.decoder_net.to(device)
            model = RowLoss(self._loss, encoder=self.encoder_net, decoder=self.decoder_net)
            optimizer = torch.optim.Adam(model.parameters(), lr=self.learning_rate, weight_decay=1e-5)
            trainer = self._private_trainer(model, optimizer, len(data))
            x_all = ModeMatrix(data, device)
            for epoch in range(1, self.epochs + 1):
                model.train()
                total, count = 0.0, 0
                for batch in trainer.batches():
                    rows = batch.numpy()
                    cond = self._cond_tensor(self.conditioner.of_rows(data, rows, rng).cond, device)
                    loss = trainer.step(x_all[rows], cond)
                    self.decoder_net.log_sigma.data.clamp_(*np.log(SIGMA_RANGE))
                    if len(rows):
                        total, count = total + loss * len(rows), count + len(rows)
                self._report_epoch(epoch, self.epochs, {"loss": total / max(count, 1)})
        self.encoder_net.eval().cpu()
        self.decoder_net.eval().cpu()
        return {"epochs_run": self.epochs, "device": str(device), **self._privacy_summary(trainer)}

    def _loss(self, x: torch.Tensor, cond: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        mean, log_var = self.encoder_net(x, cond)
        std = torch.exp(0.5 * log_var)
        z = mean + (torch.randn_like(std) if noise is None else noise) * std
        raw = self.decoder_net(z, cond)
        scalar = self._layout.on(x.device)[0]
        log_sigma = self.decoder_net.log_sigma[scalar]
        error = x[:, scalar] - torch.tanh(raw[:, scalar])
        reconstruction = (error**2 / (2 * torch.exp(2 * log_sigma))).sum() + log_sigma.sum() * len(x)
        reconstruction = reconstruction + self._layout.cross_entropy(raw, x)
        kl = -0.5 * torch.sum(1 + log_var - mean**2 - log_var.exp())
        return (self.loss_factor * reconstruction + kl) / len(x)

    @torch.no_grad()
    def _validation_loss(self, x_all: ModeMatrix, rows: np.ndarray, choices: tuple[np.ndarray, np.ndarray]) -> float:
        """Mean loss of the validation ``rows`` (conditions: ``choices``, span and level per row), expanded a
        chunk at a time, with the same noise every epoch (comparable losses)."""
        self.encoder_net.eval()
        self.decoder_net.eval()
        device = x_all.hot.device
        noise = torch.randn((len(rows), self.latent_dim), generator=torch.Generator().manual_seed(self.seed))
        total = 0.0
        for chunk in np.array_split(np.arange(len(rows)), max(1, -(-len(rows) // VALIDATION_CHUNK_ROWS))):
            cond = self._cond_tensor(self.conditioner.batch(choices[0][chunk], choices[1][chunk]).cond, device)
            total += float(self._loss(x_all[rows[chunk]], cond, noise[chunk].to(device))) * len(chunk)
        return total / len(rows)

    @staticmethod
    def _cond_tensor(cond: np.ndarray, device: torch.device) -> torch.Tensor:
        return torch.from_numpy(cond).to(device)

    @torch.no_grad()
    def _generate(
        self, n: int, seed: int, chunk_rows: int, conditions: Mapping[str, Any] | None = None
    ) -> Iterator[pl.DataFrame]:
        rng = np.random.default_rng(seed)
        device = self.device
        native = self.conditioner.native(self.encoder, conditions) if self.conditioner.enabled else None
        spans = self.encoder.mode_spans()
        decoder = self.decoder_net.to(device).eval()
        with seeded(seed, device):
            per_pass = rows_per_dense_pass(spans[-1].stop + self.conditioner.width)
            sigma = torch.exp(decoder.log_sigma)
            scalar = [s.start for s in spans if s.activation == "tanh"]
            for start in range(0, n, chunk_rows):
                parts = []
                for first in range(start, min(start + chunk_rows, n), per_pass):
                    rows = min(per_pass, start + chunk_rows - first, n - first)
                    batch = self.conditioner.fixed(rows, *native) if native else self.conditioner.original(rows, rng)
                    z = torch.randn((rows, self.latent_dim), device=device)
                    raw = decoder(z, self._cond_tensor(batch.cond, device))
                    x = self._layout.one_hot_samples(raw)
                    noise = torch.randn((rows, len(scalar)), device=device) * sigma[scalar]
                    x[:, scalar] = (x[:, scalar] + noise).clamp(-1, 1)
                    parts.append(self.encoder.from_modes(x.cpu().numpy(), rng))
                yield pl.concat(parts)
        decoder.cpu()

    def _nets(self) -> dict[str, nn.Module]:
        return {"encoder": self.encoder_net, "decoder": self.decoder_net}

    def state_dict(self) -> dict[str, torch.Tensor]:
        return combined_state(self._nets())

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self._build()
        load_combined_state(state, self._nets())
