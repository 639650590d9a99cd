"""Two retrains of one dataset launched 1.5 s apart, through the daemon's run queue with the shipped
instance settings: they run one after the other, each version's MLflow run holds its own quality
report and check verdicts, and the champion is a version whose checks all passed."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
import yaml

from tests.conftest import DEMO_CSV, DEMO_SPEC, REPO

DAGSTER = Path(sys.executable).parent / "dagster"


@pytest.fixture
def project(tmp_path):
    spec = yaml.safe_load(DEMO_SPEC.read_text())
    spec["source"]["path"] = str((DEMO_SPEC.parent / spec["source"]["path"]).resolve())
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "covid_testing.yaml").write_text(yaml.safe_dump(spec))
    home = tmp_path / "state"
    (home / "dagster").mkdir(parents=True)
    shutil.copyfile(REPO / "pipelines" / "dagster.yaml", home / "dagster" / "dagster.yaml")
    env = {**os.environ, "TWINFORGE_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"),
           "TWINFORGE_SPECS": str(specs), "TWINFORGE_PSEUDONYM_KEY": "test-key-" + "6" * 32}  # fmt: skip
    # a second batch, so the two retrains train on different windows
    pl.read_csv(DEMO_CSV).sample(3000, seed=5).write_csv(tmp_path / "more.csv")
    subprocess.run([sys.executable, "-m", "twinforge.cli", "ingest-batch", "covid_testing", str(tmp_path / "more.csv")],
                   cwd=REPO, env=env, check=True, capture_output=True)  # fmt: skip
    subprocess.run([sys.executable, "-m", "pipelines.batches"], cwd=REPO, env=env, check=True, capture_output=True)
    return home, env


def test_two_retrains_queue_one_after_the_other_and_promote_only_checked_versions(project, monkeypatch):
    home, env = project
    log = open(home / "daemon.log", "w")
    daemon = subprocess.Popen([str(DAGSTER), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", "0"],
                              cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        with dg.DagsterInstance.get() as instance:
            batches = instance.get_dynamic_partitions("covid_testing_batches")
            assert len(batches) == 2
            for batch in batches:
                subprocess.run(
                    [str(DAGSTER), "job", "launch", "-w", "workspace.yaml", "-j", "covid_testing_retrain",
                     "--tags", json.dumps({"dagster/partition": batch})],
                    cwd=REPO, env=env, check=True, capture_output=True, timeout=300,
                )  # fmt: skip
                time.sleep(1.5)
            deadline = time.monotonic() + 1200
            while time.monotonic() < deadline:
                runs = instance.get_runs(filters=dg.RunsFilter(job_name="covid_testing_retrain"))
                if len(runs) == 2 and all(r.is_finished for r in runs):
                    break
                time.sleep(5)
            runs = sorted(instance.get_runs(filters=dg.RunsFilter(job_name="covid_testing_retrain")),
                          key=lambda r: instance.get_run_record_by_id(r.run_id).start_time)  # fmt: skip
            assert [r.status for r in runs] == [dg.DagsterRunStatus.SUCCESS] * 2, (home / "daemon.log").read_text()[
                -3000:
            ]
            first, second = (instance.get_run_record_by_id(r.run_id) for r in runs)
            assert first.end_time <= second.start_time  # queued, never side by side
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
        log.close()

    from twinforge.tracking.registry import CHAMPION_ALIAS, get_alias_version, tracking

    uri = f"sqlite:///{home / 'mlflow.db'}"
    with tracking(uri) as mlflow:
        client = mlflow.MlflowClient()
        versions = client.search_model_versions("name = 'twinforge-covid_testing'")
        assert sorted(str(v.version) for v in versions) == ["1", "2"]
        for v in versions:
            checks = {k: t for k, t in v.tags.items() if k.startswith("check.")}
            assert checks and set(checks.values()) == {"passed"}, (v.version, checks)
            report = json.loads(
                Path(client.download_artifacts(v.run_id, "reports/quality.json", str(home))).read_text()
            )
            assert str(report["model_version"]) == str(v.version)  # its own report, not the other run's
            assert v.tags["dagster_run_id"] in {r.run_id for r in runs}
        assert {v.tags["dagster_run_id"] for v in versions} == {r.run_id for r in runs}
    assert get_alias_version(uri, "twinforge-covid_testing", CHAMPION_ALIAS) == "2"
