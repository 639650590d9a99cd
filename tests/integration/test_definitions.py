"""The code location loads, validates through the CLI, and has the asset graph we expect."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs
from pipelines.factory import specs_dir
from tests.conftest import REPO
from twinforge.config.spec import load_specs
from twinforge.evaluation.gates import enabled_gates

GE_CHECKS = {"ge_schema", "ge_nulls", "ge_ranges", "ge_categories"}


def test_definitions_load_with_every_expectation_and_gate_as_a_blocking_check():
    # the graph's full shape is pinned in test_asset_graph_snapshot.py; here: checks follow the gate registry
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    specs = load_specs(specs_dir())
    datasets = ("covid_testing", "maintenance")  # one group per spec in pipelines/datasets
    assert {s.name for s in specs} == set(datasets)
    expected = set()
    for spec in specs:
        name = spec.name
        expected |= {(f"{name}/{a}", c) for a in ("synthetic", "synthetic_daily") for c in GE_CHECKS}
        # every enabled gate (both demos have a target; the DP budget gate is off without dp)
        expected |= {(f"{name}/quality_report", g.name) for g in enabled_gates(spec.quality.gates, has_target=True)}
        expected.add((f"{name}/batch_drift", "batch_not_held"))  # informs; the hold itself keeps the batch out
    assert checks == expected
    assert all(graph.get_check_spec(k).blocking for k in graph.asset_check_keys if k.name != "batch_not_held")
    assert {g for g in (graph.get(k).group_name for k in graph.get_all_asset_keys())} == set(datasets)


def _selected(job_name: str) -> set[str]:
    return {k.to_user_string() for k in defs.resolve_job_def(job_name).asset_layer.executable_asset_keys}


def test_jobs_schedule_and_sensors():
    schedule = defs.resolve_schedule_def("covid_testing_regenerate_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert _selected("covid_testing_regenerate") == {"covid_testing/synthetic_daily", "covid_testing/published_daily"}
    assert _selected("covid_testing_ingest") == {
        f"covid_testing/{a}" for a in ("raw", "quarantine", "anonymized", "batch_drift")
    }
    retrain = _selected("covid_testing_retrain")
    assert "covid_testing/champion" in retrain and "covid_testing/raw" in retrain
    assert not {"covid_testing/batch_drift", "covid_testing/synthetic_daily", "covid_testing/published_daily"} & retrain
    sensors = {s.name: s for s in defs.sensors}
    assert sensors["covid_testing_drift_retrain"].job_name == "covid_testing_retrain"
    assert sensors["covid_testing_new_batches"].job_name == "covid_testing_ingest"


def test_dagster_cli_validates_the_workspace(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "All code locations passed validation" in proc.stderr + proc.stdout


def test_a_spec_with_every_gate_turned_off_loads(tmp_path):
    from pipelines.factory import build_definitions
    from tests.conftest import DEMO_SPEC
    from twinforge.config.quality import GateThresholds
    from twinforge.config.spec import load_spec

    spec = load_spec(DEMO_SPEC)
    off = GateThresholds(**{name: None for name in GateThresholds.model_fields})
    spec = spec.model_copy(update={"quality": spec.quality.model_copy(update={"gates": off})})
    defs = build_definitions([spec], home=str(tmp_path))
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    assert not any(k.asset_key.path[-1] == "quality_report" for k in graph.asset_check_keys)
