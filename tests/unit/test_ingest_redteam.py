"""Failures a red-team found in ingestion, each reproduced: records lost or retyped without a word, a crash
where one bad record was due, or a message quoting data from the file."""

import pytest

from twinforge.config.spec import IngestSpec, SourceSpec
from twinforge.io.ingest import ingest_source

QUARANTINE = IngestSpec(on_bad_rows="quarantine")
MARK = "ZZMARKQX"  # planted data: must never appear in a message
ROWS = [f"{20 + i % 60},R{i % 4},{1000 + 7 * i},{'yes' if i % 3 else 'no'}" for i in range(100)]
HEADER = "age,region,income,smoker"


def _read(path, **kw):
    return ingest_source(SourceSpec(path=path, **kw.pop("source", {})), **kw)


def _accounted(result):
    assert result.rows_in == result.rows_out + result.rows_quarantined
    return result


@pytest.mark.parametrize("before", ["\n", "\r\n", "   \n\n", "\t\n"])
def test_blank_lines_before_the_header_are_skipped_and_counted(tmp_path, before):
    """Reproduced: a blank first line was read as a header of no fields, the real header as a record and every
    record quarantined (``101 rows in (102 lines), 0 out, 101 quarantined``)."""
    path = tmp_path / "t.csv"
    path.write_text(before + HEADER + "\n" + "\n".join(ROWS) + "\n", newline="")
    result = _accounted(_read(path, options=QUARANTINE))
    blanks = before.count("\n")
    assert (result.rows_in, result.rows_out, result.lines_in) == (100, 100, 101 + blanks)
    assert result.table.columns == HEADER.split(",")
    broken = tmp_path / "broken.csv"  # line numbers after the blank lines are the file's
    broken.write_text(before + HEADER + "\n" + "\n".join(ROWS[:4] + ["1,2"] + ROWS[5:]) + "\n", newline="")
    assert _accounted(_read(broken, options=QUARANTINE)).quarantine["line"].to_list() == [blanks + 6]


def test_blank_lines_before_the_first_record_of_a_headerless_file_are_skipped(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("\n  \n" + "\n".join(ROWS) + "\n")
    result = _accounted(_read(path, source={"header": False}))
    assert (result.rows_in, result.lines_in, result.table.width) == (100, 102, 4)


@pytest.mark.parametrize("blank", ["   ", "\t", " \t "])
def test_a_whitespace_only_line_in_a_csv_is_a_blank_line_not_a_record(tmp_path, blank):
    """Reproduced: ``"   "`` was a record of one field, quarantined for its field count, while an empty line
    is skipped (JSON Lines skips both)."""
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "\n" + "\n".join(ROWS[:50] + [blank] + ROWS[50:]) + "\n")
    result = _accounted(_read(path, options=QUARANTINE))
    assert (result.rows_in, result.rows_quarantined, result.lines_in) == (100, 0, 102)


def test_a_tab_line_in_a_two_column_tsv_is_still_a_record_of_nulls(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\n1\t2\n\t\n3\t4\n")
    result = _accounted(_read(path))
    assert result.rows_in == 3 and result.table["a"].to_list() == [1, None, 3]
