"""The UI users audit lineage in: `dagster dev` loads the workspace and serves the asset graph."""

from tests.dagster_dev import DagsterDev

ASSET_GRAPH_QUERY = """
{ assetNodes { assetKey { path } dependencyKeys { path } groupName jobNames } }
"""


def test_dagster_dev_serves_the_asset_graph_and_jobs(tmp_path):
    with DagsterDev(tmp_path) as dev:
        nodes = dev.graphql(ASSET_GRAPH_QUERY)["assetNodes"]
        graph = {"/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]} for n in nodes}
        assert graph["covid_testing/anonymized"] == {"covid_testing/raw"}
        assert graph["covid_testing/synthetic"] == {"covid_testing/generator"}
        synthetic = next(n for n in nodes if n["assetKey"]["path"] == ["covid_testing", "synthetic"])
        assert set(synthetic["jobNames"]) >= {"covid_testing_retrain", "covid_testing_regenerate"}
        assert {n["groupName"] for n in nodes} == {"covid_testing"}
        daemons = dev.graphql("{ instance { daemonHealth { allDaemonStatuses { daemonType required } } } }")
        types = {d["daemonType"] for d in daemons["instance"]["daemonHealth"]["allDaemonStatuses"]}
        assert {"SCHEDULER", "SENSOR"} <= types
