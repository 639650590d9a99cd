"""Batches: the units in which a dataset's real data arrives.

A dataset's first batch is its spec's source, read where it is. Later batches are
files added with :func:`add_batch` (what ``twinforge ingest-batch`` and a production
feed call): each is copied into the landing folder ``<state>/landing/<dataset>/`` and
recorded, in arrival order, in that folder's ``batches.json``. The batch id is the
Dagster partition key of ``raw`` and ``anonymized``.

Landing files hold raw data: the folder is created owner-only (0700) and copies are
read-only (0400). Adding a file whose content is already a batch returns that batch.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from twinforge.config.spec import DatasetSpec, format_from_name
from twinforge.io.state import StateLayout

if TYPE_CHECKING:
    import polars as pl

MANIFEST = "batches.json"
INITIAL = "initial"


@dataclass(frozen=True)
class Batch:
    batch_id: str
    dataset: str
    added_at: str  # ISO 8601, UTC
    origin: str  # "spec" (the spec's source, read in place) or "landing" (a copied file)
    path: str | None  # the file to read; None for a SQL source, read from the spec
    sha256: str | None  # of the file when added; None for a SQL source
    original_name: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def landing_dir(layout: StateLayout, dataset: str) -> Path:
    return layout.home / "landing" / dataset


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_id(sha256: str | None, when: dt.datetime) -> str:
    # sortable by arrival, unique per content, valid as a Dagster partition key
    return when.strftime("%Y%m%dT%H%M%S%fZ") + (f"-{sha256[:8]}" if sha256 else "")


class BatchStore:
    """The batch manifest of one dataset under a state folder."""

    def __init__(self, spec: DatasetSpec, layout: StateLayout | None = None):
        self.spec = spec
        self.layout = layout or StateLayout.at()
        self.folder = landing_dir(self.layout, spec.name)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time: a feed may add batches concurrently
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> list[Batch]:
        path = self.folder / MANIFEST
        if not path.is_file():
            return []
        return [Batch(**b) for b in json.loads(path.read_text())["batches"]]

    def _write(self, batches: list[Batch]) -> None:
        path = self.folder / MANIFEST
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"dataset": self.spec.name, "batches": [b.to_dict() for b in batches]}, indent=2))
        tmp.replace(path)  # atomic: a reader never sees half a manifest

    def list(self) -> list[Batch]:
        """Batches in arrival order (the initial one first)."""
        return self._read()

    def ids(self) -> list[str]:
        return [b.batch_id for b in self._read()]

    def get(self, batch_id: str) -> Batch:
        for b in self._read():
            if b.batch_id == batch_id:
                return b
        raise KeyError(
            f"dataset {self.spec.name!r} has no batch {batch_id!r} (batches: {', '.join(self.ids()) or 'none'})"
        )

    def ensure_initial(self) -> Batch:
        """The spec's source as the first batch, recorded once."""
        with self._locked():
            batches = self._read()
            for b in batches:
                if b.origin == "spec":
                    return b
            source = self.spec.source
            path = str(source.path) if source.path is not None and not source.is_sql else None
            sha = _sha256(Path(path)) if path and Path(path).is_file() else None
            batch = Batch(
                INITIAL, self.spec.name, _now().isoformat(), "spec", path, sha, Path(path).name if path else None
            )
            self._write([batch, *batches])
            return batch

    def add(self, file: str | Path) -> tuple[Batch, bool]:
        """Copy ``file`` into the landing folder as a new batch; ``(batch, True)``.

        A file whose content is already a batch is not copied again: ``(that batch, False)``.
        """
        file = Path(file)
        if not file.is_file():
            raise FileNotFoundError(f"batch file not found: {file}")
        if format_from_name(file.name) not in ("csv", "parquet", "jsonl"):
            raise ValueError(f"{file}: a batch must be a CSV (.csv, .csv.gz), Parquet or JSON Lines file")
        sha = _sha256(file)
        self.ensure_initial()
        with self._locked():
            batches = self._read()
            for b in batches:
                if b.sha256 == sha:
                    return b, False
            when = _now()
            batch_id = _new_id(sha, when)
            target_dir = self.folder / batch_id
            target_dir.mkdir(mode=0o700)
            target = target_dir / file.name
            shutil.copyfile(file, target)
            os.chmod(target, 0o400)
            batch = Batch(batch_id, self.spec.name, when.isoformat(), "landing", str(target), sha, file.name)
            self._write([*batches, batch])
            return batch, True


def _sha256(path: Path) -> str:
    from twinforge.io.ingest import file_sha256

    return file_sha256(path)


def add_batch(spec: DatasetSpec, file: str | Path, home: str | os.PathLike | None = None) -> Batch:
    """Add ``file`` as a new batch of ``spec``'s dataset and return it (its id is the partition key)."""
    batch, _ = BatchStore(spec, StateLayout.at(home)).add(file)
    return batch


def training_window(batch_ids: list[str], window: int | None) -> list[str]:
    """The most recent ``window`` batches of ``batch_ids`` (in arrival order); all when None."""
    if window is None or window >= len(batch_ids):
        return list(batch_ids)
    return list(batch_ids[-window:])


def concat_batches(frames: dict) -> pl.DataFrame:
    """Stack anonymized batches (DataFrames or LazyFrames, in order) into one table.

    Batches anonymized under different policies can disagree on columns; that is an error
    naming both batches rather than a silent union that could carry a dropped column.
    """
    import polars as pl

    collected = {b: (f.collect() if isinstance(f, pl.LazyFrame) else f) for b, f in frames.items()}
    if not collected:
        raise ValueError("no anonymized batch to train on: materialize at least one batch of `anonymized` first")
    first_id, first = next(iter(collected.items()))
    for batch_id, frame in collected.items():
        if frame.columns != first.columns:
            raise ValueError(
                f"anonymized batches {first_id!r} and {batch_id!r} have different columns "
                f"({first.columns} vs {frame.columns}): declare the columns' anonymize actions in the spec "
                "so every batch gets the same policy, then re-materialize the batches"
            )
    try:
        return pl.concat(list(collected.values()), how="vertical_relaxed")
    except pl.exceptions.PolarsError as error:
        raise ValueError(f"anonymized batches {list(collected)} cannot be stacked: {error}") from None
