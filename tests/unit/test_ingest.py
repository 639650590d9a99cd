"""Ingestion from every source kind, and every bad input: a clear error or counted quarantine."""

import datetime as dt
import gzip
import json
import sqlite3

import polars as pl
import pytest

from twinforge.config.spec import ColumnPolicy, IngestSpec, SourceSpec, SpecError
from twinforge.io.ingest import IngestError, ingest_source
from twinforge.io.schema import ColumnKind

QUARANTINE = IngestSpec(on_bad_rows="quarantine")
GOOD_CSV = "id,name,age,joined,zip\n1,Ann,34,2024-01-05,02139\n2,Bob,51,2024-02-11,10001\n3,Cy,,2024-03-01,94105\n"


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def _read(path, **kw):
    return ingest_source(SourceSpec(path=path, **kw.pop("source", {})), **kw)


def _accounted(result):
    assert result.rows_in == result.rows_out + result.rows_quarantined
    return result


def test_csv_types_nulls_and_codes(tmp_path):
    result = _accounted(_read(_write(tmp_path / "t.csv", GOOD_CSV)))
    t = result.table
    assert t.schema["age"] == pl.Int64 and t["age"].null_count() == 1
    assert t.schema["joined"] == pl.Date
    assert t["zip"].to_list() == ["02139", "10001", "94105"]  # a leading zero keeps postcodes text
    assert result.rows_in == 3 and result.rows_quarantined == 0 and len(result.content_sha256) == 64


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "csv.gz"])
def test_same_table_from_other_file_formats(tmp_path, fmt):
    expected = _read(_write(tmp_path / "t.csv", GOOD_CSV)).table
    path = tmp_path / f"t.{fmt}"
    if fmt == "parquet":
        expected.write_parquet(path)
    elif fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r, default=str) for r in expected.to_dicts()) + "\n")
    else:
        path.write_bytes(gzip.compress(GOOD_CSV.encode()))
    assert _accounted(_read(path)).table.equals(expected)


def test_sqlite_and_duckdb_sources(tmp_path):
    import duckdb

    db = tmp_path / "t.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("create table people (id integer, name text, age integer)")
        conn.executemany("insert into people values (?, ?, ?)", [(1, "Ann", 34), (2, "Bob", "old"), (3, "Cy", None)])
    source = {"table": "people"}
    loose = _read(db, source=source)  # SQLite's mixed column reads as text rather than failing
    assert loose.table["age"].dtype == pl.String and loose.rows_in == 3
    strict = _read(db, source=source, columns={"age": ColumnPolicy(kind=ColumnKind.INTEGER)}, options=QUARANTINE)
    assert (strict.rows_out, strict.rows_quarantined) == (2, 1)
    assert strict.quarantine.row(0, named=True)["column"] == "age"

    ddb = tmp_path / "t.duckdb"
    with duckdb.connect(str(ddb)) as conn:
        conn.execute("create table visits as select range as id, range * 1.5 as amount from range(5)")
    result = _read(ddb, source={"query": "select * from visits where id < 4"})
    assert result.table.height == 4 and result.table.schema["amount"] == pl.Float64
    with pytest.raises(IngestError, match="DuckDB query failed"):
        _read(ddb, source={"table": "nope"})
    with pytest.raises(IngestError, match="source database not found"):
        _read(tmp_path / "missing.sqlite", source=source)


# ----------------------------------------------------------------- bad input, one test each


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(IngestError, match=r"source file not found: .*absent\.csv"):
        _read(tmp_path / "absent.csv")


def test_bad_encoding_fails_with_line_and_column_or_is_quarantined(tmp_path):
    text = GOOD_CSV.encode() + "4,Zoë,40,2024-04-01,30301\n".encode("latin-1")
    path = _write(tmp_path / "enc.csv", text)
    with pytest.raises(IngestError) as err:
        _read(path)
    assert "enc.csv: 1 bad row" in str(err.value)
    assert "line 5 (row 4), column 'name': is not valid utf-8" in str(err.value)
    quarantined = _accounted(_read(path, options=QUARANTINE))
    assert (quarantined.rows_out, quarantined.rows_quarantined) == (3, 1)
    assert _read(path, source={"encoding": "latin-1"}).table["name"][3] == "Zoë"  # the fix the message names


def test_wrong_delimiter_is_named(tmp_path):
    path = _write(tmp_path / "semi.csv", GOOD_CSV.replace(",", ";"))
    with pytest.raises(
        IngestError, match=r"semi\.csv: the header has a single column; the file looks delimited by ';'"
    ):
        _read(path)
    assert _read(path, source={"delimiter": ";"}).table.width == 5


EUROPEAN_CSV = "alter;gehalt;stadt;menge\n34;45123,50;Köln;1.234\n51;1.020.300,05;Berlin;12\n29;-0,5;Bonn;7\n"


def test_numbers_with_a_decimal_comma_are_numbers_with_source_decimal(tmp_path):
    """A European export (";" delimiter, "45123,50", thousands by points) with ``source.decimal: ","``: the
    numbers are numbers, text stays text; without it the column stays text and the reading says why."""
    path = _write(tmp_path / "excel.csv", EUROPEAN_CSV)
    table = _read(path, source={"delimiter": ";", "decimal": ","}).table
    assert table.schema["gehalt"] == pl.Float64 and table["gehalt"].to_list() == [45123.5, 1020300.05, -0.5]
    assert table.schema["menge"] == pl.Int64 and table["menge"].to_list() == [1234, 12, 7]
    assert table["stadt"].to_list() == ["Köln", "Berlin", "Bonn"]
    declared = {"gehalt": ColumnPolicy(kind=ColumnKind.FLOAT)}
    assert _read(path, columns=declared, source={"delimiter": ";", "decimal": ","}).table["gehalt"][0] == 45123.5
    plain = _read(path, source={"delimiter": ";"})
    assert plain.table.schema["gehalt"] == pl.String
    assert "gehalt look like numbers with a decimal comma, read as text: set source.decimal: ','" in plain.counts()


def test_ragged_rows_fail_or_are_quarantined(tmp_path):
    path = _write(tmp_path / "ragged.csv", GOOD_CSV + "4,Dee\n5,Eve,29,2024-05-01,60601,extra\n")
    with pytest.raises(IngestError) as err:
        _read(path)
    assert "ragged.csv: 2 bad rows" in str(err.value)
    assert "line 5 (row 4): has 2 fields, the header has 5" in str(err.value)
    assert "line 6 (row 5): has 6 fields, the header has 5" in str(err.value)
    result = _accounted(_read(path, options=QUARANTINE))
    assert (result.rows_in, result.rows_out, result.rows_quarantined) == (5, 3, 2)
    assert result.quarantine["record"].to_list() == [None, None]  # no raw values without keep_raw
    kept = _read(path, options=IngestSpec(on_bad_rows="quarantine", keep_raw=True))
    assert json.loads(kept.quarantine["record"][0]) == ["4", "Dee"]


def test_values_that_do_not_parse_as_the_spec_type(tmp_path):
    path = _write(tmp_path / "types.csv", GOOD_CSV + "4,Dee,forty,2024-13-45,30301\n")
    columns = {"age": ColumnPolicy(kind=ColumnKind.INTEGER), "joined": ColumnPolicy(kind=ColumnKind.DATETIME)}
    with pytest.raises(IngestError) as err:
        _read(path, columns=columns)
    message = str(err.value)
    assert "types.csv: 1 bad row" in message
    assert "line 5 (row 4), column 'age': value does not parse as integer; column 'joined'" in message
    assert "forty" not in message  # values are never quoted: they may be personal data
    result = _accounted(_read(path, columns=columns, options=QUARANTINE))
    assert result.rows_quarantined == 1 and result.table.schema["age"] == pl.Int64
    assert result.quarantine_reasons() == {
        "age: value does not parse as integer; column 'joined': value does not parse as datetime": 1
    }


def test_empty_table(tmp_path):
    with pytest.raises(IngestError, match=r"empty\.csv: the file is empty"):
        _read(_write(tmp_path / "empty.csv", ""))
    with pytest.raises(IngestError, match=r"header\.csv: no data rows"):
        _read(_write(tmp_path / "header.csv", "a,b\n\n"))
    pl.DataFrame({"a": []}, schema={"a": pl.Int64}).write_parquet(tmp_path / "empty.parquet")
    with pytest.raises(IngestError, match=r"empty\.parquet: no data rows"):
        _read(tmp_path / "empty.parquet")


@pytest.mark.parametrize(
    ("header", "fragment"),
    [("id,name,id", "column name 'id' appears twice (columns 1 and 3)"), ("id,,age", "column 2 has a blank name")],
)
def test_duplicate_or_blank_column_names(tmp_path, header, fragment):
    with pytest.raises(IngestError, match=r"names\.csv: " + fragment.replace("(", r"\(").replace(")", r"\)")):
        _read(_write(tmp_path / "names.csv", header + "\n1,2,3\n"))
    jsonl = _write(tmp_path / "dupe.jsonl", '{"a": 1, "a": 2}\n{"a": 3}\n')
    result = _accounted(_read(jsonl, options=QUARANTINE))
    assert result.quarantine["reason"].to_list() == ["has a key that appears twice in one object"]


def test_ten_megabyte_field(tmp_path):
    huge = "x" * (10 * 1024 * 1024)
    path = _write(tmp_path / "huge.csv", f'id,notes\n1,short\n2,"{huge}"\n3,fine\n')
    with pytest.raises(
        IngestError,
        match=r"line 3 \(row 2\), column 'notes': field of 10,485,760 characters is longer "
        r"than ingest.max_field_chars \(1,048,576\)",
    ):
        _read(path)
    result = _accounted(_read(path, options=QUARANTINE))
    assert result.table["id"].to_list() == [1, 3] and result.rows_quarantined == 1
    allowed = _read(path, options=IngestSpec(max_field_chars=11 * 1024 * 1024))
    assert allowed.table["notes"].str.len_chars().max() == len(huge)


def test_bad_json_lines(tmp_path):
    path = _write(tmp_path / "t.jsonl", '{"a": 1}\n{"a": \n[1, 2]\n\n{"a": 4}\n')
    with pytest.raises(IngestError, match=r"t\.jsonl: 2 bad rows"):
        _read(path)
    result = _accounted(_read(path, options=QUARANTINE))
    assert result.table["a"].to_list() == [1, 4]
    assert result.quarantine["line"].to_list() == [2, 3]
    assert result.quarantine["reason"][1] == "is a JSON array, not an object"


def test_a_json_line_that_is_not_an_object_is_named_in_json_terms(tmp_path):
    """Reproduced: reasons said "a JSON NoneType", "a JSON int", "a JSON str" (Python's names)."""
    path = _write(tmp_path / "t.jsonl", '{"a": 1}\nnull\n42\n1.5\n"text"\ntrue\n[1]\n')
    reasons = _accounted(_read(path, options=QUARANTINE)).quarantine["reason"].to_list()
    kinds = ["JSON null", "a JSON number", "a JSON number", "a JSON string", "a JSON boolean", "a JSON array"]
    assert reasons == [f"is {kind}, not an object" for kind in kinds]


def test_json_lines_nested_objects_become_columns(tmp_path):
    lines = [
        {"id": 1, "who": {"name": {"first": "Ann"}, "age": "34"}, "tags": ["a", "b"], "meta": {}},
        {"id": 2, "who": {"age": 51}, "tags": [], "mixed": "x"},
        {"id": 3, "who": None, "tags": None, "mixed": ["y"]},
        {"id": 4, "who": {"age": "n/a"}, "who.age": 3},
        {"id": 5, "log": [{"at": "2024-01-01", "by": {"id": 7}}, {"at": "2024-01-02"}]},
        {"id": 6, "who": {" ": 1}},
        {"id": 7, "log": [{"at": "x", "": 2}]},
    ]
    path = _write(tmp_path / "n.jsonl", "".join(json.dumps(r) + "\n" for r in lines))
    result = _accounted(_read(path, options=QUARANTINE))
    t = result.table
    assert t.columns == ["id", "who.name.first", "who.age", "tags", "mixed", "log"]
    assert t["id"].to_list() == [1, 2, 3, 5]
    assert t["who.name.first"].to_list() == ["Ann", None, None, None]
    assert t.schema["who.age"] == pl.Int64 and t["who.age"].to_list() == [34, 51, None, None]
    assert t["tags"].to_list() == [["a", "b"], [], None, None]
    assert t["mixed"].to_list() == [None, "x", '["y"]', None]  # arrays mixed with plain values stay JSON text
    assert t.schema["log"] == pl.List(pl.Struct({"at": pl.String, "by": pl.Struct({"id": pl.String})}))
    assert result.quarantine.select("row", "line", "reason").rows() == [
        (
            4,
            4,
            "has two keys that name one field once nested objects are opened up (a key with a dot beside an object)",
        ),
        (6, 6, "has a key with a blank name"),
        (7, 7, "has a key with a blank name"),
    ]
    with pytest.raises(SpecError, match=r"declares a number, boolean or date kind for \['tags'\]"):
        _read(path, options=QUARANTINE, columns={"tags": ColumnPolicy(kind=ColumnKind.INTEGER)})


def test_json_nested_beyond_reading_is_a_bad_row(tmp_path):
    deep = lambda n: "[" * n + "]" * n  # noqa: E731
    lines = [
        '{"a": 1}',
        f'{{"a": 2, "x": {deep(100_000)}}}',
        f'{{"a": 3, "x": {deep(31)}}}',
        f'{{"a": 4, "x": {deep(32)}}}',
    ]
    result = _accounted(_read(_write(tmp_path / "deep.jsonl", "\n".join(lines) + "\n"), options=QUARANTINE))
    assert result.table["a"].to_list() == [1, 3]
    assert result.quarantine.select("line", "reason").rows() == [
        (2, "nests arrays or objects more than 32 levels deep"),
        (4, "nests arrays or objects more than 32 levels deep"),
    ]


def test_json_bad_row_reasons_come_in_order(tmp_path):
    deep = lambda n: "[" * n + "]" * n  # noqa: E731
    lines = [
        f'{{"": 1, "x": {deep(32)}}}',  # too deep outranks a blank key ...
        f'{{"a.b": 1, "a": {{"b": 2}}, "x": {deep(32)}}}',  # ... and a key repeated once opened up
        f"[{deep(32)}]",  # ... and not being an object
        '[{"": 1}]',  # not an object outranks a blank key
        '{"a.b": 1, "a": {"b": 2}, "c": [{" ": 3}]}',  # a blank key outranks a repeated key
        '{"a.b": 1, "x.y": 2, "x": {"y": 3}, "a": {"b": 4}}',  # two repeated names: one reason, no name
        '{"ok": 1}',
    ]
    result = _accounted(_read(_write(tmp_path / "order.jsonl", "\n".join(lines) + "\n"), options=QUARANTINE))
    assert result.table["ok"].to_list() == [1]
    assert result.quarantine.select("line", "reason").rows() == [
        (1, "nests arrays or objects more than 32 levels deep"),
        (2, "nests arrays or objects more than 32 levels deep"),
        (3, "nests arrays or objects more than 32 levels deep"),
        (4, "is a JSON array, not an object"),
        (5, "has a key with a blank name"),
        (6, "has two keys that name one field once nested objects are opened up (a key with a dot beside an object)"),
    ]


def test_spec_columns_missing_from_source(tmp_path):
    with pytest.raises(SpecError, match=r"names columns that are not in the source: \['email'\]"):
        _read(_write(tmp_path / "t.csv", GOOD_CSV), columns={"email": ColumnPolicy()})


def test_identifier_inference(tmp_path):
    rows = "\n".join(f"{i},{1000 + i * 7},{i % 3}" for i in range(1, 41))
    result = _read(_write(tmp_path / "ids.csv", "row,customer_id,segment\n" + rows + "\n"))
    kinds = {c.name: c.kind for c in result.schema.columns}
    assert kinds == {"row": ColumnKind.IDENTIFIER, "customer_id": ColumnKind.IDENTIFIER, "segment": ColumnKind.INTEGER}
    assert result.schema_origin() == {"row": "inferred", "customer_id": "inferred", "segment": "inferred"}


def _visits(people: int, visits: int, seed: int = 17) -> pl.DataFrame:
    """A visit-level table: each of ``people`` on about ``visits`` rows, under several id names."""
    import random

    rng = random.Random(seed)
    ids = rng.sample(range(1_000_000, 9_999_999), people)
    rows = [rng.choice(ids) for _ in range(people * visits)]
    return pl.DataFrame(
        {
            "patient_id": rows,
            "CUST_NO": rows,
            "subjectKey": [f"S{r}" for r in rows],
            "mrn": rows,
            "bene_id": rows,
            "store_id": [r % 12 for r in rows],  # 12 stores: a category, however it is named
            "member_no": [r % 6 + 1 for r in rows],  # a member's number on a policy: an ordinal
            "product_code": [f"P{r % 40}" for r in rows],  # no person's id by name
            "result": [rng.choice(["pos", "neg"]) for _ in rows],
        }
    )


def test_person_ids_repeated_over_visits_are_identifiers():
    from twinforge.io.schema import PERSON_ID_MIN_DISTINCT, infer_schema, looks_like_identifier

    kinds = {c.name: c.kind for c in infer_schema(_visits(200, 3), detect_identifiers=True).columns}
    for name in ("patient_id", "CUST_NO", "subjectKey", "mrn", "bene_id"):
        assert kinds[name] is ColumnKind.IDENTIFIER, name
    assert kinds["store_id"] is ColumnKind.INTEGER
    assert kinds["member_no"] is ColumnKind.INTEGER
    assert kinds["product_code"] is ColumnKind.CATEGORICAL
    # the threshold is on distinct people, not on their share of the rows
    many = _visits(PERSON_ID_MIN_DISTINCT, 50)["patient_id"]
    few = _visits(PERSON_ID_MIN_DISTINCT - 1, 50)["patient_id"]
    assert many.n_unique() == PERSON_ID_MIN_DISTINCT and looks_like_identifier("patient_id", many)
    assert not looks_like_identifier("patient_id", few)
    # look-alike names that are not a person's id
    for name in ("patient_type", "temp_id", "customer_segment", "user_agent", "num_patients", "visit_no"):
        assert not looks_like_identifier(name, many), name


def test_dates_written_in_several_iso_shapes_are_one_datetime_column(tmp_path):
    """A spreadsheet drops a datetime's midnight time: "2024-08-11" beside "2024-08-11 15:00" is one column
    of datetimes, with no value lost; the other columns keep the types they had."""
    rows = []
    for i in range(40):
        day = f"2024-03-{i % 28 + 1:02d}"
        mixed = day if i % 3 else f"{day} {i % 24:02d}:15"
        shapes = [day, f"{day}T08:30", f"{day} 08:30:05", f"{day}T08:30:05.25"][i % 4]
        mostly = f"{day} 09:00" if i == 7 else day  # 39 dates and one timestamp
        rows.append(f"{mixed},{shapes},{mostly},{day},{day} 10:{i:02d},{day}x")
    header = "checkin,shapes,mostly,plain_date,plain_datetime,code\n"
    result = _accounted(_read(_write(tmp_path / "d.csv", header + "\n".join(rows) + "\n"), options=QUARANTINE))
    t = result.table
    assert result.rows_quarantined == 0 and t.height == 40
    for name in ("checkin", "shapes", "mostly"):
        assert t.schema[name] == pl.Datetime("us"), name
        assert t[name].null_count() == 0, name
    assert t["checkin"][1] == dt.datetime(2024, 3, 2) and t["checkin"][3] == dt.datetime(2024, 3, 4, 3, 15)
    assert t["shapes"][3] == dt.datetime(2024, 3, 4, 8, 30, 5, 250000)
    assert t.schema["plain_date"] == pl.Date and t.schema["plain_datetime"] == pl.Datetime("us")
    assert t.schema["code"] == pl.String
    # a declared datetime without a format reads the same mix
    declared = _read(tmp_path / "d.csv", columns={"checkin": ColumnPolicy(kind="datetime")}, options=QUARANTINE)
    assert declared.rows_quarantined == 0 and declared.table["checkin"].null_count() == 0


def test_reading_builds_the_schema_a_fixed_number_of_times_whatever_the_width(tmp_path, monkeypatch):
    """polars builds ``DataFrame.schema`` and ``.columns`` afresh, in time linear in the width, on each access:
    read once per column, a 10,000-column CSV took hours to read. The accesses are counted, not timed: a table
    ten times wider must not read them more often (spreadsheet amounts, dates and a decimal comma included,
    for the written-form and hint passes)."""
    calls = {"schema": 0, "columns": 0}
    schema, columns = pl.DataFrame.schema, pl.DataFrame.columns

    def counted(name, prop):
        def get(self):
            calls[name] += 1
            return prop.fget(self)

        return property(get, prop.fset)

    monkeypatch.setattr(pl.DataFrame, "schema", counted("schema", schema))
    monkeypatch.setattr(pl.DataFrame, "columns", counted("columns", columns))

    def accesses(width):
        calls.update(schema=0, columns=0)
        header = ",".join(f"c{j}" for j in range(width)) + ",amount,comma,date"
        rows = (
            ",".join(str((i * j) % 7) for j in range(width)) + f',"${i},200.50","{i},5",03/1{i}/2024'
            for i in range(1, 9)
        )
        result = _read(_write(tmp_path / f"w{width}.csv", header + "\n" + "\n".join(rows) + "\n"))
        assert result.table.width == width + 3 and set(result.written_forms) == {"amount", "date"}
        assert "comma" in result.note
        return dict(calls)

    narrow, wide = accesses(10), accesses(100)
    assert wide == narrow, f"schema/columns read per column: {narrow} for 13 columns, {wide} for 103"


@pytest.mark.parametrize("fmt", ["parquet", "sqlite", "duckdb"])
def test_a_field_over_max_field_chars_is_a_bad_row_in_typed_sources_too(tmp_path, fmt):
    import duckdb

    frame = pl.DataFrame({"id": [1, 2, 3], "notes": ["short", "x" * 500, "fine"], "code": ["a", "b", "y" * 300]})
    path = tmp_path / f"t.{fmt}"
    if fmt == "parquet":
        frame.write_parquet(path)
        source = {}
    elif fmt == "sqlite":
        with sqlite3.connect(path) as conn:
            conn.execute("create table t (id integer, notes text, code text)")
            conn.executemany("insert into t values (?, ?, ?)", frame.rows())
        source = {"table": "t"}
    else:
        with duckdb.connect(str(path)) as conn:
            conn.register("frame", frame.to_arrow())
            conn.execute("create table t as select * from frame")
        source = {"table": "t"}
    options = IngestSpec(max_field_chars=200)
    with pytest.raises(IngestError, match=r"(?s)2 bad rows.*row 2, column 'notes': field of 500 characters is longer "):
        _read(path, source=source, options=options)
    result = _accounted(_read(path, source=source, options=IngestSpec(max_field_chars=200, on_bad_rows="quarantine")))
    assert result.table["id"].to_list() == [1]
    assert result.quarantine["row"].to_list() == [2, 3]
    assert result.quarantine["column"].to_list() == ["notes", "code"]
    assert _accounted(_read(path, source=source)).table.height == 3  # the default limit is a megabyte
