"""`dagster job execute -m pipelines.definitions` under the usual umask 022: Dagster opens its instance databases
before the definitions set umask 077, and loading them takes group and other permissions off what it made,
so nothing under the state folder is readable by others after a run (docs/privacy.md, "File permissions")."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl

from tests.conftest import REPO


def test_a_run_under_umask_022_leaves_the_state_folder_owner_only(tmp_path):
    specs, home = tmp_path / "specs", tmp_path / "state"
    (home / "dagster").mkdir(parents=True, mode=0o700)
    home.chmod(0o700)
    specs.mkdir()
    shutil.copyfile(REPO / "pipelines" / "dagster.yaml", home / "dagster" / "dagster.yaml")
    source = tmp_path / "t.csv"
    pl.DataFrame({"age": [18 + i * 7 % 70 for i in range(300)], "result": ["pos", "neg", "neg"] * 100}).write_csv(
        source
    )
    (specs / "um.yaml").write_text(f"name: um\nsource: {{path: {source}}}\ngenerator: {{model: copula}}\n")
    env = {
        **os.environ,
        "TWINFORGE_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "TWINFORGE_SPECS": str(specs),
        "TWINFORGE_EXECUTOR": "in_process",
        "TWINFORGE_PSEUDONYM_KEY": "test-key-umask-" + "0123456789abcdef" * 2,
    }
    dagster = Path(sys.executable).parent / "dagster"
    command = [str(dagster), "job", "execute", "-m", "pipelines.definitions", "-j", "um_retrain"]
    command += ["--tags", json.dumps({"dagster/partition": "initial"})]
    subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, timeout=600, preexec_fn=lambda: os.umask(0o022)
    )  # its outcome (gates on 300 rows) is not the point: what it left behind is
    runs = home / "dagster" / "history" / "runs"
    assert {"index.db"} < {p.name for p in runs.glob("*.db")}  # the run happened: its event log is there
    lax = [
        f"{p.stat().st_mode & 0o777:o} {p}"
        for p in [home, *home.rglob("*")]
        if not p.is_symlink() and p.stat().st_mode & 0o077
    ]
    assert not lax, "\n".join(lax)
