"""Run the real `dagster dev` (webserver + daemon) against a temporary instance and talk GraphQL to it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DagsterDev:
    """`dagster dev -w workspace.yaml` on 127.0.0.1 with its own DAGSTER_HOME and TWINFORGE_HOME."""

    def __init__(self, home: Path, env: dict[str, str] | None = None, startup_timeout: float = 180.0):
        self.home = home
        self.port = free_port()
        self.dagster_home = home / "dagster"
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / "pipelines" / "dagster.yaml", self.dagster_home / "dagster.yaml")  # as `make` does
        self.env = {
            **os.environ,
            "DAGSTER_HOME": str(self.dagster_home),
            "TWINFORGE_HOME": str(home),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.log_path = home / "dagster-dev.log"
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> DagsterDev:
        dagster = Path(sys.executable).parent / "dagster"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(self.port)],
            cwd=REPO,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dagster dev exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if self.graphql("{ version }").get("version"):
                    return self
            except OSError:
                pass
            time.sleep(1.0)
        self.__exit__(None, None, None)
        raise TimeoutError(f"dagster dev did not answer within {self.startup_timeout} s:\n{self.log_tail()}")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # dev, code server, webserver and daemon together
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 30.0) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        req = urllib.request.Request(f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            payload = json.loads(resp.read())
        if payload.get("errors"):
            raise RuntimeError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def wait_for(self, predicate, timeout: float, interval: float = 2.0, what: str = "condition"):
        """Poll ``predicate()`` until it returns a truthy value; bounded in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise TimeoutError(f"{what} not reached within {timeout} s:\n{self.log_tail()}")


def temp_project(folder: Path, generator: dict | None = None) -> tuple[Path, dict[str, str]]:
    """The demo spec (with ``generator`` if given) in its own specs folder, a state folder with the
    instance settings `make` ships, and the environment that points the CLI, Dagster and twinforge at
    them: ``(state folder, environment)``."""
    import yaml

    from tests.conftest import DEMO_SPEC

    spec = yaml.safe_load(DEMO_SPEC.read_text())
    spec["source"]["path"] = str((DEMO_SPEC.parent / spec["source"]["path"]).resolve())
    if generator is not None:
        spec["generator"] = generator
    specs = folder / "specs"
    specs.mkdir()
    (specs / "covid_testing.yaml").write_text(yaml.safe_dump(spec))
    home = folder / "state"
    (home / "dagster").mkdir(parents=True)
    shutil.copyfile(REPO / "pipelines" / "dagster.yaml", home / "dagster" / "dagster.yaml")
    env = {**os.environ, "TWINFORGE_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"),
           "TWINFORGE_SPECS": str(specs), "TWINFORGE_PSEUDONYM_KEY": "test-key-6-" + "0123456789abcdef" * 2}  # fmt: skip
    return home, env


def quick_project(folder: Path) -> tuple[Path, dict[str, str]]:
    """:func:`temp_project` for tests of where things run and are stored, not of model quality: one epoch,
    small evaluation samples and gates every version passes keep a retrain to a few minutes on a busy machine."""
    import yaml

    from twinforge.config.quality import GateThresholds

    home, env = temp_project(folder, generator={"model": "transformer", "seed": 7, "params": {"epochs": 1}})
    spec_file = Path(env["TWINFORGE_SPECS"]) / "covid_testing.yaml"
    spec = yaml.safe_load(spec_file.read_text())
    spec["quality"] = {
        # every gate that is on by default, at its most lenient (one that is off, like the DP budget, stays off)
        "gates": {
            name: 0.0 if name.startswith("min_") else 1.0
            for name, field in GateThresholds.model_fields.items() if field.default is not None
        },
        "discriminator_rows": 500, "utility_rows": 1000, "privacy_rows": 1000, "privacy_queries": 200, "attacks": 100,
    }  # fmt: skip
    spec_file.write_text(yaml.safe_dump(spec))
    return home, env
