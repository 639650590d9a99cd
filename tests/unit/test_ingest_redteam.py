"""Failures a red-team found in ingestion, each reproduced: records lost or retyped without a word, a crash
where one bad record was due, or a message quoting data from the file."""

import json

import polars as pl
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


def _nested_parquet(tmp_path):
    """100 records: a struct with a float field (inf at record 4, nan at 8), a list of floats (inf at 4 and 51,
    -inf beside it at 51), a list of structs (nan at 60) and a fixed-size array (inf at 70)."""
    inf, nan = float("inf"), float("nan")
    x = [inf if i == 3 else nan if i == 7 else float(i) for i in range(100)]
    values = [
        [1.0, inf] if i == 3 else [inf, -inf] if i == 50 else [] if i == 20 else None if i == 21 else [2.0]
        for i in range(100)
    ]
    points = [[{"v": nan if i == 59 else 1.5, "k": "a"}] for i in range(100)]
    fixed = [[inf if i == 69 else 0.5, 1.0] for i in range(100)]
    table = pl.DataFrame(
        {
            "age": list(range(100)),
            "s": [{"x": v, "label": "a"} for v in x],
            "l": pl.Series(values, dtype=pl.List(pl.Float64)),
            "p": points,
            "a": pl.Series(fixed, dtype=pl.Array(pl.Float64, 2)),
        }
    )
    path = tmp_path / "nested.parquet"
    table.write_parquet(path)
    return path


def test_non_finite_numbers_inside_structs_and_lists_follow_ingest_non_finite(tmp_path):
    """Reproduced: inf and nan in a struct field or a list passed (``100 in, 100 out, 0 quarantined``) while a
    top-level float column's were counted and quarantined."""
    path = _nested_parquet(tmp_path)
    counts = {"s.x": 2, "l": 3, "p.v": 1, "a": 1}
    result = _accounted(_read(path, options=QUARANTINE))
    assert result.non_finite == counts
    assert (result.rows_out, result.rows_quarantined) == (95, 5)
    assert result.quarantine.select("row", "column").rows() == [
        (4, "s.x"),
        (8, "s.x"),
        (51, "l"),
        (60, "p.v"),
        (70, "a"),
    ]
    assert "column 'l': non-finite number" in result.quarantine.filter(pl.col("row") == 4)["reason"][0]
    with pytest.raises(IngestError, match=r"(?s)5 bad rows.*row 4, column 's.x': non-finite number"):
        _read(path)
    kept = _accounted(_read(path, options=IngestSpec(non_finite="keep")))
    assert (
        kept.non_finite == counts
        and kept.rows_out == 100
        and kept.table["l"][50].to_list() == [float("inf"), float("-inf")]
    )
    nulled = _accounted(_read(path, options=IngestSpec(non_finite="null")))
    assert nulled.non_finite == counts and nulled.rows_out == 100
    table = nulled.table
    assert table["s"][3] == {"x": None, "label": "a"} and table["s"][4] == {"x": 4.0, "label": "a"}
    assert table["l"][3].to_list() == [1.0, None] and table["l"][20].to_list() == [] and table["l"][21] is None
    assert table["p"][59].to_list() == [{"v": None, "k": "a"}] and table["a"][69].to_list() == [None, 1.0]
    assert table.schema == pl.read_parquet(path).schema


def _numbers_csv(tmp_path, last: str, long_ones: int = 1):
    """100 records of small integers in column ``n``, the last ``long_ones`` of them ``last``."""
    values = [str(3 + i * 7 % 500) for i in range(100 - long_ones)] + [last] * long_ones
    path = tmp_path / "n.csv"
    path.write_text("age,n\n" + "".join(f"{20 + i % 50},{v}\n" for i, v in enumerate(values)))
    return path


def test_one_long_integer_among_small_ones_keeps_the_column_integer(tmp_path):
    """Reproduced: one 13-digit value among 100 small integers turned the column into text, without a word."""
    result = _accounted(_read(_numbers_csv(tmp_path, "1234567890123"), options=QUARANTINE))
    assert result.table.schema["n"] == pl.Int64 and result.rows_quarantined == 0
    assert result.table["n"][99] == 1234567890123


def test_an_integer_beyond_int64_among_small_ones_is_a_bad_value_not_a_float_column(tmp_path):
    """Reproduced: 9223372036854775808 (2**63) among small integers turned the column into text."""
    path = _numbers_csv(tmp_path, "9223372036854775808")
    result = _accounted(_read(path, options=QUARANTINE))
    assert result.table.schema["n"] == pl.Int64 and result.table["n"].to_list()[:3] == [3, 10, 17]
    assert result.quarantine.select("line", "column").rows() == [(101, "n")]
    assert "beyond the int64 range" in result.quarantine["reason"][0]
    with pytest.raises(IngestError, match=r"line 101 \(row 100\), column 'n': value does not parse as integer"):
        _read(path)


def test_a_column_of_long_digit_strings_is_still_codes(tmp_path):
    cards = _accounted(_read(_numbers_csv(tmp_path, "4111111111111111", long_ones=20)))
    assert cards.table.schema["n"] == pl.String and cards.table["n"][0] == "3"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (f'{{"age": 33, "region": {{"{MARK}": 1, "{MARK}": 2}}}}', "has a key that appears twice in one object"),
        (f'{{"{MARK}": 1, "{MARK}": 2}}', "has a key that appears twice in one object"),
        (
            f'{{"region.{MARK}": 1, "region": {{"{MARK}": 2}}}}',
            "has two keys that name one field once nested objects are opened up (a key with a dot beside an object)",
        ),
    ],
)
def test_a_repeated_key_is_not_quoted(tmp_path, line, reason):
    """Reproduced: ``key 'ZZMARKQX' appears twice``: a bad record's keys are its data."""
    path = _json_lines(tmp_path, {10: line})
    result = _accounted(_read(path, options=QUARANTINE))
    assert result.quarantine.select("line", "column", "reason").rows() == [(10, None, reason)]
    with pytest.raises(IngestError, match=r"line 10 \(row 10\): has ") as failed:
        _read(path)
    assert MARK not in str(failed.value)


@pytest.mark.parametrize("encoding", ["rot13", "base64", "zlib", "no-such-codec"])
@pytest.mark.parametrize("name", ["t.csv", "t.jsonl"])
def test_an_encoding_that_is_no_text_encoding_is_refused_naming_the_file(tmp_path, encoding, name):
    """Reproduced: ``LookupError: 'rot13' is not a text encoding`` escaped as a traceback."""
    path = tmp_path / name
    path.write_text(HEADER + "\n" + "\n".join(ROWS) + "\n" if name.endswith("csv") else '{"a": 1}\n')
    with pytest.raises(IngestError, match=rf"t\.(csv|jsonl): unknown encoding '{encoding}' \(source\.encoding\)"):
        _read(path, source={"encoding": encoding})


@pytest.mark.parametrize("options", [QUARANTINE, IngestSpec()])
def test_a_comma_header_over_semicolon_records_is_a_wrong_delimiter(tmp_path, options):
    """Reproduced: every record was quarantined (``has 1 fields, the header has 4``), the command exited 0 and
    wrote a table of no rows."""
    path = tmp_path / "semi.csv"
    path.write_text(HEADER + "\n" + "\n".join(r.replace(",", ";") for r in ROWS) + "\n")
    with pytest.raises(
        IngestError,
        match=r"semi\.csv: every record has another number of fields than the header \(4\); the file looks "
        r"delimited by ';', not ',': set source.delimiter",
    ):
        _read(path, options=options)


def test_a_source_whose_every_record_is_set_aside_is_refused_by_the_commands(tmp_path):
    path = _json_lines(tmp_path, {})
    path.write_text("".join(f'["{MARK}", {i}]\n' for i in range(50)))
    read = _accounted(_read(path, options=QUARANTINE))  # a batch is judged by BatchStore.check's own rules
    assert (read.rows_in, read.rows_out) == (50, 0)
    with pytest.raises(IngestError, match=r"t\.jsonl: all 50 records are bad rows, none is left") as failed:
        read.refuse_empty()
    assert "... and 45 more" in str(failed.value)
    assert "line 1 (row 1): is a JSON array, not an object" in str(failed.value) and MARK not in str(failed.value)


def test_anonymize_does_not_exit_0_when_no_row_comes_out(tmp_path, capsys):
    from twinforge.cli import main

    source = tmp_path / "semi.csv"
    source.write_text(HEADER + "\n" + "\n".join(r.replace(",", ";") for r in ROWS) + "\n")
    out = tmp_path / "out.csv"
    assert main(["anonymize", str(source), "--out", str(out), "--on-bad-rows", "quarantine"]) != 0
    assert "looks delimited by ';'" in capsys.readouterr().err and not out.exists()
    jsonl = _json_lines(tmp_path, {})
    jsonl.write_text("".join(f'["{MARK}", {i}]\n' for i in range(50)))
    assert main(["anonymize", str(jsonl), "--out", str(out), "--on-bad-rows", "quarantine"]) != 0
    assert "all 50 records are bad rows" in capsys.readouterr().err and not out.exists()
