"""`twinforge status` over a state folder with batches in several states, versions and drift reports."""

import json
import re

import polars as pl

from tests.conftest import DEMO_SPEC
from twinforge.cli import main
from twinforge.config.spec import load_spec
from twinforge.io.batches import BatchStore
from twinforge.io.state import StateLayout
from twinforge.status import dataset_status, format_status
from twinforge.tracking.registry import CHAMPION_ALIAS, tracking


def _line(out: str, pattern: str) -> str:
    return next(line for line in out.splitlines() if re.match(pattern, line))


def test_status_renders_batch_states_verdicts_champion_and_drift_without_values(tmp_path, demo_table, capsys):
    spec = load_spec(DEMO_SPEC)
    layout = StateLayout.at(tmp_path / "state").ensure()
    store = BatchStore(spec, layout)
    new_batch = tmp_path / "week2.csv"
    demo_table.head(300).write_csv(new_batch)
    added, _ = store.add(new_batch)
    store.withdraw(added.batch_id, "wrong clinic feed")
    data = layout.data_dir / spec.name
    (data / "anonymized").mkdir(parents=True)
    (data / "quarantine").mkdir(parents=True)
    pl.DataFrame({"age": [1.0] * 290}).write_parquet(data / "anonymized" / "initial.parquet")
    pl.DataFrame({"row": list(range(10)), "value": ["secret-cell"] * 10}).write_parquet(
        data / "quarantine" / "initial.parquet"
    )
    drift_dir = layout.reports_dir / spec.name / "drift" / added.batch_id
    drift_dir.mkdir(parents=True)
    (drift_dir / "drift.json").write_text(
        json.dumps({
            "batch_id": added.batch_id, "retrain_recommended": True, "reasons": ["data drift: 4 of 12 columns"],
            "data_drift": {"drift_share_observed": 0.3333, "drifted_columns": ["age", "pan_day"]},
            "concept_drift": {"drifted": False},
        })
    )  # fmt: skip
    model = spec.registered_model_name
    with tracking(layout.mlflow_tracking_uri) as mlflow:
        client = mlflow.MlflowClient()
        client.create_registered_model(model)
        client.create_model_version(model, source=(tmp_path / "m1").as_uri(), tags={
            "check.ge_nulls": "passed", "check.ge_ranges": "passed",
            "gate.privacy_dcr": "passed", "gate.utility_tstr": "not applicable", "promotion": "champion",
        })  # fmt: skip
        client.create_model_version(model, source=(tmp_path / "m2").as_uri(), tags={
            "check.ge_nulls": "failed", "check.ge_ranges": "passed", "gate.privacy_dcr": "failed",
            "promotion": "refused",
        })  # fmt: skip
        client.create_model_version(model, source=(tmp_path / "m3").as_uri(), tags={"twinforge.run_status": "failed"})
        # an older twinforge left "champion" on a superseded version; the failed-run sensor may not have run yet
        client.create_model_version(model, source=(tmp_path / "m4").as_uri(), tags={"promotion": "champion"})
        client.create_model_version(model, source=(tmp_path / "m5").as_uri(), tags={
            "promotion": "champion", "twinforge.run_status": "failed",
        })  # fmt: skip
        client.set_registered_model_alias(model, CHAMPION_ALIAS, "1")

    assert main(["status", "--home", str(layout.home), "--specs", str(DEMO_SPEC.parent)]) == 0
    out = capsys.readouterr().out
    assert _line(out, r"\s+initial ").split()[1:5] == ["active", "yes", "290", "10"]
    withdrawn = _line(out, rf"\s+{added.batch_id} ")
    assert withdrawn.split()[1:5] == ["withdrawn", "no", "-", "-"] and "(wrong clinic feed)" in withdrawn
    assert "1 active, 1 withdrawn; 1 ingested; 10 rows quarantined" in out
    assert "model versions (5); champion: version 1" in out
    assert _line(out, r"\s+1\s+\d{4}-").split()[3:] == "champion checks 2/2 passed; gates 2/2 passed".split()
    assert "refused    checks 1/2 passed (failed: ge_nulls); gates 0/1 passed (failed: privacy_dcr)" in out
    assert "run failed checks no result; gates no result" in _line(out, r"\s+3\s+\d{4}-")
    assert _line(out, r"\s+4\s+\d{4}-").split()[3] == "superseded"
    assert sum(" champion " in line for line in out.splitlines()) == 1

    with tracking(layout.mlflow_tracking_uri) as mlflow:
        mlflow.MlflowClient().set_registered_model_alias(model, CHAMPION_ALIAS, "5")
    assert main(["status", "--home", str(layout.home), "--specs", str(DEMO_SPEC.parent)]) == 0
    assert "champion (RUN FAILED)" in _line(capsys.readouterr().out, r"\s+5\s+\d{4}-")
    drift = _line(out, rf"\s+{added.batch_id}\s+\d{{4}}-")
    assert drift.split()[3:] == ["retrain", "33%", "no", "age,", "pan_day"]
    assert "secret-cell" not in out


def test_status_says_a_held_batch_is_held_with_why_and_the_columns_that_moved(tmp_path, capsys):
    # reproduced: a batch held for a column emptied to nulls read "retrain no, 0%, drifted columns -"
    spec = load_spec(DEMO_SPEC)
    layout = StateLayout.at(tmp_path / "state").ensure()
    reports = {
        "week2": {"batch_id": "week2", "verdict": "held", "retrain_recommended": False,
                  "hold_reasons": ["null share of ct_result changed from 0.0% to 100.0% (hold_if.null_share_change 0.5)"],
                  "moved_columns": ["ct_result"],
                  "data_drift": {"drift_share_observed": 0.0, "drifted_columns": []}, "concept_drift": None},
        "week3": {"batch_id": "week3", "verdict": "no retrain", "retrain_recommended": False,
                  "data_drift": {"drift_share_observed": 0.0, "drifted_columns": []}, "concept_drift": None},
    }  # fmt: skip
    for batch, report in reports.items():
        (layout.reports_dir / spec.name / "drift" / batch).mkdir(parents=True)
        (layout.reports_dir / spec.name / "drift" / batch / "drift.json").write_text(json.dumps(report))
    assert main(["status", "--home", str(layout.home), "--specs", str(DEMO_SPEC.parent)]) == 0
    out = capsys.readouterr().out
    assert _line(out, r"\s+week2\s+\d{4}-").split()[3:] == ["held", "0%", "?", "ct_result"]
    assert "    held: null share of ct_result changed from 0.0% to 100.0%" in out
    assert _line(out, r"\s+week3\s+\d{4}-").split()[3:] == ["no", "retrain", "0%", "?", "-"]


def _withdraw(layout, batch, capsys):
    code = main(["batches", "covid_testing", "--withdraw", batch, "--reason", "consent withdrawn",
                 "--home", str(layout.home), "--specs", str(DEMO_SPEC.parent)])  # fmt: skip
    return code, capsys.readouterr().out


def test_a_champion_trained_on_every_batch_withdrawn_is_said_to_have_nothing_to_retrain_on(tmp_path, capsys):
    spec = load_spec(DEMO_SPEC)
    layout = StateLayout.at(tmp_path / "state").ensure()
    BatchStore(spec, layout).ensure_initial()
    model = spec.registered_model_name
    with tracking(layout.mlflow_tracking_uri) as mlflow:
        client = mlflow.MlflowClient()
        client.create_registered_model(model)
        client.create_model_version(model, source=(tmp_path / "m").as_uri(), tags={"training_batches": '["initial"]'})
        client.set_registered_model_alias(model, CHAMPION_ALIAS, "1")
    code, said = _withdraw(layout, "initial", capsys)
    assert code == 0 and "model versions trained on it: 1" in said
    assert "no active batch is ingested to train one on: add or reinstate a batch" in said
    text = format_status(dataset_status(spec, layout))
    assert "champion version 1 was trained on withdrawn batch initial" in text
    assert "no active batch is ingested" in text and "sensor requests" not in text


def test_withdrawing_with_a_tracking_uri_to_a_missing_store_says_so_and_creates_nothing(tmp_path, capsys, monkeypatch):
    spec = load_spec(DEMO_SPEC)
    layout = StateLayout.at(tmp_path / "state").ensure()
    BatchStore(spec, layout).ensure_initial()
    missing = tmp_path / "typo" / "mlflow.db"
    missing.parent.mkdir()
    monkeypatch.setenv("TWINFORGE_MLFLOW_TRACKING_URI", f"sqlite:///{missing}")
    code, said = _withdraw(layout, "initial", capsys)
    assert code == 0  # the withdrawal stands
    assert "could not be listed: the MLflow store" in said and "does not exist" in said
    assert "no model version was trained on it" not in said
    assert not missing.exists()
