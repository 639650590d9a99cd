"""What every generator is: fit on a table, sample rows, save and load as plain data.

A saved generator is a directory with

* ``model.json``: generator name, params, seed, twinforge version, schema,
  table encoder, fit summary;
* ``weights.pt``: a torch ``state_dict`` (tensors only), read back with
  ``torch.load(..., weights_only=True)``. Nothing is ever pickled.
"""

from __future__ import annotations

import json
import math
import pickle  # only for pickle.UnpicklingError, what torch.load(weights_only=True) raises on a bad file
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import polars as pl
import torch

import twinforge
from twinforge.encoders import TableEncoder
from twinforge.encoders.categorical import DEFAULT_RARE_MIN_COUNT
from twinforge.io.schema import TableSchema

MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.pt"
FORMAT_VERSION = 1
# Rows generated and decoded at a time: bounds memory for large samples.
SAMPLE_CHUNK_ROWS = 100_000
# Conditional sampling falls back on rejection for what a model cannot condition on natively,
# but draws at most this many rows per row asked for (and at least REJECTION_MIN_ROWS) before giving up.
REJECTION_FACTOR = 50
REJECTION_MIN_ROWS = 20_000


class ConditionError(ValueError):
    """A sampling condition the model cannot meet (unknown level, out of range, too rare to generate)."""


@dataclass(frozen=True)
class EpochReport:
    """Handed to a ``progress`` callback after each training epoch."""

    epoch: int  # 1-based
    epochs: int  # the most epochs training may run (early stopping may end it sooner)
    losses: dict[str, float]


ProgressCallback = Callable[[EpochReport], None]


@dataclass(frozen=True)
class _Part:
    """Rows of a sample that share fixed values (and values to exclude, for the rest of a rebalance)."""

    rows: int
    fixed: dict[str, Any]
    excluded: dict[str, list[Any]]


class Generator(ABC):
    """A synthetic data model. Subclasses set ``name`` and implement the ``_fit`` / ``_generate`` loops."""

    name: ClassVar[str]
    # Whether the model reads the mode-specific representation (fits the mixtures once at fit time).
    uses_modes: ClassVar[bool] = False

    def __init__(self, seed: int = 0, rare_min_count: int = DEFAULT_RARE_MIN_COUNT):
        self.seed = int(seed)
        self.rare_min_count = int(rare_min_count)
        self.schema: TableSchema | None = None
        self.encoder: TableEncoder | None = None
        self.fit_summary: dict[str, Any] = {}
        self.loss_history: list[dict[str, float]] = []
        self._progress: ProgressCallback | None = None

    @property
    def params(self) -> dict[str, Any]:
        """Constructor arguments; ``type(self)(**params)`` builds an unfitted twin."""
        return {"seed": self.seed, "rare_min_count": self.rare_min_count}

    @property
    def is_fitted(self) -> bool:
        return self.encoder is not None

    def fit(self, df: pl.DataFrame, schema: TableSchema, progress: ProgressCallback | None = None) -> Generator:
        """Learn ``df``; ``progress`` (if given) is called with an :class:`EpochReport` after each epoch."""
        _check_trainable(df, schema)
        started = time.perf_counter()
        encoder = TableEncoder.fit(
            df, schema, rare_min_count=self.rare_min_count, modes=self.uses_modes, seed=self.seed
        )
        if not encoder.columns:
            raise ValueError(
                "nothing to learn: every column is an identifier or was skipped "
                f"({encoder.skipped_columns or 'no other columns'})"
            )
        self.schema, self.encoder = schema, encoder
        self.loss_history, self._progress = [], progress
        try:
            details = self._fit(df)
        except BaseException:
            self.schema = self.encoder = None  # never leave a half-fitted generator behind
            raise
        finally:
            self._progress = None
        self.fit_summary = {
            "rows": df.height,
            "columns": len(self.encoder.columns),
            "uniform_columns": len(self.encoder.uniform_columns),
            "skipped_columns": dict(self.encoder.skipped_columns),
            **details,
            "seconds": round(time.perf_counter() - started, 3),
        }
        if self.loss_history:
            self.fit_summary["loss_history"] = self.loss_history
        return self

    def sample(
        self,
        n: int,
        seed: int | None = None,
        conditions: Mapping[str, Any] | None = None,
        rebalance: Mapping[str, Mapping[Any, float]] | None = None,
    ) -> pl.DataFrame:
        """``n`` synthetic rows; the same seed gives the same rows (``None``: the fit seed).

        ``conditions`` fixes values: ``{"result": "positive"}`` gives only positive rows
        (``None`` asks for nulls). ``rebalance`` sets the shares of one discrete column's
        levels: ``{"result": {"positive": 0.3}}`` makes 30% of the rows positive (counts are
        exact), the other levels share the rest as the model generates them. Models
        condition natively where they can and fall back on bounded rejection; a condition
        that cannot be met raises :class:`ConditionError`.
        """
        chunks = list(self.sample_chunks(n, seed, conditions=conditions, rebalance=rebalance))
        return pl.concat(chunks, how="vertical") if len(chunks) > 1 else chunks[0]

    def sample_chunks(
        self,
        n: int,
        seed: int | None = None,
        chunk_rows: int = SAMPLE_CHUNK_ROWS,
        conditions: Mapping[str, Any] | None = None,
        rebalance: Mapping[str, Mapping[Any, float]] | None = None,
    ) -> Iterator[pl.DataFrame]:
        """``sample`` a chunk at a time, for writing large samples with bounded memory."""
        if not self.is_fitted:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit() before sample()")
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"number of rows to sample must be a positive integer, got {n!r}")
        if chunk_rows <= 0:
            raise ValueError(f"chunk_rows must be positive, got {chunk_rows!r}")
        seed = self.seed if seed is None else int(seed)
        fixed = self._normalize_conditions(conditions)
        shares = self._rebalance_shares(rebalance, fixed)
        if not fixed and shares is None:
            return self._generate(n, seed, chunk_rows)
        return self._conditional_chunks(n, seed, chunk_rows, fixed, shares)

    @abstractmethod
    def _fit(self, df: pl.DataFrame) -> dict[str, Any]:
        """Train on ``df`` (``self.encoder`` is fitted already); return extra fit-summary entries."""

    @abstractmethod
    def _generate(
        self, n: int, seed: int, chunk_rows: int, conditions: Mapping[str, Any] | None = None
    ) -> Iterator[pl.DataFrame]:
        """Yield decoded chunks of at most ``chunk_rows`` rows, ``n`` rows in all.

        ``conditions`` maps columns to canonical values (see
        :meth:`TableEncoder.normalize_condition`); a model uses those it can condition on
        natively and may ignore the rest: rows are filtered afterwards.
        """

    def _report_epoch(self, epoch: int, epochs: int, losses: Mapping[str, float]) -> None:
        """Record one epoch's losses (saved in the fit summary, logged to MLflow) and tell ``progress``."""
        losses = {k: round(float(v), 6) for k, v in losses.items()}
        self.loss_history.append({"epoch": epoch, **losses})
        if self._progress is not None:
            self._progress(EpochReport(epoch=epoch, epochs=epochs, losses=losses))

    # --- conditional sampling ---

    def _normalize_conditions(self, conditions: Mapping[str, Any] | None) -> dict[str, Any]:
        if not conditions:
            return {}
        if not isinstance(conditions, Mapping):
            raise ConditionError(f"conditions must map column names to values, got {type(conditions).__name__}")
        try:
            return {name: self.encoder.normalize_condition(name, value) for name, value in conditions.items()}
        except ValueError as error:
            raise ConditionError(str(error)) from None

    def _rebalance_shares(
        self, rebalance: Mapping[str, Mapping[Any, float]] | None, fixed: Mapping[str, Any]
    ) -> tuple[str, list[Any], list[float], float] | None:
        """``(column, values, shares, rest)`` of a rebalance request; ``rest`` goes to the other levels."""
        if not rebalance:
            return None
        if not isinstance(rebalance, Mapping) or len(rebalance) != 1:
            raise ConditionError("rebalance takes exactly one column: {column: {value: share, ...}}")
        column, requested = next(iter(rebalance.items()))
        if column in fixed:
            raise ConditionError(f"column {column!r} is both fixed by a condition and rebalanced")
        try:
            encoded = self.encoder.column(column)
        except ValueError as error:
            raise ConditionError(str(error)) from None
        if encoded.is_continuous:
            raise ConditionError(f"rebalance needs a categorical or boolean column; {column!r} is {encoded.encoder}")
        if not isinstance(requested, Mapping) or not requested:
            raise ConditionError(f"rebalance of {column!r} needs {{value: share, ...}}, got {requested!r}")
        values, shares = [], []
        for value, share in requested.items():
            canonical = self._normalize_conditions({column: value})[column]
            if canonical in values:
                raise ConditionError(f"rebalance of {column!r} names the value {value!r} twice")
            if not isinstance(share, (int, float)) or not 0.0 <= share <= 1.0:
                raise ConditionError(f"rebalance share of {column}={value!r} must be between 0 and 1, got {share!r}")
            values.append(canonical)
            shares.append(float(share))
        rest = 1.0 - sum(shares)
        if rest < -1e-9:
            raise ConditionError(f"rebalance shares of {column!r} add up to {sum(shares):.4g}, more than 1")
        rest = max(rest, 0.0)
        training_shares = encoded.discrete_shares()
        requested_indices = {self.encoder.discrete_index(column, v) for v in values}
        others = sum(share for i, share in enumerate(training_shares) if i not in requested_indices)
        if rest > 1e-9 and others <= 0:
            raise ConditionError(
                f"rebalance shares of {column!r} add up to {1 - rest:.4g}, but the column has no other level "
                "to fill the rest with"
            )
        return column, values, shares, rest

    def _conditional_chunks(
        self,
        n: int,
        seed: int,
        chunk_rows: int,
        fixed: dict[str, Any],
        shares: tuple[str, list[Any], list[float], float] | None,
    ) -> Iterator[pl.DataFrame]:
        if shares is None:
            column, values, weights = None, [], [1.0]
        else:
            column, values, value_shares, rest = shares
            weights = [*value_shares, rest]
        remaining = _exact_counts(n, weights)  # exact counts over the whole sample
        rows_left = n
        for chunk_index, start in enumerate(range(0, n, chunk_rows)):
            rows = min(chunk_rows, n - start)
            counts = _exact_counts(rows, [r / rows_left for r in remaining]) if rows < rows_left else list(remaining)
            remaining = [r - c for r, c in zip(remaining, counts)]
            rows_left -= rows
            parts = []
            for i, count in enumerate(counts):
                if count == 0:
                    continue
                if column is None:
                    parts.append(_Part(count, fixed, {}))
                elif i < len(values):
                    parts.append(_Part(count, {**fixed, column: values[i]}, {}))
                else:
                    parts.append(_Part(count, fixed, {column: values}))
            frames = [
                self._matching_rows(part, _derived_seed(seed, chunk_index, i), chunk_rows)
                for i, part in enumerate(parts)
            ]
            chunk = pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]
            if len(frames) > 1:  # rebalanced parts come in blocks: interleave them
                chunk = chunk.sample(fraction=1.0, shuffle=True, seed=_derived_seed(seed, chunk_index, -1))
            yield chunk

    def _matching_rows(self, part: _Part, seed: int, chunk_rows: int) -> pl.DataFrame:
        """``part.rows`` rows meeting the part's conditions: native conditioning, then bounded rejection."""
        checks = [self.encoder.condition_expr(name, value) for name, value in part.fixed.items()]
        for name, excluded in part.excluded.items():
            checks += [~self.encoder.condition_expr(name, value).fill_null(False) for value in excluded]
        matches = pl.all_horizontal([c.fill_null(False) for c in checks])
        budget = max(part.rows * REJECTION_FACTOR, REJECTION_MIN_ROWS)
        kept, kept_rows, drawn, attempt = [], 0, 0, 0
        while kept_rows < part.rows:
            missing = part.rows - kept_rows
            rate = kept_rows / drawn if drawn else 1.0
            request = min(math.ceil(missing / max(rate, 1.0 / REJECTION_FACTOR) * 1.1) + 16, budget - drawn)
            if request <= 0:
                described = ", ".join(
                    [f"{k}={v!r}" for k, v in part.fixed.items()]
                    + [f"{k} not in {v!r}" for k, v in part.excluded.items()]
                )
                raise ConditionError(
                    f"could not generate {part.rows} rows with {described}: only {kept_rows} of {drawn} generated "
                    f"rows met the condition (the model rarely produces it; gave up after {budget:,} rows)"
                )
            for chunk in self._generate(request, _derived_seed(seed, attempt, 1), min(chunk_rows, request), part.fixed):
                drawn += chunk.height
                match = chunk.filter(matches)
                kept.append(match)
                kept_rows += match.height
            attempt += 1
        return pl.concat(kept, how="vertical").head(part.rows)

    @abstractmethod
    def state_dict(self) -> dict[str, torch.Tensor]:
        """The learned tensors."""

    @abstractmethod
    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore learned tensors (``self.encoder`` is restored already)."""

    def save(self, directory: str | Path) -> Path:
        if not self.is_fitted:
            raise RuntimeError(f"{type(self).__name__} is not fitted: nothing to save")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        description = {
            "format_version": FORMAT_VERSION,
            "generator": self.name,
            "params": self.params,
            "seed": self.seed,
            "twinforge_version": twinforge.__version__,
            "schema": self.schema.to_dict(),
            "transformer": self.encoder.to_dict(),
            "fit_summary": self.fit_summary,
        }
        (directory / MODEL_FILE).write_text(json.dumps(description, indent=1))
        torch.save({k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}, directory / WEIGHTS_FILE)
        return directory

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({params}{'' if self.is_fitted else ', unfitted'})"


def load_generator(directory: str | Path) -> Generator:
    """Rebuild a generator written by :meth:`Generator.save`."""
    from twinforge.generators import generator_class  # the registry imports this module

    directory = Path(directory)
    model_file, weights_file = directory / MODEL_FILE, directory / WEIGHTS_FILE
    if not directory.is_dir():
        raise FileNotFoundError(f"no saved generator at {directory}: directory does not exist")
    for path in (model_file, weights_file):
        if not path.is_file():
            raise FileNotFoundError(f"no saved generator at {directory}: {path.name} is missing")
    try:
        description = json.loads(model_file.read_text())
        name, params = description["generator"], description["params"]
        schema = TableSchema.from_dict(description["schema"])
        encoder = TableEncoder.from_dict(description["transformer"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{model_file} is not a valid generator description: {error!r}") from error
    cls = generator_class(name, source=model_file)
    try:
        generator = cls(**params)
    except TypeError as error:  # a parameter an older or newer twinforge had
        saved_by = description.get("twinforge_version", "an unknown version")
        raise ValueError(
            f"{model_file}: this {name!r} generator was saved by twinforge {saved_by} with parameters this "
            f"twinforge ({twinforge.__version__}) does not take ({error}); fit it again with this version"
        ) from error
    generator.schema, generator.encoder = schema, encoder
    generator.fit_summary = description.get("fit_summary", {})
    try:
        state = torch.load(weights_file, weights_only=True)
        generator.load_state_dict(state)
    except (RuntimeError, EOFError, pickle.UnpicklingError, KeyError, ValueError) as error:
        raise ValueError(f"{weights_file} does not hold valid weights for a {name!r} generator: {error}") from error
    return generator


def _exact_counts(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integer counts proportional to ``weights`` (largest remainders)."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.sum() <= 0:
        raise ValueError("weights must have a positive sum")
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    shortfall = total - int(counts.sum())
    if shortfall:
        counts[np.argsort(-(exact - counts), kind="stable")[:shortfall]] += 1
    return [int(c) for c in counts]


def _derived_seed(seed: int, *path: int) -> int:
    """A seed of its own for each part of a sample, reproducible from the sample's seed."""
    return int(np.random.SeedSequence([seed & 0xFFFFFFFF, *[p & 0xFFFFFFFF for p in path]]).generate_state(1)[0])


def _check_trainable(df: pl.DataFrame, schema: TableSchema) -> None:
    if not isinstance(df, pl.DataFrame):
        raise TypeError(f"expected a polars DataFrame, got {type(df).__name__}")
    if df.width == 0 or df.height == 0:
        raise ValueError(f"cannot fit on an empty table ({df.height} rows, {df.width} columns)")
    missing = [name for name in schema.names if name not in df.columns]
    extra = [name for name in df.columns if name not in schema.names]
    if missing or extra:
        raise ValueError(
            f"table and schema disagree: schema columns missing from table {missing}, "
            f"table columns not in schema {extra}"
        )
