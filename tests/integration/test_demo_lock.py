"""`make run` takes one retrain of a dataset at a time: a second one waits for the first."""

import os
import subprocess
import sys
import time

from tests.conftest import REPO
from twinforge.config.spec import load_specs
from twinforge.io.locks import exclusive_lock
from twinforge.io.state import StateLayout


def test_make_run_waits_while_another_retrain_of_the_dataset_holds_it(tmp_path):
    layout = StateLayout.at(tmp_path / "state")
    (tmp_path / "dagster").mkdir()
    first = load_specs(REPO / "pipelines" / "datasets")[0].name
    env = {**os.environ, "TWINFORGE_HOME": str(layout.home), "DAGSTER_HOME": str(tmp_path / "dagster")}
    with exclusive_lock(layout.retrain_lock(first)):  # as a `make run` in progress holds it
        demo = subprocess.Popen(
            [sys.executable, "-m", "pipelines.demo"], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
        )
        try:
            deadline, lines = time.monotonic() + 300, []
            while time.monotonic() < deadline:
                line = demo.stdout.readline()
                if not line:
                    break
                lines.append(line.strip())
                if line.startswith("waiting for another retrain"):
                    break
            assert lines and lines[-1] == f"waiting for another retrain of {first} to finish", lines[-5:]
            time.sleep(2)
            assert demo.poll() is None  # still waiting: nothing of the dataset ran
            assert not (layout.home / "data" / first).exists()
        finally:
            demo.kill()
            demo.wait()
