"""A file's name is a claim about its contents, its first bytes are not: a gzip export that kept its `.csv`
is read decompressed (and said so), and a Parquet file, a database, a ZIP archive or an Excel workbook under
another format's name is refused naming what it really is and what to do, never with a reader's misleading
guess (a wrong delimiter, a bad encoding)."""

import gzip
import sqlite3
import zipfile

import polars as pl
import pytest

from twinforge.cli import main
from twinforge.config.spec import SourceSpec
from twinforge.io.ingest import IngestError, ingest_source

CSV = "age,result\n" + "".join(f"{20 + i % 60},{'pos' if i % 3 else 'neg'}\n" for i in range(200))


def test_a_gzip_export_named_csv_is_read_decompressed_and_says_so(tmp_path, capsys):
    export = tmp_path / "export.csv"
    export.write_bytes(gzip.compress(CSV.encode()))
    read = ingest_source(SourceSpec(path=export))
    assert read.table["age"].to_list()[:3] == [20, 21, 22] and read.rows_in == 200
    assert "gzip-compressed though not named .gz" in read.counts()
    assert main(["anonymize", str(export), "--out", str(tmp_path / "anon.parquet")]) == 0
    assert "gzip-compressed though not named .gz: read decompressed" in capsys.readouterr().err
    lines = tmp_path / "feed.jsonl"  # JSON Lines the same way
    lines.write_bytes(gzip.compress(b'{"age": 3}\n{"age": 4}\n'))
    assert ingest_source(SourceSpec(path=lines)).table["age"].to_list() == [3, 4]


def test_a_file_named_gz_that_is_not_compressed_is_read_as_it_is(tmp_path):
    plain = tmp_path / "plain.csv.gz"
    plain.write_text(CSV)
    read = ingest_source(SourceSpec(path=plain))
    assert read.rows_in == 200 and read.note is None


def test_a_damaged_gzip_file_is_refused_without_quoting_its_bytes(tmp_path):
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress(CSV.encode())[:60])
    with pytest.raises(IngestError, match=r"cut.csv.gz: cannot read the file \(EOFError: damaged or cut short\?\)"):
        ingest_source(SourceSpec(path=cut))


def _xlsx(path):
    with zipfile.ZipFile(path, "w") as book:  # the parts every workbook has, in Excel's order
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("_rels/.rels", "<Relationships/>")
        book.writestr("xl/workbook.xml", "<workbook/>")


@pytest.mark.parametrize(
    ("name", "write", "expected"),
    [
        (
            "t.csv",
            lambda p: pl.DataFrame({"age": [3]}).write_parquet(p),
            "t.csv: the file is a Parquet file, not CSV text: name it .parquet or set source.format: parquet",
        ),
        (
            "t.jsonl",
            lambda p: sqlite3.connect(p).execute("CREATE TABLE t (a)").connection.commit(),
            "t.jsonl: the file is a SQLite database, not JSON Lines text: name it .sqlite or set source.format: sqlite",
        ),
        (
            "t.csv",
            _xlsx,
            "t.csv: the file is an Excel workbook (.xlsx), not CSV text: export the sheet as CSV or Parquet",
        ),
        (
            "t.csv",
            lambda p: zipfile.ZipFile(p, "w").writestr("t.csv", CSV),
            "t.csv: the file is a ZIP archive, not CSV text: extract the table from it",
        ),
        (
            "t.csv",
            lambda p: p.write_bytes(b"BZh91AY&SY\x00\x01\xff"),
            "t.csv: the file is bzip2-compressed data, not CSV text: decompress it",
        ),
        (
            "t.parquet",
            lambda p: p.write_bytes(gzip.compress(CSV.encode())),
            "t.parquet: the file is gzip-compressed data, not a Parquet file: name it .csv.gz or .jsonl.gz",
        ),
        (
            "t.parquet",
            lambda p: p.write_text(CSV),
            "t.parquet: the file is text (CSV?), not a Parquet file: name it .csv or set source.format: csv",
        ),
        (
            "t.sqlite",
            lambda p: pl.DataFrame({"age": [3]}).write_parquet(p),
            "t.sqlite: the file is a Parquet file, not a SQLite database: name it .parquet",
        ),
    ],
)
def test_another_format_under_a_name_is_refused_naming_what_it_is(tmp_path, name, write, expected):
    path = tmp_path / name
    write(path)
    table = "t" if name.endswith(".sqlite") else None
    with pytest.raises(IngestError) as error:
        ingest_source(SourceSpec(path=path, table=table))
    assert str(error.value).startswith(str(tmp_path / expected))


def test_text_that_begins_like_a_binary_format_is_still_text(tmp_path):
    header = tmp_path / "codes.csv"  # "PAR1" and "BZh" are Parquet's and bzip2's first bytes
    header.write_text("PAR1,BZh\n" + "".join(f"{i},{i * 2}\n" for i in range(50)))
    assert ingest_source(SourceSpec(path=header)).table.columns == ["PAR1", "BZh"]
