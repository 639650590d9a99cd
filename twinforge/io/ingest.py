"""Ingestion: read a source into a typed polars table, accounting for every record.

``rows_in = rows_out + rows_quarantined`` always holds: a record that cannot be
used (ragged, undecodable, oversized, or a value that does not parse as the
spec's type) either stops ingestion with an error naming the source, row and
column (``ingest.on_bad_rows: fail``, the default) or goes to the quarantine
table with its reason (``quarantine``). The quarantine table holds the record's
raw values only when ``ingest.keep_raw`` allows a raw copy; otherwise just the
position and the reason, enough to find it in the source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from twinforge.config.spec import ColumnPolicy, DatasetSpec, IngestSpec, SourceSpec, SpecError, format_from_name
from twinforge.io import readers
from twinforge.io.readers import LINE, ROW, BadRow, IngestError, SourceRead
from twinforge.io.schema import ColumnKind, TableSchema, infer_schema
from twinforge.io.typing_rules import Declared, failures, infer_text, null_out, parse_as

__all__ = ["IngestError", "IngestResult", "QUARANTINE_SCHEMA", "ingest", "ingest_source", "table_fingerprint"]

QUARANTINE_SCHEMA = {
    "source": pl.String,
    "row": pl.Int64,
    "line": pl.Int64,
    "column": pl.String,
    "reason": pl.String,
    "record": pl.String,  # raw values as JSON, only when ingest.keep_raw
}
MAX_LISTED_BAD_ROWS = 5
# kinds a later batch is held to (see ingest_source's reference); text-like kinds take any value
PINNED_KINDS = (ColumnKind.INTEGER, ColumnKind.FLOAT, ColumnKind.BOOLEAN, ColumnKind.DATETIME)


def file_sha256(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def table_fingerprint(df: pl.DataFrame) -> str:
    """A content hash of a table (row order sensitive), for lineage of derived data."""
    # polars row hashes are stable within a polars version, which is what lineage within a deployment needs
    row_hashes = df.hash_rows(seed=0)
    return hashlib.sha256(row_hashes.to_numpy().tobytes() + ",".join(df.columns).encode()).hexdigest()


@dataclass
class IngestResult:
    table: pl.DataFrame  # typed; the rows that passed
    quarantine: pl.DataFrame  # one row per record set aside (QUARANTINE_SCHEMA)
    schema: TableSchema  # inferred, with the spec's overrides; identifiers detected
    source: str  # file path or database URL without password
    format: str
    rows_in: int
    content_sha256: str
    declared_columns: list[str] = field(default_factory=list)  # columns whose kind the spec set

    @property
    def rows_out(self) -> int:
        return self.table.height

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine.height

    def quarantine_reasons(self) -> dict[str, int]:
        """Counts of quarantined rows per column and kind of problem, with no values."""
        if self.quarantine.height == 0:
            return {}
        labels = self.quarantine.select(
            pl.concat_str([pl.col("column").fill_null("(record)"), pl.col("reason")], separator=": ")
        ).to_series()
        return dict(sorted(labels.value_counts().iter_rows(), key=lambda kv: -kv[1]))

    def set_aside(self, positions: list[int], reason: str, keep_values: bool = False) -> IngestResult:
        """This result with the rows at ``positions`` (0-based in ``table``) moved to the quarantine.

        Each gets its 1-based source record number (records are numbered 1..rows_in, and the
        quarantined ones are missing from ``table``) and ``reason``; its raw values as JSON only
        with ``keep_values`` (``ingest.keep_raw``). rows_in = rows_out + rows_quarantined still holds.
        """
        if not positions:
            return self
        taken = set(self.quarantine.get_column("row").drop_nulls().to_list())
        numbers = [r for r in range(1, self.rows_in + 1) if r not in taken]
        mapped = len(numbers) == self.table.height  # else a source without record numbers: leave them null
        index = pl.Series(positions, dtype=pl.Int64)
        rows = self.table[index]
        records = None
        if keep_values:
            import json

            records = [
                json.dumps({k: (None if v is None else str(v)) for k, v in r.items()})
                for r in rows.iter_rows(named=True)
            ]
        added = pl.DataFrame(
            {
                "source": [self.source] * len(positions),
                "row": [numbers[p] if mapped else None for p in positions],
                "line": [None] * len(positions),
                "column": [None] * len(positions),
                "reason": [reason] * len(positions),
                "record": records or [None] * len(positions),
            },
            schema=QUARANTINE_SCHEMA,
        )
        keep = pl.Series([True] * self.table.height).scatter(positions, False)
        quarantine = pl.concat([self.quarantine, added]).sort("row", nulls_last=True, maintain_order=True)
        return replace(self, table=self.table.filter(keep), quarantine=quarantine)

    def schema_origin(self) -> dict[str, str]:
        return {c: ("spec" if c in self.declared_columns else "inferred") for c in self.schema.names}


def _read(fmt: str, source: SourceSpec, options: IngestSpec, path: Path | None) -> tuple[SourceRead, str]:
    keep = options.keep_raw
    if fmt == "csv":
        return readers.read_csv(
            path,
            delimiter=source.delimiter,
            encoding=source.encoding,
            max_field_chars=options.max_field_chars,
            keep_values=keep,
        ), str(path)
    if fmt == "jsonl":
        return readers.read_jsonl(
            path, encoding=source.encoding, max_field_chars=options.max_field_chars, keep_values=keep
        ), str(path)
    if fmt == "parquet":
        return readers.read_parquet(path), str(path)
    if fmt == "sqlite":
        return readers.read_sqlite(path, table=source.table, query=source.query), str(path)
    if fmt == "duckdb":
        return readers.read_duckdb(path, table=source.table, query=source.query), str(path)
    if fmt == "postgres":
        url = source_url(source)
        return readers.read_sqlalchemy(url, table=source.table, query=source.query), readers.safe_url(url)
    raise IngestError(f"unsupported source format {fmt!r}")


def source_url(source: SourceSpec) -> str:
    import os

    if source.url is not None:
        return source.url
    value = os.environ.get(source.url_env or "")
    if not value:
        raise IngestError(f"source.url_env names {source.url_env!r}, but that environment variable is not set")
    return value


def ingest_source(
    source: SourceSpec,
    columns: Mapping[str, ColumnPolicy] | None = None,
    options: IngestSpec | None = None,
    path: str | Path | None = None,
    reference: Mapping[str, ColumnKind] | None = None,
) -> IngestResult:
    """Read ``source`` (or the file ``path``, e.g. a batch, read with the source's options) and type it.

    ``reference`` gives the kinds of the dataset's first batch: a later batch is typed as
    those (a cell that does not parse is a bad row), never re-inferred, so one batch with text
    in a number column cannot retype the dataset. Raises :class:`IngestError` for a source that
    cannot be used as a whole, and for bad rows when ``options.on_bad_rows`` is ``fail``; the
    message names file, row and column.
    """
    columns = dict(columns or {})
    options = options or IngestSpec()
    if path is not None:
        path = Path(path)
        fmt = format_from_name(path.name) or source.resolved_format
    else:
        path = source.path
        fmt = source.resolved_format
    read, origin = _read(fmt, source, options, path)
    if read.records == 0:
        raise IngestError(f"{origin}: no data rows (an empty table cannot be ingested)")

    data_columns = [c for c in read.table.columns if c not in (ROW, LINE)]
    missing = sorted(set(columns) - set(data_columns))
    if missing:
        hint = " (check source.delimiter)" if fmt == "csv" and len(data_columns) == 1 else ""
        raise SpecError(
            f"{origin}: field 'columns' of the spec names columns that are not in the source: {missing} "
            f"(the source has: {', '.join(data_columns)}){hint}"
        )
    table = null_out(read.table, data_columns, source.null_values) if read.text else read.table
    declared = {c: Declared(p.kind, p.format) for c, p in columns.items() if p.kind is not None}
    for name, kind in (reference or {}).items():
        if name in data_columns and name not in declared and kind in PINNED_KINDS:
            declared[name] = Declared(kind)
    typed, type_bad = _type_columns(table, data_columns, declared, read.text, origin, options.keep_raw)
    bad = sorted(read.bad_rows + type_bad, key=lambda b: b.row or 0)

    if bad and options.on_bad_rows == "fail":
        raise IngestError(_bad_rows_message(origin, bad))
    if type_bad:
        bad_rows = pl.Series([b.row for b in type_bad], dtype=pl.Int64)
        typed = typed.filter(~pl.col(ROW).is_in(bad_rows.implode()))
    typed = typed.drop([c for c in (ROW, LINE) if c in typed.columns])

    kinds = {c: d.kind for c, d in declared.items()}
    identifiers = [c for c, p in columns.items() if p.role == "identifier"]
    schema = infer_schema(typed, overrides=kinds, identifiers=identifiers, detect_identifiers=True)
    sha = (
        file_sha256(path)
        if fmt not in ("postgres",) and path is not None and path.is_file()
        else table_fingerprint(typed)
    )
    return IngestResult(
        table=typed,
        quarantine=quarantine_frame(origin, bad),
        schema=schema,
        source=origin,
        format=fmt,
        rows_in=read.records,
        content_sha256=sha,
        declared_columns=sorted(c for c, p in columns.items() if p.kind is not None),
    )


def _type_columns(
    table: pl.DataFrame, data_columns: list[str], declared: dict[str, Declared], text: bool, origin: str, keep: bool
) -> tuple[pl.DataFrame, list[BadRow]]:
    converted = []
    failed: dict[str, pl.Series] = {}
    for name in data_columns:
        original = table.get_column(name)
        if name in declared:
            parsed = parse_as(original, declared[name])
            mask = failures(original, parsed)
            if mask.any():
                failed[name] = mask
        elif text:
            parsed = infer_text(original)
        else:
            parsed = original
        converted.append(parsed.alias(name))
    typed = table.with_columns(converted)
    bad: list[BadRow] = []
    if failed:
        any_failed = pl.any_horizontal([m for m in failed.values()])
        failed_frame = (
            pl.DataFrame({c: m for c, m in failed.items()})
            .with_columns(
                table.get_column(ROW),
                table.get_column(LINE) if LINE in table.columns else pl.lit(None, pl.Int64).alias(LINE),
            )
            .filter(any_failed)
        )
        originals = table.filter(any_failed).select(data_columns) if keep else None
        for i, row in enumerate(failed_frame.iter_rows(named=True)):
            cols = [c for c in failed if row[c]]
            parts = []
            for k, c in enumerate(cols):
                fmt = f" (format {declared[c].format!r})" if declared[c].format else ""
                text = f"value does not parse as {declared[c].kind.value}{fmt}"
                parts.append(text if k == 0 else f"column {c!r}: {text}")
            reason = "; ".join(parts)
            record = None
            if originals is not None:
                import json

                record = json.dumps(
                    {k: (None if v is None else str(v)) for k, v in originals.row(i, named=True).items()}
                )
            bad.append(BadRow(row[ROW], reason, cols[0], row[LINE], record))
    return typed, bad


def _bad_rows_message(origin: str, bad: list[BadRow]) -> str:
    listed = "\n".join(f"  {b.where()}: {b.reason}" for b in bad[:MAX_LISTED_BAD_ROWS])
    more = f"\n  ... and {len(bad) - MAX_LISTED_BAD_ROWS} more" if len(bad) > MAX_LISTED_BAD_ROWS else ""
    return (
        f"{origin}: {len(bad)} bad row{'s' if len(bad) != 1 else ''} "
        f"(ingest.on_bad_rows is 'fail'; set it to 'quarantine' to set them aside and go on):\n{listed}{more}"
    )


def quarantine_frame(origin: str, bad: list[BadRow]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": [origin] * len(bad),
            "row": [b.row for b in bad],
            "line": [b.line for b in bad],
            "column": [b.column for b in bad],
            "reason": [b.reason for b in bad],
            "record": [b.record for b in bad],
        },
        schema=QUARANTINE_SCHEMA,
    )


def ingest(
    spec: DatasetSpec, path: str | Path | None = None, reference: Mapping[str, ColumnKind] | None = None
) -> IngestResult:
    """Ingest the spec's source, or ``path`` (a batch file) read with the spec's source options and typed
    as ``reference`` (the first batch's kinds)."""
    return ingest_source(spec.source, spec.columns, spec.ingest, path=path, reference=reference)
