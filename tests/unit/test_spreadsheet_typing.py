"""Dates and money as spreadsheets write them in CSV ("5/17/2024", "17/05/2024", "$1,610.16") are typed as
dates and numbers, not text a generator recombines into fragments; a day/month order no value settles is
left as text with a hint, never guessed."""

import csv
import datetime as dt
import random

import polars as pl
import pytest

from twinforge.cli import main
from twinforge.config.spec import ColumnPolicy, IngestSpec, SourceSpec
from twinforge.io.ingest import ingest_source
from twinforge.io.schema import ColumnKind

QUARANTINE = IngestSpec(on_bad_rows="quarantine")
START = dt.date(2023, 1, 1)


def _csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _orders(path, n=300, shape="{d.month}/{d.day}/{d.year}", seed=7):
    """A spreadsheet export: a date column written as ``shape``, a region and a dollar amount."""
    rng = random.Random(seed)
    dates = [START + dt.timedelta(days=rng.randint(0, 729)) for _ in range(n)]
    rows = [[shape.format(d=d), rng.choice(["East", "West"]), f"${rng.lognormvariate(7, 1):,.2f}"] for d in dates]
    return _csv(path, ["order_date", "region", "amount"], rows), dates


def _ingest(path, options=None, **source):
    result = ingest_source(SourceSpec(path=path, **source), options=options)
    assert result.rows_in == result.rows_out + result.rows_quarantined
    return result


@pytest.mark.parametrize(
    "shape",
    [
        "{d.month}/{d.day}/{d.year}",
        "{d.month:02d}/{d.day:02d}/{d.year}",
        "{d.day}/{d.month}/{d.year}",
        "{d.day:02d}/{d.month:02d}/{d.year}",
        "{d.day:02d}.{d.month:02d}.{d.year}",
        "{d.month}-{d.day}-{d.year}",
    ],
    ids=["m/d/yyyy", "mm/dd/yyyy", "d/m/yyyy", "dd/mm/yyyy", "dd.mm.yyyy", "m-d-yyyy"],
)
def test_a_day_month_date_column_settled_by_its_values_is_dates(tmp_path, shape):
    path, dates = _orders(tmp_path / "orders.csv", shape=shape)
    result = _ingest(path)
    assert result.table.schema["order_date"] == pl.Date
    assert result.schema["order_date"].kind is ColumnKind.DATETIME
    assert result.table["order_date"].to_list() == dates
    assert (result.rows_in, result.rows_out, result.rows_quarantined) == (300, 300, 0)


def test_day_month_dates_with_times_are_datetimes_a_date_alone_at_midnight(tmp_path):
    rows = [["5/17/2024 13:45", 1], ["12/1/2024 9:05", 2], ["1/2/2024", 3], ["01/31/2024 23:59:30", 4]]
    result = _ingest(_csv(tmp_path / "t.csv", ["when", "n"], rows))
    assert result.table.schema["when"] == pl.Datetime("us")
    assert result.table["when"].to_list() == [
        dt.datetime(2024, 5, 17, 13, 45),
        dt.datetime(2024, 12, 1, 9, 5),
        dt.datetime(2024, 1, 2),
        dt.datetime(2024, 1, 31, 23, 59, 30),
    ]


def test_an_order_no_value_settles_stays_text_with_a_hint_naming_the_column_and_formats(tmp_path):
    rows = [[f"{m}/{d}/2024", i] for i, (m, d) in enumerate([(1, 2), (3, 4), (12, 11), (5, 6), (7, 8)] * 20)]
    result = _ingest(_csv(tmp_path / "amb.csv", ["shipped", "n"], rows))
    assert result.table.schema["shipped"] == pl.String
    assert result.table["shipped"].to_list() == [r[0] for r in rows]
    note = result.note or ""
    assert "shipped" in note and "kind: datetime" in note and "columns:" in note
    assert '"%m/%d/%Y"' in note and '"%d/%m/%Y"' in note
    assert "1/2/2024" not in note and "2024" not in note.replace("%Y", "")


def test_both_orders_evidenced_is_inconsistent_and_stays_text_without_a_hint(tmp_path):
    rows = [[f"{a}/{b}/2024"] for a, b in [(13, 1), (1, 13)] * 50]
    result = _ingest(_csv(tmp_path / "mixed.csv", ["d"], rows))
    assert result.table.schema["d"] == pl.String
    assert "kind: datetime" not in (result.note or "")


def test_two_digit_years_stay_text(tmp_path):
    rows = [[f"{m}/{d}/24"] for m, d in [(5, 17), (12, 1), (1, 30)] * 20]
    result = _ingest(_csv(tmp_path / "yy.csv", ["d"], rows))
    assert result.table.schema["d"] == pl.String


def test_a_value_that_is_no_date_under_the_settled_order_is_a_bad_cell_never_a_reason_for_text(tmp_path):
    path, dates = _orders(tmp_path / "orders.csv", n=100)
    lines = path.read_text().splitlines()
    lines[5] = lines[5].replace(lines[5].split(",")[0], "2/30/2024", 1)  # record 5: no such day
    lines[9] = lines[9].replace(lines[9].split(",")[0], "soon", 1)  # record 9
    path.write_text("\n".join(lines) + "\n")
    result = _ingest(path, options=QUARANTINE)
    assert result.table.schema["order_date"] == pl.Date
    assert (result.rows_in, result.rows_out, result.rows_quarantined) == (100, 98, 2)
    assert result.quarantine["row"].to_list() == [5, 9]
    assert result.quarantine["column"].to_list() == ["order_date", "order_date"]
    for reason in result.quarantine["reason"]:
        assert reason.startswith("value does not parse as datetime") and "2/30" not in reason and "soon" not in reason
    assert result.table["order_date"].to_list() == [d for i, d in enumerate(dates, 1) if i not in (5, 9)]


def test_a_later_batch_pinned_as_dates_and_numbers_reads_the_spreadsheet_shapes(tmp_path):
    path, dates = _orders(tmp_path / "batch.csv", n=50)
    reference = {"order_date": ColumnKind.DATETIME, "amount": ColumnKind.FLOAT}
    result = ingest_source(SourceSpec(path=path), reference=reference)
    assert result.table["order_date"].to_list() == dates
    assert result.table.schema["amount"] == pl.Float64 and result.rows_out == 50


def test_a_later_batch_whose_dates_do_not_settle_the_order_is_never_guessed(tmp_path):
    # every day of this batch is 12 or less: 3/4/2024 may be March 4 or April 3; its cells are set aside with
    # a reason that says how to settle it, never read in an order polars guesses
    rows = [[f"{m}/{d}/2024", "East", "$5.00"] for m, d in [(3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (1, 2)] * 10]
    path = _csv(tmp_path / "batch.csv", ["order_date", "region", "amount"], rows)
    reference = {"order_date": ColumnKind.DATETIME, "amount": ColumnKind.FLOAT}
    result = ingest_source(SourceSpec(path=path), options=QUARANTINE, reference=reference)
    assert result.rows_out == 0 and result.rows_quarantined == 60
    assert set(result.quarantine["reason"]) == {
        "value does not parse as datetime: the day and month order no value of the batch settles "
        '(declare format: "%m/%d/%Y" or "%d/%m/%Y" for the column in the spec)'
    }


def test_currency_amounts_are_numbers(tmp_path):
    values = ["$1,610.16", "-$5.00", "$-5.25", "(1,234.56)", "($12)", "€1,000,000", "£0.99", "¥ 300", "42.5", "$7"]
    result = _ingest(_csv(tmp_path / "money.csv", ["amount"], [[v] for v in values]))
    assert result.table.schema["amount"] == pl.Float64
    assert result.table["amount"].to_list() == [1610.16, -5.0, -5.25, -1234.56, -12.0, 1e6, 0.99, 300.0, 42.5, 7.0]


def test_a_malformed_amount_is_a_bad_cell(tmp_path):
    values = [[f"${i},{i:03d}.50"] for i in range(1, 40)] + [["$1,25.69"]]
    result = _ingest(_csv(tmp_path / "money.csv", ["amount"], values), options=QUARANTINE)
    assert result.table.schema["amount"] == pl.Float64
    assert (result.rows_out, result.rows_quarantined) == (39, 1)
    assert result.quarantine["row"].to_list() == [40]
    assert result.table["amount"][0] == 1001.5


def test_currency_amounts_with_a_decimal_comma(tmp_path):
    path = tmp_path / "eur.csv"
    path.write_text("betrag;n\n€1.234,56;1\n-€0,50;2\n€12;3\n1.000,25;4\n(€3,10);5\n")
    result = _ingest(path, delimiter=";", decimal=",")
    assert result.table.schema["betrag"] == pl.Float64
    assert result.table["betrag"].to_list() == [1234.56, -0.5, 12.0, 1000.25, -3.1]


def test_percentages_are_numbers(tmp_path):
    values = [["12.5%"], ["-3%"], ["100 %"], ["0.25%"]]
    result = _ingest(_csv(tmp_path / "pct.csv", ["rate"], values))
    assert result.table["rate"].to_list() == [12.5, -3.0, 100.0, 0.25]


def test_words_with_currency_symbols_stay_text(tmp_path):
    values = [["$ABC"], ["US$"], ["€ only"], ["price: $5"]] * 10
    result = _ingest(_csv(tmp_path / "words.csv", ["label"], values))
    assert result.table.schema["label"] == pl.String


@pytest.mark.parametrize("shape", ["{d.month}/{d.day}/{d.year}", "{d.day:02d}/{d.month:02d}/{d.year}"])
def test_synth_on_a_spreadsheet_export_writes_only_real_dates_in_the_source_range(tmp_path, shape):
    path, dates = _orders(tmp_path / "in.csv", n=400, shape=shape)
    out = tmp_path / "twin.csv"
    assert main(["synth", str(path), "--model", "copula", "--rows", "300", "--out", str(out), "--no-progress"]) == 0
    twin = _ingest(out).table  # written in the source's forms: it reads back as the source did
    assert twin.height == 300
    assert twin.schema["order_date"] == pl.Date and twin["order_date"].null_count() == 0
    assert min(dates) <= twin["order_date"].min() and twin["order_date"].max() <= max(dates)
    assert twin.schema["amount"].is_float() and twin["amount"].null_count() == 0


def test_numbers_with_a_comma_and_no_other_sign_of_money_keep_the_decimal_comma_hint(tmp_path):
    values = [["1,234"], ["5,678"], ["12,5"]] * 10
    result = _ingest(_csv(tmp_path / "comma.csv", ["x"], values))
    assert result.table.schema["x"] == pl.String
    assert "source.decimal: ','" in (result.note or "")


def test_a_column_declared_float_reads_amounts(tmp_path):
    path = _csv(tmp_path / "money.csv", ["amount"], [["$1,610.16"], ["(2.50)"], ["3"]])
    result = ingest_source(SourceSpec(path=path), columns={"amount": ColumnPolicy(kind=ColumnKind.FLOAT)})
    assert result.table["amount"].to_list() == [1610.16, -2.5, 3.0]
