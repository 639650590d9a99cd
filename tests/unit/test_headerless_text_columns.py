"""A header-less CSV of text columns (finding 12): line 1 is a record whose values would become column names, so a
person's name would be printed by anonymize and synth and written into reports. A text column named by a value of
the personal-data type its own values are (a person's name over names, an address over addresses) is refused by
position, as numbers and dates named by their own type are; ordinary headers over such values are read."""

import json
import random

import pytest

from twinforge.cli import main
from twinforge.config.spec import SourceSpec
from twinforge.io.ingest import IngestError, ingest_source

FIRST = ["Anna", "Bob", "Carl", "Dina", "Emil", "Fay", "Gus", "Hana", "Ivan", "Jane", "Kurt", "Lena", "Mona", "Nils"]
LAST = ["Smith", "Jones", "Brown", "Lopez", "Meyer", "Khan", "Olsen", "Garcia", "Novak", "Silva", "Weber"]
PLANTED = ("Zebulon", "Quackenbush")


def _export(line_1: str, make_row, n: int = 300) -> str:
    rng = random.Random(3)
    return "\n".join([line_1, *(make_row(rng, i) for i in range(n))]) + "\n"


def _person_city_tier(rng, i):
    return (
        f"{rng.choice(FIRST)} {rng.choice(LAST)},{rng.choice(['Springfield', 'Riverton', 'Lakeside'])},"
        f"{rng.choice(['gold', 'silver', 'bronze'])}"
    )


def _write(tmp_path, text, name="export.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _read(path, **source):
    return ingest_source(SourceSpec(path=path, **source))


def _no_planted_value(text: str) -> None:
    for value in (*PLANTED, "Springfield", "gold"):
        assert value not in text, value


# ----------------------------------------------------------------------------- refused, by position only


def test_a_person_s_name_over_a_column_of_names_is_refused_by_position(tmp_path):
    path = _write(tmp_path, _export("Zebulon Quackenbush,Springfield,gold", _person_city_tier))
    with pytest.raises(IngestError) as error:
        _read(path)
    message = str(error.value)
    assert "export.csv: line 1 looks like a record, not a header: column 1 of 3" in message
    assert "a person's name" in message
    assert "add a header line" in message and "source.header: false" in message and "source.header: true" in message
    _no_planted_value(message)


def test_anonymize_refuses_a_headerless_export_of_names_without_printing_or_reporting_one(tmp_path, capsys):
    path = _write(tmp_path, _export("Zebulon Quackenbush,Springfield,gold", _person_city_tier))
    report = tmp_path / "report.json"
    out = tmp_path / "anon.parquet"
    assert main(["anonymize", str(path), "--out", str(out), "--report", str(report)]) == 1
    printed = capsys.readouterr()
    assert "line 1 looks like a record" in printed.err and "source.header: false" in printed.err
    _no_planted_value(printed.out + printed.err)
    assert not out.exists()
    if report.exists():
        _no_planted_value(report.read_text())


def test_synth_refuses_a_headerless_export_of_names_without_printing_one(tmp_path, capsys):
    path = _write(tmp_path, _export("Zebulon Quackenbush,Springfield,gold", _person_city_tier))
    out = tmp_path / "out.csv"
    assert main(["synth", str(path), "--rows", "60", "--out", str(out), "--no-progress"]) == 1
    printed = capsys.readouterr()
    assert "line 1 looks like a record" in printed.err
    _no_planted_value(printed.out + printed.err)
    assert not out.exists()


@pytest.mark.parametrize(
    "line_1",
    ["zebulon quackenbush,Springfield,gold", '"Quackenbush, Zebulon",Springfield,gold'],
    ids=["lower", "comma"],
)
def test_a_person_s_name_in_lower_case_or_surname_first_is_refused(tmp_path, line_1):
    path = _write(tmp_path, _export(line_1, _person_city_tier))
    with pytest.raises(IngestError, match=r"line 1 looks like a record.*column 1 of 3") as error:
        _read(path)
    assert "zebulon" not in str(error.value).lower() and "quackenbush" not in str(error.value).lower()


MORE_FIRST = FIRST + ["Olga", "Pia", "Rolf", "Sven", "Tina", "Ugo", "Vera", "Walt", "Xena", "Yves"]
MORE_LAST = LAST + ["Fischer", "Wagner", "Becker", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Kraus"]


def test_first_and_last_name_columns_named_by_a_first_and_a_last_name_are_refused(tmp_path):
    def row(rng, i):
        return f"{rng.choice(MORE_FIRST)},{rng.choice(MORE_LAST)},C{i % 3}"

    path = _write(tmp_path, _export("Zebulon,Meyer,C9", row))
    with pytest.raises(IngestError, match=r"line 1 looks like a record.*columns 1, 2 of 3") as error:
        _read(path)
    assert "Zebulon" not in str(error.value) and "Meyer" not in str(error.value)


@pytest.mark.parametrize(
    ("line_1", "make_row", "what"),
    [
        (
            "Zebulon Quackenbush,12 Harbour Mews,gold",
            lambda rng, i: (
                f"{rng.choice(FIRST)} {rng.choice(LAST)},{i + 3} {rng.choice(['Oak', 'Elm', 'Ash'])}"
                f"{rng.choice(['wood', 'field', 'ford'])} {rng.choice(['Street', 'Road', 'Lane'])},silver"
            ),
            "columns 1, 2 of 3",
        ),
        (
            "gold,https://example.org/people/zebulon-quackenbush",
            lambda rng, i: (
                f"{rng.choice(['gold', 'silver'])},https://example.org/people/{rng.choice(LAST).lower()}-{i}"
            ),
            "column 2 of 2",
        ),
    ],
    ids=["address", "url"],
)
def test_an_address_or_url_over_a_column_of_them_is_refused(tmp_path, line_1, make_row, what):
    path = _write(tmp_path, _export(line_1, make_row))
    with pytest.raises(IngestError, match=rf"line 1 looks like a record.*{what}") as error:
        _read(path)
    assert "Harbour" not in str(error.value) and "quackenbush" not in str(error.value).lower()


def test_an_e_mail_address_over_a_column_of_them_is_refused_by_position(tmp_path, capsys):
    def row(rng, i):
        return f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}{i}@example.com,{rng.choice(['gold', 'silver'])}"

    path = _write(tmp_path, _export("zebulon.quackenbush@example.com,gold", row))
    with pytest.raises(IngestError, match=r"column 1 of 2") as error:
        _read(path)
    assert "quackenbush" not in str(error.value)
    assert main(["anonymize", str(path), "--out", str(tmp_path / "anon.parquet")]) == 1
    printed = capsys.readouterr()
    assert "quackenbush" not in printed.out + printed.err


# ----------------------------------------------------------------------------- read: header: false / true


def test_a_headerless_export_of_names_is_read_whole_with_header_false(tmp_path):
    path = _write(tmp_path, _export("Zebulon Quackenbush,Springfield,gold", _person_city_tier))
    result = _read(path, header=False)
    assert result.table.columns == ["column_1", "column_2", "column_3"]
    assert result.rows_in == 301 and result.table.height == 301
    assert result.table["column_1"][0] == "Zebulon Quackenbush"


def test_a_declared_header_is_taken_at_its_word(tmp_path):
    path = _write(tmp_path, _export("Zebulon Quackenbush,Springfield,gold", _person_city_tier))
    assert _read(path, header=True).table.columns == ["Zebulon Quackenbush", "Springfield", "gold"]


def test_anonymize_reads_a_headerless_export_with_a_spec_saying_header_false(tmp_path, capsys):
    path = _write(tmp_path, _export("Zebulon Quackenbush,Springfield,gold", _person_city_tier))
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: x\nsource:\n  path: {path.name}\n  header: false\n")
    report = tmp_path / "report.json"
    out = tmp_path / "anon.parquet"
    assert main(["anonymize", str(path), "--out", str(out), "--spec", str(spec), "--report", str(report)]) == 0
    printed = capsys.readouterr()
    _no_planted_value(printed.out + printed.err + report.read_text())
    assert json.loads(report.read_text())


# ----------------------------------------------------------------------------- ordinary headers are read


def _names(rng, i):
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _emails(rng, i):
    return f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}{i}@example.com"


def _phones(rng, i):
    return f"+1 415 555 {1000 + i:04d}"


def _firsts(rng, i):
    return rng.choice(MORE_FIRST)


def _addresses(rng, i):
    return (
        f"{i + 3} {rng.choice(['Oak', 'Elm', 'Ash'])}{rng.choice(['wood', 'field'])} {rng.choice(['Street', 'Road'])}"
    )


def _cities(rng, i):
    return rng.choice(["Springfield", "Riverton", "Lakeside"])


def _statuses(rng, i):
    return rng.choice(["active", "closed"])


@pytest.mark.parametrize(
    "columns",
    [
        {"name": _names, "city": _cities, "status": _statuses},
        {"full_name": _names, "email": _emails, "phone": _phones},
        {"patient": _names, "e-mail address": _emails},
        {"Surname": _names, "First Name": _firsts, "Contact Email": _emails},
        {"Full Name": _names, "Sales Rep": _names, "Judge": _names, "Grant Holder": _names},
        {"Author": _firsts, "Captain": _firsts, "Mayor": _names, "Zebulon": _names},
        {"Address Line 1": _addresses, "Phone 2": _phones, "Home Phone": _phones, "Street Address": _addresses},
        {"Customer Name": _names, "Primary Contact": _names, "Next of Kin": _names, "website": _statuses},
    ],
    ids=lambda columns: ",".join(columns),
)
def test_ordinary_headers_over_personal_values_are_read(tmp_path, columns):
    rng = random.Random(5)
    header = ",".join(f'"{c}"' if "," in c else c for c in columns)
    rows = [",".join(make(rng, i) for make in columns.values()) for i in range(300)]
    path = _write(tmp_path, "\n".join([header, *rows]) + "\n")
    assert _read(path).table.columns == list(columns)
