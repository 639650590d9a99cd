"""The code location loads, validates through the CLI, and has the asset graph we expect."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs
from twinforge.evaluation.gates import GATES
from tests.conftest import REPO

EXPECTED_GRAPH = {
    "covid_testing/raw": set(),
    "covid_testing/anonymized": {"covid_testing/raw"},
    "covid_testing/train": {"covid_testing/anonymized"},
    "covid_testing/holdout": {"covid_testing/anonymized"},
    "covid_testing/generator": {"covid_testing/train"},
    "covid_testing/synthetic": {"covid_testing/generator"},
    "covid_testing/champion": {"covid_testing/synthetic", "covid_testing/quality_report"},
    "covid_testing/quality_report": {"covid_testing/synthetic", "covid_testing/train", "covid_testing/holdout"},
    "covid_testing/drift_report": {"covid_testing/synthetic", "covid_testing/train"},
}


def test_definitions_load_and_asset_graph_snapshot():
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    snapshot = {
        key.to_user_string(): {p.to_user_string() for p in graph.get(key).parent_keys}
        for key in graph.get_all_asset_keys()
    }
    assert snapshot == EXPECTED_GRAPH
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    ge = {("covid_testing/synthetic", f"ge_{g}") for g in ("schema", "nulls", "ranges", "categories")}
    gates = {("covid_testing/quality_report", g.name) for g in GATES}  # every gate: the demo has a target
    assert checks == ge | gates
    assert all(graph.get_check_spec(k).blocking for k in graph.asset_check_keys)
    assert {g for g in (graph.get(k).group_name for k in graph.get_all_asset_keys())} == {"covid_testing"}


def test_jobs_and_schedule():
    assert {j.name for j in defs.resolve_all_job_defs()} >= {"covid_testing_retrain", "covid_testing_regenerate"}
    schedule = defs.resolve_schedule_def("covid_testing_regenerate_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    regenerate = defs.resolve_job_def("covid_testing_regenerate")
    selected = {k.to_user_string() for k in regenerate.asset_layer.executable_asset_keys}
    assert selected == {"covid_testing/synthetic", "covid_testing/quality_report", "covid_testing/drift_report"}


def test_dagster_cli_validates_the_workspace(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "All code locations passed validation" in proc.stderr + proc.stdout
