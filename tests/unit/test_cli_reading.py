"""`synth`, `evaluate` and `anonymize` read tables the way the pipeline does: same reader, null tokens,
record accounting and size floor; no cell value in anything they print."""

import numpy as np
import polars as pl
import pytest

from tests.unit.test_record_accounting import SENTINEL, _people
from twinforge.cli import main
from twinforge.io.tables import read_table
from twinforge.synthesizer import MIN_TRAINING_ROWS


def _synth(path, out, *extra):
    return main(["synth", str(path), "--rows", "60", "--out", str(out), "--no-progress", *extra])


def test_synth_on_a_stray_quote_fails_by_default_and_quarantines_one_record_on_request(tmp_path, capsys):
    path = tmp_path / "quote.csv"
    path.write_text(_people(400, {5: f'5,"{SENTINEL},20185,C1'}))
    out = tmp_path / "out.csv"
    assert _synth(path, out) == 1
    printed = capsys.readouterr()
    assert "quote.csv: 1 bad row" in printed.err and "line 6 (row 5)" in printed.err
    assert SENTINEL not in printed.err + printed.out
    assert _synth(path, out, "--on-bad-rows", "quarantine", "--identifier", "id") == 0
    printed = capsys.readouterr()
    assert "400 rows in (401 lines), 399 out, 1 quarantined" in printed.err
    assert SENTINEL not in printed.err + printed.out
    assert read_table(out).height == 60


def test_synth_keeps_a_number_column_with_null_tokens_numeric(tmp_path):
    tokens = {i: f"{i},P{i},{['N/A', '?', 'NA', ''][i % 4]},C{i % 4}" for i in range(10, 200, 7)}
    path = tmp_path / "na.csv"
    path.write_text(_people(200, tokens))
    out = tmp_path / "out.parquet"
    assert _synth(path, out, "--identifier", "id") == 0
    income = read_table(out)["income"]
    assert income.dtype.is_numeric() and income.drop_nulls().len() > 0


def test_synth_names_a_wrong_delimiter(tmp_path, capsys):
    path = tmp_path / "semi.csv"
    path.write_text(_people(100, sep=";"))
    assert _synth(path, tmp_path / "out.csv") == 1
    assert "the file looks delimited by ';'" in capsys.readouterr().err


def test_synth_counts_non_finite_numbers_never_dropping_them_silently(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = [str(v) for v in rng.normal(size=100)] + ["inf", "-inf", "nan"]
    path = tmp_path / "nf.csv"
    path.write_text("x,g\n" + "\n".join(f"{v},{'ab'[i % 2]}" for i, v in enumerate(x)) + "\n")
    assert _synth(path, tmp_path / "out.csv") == 1
    assert "nf.csv: 3 bad rows" in capsys.readouterr().err
    assert _synth(path, tmp_path / "out.csv", "--on-bad-rows", "quarantine") == 0
    assert "103 rows in (104 lines), 100 out, 3 quarantined; non-finite numbers: x 3" in capsys.readouterr().err


@pytest.mark.parametrize("rows", [1, MIN_TRAINING_ROWS - 1])
def test_synth_refuses_a_table_too_small_to_synthesize_safely(tmp_path, capsys, rows):
    path = tmp_path / "tiny.csv"
    path.write_text(_people(rows))
    out = tmp_path / "out.csv"
    assert _synth(path, out) == 1
    err = capsys.readouterr().err
    assert f"tiny.csv: {rows} row{'s' if rows > 1 else ''} to learn from" in err
    assert f"at least {MIN_TRAINING_ROWS}" in err and not out.exists()


def test_evaluate_reads_through_the_ingest_path(tmp_path, capsys):
    train = tmp_path / "train.csv"
    train.write_text(_people(100, {3: f'3,"{SENTINEL},1,C1'}))
    header, *records = _people(180).splitlines()
    for name in ("holdout", "synthetic"):  # other people than the training table's (records 101-180)
        (tmp_path / f"{name}.csv").write_text("\n".join([header, *records[100:]]) + "\n")
    args = ["evaluate", "--train", str(train), "--holdout", str(tmp_path / "holdout.csv")]
    args += ["--synthetic", str(tmp_path / "synthetic.csv"), "--identifier", "id", "--identifier", "name"]
    assert main(args) == 1
    printed = capsys.readouterr()
    assert "train.csv: 1 bad row" in printed.err and "line 4 (row 3)" in printed.err
    assert SENTINEL not in printed.err + printed.out
    assert main([*args, "--on-bad-rows", "quarantine"]) == 0
    assert "100 rows in (101 lines), 99 out, 1 quarantined" in capsys.readouterr().err


def test_evaluate_types_every_table_by_the_spec_s_column_kinds(tmp_path, capsys):
    """One leading-zero cell ("042") reads a whole column as text (a postcode-like code). With a spec declaring
    the column an integer, `evaluate` reads its tables as `synth --spec` and the pipeline do: "042" is 42, and a
    cell that is no integer ("4o") is a bad row named by file and line (quarantined on request), never a type
    clash no option gets past. A column the spec names that a table lacks (anonymization dropped it) is no
    error."""
    rng = np.random.default_rng(0)
    n = 200
    table = pl.DataFrame({"age": rng.integers(18, 90, n).astype(str), "income": rng.normal(5e4, 1e4, n).round(2)})
    table[:120].write_csv(tmp_path / "train.csv")
    table[:100].write_csv(tmp_path / "syn.csv")
    row = pl.int_range(0, pl.len())
    odd = pl.when(row == 3).then(pl.lit("042")).when(row == 7).then(pl.lit("4o")).otherwise(pl.col("age"))
    table[120:].with_columns(odd.alias("age")).write_csv(tmp_path / "hold.csv")
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: ev\nsource:\n  path: train.csv\ncolumns:\n  age: {kind: integer}\n  gone: {kind: float}\n")
    args = ["evaluate", "--spec", str(spec), "--train", str(tmp_path / "train.csv")]
    args += ["--holdout", str(tmp_path / "hold.csv"), "--synthetic", str(tmp_path / "syn.csv")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "hold.csv: 1 bad row" in err and "line 9 (row 8)" in err and "age" in err and "4o" not in err
    main([*args, "--on-bad-rows", "quarantine"])
    err = capsys.readouterr().err
    assert "80 rows in (81 lines), 79 out, 1 quarantined" in err and "holds String values" not in err
    assert "fidelity, utility and privacy" in err  # evaluated


def test_anonymize_prints_records_and_lines(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TWINFORGE_PSEUDONYM_KEY", raising=False)
    path = tmp_path / "quote.csv"
    path.write_text(_people(400, {5: f'5,"{SENTINEL},20185,C1'}))
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: q\nsource:\n  path: {path.name}\ningest:\n  on_bad_rows: quarantine\n")
    out = tmp_path / "out.parquet"
    assert main(["anonymize", str(path), "--out", str(out), "--spec", str(spec)]) == 0
    printed = capsys.readouterr()
    assert "400 rows in (401 lines), 399 out, 1 quarantined" in printed.err
    assert SENTINEL not in printed.err + printed.out
    assert pl.read_parquet(out).height == 399


def test_synth_and_evaluate_keep_a_decimal_column_a_number(tmp_path, capsys):
    import json
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(6)
    for name, n in (("train", 400), ("holdout", 200)):
        cents = rng.integers(10_000, 500_000, n)
        table = {
            "age": pa.array(rng.integers(18, 90, n)),
            "result": pa.array(rng.choice(["pos", "neg"], n)),
            "amt": pa.array([Decimal(int(c)) / 100 for c in cents], pa.decimal128(12, 2)),  # SQL NUMERIC(12, 2)
            "unused": pa.nulls(n),  # a column no row filled: no values, no type
        }
        pq.write_table(pa.table(table), tmp_path / f"{name}.parquet")
    twin = tmp_path / "twin.parquet"
    assert _synth(tmp_path / "train.parquet", twin) == 0
    assert "skipped" not in capsys.readouterr().err
    written = pq.read_schema(twin)
    assert written.names == ["age", "result", "amt", "unused"] and written.field("amt").type == pa.decimal128(12, 2)
    report = tmp_path / "report.json"
    args = ["--train", str(tmp_path / "train.parquet"), "--holdout", str(tmp_path / "holdout.parquet")]
    assert main(["evaluate", *args, "--synthetic", str(twin), "--json", str(report)]) == 0
    evaluated = json.loads(report.read_text())
    assert "amt" not in json.dumps(evaluated["fidelity"]["skipped"])
    assert evaluated["privacy"]["exact_matches"]["synthetic_share"] == 0.0  # judged on amounts too, as numbers


def _dates_table(path, rows=300, seed=5):
    rng = np.random.default_rng(seed)
    days = np.datetime64("2021-01-01") + rng.integers(0, 700, rows).astype("timedelta64[D]")
    dates = pl.Series(days).dt.strftime("%d.%m.%Y")
    path.write_text(
        "visit,amount,kind\n"
        + "\n".join(f"{d},{a},{k}" for d, a, k in zip(dates, rng.integers(1, 500, rows), rng.choice(list("ABC"), rows)))
        + "\n"
    )


def test_synth_reads_the_spec_column_kinds_and_formats(tmp_path):
    """A spec's `kind: datetime, format: ...` types the column when read (as `anonymize` and the pipeline read
    it): the twin has a date column, where the text was fitted (and failed) before."""
    path = tmp_path / "dates.csv"
    _dates_table(path)
    spec = tmp_path / "dates.yaml"
    spec.write_text(
        f'name: dates\nsource: {{path: {path}}}\ncolumns:\n  visit: {{kind: datetime, format: "%d.%m.%Y"}}\n'
    )
    out = tmp_path / "out.parquet"
    assert _synth(path, out, "--spec", str(spec)) == 0
    twin = read_table(out)
    assert twin.schema["visit"] == pl.Date and twin["visit"].drop_nulls().len() > 0


def test_synth_refuses_a_spec_naming_a_column_the_table_lacks(tmp_path, capsys):
    """A typo in the spec's `columns:` (`diagnoses` for `diagnosis`) must not let the column it meant to drop
    into the twin: refused before any work, naming the unknown column."""
    rng = np.random.default_rng(1)
    path = tmp_path / "t.csv"
    rows = [
        f"{a},{s},{d}"
        for a, s, d in zip(rng.integers(18, 90, 200), rng.choice(list("MF"), 200), rng.choice(["x", "y", "z"], 200))
    ]
    path.write_text("age,sex,diagnosis\n" + "\n".join(rows) + "\n")
    spec = tmp_path / "s.yaml"
    spec.write_text(f"name: x\nsource: {{path: {path}}}\ncolumns:\n  diagnoses: {{anonymize: drop}}\n")
    out = tmp_path / "o.csv"
    assert _synth(path, out, "--spec", str(spec)) == 1
    assert "diagnoses" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("command", ["anonymize", "synth"])
def test_the_commonest_quarantine_reasons_are_said_with_their_columns_never_a_value(tmp_path, capsys, command):
    """Reproduced: a Latin-1 CSV read with --on-bad-rows quarantine lost 65% of its rows, said only as a count."""
    rng = np.random.default_rng(0)
    names = rng.choice(["Jos\u00e9", "Zo\u00eb", "Ann", "M\u00e5rten"], 300)
    lines = ["name,n"] + [f"{name},{i}" for i, name in enumerate(names)]
    (tmp_path / "latin.csv").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    out = tmp_path / "out.parquet"
    args = [command, str(tmp_path / "latin.csv"), "--out", str(out), "--on-bad-rows", "quarantine"]
    args += ["--rows", "60", "--no-progress", "--no-anonymize"] if command == "synth" else []
    assert main(args) == 0
    err = capsys.readouterr().err
    bad = int(sum(name != "Ann" for name in names))
    assert "quarantined rows, by reason:" in err
    assert f"{bad} x column 'name': is not valid utf-8 (set source.encoding if the file uses another)" in err
    assert "Jos" not in err and "rten" not in err
