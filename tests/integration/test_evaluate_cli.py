"""`twinforge evaluate` from the command line: business rules judged as the pipeline's report judges them (the
spec's `rules:` with --spec, or a rules file with --rules: each rule's violation rate in the training and the
synthetic rows, in the JSON and the output), and identifiers (--identifier) checked and honoured with a spec too."""

import json

import polars as pl
import pytest

from tests.conftest import REPO
from twinforge.cli import main

MAINTENANCE_CSV = REPO / "data" / "maintenance.csv.gz"
RULES = ["maintenance_cost >= 500 * defects_found", {"range": {"column": "engine_age_years", "min": 0, "max": 40}}]


@pytest.fixture
def tables(tmp_path):
    real = pl.read_csv(MAINTENANCE_CSV).drop("unit_id").sample(fraction=1.0, shuffle=True, seed=1)
    train, holdout = real.head(2400), real.tail(600)
    # a twin breaking both rules: costs far below 500 per defect on most rows, ages of a century
    broken = train.sample(fraction=1.0, seed=3).with_columns(
        pl.col("maintenance_cost") // 100, pl.col("engine_age_years") + 100
    )
    paths = {}
    for name, table in (("train", train), ("holdout", holdout), ("synthetic", broken)):
        paths[name] = tmp_path / f"{name}.parquet"
        table.write_parquet(paths[name])
    return paths, broken


def _argv(paths, tmp_path):
    return ["evaluate", *[a for n in ("train", "holdout", "synthetic") for a in (f"--{n}", str(paths[n]))],
            "--json", str(tmp_path / "q.json")]  # fmt: skip


def _judged(tmp_path, broken):
    rules = json.loads((tmp_path / "q.json").read_text())["rules"]["rules"]
    assert [r["rule"] for r in rules] == [
        "rules[0] maintenance_cost >= 500 * defects_found",
        "rules[1] range: 0 <= engine_age_years <= 40",
    ]
    broken_share = (broken["maintenance_cost"] < 500 * broken["defects_found"]).mean()
    assert rules[0]["synthetic_violation_rate"] == pytest.approx(broken_share)
    assert rules[1]["synthetic_violation_rate"] == 1.0
    assert rules[1]["real_violation_rate"] == 0.0


def test_evaluate_with_a_spec_judges_its_rules(tables, tmp_path, capsys):
    paths, broken = tables
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps({"name": "maintenance_rules", "source": {"path": str(paths["train"])}, "rules": RULES}))
    assert main([*_argv(paths, tmp_path), "--spec", str(spec)]) == 0
    _judged(tmp_path, broken)
    out = capsys.readouterr().out
    share = (broken["maintenance_cost"] < 500 * broken["defects_found"]).mean()
    assert f"rules: 2 declared; broken by synthetic rows: rules[0] {share:.1%}, rules[1] 100.0%" in out


def test_evaluate_with_a_rules_file_judges_them(tables, tmp_path, capsys):
    paths, broken = tables
    rules = tmp_path / "rules.yaml"
    rules.write_text(json.dumps({"rules": RULES}))
    assert main([*_argv(paths, tmp_path), "--rules", str(rules)]) == 0
    _judged(tmp_path, broken)


def test_a_rule_naming_a_column_the_training_table_lacks_is_an_error_naming_it(tables, tmp_path, capsys):
    paths, _ = tables
    rules = tmp_path / "rules.yaml"
    rules.write_text(json.dumps({"rules": ["maintenance_cost >= overhaul_cost"]}))
    assert main([*_argv(paths, tmp_path), "--rules", str(rules)]) == 1
    err = capsys.readouterr().err
    assert str(rules) in err and "overhaul_cost" in err


def test_an_identifier_not_in_the_training_table_is_an_error_naming_the_option(tables, tmp_path, capsys):
    paths, _ = tables
    assert main([*_argv(paths, tmp_path), "--identifier", "nosuch"]) == 1
    assert f"--identifier names columns not in {paths['train']}: ['nosuch']" in capsys.readouterr().err


def test_identifiers_given_with_a_spec_are_never_compared(tables, tmp_path):
    paths, _ = tables
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps({"name": "maintenance_ids", "source": {"path": str(paths["train"])}}))
    assert main([*_argv(paths, tmp_path), "--spec", str(spec), "--identifier", "maintenance_cost"]) == 0
    report = json.loads((tmp_path / "q.json").read_text())
    assert "maintenance_cost" not in report["fidelity"]["columns"] and "defects_found" in report["fidelity"]["columns"]
