"""The UI users audit lineage in: `dagster dev` loads the workspace and serves the asset graph."""

from pipelines.factory import DATASETS_DIR
from tests.e2e.dagster_dev import DagsterDev
from twinforge.config.spec import load_specs

ASSET_GRAPH_QUERY = """
{ assetNodes { assetKey { path } dependencyKeys { path } groupName jobNames } }
"""


def test_dagster_dev_serves_the_asset_graph_and_jobs(tmp_path):
    with DagsterDev(tmp_path) as dev:
        nodes = dev.graphql(ASSET_GRAPH_QUERY)["assetNodes"]
        graph = {"/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]} for n in nodes}
        assert graph["covid_testing/anonymized"] == {"covid_testing/raw"}
        assert graph["covid_testing/synthetic"] == {"covid_testing/generator"}
        jobs = {"/".join(n["assetKey"]["path"]): set(n["jobNames"]) for n in nodes}
        assert "covid_testing_retrain" in jobs["covid_testing/synthetic"]
        assert "covid_testing_regenerate" in jobs["covid_testing/synthetic_daily"]
        assert "covid_testing_ingest" in jobs["covid_testing/batch_drift"]
        assert {n["groupName"] for n in nodes} == {s.name for s in load_specs(DATASETS_DIR)}  # one group a dataset
        daemons = dev.graphql("{ instance { daemonHealth { allDaemonStatuses { daemonType required } } } }")
        types = {d["daemonType"] for d in daemons["instance"]["daemonHealth"]["allDaemonStatuses"]}
        assert {"SCHEDULER", "SENSOR"} <= types
