"""Read and write tables by file extension: CSV (also gzipped), Parquet and JSON Lines."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from twinforge.io.permissions import write_private

FORMATS = {
    ".csv": "csv",
    ".csv.gz": "csv.gz",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def table_format(path: str | Path) -> str:
    """``"csv"``, ``"csv.gz"``, ``"parquet"`` or ``"jsonl"``, from the file name; an error names the file otherwise."""
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
        if kind == "jsonl":
            return pl.read_ndjson(path, infer_schema_length=None)
        # Types from every row (a column that turns float late must not fail) and dates parsed as dates.
        return pl.read_csv(path, infer_schema_length=None, try_parse_dates=True)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise ValueError(f"could not read {path} as {kind}: {error}") from error


def write_table(df: pl.DataFrame, path: str | Path) -> Path:
    write_table_chunks([df], path)
    return Path(path)


def write_table_chunks(chunks: Iterable[pl.DataFrame], path: str | Path, expected_rows: int | None = None) -> int:
    """Write ``chunks`` (frames with the same columns) to ``path`` one at a time, as they come. A chunk is
    written on a second thread while the next one is made (the writers release the GIL), so memory holds
    at most two chunks, never the table. Parquet gets a row group per chunk (pyarrow's ``ParquetWriter``),
    CSV one header. The file is written as :func:`~twinforge.io.permissions.write_private` writes: owner-only,
    under its name only once complete (a failure, also one raised while making a chunk, leaves none),
    through a symbolic link to its target; writers of one path at once each write a file of their own, and
    the last to finish replaces the others'. With ``expected_rows``, a table the free disk space cannot hold at
    the size of its first chunk stops there with an error (and leaves no file). Returns the number of rows
    written."""
    path = Path(path)
    kind = table_format(path)
    rows = 0

    def write(target: Path) -> None:
        nonlocal rows
        rows = _write_chunks(chunks, target, path, kind, expected_rows)

    try:
        write_private(path, write)
    except OSError as error:  # making the temporary file or moving it into place
        raise ValueError(f"could not write {path} as {kind}: {error}") from error
    return rows


def _write_chunks(
    chunks: Iterable[pl.DataFrame], target: Path, path: Path, kind: str, expected_rows: int | None = None
) -> int:
    """Write ``chunks`` into the file ``target``; errors name ``path``, the file the caller asked for."""
    rows, writer = 0, None
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="twinforge-write") as pool:
            writing: Future | None = None
            for index, chunk in enumerate(chunks):
                _written(writing, path, kind)
                if index == 1 and expected_rows is not None:  # the first chunk is on disk: its size per row
                    _check_room(target, path, rows, expected_rows)
                try:
                    writer = writer or _ChunkWriter(target, kind, chunk)
                except _WRITE_ERRORS as error:
                    raise ValueError(f"could not write {path} as {kind}: {error}") from error
                writing = pool.submit(writer.write, chunk)
                rows += chunk.height
            _written(writing, path, kind)
        if writer is None:
            raise ValueError(f"could not write {path}: no chunks to write")
        try:
            writer.close()
        except _WRITE_ERRORS as error:
            raise ValueError(f"could not write {path} as {kind}: {error}") from error
    finally:
        if writer is not None:
            writer.close()
    return rows


def _check_room(target: Path, path: Path, rows: int, expected_rows: int) -> None:
    """ValueError when ``expected_rows`` at the size per row of the first ``rows`` written to ``target`` would
    not fit in the free space of its disk (with a tenth to spare)."""
    written = target.stat().st_size
    needed = written / max(rows, 1) * expected_rows
    free = shutil.disk_usage(target.parent).free + written
    if needed > 0.9 * free:
        raise ValueError(
            f"could not write {path}: {expected_rows:,} rows would take about {_size(needed)} at the size of the "
            f"first {rows:,}, and {_size(free)} are free there: ask for fewer rows or write to a larger disk"
        )


def _size(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


_WRITE_ERRORS = (pl.exceptions.PolarsError, OSError, ValueError, pa.ArrowException)


def _written(writing: Future | None, path: Path, kind: str) -> None:
    """Wait for a chunk's write; its error, if any, naming the file."""
    if writing is None:
        return
    try:
        writing.result()
    except _WRITE_ERRORS as error:
        raise ValueError(f"could not write {path} as {kind}: {error}") from error


# a text cell a spreadsheet would run as a formula: "=", "+", "-" or "@" first (not a signed number, nor a dash
# alone), or a tab or carriage return first (OWASP's CSV injection)
_FORMULA = r"^(?:[=+\-@]|[\t\r])"
_SIGNED_NUMBER = r"^[+\-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+\-]?\d+)?%?$|^-+$"


def without_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell that a spreadsheet opening its CSV would run as a formula
    (``=HYPERLINK(...)``, ``@SUM(...)``, ``+cmd|...``) led by an apostrophe, which spreadsheets show as text; signed
    numbers written as text ("-12.5", "+44") and other cells as they are."""
    text = [
        c for c, dtype in frame.schema.items() if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)
    ]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(
            pl.col(c).cast(pl.String).str.contains(_FORMULA) & ~pl.col(c).cast(pl.String).str.contains(_SIGNED_NUMBER)
        )
        .then(pl.lit("'") + pl.col(c).cast(pl.String))
        .otherwise(pl.col(c).cast(pl.String))
        .alias(c)
        for c in text
    )


class _ChunkWriter:
    """Appends frames to one open file of ``kind``; the first frame sets the columns and their types."""

    def __init__(self, path: Path, kind: str, first: pl.DataFrame):
        self.kind, self.names, self.closed = kind, first.columns, False
        if kind == "parquet":
            self.schema = first.to_arrow().schema
            self.file = pq.ParquetWriter(path, self.schema, compression="zstd")
        else:
            nested = [c for c, dtype in first.schema.items() if dtype.is_nested()]
            if nested and kind != "jsonl":
                raise ValueError(f"CSV cannot hold the list or struct columns {nested}: write .parquet or .jsonl")
            self.file = gzip.open(path, "wb") if kind == "csv.gz" else open(path, "wb")  # noqa: SIM115
            self.header = True

    def write(self, chunk: pl.DataFrame) -> None:
        if chunk.columns != self.names:
            raise ValueError(f"a chunk has the columns {chunk.columns}, the first had {self.names}")
        if self.kind == "parquet":
            table = chunk.to_arrow()
            if table.schema != self.schema:  # e.g. a column all null in the first chunk
                try:
                    table = table.cast(self.schema)
                except pa.ArrowException:  # its message can quote a value: name the columns and types only
                    differ = [
                        f"{f.name}: {f.type} (first chunk: {self.schema.field(f.name).type})"
                        for f in table.schema
                        if f.type != self.schema.field(f.name).type
                    ]
                    raise ValueError(f"a chunk's column types differ from the first chunk's: {differ}") from None
            self.file.write_table(table)
        elif self.kind == "jsonl":
            chunk.write_ndjson(self.file)
        else:
            # CSV has no duration type: ISO 8601 text, as the JSON Lines writer gives ("PT6H26M")
            chunk = without_formulas(chunk.with_columns(pl.col(pl.Duration).dt.to_string()))
            chunk.write_csv(self.file, include_header=self.header)
            self.header = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.file.close()
