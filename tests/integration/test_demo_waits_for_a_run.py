"""`make run` waiting for a retrain that another launcher started names that run and says when a dead one is judged.

Reproduced: a run killed in its first minute kept `make run` at "waiting for another retrain of covid_testing to
finish" for up to a minute (a run is judged dead only once it is old enough to have logged its process), with
nothing saying which run it waited for or why."""

import threading
import time
import uuid

import dagster as dg

from pipelines.demo import wait_for_running_retrains
from pipelines.factory import RETRAIN_TAG, retrain_job_name
from pipelines.sensors import DEAD_RUN_GRACE_SECONDS
from tests.conftest import DEMO_SPEC
from twinforge.config.spec import load_spec


def test_waiting_names_the_running_retrain_and_ends_when_it_does(tmp_path, capsys):
    spec = load_spec(DEMO_SPEC)
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        run = instance.add_run(
            dg.DagsterRun(
                job_name=retrain_job_name(spec),
                run_id=str(uuid.uuid4()),
                status=dg.DagsterRunStatus.STARTED,
                tags={RETRAIN_TAG: spec.name},
            )
        )
        waited = []
        waiter = threading.Thread(
            target=wait_for_running_retrains,
            args=(instance, spec, f"sqlite:///{tmp_path / 'mlflow.db'}", lambda: waited.append(True)),
            daemon=True,
        )
        waiter.start()
        deadline = time.monotonic() + 60
        while not waited and time.monotonic() < deadline:
            time.sleep(0.1)
        assert waited == [True] and waiter.is_alive()
        instance.report_run_failed(instance.get_run_by_id(run.run_id))  # the other retrain ends
        waiter.join(timeout=30)
        assert not waiter.is_alive()
    out = capsys.readouterr().out
    assert f"Dagster run {run.run_id} is retraining it" in out
    assert f"marked failed once it is {DEAD_RUN_GRACE_SECONDS} s old" in out
