"""Two retrains of one dataset launched 1.5 s apart, through the daemon's run queue with the shipped
instance settings (beside any the daemon's sensors launch once they ingest the registered batches): every
retrain runs one after another, each version's MLflow run holds its own quality report and check verdicts,
and the champion is a version whose checks all passed."""

import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from resources.metadata import materialized_in_run
from tests.conftest import DEMO_CSV, REPO
from tests.e2e.dagster_dev import DagsterDev, temp_project

DAGSTER = Path(sys.executable).parent / "dagster"


@pytest.fixture
def project(tmp_path):
    home, env = temp_project(tmp_path)
    # a second batch, registered as a partition as `make ui` does: the daemon's sensor ingests both
    pl.read_csv(DEMO_CSV).sample(3000, seed=5).write_csv(tmp_path / "more.csv")
    subprocess.run([sys.executable, "-m", "twinforge.cli", "ingest-batch", "covid_testing", str(tmp_path / "more.csv")],
                   cwd=REPO, env=env, check=True, capture_output=True)  # fmt: skip
    subprocess.run([sys.executable, "-m", "pipelines.batches"], cwd=REPO, env=env, check=True, capture_output=True)
    return home, env


def test_two_retrains_queue_one_after_the_other_and_promote_only_checked_versions(project, monkeypatch):
    home, env = project
    extra = {k: env[k] for k in ("TWINFORGE_SPECS", "TWINFORGE_PSEUDONYM_KEY")}
    with DagsterDev(home, env=extra) as dev:  # webserver and daemon; the instance settings `make` ships
        for key, value in dev.env.items():
            monkeypatch.setenv(key, value)
        with dg.DagsterInstance.get() as instance:
            batches = instance.get_dynamic_partitions("covid_testing_batches")
            assert len(batches) == 2
            for batch in batches:
                subprocess.run(
                    [str(DAGSTER), "job", "launch", "-w", "workspace.yaml", "-j", "covid_testing_retrain",
                     "--tags", json.dumps({"dagster/partition": batch})],
                    cwd=REPO, env=dev.env, check=True, capture_output=True, timeout=300,
                )  # fmt: skip
                time.sleep(1.5)

            # the daemon's sensors ingest the registered batches and may launch a first-training retrain of their
            # own (tagged twinforge/trigger): it queues with the two launched here
            def all_finished():
                runs = instance.get_runs(filters=dg.RunsFilter(job_name="covid_testing_retrain"))
                launched = [r for r in runs if "twinforge/trigger" not in r.tags]
                return runs if len(launched) == 2 and all(r.is_finished for r in runs) else None

            runs = dev.wait_for(all_finished, timeout=1500, interval=5, what="the retrains finished")
            records = sorted((instance.get_run_record_by_id(r.run_id) for r in runs), key=lambda r: r.start_time)
            assert [r.dagster_run.status for r in records] == [dg.DagsterRunStatus.SUCCESS] * len(records), (
                dev.log_tail()
            )
            for first, second in itertools.pairwise(records):
                assert first.end_time <= second.start_time  # queued, never side by side
            # the version each run trained, or reused when its window was trained before
            generator = dg.AssetKey(["covid_testing", "generator"])
            version_of_run = {
                r.run_id: str(materialized_in_run(instance, r.run_id, generator)["model_version"]) for r in runs
            }

    from twinforge.tracking.registry import CHAMPION_ALIAS, get_alias_version, tracking

    uri = f"sqlite:///{home / 'mlflow.db'}"
    with tracking(uri) as mlflow:
        client = mlflow.MlflowClient()
        versions = client.search_model_versions("name = 'twinforge-covid_testing'")
        # retrains of a window already trained reuse its version: one version at least, every one checked
        assert versions
        for v in versions:
            checks = {k: t for k, t in v.tags.items() if k.startswith("check.")}
            assert checks and set(checks.values()) == {"passed"}, (v.version, checks)
            # a run of this version judged it: the checks' and the quality report's Dagster run trained or reused it
            assert version_of_run[v.tags["checks.dagster_run_id"]] == str(v.version)
            mlflow_run = client.get_run(v.run_id)
            assert version_of_run[mlflow_run.data.tags["quality_report.dagster_run_id"]] == str(v.version)
            assert mlflow_run.data.tags["quality_gates_passed"] == "true"
            artifacts = {a.path for a in client.list_artifacts(v.run_id, "reports")}
            assert {"reports/quality.json", "reports/quality.html"} <= artifacts
        assert {v.tags["dagster_run_id"] for v in versions} <= {r.run_id for r in runs}
    # the champion is a version whose checks all passed (asserted above for every version)
    assert get_alias_version(uri, "twinforge-covid_testing", CHAMPION_ALIAS) in {str(v.version) for v in versions}
