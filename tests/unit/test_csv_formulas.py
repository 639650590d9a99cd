"""CSV outputs never carry a cell a spreadsheet would run as a formula (CSV injection): such text cells are led by
an apostrophe; signed numbers written as text stay as they are. Parquet and JSON Lines keep every value."""

import csv
import random

import polars as pl

from twinforge.cli import main
from twinforge.io.tables import read_table, write_table

FORMULAS = ["=cmd|' /C calc'!A0", '+HYPERLINK("http://x")', "-2+3+cmd|'/C calc'!A0", "@SUM(1+1)", "\t=1+1"]
PLAIN = ["-12.5", "+44", "-", "ok", "-1e5", "12%", "a=b"]


def _cells(path) -> list[str]:
    with open(path, newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def test_formula_cells_are_led_by_an_apostrophe_in_csv_only(tmp_path):
    table = pl.DataFrame({"note": FORMULAS + PLAIN, "level": pl.Series(FORMULAS + PLAIN).cast(pl.Categorical)})
    write_table(table, tmp_path / "out.csv")
    cells = _cells(tmp_path / "out.csv")[2:]
    assert [c for c in cells if c[:1] in "=+-@\t"] == ["-12.5", "-12.5", "+44", "+44", "-", "-", "-1e5", "-1e5"]
    assert sorted(c for c in cells if c.startswith("'")) == sorted(["'" + f for f in FORMULAS] * 2)
    write_table(table, tmp_path / "out.parquet")
    assert read_table(tmp_path / "out.parquet")["note"].to_list() == FORMULAS + PLAIN


def test_anonymize_and_synth_write_no_formula_to_csv(tmp_path, monkeypatch):
    monkeypatch.setenv("TWINFORGE_HOME", str(tmp_path / "home"))
    rng = random.Random(0)
    table = pl.DataFrame(
        {
            "age": [rng.randint(18, 90) for _ in range(300)],
            "region": [rng.choice(FORMULAS + ["north", "south"]) for _ in range(300)],
        }
    )
    source = tmp_path / "in.csv"
    table.write_csv(source)
    for command in (["anonymize"], ["synth", "--rows", "200", "--no-progress"]):
        out = tmp_path / f"{command[0]}.csv"
        assert main([*command[:1], str(source), "--out", str(out), *command[1:]]) == 0
        cells = _cells(out)
        assert not [c for c in cells if c[:1] in "=+@\t" or (c.startswith("-") and c != "-")]
        assert {c for c in cells if c.startswith("'")} <= {"'" + f for f in FORMULAS}
