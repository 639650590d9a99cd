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
    unknown_model = ["--model", "wavelet", "--out", str(tmp_path / "o.csv")]
    assert main(["synth", str(tmp_path / "in.csv"), "--rows", "5", *unknown_model]) == 1
    assert "'wavelet'" in capsys.readouterr().err
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


def test_synth_with_conditions_rebalance_and_model_params(small_table, tmp_path, capsys):
    write_table(small_table, tmp_path / "in.parquet")
    base = ["synth", str(tmp_path / "in.parquet"), "--identifier", "id", "--no-progress"]
    assert main([*base, "--rows", "120", "--out", str(tmp_path / "web.csv"), "--condition", "channel=web"]) == 0
    assert (read_table(tmp_path / "web.csv")["channel"] == "web").all()

    out = tmp_path / "balanced.parquet"
    args = ["--model", "transformer", "--epochs", "2", "--param", "d_model=32", "--rebalance", "fraud=1:0.8"]
    assert main([*base, "--rows", "500", "--out", str(out), *args]) == 0
    assert (read_table(out)["fraud"] == 1).sum() == 400
    assert "fitting transformer" in capsys.readouterr().err


def test_synth_reports_bad_params_and_conditions(small_table, tmp_path, capsys):
    write_table(small_table, tmp_path / "in.csv")
    base = ["synth", str(tmp_path / "in.csv"), "--rows", "5", "--out", str(tmp_path / "o.csv"), "--no-progress"]
    assert main([*base, "--model", "vae", "--param", "wings=2"]) == 1
    assert "model 'vae' has no parameter wings" in capsys.readouterr().err
    assert main([*base, "--condition", "channel=fax"]) == 1
    assert "condition channel='fax' cannot be met" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--rebalance", "fraud=1"])
