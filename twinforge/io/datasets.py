"""A Parquet dataset: one folder of part files (``part-00000.parquet``, ...) that reads as one table.

Parts are written separately (by separate workers, in any order); :func:`verify_dataset` then checks
that the folder holds exactly the expected parts with exactly their row counts and one schema, before
:func:`replace_dataset` moves it into place. ``pl.scan_parquet(folder)`` reads the parts in order.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from twinforge.io.permissions import make_private


class DatasetError(ValueError):
    """A dataset folder that is not what its plan says: a part missing, short, extra or of another schema."""


@dataclass(frozen=True)
class ParquetDataset:
    """A verified dataset folder: ``rows`` rows in ``parts`` part files."""

    folder: Path
    rows: int
    parts: int


def part_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


def part_path(folder: str | os.PathLike, index: int) -> Path:
    return Path(folder) / part_name(index)


def verify_dataset(folder: str | os.PathLike, part_rows: Sequence[int]) -> ParquetDataset:
    """The dataset in ``folder`` if it holds exactly ``len(part_rows)`` parts, part ``i`` with ``part_rows[i]``
    rows, all with the first part's columns and types; :class:`DatasetError` naming the files otherwise.

    Row counts and schemas come from the Parquet footers: nothing is read but metadata.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"dataset folder {folder} does not exist: no part was written")
    expected = {part_name(i): rows for i, rows in enumerate(part_rows)}
    present = {entry.name for entry in folder.iterdir()}
    problems = []
    if missing := sorted(set(expected) - present):
        problems.append(f"missing parts {missing}")
    if extra := sorted(present - set(expected)):
        problems.append(f"unexpected files {extra}")
    schema: pa.Schema | None = None
    for name in sorted(set(expected) & present):
        try:
            metadata = pq.read_metadata(folder / name)
        except (OSError, pa.ArrowException):
            problems.append(f"{name} is not a readable Parquet file")
            continue
        if metadata.num_rows != expected[name]:
            problems.append(f"{name} has {metadata.num_rows} rows, the plan {expected[name]}")
        part_schema = metadata.schema.to_arrow_schema().remove_metadata()
        if schema is None:
            schema = part_schema
        elif not part_schema.equals(schema):
            problems.append(f"{name} has other columns or types than the first part")
    if problems:
        raise DatasetError(f"dataset {folder} is incomplete: {'; '.join(problems)}")
    return ParquetDataset(folder=folder, rows=sum(part_rows), parts=len(part_rows))


def replace_dataset(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Move the dataset folder ``source`` to ``target`` (same file system), replacing a previous dataset there;
    the result is owner-only. The previous folder is renamed aside before the move and deleted after."""
    source, target = Path(source), Path(target)
    previous = None
    if target.exists():
        previous = target.with_name(f".{target.name}.replaced-{uuid.uuid4().hex}")
        os.replace(target, previous)
    os.replace(source, target)
    if previous is not None:
        if previous.is_dir():
            shutil.rmtree(previous)
        else:
            previous.unlink()
    make_private(target, recursive=True)
    return target


def bounded_rows(table: pl.DataFrame | pl.LazyFrame, max_rows: int, seed: int) -> tuple[pl.DataFrame, int]:
    """At most ``max_rows`` rows of ``table`` and its row count: all rows, in order, when it has no more;
    else a seeded uniform sample without replacement (in table order). A LazyFrame (a dataset folder) is
    read with the streaming engine, holding only the chosen rows."""
    lazy = table.lazy()
    rows = lazy.select(pl.len()).collect().item()
    if rows <= max_rows:
        return lazy.collect(), rows
    chosen = pl.Series(np.sort(np.random.default_rng(seed).choice(rows, size=max_rows, replace=False)))
    picked = lazy.with_row_index("__row").filter(pl.col("__row").is_in(chosen)).drop("__row")
    return picked.collect(engine="streaming"), rows
