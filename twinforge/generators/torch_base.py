"""What the neural generators (gan, vae, transformer) share: device, seeding, epochs, early stopping.

* Device: ``"auto"`` (the default) trains on CUDA when torch sees a GPU, else on the
  CPU; ``"cpu"``, ``"cuda"`` or ``"cuda:1"`` force one. Saved weights are always
  CPU tensors, so a model trained on a GPU loads anywhere.
* Determinism: training and sampling run inside ``torch.random.fork_rng`` seeded
  from the generator's seed (or the sampling seed), so global torch RNG state is
  neither read nor disturbed; on the same device and build the same seed gives
  the same model and the same rows.
* Precision: ``precision`` (the ``gan``) is the dtype of the matrix products while training.
  ``"auto"`` (the default) picks bfloat16 on a CPU that multiplies it in hardware (AVX-512 BF16)
  and float32 elsewhere; weights, optimizer state and losses stay float32, and sampling runs in
  float32. Seeded fits are repeatable on the same device, build and CPU features.
* Differential privacy: ``dp`` (a mapping, see :class:`twinforge.privacy.dp.DPSettings`) fits the
  encoder on a DP proxy table and trains with DP-SGD (:mod:`.private`) for a fixed ``epochs``: no
  validation rows, no early stopping (both would read real rows outside the budget).
* Training length: ``epochs`` (a model default when None), ``batch_size``,
  ``learning_rate``; models with a meaningful validation loss hold out
  ``validation_fraction`` of the rows (at most :data:`MAX_VALIDATION_ROWS`) and stop
  after ``patience`` epochs without improvement, keeping the best weights.
* Large tables: an epoch is ``epoch_rows`` rows drawn afresh from the training rows
  (default ``default_epoch_rows``: :data:`DEFAULT_EPOCH_ROWS`, fewer for the transformer), so the steps between two validations, and the
  steps early stopping waits, do not grow with the table. ``max_fit_seconds`` ends
  training after the first epoch that finishes past it (the best weights so far are
  kept); a DP fit refuses it, as its ε is computed for its fixed epochs.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import polars as pl
import torch
from torch import nn

from twinforge.encoders import ModeRows
from twinforge.encoders.categorical import DEFAULT_RARE_MIN_COUNT
from twinforge.generators.base import Generator
from twinforge.io.schema import TableSchema
from twinforge.privacy.dp import DPSettings, StatisticsResult, dp_statistics_table

if TYPE_CHECKING:
    from twinforge.generators.private import PrivateTrainer, RowLoss


def resolve_device(device: str | None) -> torch.device:
    """``"auto"``/None: CUDA when available, else CPU; otherwise the named device, checked."""
    if device in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as error:
        raise ValueError(f"unknown device {device!r}: use 'auto', 'cpu' or 'cuda[:N]' ({error})") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but torch sees no CUDA GPU here; use 'auto' or 'cpu'")
    return resolved


PRECISIONS = ("auto", "float32", "bfloat16")


def native_bfloat16(device: torch.device) -> bool:
    """Whether ``device`` is a CPU that multiplies bfloat16 matrices in hardware (AVX-512 BF16; AMX CPUs have
    it too). Elsewhere torch emulates bfloat16 products, which is slower than float32."""
    check = getattr(torch.cpu, "_is_avx512_bf16_supported", None)  # private in torch: absent means no
    return device.type == "cpu" and check is not None and bool(check())


def checked_precision(precision: str, model: str | None = None) -> str:
    """``precision`` if it is one of :data:`PRECISIONS`, else a ValueError naming it (and ``model``)."""
    if precision not in PRECISIONS:
        where = f"{model}: " if model else ""
        raise ValueError(f"{where}unknown precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    return precision


def resolve_precision(precision: str, device: torch.device) -> torch.dtype:
    """The dtype of the matrix products while training on ``device`` (see ``PRECISIONS``).

    ``"auto"``: bfloat16 on a CPU with :func:`native_bfloat16`, where matrix products are about half of a
    step and run about twice as fast; float32 on a GPU (these networks are too small for the arithmetic to be
    what a GPU step waits on) and on other CPUs."""
    if checked_precision(precision) == "auto":
        return torch.bfloat16 if native_bfloat16(device) else torch.float32
    return getattr(torch, precision)


@contextlib.contextmanager
def seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Run the block with torch's global RNGs seeded, restoring them afterwards."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def combined_state(nets: Mapping[str, nn.Module]) -> dict[str, torch.Tensor]:
    """One flat state_dict for several networks, each key prefixed with its network's name."""
    return {f"{name}.{k}": v for name, net in nets.items() for k, v in net.state_dict().items()}


def load_combined_state(state: Mapping[str, torch.Tensor], nets: Mapping[str, nn.Module]) -> None:
    """The inverse of :func:`combined_state`; the networks are left in eval mode."""
    for name, net in nets.items():
        prefix = f"{name}."
        net.load_state_dict({k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})
        net.eval()


# Floats in one dense mode-specific matrix pushed through a GAN or VAE when sampling (128 MB): a chunk
# of a wide table (a column with thousands of levels) is generated in several passes of this size.
DENSE_PASS_FLOATS = 1 << 25


def rows_per_dense_pass(width: int) -> int:
    """Rows of a ``width``-wide dense matrix that fit :data:`DENSE_PASS_FLOATS` (at least 1024)."""
    return max(1024, DENSE_PASS_FLOATS // max(width, 1))


# A training matrix up to this many floats (16 MB) is expanded once; a larger one a batch at a time.
DENSE_MATRIX_FLOATS = 1 << 22


class ModeMatrix:
    """:class:`~twinforge.encoders.ModeRows` on a torch device: indexing with row indices gives
    those rows' dense float32 matrix. A small table is expanded once (one gather a batch); a large one
    only a batch at a time, which bounds memory."""

    def __init__(self, rows: ModeRows, device: torch.device):
        self.width = rows.width
        self.scalars = torch.from_numpy(rows.scalars).to(device)
        self.hot = torch.from_numpy(rows.hot.astype(np.int64) + rows.hot_offsets).to(device)
        self.scalar_slots = torch.from_numpy(rows.scalar_slots).to(device)
        self.dense = None
        if len(self.hot) * self.width <= DENSE_MATRIX_FLOATS:
            self.dense = self._expand(torch.arange(len(self.hot), device=device))

    def __len__(self) -> int:
        return len(self.hot)

    def __getitem__(self, rows: torch.Tensor | np.ndarray) -> torch.Tensor:
        rows = torch.as_tensor(rows, device=self.hot.device)
        return self.dense[rows] if self.dense is not None else self._expand(rows)

    def _expand(self, rows: torch.Tensor) -> torch.Tensor:
        out = torch.zeros((len(rows), self.width), device=self.hot.device)
        out[:, self.scalar_slots] = self.scalars[rows]
        return out.scatter_(1, self.hot[rows], 1.0)


# An epoch's rows on a large table: steps, not passes over every row; a table up to this size is passed
# over whole each epoch, as before.
DEFAULT_EPOCH_ROWS = 50_000
# Validation rows of a large table: enough for a stable mean loss, few enough to cost little per epoch.
MAX_VALIDATION_ROWS = 10_000


class EarlyStopping:
    """Tracks the validation loss, keeps a copy of the kept weights, says when to stop.

    Training stops after ``patience`` epochs without an improvement of at least ``min_delta`` (relative to
    the loss, for losses above 1). The weights kept are those of the last such improvement, or with
    ``keep_lowest`` those of the lowest loss seen, smaller improvements included."""

    def __init__(self, patience: int, min_delta: float = 1e-4, keep_lowest: bool = False):
        self.patience, self.min_delta, self.keep_lowest = patience, min_delta, keep_lowest
        self.best = math.inf  # the loss of the last improvement by min_delta
        self.lowest = math.inf
        self.best_epoch = 0  # the kept weights' epoch
        self.best_state: dict[str, torch.Tensor] | None = None
        self._since_best = 0

    def update(self, loss: float, epoch: int, *modules: nn.Module) -> bool:
        """Record an epoch's validation loss; True when training should stop."""
        improved = loss < self.best - self.min_delta * max(abs(self.best), 1.0) or self.best_state is None
        if improved or (self.keep_lowest and loss < self.lowest):
            self.best_epoch = epoch
            self.best_state = {str(i): copy.deepcopy(m.state_dict()) for i, m in enumerate(modules)}
        self.lowest = min(self.lowest, loss)
        if improved:
            self.best, self._since_best = loss, 0
            return False
        self._since_best += 1
        return self._since_best >= self.patience

    def restore(self, *modules: nn.Module) -> None:
        if self.best_state is not None:
            for i, m in enumerate(modules):
                m.load_state_dict(self.best_state[str(i)])


class TorchGenerator(Generator):
    """Base of the neural generators; subclasses set ``default_epochs`` etc. and the loops."""

    default_epochs: ClassVar[int] = 100
    default_batch_size: ClassVar[int] = 500
    default_learning_rate: ClassVar[float] = 1e-3
    default_patience: ClassVar[int] = 10
    default_epoch_rows: ClassVar[int] = DEFAULT_EPOCH_ROWS
    _param_attributes = {"device": "device_name"}  # ``device`` is the resolved torch.device

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
        dp: Mapping[str, Any] | None = None,
        max_fit_seconds: float | None = None,
        epoch_rows: int | None = None,
    ):
        super().__init__(seed=seed, rare_min_count=rare_min_count)
        self.dp_settings = DPSettings.from_params(dp)
        self.dp = self.dp_settings.to_params() if self.dp_settings else None
        self._dp_statistics: StatisticsResult | None = None
        self._dp_delta = 0.0
        self.epochs = int(epochs) if epochs is not None else self.default_epochs
        self.batch_size = int(batch_size) if batch_size is not None else self.default_batch_size
        self.learning_rate = float(learning_rate) if learning_rate is not None else self.default_learning_rate
        self.validation_fraction = float(validation_fraction)
        self.patience = int(patience) if patience is not None else self.default_patience
        self.device_name = str(device)
        self.max_fit_seconds = float(max_fit_seconds) if max_fit_seconds is not None else None
        self.epoch_rows = int(epoch_rows) if epoch_rows is not None else self.default_epoch_rows
        self._deadline: float | None = None
        for name, value in (
            ("epochs", self.epochs),
            ("batch_size", self.batch_size),
            ("patience", self.patience),
            ("epoch_rows", self.epoch_rows),
        ):
            if value <= 0:
                raise ValueError(f"{type(self).__name__}: {name} must be positive, got {value}")
        if self.learning_rate <= 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be positive, got {self.learning_rate}")
        if not 0.0 <= self.validation_fraction < 0.5:
            raise ValueError(
                f"{type(self).__name__}: validation_fraction must be in [0, 0.5), got {self.validation_fraction}"
            )
        if self.max_fit_seconds is not None and not self.max_fit_seconds > 0:
            raise ValueError(f"{type(self).__name__}: max_fit_seconds must be positive, got {self.max_fit_seconds}")
        if self.max_fit_seconds is not None and self.dp_settings is not None:
            raise ValueError(
                f"{type(self).__name__}: max_fit_seconds cannot be combined with dp: a private fit runs the fixed "
                "number of epochs its epsilon is computed for (set epochs instead)"
            )
        resolve_device(self.device_name)  # fail early on a bad device name

    @property
    def device(self) -> torch.device:
        return resolve_device(self.device_name)

    def _split_rows(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Training and validation row indices (no validation rows for tiny tables or fraction 0)."""
        order = rng.permutation(n)
        n_validation = min(int(round(n * self.validation_fraction)), MAX_VALIDATION_ROWS)
        if n_validation < 20 or n - n_validation < 20:
            return order, order[:0]
        return order[n_validation:], order[:n_validation]

    def _batches(self, rows: int, generator: torch.Generator) -> list[torch.Tensor]:
        """Shuffled index batches of one epoch (``epoch_rows`` of the ``rows``, fresh each epoch); a last
        batch smaller than half a batch is dropped."""
        order = torch.randperm(rows, generator=generator)[: self.epoch_rows]
        batches = list(torch.split(order, self.batch_size))
        if len(batches) > 1 and len(batches[-1]) < self.batch_size // 2:
            batches.pop()
        return batches

    def _start_clock(self) -> None:
        """Start the training loop's time budget (``max_fit_seconds``)."""
        self._deadline = None if self.max_fit_seconds is None else time.monotonic() + self.max_fit_seconds

    def _out_of_time(self) -> bool:
        """True once the time budget is spent (never without one); checked after each epoch."""
        return self._deadline is not None and time.monotonic() >= self._deadline

    # --- differential privacy ---

    @property
    def private(self) -> bool:
        return self.dp_settings is not None

    def _statistics_table(self, df: pl.DataFrame, schema: TableSchema) -> pl.DataFrame:
        if self.dp_settings is None:
            return df
        self._dp_delta = self.dp_settings.resolved_delta(df.height)
        statistics_delta = self._dp_delta * self.dp_settings.statistics_share
        self._dp_statistics = dp_statistics_table(df, schema, self.dp_settings, statistics_delta, self.seed)
        return self._dp_statistics.proxy

    def _private_trainer(self, model: RowLoss, optimizer: torch.optim.Optimizer, rows: int) -> PrivateTrainer:
        """DP-SGD over ``rows`` training rows with the training share of the budget (and what δ the
        statistics left)."""
        from twinforge.generators.private import PrivateTrainer

        delta = self._dp_delta - self._dp_statistics.delta
        return PrivateTrainer(model, optimizer, rows, self.batch_size, self.epochs, self.dp_settings, delta, self.seed)

    def _privacy_summary(self, trainer: PrivateTrainer) -> dict[str, Any]:
        """The fit summary's ``dp`` entry: the spent ε and δ, per part, how they were accounted, and the
        statistics' warnings (a column left null because no bin of its public grid survived the noise)."""
        statistics = self._dp_statistics
        spent = trainer.spent(
            statistics.epsilon,
            statistics.delta,
            statistics.declared_columns,
            statistics.null_columns,
            statistics.warnings,
        )
        return {"dp": spent.to_dict()}
