"""Publishing a synthetic table: written in full beside its destination, then moved into place.

A reader of the published folder sees the previous table or the new one, never half a file;
``latest.parquet`` always names the newest published day.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl

LATEST = "latest.parquet"


def _atomic_parquet(table: pl.DataFrame | pl.LazyFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, staged = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".staged", dir=path.parent)
    os.close(fd)
    try:
        if isinstance(table, pl.LazyFrame):
            table.sink_parquet(staged)  # streamed: a dataset larger than memory is written a batch at a time
        else:
            table.write_parquet(staged)
        os.chmod(staged, 0o600)
        os.replace(staged, path)  # atomic on one filesystem
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise


def publish_table(table: pl.DataFrame | pl.LazyFrame, folder: Path, name: str) -> Path:
    """Publish ``table`` (a LazyFrame is streamed) as ``folder/<name>.parquet`` and as ``folder/latest.parquet``;
    returns the first."""
    target = folder / f"{name}.parquet"
    _atomic_parquet(table, target)
    _atomic_parquet(pl.scan_parquet(target), folder / LATEST)
    return target
