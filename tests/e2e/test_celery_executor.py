"""The Celery executor for real: a Redis server (the system's redis-server) as broker and result backend, two
`dagster-celery` workers started from the shipped worker settings, and the demo's retrain job run with
``TWINFORGE_EXECUTOR=celery``. Every step must run in a worker process, none in the run's own process;
the sample, split into parts by a small ``sampling.partition_rows``, is one worker step per part."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
import yaml

from pipelines.factory import CELERY_BACKEND_ENV, CELERY_BROKER_ENV, EXECUTOR_ENV
from pipelines.prod import ServiceError, free_port, spawn, stop_process, venv_tool, wait_until
from tests.conftest import REPO
from tests.e2e.dagster_dev import quick_project
from twinforge.processes import pid_alive

WORKERS = ("twinforge-a", "twinforge-b")
PARTITION_ROWS = 5000  # the demo's ~12,400 training rows: three parts


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run does it)")
    import redis

    folder, port = tmp_path_factory.mktemp("redis"), free_port()
    log = folder / "redis.log"
    command = [server, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder), "--save", "", "--appendonly", "no"]  # fmt: skip
    proc = spawn(command, log, dict(os.environ), cwd=folder)
    try:
        wait_until(lambda: redis.Redis(port=port).ping(), 60, "redis-server", log)
        yield f"redis://127.0.0.1:{port}"
    finally:
        stop_process(proc.pid, "redis-server", group=True)
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def workers(redis_url, tmp_path_factory):
    """Two workers (solo pool: a worker runs one step at a time, in its own process); ``(env, {name: pid})``."""
    from celery import Celery

    home, env = quick_project(tmp_path_factory.mktemp("celery"))
    spec_file = Path(env["TWINFORGE_SPECS"]) / "covid_testing.yaml"
    spec = yaml.safe_load(spec_file.read_text())
    spec["sampling"] = {**spec.get("sampling", {}), "partition_rows": PARTITION_ROWS}
    spec_file.write_text(yaml.safe_dump(spec))
    env = {**env, EXECUTOR_ENV: "celery", CELERY_BROKER_ENV: f"{redis_url}/0", CELERY_BACKEND_ENV: f"{redis_url}/1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"}  # `dagster-celery` runs `celery`  # fmt: skip
    subprocess.run([sys.executable, "-m", "pipelines.batches"], cwd=REPO, env=env, check=True, capture_output=True)
    procs = []
    for name in WORKERS:
        command = [venv_tool("dagster-celery"), "worker", "start", "-A", "dagster_celery.app",
                   "-y", "pipelines/celery-worker.yaml", "-n", name, "--", "--pool=solo"]  # fmt: skip
        procs.append(spawn(command, home / f"{name}.log", env))
    app = Celery(broker=env[CELERY_BROKER_ENV], backend=env[CELERY_BACKEND_ENV])

    def both_up():
        if any(proc.poll() is not None for proc in procs):
            raise ServiceError("a celery worker exited")  # ends the wait: a worker that died will not come up
        stats = app.control.inspect(timeout=2).stats() or {}
        pids = {host.split("@")[0]: s["pid"] for host, s in stats.items()}
        return pids if set(pids) == set(WORKERS) else None

    try:
        pids = wait_until(both_up, 300, "two celery workers", home / f"{WORKERS[-1]}.log", interval=2)
        yield env, pids
    finally:
        for proc in procs:
            stop_process(proc.pid, "dagster-celery", group=True)
            proc.wait(timeout=30)
        left = [pid for pid in (locals().get("pids") or {}).values() if pid_alive(pid)]
        assert not left, f"celery worker processes left running: {left}"


def test_retrain_steps_run_in_the_celery_workers(workers):
    env, worker_pids = workers
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        [batch] = instance.get_dynamic_partitions("covid_testing_batches")
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "job", "execute", "-m", "pipelines.definitions",
         "-j", "covid_testing_retrain", "--tags", json.dumps({"dagster/partition": batch})],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        [run] = instance.get_runs(filters=dg.RunsFilter(job_name="covid_testing_retrain"))
        assert run.status == dg.DagsterRunStatus.SUCCESS
        records = instance.all_logs(run.run_id)
    events = [r for r in records if r.is_dagster_event]
    step_pids = {r.dagster_event.pid for r in events if r.dagster_event.event_type == dg.DagsterEventType.STEP_SUCCESS}
    [run_pid] = {r.dagster_event.pid for r in events if r.dagster_event.event_type == dg.DagsterEventType.RUN_START}
    steps = {r.step_key for r in events if r.dagster_event.event_type == dg.DagsterEventType.STEP_SUCCESS}
    assert len(steps) >= 5  # ingest ... champion
    assert step_pids and step_pids <= set(worker_pids.values()), (step_pids, worker_pids)
    assert run_pid not in step_pids  # the run's process only hands steps to the broker
    delegated = [r for r in events if "in celery worker" in (r.message or "")]
    assert len(delegated) >= len(steps)  # each step was handed to a worker

    # the sample's parts were separate steps on the workers, and they make one dataset with every row
    parts = {k for k in steps if "__synthetic__sample_part[" in k}
    assert len(parts) == 3, sorted(steps)
    part_pids = {r.dagster_event.pid for r in events if r.step_key in parts and r.dagster_event.event_type == dg.DagsterEventType.STEP_SUCCESS}  # fmt: skip
    assert part_pids <= set(worker_pids.values())
    folder = Path(env["TWINFORGE_HOME"]) / "data" / "covid_testing" / "synthetic"
    assert sorted(p.name for p in folder.iterdir()) == [f"part-{i:05d}.parquet" for i in range(3)]
    sampled = [r.dagster_event.event_specific_data.materialization.metadata for r in events
               if r.dagster_event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
               and r.dagster_event.asset_key == dg.AssetKey(["covid_testing", "synthetic"])]  # fmt: skip
    assert pl.scan_parquet(folder).select(pl.len()).collect().item() == sampled[-1]["rows_out"].value
