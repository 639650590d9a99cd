"""Failures a red-team found in ingestion, each reproduced: records lost or retyped without a word, a crash
where one bad record was due, or a message quoting data from the file."""

import json

import pytest

from twinforge.config.spec import IngestSpec, SourceSpec
from twinforge.io.ingest import IngestError, ingest_source

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


def _json_lines(tmp_path, replaced: dict[int, str]):
    """100 JSON Lines records; ``replaced`` maps a 1-based line number to its own text."""
    lines = [
        json.dumps({"age": 20 + i % 60, "region": f"R{i % 4}", "income": 1000.0 + i, "smoker": "yes"})
        for i in range(100)
    ]
    for number, text in replaced.items():
        lines[number - 1] = text
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    "line",
    [
        f'{{"age": 33, "region": "\\ud800{MARK}", "income": 1.0, "smoker": "yes"}}',
        '{"\\ud800x": 1}',
        f'{{"age": 33, "region": {{"tags": ["\\udfff{MARK}"]}}}}',
    ],
)
def test_a_lone_surrogate_escape_in_json_lines_is_one_bad_record(tmp_path, line):
    """Reproduced: the read crashed (``'utf-8' codec can't encode character '\\ud800'``) in building a column."""
    path = _json_lines(tmp_path, {10: line, 11: '{"age": 40, "region": "\\ud83d\\ude00", "income": 2.0}'})
    result = _accounted(_read(path, options=QUARANTINE))
    assert (result.rows_in, result.rows_out, result.rows_quarantined) == (100, 99, 1)
    assert result.quarantine.select("line", "reason").rows() == [
        (10, "holds a lone surrogate escape (\\ud800 to \\udfff without its pair), which is no text")
    ]
    assert result.table["region"][9] == "\U0001f600"  # a pair is one character
    with pytest.raises(IngestError, match=r"line 10 \(row 10\): holds a lone surrogate escape") as failed:
        _read(path)
    assert MARK not in str(failed.value)
