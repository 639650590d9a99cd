"""`make run` (python -m pipelines.demo) waits while a retrain of the same dataset that something else launched
(the daemon, a sensor, the UI, `dagster job execute`) is running, instead of training beside it; a run whose
orchestrator was killed is marked failed by it rather than blocking it for good."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from tests.conftest import REPO
from tests.e2e.dagster_dev import temp_project


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(1)


def test_make_run_waits_for_a_running_retrain_and_outlives_a_killed_one(tmp_path, monkeypatch):
    home, env = temp_project(
        tmp_path, generator={"model": "vae", "seed": 0, "params": {"epochs": 500, "patience": 500}}
    )
    subprocess.run([sys.executable, "-m", "pipelines.batches"], cwd=REPO, env=env, check=True, capture_output=True)
    other_log, demo_log = tmp_path / "other.log", tmp_path / "demo.log"
    dagster = Path(sys.executable).parent / "dagster"
    with open(other_log, "w") as log:  # a retrain launched outside make run, as the daemon's would be
        other = subprocess.Popen(
            [str(dagster), "job", "execute", "-m", "pipelines.definitions", "-j", "covid_testing_retrain",
             "--tags", json.dumps({"dagster/partition": "initial"})],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    demo = None
    try:
        _wait_for(lambda: "covid_testing__generator - epoch" in other_log.read_text(), 600, "the other run to train")
        started = time.monotonic()
        with open(demo_log, "w") as log:
            demo = subprocess.Popen(
                [sys.executable, "-m", "pipelines.demo"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        _wait_for(
            lambda: "waiting for another retrain of covid_testing" in demo_log.read_text(), 120, "make run to wait"
        )
        time.sleep(10)
        assert "covid_testing__" not in demo_log.read_text()  # no step of its own has run
        os.killpg(other.pid, signal.SIGKILL)  # the other run's orchestrator dies: its run stays STARTED
        other.wait(timeout=30)
        _wait_for(lambda: "covid_testing__generator - epoch" in demo_log.read_text(), 300, "make run to train")
        assert time.monotonic() - started < 300
        assert "of covid_testing had died: marked failed" in demo_log.read_text()
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        with dg.DagsterInstance.get() as instance:
            runs = instance.get_runs(dg.RunsFilter(job_name="covid_testing_retrain"))
            statuses = sorted(r.status.value for r in runs)
            assert statuses == ["FAILURE", "STARTED"], statuses  # the killed run failed, make run's runs
            (own,) = [r for r in runs if r.status == dg.DagsterRunStatus.STARTED]
            assert own.tags.get("twinforge/launched_by") == "make run"  # the UI's runs list says who started it
    finally:
        for process in (other, demo):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
