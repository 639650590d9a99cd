"""A text output writes a column in the form its text source wrote it ("5/17/2024", "$1,610.16"): a twin of a
spreadsheet export reads back as one. Parquet keeps the typed values."""

import csv
import datetime as dt

import polars as pl
import pytest

from twinforge.cli import main
from twinforge.config.spec import ColumnPolicy, SourceSpec
from twinforge.io.ingest import ingest_source
from twinforge.io.written_forms import AmountForm, DateForm, render


def _csv(path, header, rows, delimiter=","):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(
    ("written", "form"),
    [
        (["5/17/2024", "12/1/2023", "1/30/2024"], "%-m/%-d/%Y"),
        (["05/17/2024", "12/01/2023", "01/30/2024"], "%m/%d/%Y"),
        (["17.05.2024", "01.12.2023", "30.01.2024"], "%d.%m.%Y"),
        (["17/5/2024 13:45", "1/12/2023 09:05", "30/1/2024 23:59"], "%-d/%-m/%Y %H:%M"),
    ],
)
def test_spreadsheet_dates_keep_their_form(tmp_path, written, form):
    path = _csv(tmp_path / "d.csv", ["when", "n"], [[w, i] for i, w in enumerate(written * 20)])
    result = ingest_source(SourceSpec(path=path))
    assert result.written_forms["when"] == DateForm(form)
    assert render(result.table, result.written_forms)["when"].to_list() == written * 20


@pytest.mark.parametrize(
    ("written", "decimal"),
    [
        (["$1,610.16", "$25.00", "-$5.50", "$1,000,000.00"], "."),
        (["($1,234.56)", "$12.00", "$999.99", "$0.10"], "."),
        (["1.234,56 €", "12,00 €", "-5,50 €", "0,10 €"], ","),
        (["12.5%", "3.0%", "100.0%", "-0.5%"], "."),
    ],
    ids=["dollars", "parentheses", "euros-decimal-comma", "percent"],
)
def test_amounts_keep_their_form(tmp_path, written, decimal):
    delimiter = ";" if decimal == "," else ","
    path = _csv(tmp_path / "a.csv", ["amount", "n"], [[w, i] for i, w in enumerate(written * 20)], delimiter)
    result = ingest_source(SourceSpec(path=path, decimal=decimal, delimiter=delimiter))
    assert isinstance(result.written_forms["amount"], AmountForm)
    assert render(result.table, result.written_forms)["amount"].to_list() == written * 20


def test_a_declared_format_is_the_written_form(tmp_path):
    # every day 12 or less: only the spec's format says day first; the output must not swap days and months
    written = ["03/04/2024", "05/06/2024", "11/12/2024", "01/02/2024"]
    path = _csv(tmp_path / "d.csv", ["when", "n"], [[w, i] for i, w in enumerate(written * 20)])
    columns = {"when": ColumnPolicy(kind="datetime", format="%d/%m/%Y")}
    result = ingest_source(SourceSpec(path=path), columns)
    assert result.table["when"][0] == dt.date(2024, 4, 3)
    assert result.written_forms["when"] == DateForm("%d/%m/%Y")
    assert render(result.table, result.written_forms)["when"].to_list() == written * 20


def test_plain_numbers_and_iso_dates_have_no_written_form(tmp_path):
    path = _csv(tmp_path / "p.csv", ["when", "x"], [[f"2024-01-{d:02d}", d * 1.5] for d in range(1, 29)])
    assert ingest_source(SourceSpec(path=path)).written_forms == {}


def test_synth_writes_a_csv_twin_in_the_sources_forms_and_parquet_typed(tmp_path):
    rows = [
        [f"{1 + i % 12}/{1 + i % 28}/2024", ["East", "West"][i % 2], f"${1000 + 37 * i:,}.{i % 100:02d}"]
        for i in range(300)
    ]
    source = _csv(tmp_path / "orders.csv", ["order_date", "region", "amount"], rows)
    for out in (tmp_path / "twin.csv", tmp_path / "twin.parquet"):
        args = ["synth", str(source), "--model", "copula", "--rows", "200", "--out", str(out), "--no-progress"]
        assert main(args) == 0
    text = pl.read_csv(tmp_path / "twin.csv", infer_schema=False)
    assert text["order_date"].str.contains(r"^\d{1,2}/\d{1,2}/2024$").all()
    assert text["amount"].str.contains(r"^-?\$\d{1,3}(,\d{3})*\.\d{2}$").all()
    dates = text["order_date"].str.to_date("%m/%d/%Y")
    assert dates.min() >= dt.date(2024, 1, 1) and dates.max() <= dt.date(2024, 12, 31)
    typed = pl.read_parquet(tmp_path / "twin.parquet")
    assert typed.schema["order_date"] == pl.Date and typed.schema["amount"] == pl.Float64
