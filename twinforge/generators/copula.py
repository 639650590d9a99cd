"""Gaussian copula: the baseline generator.

Each column becomes uniform through its own encoder (empirical CDF, frequency
intervals, null indicators), the uniforms become normal scores, and the model
is their correlation matrix. Sampling draws correlated normals ``z = L @ eps``
(``L`` the Cholesky factor), maps them back with ``u = Phi(z)`` and decodes.
Marginals are reproduced by construction; dependence is captured up to what a
correlation matrix of normal scores can express.

Conditions are native: the fixed columns' uniforms are drawn inside the fixed
value's stretch, and the other columns come from the Gaussian conditioned on
their normal scores.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import polars as pl
import torch
from torch import nn

from twinforge.encoders.categorical import DEFAULT_RARE_MIN_COUNT
from twinforge.generators.base import Generator

# Uniforms are kept this far from 0 and 1 so normal scores stay finite (|z| <= ~7.9).
UNIFORM_CLIP = 1e-15
# Smallest eigenvalue allowed in the correlation matrix: keeps it positive definite.
EIGENVALUE_FLOOR = 1e-6
# Pairs of columns observed together fewer times than this get correlation 0.
MIN_PAIRED_ROWS = 3


def _identity(dimension: int) -> torch.Tensor:
    # not torch.eye: made on torch's meta device (load_generator's size check) eye imports torch's compiler
    identity = torch.zeros((dimension, dimension), dtype=torch.float64)
    identity.diagonal().fill_(1.0)
    return identity


class GaussianCopula(nn.Module):
    """The learned state: a correlation matrix and its Cholesky factor, kept as buffers."""

    def __init__(self, dimension: int):
        super().__init__()
        self.register_buffer("correlation", _identity(dimension))
        self.register_buffer("cholesky", _identity(dimension))

    @property
    def dimension(self) -> int:
        return self.correlation.shape[0]

    def set_correlation(self, correlation: torch.Tensor) -> None:
        for floor in EIGENVALUE_FLOOR * 10.0 ** np.arange(6):
            repaired = nearest_correlation(correlation, float(floor))
            cholesky, info = torch.linalg.cholesky_ex(repaired)
            if int(info) == 0:
                break
            # else rounding left it not quite positive definite: floor harder
        else:
            raise ValueError("the estimated correlation matrix cannot be made positive definite")
        self.correlation.copy_(repaired)
        self.cholesky.copy_(cholesky)

    def sample_uniforms(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``(n, dimension)`` uniforms, column-major: each column contiguous, as decoding reads them.

        Normals, their mixing and their CDF in float32 (torch's float32 ``ndtr`` is vectorised: about
        6x its float64 speed on a CPU), handed to decoding as float64; float32 resolves a uniform to
        6e-8, far finer than the 1,001-point quantile grids it indexes."""
        eps = torch.from_numpy(rng.standard_normal((self.dimension, n), dtype=np.float32))  # numpy's ziggurat
        return torch.special.ndtr(self.cholesky.float() @ eps).double().numpy().T

    def sample_conditional_uniforms(
        self, fixed: dict[int, torch.Tensor], n: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Uniforms with the ``fixed`` slots given; the others drawn from the conditional Gaussian."""
        given = sorted(fixed)
        free = [i for i in range(self.dimension) if i not in fixed]
        z_given = torch.special.ndtri(
            torch.stack([fixed[i] for i in given], dim=1).clamp(UNIFORM_CLIP, 1.0 - UNIFORM_CLIP)
        )
        sigma = self.correlation
        s_ff, s_fg, s_gg = sigma[free][:, free], sigma[free][:, given], sigma[given][:, given]
        weights = torch.linalg.solve(s_gg, s_fg.T).T  # Sigma_fg Sigma_gg^-1
        covariance = nearest_covariance(s_ff - weights @ s_fg.T)
        eps = torch.from_numpy(rng.standard_normal((n, len(free))))
        z = torch.empty((n, self.dimension), dtype=torch.float64)
        z[:, given] = z_given
        if free:
            z[:, free] = z_given @ weights.T + eps @ torch.linalg.cholesky(covariance).T
        return torch.special.ndtr(z).numpy()


class GaussianCopulaGenerator(Generator):
    name = "copula"

    def __init__(self, seed: int = 0, rare_min_count: int = DEFAULT_RARE_MIN_COUNT):
        super().__init__(seed=seed, rare_min_count=rare_min_count)
        self.model: GaussianCopula | None = None

    def _fit(self, df: pl.DataFrame) -> dict[str, Any]:
        rng = np.random.default_rng(self.seed)
        # NaN where a value is null: correlations use the rows where both columns are observed.
        u = torch.from_numpy(self.encoder.to_uniform(df, rng, fill_missing=False))
        scores = torch.special.ndtri(u.clamp(UNIFORM_CLIP, 1.0 - UNIFORM_CLIP))
        correlation = pairwise_correlation(scores)
        self.model = GaussianCopula(correlation.shape[0])
        self.model.set_correlation(correlation)
        # A small value flags nearly collinear columns (the floor then changed the matrix).
        return {"min_eigenvalue_before_floor": float(torch.linalg.eigvalsh(correlation).min())}

    def _generate(
        self, n: int, seed: int, chunk_rows: int, conditions: Mapping[str, Any] | None = None
    ) -> Iterator[pl.DataFrame]:
        rng = np.random.default_rng(seed)

        def uniforms(rows: int) -> np.ndarray:
            fixed = self.encoder.condition_uniforms(conditions, rows, rng) if conditions else {}
            if fixed:
                fixed = {slot: torch.from_numpy(u) for slot, u in fixed.items()}
                return self.model.sample_conditional_uniforms(fixed, rows, rng)
            return self.model.sample_uniforms(rows, rng)

        # The next chunk's uniforms are drawn on a second thread while this one is decoded (numpy and
        # torch release the GIL); one thread draws them all, in order, so a seed gives the same rows.
        sizes = [min(chunk_rows, n - start) for start in range(0, n, chunk_rows)]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="twinforge-copula") as pool:
            drawing = pool.submit(uniforms, sizes[0]) if sizes else None
            for index in range(len(sizes)):
                u = drawing.result()
                if index + 1 < len(sizes):
                    drawing = pool.submit(uniforms, sizes[index + 1])
                yield self.encoder.from_uniform(u)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return self.model.state_dict()

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        model = GaussianCopula(len(self.encoder.uniform_columns))
        model.load_state_dict(state)
        self.model = model


def pairwise_correlation(x: torch.Tensor) -> torch.Tensor:
    """Pearson correlation of the columns of ``x``, each pair over the rows where both are not NaN."""
    observed = ~torch.isnan(x)
    both = observed.to(x.dtype)
    x0 = torch.where(observed, x, torch.zeros_like(x))
    paired_rows = both.T @ both
    sums = x0.T @ both  # [i, j]: sum of column i over rows where i and j are observed
    squares = (x0 * x0).T @ both
    products = x0.T @ x0
    safe_rows = paired_rows.clamp(min=1)
    covariance = products - sums * sums.T / safe_rows
    variance = squares - sums * sums / safe_rows
    scale = torch.sqrt(variance.clamp(min=0) * variance.T.clamp(min=0))
    estimable = (paired_rows >= MIN_PAIRED_ROWS) & (scale > 0)
    correlation = torch.where(estimable, covariance / scale.clamp(min=1e-300), torch.zeros_like(covariance))
    correlation = correlation.clamp(-1.0, 1.0)
    correlation.fill_diagonal_(1.0)
    return correlation


def nearest_correlation(matrix: torch.Tensor, floor: float = EIGENVALUE_FLOOR) -> torch.Tensor:
    """A positive definite correlation matrix close to ``matrix``: eigenvalues floored, unit diagonal."""
    if matrix.numel() == 0:
        return matrix
    symmetric = (matrix + matrix.T) / 2
    eigenvalues, eigenvectors = torch.linalg.eigh(symmetric)
    floored = eigenvectors @ torch.diag(eigenvalues.clamp(min=floor)) @ eigenvectors.T
    scale = torch.sqrt(torch.diagonal(floored))
    correlation = floored / scale[:, None] / scale[None, :]
    return (correlation + correlation.T) / 2


def nearest_covariance(matrix: torch.Tensor, floor: float = 1e-9) -> torch.Tensor:
    """``matrix`` made symmetric positive definite (eigenvalues floored): Cholesky always succeeds."""
    symmetric = (matrix + matrix.T) / 2
    eigenvalues, eigenvectors = torch.linalg.eigh(symmetric)
    return eigenvectors @ torch.diag(eigenvalues.clamp(min=floor)) @ eigenvectors.T
