"""Fit the generator a dataset spec asks for and save it as plain files."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from twinforge.generators import Generator, create_generator
from twinforge.schema import TableSchema
from twinforge.spec import DatasetSpec


@dataclass(frozen=True)
class TrainedGenerator:
    generator: Generator
    schema: TableSchema
    directory: Path
    fit_seconds: float

    @property
    def params(self) -> dict:
        return {"model": self.generator.name, "seed": self.generator.seed, **self.generator.params}


def train_generator(train: pl.DataFrame, spec: DatasetSpec, out_dir: Path) -> TrainedGenerator:
    if train.height == 0:
        raise ValueError(f"dataset {spec.name!r}: the training table is empty")
    schema = spec.schema_for(train)
    generator = create_generator(spec.generator.model, seed=spec.generator.seed, **spec.generator.params)
    start = time.perf_counter()
    generator.fit(train, schema)
    fit_seconds = time.perf_counter() - start
    generator.save(out_dir)
    return TrainedGenerator(generator=generator, schema=schema, directory=out_dir, fit_seconds=fit_seconds)

