"""Source readers: CSV, Parquet, JSON Lines, SQLite, DuckDB and PostgreSQL into polars.

Every reader answers the same thing, a :class:`SourceRead`: the table, how many
records the source held, and the records it could not use, each with its
position (row, and line for text files) and a reason. Problems with the whole
source (missing file, unreadable header, blank or duplicate column names, a
wrong delimiter, no rows) raise :class:`IngestError` naming the file. Messages
never quote cell values: a bad value may be personal data, and errors end up in
logs.

Text formats (CSV, JSON Lines) are read as strings and typed afterwards by
:mod:`twinforge.io.typing_rules`, so a value that does not parse is a bad row with
a row number rather than a reader crash.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import io
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from twinforge.privacy.nested import SEPARATOR as NESTED_SEPARATOR

# Python's csv refuses fields over 128 KiB by default; twinforge applies its own
# limit (ingest.max_field_chars) so that an oversized field is a bad row, not a crash.
csv.field_size_limit(2**31 - 1)

ROW = "__twinforge_row"  # 1-based record number, carried through typing for error messages
LINE = "__twinforge_line"  # first physical line of the record (text files)
_OTHER_DELIMITERS = (",", ";", "\t", "|")
_UNCLOSED_QUOTE = "opens a quote that is not closed before the end of the file"
MAX_JSON_DEPTH = 32  # a JSON Lines record nested deeper is a bad row (the readers below recurse)
_SURROGATE = re.compile("[\udc80-\udcff]")  # bytes that did not decode, kept by 'surrogateescape'
# a JSON escape of a UTF-16 surrogate: a pair is one character, a lone one decodes to a surrogate that is no text
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = "holds a lone surrogate escape (\\ud800 to \\udfff without its pair), which is no text"


class IngestError(ValueError):
    """Input that cannot be ingested; the message names the source and, where it can, column and row."""


@dataclass
class BadRow:
    row: int | None  # 1-based record number among the source's data records
    reason: str
    column: str | None = None
    line: int | None = None  # physical line (text files)
    record: str | None = None  # the raw fields as JSON; filled only where raw values may be kept

    def where(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.row is not None:
            parts.append(f"row {self.row}" if self.line is None else f"(row {self.row})")
        if self.column is not None:
            parts[-1:] = [f"{parts[-1]}, column {self.column!r}" if parts else f"column {self.column!r}"]
        return " ".join(parts)


@dataclass
class SourceRead:
    table: pl.DataFrame  # with ROW (and LINE) columns; strings for text formats
    records: int  # data records in the source (blank lines are not, except in a one-column CSV: nulls)
    bad_rows: list[BadRow] = field(default_factory=list)
    text: bool = False  # True: every string column is text still to be typed (JSON arrays are list columns)
    lines: int | None = None  # physical lines of a text file (header, records over several lines, blanks)
    note: str | None = None  # how the file was read, where its name would not tell (gzip data named .csv)


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|=\([^)]*\)")
# a quoted name after one of these words is an identifier (relation "t" does not exist), not a value
_NAMED = re.compile(
    r"\b(relation|column|table|schema|database|function|type|role|index|constraint|view|sequence|catalog)\s+$",
    re.IGNORECASE,
)


def redact(message: object) -> str:
    """The first line of a library's error message with every quoted value replaced: database drivers
    quote the value that failed (``Could not convert string '...' to INT32``); quoted names of tables,
    columns and the like are kept."""
    line = (str(message).strip().splitlines() or [""])[0]

    def replace(match: re.Match) -> str:
        if not match.group().startswith("=") and _NAMED.search(line[: match.start()]):
            return match.group()
        return "=(…)" if match.group().startswith("=") else "'…'"

    return _QUOTED.sub(replace, line)


def _origin(path: Path | str) -> str:
    return str(path)


_GZIP = b"\x1f\x8b"
# formats told by their first bytes: (magic, source format or None, what the file is)
_MAGIC = (
    (_GZIP, None, "gzip-compressed"),
    (b"PK\x03\x04", None, "a ZIP archive"),
    (b"PAR1", "parquet", "a Parquet file"),
    (b"SQLite format 3\x00", "sqlite", "a SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None, "an Excel 97-2003 workbook (.xls) or another OLE2 document"),
    (b"BZh", None, "bzip2-compressed"),
    (b"\xfd7zXZ\x00", None, "xz-compressed"),
    (b"\x28\xb5\x2f\xfd", None, "zstd-compressed"),
)
_NOUNS = {
    "csv": "CSV text",
    "jsonl": "JSON Lines text",
    "parquet": "a Parquet file",
    "sqlite": "a SQLite database",
    "duckdb": "a DuckDB database",
}
_NAMES = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet", "sqlite": ".sqlite", "duckdb": ".duckdb"}


def sniff(head: bytes) -> tuple[str | None, str] | None:
    """What a file is by its first bytes (64 KiB are enough): its source format (None where twinforge does
    not read it) and a description; None for anything else (text, most likely)."""
    if head[8:12] == b"DUCK":
        return "duckdb", "a DuckDB database"
    for magic, fmt, what in _MAGIC:
        if head.startswith(magic):
            if magic == b"PK\x03\x04" and b"xl/" in head:  # a workbook's parts are stored under xl/
                return None, "an Excel workbook (.xlsx)"
            return fmt, what
    return None


def refuse_other_format(head: bytes, origin: str, expected: str) -> None:
    """An error saying what the file really is and what to do, when its first bytes show it is not ``expected``
    (a key of ``_NOUNS``): a name's extension is a claim, the bytes are not, and a reader's own error (a
    wrong delimiter, a bad encoding) would send the operator the wrong way."""
    found = sniff(head)
    if found is not None and expected in ("csv", "jsonl") and _looks_like_text(head):
        found = None  # a header that happens to begin "PAR1," or "BZh" is still text
    if found is None and expected not in ("csv", "jsonl"):  # a binary format's reader given text
        if head.lstrip()[:1] in (b"{", b"["):
            found = ("jsonl", "JSON text")
        elif head and _looks_like_text(head):
            found = ("csv", "text (CSV?)")
    if found is None or found[0] == expected:
        return
    fmt, what = found
    if fmt is not None:
        todo = f"name it {_NAMES[fmt]} or set source.format: {fmt}"
    elif head.startswith(_GZIP):
        todo = "name it .csv.gz or .jsonl.gz (twinforge reads gzip-compressed CSV and JSON Lines)"
    elif what.endswith("compressed"):
        todo = "decompress it (twinforge reads gzip-compressed CSV and JSON Lines)"
    elif "Excel" in what:
        todo = "export the sheet as CSV or Parquet"
    else:
        todo = "extract the table from it"
    what = f"{what} data" if what.endswith("compressed") else what
    raise IngestError(f"{origin}: the file is {what}, not {_NOUNS[expected]}: {todo}")


def _looks_like_text(head: bytes) -> bool:
    """No NUL byte and valid UTF-8 (up to a character cut at the end): every binary format above fails this."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3
    return True


def read_head(path: Path, size: int = 65536) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError as error:
        raise IngestError(f"{path}: cannot read the file: {error.strerror}") from None


def read_bytes(path: Path, fmt: str = "csv") -> tuple[bytes, str | None]:
    """The bytes of a text source (``fmt`` ``csv`` or ``jsonl``) and a note for people on how they were read.
    Gzip-compressed bytes are decompressed whatever the name says (an export gzipped in place keeps its
    ``.csv``; reading it is what its owner wants, and the note says so); other binary formats are refused
    naming what they are (:func:`refuse_other_format`)."""
    if not path.exists():
        raise IngestError(f"source file not found: {path}")
    if not path.is_file():
        raise IngestError(f"source is not a file: {path}")
    note = None
    try:
        if read_head(path, 2) == _GZIP:
            with gzip.open(path, "rb") as fh:
                data = fh.read()
            if not path.name.lower().endswith(".gz"):
                note = "gzip-compressed though not named .gz: read decompressed"
        else:
            data = path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        # not the library's message: it can quote the file's bytes
        raise IngestError(f"{path}: cannot read the file ({type(error).__name__}: damaged or cut short?)") from None
    refuse_other_format(data[:65536], str(path), fmt)
    return data, note


def utf16_encoding(data: bytes) -> str | None:
    """The UTF-16 (or UTF-32) codec the bytes are in, or None: a byte-order mark, or, without one, NUL bytes
    in at least a tenth of the odd (or even) bytes of the first 4 KiB (four at least) and a quarter as many in
    the others, with those bytes decoding cleanly: text in UTF-16 as SQL Server's ``bcp -w`` and Excel's
    "Unicode text" write it (UTF-8 text holds no NUL)."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return "utf-32"  # the codecs read the mark and drop it
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = data[:4096]
    head = head[: len(head) - len(head) % 2]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    codec = None
    if odd >= max(4, 0.1 * half) and even <= odd / 4:  # the high bytes of Latin, Cyrillic, ... characters
        codec = "utf-16-le"
    elif even >= max(4, 0.1 * half) and odd <= even / 4:
        codec = "utf-16-be"
    if codec is not None:
        try:
            head.decode(codec)
        except UnicodeDecodeError as error:
            if error.start < len(head) - 2:  # a cut surrogate pair at the end is the head's cut, not an error
                return None
    return codec


def decode(data: bytes, encoding: str, origin: str) -> tuple[str, bool]:
    """Text and whether some bytes did not decode (they are kept as lone surrogates to find their rows).
    UTF-16 text is read as such where the declared encoding is the default UTF-8 (:func:`utf16_encoding`):
    read as UTF-8 it would pass as text with a NUL between every two characters, hiding every value
    from PII detection. UTF-16 or UTF-32 that does not decode is refused as a whole (its broken bytes cannot
    be kept to find their rows)."""
    try:
        codec = codecs.lookup(encoding).name
        # a codec of bytes to bytes (base64, zlib) or of text to text (rot13) is found, but is no text encoding
        b"a".decode(encoding, "ignore")
    except LookupError:
        raise IngestError(f"{origin}: unknown encoding {encoding!r} (source.encoding)") from None
    if codec == "utf-8" and (wide := utf16_encoding(data)) is not None:
        encoding, codec = wide, codecs.lookup(wide).name
    try:
        text = data.decode(encoding)
        bad = False
    except UnicodeDecodeError as error:
        if codec.startswith(("utf-16", "utf-32")):
            raise IngestError(
                f"{origin}: not valid {codec.upper()} at byte {error.start:,} ({error.reason}): the file is "
                "damaged or in another encoding (set source.encoding)"
            ) from None
        text = data.decode(encoding, errors="surrogateescape")
        bad = True
    if text.startswith("\ufeff"):  # a byte-order mark is not part of the first column's name
        text = text[1:]
    return text, bad


def check_column_names(names: Sequence[str], origin: str, what: str = "column") -> None:
    """Refuse personal data in a name (first: the other errors quote names), blank and repeated names."""
    refuse_personal_data_in_names(names, origin)
    blanks = [i + 1 for i, n in enumerate(names) if n is None or not str(n).strip()]
    if blanks:
        raise IngestError(f"{origin}: {what} {', '.join(map(str, blanks))} has a blank name: every column needs one")
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if n in seen:
            raise IngestError(
                f"{origin}: column name {n!r} appears twice ({what}s {seen[n] + 1} and {i + 1}): names must be unique"
            )
        seen[n] = i


def refuse_personal_data_in_names(names: Iterable[str], origin: str) -> None:
    """An error giving the position of a column whose name holds personal data
    (:func:`twinforge.privacy.pii.detect.column_name_problem`), before any message could quote it."""
    from twinforge.privacy.pii.detect import column_name_problem

    problem = column_name_problem([str(n) for n in names if n is not None])
    if problem is not None:
        raise IngestError(f"{origin}: {problem}")


_TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".gz", ".parquet", ".pq", ".jsonl", ".ndjson")


def file_name_problem(path: Path | str) -> str | None:
    """What personal data a file's name holds (``"EMAIL_ADDRESS"``), by the column-name check
    (:func:`twinforge.privacy.pii.detect.column_name_problem`), or None: the name of a file that is kept (a
    batch's landing copy, its manifest entry) travels into listings and logs as a column name does into
    outputs. The name is checked with and without its extensions (``ann@example.com.csv`` is no address
    until ``.csv`` is gone)."""
    from twinforge.privacy.pii.detect import column_name_problem

    name = stem = Path(path).name
    while Path(stem).suffix.lower() in _TABLE_SUFFIXES:
        stem = Path(stem).stem
    problem = column_name_problem([name, stem])
    if problem is None:
        return None
    entity = re.search(r"\(([A-Z_]+)\)", problem)
    return entity.group(1) if entity else "personal data"


def _record_json(values: Any, keep: bool) -> str | None:
    return json.dumps(values) if keep else None  # ensure_ascii: undecodable bytes stay representable


def _sniff_delimiter(sample: str, declared: str) -> str | None:
    try:
        found = csv.Sniffer().sniff(sample, delimiters="".join(_OTHER_DELIMITERS)).delimiter
    except csv.Error:
        return None
    return found if found != declared else None


class _Lines:
    """Physical lines handed to ``csv.reader`` one at a time; moving ``pos`` restarts after a broken record."""

    def __init__(self, lines: list[str]):
        self.lines, self.pos = lines, 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def _swallows_records(lines: list[str], start: int, end: int, delimiter: str, width: int) -> bool:
    """Whether a line inside a quoted value spanning lines ``start..end`` is a complete record on its own:
    then the opening quote is a stray one that ran over whole records, not a value with line breaks.
    The last line is left out when the value opens the record: ``line two",5`` then completes it."""
    last = end - 1 if lines[start].lstrip().startswith('"') else end
    for line in lines[start + 1 : last]:
        try:
            alone = next(csv.reader([line], delimiter=delimiter, strict=True), [])
        except csv.Error:
            continue
        if len(alone) == width:
            return True
    return False


def read_csv(
    path: Path,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    max_field_chars: int,
    keep_values: bool = False,
    header: bool = True,
) -> SourceRead:
    """Read a CSV file as strings, one :class:`BadRow` per record that cannot be used. Without a ``header``,
    line 1 is a record and the columns are named ``column_1``, ``column_2``, ...

    Blank lines (empty, or spaces and tabs only) are not records, except in a one-column file (a null there);
    those before the header are skipped. A quote that is never closed, or one that runs over lines that are complete records themselves,
    costs its first line only: that line is a bad record and reading resumes on the next one. A quoted
    value with line breaks is otherwise one record; ``SourceRead.lines`` counts physical lines.
    """
    origin = _origin(path)
    data, note = read_bytes(path, "csv")
    text, has_bad_bytes = decode(data, encoding, origin)
    del data
    if not text.strip():
        raise IngestError(f"{origin}: the file is empty (no header row)")
    lines = io.StringIO(text, newline="").readlines()  # split on \n, \r\n and \r only, endings kept
    del text
    source = _Lines(lines)
    # blank lines before the header (empty or spaces only) are skipped, still counted as lines: read, the first
    # would be a header of no fields and the real header a record
    while not lines[source.pos].strip():
        source.pos += 1
    leading_blanks = source.pos
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    has_header = header
    try:
        header = next(reader)
    except csv.Error as error:
        raise IngestError(f"{origin}: cannot parse the header line: {error}") from None
    header_lines = source.pos
    if not has_header:  # line 1 only gives the width; it is read again as a record
        header = [f"column_{j + 1}" for j in range(len(header))]
        source.pos = header_lines = leading_blanks
    if len(header) == 1:
        other = _sniff_delimiter("".join(lines[:200])[:65536], delimiter)
        if other is not None or any(d in header[0] for d in _OTHER_DELIMITERS if d != delimiter):
            guess = repr(other) if other else "another character"
            raise IngestError(
                f"{origin}: the header has a single column; the file looks delimited by {guess}, "
                f"not {delimiter!r}: set source.delimiter"
            )
    header = [h.strip() for h in header]
    check_column_names(header, origin)
    if has_bad_bytes and any(_SURROGATE.search(h) for h in header):
        raise IngestError(f"{origin}: the header is not valid {encoding}: set source.encoding")

    width = len(header)
    good: list[list[str]] = []
    rows: list[int] = []
    first_lines: list[int] = []
    bad: list[BadRow] = []
    record = wrong_width = 0
    lines_seen = header_lines
    while True:
        start = source.pos  # 0-based index of the record's first line
        try:
            fields = next(reader)
            problem = None
        except StopIteration:
            break
        except csv.Error as error:
            fields = None
            problem = f"cannot be parsed as CSV ({error})"
            if str(error) == "unexpected end of data":
                problem = _UNCLOSED_QUOTE
        spanned = source.pos - start
        if fields and spanned == 1 and len(fields) != width and not lines[start].strip():
            fields = []  # spaces or tabs only: a blank line, as in JSON Lines (a tab line of a 2-column TSV is a record)
        if fields is not None and not fields:
            if width > 1:  # a blank line is not a record
                lines_seen += spanned
                continue
            fields = [""]  # in a one-column file it is one: a null, as CSV writers write it there
        record += 1
        if (
            fields is not None
            and spanned > 1
            and (len(fields) != width or _swallows_records(lines, start, source.pos, delimiter, width))
        ):
            fields = None
        if fields is None and spanned > 1 and problem != _UNCLOSED_QUOTE:
            problem = f"opens a quote that runs over {spanned} lines (a stray quote?)"
        if fields is None:  # a structural break: only its first line is lost, reading resumes after it
            reason = f"{problem}; set aside, reading resumes on the next line" if spanned > 1 else problem
            kept = _record_json([lines[start].rstrip("\r\n")], keep_values)
            bad.append(BadRow(record, reason, line=start + 1, record=kept))
            lines_seen += 1
            source.pos = start + 1
            reader = csv.reader(source, delimiter=delimiter, strict=True)
            continue
        lines_seen += spanned
        problem = _csv_problem(fields, header, width, max_field_chars, has_bad_bytes, encoding)
        if problem is not None:
            column, reason = problem
            wrong_width += len(fields) != width
            bad.append(BadRow(record, reason, column, start + 1, _record_json(fields, keep_values)))
            continue
        good.append(fields)
        rows.append(record)
        first_lines.append(start + 1)
    check_lines(origin, lines=len(lines), lines_seen=lines_seen)
    if record and wrong_width == record:  # not a file of ragged records: a header and records parted differently
        other = _sniff_delimiter("".join(lines[header_lines : header_lines + 200])[:65536], delimiter)
        hint = (
            f"the file looks delimited by {other!r}, not {delimiter!r}: set source.delimiter"
            if other
            else "check source.delimiter and the header line"
        )
        raise IngestError(f"{origin}: every record has another number of fields than the header ({width}); {hint}")
    columns = list(zip(*good)) if good else [()] * width
    table = pl.DataFrame(
        [pl.Series(name, values, dtype=pl.String) for name, values in zip(header, columns)]
        + [pl.Series(ROW, rows, dtype=pl.Int64), pl.Series(LINE, first_lines, dtype=pl.Int64)]
    )
    return SourceRead(table=table, records=record, bad_rows=bad, text=True, lines=len(lines), note=note)


def check_lines(origin: str, *, lines: int, lines_seen: int) -> None:
    """Fail closed unless every physical line of a text source was read as header, record or blank line."""
    if lines != lines_seen:
        raise IngestError(
            f"{origin}: record accounting does not add up: the file has {lines:,} lines, "
            f"{lines_seen:,} were read (an internal error: nothing was ingested)"
        )


def _csv_problem(fields, header, width, max_chars, has_bad_bytes, encoding) -> tuple[str | None, str] | None:
    if len(fields) != width:
        return None, f"has {len(fields)} fields, the header has {width}"
    longest = max(map(len, fields))
    if longest > max_chars:
        j = next(i for i, f in enumerate(fields) if len(f) == longest)
        return header[j], f"field of {longest:,} characters is longer than ingest.max_field_chars ({max_chars:,})"
    if has_bad_bytes:
        for j, f in enumerate(fields):
            if _SURROGATE.search(f):
                return header[j], f"is not valid {encoding} (set source.encoding if the file uses another)"
    return None


# a bad record's keys are its data (an e-mail address, a name): the reasons do not quote them
_REPEATED_KEY = "has a key that appears twice in one object"
_REPEATED_FIELD = (
    "has two keys that name one field once nested objects are opened up (a key with a dot beside an object)"
)


def _duplicate_keys_hook(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _DuplicateKey
    return obj


class _DuplicateKey(ValueError):
    pass


def _holds_lone_surrogate(value: Any) -> bool:
    """Whether a parsed JSON value holds, in a key or a string at any depth, a surrogate that is not part of
    a pair (polars, like any UTF-8 writer, cannot store it). Too deep to walk: False (a bad row for its depth)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except RecursionError:
        return False
    return False


def _json_scalar_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)  # nested objects and arrays stay JSON text
    except TypeError:  # dates, decimals, bytes from a database
        return str(value)


_TOO_DEEP = f"nests arrays or objects more than {MAX_JSON_DEPTH} levels deep"


def _open_record(record: Any) -> tuple[dict[str, Any], str | None]:
    """One pass over a parsed JSON Lines record: its fields with nested objects opened up, and why the
    record is a bad row (``None`` if it is not; never quoting a key).

    ``{"a": {"b": 1}}`` gives the field ``"a.b"`` (the names
    :func:`twinforge.privacy.nested.flatten_nested` gives a Parquet struct), valued as text; arrays
    stay whole; an empty object gives no field. The reasons, first one first: nesting deeper than
    ``MAX_JSON_DEPTH``, not an object, a blank key in any object (those inside arrays too), a field
    name that two keys give once objects are opened up."""
    not_object = None if isinstance(record, dict) else f"is {_json_kind(record)}, not an object"
    if not isinstance(record, (dict, list)):
        return {}, not_object
    fields: dict[str, Any] = {}
    repeated = False
    blank_key = False
    # Depth first with an explicit stack, not recursion: a record may nest deeper than Python's
    # recursion limit. An entry is a container's (key or position, value) pairs still to visit,
    # whether it is an object (its keys are checked), and the name prefix of its fields, None inside
    # an array (what an array holds stays in the array's value). The stack's height is the depth.
    if isinstance(record, dict):
        stack = [(iter(record.items()), True, "")]
    else:
        stack = [(enumerate(record), False, None)]
    while stack:
        children, is_object, prefix = stack[-1]
        for key, value in children:
            if is_object and not key.strip():
                blank_key = True
            if isinstance(value, dict):
                child = (iter(value.items()), True, None if prefix is None else f"{prefix}{key}{NESTED_SEPARATOR}")
            else:
                if prefix is not None:
                    name = f"{prefix}{key}"
                    repeated |= name in fields
                    fields[name] = value if isinstance(value, list) else _json_scalar_text(value)
                if not isinstance(value, list):
                    continue
                child = (enumerate(value), False, None)
            if len(stack) == MAX_JSON_DEPTH:
                return {}, _TOO_DEEP  # outranks every other reason: no need to look further
            stack.append(child)
            break  # visit the child now; this container's other children resume after it
        else:
            stack.pop()
    if not_object:
        return {}, not_object
    if blank_key:
        return {}, "has a key with a blank name"
    if repeated:
        return {}, _REPEATED_FIELD
    return fields, None


def _json_text_tree(value: Any) -> Any:
    """Scalars as text (typed later, like every text cell), objects and arrays kept as structure."""
    if isinstance(value, dict):
        return {k: _json_text_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_text_tree(v) for v in value]
    return _json_scalar_text(value)


def _tree_dtype(values: Iterable[Any]) -> pl.DataType | None:
    """The polars type that holds every one of ``values`` (text trees; ``None`` is null): a string,
    a list or a struct whose fields are the union of the objects' keys; ``None`` when values of one
    position mix objects, arrays and scalars."""
    values = list(values)
    shapes = {type(v) for v in values if v is not None}
    if not shapes or shapes == {str}:
        return pl.String
    if shapes == {list}:
        inner = _tree_dtype(x for v in values if v is not None for x in v)
        return None if inner is None else pl.List(inner)
    if shapes == {dict}:
        fields: dict[str, list[Any]] = {}
        for v in values:
            for k, x in (v or {}).items():
                fields.setdefault(k, []).append(x)
        dtypes = {k: _tree_dtype(xs) for k, xs in fields.items()}
        if not dtypes or any(d is None for d in dtypes.values()):
            return None
        return pl.Struct(dtypes)
    return None


def _json_column(name: str, values: list[Any]) -> pl.Series:
    """A JSON Lines column: text, or a list column (of text or of structs) where every value is an
    array. A column mixing arrays with scalars, or arrays whose elements mix shapes, is JSON text."""
    if not any(isinstance(v, list) for v in values):
        return pl.Series(name, values, dtype=pl.String)
    trees = [None if v is None else _json_text_tree(v) if isinstance(v, list) else v for v in values]
    dtype = _tree_dtype(trees)
    if isinstance(dtype, pl.List):
        return pl.Series(name, trees, dtype=dtype)
    as_text = [None if v is None else v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in values]
    return pl.Series(name, as_text, dtype=pl.String)


def read_jsonl(path: Path, *, encoding: str = "utf-8", max_field_chars: int, keep_values: bool = False) -> SourceRead:
    origin = _origin(path)
    data, note = read_bytes(path, "jsonl")
    text, _ = decode(data, encoding, origin)
    del data
    if not text.strip():
        raise IngestError(f"{origin}: the file is empty (no records)")
    names: dict[str, None] = {}  # ordered set: columns in order of first appearance
    records: list[dict[str, str | None]] = []
    rows: list[int] = []
    lines: list[int] = []
    bad: list[BadRow] = []
    record = blank_lines = 0
    pieces = text.split("\n")
    if pieces[-1] == "":  # the text after a final line break is not a line
        pieces.pop()
    for line_no, line in enumerate(pieces, start=1):
        if not line.strip():
            blank_lines += 1
            continue
        record += 1
        keep = _record_json(line, keep_values)
        if _SURROGATE.search(line):
            bad.append(
                BadRow(
                    record,
                    f"is not valid {encoding} (set source.encoding if the file uses another)",
                    line=line_no,
                    record=keep,
                )
            )
            continue
        try:
            obj = json.loads(line, object_pairs_hook=_duplicate_keys_hook)
        except RecursionError:
            bad.append(BadRow(record, _TOO_DEEP, line=line_no, record=keep))
            continue
        except _DuplicateKey:
            bad.append(BadRow(record, _REPEATED_KEY, line=line_no, record=keep))
            continue
        except json.JSONDecodeError as error:
            bad.append(
                BadRow(
                    record, f"is not valid JSON ({error.msg} at character {error.pos + 1})", line=line_no, record=keep
                )
            )
            continue
        if _SURROGATE_ESCAPE.search(line) and _holds_lone_surrogate(obj):
            bad.append(BadRow(record, _LONE_SURROGATE, line=line_no, record=keep))
            continue
        values, reason = _open_record(obj)
        if reason is not None:
            bad.append(BadRow(record, reason, line=line_no, record=keep))
            continue
        sizes = {k: len(v) if isinstance(v, str) else len(json.dumps(v)) for k, v in values.items() if v is not None}
        too_long = next((k for k, size in sizes.items() if size > max_field_chars), None)
        if too_long is not None:
            bad.append(
                BadRow(
                    record,
                    f"field of {sizes[too_long]:,} characters is longer than "
                    f"ingest.max_field_chars ({max_field_chars:,})",
                    too_long,
                    line_no,
                    keep,
                )
            )
            continue
        names.update(dict.fromkeys(values))
        records.append(values)
        rows.append(record)
        lines.append(line_no)
    refuse_personal_data_in_names([*names, *(b.column for b in bad if b.column)], origin)
    columns = [_json_column(n, [r.get(n) for r in records]) for n in names]
    # a null where other records hold an object ("who": null beside "who": {"age": 3}) is null leaves, not a column
    parents = {n[:i] for n in names for i, char in enumerate(n) if char == NESTED_SEPARATOR}
    columns = [c for c in columns if not (c.name in parents and c.null_count() == c.len())]
    table = pl.DataFrame(columns + [pl.Series(ROW, rows, dtype=pl.Int64), pl.Series(LINE, lines, dtype=pl.Int64)])
    check_lines(origin, lines=len(pieces), lines_seen=record + blank_lines)
    return SourceRead(table=table, records=record, bad_rows=bad, text=True, lines=len(pieces), note=note)


def _as_text_types(dtype: pl.DataType) -> pl.DataType:
    """``dtype`` with every Enum, Categorical and Binary in it (struct fields and list elements too) as String."""
    if isinstance(dtype, pl.Enum | pl.Categorical) or dtype == pl.Binary:
        return pl.String
    if isinstance(dtype, pl.Struct):
        return pl.Struct([pl.Field(f.name, _as_text_types(f.dtype)) for f in dtype.fields])
    if isinstance(dtype, pl.List):
        return pl.List(_as_text_types(dtype.inner))
    if isinstance(dtype, pl.Array):
        return pl.Array(_as_text_types(dtype.inner), dtype.shape)
    return dtype


def leaf_names(schema: Mapping[str, pl.DataType]) -> list[str]:
    """Column names as :func:`twinforge.privacy.nested.flatten_nested` opens them up (``parent.field``)."""

    def leaves(name: str, dtype: pl.DataType) -> list[str]:
        while isinstance(dtype, pl.List | pl.Array):
            dtype = dtype.inner
        if isinstance(dtype, pl.Struct):
            return [n for f in dtype.fields for n in leaves(f"{name}{NESTED_SEPARATOR}{f.name}", f.dtype)]
        return [name]

    return [n for name, dtype in schema.items() for n in leaves(name, dtype)]


def modelled_types(table: pl.DataFrame, origin: str) -> pl.DataFrame:
    """Extension types as the values they store; Enum and Categorical values as text (an Enum's type lists
    every level, rare ones too, which would travel into a model's schema unseen by PII detection); binary
    values as their UTF-8 text, refused
    when they are not text (twinforge models text, numbers, dates and booleans). Inside structs and lists too."""
    # an extension type (arrow.json, arrow.uuid) as the values it stores: JSON is text to inspect like any other
    extensions = [name for name, dtype in table.schema.items() if isinstance(dtype, pl.Extension)]
    if extensions:
        table = table.with_columns(pl.col(name).ext.storage() for name in extensions)
    casts = []
    for j, (name, dtype) in enumerate(table.schema.items()):
        target = _as_text_types(dtype)
        if target == dtype:
            continue
        try:
            casts.append(table.get_column(name).cast(target))
        except pl.exceptions.PolarsError:
            raise IngestError(
                f"{origin}: column {j + 1} ({name!r}) holds binary data that is not UTF-8 text: "
                "decode it or drop the column"
            ) from None
    return table.with_columns(casts) if casts else table


def _unreadable_arrow_type(dtype) -> str | None:
    """The name of an Arrow type in ``dtype`` (itself, or inside lists, structs and maps) that polars cannot read
    (it stops the process on them), or None."""
    import pyarrow.types as pat

    if pat.is_list_view(dtype) or pat.is_large_list_view(dtype):
        return str(dtype).split("<", 1)[0]
    if pat.is_union(dtype) or pat.is_run_end_encoded(dtype):
        return str(dtype).split("<", 1)[0]
    children = [dtype.field(i).type for i in range(dtype.num_fields)] if dtype.num_fields else []
    return next((found for child in children if (found := _unreadable_arrow_type(child))), None)


def refuse_unreadable_arrow_types(schema, origin: str) -> None:
    """IngestError naming the first column of ``schema`` (a pyarrow schema) whose type polars cannot read."""
    for j, field_ in enumerate(schema):
        found = _unreadable_arrow_type(field_.type)
        if found is not None:
            raise IngestError(
                f"{origin}: column {j + 1} ({field_.name!r}) has the Arrow type {found}, which cannot be read: "
                "write it as a plain list (list, large_list) or as text"
            )


def refuse_clashing_leaves(schema: Mapping[str, pl.DataType], origin: str) -> None:
    """IngestError when a struct field, opened up as ``parent.field``, takes the name of another column (or of
    another struct's field)."""
    names = list(schema)
    owner: dict[str, int] = {}
    for j, (name, dtype) in enumerate(schema.items()):
        for leaf in leaf_names({name: dtype}):
            first = owner.setdefault(leaf, j)
            if first != j:
                opened, other = (j, first) if names[first] == leaf else (first, j)
                raise IngestError(
                    f"{origin}: column {opened + 1} ({names[opened]!r}) opens up to {leaf!r}, the name of column "
                    f"{other + 1}{'' if names[other] == leaf else ' once opened up'}: rename one of them"
                )


def read_parquet(path: Path) -> SourceRead:
    import pyarrow.parquet as pq

    origin = _origin(path)
    if not path.is_file():
        raise IngestError(f"source file not found: {path}")
    refuse_other_format(read_head(path), origin, "parquet")
    try:
        schema = pq.read_schema(path)
    except Exception as error:  # pyarrow raises several types for a file that is not Parquet
        raise IngestError(f"{origin}: not a readable Parquet file: {redact(error)}") from None
    check_column_names(schema.names, origin)
    refuse_unreadable_arrow_types(schema, origin)
    try:
        table = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise IngestError(f"{origin}: cannot read the Parquet file: {redact(error)}") from None
    refuse_personal_data_in_names(leaf_names(table.schema), origin)  # struct fields are columns once opened up
    table = modelled_types(table, origin)
    table = table.with_columns(pl.int_range(1, table.height + 1, dtype=pl.Int64).alias(ROW))
    return SourceRead(table=table, records=table.height)


def without_oversized_fields(read: SourceRead, max_field_chars: int, keep_values: bool = False) -> SourceRead:
    """``read`` of a typed source (Parquet, a database) with each row holding a text cell longer than
    ``max_field_chars`` moved to its bad rows, as a text file's reader does; nested fields are not measured."""
    table = read.table
    text = [c for c, t in table.schema.items() if t == pl.String]
    if not text:
        return read
    is_long = pl.any_horizontal(pl.col(c).str.len_chars().gt(max_field_chars).fill_null(False) for c in text)
    long_rows = table.filter(is_long)
    if long_rows.is_empty():
        return read
    bad = []
    for values in long_rows.iter_rows(named=True):
        column = next(c for c in text if values[c] is not None and len(values[c]) > max_field_chars)
        fields = [None if values[c] is None else str(values[c]) for c in table.columns if c != ROW]
        reason = (
            f"field of {len(values[column]):,} characters is longer than ingest.max_field_chars ({max_field_chars:,})"
        )
        bad.append(BadRow(values[ROW], reason, column, record=_record_json(fields, keep_values)))
    return dataclasses.replace(read, table=table.filter(~is_long), bad_rows=read.bad_rows + bad)


# ---------------------------------------------------------------- SQL


def sql_statement(table: str | None, query: str | None, quote) -> str:
    if (table is None) == (query is None):
        raise IngestError("a SQL source needs exactly one of source.table or source.query")
    if query is not None:
        return query
    return "SELECT * FROM " + ".".join(quote(part) for part in table.split("."))


def _frame_from_rows(names: Sequence[str], rows: Iterable[Sequence[Any]]) -> pl.DataFrame:
    """A frame from DB-API rows; a column whose values mix Python types (SQLite allows it) becomes text."""
    rows = list(rows)
    series = []
    for j, name in enumerate(names):
        values = [r[j] for r in rows]
        types = {type(v) for v in values if v is not None}
        if len(types) > 1 and not types <= {int, float}:
            values = [None if v is None else _json_scalar_text(v) if not isinstance(v, str) else v for v in values]
            series.append(pl.Series(name, values, dtype=pl.String))
        else:
            s = pl.Series(name, values, strict=False)
            if s.dtype == pl.Object:
                s = pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.String)
            elif isinstance(s.dtype, pl.Decimal):
                s = s.cast(pl.Float64)  # generators model numbers as floats
            series.append(s)
    return pl.DataFrame(series)


def _sql_result(names: Sequence[str], rows, origin: str) -> SourceRead:
    check_column_names(list(names), origin)
    table = modelled_types(_frame_from_rows(names, rows), origin)
    table = table.with_columns(pl.int_range(1, table.height + 1, dtype=pl.Int64).alias(ROW))
    return SourceRead(table=table, records=table.height)


def read_sqlite(path: Path, *, table: str | None, query: str | None) -> SourceRead:
    origin = _origin(path)
    if not path.is_file():  # sqlite3 would otherwise create an empty database
        raise IngestError(f"source database not found: {path}")
    refuse_other_format(read_head(path), origin, "sqlite")
    statement = sql_statement(table, query, lambda p: '"' + p.replace('"', '""') + '"')
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            cursor = conn.execute(statement)
            names = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall()
    except sqlite3.Error as error:
        raise IngestError(f"{origin}: SQLite query failed: {redact(error)}") from None
    return _sql_result(names, rows, origin)


def read_duckdb(path: Path, *, table: str | None, query: str | None) -> SourceRead:
    import duckdb

    origin = _origin(path)
    if not path.is_file():
        raise IngestError(f"source database not found: {path}")
    refuse_other_format(read_head(path), origin, "duckdb")
    statement = sql_statement(table, query, lambda p: '"' + p.replace('"', '""') + '"')
    try:
        with duckdb.connect(str(path), read_only=True) as conn:
            relation = conn.sql(statement)
            check_column_names(relation.columns, origin)
            frame = relation.pl()
    except duckdb.Error as error:
        raise IngestError(f"{origin}: DuckDB query failed: {redact(error)}") from None
    frame = frame.with_columns(pl.col(c).cast(pl.Float64) for c, t in frame.schema.items() if isinstance(t, pl.Decimal))
    frame = modelled_types(frame, origin)
    frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(ROW))
    return SourceRead(table=frame, records=frame.height)


def sqlalchemy_url(url: str) -> str:
    """PostgreSQL URLs go through psycopg 3 unless they name a driver."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def safe_url(url: str) -> str:
    """The URL without its password, for messages and metadata."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def read_sqlalchemy(url: str, *, table: str | None, query: str | None) -> SourceRead:
    import sqlalchemy as sa
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    shown = safe_url(url)
    try:
        engine = sa.create_engine(sqlalchemy_url(url))
    except (ArgumentError, NoSuchModuleError) as error:
        raise IngestError(f"{shown}: not a usable database URL: {error}") from None
    statement = sql_statement(table, query, engine.dialect.identifier_preparer.quote)
    try:
        with engine.connect() as conn:
            result = conn.execute(sa.text(statement))
            names = list(result.keys())
            rows = result.fetchall()
    except SQLAlchemyError as error:
        detail = getattr(error, "orig", None) or error
        raise IngestError(f"{shown}: query failed: {redact(detail)}") from None
    finally:
        engine.dispose()
    return _sql_result(names, rows, shown)


def _json_kind(value: object) -> str:
    """JSON's own name for a parsed value's type (bool before int: a bool is an int in Python)."""
    if value is None:
        return "JSON null"
    if isinstance(value, bool):
        return "a JSON boolean"
    kinds = {int: "a JSON number", float: "a JSON number", str: "a JSON string", list: "a JSON array"}
    return next((name for kind, name in kinds.items() if isinstance(value, kind)), "a JSON value")
