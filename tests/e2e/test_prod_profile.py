"""The production profile for real: PostgreSQL, an MLflow server on it, dagster-webserver and dagster-daemon
started by ``python -m pipelines.prod up`` (what ``make prod-up`` runs) in a temporary state folder. The demo's
retrain job is launched into the daemon's run queue; its run and event log must be in PostgreSQL, its model
version and artifacts in the MLflow server, and no SQLite store or local ``mlruns`` may appear. ``down``
leaves no process behind."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock

import dagster as dg
import pytest

from pipelines.prod import (
    DAGSTER_DB,
    MLFLOW_DB,
    MissingSystemPackage,
    ProdProfile,
    log_tail,
    pid_alive,
    postgres_tool,
    wait_until,
)
from tests.conftest import REPO
from tests.e2e.dagster_dev import quick_project
from twinforge.io.state import TRACKING_URI_ENV

MODEL = "twinforge-covid_testing"


def _profile_cli(command: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.prod", command], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)  # fmt: skip


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    try:
        postgres_tool("initdb"), postgres_tool("postgres")
    except MissingSystemPackage as missing:
        pytest.skip(f"{missing} (.ci/run installs it)")
    home, env = quick_project(tmp_path_factory.mktemp("prod"))
    started = _profile_cli("up", env)
    profile = ProdProfile(home)
    state = profile.state()
    try:
        assert started.returncode == 0, started.stderr[-4000:]
        with mock.patch.dict(os.environ, profile.env(state, base=env)):
            yield profile, state
    finally:
        stopped = _profile_cli("down", env)
        left = [s for s in state.values() if pid_alive(s["pid"])]
        if not profile.postgres_data.is_relative_to(home):  # as root the data folder is in ~postgres
            shutil.rmtree(profile.postgres_data, ignore_errors=True)
        assert not left, (left, stopped.stdout, stopped.stderr)  # whatever happened above: no process left behind


def test_retrain_through_the_daemon_keeps_runs_and_models_in_the_servers(profile):
    profile, state = profile
    env = dict(os.environ)
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        [batch] = instance.get_dynamic_partitions("covid_testing_batches")  # registered by `up`
        launched = subprocess.run(
            [sys.executable, "-m", "dagster", "job", "launch", "-w", "workspace.yaml", "-j", "covid_testing_retrain",
             "--tags", json.dumps({"dagster/partition": batch})],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert launched.returncode == 0, launched.stderr[-4000:]

        # the daemon's sensors ingest the batch `up` registered and may request a first training of their own
        # (tagged twinforge/trigger): it queues with the one launched here
        def finished():
            runs = instance.get_runs(filters=dg.RunsFilter(job_name="covid_testing_retrain"))
            launched = [r for r in runs if "twinforge/trigger" not in r.tags]
            return runs if launched and all(r.is_finished for r in runs) else None

        daemon_log = Path(state["daemon"]["log"])
        runs = wait_until(finished, timeout=2400, what="the retrain runs", log=daemon_log, interval=5)
        assert {r.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}, log_tail(daemon_log)
        [run] = [r for r in runs if "twinforge/trigger" not in r.tags]

    import psycopg

    postgres = profile.postgres(state["postgres"]["port"])
    with psycopg.connect(postgres.url(DAGSTER_DB)) as conn:
        assert conn.execute("select status from runs where run_id = %s", (run.run_id,)).fetchone() == ("SUCCESS",)
        steps = conn.execute(
            "select count(distinct step_key) from event_logs where run_id = %s and dagster_event_type = 'STEP_SUCCESS'",
            (run.run_id,),
        ).fetchone()[0]
        assert steps >= 5  # ingest ... champion: every step's events went to PostgreSQL
    with psycopg.connect(postgres.url(MLFLOW_DB)) as conn:
        # one window trained once: a second retrain of it reuses the version
        assert conn.execute("select name, version from model_versions").fetchall() == [(MODEL, 1)]

    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=os.environ[TRACKING_URI_ENV], registry_uri=os.environ[TRACKING_URI_ENV])
    [version] = client.search_model_versions(f"name = '{MODEL}'")
    assert version.tags["dagster_run_id"] in {r.run_id for r in runs}
    assert client.get_model_version_by_alias(MODEL, "champion").version == version.version
    reports = {a.path for a in client.list_artifacts(version.run_id, "reports")}
    assert {"reports/quality.json", "reports/quality.html"} <= reports
    experiment = client.get_experiment(client.get_run(version.run_id).info.experiment_id)
    assert experiment.artifact_location.startswith("mlflow-artifacts:")  # the server stores them ...
    served = {p.name for p in profile.artifacts.rglob("*") if p.is_file()}
    assert {"quality.json", "quality.html", "MLmodel"} <= served  # ... under its --artifacts-destination

    # nothing went to the local stores the default profile uses, nor to its folders: the profile has its own
    assert (profile.state_home / "data" / "covid_testing" / "generator.json").exists()
    assert not [p for p in ("data", "reports", "models", "landing") if (profile.home / p).exists()]
    assert not (profile.home / "mlflow.db").exists()
    assert not list(profile.dagster_home.rglob("*.db")), list(profile.dagster_home.rglob("*.db"))
    assert not list(profile.home.rglob("mlruns")) and not (REPO / "mlruns").exists()
