"""`make run` on a state folder it cannot create or write: one line naming the folder and the system's reason, as
the `twinforge` commands say it, not a traceback.

Reproduced: TWINFORGE_HOME on a read-only file system made `python -m pipelines.demo` end in a traceback from
twinforge/io/permissions.py (`OSError: [Errno 30] Read-only file system: ...`)."""

import os
import subprocess
import sys

from tests.conftest import REPO


def test_make_run_names_a_state_folder_it_cannot_create(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    home = blocker / "state"  # under a file: no folder can be made there, whoever runs it
    env = {**os.environ, "TWINFORGE_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"), "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.demo"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("make run: error: could not set up the state folder ") and str(blocker) in line
    assert "TWINFORGE_HOME" in line
    assert not home.exists()
