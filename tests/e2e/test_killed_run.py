"""A run whose orchestrator is killed mid-training: the orphaned step stops and registers no
version, and the dead-run sensor marks the run failed instead of leaving it STARTED forever."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

import pipelines.prod
import pipelines.sensors
from tests.conftest import REPO
from tests.e2e.dagster_dev import temp_project


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            found.append(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    return pipelines.prod.pid_alive(pid)


def _wait(condition, timeout: float, what: str, poll: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def slow_project(tmp_path):
    """The demo spec with a VAE that trains for minutes, in its own specs folder and state folder."""
    home, env = temp_project(
        tmp_path, generator={"model": "vae", "seed": 0, "params": {"epochs": 500, "patience": 500}}
    )
    subprocess.run([sys.executable, "-m", "pipelines.batches"], cwd=REPO, env=env, check=True, capture_output=True)
    return home, env


def test_killed_orchestrator_registers_nothing_and_the_run_is_marked_failed(slow_project, monkeypatch):
    home, env = slow_project
    dagster = Path(sys.executable).parent / "dagster"
    log = open(home / "execute.log", "w")
    orchestrator = subprocess.Popen(
        [str(dagster), "job", "execute", "-m", "pipelines.definitions", "-j", "covid_testing_retrain",
         "--tags", json.dumps({"dagster/partition": "initial"})],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        with dg.DagsterInstance.get() as instance:

            def training_started():
                runs = instance.get_runs()
                if not runs:
                    return None
                records = instance.get_records_for_run(runs[0].run_id, of_type=dg.DagsterEventType.STEP_START).records
                steps = [r.event_log_entry.dagster_event.step_key for r in records]
                return runs[0] if "covid_testing__generator" in steps else None

            run = _wait(training_started, 300, "the generator step to start")
            time.sleep(5)  # well inside the epochs
            steps = _children(orchestrator.pid)
            assert steps, "the multiprocess executor runs the step in a child process"
            os.kill(orchestrator.pid, signal.SIGKILL)
            orchestrator.wait(timeout=30)

            # the orphaned step notices at its next epoch and ends without registering a version
            _wait(lambda: not any(_alive(p) for p in steps), 600, "the orphaned step to stop")
            from twinforge.tracking.registry import tracking

            with tracking(f"sqlite:///{home / 'mlflow.db'}") as mlflow:
                assert mlflow.MlflowClient().search_model_versions("name = 'twinforge-covid_testing'") == []

            assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED  # nobody said otherwise
            monkeypatch.setattr(pipelines.sensors, "DEAD_RUN_GRACE_SECONDS", 0)
            from pipelines.definitions import defs

            sensor = defs.resolve_sensor_def("covid_testing_dead_runs")
            result = sensor(dg.build_sensor_context(instance=instance, definitions=defs))
            assert run.run_id in str(result.skip_message)
            failed = instance.get_run_by_id(run.run_id)
            assert failed.status == dg.DagsterRunStatus.FAILURE
            messages = [r.event_log_entry.dagster_event.message for r in instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records]  # fmt: skip
            assert any("orchestrator process" in (m or "") for m in messages)
    finally:
        if orchestrator.poll() is None:
            os.killpg(orchestrator.pid, signal.SIGKILL)
        log.close()
