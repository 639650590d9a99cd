"""`make ui` / `make mlflow-ui` on a port another process holds stop at once and say which variable moves them
(``dagster dev`` went on running its daemon for this state folder while the browser showed the other server)."""

import os
import shutil
import socket
import subprocess

import pytest

from tests.conftest import REPO


@pytest.mark.parametrize(("target", "variable"), [("ui", "DAGSTER_UI_PORT"), ("mlflow-ui", "MLFLOW_UI_PORT")])
def test_a_ui_on_a_busy_port_fails_at_once_naming_the_variable(tmp_path, target, variable):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = {**os.environ, "TWINFORGE_HOME": str(tmp_path / "state")}
        env.pop("DAGSTER_HOME", None)
        done = subprocess.run(
            ["make", target, f"{variable}={port}"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
    assert done.returncode != 0
    assert f"port {port} on 127.0.0.1 is in use" in done.stderr
    assert f"make {target} {variable}=<free port>" in done.stderr
    assert "dagster dev" not in done.stdout and "mlflow server" not in done.stdout  # nothing was started
