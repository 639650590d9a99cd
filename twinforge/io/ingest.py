"""Ingestion: read a source into a typed polars table, accounting for every record.

``rows_in = rows_out + rows_quarantined`` always holds and is checked (an
internal error otherwise, failing closed): a record that cannot be used (ragged,
broken by a stray quote, undecodable, oversized, a value that does not parse as
its column's kind, a non-finite number under ``ingest.non_finite: quarantine``)
either stops ingestion with an error naming the source, line, row and column
(``ingest.on_bad_rows: fail``, the default) or goes to the quarantine table with
its reason (``quarantine``). The quarantine table holds the record's
raw values only when ``ingest.keep_raw`` allows a raw copy; otherwise just the
position and the reason, enough to find it in the source.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl
from pyarrow.lib import ArrowException

from twinforge.config.spec import ColumnPolicy, DatasetSpec, IngestSpec, SourceSpec, SpecError, format_from_name
from twinforge.io import readers
from twinforge.io.readers import LINE, ROW, BadRow, IngestError, SourceRead
from twinforge.io.schema import ColumnKind, TableSchema, infer_schema
from twinforge.io.typing_rules import (
    Declared,
    beyond_int64,
    day_month_formats,
    decimal_point,
    failures,
    infer_text,
    looks_decimal_comma,
    null_out,
    number_kinds,
    parse_as,
)
from twinforge.io.written_forms import DateForm, WrittenForm, written_forms
from twinforge.privacy.nested import SEPARATOR as NESTED_SEPARATOR
from twinforge.privacy.nested import flatten_nested, is_parent, leaf_declarations

__all__ = [
    "IngestError",
    "IngestResult",
    "QUARANTINE_SCHEMA",
    "check_accounting",
    "ingest",
    "ingest_source",
    "table_fingerprint",
]

QUARANTINE_SCHEMA = {
    "source": pl.String,
    "row": pl.Int64,
    "line": pl.Int64,
    "column": pl.String,
    "reason": pl.String,
    "record": pl.String,  # raw values as JSON, only when ingest.keep_raw
}
MAX_LISTED_BAD_ROWS = 5
# kinds whose values are parsed from text; a later batch is held to them (see ingest_source's reference)
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
    lines_in: int | None = None  # physical lines of a text file, where they differ from records
    non_finite: dict[str, int] = field(default_factory=dict)  # inf / -inf / NaN cells per float column
    note: str | None = None  # how the file was read, where its name would not tell (SourceRead.note)
    # how a text source wrote the columns typed from spreadsheet forms ("5/17/2024", "$1,610.16"): text outputs
    # write them so again (twinforge.io.written_forms)
    written_forms: dict[str, WrittenForm] = field(default_factory=dict)

    def counts(self) -> str:
        """``400 rows in (401 lines), 399 out, 1 quarantined``: the record accounting, for people."""
        lines = f" ({self.lines_in:,} lines)" if self.lines_in is not None else ""
        text = f"{self.rows_in:,} rows in{lines}, {self.rows_out:,} out, {self.rows_quarantined:,} quarantined"
        if self.non_finite:
            text += f"; non-finite numbers: {', '.join(f'{c} {n:,}' for c, n in self.non_finite.items())}"
        if self.note:
            text += f"; {self.note}"
        return text

    @property
    def rows_out(self) -> int:
        return self.table.height

    def records_sha256(self) -> str:
        """One digest of the records read, whatever their order, text encoding, line ends or file format: the
        typed rows' hashes, sorted, with the column names and the count of records in (the quarantined ones
        count, not their content). A feed that sends the same records twice, re-exported, sends no new batch."""
        names = sorted(self.table.columns)
        # a 0/1 column reads as integers from text and as booleans from a typed file: one form for both
        canonical = self.table.select(pl.col(names)).with_columns(pl.col(pl.Boolean).cast(pl.Int64))
        hashes = canonical.hash_rows(seed=0).sort().to_numpy()
        digest = hashlib.sha256(json.dumps({"columns": names, "records": self.rows_in}).encode())
        digest.update(hashes.tobytes())
        return digest.hexdigest()

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

    def refuse_empty(self) -> IngestResult:
        """This result, or an :class:`IngestError` listing the first bad rows when every record of the source was
        set aside: as a source of no records, nothing is left to anonymize, learn from or publish (a batch is
        judged by its own rules: :meth:`twinforge.io.batches.BatchStore.check`)."""
        if self.rows_out or not self.rows_in:
            return self
        bad = [
            BadRow(row, reason, column, line)
            for row, line, column, reason in self.quarantine.select("row", "line", "column", "reason")
            .head(MAX_LISTED_BAD_ROWS)
            .iter_rows()
        ]
        listed = _listed(bad, self.rows_quarantined)
        raise IngestError(
            f"{self.source}: all {self.rows_in:,} records are bad rows, none is left to ingest (an empty table "
            f"cannot be ingested):\n{listed}"
        )

    def schema_origin(self) -> dict[str, str]:
        return {c: ("spec" if c in self.declared_columns else "inferred") for c in self.schema.names}


def _read(fmt: str, source: SourceSpec, options: IngestSpec, path: Path | None) -> tuple[SourceRead, str]:
    keep = options.keep_raw
    if fmt == "csv":
        return readers.read_csv(
            path,
            delimiter=source.delimiter_for(path),
            encoding=source.encoding,
            max_field_chars=options.max_field_chars,
            keep_values=keep,
            header=source.header,
        ), str(path)
    if fmt == "jsonl":
        return readers.read_jsonl(
            path, encoding=source.encoding, max_field_chars=options.max_field_chars, keep_values=keep
        ), str(path)
    if fmt == "parquet":
        read, origin = readers.read_parquet(path), str(path)
    elif fmt == "sqlite":
        read, origin = readers.read_sqlite(path, table=source.table, query=source.query), str(path)
    elif fmt == "duckdb":
        read, origin = readers.read_duckdb(path, table=source.table, query=source.query), str(path)
    elif fmt == "postgres":
        url = source_url(source)
        read, origin = readers.read_sqlalchemy(url, table=source.table, query=source.query), readers.safe_url(url)
    else:
        raise IngestError(f"unsupported source format {fmt!r}")
    return readers.without_oversized_fields(read, options.max_field_chars, keep), origin


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
    partial: bool = False,
) -> IngestResult:
    """Read ``source`` (or the file ``path``, e.g. a batch, read with the source's options) and type it.

    ``columns`` (the spec's) must all be in the table, unless ``partial``: a table derived from the source (a
    training or synthetic table anonymization took columns from) is typed by the declarations of the columns
    it has.

    ``reference`` gives the kinds of the dataset's first batch: a later batch is typed as
    those (a cell that does not parse is a bad row), never re-inferred, so one batch with text
    in a number column cannot retype the dataset. Raises :class:`IngestError` for a source that
    cannot be used as a whole, and for bad rows when ``options.on_bad_rows`` is ``fail``; the
    message names file, row and column, never a value. Errors of the libraries underneath, whose
    messages may quote cells, become an :class:`IngestError` that withholds their text.
    """
    origin = str(path if path is not None else source.path or "the database source")
    try:
        return _ingest(source, dict(columns or {}), options or IngestSpec(), path, reference, partial)
    except (pl.exceptions.PolarsError, ArrowException) as error:
        failure = type(error).__name__
    # raised outside the except block: the library's message (and its values) is not even the context
    raise IngestError(
        f"{origin}: the data could not be read or typed ({failure}; its message is withheld because it may "
        "quote cell values)"
    )


def _ingest(
    source: SourceSpec,
    columns: dict[str, ColumnPolicy],
    options: IngestSpec,
    path: str | Path | None,
    reference: Mapping[str, ColumnKind] | None,
    partial: bool = False,
) -> IngestResult:
    if path is not None:
        path = Path(path)
        fmt = format_from_name(path.name) or source.resolved_format
    else:
        path = source.path
        fmt = source.resolved_format
    read, origin = _read(fmt, source, options, path)
    # keys inside lists of objects (JSON Lines, database JSON/struct columns) become columns once opened up:
    # refused here, naming the source, rather than later by PII detection, which knows no file
    data_schema = {c: t for c, t in read.table.schema.items() if c not in (ROW, LINE)}
    readers.refuse_personal_data_in_names(readers.leaf_names(data_schema), origin)
    readers.refuse_clashing_leaves(data_schema, origin)
    if read.records == 0:
        raise IngestError(f"{origin}: no data rows (an empty table cannot be ingested)")

    data_columns = [c for c in read.table.columns if c not in (ROW, LINE)]
    # the spec names a struct's fields as anonymization opens them up (parent.field), and may declare the struct
    # itself: its declaration is then each field's that declares none of its own (see leaf_declarations)
    opened = readers.leaf_names(data_schema)
    known = set(data_columns) | set(opened)

    def in_source(name: str) -> bool:
        return name in known or is_parent(name, opened)

    if partial:
        columns = {c: p for c, p in columns.items() if in_source(c)}
    missing = sorted(c for c in columns if not in_source(c))
    if missing:
        hint = " (check source.delimiter)" if fmt == "csv" and len(data_columns) == 1 else ""
        raise SpecError(
            f"{origin}: field 'columns' of the spec names columns that are not in the source: {missing} "
            f"(the source has: {', '.join(data_columns)}){hint}"
        )
    # a schema is built afresh on each access: once per table, never per column (a wide table's cost is quadratic)
    read_schema = read.table.schema
    text_columns = [c for c in data_columns if read_schema[c] == pl.String] if read.text else []
    table = null_out(read.table, text_columns, source.na_values)
    try:
        leaves = leaf_declarations(columns, opened)
    except ValueError as error:
        raise SpecError(f"{origin}: field 'columns' of the spec: {error}") from None
    present = set(data_columns)
    policies = {c: leaves.get(c, p) for c, p in columns.items() if c in present}
    policies.update({c: p for c, p in leaves.items() if c in present})
    declared = {c: Declared(p.kind, p.format) for c, p in policies.items() if p.kind is not None}
    schema = table.schema
    nested = sorted(c for c, d in declared.items() if d.kind in PINNED_KINDS and schema[c].is_nested())
    if nested:
        raise SpecError(
            f"{origin}: field 'columns' of the spec declares a number, boolean or date kind for {nested}, which hold "
            "lists or structs (a struct's fields keep the types the file gives them; leave kind out)"
        )
    fields = {c: p.kind for c, p in leaves.items() if c not in present and c in known and p.kind in PINNED_KINDS}
    if fields:  # a struct's fields are not parsed: a kind they hold already is taken, another refused
        field_types = flatten_nested(table.select(data_columns).head(0)).schema
        in_structs = sorted(c for c, kind in fields.items() if not _holds_kind(field_types[c], kind))
        if in_structs:
            raise SpecError(
                f"{origin}: field 'columns' of the spec declares a number, boolean or date kind for {in_structs}, "
                "each a field of a struct (or of the structs in a list) whose type in the file is another: such a "
                "field keeps the type the file gives it; leave kind out"
            )
    for name, kind in (reference or {}).items():
        if name in data_columns and name not in declared and kind in PINNED_KINDS:
            declared[name] = Declared(_pinned_kind(table.get_column(name), kind, read.text))
    typed, type_bad = _type_columns(
        table, data_columns, declared, text_columns, options.keep_raw, source.decimal, source.na_values
    )
    if fmt == "csv" and "header" not in source.model_fields_set:  # a spec's header: true is taken at its word
        _refuse_a_record_as_header(origin, typed.select(data_columns))
    typed, non_finite, non_finite_bad = _non_finite(typed, data_columns, options.non_finite)
    row_bad = _one_per_row(type_bad + non_finite_bad)
    bad = sorted(read.bad_rows + row_bad, key=lambda b: b.row or 0)

    if bad and options.on_bad_rows == "fail":
        raise IngestError(_bad_rows_message(origin, bad))
    if row_bad:
        bad_rows = pl.Series([b.row for b in row_bad], dtype=pl.Int64)
        typed = typed.filter(~pl.col(ROW).is_in(bad_rows.implode()))
    typed = typed.drop([c for c in (ROW, LINE) if c in typed.columns])
    check_accounting(origin, records=read.records, kept=typed.height, quarantined=len(bad))

    kinds = {**number_kinds(typed), **{c: d.kind for c, d in declared.items()}}
    identifiers = [c for c, p in policies.items() if p.role == "identifier"]
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
        declared_columns=sorted({c for c, p in columns.items() if p.kind is not None} | set(declared)),
        lines_in=read.lines,
        non_finite=non_finite,
        note=_note(read.note, typed, text_columns, source.decimal),
        written_forms=_written_forms(table.select(text_columns), typed, declared, source.decimal),
    )


def _refuse_a_record_as_header(origin: str, typed: pl.DataFrame) -> None:
    """IngestError when the header line reads as a record (a header-less export): two or more columns typed
    as numbers, dates or booleans are named by a value of their own type, and either every column is, or half
    the typed ones are with one a date or a number no label looks like (with decimals, or of five digits or
    more). Columns named by years (1990, 1991) over numbers are a header. Text columns named by values of the
    personal data they hold are refused too (:func:`_refuse_personal_values_as_names`). The error gives
    positions: the names are a person's values."""
    names, dtypes = typed.columns, typed.dtypes  # once: each access builds the list afresh
    typed_columns = [j for j, dtype in enumerate(dtypes) if dtype.is_numeric() or dtype.is_temporal()]
    typed_columns += [j for j, dtype in enumerate(dtypes) if dtype == pl.Boolean]
    matched, strong = [], False
    for j in sorted(typed_columns):
        name = names[j].strip()
        if re.fullmatch(r"(18|19|20)\d\d", name):
            continue  # a year: a label
        _, kind = infer_text(pl.Series([name], dtype=pl.String))
        if kind is None or _kind_family(kind) != _kind_family(_dtype_kind(dtypes[j])):
            continue
        matched.append(j)
        strong |= kind is ColumnKind.DATETIME or bool(re.search(r"\.\d|\d{5}", name))
    every = len(matched) == typed.width
    if len(matched) >= 2 and (every or (2 * len(matched) >= len(typed_columns) and strong)):
        shown = ", ".join(str(j + 1) for j in matched[:10]) + (", ..." if len(matched) > 10 else "")
        raise IngestError(
            f"{origin}: line 1 looks like a record, not a header: columns {shown} of {typed.width} are named by "
            f"values of their own type (a number, a date); {_HEADER_REMEDY}"
        )
    _refuse_personal_values_as_names(origin, typed)


_HEADER_REMEDY = (
    "add a header line, or set source.header: false to read line 1 as a record (the columns are then named "
    "column_1, column_2, ...), or source.header: true if it is the header"
)


def _refuse_personal_values_as_names(origin: str, typed: pl.DataFrame) -> None:
    """IngestError when line 1 reads as a record of text: a column named by a value of the personal data its
    values are (a person's name of two or more words over a column of names, an address over addresses: see
    :func:`~twinforge.privacy.pii.detect.columns_named_by_their_values`), or two or more named by single
    listed names over names ("Zebulon" over first names, "Meyer" over surnames; one could be a header,
    as "Judge" over judges). The error gives positions and what the names look like, never the names: they are
    then a person's values."""
    from twinforge.privacy.pii.detect import VALUE_WORDS, columns_named_by_their_values

    found = columns_named_by_their_values(typed)
    if not any(not weak for _, _, weak in found) and len(found) < 2:
        return
    positions = [j for j, _, _ in found]
    shown = ", ".join(str(j + 1) for j in positions[:10]) + (", ..." if len(positions) > 10 else "")
    kinds = ", ".join(dict.fromkeys(VALUE_WORDS[entity] for _, entity, _ in found))
    columns = (
        f"column {shown} of {typed.width} is named like its own values"
        if len(found) == 1
        else f"columns {shown} of {typed.width} are named like their own values"
    )
    raise IngestError(f"{origin}: line 1 looks like a record, not a header: {columns} ({kinds}); {_HEADER_REMEDY}")


def _dtype_kind(dtype: pl.DataType) -> ColumnKind:
    if dtype == pl.Boolean:
        return ColumnKind.BOOLEAN
    if dtype.is_temporal():
        return ColumnKind.DATETIME
    return ColumnKind.FLOAT if dtype.is_float() else ColumnKind.INTEGER


def _kind_family(kind: ColumnKind) -> str:
    """Integers and floats are one family: a name "15" over a float column reads as its value."""
    return "number" if kind in (ColumnKind.INTEGER, ColumnKind.FLOAT) else kind.value


def _written_forms(
    text: pl.DataFrame, typed: pl.DataFrame, declared: Mapping[str, Declared], decimal: str
) -> dict[str, WrittenForm]:
    """The spreadsheet forms the text columns were read from; a declared date format is its column's form."""
    forms = written_forms(text, typed, decimal)
    text_names, typed_schema = set(text.columns), typed.schema  # once, not per column (see written_forms)
    for name, declaration in declared.items():
        if declaration.format and name in text_names and typed_schema[name].is_temporal():
            forms[name] = DateForm(declaration.format)
    return forms


def _note(read_note: str | None, typed: pl.DataFrame, text_columns: list[str], decimal: str) -> str | None:
    """How the file was read and the hints on columns left as text, joined; None when there is nothing."""
    hints = (read_note, _decimal_comma_hint(typed, text_columns, decimal), _day_month_hint(typed, text_columns))
    return "; ".join(n for n in hints if n) or None


def _day_month_hint(typed: pl.DataFrame, text_columns: list[str]) -> str | None:
    """A hint naming each column left as text that holds dates whose day/month order no value settles, with
    the two formats to declare (never a value)."""
    schema = typed.schema
    hints = []
    for name in text_columns:
        formats = day_month_formats(typed.get_column(name)) if schema[name] == pl.String else None
        if formats is not None:
            month_first, day_first = formats
            hints.append(
                f"{name} looks like dates whose day and month order no value settles (every part is 12 or less), "
                f'read as text: declare it under columns: with kind: datetime and format: "{month_first}" or '
                f'"{day_first}" in the spec'
            )
    return "; ".join(hints) or None


def _decimal_comma_hint(typed: pl.DataFrame, text_columns: list[str], decimal: str) -> str | None:
    """A hint naming the columns left as text that hold numbers written with a decimal comma ("45123,50")."""
    if decimal != ".":
        return None
    schema = typed.schema  # once, not per column (see written_forms)
    found = [c for c in text_columns if schema[c] == pl.String and looks_decimal_comma(typed.get_column(c))]
    if not found:
        return None
    return f"{', '.join(found)} look like numbers with a decimal comma, read as text: set source.decimal: ','"


def _holds_kind(dtype: pl.DataType, kind: ColumnKind) -> bool:
    """Whether values of ``dtype`` are of the (number, boolean or date) ``kind`` as they are."""
    if kind is ColumnKind.INTEGER:
        return dtype.is_integer()
    if kind is ColumnKind.FLOAT:
        return dtype.is_float() or dtype.is_decimal()
    if kind is ColumnKind.BOOLEAN:
        return dtype == pl.Boolean
    return isinstance(dtype, pl.Date | pl.Datetime)


def _pinned_kind(values: pl.Series, kind: ColumnKind, text: bool) -> ColumnKind:
    """The kind a later batch's column is parsed as. A boolean column written as 0/1 was typed as integers in
    the first batch (its boolean kind comes from the two values); parsing it as booleans would give later
    batches another dtype, and every drift comparison a false change."""
    if kind is ColumnKind.BOOLEAN and text and values.dtype == pl.String:
        present = values.drop_nulls().str.strip_chars()
        if present.len() and present.is_in(["0", "1"]).all():
            return ColumnKind.INTEGER
    return kind


def check_accounting(
    origin: str, *, records: int, kept: int, quarantined: int, lines: int | None = None, lines_seen: int | None = None
) -> None:
    """Fail closed unless records in = records kept + records quarantined (and, for text files, every
    physical line was read as header, record or blank line)."""
    if records != kept + quarantined:
        raise IngestError(
            f"{origin}: record accounting does not add up: {records:,} records in, {kept:,} kept, "
            f"{quarantined:,} quarantined (an internal error: nothing was ingested)"
        )
    if lines is not None:
        readers.check_lines(origin, lines=lines, lines_seen=lines_seen)


def _type_columns(
    table: pl.DataFrame,
    data_columns: list[str],
    declared: dict[str, Declared],
    text: list[str],
    keep: bool,
    decimal: str = ".",
    na_values: Sequence[str] = (),
) -> tuple[pl.DataFrame, list[BadRow]]:
    """Columns typed: as declared, else inferred for the ``text`` columns (read as strings), else as read.
    With ``decimal`` ",", text is read as numbers written with a decimal comma where it is numbers. A cell
    that fails because it is one of ``na_values`` in another letter case gets a reason that says so."""
    converted = []
    failed: list[Failure] = []
    for name in data_columns:
        original = table.get_column(name)
        numbers = decimal_point(original) if decimal == "," and name in text else original
        reason = None
        if name in declared:
            number_kind = declared[name].kind in (ColumnKind.INTEGER, ColumnKind.FLOAT)
            parsed = parse_as(numbers if number_kind else original, declared[name], decimal)
            fmt = f" (format {declared[name].format!r})" if declared[name].format else ""
            reason = f"value does not parse as {declared[name].kind.value}{fmt}"
            unsettled = day_month_formats(original) if declared[name].kind is ColumnKind.DATETIME and not fmt else None
            if unsettled is not None:
                reason += (
                    ": the day and month order no value of the batch settles (declare format: "
                    f'"{unsettled[0]}" or "{unsettled[1]}" for the column in the spec)'
                )
        elif name in text:
            parsed, kind = infer_text(numbers, decimal)
            if numbers is not original and kind not in (ColumnKind.INTEGER, ColumnKind.FLOAT):
                parsed, kind = infer_text(original)
            if kind is not None:
                reason = f"value does not parse as {kind.value} (the type of most of the column's values)"
        else:
            parsed = original
        if reason is not None:
            mask = failures(original, parsed)
            if mask.any():
                recased = _null_token_in_another_case(original, na_values) & mask
                too_big = beyond_int64(original, parsed) & mask if parsed.dtype == pl.Int64 else recased & False
                failed.append(Failure(name, mask & ~recased & ~too_big, reason))
                hint = "it is a null token of source.na_values in another letter case (add that spelling to them)"
                failed.append(Failure(name, recased, f"{reason}: {hint}"))
                failed.append(Failure(name, too_big, f"{reason}: it is beyond the int64 range (about ±9.2e18)"))
        converted.append(parsed.alias(name))
    typed = table.with_columns(converted)
    return typed, _bad_cells(table, failed, data_columns, keep)


def _null_token_in_another_case(original: pl.Series, na_values: Sequence[str]) -> pl.Series:
    """Which cells equal one of ``na_values`` but for letter case (exact matches were made null before)."""
    if original.dtype != pl.String or not na_values:
        return pl.Series([False] * original.len(), dtype=pl.Boolean)
    tokens = pl.Series(sorted({v.strip().lower() for v in na_values}), dtype=pl.String)
    return original.str.strip_chars().str.to_lowercase().is_in(tokens.implode()).fill_null(False)


@dataclass(frozen=True)
class Failure:
    """The cells of one column that failed for one reason."""

    column: str
    cells: pl.Series  # boolean, one per row of the table
    reason: str


def _bad_cells(table: pl.DataFrame, failed: list[Failure], data_columns: list[str], keep: bool) -> list[BadRow]:
    """One :class:`BadRow` per (row, failure); :func:`_one_per_row` merges a row's columns."""
    failed = [f for f in failed if f.cells.any()]
    if not failed:
        return []
    any_failed = pl.any_horizontal([f.cells for f in failed])
    lines = table.get_column(LINE) if LINE in table.columns else pl.Series(LINE, [None] * table.height, pl.Int64)
    flags = {f"failure {i}": f.cells for i, f in enumerate(failed)}
    frame = pl.DataFrame(flags).with_columns(table.get_column(ROW), lines).filter(any_failed)
    originals = table.filter(any_failed).select(data_columns) if keep else None
    bad: list[BadRow] = []
    for i, row in enumerate(frame.iter_rows()):
        record = None
        if originals is not None:
            values = originals.row(i, named=True)
            record = json.dumps({k: (None if v is None else str(v)) for k, v in values.items()})
        row_number, line = row[-2], row[-1]
        bad.extend(
            BadRow(row_number, f.reason, f.column, line, record) for f, hit in zip(failed, row[:-2], strict=True) if hit
        )
    return bad


def _non_finite(
    table: pl.DataFrame, data_columns: list[str], mode: str
) -> tuple[pl.DataFrame, dict[str, int], list[BadRow]]:
    """Counts of inf / -inf / NaN per float column, and per float leaf of a struct or list column (named as it
    is opened up: ``s.x``, ``points.v``, a list of floats by its own name), and the table as ``ingest.non_finite``
    says: ``keep`` as is, ``null`` made null (inside structs and lists too), ``quarantine`` one bad row per record
    holding one."""
    schema = table.schema
    leaves = [
        (column, leaf, count)
        for column in data_columns
        if schema[column].is_float() or schema[column].is_nested()
        for leaf, count in _non_finite_per_row(pl.col(column), schema[column], column)
    ]
    if not leaves:
        return table, {}, []
    per_row = table.select(count.fill_null(0).alias(f"leaf {i}") for i, (_, _, count) in enumerate(leaves))
    masks = {leaf: per_row.get_column(f"leaf {i}") > 0 for i, (_, leaf, _) in enumerate(leaves)}
    counts = {leaf: int(per_row.get_column(f"leaf {i}").sum()) for i, (_, leaf, _) in enumerate(leaves)}
    counts = {leaf: n for leaf, n in counts.items() if n}
    if not counts:
        return table, {}, []
    if mode == "null":
        holding = dict.fromkeys(column for column, leaf, _ in leaves if leaf in counts)
        return (
            table.with_columns(_finite_only(pl.col(c), schema[c]).alias(c) for c in holding),
            counts,
            [],
        )
    if mode == "keep":
        return table, counts, []
    reason = "non-finite number (inf, -inf, nan, or beyond the float64 range; ingest.non_finite is 'quarantine')"
    bad = _bad_cells(table, [Failure(c, masks[c], reason) for c in counts], data_columns, False)
    return table, counts, bad


def _non_finite_per_row(value: pl.Expr, dtype: pl.DataType, name: str) -> list[tuple[str, pl.Expr]]:
    """For each float leaf of ``value`` (itself, a struct's fields, a list's or array's elements, at any depth):
    its name once opened up (:func:`twinforge.io.readers.leaf_names`) and how many of its values in each row are
    not finite (null where a list is null)."""
    if dtype.is_float():
        return [(name, (value.is_not_null() & ~value.is_finite()).cast(pl.UInt32))]
    if isinstance(dtype, pl.Struct):
        return [
            leaf
            for f in dtype.fields
            for leaf in _non_finite_per_row(value.struct.field(f.name), f.dtype, f"{name}{NESTED_SEPARATOR}{f.name}")
        ]
    if isinstance(dtype, pl.List | pl.Array):
        listed = value.arr.to_list() if isinstance(dtype, pl.Array) else value
        return [
            (leaf, listed.list.eval(count).list.sum())
            for leaf, count in _non_finite_per_row(pl.element(), dtype.inner, name)
        ]
    return []


def _finite_only(value: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """``value`` with its non-finite floats null, inside structs and lists too; its type unchanged."""
    if dtype.is_float():
        return pl.when(value.is_finite()).then(value)
    if isinstance(dtype, pl.Struct):
        fields = [_finite_only(value.struct.field(f.name), f.dtype).alias(f.name) for f in dtype.fields]
        return pl.when(value.is_not_null()).then(pl.struct(fields))  # a null struct stays null
    if isinstance(dtype, pl.List | pl.Array):
        listed = value.arr.to_list() if isinstance(dtype, pl.Array) else value
        return listed.list.eval(_finite_only(pl.element(), dtype.inner)).cast(dtype)
    return value


def _one_per_row(bad: list[BadRow]) -> list[BadRow]:
    """A record with several bad cells is one bad record: its first column, the others named in the reason."""
    merged: dict[int, BadRow] = {}
    for b in bad:
        first = merged.get(b.row)
        if first is None:
            merged[b.row] = BadRow(b.row, b.reason, b.column, b.line, b.record)
        else:
            first.reason += f"; column {b.column!r}: {b.reason}"
    return list(merged.values())


def _listed(bad: list[BadRow], total: int | None = None) -> str:
    """The first bad rows, one a line (position and reason), and how many more of ``total`` (``len(bad)``)."""
    total = len(bad) if total is None else total
    listed = "\n".join(f"  {b.where()}: {b.reason}" for b in bad[:MAX_LISTED_BAD_ROWS])
    more = f"\n  ... and {total - MAX_LISTED_BAD_ROWS} more" if total > MAX_LISTED_BAD_ROWS else ""
    return listed + more


def _bad_rows_message(origin: str, bad: list[BadRow]) -> str:
    return (
        f"{origin}: {len(bad)} bad row{'s' if len(bad) != 1 else ''} "
        f"(ingest.on_bad_rows is 'fail'; set it to 'quarantine', or give --on-bad-rows quarantine on the command line, to set them aside and go on):\n{_listed(bad)}"
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
