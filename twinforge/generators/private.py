"""DP-SGD for the neural generators, with Opacus.

:class:`PrivateTrainer` hands a model, its optimizer and a loader of training row indices to
``PrivacyEngine.make_private_with_epsilon``: Opacus picks the noise multiplier that spends the training
share of ε over the planned epochs, replaces the loader with Poisson sampling (each row in a step's batch
independently, with rate ``batch_size / rows``) and the optimizer with a ``DPOptimizer`` (per-sample
clipping to ``max_grad_norm``, Gaussian noise, accountant steps).

Per-sample gradients come from ``torch.func`` (``vmap`` of ``grad`` of the model's per-row loss) rather
than Opacus's layer hooks (``grad_sample_mode="no_op"``): the transformer's bucketed output heads and
learned position tables are no layers Opacus knows, and the GAN critic's real and fake rows must be
clipped together. One code path serves the three models.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

import torch
from torch import nn
from torch.func import functional_call, grad_and_value, vmap
from torch.utils.data import DataLoader, TensorDataset

from twinforge.privacy.dp import DPSettings, PrivacySpent


class RowLoss(nn.Module):
    """``forward(*batch)`` is the mean loss of the batch's rows; ``nets`` are the trained networks."""

    def __init__(self, loss: Callable[..., torch.Tensor], **nets: nn.Module):
        super().__init__()
        self.nets = nn.ModuleDict(nets)
        self._loss = loss

    def forward(self, *batch: torch.Tensor) -> torch.Tensor:
        return self._loss(*batch)


class PrivateTrainer:
    """Poisson-sampled batches of row indices and private steps for one :class:`RowLoss` model."""

    def __init__(
        self,
        model: RowLoss,
        optimizer: torch.optim.Optimizer,
        rows: int,
        batch_size: int,
        epochs: int,
        settings: DPSettings,
        delta: float,
        seed: int,
    ):
        from opacus import PrivacyEngine

        self.settings, self.delta, self.model = settings, delta, model
        device = next(model.parameters()).device  # the noise is drawn where the gradients are
        self.batch_size = max(1, min(batch_size, rows))
        loader = DataLoader(
            TensorDataset(torch.arange(rows)),
            batch_size=self.batch_size,
            generator=torch.Generator().manual_seed(seed),
        )
        with warnings.catch_warnings():  # Opacus warns about secure RNG (not needed for a reproducible fit)
            warnings.simplefilter("ignore")
            self.engine = PrivacyEngine(accountant=settings.accountant)
            _, self.optimizer, self.loader = self.engine.make_private_with_epsilon(
                module=model,
                optimizer=optimizer,
                data_loader=loader,
                target_epsilon=settings.training_epsilon,
                target_delta=delta,
                epochs=epochs,
                max_grad_norm=settings.max_grad_norm,
                grad_sample_mode="no_op",
                poisson_sampling=True,
                noise_generator=torch.Generator(device=device).manual_seed(seed + 1),
            )
        self.params = {name: p for name, p in model.named_parameters() if p.requires_grad}
        self._buffers = dict(model.named_buffers())

    def _one_row_loss(self, params: dict[str, torch.Tensor], *row: torch.Tensor) -> torch.Tensor:
        batch = tuple(x.unsqueeze(0) for x in row)
        return functional_call(self.model, ({**params, **self._buffers}), batch)

    def batches(self) -> Iterator[torch.Tensor]:
        """One epoch of Poisson-sampled row-index batches (a batch may be empty)."""
        for (rows,) in self.loader:
            yield rows

    def step(self, *batch: torch.Tensor) -> float:
        """One private step on a batch whose tensors share their first (row) dimension; the mean loss."""
        self.optimizer.zero_grad(set_to_none=True)
        rows = len(batch[0])
        params = {name: p.detach() for name, p in self.params.items()}
        if rows:
            per_sample = vmap(
                grad_and_value(self._one_row_loss), in_dims=(None, *([0] * len(batch))), randomness="different"
            )
            grads, losses = per_sample(params, *batch)
            for name, p in self.params.items():
                p.grad_sample = grads[name]
            loss = float(losses.mean())
        else:  # an empty Poisson batch still takes a (pure noise) step: the accountant counts it
            for p in self.params.values():
                p.grad_sample = torch.zeros((0, *p.shape), device=p.device)
            loss = float("nan")
        self.optimizer.step()
        return loss

    def spent(
        self,
        statistics_epsilon: float,
        statistics_delta: float,
        declared: list[str],
        null_columns: list[str] = (),
        warnings: list[str] = (),
    ) -> PrivacySpent:
        return PrivacySpent(
            epsilon_budget=self.settings.epsilon,
            delta=self.delta + statistics_delta,
            statistics_epsilon=statistics_epsilon,
            statistics_delta=statistics_delta,
            training_epsilon=float(self.engine.get_epsilon(self.delta)) if self.steps else 0.0,
            training_delta=self.delta,
            accountant=self.settings.accountant,
            noise_multiplier=float(self.optimizer.noise_multiplier),
            sample_rate=float(self.loader.sample_rate),
            steps=self.steps,
            max_grad_norm=self.settings.max_grad_norm,
            declared_columns=declared,
            null_columns=list(null_columns),
            warnings=list(warnings),
        )

    @property
    def steps(self) -> int:
        return sum(steps for _, _, steps in self.engine.accountant.history)
