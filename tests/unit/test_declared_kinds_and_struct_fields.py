"""Declared kinds that the values cannot take are bad rows, never an opaque error or a silent change; a
Parquet struct's fields are named in the spec as ``parent.field``, and a declaration on the struct applies to
its fields."""

import polars as pl
import pytest

from twinforge.config.spec import ColumnPolicy, IngestSpec, SourceSpec
from twinforge.io.ingest import IngestError, ingest_source
from twinforge.io.schema import ColumnKind

QUARANTINE = IngestSpec(on_bad_rows="quarantine")


def _read(path, **kw):
    return ingest_source(SourceSpec(path=path), **kw)


def _accounted(result):
    assert result.rows_in == result.rows_out + result.rows_quarantined
    return result


# --- a declared datetime column none of whose values is a date ---------------------------------------------


def _pending_csv(tmp_path, rows=100):
    path = tmp_path / "visits.csv"
    path.write_text("visit_date,score\n" + "".join(f"pending,0.{i}\n" for i in range(1, rows + 1)))
    return path


def test_a_declared_datetime_column_without_a_date_gives_bad_rows(tmp_path):
    path = _pending_csv(tmp_path)
    columns = {"visit_date": ColumnPolicy(kind=ColumnKind.DATETIME)}
    with pytest.raises(IngestError) as err:
        _read(path, columns=columns)
    message = str(err.value)
    assert "visits.csv: 100 bad rows" in message, message
    assert "line 2 (row 1), column 'visit_date': value does not parse as datetime" in message
    assert "pending" not in message and "ComputeError" not in message
    result = _accounted(_read(path, columns=columns, options=QUARANTINE))
    assert result.rows_quarantined == 100 and result.rows_out == 0
    assert result.quarantine_reasons() == {"visit_date: value does not parse as datetime": 100}


def test_a_later_batch_pinned_datetime_without_a_date_is_quarantined(tmp_path):
    path = _pending_csv(tmp_path)
    result = _accounted(_read(path, options=QUARANTINE, reference={"visit_date": ColumnKind.DATETIME}))
    assert result.rows_quarantined == 100
    assert result.quarantine_reasons() == {"visit_date: value does not parse as datetime": 100}


@pytest.mark.parametrize("column", ["age", "full_name"])
def test_datetime_declared_on_a_parquet_number_or_text_column_gives_bad_rows(tmp_path, column):
    path = tmp_path / "p.parquet"
    pl.DataFrame({"age": list(range(20, 80)), "full_name": [f"Person {i}" for i in range(60)]}).write_parquet(path)
    columns = {column: ColumnPolicy(kind=ColumnKind.DATETIME)}
    with pytest.raises(IngestError, match=rf"row 1, column '{column}': value does not parse as datetime"):
        _read(path, columns=columns)
    result = _accounted(_read(path, columns=columns, options=QUARANTINE))
    assert result.rows_quarantined == 60


def test_impossible_iso_timestamps_do_not_fail_the_file(tmp_path):
    """A column of ISO-shaped timestamps none of which is a real date (Feb 30) is text, not an opaque error."""
    path = tmp_path / "t.csv"
    path.write_text("at,n\n" + "".join(f"2024-02-30 10:{i:02d},{i}\n" for i in range(30)))
    result = _accounted(_read(path))
    assert result.table.schema["at"] == pl.String and result.rows_quarantined == 0


# --- a Parquet decimal or time column declared integer ------------------------------------------------------


def _amounts_parquet(tmp_path, dtype):
    import decimal

    values = [decimal.Decimal(f"{100 + i}.{i % 100:02d}") for i in range(100)]
    path = tmp_path / f"{'dec' if dtype.is_decimal() else 'flt'}.parquet"
    series = pl.Series(values, dtype=dtype) if dtype.is_decimal() else pl.Series([float(v) for v in values])
    pl.DataFrame({"g": ["a", "b"] * 50, "amt": series}).write_parquet(path)
    return path


@pytest.mark.parametrize("dtype", [pl.Decimal(10, 2), pl.Float64], ids=["decimal", "float"])
def test_a_decimal_with_a_fraction_declared_integer_is_a_bad_row_as_a_float_is(tmp_path, dtype):
    path = _amounts_parquet(tmp_path, dtype)
    columns = {"amt": ColumnPolicy(kind=ColumnKind.INTEGER)}
    with pytest.raises(IngestError, match=r"99 bad rows .*\n  row 2, column 'amt': value does not parse as integer"):
        _read(path, columns=columns)
    result = _accounted(_read(path, columns=columns, options=QUARANTINE))
    assert result.rows_quarantined == 99 and result.table["amt"].to_list() == [100]
    assert result.table.schema["amt"] == pl.Int64


def test_whole_decimals_declared_integer_are_integers(tmp_path):
    import decimal

    path = tmp_path / "whole.parquet"
    values = [decimal.Decimal(i) for i in range(-50, 50)] + [None]
    pl.DataFrame({"amt": pl.Series(values, dtype=pl.Decimal(12, 2))}).write_parquet(path)
    result = _accounted(_read(path, columns={"amt": ColumnPolicy(kind=ColumnKind.INTEGER)}))
    assert result.rows_quarantined == 0 and result.table["amt"].to_list() == list(range(-50, 50)) + [None]


@pytest.mark.parametrize("kind", [ColumnKind.INTEGER, ColumnKind.FLOAT])
@pytest.mark.parametrize("dtype", [pl.Time, pl.Date, pl.Datetime("us")])
def test_a_time_or_date_declared_a_number_is_a_bad_row_not_a_count_of_units(tmp_path, dtype, kind):
    """A time of day declared integer used to become nanoseconds since midnight (a date, days since 1970)."""
    import datetime as dt

    path = tmp_path / "t.parquet"
    base = dt.datetime(2024, 3, 1, 8, 30)
    values = pl.Series("at", [base + dt.timedelta(minutes=i) for i in range(60)]).cast(dtype)
    pl.DataFrame({"n": list(range(60)), "at": values}).write_parquet(path)
    columns = {"at": ColumnPolicy(kind=kind)}
    with pytest.raises(IngestError, match=rf"row 1, column 'at': value does not parse as {kind.value}"):
        _read(path, columns=columns)
    result = _accounted(_read(path, columns=columns, options=QUARANTINE))
    assert result.rows_quarantined == 60


# --- a Parquet struct's fields named in the spec ------------------------------------------------------------


def _subjects(tmp_path, fmt="parquet"):
    import json

    df = pl.DataFrame(
        {
            "x": [float(i) for i in range(100)],
            "subject": [
                {"email": f"ann{i}@example.org", "member_code": f"MC-{i:04d}", "name": {"first": "Ann", "last": "Lee"}}
                for i in range(100)
            ],
        }
    )
    path = tmp_path / f"t.{fmt}"
    if fmt == "parquet":
        df.write_parquet(path)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in df.to_dicts()))
    return path


def _anonymized(path, columns):
    from twinforge.privacy.anonymize import anonymize_table

    read = _read(path, columns=columns)
    return anonymize_table(read.table, columns, schema=read.schema)


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_a_struct_field_is_named_in_the_spec_as_parent_field(tmp_path, fmt):
    columns = {"subject.member_code": ColumnPolicy(anonymize="drop"), "subject.name.first": ColumnPolicy(kind="text")}
    result = _anonymized(_subjects(tmp_path, fmt), columns)
    assert "subject.member_code" not in result.table.columns
    assert (
        result.policy["subject.member_code"].action == "drop" and result.policy["subject.member_code"].reason == "spec"
    )
    assert "subject.name.last" in result.policy


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_a_declaration_on_a_struct_applies_to_each_of_its_fields(tmp_path, fmt):
    columns = {
        "subject": ColumnPolicy(anonymize="drop"),
        "subject.name.last": ColumnPolicy(anonymize="keep"),  # a field's own action wins
        "subject.member_code": ColumnPolicy(kind="categorical"),  # declares no action: the struct's applies
    }
    result = _anonymized(_subjects(tmp_path, fmt), columns)
    assert [c for c in result.table.columns if c.startswith("subject")] == ["subject.name.last"]
    for leaf in ("subject.email", "subject.member_code", "subject.name.first"):
        assert result.policy[leaf].action == "drop" and result.policy[leaf].reason == "spec", leaf
    # an inner struct too
    inner = _anonymized(_subjects(tmp_path, fmt), {"subject.name": ColumnPolicy(anonymize="drop")})
    assert not any(c.startswith("subject.name") for c in inner.table.columns)
    assert "subject.member_code" in inner.table.columns


def test_a_name_that_is_neither_a_column_nor_a_field_is_still_refused(tmp_path):
    from twinforge.config.spec import SpecError

    with pytest.raises(SpecError, match=r"not in the source: \['subject.phone'\]"):
        _read(_subjects(tmp_path), columns={"subject.phone": ColumnPolicy(anonymize="drop")})


def test_a_number_or_date_kind_on_a_parquet_struct_field_is_refused_clearly(tmp_path):
    from twinforge.config.spec import SpecError

    with pytest.raises(SpecError, match=r"subject\.member_code.*field of a struct"):
        _read(_subjects(tmp_path), columns={"subject.member_code": ColumnPolicy(kind="integer")})
    # a kind the field holds already is taken as it is
    fine = _read(
        _subjects(tmp_path),
        columns={"subject.member_code": ColumnPolicy(kind="categorical"), "x": ColumnPolicy(kind="float")},
    )
    assert fine.table.schema["subject"] == pl.Struct
    path = tmp_path / "n.parquet"
    pl.DataFrame({"s": [{"n": i, "t": "a"} for i in range(60)]}).write_parquet(path)
    assert _read(path, columns={"s.n": ColumnPolicy(kind="integer")}).rows_out == 60
    with pytest.raises(SpecError, match=r"\['s.t'\]"):
        _read(path, columns={"s.n": ColumnPolicy(kind="integer"), "s.t": ColumnPolicy(kind="integer")})


def test_a_struct_declaration_a_field_cannot_take_is_refused_naming_the_field(tmp_path):
    from twinforge.config.spec import SpecError

    columns = {"subject": ColumnPolicy(role="identifier"), "subject.email": ColumnPolicy(anonymize="keep")}
    with pytest.raises(SpecError, match=r"'subject.email' takes the declaration of the struct .*cannot be kept"):
        _read(_subjects(tmp_path), columns=columns)
