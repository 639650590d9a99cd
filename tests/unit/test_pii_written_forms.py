"""PII written in forms detection must see through (issue 17): phone numbers and SSNs stored as whole-number
floats, separators of Unicode (no-break and narrow no-break spaces, en dashes) and full-width forms in free
text, a name column most of whose cells hold a placeholder, and a JSON object keyed by people's names."""

import random

import polars as pl
import pytest

from tests.pii_cases import column_entity, mask_one
from twinforge.privacy.pii import detect_pii
from twinforge.privacy.pii.detect import PersonalDataInColumnName

_RNG = random.Random(19)
_FIRST = ["Ann", "Bob", "Carla", "David", "Eva", "Frank", "Grace", "Hugo", "Ines", "Jon", "Karl", "Lena", "Mona"]
_LAST = ["Smith", "Jones", "Brown", "Miller", "Davis", "Wilson", "Moore", "Taylor", "Anderson", "Thomas", "White"]


def _phones(n: int) -> list[int]:
    return [
        int(f"{_RNG.choice([212, 646, 415, 617, 312])}{_RNG.randint(200, 999)}{_RNG.randint(0, 9999):04d}")
        for _ in range(n)
    ]


def _ssns(n: int) -> list[int]:
    return [
        _RNG.choice([a for a in range(1, 899) if a != 666]) * 10**6
        + _RNG.randint(1, 99) * 10**4
        + _RNG.randint(1, 9999)
        for _ in range(n)
    ]


@pytest.mark.parametrize("make, entity", [(_phones, "PHONE_NUMBER"), (_ssns, "US_SSN")])
def test_whole_number_floats_are_read_as_the_integers_they_are(make, entity):
    values = [float(v) for v in make(300)]
    values[3] = None  # as pandas writes an integer column with a missing value
    assert column_entity(values) == entity


def test_floats_with_fractions_are_no_phone_numbers():
    assert column_entity([v + 0.25 for v in _phones(300)]) is None


@pytest.mark.parametrize(
    "text, planted",
    [
        ("Patient called from 646\u00a0291\u00a07733, SSN 512\u00a038\u00a07764", ["291", "7733", "7764"]),
        ("Rappeler Mme Dupont au 06\u202f12\u202f34\u202f56\u202f78 demain", ["12", "34", "56", "78"]),
        ("SSN ５１２-３８-７７６４, email maria.garcia＠zzexample.org", ["５１２", "７７６４", "zzexample", "512"]),
        ("called from 646\u2013291\u20137733, SSN 512\u201338\u20137764", ["291", "7733", "7764"]),
    ],
)
def test_unicode_separators_and_full_width_forms_are_masked(text, planted):
    masked = mask_one(text)
    assert [p for p in planted if p in masked] == [], masked


def test_text_without_such_characters_is_left_as_it_was():
    text = "Dose ½ tablet at 8:30 – 9:00, room №12 — see ﬁle"  # no dash or space of Unicode between digits
    assert mask_one(text) == text


@pytest.mark.parametrize("placeholder", ["-", "--", "n/a", "none", ".", "0", "x", "TBD", "self", "Walk-in"])
def test_a_name_column_mostly_of_placeholders_is_a_name_column(placeholder):
    names = [f"{_RNG.choice(_FIRST)} {_RNG.choice(_LAST)}" if _RNG.random() < 0.4 else placeholder for _ in range(400)]
    assert column_entity(names) == "PERSON"


def test_a_status_column_with_a_placeholder_is_no_name_column():
    values = [
        _RNG.choice(["Active", "Closed", "Pending review", "On hold"]) if _RNG.random() < 0.4 else "-"
        for _ in range(400)
    ]
    assert column_entity(values) is None


def _keyed_by(keys: list[str], rows: int = 300) -> pl.DataFrame:
    records = [{"age": 20 + i % 60, "visits": {_RNG.choice(keys): _RNG.randint(1, 5)}} for i in range(rows)]
    return pl.DataFrame(records, infer_schema_length=None)


def test_an_object_keyed_by_people_is_refused_by_position():
    table = _keyed_by(["Ann Smith", "Bob Jones", "Zorbulax Quintavelle"])
    with pytest.raises(PersonalDataInColumnName) as error:
        detect_pii(table)
    assert "Zorbulax" not in str(error.value) and "Smith" not in str(error.value)


def test_an_object_keyed_by_things_or_a_record_of_fields_passes():
    detect_pii(_keyed_by(["Max Temp", "Min Temp", "Rainfall"]).drop("visits"))  # no struct at all
    record = pl.DataFrame([{"name": {"first": "Ann", "last": "Smith"}, "age": 30}] * 50)
    assert "name.first" in detect_pii(record).columns
    detect_pii(_keyed_by(["Visit A", "Visit B", "Follow-up"]))


def _pivot(headers: list[str], rows: int = 100) -> pl.DataFrame:
    return pl.DataFrame(
        {"week": list(range(rows)), **{h: [_RNG.randint(20, 45) for _ in range(rows)] for h in headers}}
    )


def test_a_table_with_a_column_per_person_is_refused_by_position(tmp_path, capsys):
    """A rota, timesheet or gradebook whose header row holds people's names: the names would travel into every
    output (the twin's header, the policy printout), so the table is refused, giving positions, not names."""
    headers = ["Maria Gonzalez", "Tobias Müller", "Aiko Tanaka", "Sipho Dlamini"]
    with pytest.raises(PersonalDataInColumnName) as error:
        detect_pii(_pivot(headers))
    assert "columns 2, 3, 4, 5 of 5" in str(error.value)
    assert not any(word in str(error.value) for h in headers for word in h.split())
    from twinforge.cli import main

    path = tmp_path / "rota.csv"
    _pivot(headers).write_csv(path)
    out = tmp_path / "twin.csv"
    assert main(["synth", str(path), "--rows", "20", "--out", str(out), "--no-progress"]) == 1
    printed = capsys.readouterr()
    assert not out.exists()
    assert not any(h in printed.out + printed.err for h in headers)


_ONE_PERSON = ["Maria Gonzalez", "John Smith", "Aiko Tanaka", "Oluwaseun Adeyemi", "Tobias Müller", "JOHN SMITH"]


@pytest.mark.parametrize("header", _ONE_PERSON)
def test_one_column_named_by_a_person_is_refused_by_position(header):
    """One column headed by a person's name ("id,John Smith,score") keeps the name in every output as surely as
    a column per person does: refused by the same check, giving the column's position and never the name."""
    table = _pivot(["total hours", header])
    with pytest.raises(PersonalDataInColumnName) as error:
        detect_pii(table)
    message = str(error.value)
    assert "column 3 of 3 is named by a person's name" in message and "rename the column" in message
    assert not any(word.lower() in message.lower() for word in header.split())


def test_one_column_named_by_a_person_never_reaches_an_output(tmp_path, capsys):
    """Through the CLI: ``anonymize`` and ``synth`` stop, write nothing, and print no word of the name."""
    from twinforge.cli import main

    headers = ["Oluwaseun Adeyemi", "score"]
    path = tmp_path / "scores.csv"
    _pivot(headers).write_csv(path)
    for command in (["anonymize", str(path), "--out"], ["synth", str(path), "--rows", "20", "--no-progress", "--out"]):
        out = tmp_path / f"{command[0]}.csv"
        assert main([*command, str(out)]) == 1
        printed = capsys.readouterr()
        assert not out.exists()
        assert "Oluwaseun" not in printed.out + printed.err and "Adeyemi" not in printed.out + printed.err
        assert "column 2 of 3" in printed.err + printed.out
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


@pytest.mark.parametrize(
    "header",
    [
        "Max Temp", "Min Temp", "Sandy Soil", "Rose Garden", "Grant Amount", "Bill Total", "Will Count", "Date Egg",
        "Urban Male", "Jack Pine", "Mark Up", "Page Rank", "Art Score", "Max Price", "Mark Price", "Rose Hill",
        "Urban Pop", "Victoria Line", "Costa Rica", "San Marino", "Patient Name", "MAX TEMP", "Log Dry Mass",
    ],
)  # fmt: skip
def test_one_column_named_like_a_measure_is_no_person(header):
    """A single name is held to a stricter rule than two: measures, places and labels that read loosely as names
    pass ("Max" and "Rose" are given names, "Price" and "Hill" surnames)."""
    detect_pii(_pivot([header, "total hours"]))


def test_measures_places_and_shared_words_are_no_table_of_people():
    """Headers that free-text masking takes for names ("Max Temp") or that share a word, as measures do, pass;
    so do countries."""
    detect_pii(_pivot(["Max Temp", "Min Temp", "Min Price", "Max Price", "Will Power", "Victoria Line"]))
    detect_pii(_pivot(["Costa Rica", "El Salvador", "Sri Lanka"]))
