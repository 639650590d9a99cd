"""Conditional tabular GAN (CTGAN-style) on the mode-specific representation.

* Continuous columns use mode-specific normalisation (``TableEncoder.to_mode_rows``; training
  rows stay compact, a batch is expanded at a time).
* A conditional vector picks one discrete column's level per row; training-by-sampling
  (:class:`ConditionSampler`) draws levels by log-frequency and pairs them with real
  rows having that level, and a cross-entropy term makes the generator honour it.
* The critic sees packs of ``pac`` rows (PacGAN) and is trained with the Wasserstein
  loss plus a gradient penalty (WGAN-GP).
* ``precision`` ("auto") trains both networks' matrix products in bfloat16 on a CPU that computes
  it natively (mixed precision: weights, optimizer and losses in float32), in float32 elsewhere and
  in a private fit; sampling is float32.
* After training, each mixture-coded number is calibrated: the generator draws
  :data:`CALIBRATION_ROWS` rows, and sampling maps a value's position among those rows'
  values to the same position in the column's training quantiles (``calibrate=False``
  turns it off). The marginal is the training one, the rows' order the generator's. So is each number's
  null share: a row is null where its null entry is above the cut that makes the training share of those
  rows null (instead of the larger of its [present, null] entries).

A GAN's losses say little about sample quality, so there is no early stopping:
it trains ``epochs`` epochs (350 by default, with networks of two 128-unit layers: see
``docs/generators.md``). Conditions on discrete columns are native (the
conditional vector); others go through the base class's bounded rejection.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import polars as pl
import torch
from torch import nn
from torch.nn import functional as F

from twinforge.encoders.categorical import DEFAULT_RARE_MIN_COUNT
from twinforge.encoders.modes import MIXTURE, checked_continuous, null_cut
from twinforge.encoders.numeric import QUANTILE_GRID_SIZE
from twinforge.generators.conditioning import ConditionSampler
from twinforge.generators.nets import PackedDiscriminator, ResidualGenerator, activate
from twinforge.generators.torch_base import (
    ModeMatrix,
    TorchGenerator,
    checked_precision,
    combined_state,
    load_combined_state,
    resolve_precision,
    rows_per_dense_pass,
    seeded,
)

GUMBEL_TAU = 0.2
# rows the trained generator draws to fit its marginal calibration (``GanGenerator._fit_calibration``)
CALIBRATION_ROWS = 50_000
# drawn this many at a time: a fit's memory stays far below a dense table of its rows, however wide the layout
CALIBRATION_PASS_ROWS = 2048
# the calibration's own random stream, apart from training's and sampling's
CALIBRATION_STREAM = 7919
CALIBRATION_KEY = "calibration.quantile_grids"
NULL_CUTS_KEY = "calibration.null_cuts"


class GanGenerator(TorchGenerator):
    name = "gan"
    uses_modes = True
    default_epochs = 350
    default_batch_size = 500
    default_learning_rate = 2e-4

    def __init__(
        self,
        seed: int = 0,
        rare_min_count: int = DEFAULT_RARE_MIN_COUNT,
        epochs: int | None = None,
        batch_size: int | None = None,
        learning_rate: float | None = None,
        device: str = "auto",
        validation_fraction: float = 0.0,
        patience: int | None = None,
        noise_dim: int = 128,
        generator_hidden: list[int] | tuple[int, ...] = (128, 128),
        discriminator_hidden: list[int] | tuple[int, ...] = (128, 128),
        pac: int = 10,
        discriminator_steps: int = 1,
        dp: Mapping[str, Any] | None = None,
        max_fit_seconds: float | None = None,
        epoch_rows: int | None = None,
        continuous: str = MIXTURE,
        calibrate: bool = True,
        precision: str = "auto",
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
        self.noise_dim = int(noise_dim)
        self.generator_hidden = [int(h) for h in generator_hidden]
        self.discriminator_hidden = [int(h) for h in discriminator_hidden]
        # private: one row per critic input, so that a row's influence is one clipped per-sample gradient
        self.pac = 1 if self.private else int(pac)
        self.discriminator_steps = int(discriminator_steps)
        self.continuous = checked_continuous(continuous)
        self.calibrate = bool(calibrate)
        self.precision = checked_precision(str(precision), self.name)
        if self.private and self.precision == "bfloat16":
            raise ValueError("gan: a private fit (dp) trains in float32: leave precision at auto or set float32")
        # mixture-coded column -> quantile grid of its values in the model's own samples (``_fit_calibration``)
        self.calibration: dict[str, np.ndarray] | None = None
        # number column with nulls -> (cut, share of the rows at the cut that are null) (``_fit_calibration``)
        self.null_cuts: dict[str, tuple[float, float]] | None = None
        if self.pac <= 0 or self.batch_size % self.pac:
            raise ValueError(f"gan: batch_size ({self.batch_size}) must be a positive multiple of pac ({self.pac})")
        self.generator_net: ResidualGenerator | None = None
        self.discriminator_net: PackedDiscriminator | None = None
        self.conditioner: ConditionSampler | None = None

    def _build(self) -> None:
        self._spans = self.encoder.mode_spans()
        data_dim = self._spans[-1].stop
        self.conditioner = ConditionSampler.from_encoder(self.encoder)
        cond_dim = self.conditioner.width
        self.generator_net = ResidualGenerator(self.noise_dim, cond_dim, self.generator_hidden, data_dim)
        self.discriminator_net = PackedDiscriminator(data_dim + cond_dim, self.discriminator_hidden, self.pac)

    def _fit(self, df: pl.DataFrame) -> dict[str, Any]:
        rng = np.random.default_rng(self.seed)
        data = self.encoder.to_mode_rows(df, rng)
        device = self.device
        summary = self._fit_private(data, rng, device) if self.private else self._fit_wgan(data, rng, device)
        self._fit_calibration(device)
        return summary

    def _fit_wgan(self, data, rng: np.random.Generator, device: torch.device) -> dict[str, Any]:
        with seeded(self.seed, device):
            self._build()
            self.conditioner.attach_rows(data)
            generator, critic = self.generator_net.to(device), self.discriminator_net.to(device)
            dtype = resolve_precision(self.precision, device)
            generator.compute_dtype = critic.compute_dtype = dtype
            # Adam's update in one fused kernel per network (the same arithmetic as the per-tensor loop)
            settings = {"lr": self.learning_rate, "betas": (0.5, 0.9), "weight_decay": 1e-6, "fused": True}
            optimizer_g = torch.optim.Adam(generator.parameters(), **settings)
            optimizer_d = torch.optim.Adam(critic.parameters(), **settings)
            x_all = ModeMatrix(data, device)
            batch = min(self.batch_size, max(self.pac, len(data) // self.pac * self.pac))
            epoch_rows = min(len(data), self.epoch_rows)
            steps = max(1, epoch_rows // batch)
            generator.train()
            critic.train()
            stopped_by = "epochs"
            self._start_clock()
            for epoch in range(1, self.epochs + 1):
                sums = {"generator_loss": 0.0, "critic_loss": 0.0}
                for _ in range(steps):
                    for k in range(self.discriminator_steps):
                        # The generator's step scores the last critic step's fake rows again, with the updated
                        # critic (DCGAN's loop): one generator pass a step, where CTGAN makes two.
                        with torch.enable_grad() if k == self.discriminator_steps - 1 else torch.no_grad():
                            cond, fake, raw, chosen, real_rows = self._fake(batch, rng, device, generator, len(data))
                            fake_in = torch.cat([fake, cond], dim=1)
                        # real rows meet the same conditions as the fake ones (training-by-sampling)
                        real = torch.cat([x_all[real_rows], cond], dim=1)
                        fake_seen = fake_in.detach()  # the critic's step never updates the generator
                        penalty = critic.gradient_penalty(real, fake_seen)
                        # one pass over real and fake packs (a batch is whole packs, so none mixes the two)
                        real_score, fake_score = critic(torch.cat([real, fake_seen])).chunk(2)
                        critic_loss = -(real_score.mean() - fake_score.mean())
                        optimizer_d.zero_grad()
                        (critic_loss + penalty).backward()
                        optimizer_d.step()
                    # the critic's weights are constants in the generator's step: no gradients computed for them
                    critic.requires_grad_(False)
                    generator_loss = -critic(fake_in).mean() + self._cond_loss(raw, chosen)
                    optimizer_g.zero_grad()
                    generator_loss.backward()
                    critic.requires_grad_(True)
                    optimizer_g.step()
                    sums["generator_loss"] += float(generator_loss.detach())
                    sums["critic_loss"] += float(critic_loss.detach())
                self._report_epoch(epoch, self.epochs, {k: v / steps for k, v in sums.items()})
                if self._out_of_time():
                    stopped_by = "time budget"
                    break
        generator.eval().cpu()
        critic.eval().cpu()
        generator.compute_dtype = critic.compute_dtype = None  # sampling (and the calibration) in float32
        summary = {"epochs_run": epoch, "stopped_by": stopped_by, "rows_per_epoch": epoch_rows, "device": str(device)}
        return summary | {"precision": str(dtype).removeprefix("torch.")}

    def _fit_private(self, data, rng: np.random.Generator, device: torch.device) -> dict[str, Any]:
        """DP-SGD on the critic, the only network that sees real rows (the generator learns from the critic
        alone: post-processing). Real rows come in Poisson batches with their own conditional vectors; each
        is paired with one fake row whose condition is drawn from the (DP) level frequencies, and the pair's
        gradient is clipped as one. The critic's loss is the standard (logistic) GAN loss: WGAN-GP's gradient
        penalty needs a second backward pass through per-sample gradients."""
        from twinforge.generators.private import RowLoss

        with seeded(self.seed, device):
            self._build()
            generator, critic = self.generator_net.to(device), self.discriminator_net.to(device)
            betas = (0.5, 0.9)
            optimizer_g = torch.optim.Adam(
                generator.parameters(), lr=self.learning_rate, betas=betas, weight_decay=1e-6
            )
            model = RowLoss(self._private_critic_loss, critic=critic)
            optimizer_d = torch.optim.Adam(critic.parameters(), lr=self.learning_rate, betas=betas, weight_decay=1e-6)
            trainer = self._private_trainer(model, optimizer_d, len(data))
            x_all = ModeMatrix(data, device)
            generator.train()
            critic.train()
            for epoch in range(1, self.epochs + 1):
                sums, steps = {"generator_loss": 0.0, "critic_loss": 0.0}, 0
                for batch in trainer.batches():
                    rows = batch.numpy()
                    real_cond = torch.from_numpy(self.conditioner.of_rows(data, rows, rng).cond).to(device)
                    with torch.no_grad():
                        fake_cond, fake, _, _ = self._private_fake(len(rows), rng, device, generator)
                    critic_loss = trainer.step(x_all[rows], real_cond, fake, fake_cond)
                    cond, fake, raw, chosen = self._private_fake(trainer.batch_size, rng, device, generator)
                    generator_loss = F.softplus(-critic(torch.cat([fake, cond], dim=1))).mean()
                    generator_loss = generator_loss + self._cond_loss(raw, chosen)
                    optimizer_g.zero_grad()
                    generator_loss.backward()
                    optimizer_g.step()
                    if len(rows):
                        sums["critic_loss"] += critic_loss
                        steps += 1
                    sums["generator_loss"] += float(generator_loss.detach())
                self._report_epoch(epoch, self.epochs, {k: v / max(steps, 1) for k, v in sums.items()})
        generator.eval().cpu()
        critic.eval().cpu()
        summary = {"epochs_run": self.epochs, "device": str(device), "precision": "float32"}
        return summary | self._privacy_summary(trainer)

    def _private_fake(self, batch: int, rng: np.random.Generator, device: torch.device, generator):
        """Fake rows whose conditions are drawn from the encoder's (DP) level frequencies, not from real rows."""
        chosen = self.conditioner.original(batch, rng)
        cond = torch.from_numpy(chosen.cond).to(device)
        raw = generator(torch.randn((batch, self.noise_dim), device=device), cond)
        fake = activate(raw, self._spans, gumbel_tau=GUMBEL_TAU)
        return cond, fake, raw, chosen if self.conditioner.enabled else None

    def _private_critic_loss(
        self, real: torch.Tensor, real_cond: torch.Tensor, fake: torch.Tensor, fake_cond: torch.Tensor
    ) -> torch.Tensor:
        critic = self.discriminator_net
        real_score = critic(torch.cat([real, real_cond], dim=1))
        fake_score = critic(torch.cat([fake, fake_cond], dim=1))
        return (F.softplus(-real_score) + F.softplus(fake_score)).mean()

    def _fake(self, batch: int, rng: np.random.Generator, device: torch.device, generator, n_rows: int):
        """Training conditions, the generator's rows for them, its raw outputs, and matching real rows."""
        if self.conditioner.enabled:
            chosen, real_rows = self.conditioner.for_training(batch, rng)
            cond = torch.from_numpy(chosen.cond).to(device)
        else:
            chosen, real_rows = None, rng.integers(0, n_rows, batch)
            cond = torch.zeros((batch, 0), device=device)
        raw = generator(torch.randn((batch, self.noise_dim), device=device), cond)
        fake = activate(raw, self._spans, gumbel_tau=GUMBEL_TAU)
        return cond, fake, raw, chosen, torch.from_numpy(real_rows).to(device)

    def _cond_loss(self, raw: torch.Tensor, chosen) -> torch.Tensor:
        """Cross-entropy of the generator's logits for the chosen column against the chosen level."""
        if chosen is None:
            return torch.zeros((), device=raw.device)
        return self.conditioner.condition_loss(raw, chosen)

    @torch.no_grad()
    def _generate(
        self, n: int, seed: int, chunk_rows: int, conditions: Mapping[str, Any] | None = None
    ) -> Iterator[pl.DataFrame]:
        rng = np.random.default_rng(seed)
        device = self.device
        native = self.conditioner.native(self.encoder, conditions) if self.conditioner.enabled else None
        generator = self.generator_net.to(device).eval()
        with seeded(seed, device):
            per_pass = self._rows_per_pass()
            for start in range(0, n, chunk_rows):
                parts = []
                for first in range(start, min(start + chunk_rows, n), per_pass):
                    rows = min(per_pass, start + chunk_rows - first, n - first)
                    fake = self._sample_matrix(rows, rng, device, generator, native)
                    parts.append(self.encoder.from_modes(fake, rng, self.calibration, self.null_cuts))
                yield pl.concat(parts)
        generator.cpu()

    def _rows_per_pass(self) -> int:
        return rows_per_dense_pass(self._spans[-1].stop + self.conditioner.width)

    def _sample_matrix(
        self, rows: int, rng: np.random.Generator, device: torch.device, generator, native
    ) -> np.ndarray:
        """The generator's activated output for ``rows`` rows, under ``native`` conditions or the training shares."""
        if self.conditioner.enabled:
            batch = self.conditioner.fixed(rows, *native) if native else self.conditioner.original(rows, rng)
            cond = torch.from_numpy(batch.cond).to(device)
        else:
            cond = torch.zeros((rows, 0), device=device)
        raw = generator(torch.randn((rows, self.noise_dim), device=device), cond)
        return activate(raw, self._spans, gumbel_tau=GUMBEL_TAU).cpu().numpy()

    @torch.no_grad()
    def _fit_calibration(self, device: torch.device) -> None:
        """Quantile grids of the mixture-coded columns' values in :data:`CALIBRATION_ROWS` of the trained
        generator's own rows. Sampling reads a value's position in its grid as a position in the column's
        training quantiles: the generator's marginals drift from the training ones (a GAN matches them only
        approximately), while its ordering of the rows, and so the columns' rank relations, is kept. The
        same rows give each number column with nulls the cut on its null entry that makes its training null
        share of them null (:func:`~twinforge.encoders.modes.null_cut`). Both come from generated rows and
        the encoder's statistics only (post-processing: a private fit spends no more ε)."""
        self.calibration = self.null_cuts = None
        slots = self.encoder.null_slots()
        if not self.calibrate or not (self.encoder.mixture_columns() or slots):
            return
        rng = np.random.default_rng([self.seed, CALIBRATION_STREAM])
        generator = self.generator_net.to(device).eval()
        per_pass = min(self._rows_per_pass(), CALIBRATION_PASS_ROWS)
        scores: dict[str, list[np.ndarray]] = {name: [] for name in slots}

        def passes() -> Iterator[np.ndarray]:
            for first in range(0, CALIBRATION_ROWS, per_pass):
                x = self._sample_matrix(min(per_pass, CALIBRATION_ROWS - first), rng, device, generator, None)
                for name, (column, _) in slots.items():
                    scores[name].append(x[:, column].copy())
                yield x

        with seeded(self.seed + CALIBRATION_STREAM, device):
            self.calibration = self.encoder.mixture_quantile_grids(passes())
        self.null_cuts = {name: null_cut(np.concatenate(scores[name]), share) for name, (_, share) in slots.items()}
        generator.cpu()

    def _nets(self) -> dict[str, nn.Module]:
        return {"generator": self.generator_net, "discriminator": self.discriminator_net}

    def state_dict(self) -> dict[str, torch.Tensor]:
        state = combined_state(self._nets())
        if self.calibration is not None:
            # one row per mixture-coded column, in the encoder's order; NaN where the model drew no value
            names = self.encoder.mixture_columns()
            grids = np.full((len(names), QUANTILE_GRID_SIZE), np.nan)
            for i, name in enumerate(names):
                if name in self.calibration:
                    grids[i] = self.calibration[name]
            state[CALIBRATION_KEY] = torch.from_numpy(grids)
        if self.null_cuts:  # one row per number column with nulls, in the encoder's order
            cuts = [self.null_cuts[name] for name in self.encoder.null_slots()]
            state[NULL_CUTS_KEY] = torch.tensor(cuts, dtype=torch.float64)
        return state

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self._build()
        state = dict(state)
        grids = state.pop(CALIBRATION_KEY, None)
        cuts = state.pop(NULL_CUTS_KEY, None)
        load_combined_state(state, self._nets())
        self.calibration = self.null_cuts = None
        if cuts is not None:
            names = list(self.encoder.null_slots())
            if cuts.shape != (len(names), 2):
                raise ValueError(
                    f"gan: null cuts of shape {tuple(cuts.shape)} do not fit the encoder's {len(names)} number "
                    "columns with nulls"
                )
            self.null_cuts = {name: (float(cut), float(at)) for name, (cut, at) in zip(names, cuts.double().tolist())}
        if grids is not None:
            names = self.encoder.mixture_columns()
            if grids.shape != (len(names), QUANTILE_GRID_SIZE):
                raise ValueError(
                    f"gan: calibration of shape {tuple(grids.shape)} does not fit the encoder's {len(names)} mixture columns"
                )
            rows = grids.double().numpy()
            self.calibration = {name: row for name, row in zip(names, rows) if not np.isnan(row).any()}
