"""Ingestion: read a dataset's source into a polars table and fingerprint it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from twinforge.schema import TableSchema, infer_schema
from twinforge.spec import DatasetSpec, SpecError
from twinforge.tabular_io import read_table


def file_sha256(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class IngestedTable:
    table: pl.DataFrame
    source: Path
    content_sha256: str
    schema: TableSchema


def ingest(spec: DatasetSpec) -> IngestedTable:
    """Read the spec's source; errors name the file and the spec's bad column names."""
    path = spec.source.path
    if not path.is_file():
        raise FileNotFoundError(f"dataset {spec.name!r}: source file not found: {path}")
    table = read_table(path)
    missing = sorted(set(spec.columns) - set(table.columns))
    if missing:
        raise SpecError(
            f"dataset {spec.name!r}: field 'columns' names columns that are not in {path}: {missing} "
            f"(the file has: {', '.join(table.columns)})"
        )
    schema = infer_schema(table, overrides=spec.kind_overrides, identifiers=spec.identifiers)
    return IngestedTable(table=table, source=path, content_sha256=file_sha256(path), schema=schema)


def table_fingerprint(df: pl.DataFrame) -> str:
    """A content hash of a table (row order sensitive), for lineage of derived data."""
    # polars row hashes are stable within a polars version, which is what lineage within a deployment needs
    row_hashes = df.hash_rows(seed=0)
    return hashlib.sha256(row_hashes.to_numpy().tobytes() + ",".join(df.columns).encode()).hexdigest()
