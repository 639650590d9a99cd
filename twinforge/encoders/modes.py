"""The representation the GAN and VAE learn from: scalars in [-1, 1] and one-hot stretches.

A continuous column (numeric, datetime) is encoded one of two ways, chosen at
``TableEncoder.fit(..., modes=True, continuous=...)`` and recorded in its stats:

* :data:`MIXTURE`, mode-specific normalisation (CTGAN's): a scalar plus a one-hot
  of its Gaussian-mixture mode. A mixture is fitted to the column's values
  (:func:`analyze_modes`); each value is assigned one of its modes and becomes that
  mode's one-hot plus ``alpha = (x - mean) / (4 std)``; :func:`values_from_modes`
  inverts it.
* :data:`NORMAL_SCORES`: one scalar, ``alpha = Φ⁻¹(u) / 4``, where ``u`` is the
  value's position in the column's empirical CDF (the kind module's uniform, the
  copula's: a point mass, such as many zeros, is a stretch of ``u`` that decodes back
  to exactly its value). Strongly related columns stay nearly linearly related, which
  the networks learn more easily than relations split across mixture modes. The
  scores stop at the outer 0.01% of the CDF (:data:`NORMAL_SCORE_MARGIN`), so a
  column's very extremes are not reproduced exactly: they decode inside the range.

The kind module's ``from_values`` / ``from_uniform`` then rounds, clips and restores
the dtype. Discrete columns (categorical, boolean) become a one-hot of their level; a
null is an extra level, or a two-way one-hot [present, null] for continuous columns.

The layout is a list of :class:`Span` (:func:`mode_spans`); whole tables are
kept compactly as :class:`ModeRows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl
from scipy.special import ndtr, ndtri

from twinforge.encoders.columns import EncodedColumn, require_columns
from twinforge.encoders.numeric import QUANTILE_GRID_SIZE, values_to_uniform

# How a continuous column is laid out (see the module docstring); stats["modes"]["encoding"], absent in
# models saved before there was a choice (those are mixtures).
MIXTURE = "mixture"
NORMAL_SCORES = "normal_scores"
CONTINUOUS_ENCODINGS = (MIXTURE, NORMAL_SCORES)


def checked_continuous(continuous: str) -> str:
    """``continuous`` if it names one of :data:`CONTINUOUS_ENCODINGS`, else a ValueError listing them."""
    if continuous not in CONTINUOUS_ENCODINGS:
        raise ValueError(f"continuous must be one of {list(CONTINUOUS_ENCODINGS)}, got {continuous!r}")
    return continuous


@dataclass(frozen=True)
class Span:
    """A stretch of the mode-specific matrix: ``width`` slots from ``start`` for one column.

    ``role`` is ``"alpha"`` (a scalar in [-1, 1], tanh), ``"mode"`` (one-hot of the
    mixture mode), ``"level"`` (one-hot of a discrete level, null last when the
    column had nulls) or ``"null"`` (one-hot [present, null] of a continuous column).
    """

    column: str
    role: str
    start: int
    width: int

    @property
    def activation(self) -> str:
        return "tanh" if self.role == "alpha" else "softmax"

    @property
    def stop(self) -> int:
        return self.start + self.width


@dataclass(frozen=True)
class ModeRows:
    """Rows in the mode-specific layout, stored compactly.

    The dense matrix is mostly one-hot stretches, one as wide as a column's
    levels (up to ``max_categories``): a million rows with a 2,000-level column
    would take 8 GB. Here each scalar slot is kept as is and each one-hot
    stretch as the index of its hot slot; :meth:`dense` expands rows on demand
    (a training batch), and :meth:`hot_of` reads a stretch's indices directly.
    """

    spans: list[Span]
    scalars: np.ndarray  # (rows, alpha spans) float32
    hot: np.ndarray  # (rows, other spans) int32: index of the hot slot inside each span

    def __len__(self) -> int:
        return len(self.hot)

    @property
    def width(self) -> int:
        return self.spans[-1].stop if self.spans else 0

    @cached_property
    def scalar_slots(self) -> np.ndarray:
        return np.array([s.start for s in self.spans if s.role == "alpha"], dtype=np.int64)

    @cached_property
    def hot_offsets(self) -> np.ndarray:
        return np.array([s.start for s in self.spans if s.role != "alpha"], dtype=np.int64)

    @cached_property
    def _hot_column(self) -> dict[int, int]:
        """Start of each one-hot span -> its column in :attr:`hot`."""
        return {int(start): i for i, start in enumerate(self.hot_offsets)}

    def hot_of(self, span: Span) -> np.ndarray:
        """Index of the hot slot of one-hot ``span`` in every row."""
        if span.role == "alpha" or span.start not in self._hot_column:
            raise ValueError(f"{span} is not a one-hot stretch of these rows")
        return self.hot[:, self._hot_column[span.start]]

    def dense(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The float32 matrix of ``rows`` (all rows when None), laid out as the spans."""
        scalars, hot = (self.scalars, self.hot) if rows is None else (self.scalars[rows], self.hot[rows])
        out = np.zeros((len(hot), self.width), dtype=np.float32)
        out[:, self.scalar_slots] = scalars
        np.put_along_axis(out, hot.astype(np.int64) + self.hot_offsets, 1.0, axis=1)
        return out


def mode_spans(columns: list[EncodedColumn]) -> list[Span]:
    """Layout of the mode-specific matrix, column by column in schema order."""
    spans, start = [], 0
    for c in columns:
        if c.is_continuous:
            parts = []
            if c.has_values:
                parts += [("alpha", 1)] if _normal_scores(c) else [("alpha", 1), ("mode", len(c.modes["means"]))]
            if c.has_nulls:
                parts.append(("null", 2))
        else:
            parts = [("level", c.n_discrete())]
        for role, width in parts:
            spans.append(Span(c.name, role, start, width))
            start += width
    return spans


def to_mode_rows(columns: list[EncodedColumn], df: pl.DataFrame, rng: np.random.Generator) -> ModeRows:
    """Encode ``df`` in the layout of :func:`mode_spans`, stored compactly (:class:`ModeRows`)."""
    require_columns(columns, df)
    spans = mode_spans(columns)
    scalar_spans = [s for s in spans if s.role == "alpha"]
    hot_spans = [s for s in spans if s.role != "alpha"]
    scalars = np.zeros((df.height, len(scalar_spans)), dtype=np.float32)
    hot = np.zeros((df.height, len(hot_spans)), dtype=np.int32)
    where = {(s.column, s.role): i for i, s in enumerate(scalar_spans + hot_spans)}
    for c in columns:
        name, series = c.name, df.get_column(c.name)
        if c.is_continuous:
            values = c.module.values_of(series)
            if c.has_values and _normal_scores(c):
                scalars[:, where[name, "alpha"]] = normal_scores(c.module.to_uniform(series, c.stats, rng))
            elif c.has_values:
                alpha, mode = values_to_modes(values, c.modes, rng)
                scalars[:, where[name, "alpha"]] = alpha
                hot[:, where[name, "mode"] - len(scalar_spans)] = mode
            if c.has_nulls:
                hot[:, where[name, "null"] - len(scalar_spans)] = np.isnan(values)
        else:
            hot[:, where[name, "level"] - len(scalar_spans)] = c.level_indices(series)
    return ModeRows(spans, scalars, hot)


def from_modes(
    columns: list[EncodedColumn],
    x: np.ndarray,
    rng: np.random.Generator,
    calibration: Mapping[str, np.ndarray] | None = None,
    null_cuts: Mapping[str, tuple[float, float]] | None = None,
) -> pl.DataFrame:
    """Decode a mode-specific matrix; one-hot stretches are read by their largest entry.

    ``calibration`` maps a mixture-coded column to the quantile grid of its decoded values in the model's
    own samples (:func:`mixture_quantile_grids`): such a column's values are read as positions in that
    grid, then as values of the column's training quantiles, so its marginal is the training one while
    the order of the rows (and with it every rank relation) stays the model's. ``null_cuts`` maps a
    continuous column with nulls to the cut on its null entry above which a row is null (:func:`null_cut`)
    instead of the larger of its [present, null] entries.
    """
    x = _checked_matrix(columns, x)
    by_column = _group_spans(mode_spans(columns))
    calibration, null_cuts = calibration or {}, null_cuts or {}
    decoded = []
    for c in columns:
        parts = by_column[c.name]
        if c.is_continuous:
            values, as_uniforms = np.full(x.shape[0], np.nan), False
            if c.has_values and _normal_scores(c):
                values, as_uniforms = uniforms_of_normal_scores(x[:, parts["alpha"].start].astype(np.float64)), True
            elif c.has_values:
                values = _mixture_values(c, x, parts)
                if c.name in calibration:
                    values, as_uniforms = values_to_uniform(values, {"quantiles": calibration[c.name]}, rng), True
            if c.has_nulls:
                indicator = x[:, parts["null"].start : parts["null"].stop]
                cut = null_cuts.get(c.name)
                values[_beyond_cut(indicator[:, 1], *cut, rng) if cut else indicator.argmax(axis=1) == 1] = np.nan
            if as_uniforms:
                decoded.append(c.module.from_uniform(values, c.stats, c.column))
            else:
                decoded.append(c.module.from_values(values, c.stats, c.column))
        else:
            level = x[:, parts["level"].start : parts["level"].stop].argmax(axis=1)
            decoded.append(c.decode_levels(level, rng))
    return pl.DataFrame({s.name: s for s in decoded})  # by name: a list of series renames a column named ""


def mixture_quantile_grids(
    columns: list[EncodedColumn], matrices: Iterable[np.ndarray], size: int = QUANTILE_GRID_SIZE
) -> dict[str, np.ndarray]:
    """For each mixture-coded continuous column with values, the ``size``-point quantile grid of the values
    decoded from the rows of ``matrices`` (before rounding and clipping; nulls left out): the calibration
    :func:`from_modes` takes. Only those columns' values are kept while the matrices are read, one at a time.
    A column none of whose rows holds a value gets no grid."""
    by_column = _group_spans(mode_spans(columns))
    chosen = mixture_columns(columns)
    values: dict[str, list[np.ndarray]] = {c.name: [] for c in chosen}
    for x in matrices:
        x = _checked_matrix(columns, x)
        for c in chosen:
            parts = by_column[c.name]
            decoded = _mixture_values(c, x, parts)
            if c.has_nulls:
                decoded = decoded[x[:, parts["null"].start : parts["null"].stop].argmax(axis=1) == 0]
            values[c.name].append(decoded)
    grids = {}
    for name, pieces in values.items():
        column_values = np.concatenate(pieces) if pieces else np.empty(0)
        if column_values.size:
            grids[name] = np.quantile(column_values, np.linspace(0.0, 1.0, size))
    return grids


def null_slots(columns: list[EncodedColumn]) -> dict[str, tuple[int, float]]:
    """For each continuous column with values and nulls, in order: the matrix column of its null entry (the
    second of its [present, null] one-hot) and its training null share."""
    spans = _group_spans(mode_spans(columns))
    return {
        c.name: (spans[c.name]["null"].start + 1, float(c.stats["null_share"]))
        for c in columns
        if c.is_continuous and c.has_values and c.has_nulls
    }


def null_cut(scores: np.ndarray, share: float) -> tuple[float, float]:
    """The cut on a null entry's ``scores`` (a model's own rows) that makes ``share`` of them null: rows above
    ``cut`` are, and of the rows at it (ties: a softmax saturates) the returned fraction, drawn at random."""
    scores = np.sort(np.asarray(scores, dtype=np.float64))
    wanted = int(round(share * scores.size))
    if scores.size == 0 or wanted == 0:
        return float("inf"), 0.0
    cut = float(scores[scores.size - wanted])
    above, at = int(np.count_nonzero(scores > cut)), int(np.count_nonzero(scores == cut))
    return cut, (wanted - above) / at


def _beyond_cut(scores: np.ndarray, cut: float, at_cut: float, rng: np.random.Generator) -> np.ndarray:
    beyond = scores > cut
    tied = np.flatnonzero(scores == cut)
    if tied.size:
        beyond[tied] = rng.random(tied.size) < at_cut
    return beyond


def mixture_columns(columns: list[EncodedColumn]) -> list[EncodedColumn]:
    """The continuous columns with values laid out as a Gaussian-mixture mode plus a scalar, in order."""
    return [c for c in columns if c.is_continuous and c.has_values and not _normal_scores(c)]


def _mixture_values(c: EncodedColumn, x: np.ndarray, parts: dict[str, Span]) -> np.ndarray:
    mode = x[:, parts["mode"].start : parts["mode"].stop].argmax(axis=1)
    return values_from_modes(x[:, parts["alpha"].start].astype(np.float64), mode, c.modes)


def _checked_matrix(columns: list[EncodedColumn], x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    spans = mode_spans(columns)
    width = spans[-1].stop if spans else 0
    if x.ndim != 2 or x.shape[1] != width:
        raise ValueError(f"expected a matrix with {width} columns, got shape {x.shape}")
    return x


def _normal_scores(c: EncodedColumn) -> bool:
    return c.modes.get("encoding", MIXTURE) == NORMAL_SCORES


# --- normal scores of one continuous column ---

# Uniforms are kept this far from 0 and 1 before their normal score is taken: the extreme scores stay within
# what a tanh output reaches comfortably (|z| <= 3.7, alpha <= 0.93).
NORMAL_SCORE_MARGIN = 1e-4


def normal_scores(u: np.ndarray) -> np.ndarray:
    """``alpha = Φ⁻¹(u) / 4`` of uniforms ``u`` (a value's position in its column's CDF); NaN (a null) gives 0."""
    z = ndtri(np.clip(u, NORMAL_SCORE_MARGIN, 1.0 - NORMAL_SCORE_MARGIN)) / 4.0
    return np.where(np.isnan(u), 0.0, z)


def uniforms_of_normal_scores(alpha: np.ndarray) -> np.ndarray:
    """The uniforms :func:`normal_scores` came from (a scalar outside [-1, 1] is clipped first)."""
    return ndtr(4.0 * np.clip(alpha, -1.0, 1.0))


def _group_spans(spans: list[Span]) -> dict[str, dict[str, Span]]:
    grouped: dict[str, dict[str, Span]] = {}
    for span in spans:
        grouped.setdefault(span.column, {})[span.role] = span
    return grouped


# --- the Gaussian mixture of one continuous column ---

MAX_MODES = 10
# Modes fitted on at most this many values: the mixture's cost grows with rows, its fit hardly improves.
MODE_FIT_ROWS = 5000
# Mixture components lighter than this are dropped (the Bayesian prior empties unneeded ones).
MODE_MIN_WEIGHT = 0.005
ALPHA_CLIP = 0.99


def analyze_modes(values: np.ndarray, seed: int = 0, max_modes: int = MAX_MODES) -> dict[str, list[float]]:
    """Means, standard deviations and weights of a Gaussian mixture fitted to the finite ``values``."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"means": [0.0], "stds": [1.0], "weights": [1.0]}
    rng = np.random.default_rng(seed)
    if values.size > MODE_FIT_ROWS:
        values = rng.choice(values, MODE_FIT_ROWS, replace=False)
    spread = float(values.std())
    distinct = np.unique(values).size
    if spread == 0 or distinct < 2:
        return {"means": [float(values[0])], "stds": [max(spread, 1e-3)], "weights": [1.0]}
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import BayesianGaussianMixture

    mixture = BayesianGaussianMixture(
        n_components=min(max_modes, distinct),
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=0.001,
        max_iter=100,
        n_init=1,
        reg_covar=(1e-3 * spread) ** 2,  # point masses stay proper modes instead of singular ones
        # one feature: "diag" is the same model as "full" (fits agree to 1e-10) without a Cholesky
        # factorisation per component and iteration, in about two thirds of the time
        covariance_type="diag",
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mixture.fit(values.reshape(-1, 1))
    keep = mixture.weights_ > MODE_MIN_WEIGHT
    means = mixture.means_.ravel()[keep]
    stds = np.sqrt(mixture.covariances_.ravel()[keep])
    weights = mixture.weights_[keep] / mixture.weights_[keep].sum()
    order = np.argsort(means)
    return {
        "means": [float(m) for m in means[order]],
        "stds": [float(max(s, 1e-6 * spread)) for s in stds[order]],
        "weights": [float(w) for w in weights[order]],
    }


def values_to_modes(values: np.ndarray, modes: dict[str, list[float]], rng: np.random.Generator):
    """``(alpha, mode)`` per value; a value's mode is drawn from its posterior over the modes.

    NaN values get alpha 0 and the heaviest mode (their null indicator says they are missing).
    """
    means, stds = np.asarray(modes["means"]), np.asarray(modes["stds"])
    weights = np.asarray(modes["weights"])
    finite = np.isfinite(values)
    x = np.where(finite, values, means[np.argmax(weights)])[:, None]
    z = (x - means) / stds
    log_density = np.log(weights) - np.log(stds) - 0.5 * z**2
    # Only modes that can represent the value without clipping alpha (within 4 std), when there are any.
    fits = np.abs(z) < 4 * ALPHA_CLIP
    log_density = np.where(fits | ~fits.any(axis=1, keepdims=True), log_density, -np.inf)
    posterior = np.exp(log_density - log_density.max(axis=1, keepdims=True))
    posterior /= posterior.sum(axis=1, keepdims=True)
    cumulative = posterior.cumsum(axis=1)
    mode = (rng.random((len(x), 1)) > cumulative).sum(axis=1).clip(0, len(means) - 1)
    alpha = np.clip((x[:, 0] - means[mode]) / (4 * stds[mode]), -ALPHA_CLIP, ALPHA_CLIP)
    alpha[~finite] = 0.0
    return alpha, mode


def values_from_modes(alpha: np.ndarray, mode: np.ndarray, modes: dict[str, list[float]]) -> np.ndarray:
    means, stds = np.asarray(modes["means"]), np.asarray(modes["stds"])
    return np.clip(alpha, -1.0, 1.0) * 4 * stds[mode] + means[mode]
