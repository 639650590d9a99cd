"""Ctrl-C while `make run` waits for another retrain of the dataset (its lock held elsewhere) stops it at once.

Reproduced: SIGINT to `python -m pipelines.demo` blocked in "waiting for another retrain of covid_testing to finish"
did nothing until the other process released the lock (a whole retrain later); only then did it say
"interrupted". The blocking flock() was not interrupted by the signal."""

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time

from tests.conftest import REPO


def test_ctrl_c_stops_a_make_run_waiting_for_the_retrain_lock(tmp_path):
    home = tmp_path / "state"
    (home / "dagster").mkdir(parents=True)
    shutil.copy(REPO / "pipelines" / "dagster.yaml", home / "dagster" / "dagster.yaml")
    (home / "locks").mkdir()
    env = {**os.environ, "TWINFORGE_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"), "PYTHONPATH": str(REPO)}
    env["TWINFORGE_PSEUDONYM_KEY"] = "test-key-3-" + "0123456789abcdef" * 2
    log_path = tmp_path / "demo.log"
    with open(home / "locks" / "covid_testing.retrain.lock", "a") as held, open(log_path, "w") as log:
        fcntl.flock(held, fcntl.LOCK_EX)  # another `make run` retraining covid_testing
        demo = subprocess.Popen(
            [sys.executable, "-m", "pipelines.demo"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's foreground job
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 240
            while "waiting for another retrain of covid_testing" not in log_path.read_text():
                assert demo.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.5)
            demo.send_signal(signal.SIGINT)
            returncode = demo.wait(timeout=20)  # the lock is still held: only the signal can end it
        finally:
            if demo.poll() is None:
                demo.kill()
                demo.wait()
    assert returncode == 130
    assert "interrupted" in log_path.read_text()
