"""Sampling a large twin in parts that separate workers write, as the files of one Parquet dataset.

A :class:`SamplePlan` (rows, seed, rows per part) splits a sample into ``ceil(rows / partition_rows)``
parts of near-equal size. Each part has its own seed, derived from the sample's seed and the part's
index, so the dataset depends only on the plan, never on how many workers made the parts or in which
order. A plan of one part keeps the sample's own seed: its rows are exactly ``Generator.sample(rows,
seed)``'s. :func:`write_part` samples one part into its file; :func:`verify_parts` checks the folder
before the dataset is used (:func:`twinforge.io.datasets.verify_dataset`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl

from twinforge.generators.base import Generator, SampleProgress
from twinforge.generators.sampling import derived_seed
from twinforge.io.datasets import ParquetDataset, part_path, verify_dataset
from twinforge.io.permissions import make_private, private_mkdir
from twinforge.io.tables import write_table_chunks

# The random stream of part seeds, apart from the chunk and draw seeds inside one sample (sampling.derived_seed).
_PARTS_STREAM = 0x70617274  # "part"


class PartitionError(ValueError):
    """A sample that cannot be split into parts as asked (a rule that holds only within one part)."""


@dataclass(frozen=True)
class SamplePart:
    """Part ``index`` of a sample: ``rows`` rows drawn with ``seed``."""

    index: int
    rows: int
    seed: int


@dataclass(frozen=True)
class SamplePlan:
    """``rows`` rows sampled with ``seed``, at most ``partition_rows`` per part."""

    rows: int
    seed: int
    partition_rows: int

    def __post_init__(self):
        for name in ("rows", "partition_rows"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")

    @property
    def part_count(self) -> int:
        return math.ceil(self.rows / self.partition_rows)

    @property
    def parts(self) -> list[SamplePart]:
        """The parts in order; the first ``rows % part_count`` parts get one row more than the others."""
        count = self.part_count
        if count == 1:
            return [SamplePart(0, self.rows, self.seed)]
        base, extra = divmod(self.rows, count)
        return [
            SamplePart(i, base + (1 if i < extra else 0), derived_seed(self.seed, _PARTS_STREAM, i))
            for i in range(count)
        ]

    def part(self, index: int) -> SamplePart:
        if not 0 <= index < self.part_count:
            raise ValueError(f"part {index} is not in a plan of {self.part_count} parts")
        return self.parts[index]

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SamplePlan:
        return cls(rows=data["rows"], seed=data["seed"], partition_rows=data["partition_rows"])


def write_part(
    generator: Generator,
    plan: SamplePlan,
    index: int,
    folder: str | os.PathLike,
    *,
    conditions: Mapping[str, Any] | None = None,
    rebalance: Mapping[str, Mapping[Any, float]] | None = None,
    progress: SampleProgress | None = None,
) -> Path:
    """Sample part ``index`` of ``plan`` into its file in ``folder`` (owner-only), a chunk at a time.

    Conditions apply to every part; rebalanced shares are exact within each part. Rules that keep
    values unique hold within one sample, so a plan of several parts refuses a model with such a rule
    (:class:`PartitionError`) instead of writing duplicates across parts. Writing the same part again
    gives the same file.
    """
    part = plan.part(index)
    if plan.part_count > 1 and generator.rules is not None and generator.rules.rules.of_kind("unique"):
        names = [rule.name for rule in generator.rules.rules.of_kind("unique")]
        raise PartitionError(
            f"the model's rules {names} keep values unique within one sample, and {plan.rows:,} rows at "
            f"{plan.partition_rows:,} rows per part would be {plan.part_count} samples: raise "
            "sampling.partition_rows to at least the rows sampled"
        )
    path = part_path(private_mkdir(folder), index)
    chunks = generator.sample_chunks(part.rows, part.seed, conditions=conditions, rebalance=rebalance)
    written = write_table_chunks(_counted(chunks, part.rows, progress), path, expected_rows=part.rows)
    make_private(path)
    if written != part.rows:  # a generator bug, not bad input: the part's file is not a part of the plan
        path.unlink()
        raise RuntimeError(f"part {index} of the sample got {written} rows, its plan {part.rows}")
    return path


def verify_parts(folder: str | os.PathLike, plan: SamplePlan) -> ParquetDataset:
    """The dataset in ``folder`` once every part of ``plan`` is there with its row count (DatasetError if not)."""
    return verify_dataset(folder, [part.rows for part in plan.parts])


def _counted(chunks: Iterator[pl.DataFrame], total: int, progress: SampleProgress | None) -> Iterator[pl.DataFrame]:
    done = 0
    for chunk in chunks:
        done += chunk.height
        if progress is not None:
            progress(done, total)
        yield chunk
