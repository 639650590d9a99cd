"""What every generator is: fit on a table, sample rows, save and load as plain data.

A saved generator is a directory with

* ``model.json``: generator name, params, seed, twinforge version, schema,
  table encoder, fit summary;
* ``weights.pt``: a torch ``state_dict`` (tensors only), read back with
  ``torch.load(..., weights_only=True)``. Nothing is ever pickled.
"""

from __future__ import annotations

import json
import pickle
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Iterator

import polars as pl
import torch

import twinforge
from twinforge.encoders import TableEncoder
from twinforge.encoders.categorical import DEFAULT_RARE_MIN_COUNT
from twinforge.schema import TableSchema

MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.pt"
FORMAT_VERSION = 1
# Rows generated and decoded at a time: bounds memory for large samples.
SAMPLE_CHUNK_ROWS = 100_000


class Generator(ABC):
    """A synthetic data model. Subclasses set ``name`` and implement the ``_fit`` / ``_generate`` loops."""

    name: ClassVar[str]

    def __init__(self, seed: int = 0, rare_min_count: int = DEFAULT_RARE_MIN_COUNT):
        self.seed = int(seed)
        self.rare_min_count = int(rare_min_count)
        self.schema: TableSchema | None = None
        self.encoder: TableEncoder | None = None
        self.fit_summary: dict[str, Any] = {}

    @property
    def params(self) -> dict[str, Any]:
        """Constructor arguments; ``type(self)(**params)`` builds an unfitted twin."""
        return {"seed": self.seed, "rare_min_count": self.rare_min_count}

    @property
    def is_fitted(self) -> bool:
        return self.encoder is not None

    def fit(self, df: pl.DataFrame, schema: TableSchema) -> "Generator":
        _check_trainable(df, schema)
        started = time.perf_counter()
        encoder = TableEncoder.fit(df, schema, rare_min_count=self.rare_min_count)
        if not encoder.columns:
            raise ValueError(
                "nothing to learn: every column is an identifier or was skipped "
                f"({encoder.skipped_columns or 'no other columns'})"
            )
        self.schema, self.encoder = schema, encoder
        try:
            details = self._fit(df)
        except BaseException:
            self.schema = self.encoder = None  # never leave a half-fitted generator behind
            raise
        self.fit_summary = {
            "rows": df.height,
            "columns": len(self.encoder.columns),
            "uniform_columns": len(self.encoder.uniform_columns),
            "skipped_columns": dict(self.encoder.skipped_columns),
            **details,
            "seconds": round(time.perf_counter() - started, 3),
        }
        return self

    def sample(self, n: int, seed: int | None = None) -> pl.DataFrame:
        """``n`` synthetic rows; the same seed gives the same rows (``None``: the fit seed)."""
        chunks = list(self.sample_chunks(n, seed))
        return pl.concat(chunks, how="vertical") if len(chunks) > 1 else chunks[0]

    def sample_chunks(
        self, n: int, seed: int | None = None, chunk_rows: int = SAMPLE_CHUNK_ROWS
    ) -> Iterator[pl.DataFrame]:
        """``sample`` a chunk at a time, for writing large samples with bounded memory."""
        if not self.is_fitted:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit() before sample()")
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"number of rows to sample must be a positive integer, got {n!r}")
        if chunk_rows <= 0:
            raise ValueError(f"chunk_rows must be positive, got {chunk_rows!r}")
        return self._generate(n, self.seed if seed is None else int(seed), chunk_rows)

    @abstractmethod
    def _fit(self, df: pl.DataFrame) -> dict[str, Any]:
        """Train on ``df`` (``self.encoder`` is fitted already); return extra fit-summary entries."""

    @abstractmethod
    def _generate(self, n: int, seed: int, chunk_rows: int) -> Iterator[pl.DataFrame]:
        """Yield decoded chunks of at most ``chunk_rows`` rows, ``n`` rows in all."""

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
    generator = cls(**params)
    generator.schema, generator.encoder = schema, encoder
    generator.fit_summary = description.get("fit_summary", {})
    try:
        state = torch.load(weights_file, weights_only=True)
        generator.load_state_dict(state)
    except (RuntimeError, EOFError, pickle.UnpicklingError, KeyError, ValueError) as error:
        raise ValueError(f"{weights_file} does not hold valid weights for a {name!r} generator: {error}") from error
    return generator


def _check_trainable(df: pl.DataFrame, schema: TableSchema) -> None:
    if not isinstance(df, pl.DataFrame):
        raise TypeError(f"expected a polars DataFrame, got {type(df).__name__}")
    if df.width == 0 or df.height == 0:
        raise ValueError(f"cannot fit on an empty table ({df.height} rows, {df.width} columns)")
    missing = [name for name in schema.names if name not in df.columns]
    extra = [name for name in df.columns if name not in schema.names]
    if missing or extra:
        raise ValueError(f"table and schema disagree: schema columns missing from table {missing}, "
                         f"table columns not in schema {extra}")
