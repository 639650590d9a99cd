"""Read and write tables by file extension: CSV (also gzipped) and Parquet."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl

FORMATS = {".csv": "csv", ".csv.gz": "csv.gz", ".parquet": "parquet", ".pq": "parquet"}


def table_format(path: str | Path) -> str:
    """``"csv"``, ``"csv.gz"`` or ``"parquet"``, from the file name; an error names the file otherwise."""
    name = Path(path).name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):  # ".csv.gz" before ".csv"
        if name.endswith(suffix):
            return FORMATS[suffix]
    raise ValueError(f"cannot tell the table format of {str(path)!r}: use one of {', '.join(FORMATS)}")


def read_table(path: str | Path) -> pl.DataFrame:
    path = Path(path)
    kind = table_format(path)
    if not path.is_file():
        raise FileNotFoundError(f"input table not found: {path}")
    try:
        if kind == "parquet":
            return pl.read_parquet(path)
        # Types from every row (a column that turns float late must not fail) and dates parsed as dates.
        return pl.read_csv(path, infer_schema_length=None, try_parse_dates=True)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise ValueError(f"could not read {path} as {kind}: {error}") from error


def write_table(df: pl.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    kind = table_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if kind == "parquet":
            df.write_parquet(path)
        elif kind == "csv.gz":
            with gzip.open(path, "wb") as file:
                df.write_csv(file)
        else:
            df.write_csv(path)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise ValueError(f"could not write {path} as {kind}: {error}") from error
    return path
