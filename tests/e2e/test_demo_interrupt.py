"""Ctrl-C during `make run` (python -m pipelines.demo) stops the demo: the run it reached is marked failed, no
further dataset is ingested or trained, and the command exits 130 with one line saying so."""

import os
import signal
import subprocess
import sys
import time

import polars as pl

from tests.conftest import REPO
from tests.e2e.dagster_dev import temp_project


def test_ctrl_c_stops_the_demo_before_the_next_dataset(tmp_path):
    home, env = temp_project(
        tmp_path, generator={"model": "vae", "seed": 0, "params": {"epochs": 500, "patience": 500}}
    )
    small = tmp_path / "next.csv"
    pl.DataFrame({"age": [18 + i * 7 % 70 for i in range(300)], "result": ["pos", "neg", "neg"] * 100}).write_csv(small)
    specs = tmp_path / "specs"
    (specs / "zz_next.yaml").write_text(f"name: zz_next\nsource: {{path: {small}}}\ngenerator: {{model: copula}}\n")
    log_path = tmp_path / "demo.log"
    with open(log_path, "w") as log:
        demo = subprocess.Popen(
            [sys.executable, "-m", "pipelines.demo"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own, as a terminal's foreground job has
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 600
            while "covid_testing__generator - epoch" not in log_path.read_text():
                assert demo.poll() is None, f"the demo ended before training:\n{log_path.read_text()[-3000:]}"
                assert time.monotonic() < deadline, "training never started"
                time.sleep(1)
            mark = len(log_path.read_text())
            os.killpg(demo.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground job
            assert demo.wait(timeout=180) == 130
        finally:
            if demo.poll() is None:
                os.killpg(demo.pid, signal.SIGKILL)
    after = log_path.read_text()[mark:]
    assert "interrupted: the covid_testing run was stopped; no further dataset was run" in after
    assert "zz_next__" not in after  # not one step of the next dataset ran
