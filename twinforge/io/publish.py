"""Publishing a synthetic table: written in full beside its destination, then moved into place.

A reader of the published folder sees the previous table or the new one, never half a file;
``latest.parquet`` always names the newest published day. The folder's ``published.json`` records, per day,
the model version the twin was sampled from and the batches that version was trained on, so that withdrawing
a batch takes every twin derived from it out of the folder (:func:`unpublish_withdrawn`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from twinforge.io.locks import exclusive_lock
from twinforge.io.permissions import private_mkdir, write_private, write_private_text

LATEST = "latest.parquet"
MANIFEST = "published.json"
_LOCK = ".latest.lock"


class WithdrawnSourceError(RuntimeError):
    """A twin whose model was trained on a batch withdrawn since is not published."""


@dataclass(frozen=True)
class Unpublished:
    """What :func:`unpublish_withdrawn` took out of a published folder."""

    days: list[str]  # moved to the unpublished folder
    unrecorded: list[str]  # of those, the days published with no record of their source (taken out to be safe)
    latest: str | None  # the day latest.parquet holds now; None: no day is left, latest.parquet is gone


def _atomic_parquet(table: pl.DataFrame | pl.LazyFrame, path: Path) -> None:
    def write(target: Path) -> None:
        if isinstance(table, pl.LazyFrame):
            table.sink_parquet(target)  # streamed: a dataset larger than memory is written a batch at a time
        else:
            table.write_parquet(target)

    write_private(path, write)


def _days(folder: Path) -> list[str]:
    return sorted(path.stem for path in folder.glob("*.parquet") if path.name != LATEST)


def _read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        return {"days": {}, "latest": None}
    manifest = json.loads(path.read_text(encoding="utf-8"))
    return {"days": dict(manifest.get("days", {})), "latest": manifest.get("latest")}


def _write_manifest(folder: Path, manifest: dict) -> None:
    write_private_text(folder / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))


def _point_latest(folder: Path, manifest: dict, days: list[str]) -> None:
    """Make latest.parquet the twin of the newest of ``days`` (or remove it when there is none); a backfill of an
    earlier day leaves it as it is."""
    newest = max(days, default=None)
    if newest is None:
        (folder / LATEST).unlink(missing_ok=True)
    elif newest != manifest["latest"] or not (folder / LATEST).is_file():
        _atomic_parquet(pl.scan_parquet(folder / f"{newest}.parquet"), folder / LATEST)
    manifest["latest"] = newest


def publish_table(
    table: pl.DataFrame | pl.LazyFrame,
    folder: Path,
    name: str,
    *,
    model_version: str,
    training_batches: list[str],
    withdrawn_among: Callable[[list[str]], list[str]] | None = None,
) -> Path:
    """Publish ``table`` (a LazyFrame is streamed) as ``folder/<name>.parquet``, and as ``folder/latest.parquet``
    when ``name`` is the newest published (names sort by date: a backfill of an earlier day leaves latest as it
    is); returns the first. ``withdrawn_among`` (the batch store's) is asked, while the folder is locked, which of
    ``training_batches`` are withdrawn: any is a :class:`WithdrawnSourceError` and nothing is published, so a
    withdrawal made while the twin was written cannot be undone by it."""
    private_mkdir(folder)
    target = folder / f"{name}.parquet"
    pending = folder / f".{name}.parquet.pending"
    try:
        _atomic_parquet(table, pending)
        # one publisher (or withdrawal) at a time: two days published at once end with the newer one as latest
        with exclusive_lock(folder / _LOCK):
            withdrawn = withdrawn_among(list(training_batches)) if withdrawn_among else []
            if withdrawn:
                raise WithdrawnSourceError(
                    f"the twin of {name} is not published: model version {model_version} was trained on "
                    f"withdrawn batch{'es' if len(withdrawn) > 1 else ''} {', '.join(withdrawn)}"
                )
            os.replace(pending, target)
            manifest = _read_manifest(folder)
            manifest["days"][name] = {"model_version": str(model_version), "training_batches": list(training_batches)}
            _point_latest(folder, manifest, _days(folder))
            _write_manifest(folder, manifest)
    finally:
        pending.unlink(missing_ok=True)
    return target


def unpublish_withdrawn(
    folder: Path, to_folder: Path, withdrawn_among: Callable[[list[str]], list[str]]
) -> Unpublished:
    """Move every twin in ``folder`` sampled from a model trained on a batch that ``withdrawn_among`` (the batch
    store's) says is withdrawn, and every twin with no record of its source, to ``to_folder`` (owner-only;
    nothing is deleted); latest.parquet is pointed at the newest day left before any twin moves, so a reader
    never gets a withdrawn one. Safe to run again after an interruption."""
    if not folder.is_dir():
        return Unpublished([], [], None)
    with exclusive_lock(folder / _LOCK):
        manifest = _read_manifest(folder)
        days = _days(folder)
        recorded = {day: manifest["days"][day] for day in days if day in manifest["days"]}
        batches = sorted({b for record in recorded.values() for b in record.get("training_batches", [])})
        withdrawn = set(withdrawn_among(batches))
        unrecorded = [day for day in days if day not in recorded]
        leaving = [
            day
            for day in days
            if day in unrecorded or withdrawn.intersection(recorded[day].get("training_batches", []))
        ]
        if leaving:
            _point_latest(folder, manifest, [day for day in days if day not in leaving])
            private_mkdir(to_folder)
            for day in leaving:
                os.replace(folder / f"{day}.parquet", _free_name(to_folder, day))
                manifest["days"].pop(day, None)
            _write_manifest(folder, manifest)
        left = _days(folder)
        return Unpublished(leaving, unrecorded, left[-1] if left else None)


def _free_name(folder: Path, day: str) -> Path:
    """``folder/<day>.parquet``, or ``<day>.<n>.parquet`` when a twin of that day was unpublished before (a day
    published again, then unpublished again): nothing unpublished is overwritten."""
    path, n = folder / f"{day}.parquet", 1
    while path.exists():
        path, n = folder / f"{day}.{n}.parquet", n + 1
    return path
