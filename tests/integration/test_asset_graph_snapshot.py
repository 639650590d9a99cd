"""The Dagster code location's shape, pinned in a reviewed snapshot file.

Asset keys with their upstream keys and group, asset checks with their blocking flag,
jobs with the assets they select, schedules and sensors with their targets. A change
to the graph shows up as a diff of ``snapshots/asset_graph.json`` in review; after an
intended change, regenerate it with ``TWINFORGE_UPDATE_SNAPSHOTS=1 pytest <this file>``.
"""

import json
import os
from pathlib import Path

from pipelines.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def graph_snapshot() -> dict:
    graph = defs.resolve_asset_graph()
    assets = {
        key.to_user_string(): {
            "deps": sorted(p.to_user_string() for p in graph.get(key).parent_keys),
            "group": graph.get(key).group_name,
        }
        for key in graph.get_all_asset_keys()
    }
    checks = {
        f"{k.asset_key.to_user_string()}:{k.name}": {"blocking": graph.get_check_spec(k).blocking}
        for k in graph.asset_check_keys
    }
    jobs = {
        job.name: sorted(k.to_user_string() for k in defs.resolve_job_def(job.name).asset_layer.executable_asset_keys)
        for job in defs.resolve_all_job_defs()
        if not job.name.startswith("__")
    }
    schedules = {s.name: {"job": s.job_name, "cron": s.cron_schedule} for s in defs.schedules}
    sensors = {s.name: {"jobs": sorted(t.job_name for t in s.targets)} for s in defs.sensors}
    return {
        "assets": dict(sorted(assets.items())),
        "checks": dict(sorted(checks.items())),
        "jobs": dict(sorted(jobs.items())),
        "schedules": dict(sorted(schedules.items())),
        "sensors": dict(sorted(sensors.items())),
    }


def test_asset_graph_matches_the_snapshot():
    current = graph_snapshot()
    if os.environ.get("TWINFORGE_UPDATE_SNAPSHOTS"):  # rewritten: review its diff before committing
        SNAPSHOT.write_text(json.dumps(current, indent=2) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    for part in expected:
        assert current[part] == expected[part], f"the {part} of the code location changed: see the diff"
    assert set(current) == set(expected)
