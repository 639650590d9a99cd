"""`twinforge synth --spec` applies a spec's process columns, with every generator."""

import math

import polars as pl
import pytest

from tests.conftest import REPO
from twinforge import Synthesizer
from twinforge.cli import main
from twinforge.config.spec import load_spec
from twinforge.io.tables import read_table
from twinforge.process.distributions import moments

MAINTENANCE_CSV = REPO / "data" / "maintenance.csv.gz"
MAINTENANCE_SPEC = REPO / "pipelines" / "datasets" / "maintenance.yaml"


@pytest.mark.parametrize("model", ["copula", "gan", "vae", "transformer"])
def test_synth_with_a_spec_draws_its_process_columns(model, tmp_path, capsys):
    out, saved = tmp_path / "twin.parquet", tmp_path / "model"
    epochs = [] if model == "copula" else ["--epochs", "1"]
    argv = ["synth", str(MAINTENANCE_CSV), "--spec", str(MAINTENANCE_SPEC), "--model", model, *epochs]
    argv += ["--rows", "6000", "--out", str(out), "--save-model", str(saved), "--no-progress"]
    assert main(argv) == 0, capsys.readouterr().err
    twin = read_table(out)
    real = pl.read_csv(MAINTENANCE_CSV)
    assert twin.columns == real.drop("unit_id").columns  # the identifier (spec role) is dropped
    declared = load_spec(MAINTENANCE_SPEC).process_columns["hours_between_failures"]
    for (engine_type,), part in twin.group_by("engine_type"):
        mean, sd = moments("weibull", declared.declared_params(engine_type))
        assert abs(part["hours_between_failures"].mean() - mean) < 4 * sd / math.sqrt(part.height), engine_type
    for (shop,), part in twin.group_by("shop"):  # fitted on the real rows of the shop
        rate = real.filter(pl.col("shop") == shop)["defects_found"].mean()
        assert abs(part["defects_found"].mean() - rate) < 4 * math.sqrt(rate / part.height), shop
    model_loaded = Synthesizer.load(saved)
    assert set(model_loaded.generator.process.columns) == {"hours_between_failures", "defects_found"}
    assert model_loaded.sample(6000).equals(twin)  # the saved model draws the same rows


def test_synth_with_a_spec_whose_group_column_is_missing_names_the_field(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        MAINTENANCE_SPEC.read_text().replace("../../data/", f"{REPO / 'data'}/").replace("by: shop", "by: hangar")
    )
    argv = ["synth", str(MAINTENANCE_CSV), "--spec", str(spec), "--rows", "10", "--out", str(tmp_path / "o.csv")]
    assert main(argv) == 1
    assert "process_columns.defects_found.by: the training table has no column 'hangar'" in capsys.readouterr().err


def test_evaluate_with_a_spec_judges_its_process_columns(tmp_path, capsys):
    # a twin whose hours between failures were halved: every other column as real
    real = pl.read_csv(MAINTENANCE_CSV).drop("unit_id")
    train, holdout = real.head(2400), real.tail(600)
    broken = train.with_columns(pl.col("hours_between_failures") / 2)
    paths = {}
    for name, table in (("train", train), ("holdout", holdout), ("synthetic", broken)):
        paths[name] = tmp_path / f"{name}.parquet"
        table.write_parquet(paths[name])
    argv = ["evaluate", "--train", str(paths["train"]), "--holdout", str(paths["holdout"])]
    argv += [
        "--synthetic",
        str(paths["synthetic"]),
        "--spec",
        str(MAINTENANCE_SPEC),
        "--json",
        str(tmp_path / "q.json"),
    ]
    main(argv)
    out = capsys.readouterr().out
    gate = next(line for line in out.splitlines() if "process_distributions" in line)
    assert "FAIL" in gate.upper() and "not applicable" not in gate
