import numpy as np
import polars as pl
import pytest

from twinforge import Synthesizer
from twinforge.cli import main
from twinforge.tabular_io import read_table, table_format, write_table


@pytest.fixture
def small_table() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    n = 400
    return pl.DataFrame(
        {
            "id": np.arange(n),
            "amount": np.round(rng.lognormal(3, 1, n), 2),
            "channel": rng.choice(["web", "shop", "phone"], n),
            "fraud": rng.integers(0, 2, n),
        }
    )


@pytest.mark.parametrize(("source", "target"), [("in.csv", "out.parquet"), ("in.parquet", "out.csv.gz")])
def test_synth_end_to_end(small_table, tmp_path, capsys, source, target):
    write_table(small_table, tmp_path / source)
    status = main(["synth", str(tmp_path / source), "--rows", "250", "--out", str(tmp_path / target),
                   "--seed", "4", "--identifier", "id"])
    assert status == 0
    synthetic = read_table(tmp_path / target)
    assert synthetic.height == 250
    assert synthetic.schema == small_table.drop("id").schema
    progress = capsys.readouterr().err
    for line in ("reading", "400 rows x 4 columns", "fitting copula", "sampling 250 rows", "writing"):
        assert line in progress


def test_synth_saves_a_loadable_model(small_table, tmp_path):
    write_table(small_table, tmp_path / "in.csv")
    out, model = tmp_path / "out.csv", tmp_path / "model"
    assert main(["synth", str(tmp_path / "in.csv"), "--rows", "50", "--out", str(out), "--save-model", str(model)]) == 0
    # Same default seed: the saved model reproduces the written sample.
    assert Synthesizer.load(model).sample(50).equals(read_table(out))


def test_synth_errors_name_the_file(small_table, tmp_path, capsys):
    write_table(small_table, tmp_path / "in.csv")
    assert main(["synth", str(tmp_path / "in.csv"), "--rows", "5", "--out", str(tmp_path / "out.xlsx")]) == 1
    assert "out.xlsx" in capsys.readouterr().err
    assert main(["synth", str(tmp_path / "missing.csv"), "--rows", "5", "--out", str(tmp_path / "o.csv")]) == 1
    assert "missing.csv" in capsys.readouterr().err
    (tmp_path / "in.json").write_text("{}")
    assert main(["synth", str(tmp_path / "in.json"), "--rows", "5", "--out", str(tmp_path / "o.csv")]) == 1
    assert "in.json" in capsys.readouterr().err
    unknown_model = ["--model", "gan", "--out", str(tmp_path / "o.csv")]
    assert main(["synth", str(tmp_path / "in.csv"), "--rows", "5", *unknown_model]) == 1
    assert "'gan'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["synth", str(tmp_path / "in.csv"), "--rows", "0", "--out", str(tmp_path / "o.csv")])


def test_table_formats_by_extension(small_table, tmp_path):
    names = ("a.csv", "A.CSV.GZ", "b.parquet", "c.pq")
    assert [table_format(n) for n in names] == ["csv", "csv.gz", "parquet", "parquet"]
    with pytest.raises(ValueError, match="data.txt"):
        table_format("data.txt")
    for name in ("t.csv", "t.csv.gz", "t.parquet", "nested/dir/t.pq"):
        write_table(small_table, tmp_path / name)
        assert read_table(tmp_path / name).equals(small_table), name
    with pytest.raises(FileNotFoundError, match="absent.parquet"):
        read_table(tmp_path / "absent.parquet")


def test_csv_dates_are_read_as_dates(tmp_path):
    dated = pl.DataFrame({"day": pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 1, 5), eager=True), "n": range(5)})
    write_table(dated, tmp_path / "dated.csv.gz")
    assert read_table(tmp_path / "dated.csv.gz").equals(dated)


def test_anonymize_command_detects_applies_and_reports(tmp_path, capsys, monkeypatch):
    import json

    from tests.planted import planted_table

    table, values = planted_table(n=120)
    table.write_csv(tmp_path / "in.csv")
    monkeypatch.delenv("TWINFORGE_PSEUDONYM_KEY", raising=False)
    out, report = tmp_path / "out.parquet", tmp_path / "report.json"
    assert main(["anonymize", str(tmp_path / "in.csv"), "--out", str(out), "--report", str(report)]) == 0
    printed = capsys.readouterr().out
    assert "contact                  EMAIL_ADDRESS   column" in printed
    assert "notes                    mask" in printed
    anonymized = read_table(out)
    assert anonymized.height == 120 and "email" not in anonymized.columns
    written = report.read_text()
    assert json.loads(written)["rows"] == {"in": 120, "out": 120, "quarantined": 0}
    assert not [v for v in values["email"] + values["notes"] if v in written + printed]


def test_anonymize_command_with_a_spec(tmp_path, capsys, monkeypatch):
    from tests.conftest import DEMO_CSV, DEMO_SPEC

    monkeypatch.delenv("TWINFORGE_PSEUDONYM_KEY", raising=False)
    out = tmp_path / "out.csv"
    assert main(["anonymize", str(DEMO_CSV), "--out", str(out), "--spec", str(DEMO_SPEC)]) == 1
    assert "TWINFORGE_PSEUDONYM_KEY is not set" in capsys.readouterr().err  # the spec pseudonymizes subject_id
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "k" * 32)
    assert main(["anonymize", str(DEMO_CSV), "--out", str(out), "--spec", str(DEMO_SPEC)]) == 0
    printed = capsys.readouterr().out
    assert "k-anonymity over ['age', 'gender']: smallest class 1" in printed
    written = read_table(out)
    assert "k" * 32 not in out.read_text() and "fake_last_name" not in written.columns
    assert written["subject_id"].str.len_chars().min() == 64
