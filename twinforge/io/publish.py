"""Publishing a synthetic table: written in full beside its destination, then moved into place.

A reader of the published folder sees the previous table or the new one, never half a file;
``latest.parquet`` always names the newest published day.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from twinforge.io.locks import exclusive_lock
from twinforge.io.permissions import write_private

LATEST = "latest.parquet"


def _atomic_parquet(table: pl.DataFrame | pl.LazyFrame, path: Path) -> None:
    def write(target: Path) -> None:
        if isinstance(table, pl.LazyFrame):
            table.sink_parquet(target)  # streamed: a dataset larger than memory is written a batch at a time
        else:
            table.write_parquet(target)

    write_private(path, write)


def publish_table(table: pl.DataFrame | pl.LazyFrame, folder: Path, name: str) -> Path:
    """Publish ``table`` (a LazyFrame is streamed) as ``folder/<name>.parquet``, and as ``folder/latest.parquet``
    when ``name`` is the newest published (names sort by date: a backfill of an earlier day leaves latest as it
    is); returns the first."""
    target = folder / f"{name}.parquet"
    _atomic_parquet(table, target)
    # one publisher at a time decides and writes latest: two days published at once end with the newer one
    with exclusive_lock(folder / ".latest.lock"):
        newest = max(path.stem for path in folder.glob("*.parquet") if path.name != LATEST)
        if name == newest:
            _atomic_parquet(pl.scan_parquet(target), folder / LATEST)
    return target
