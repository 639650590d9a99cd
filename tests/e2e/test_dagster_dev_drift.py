"""The production loop under the real `dagster dev` (webserver + daemon), observed through GraphQL.

From an empty state folder: the daemon's new-batch sensor ingests the spec's source, its drift report
says there is no champion yet, and the drift sensor launches the first retrain (version 1). Then a
shifted batch arrives through `twinforge ingest-batch`: one more ingest run, one more drift-triggered
retrain (version 2, which becomes champion if its blocking checks and gates pass), and nothing else.
"""

import time

import yaml

from tests.conftest import DEMO_SPEC
from tests.e2e.dagster_dev import DagsterDev
from tests.integration.test_drift_retraining import shifted
from twinforge.cli import main as cli
from twinforge.tracking.registry import CHAMPION_ALIAS, get_alias_version, tracking

RUNS = """
query Runs($job: String!) {
  runsOrError(filter: {pipelineName: $job}) {
    ... on Runs { results { runId status tags { key value } } }
  }
}
"""
# the ticks that launched runs: a 5-second sensor skips many more than 50 times while a retrain trains on a loaded
# machine, which pushed the first launch out of a window of the last 50 ticks of any status
SENSOR_TICKS = """
query Ticks($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    ... on Sensor { sensorState { status ticks(limit: 50, statuses: [SUCCESS]) { status runIds } } }
  }
}
"""


def _runs(dev: DagsterDev, job: str) -> list[dict]:
    runs = dev.graphql(RUNS, {"job": job})["runsOrError"]["results"]
    return [{**r, "tags": {t["key"]: t["value"] for t in r["tags"]}} for r in runs]


RUN_STEPS = """
query Steps($runId: ID!) { runOrError(runId: $runId) { ... on Run { stepStats { stepKey status } } } }
"""
# a retrain may end in FAILURE only because a blocking check (GE suite or quality gate) said no
CHECK_STEPS = {"covid_testing__synthetic__great_expectations", "covid_testing__quality_gates"}


def _failed_steps(dev: DagsterDev, run_id: str) -> set[str]:
    steps = dev.graphql(RUN_STEPS, {"runId": run_id})["runOrError"]["stepStats"]
    return {s["stepKey"] for s in steps if s["status"] == "FAILURE"}


def _finished(dev: DagsterDev, job: str, count: int, allow_check_failures: bool = False):
    def check():
        runs = _runs(dev, job)
        for run in runs:
            if run["status"] == "CANCELED" or (run["status"] == "FAILURE" and not allow_check_failures):
                raise AssertionError(f"{job} run {run}\n{dev.log_tail()}")
            if run["status"] == "FAILURE":
                failed = _failed_steps(dev, run["runId"])
                assert failed and failed <= CHECK_STEPS, f"{job} run failed outside the checks: {failed}"
        done = [r for r in runs if r["status"] in ("SUCCESS", "FAILURE")]
        return runs if len(done) >= count and len(runs) == len(done) else None

    return check


def test_daemon_sensors_ingest_and_retrain_on_drift(tmp_path, demo_table):
    specs = tmp_path / "specs"
    specs.mkdir()
    spec = yaml.safe_load(DEMO_SPEC.read_text())
    spec["source"]["path"] = str((DEMO_SPEC.parent / spec["source"]["path"]).resolve())
    spec["drift"]["sensor_interval_seconds"] = 5
    (specs / "covid_testing.yaml").write_text(yaml.safe_dump(spec))
    env = {
        "TWINFORGE_SPECS": str(specs),
        "TWINFORGE_EXECUTOR": "in_process",  # one process per run: kinder to a 2-core machine
        "TWINFORGE_PSEUDONYM_KEY": "test-key-2-" + "0123456789abcdef" * 2,
    }
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with DagsterDev(tmp_path, env=env) as dev:
        first = dev.wait_for(_finished(dev, "covid_testing_retrain", 1), timeout=900, what="first training")
        assert first[0]["tags"]["twinforge/trigger"] == "drift"
        assert get_alias_version(uri, "twinforge-covid_testing", CHAMPION_ALIAS) == "1"

        batch = tmp_path / "shifted.csv"
        shifted(demo_table.sample(3000, seed=20)).write_csv(batch)
        assert cli(["ingest-batch", "covid_testing", str(batch), "--home", str(tmp_path), "--specs", str(specs)]) == 0
        retrains = dev.wait_for(
            _finished(dev, "covid_testing_retrain", 2, allow_check_failures=True), timeout=900, what="drift retrain"
        )
        ingests = _runs(dev, "covid_testing_ingest")
        assert len(ingests) == 2 and all(r["status"] == "SUCCESS" for r in ingests)
        (newest,) = [r for r in retrains if r["tags"]["dagster/partition"] != "initial"]
        assert newest["tags"]["twinforge/champion_before"] == "1"
        assert "column age moved" in newest["tags"]["twinforge/reasons"]  # one column far is enough
        # version 2 was trained on the window with the new batch; it is champion exactly when its gates passed
        with tracking(uri) as mlflow:
            version = mlflow.MlflowClient().get_model_version("twinforge-covid_testing", "2")
        assert version.tags["dagster_run_id"] == newest["runId"]
        promoted = newest["status"] == "SUCCESS"
        assert get_alias_version(uri, "twinforge-covid_testing", CHAMPION_ALIAS) == ("2" if promoted else "1")

        time.sleep(12)  # two more sensor intervals: nothing else may be launched
        assert len(_runs(dev, "covid_testing_retrain")) == 2
        ticks = dev.graphql(
            SENSOR_TICKS,
            {
                "selector": {
                    "repositoryLocationName": "twinforge",
                    "repositoryName": "__repository__",
                    "sensorName": "covid_testing_drift_retrain",
                }
            },
        )["sensorOrError"]["sensorState"]
        assert ticks["status"] == "RUNNING"
        launched = [run for t in ticks["ticks"] for run in t["runIds"]]
        assert sorted(launched) == sorted(r["runId"] for r in retrains)
