"""The local production profile: PostgreSQL, an MLflow tracking server on it, Dagster's webserver and daemon.

``python -m pipelines.prod up`` (``make prod-up``) starts, under ``$TWINFORGE_HOME/prod``:

- PostgreSQL (the system's server binaries) on 127.0.0.1 and a free port, TCP only, with two databases:
  ``dagster`` (Dagster's run, event log and schedule storage via ``dagster-postgres``) and ``mlflow``;
- ``mlflow server`` on that database, serving artifacts itself (``--serve-artifacts``) from ``prod/mlflow-artifacts``;
- ``dagster-webserver`` and ``dagster-daemon`` as separate processes, on an instance (``prod/dagster``) whose
  ``dagster.yaml`` is ``pipelines/dagster.yaml`` with ``pipelines/dagster-prod.yaml`` on top.

The profile's processes get a state folder of their own, ``prod/state`` (their ``TWINFORGE_HOME``: landing files,
data, reports, models, locks), so that nothing they write lands in the dev profile's folders (``make run``,
``make ui``): the two pipelines would otherwise overwrite the same files, with two registries whose version numbers
collide. Batches are added to it with ``twinforge ingest-batch --home $TWINFORGE_HOME/prod/state``.

Each service's PID, port and log file are recorded in ``prod/profile.json``; ``down`` (``make prod-down``) stops
them by those PIDs, newest first. ``env`` prints the variables that point a shell (``dagster`` CLI, ``twinforge``)
at the running profile.

PostgreSQL refuses to run as root: as root, the server runs as the system's ``postgres`` user and its data
folder lives in that user's home (``~postgres/twinforge/<profile hash>``), since the owner-only state folder is
closed to other users.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from twinforge.io.permissions import private_mkdir, restrict_umask
from twinforge.io.state import TRACKING_URI_ENV, resolve_home
from twinforge.processes import pid_alive
from twinforge.tracking.links import DAGSTER_UI_ENV, MLFLOW_UI_ENV

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BASE_INSTANCE = PROJECT_ROOT / "pipelines" / "dagster.yaml"
PROD_INSTANCE = PROJECT_ROOT / "pipelines" / "dagster-prod.yaml"
WORKSPACE = PROJECT_ROOT / "workspace.yaml"
DAGSTER_POSTGRES_URL_ENV = "TWINFORGE_DAGSTER_POSTGRES_URL"  # read by pipelines/dagster-prod.yaml
PROFILE_FOLDER = "prod"
STATE_FOLDER = "state"  # the profile's own TWINFORGE_HOME, under PROFILE_FOLDER
DB_USER = "twinforge"
DAGSTER_DB = "dagster"
MLFLOW_DB = "mlflow"
SERVICE_ORDER = ("postgres", "mlflow", "webserver", "daemon")  # start order; stopped in reverse


class MissingSystemPackage(RuntimeError):
    """A server binary (PostgreSQL, Redis) is not installed."""


class ServiceError(RuntimeError):
    """A service did not start, or the profile is in a state that forbids the command."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def venv_tool(name: str) -> str:
    """An executable installed next to this Python (dagster-webserver, mlflow, celery ...)."""
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def wait_until(
    predicate: Callable[[], object], timeout: float, what: str, log: Path | None = None, interval: float = 0.5
) -> object:
    """Poll ``predicate`` (exceptions count as "not yet") until it returns a truthy value, at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except ServiceError:  # the predicate knows it will never be true
            raise
        except Exception:  # not listening yet, half-started ...
            value = None
        if value:
            return value
        time.sleep(interval)
    tail = f"; the end of {log}:\n{log_tail(log)}" if log else ""
    raise ServiceError(f"{what} not ready within {timeout:.0f} s{tail}")


def log_tail(log: Path | None, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:] if log and log.exists() else ""


def process_command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group ``pgid``."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue  # gone meanwhile
        if int(group) == pgid and state != "Z":
            members.append(int(stat.parent.name))
    return members


def stop_process(pid: int, marker: str, *, group: bool, sig: int = signal.SIGTERM, timeout: float = 30.0) -> bool:
    """Stop the process ``pid`` (with ``group``: every process of its process group, which ``spawn`` made
    ``pid``'s own) if it is still the one we started, i.e. its command line contains ``marker`` (a recycled
    PID belongs to someone else; a group id cannot be recycled while a member lives). ``sig`` first, SIGKILL
    after ``timeout`` s; returns once nothing of it is left, and whether there was anything to stop."""
    alive = (lambda: group_members(pid)) if group else (lambda: [pid] if pid_alive(pid) else [])
    if pid_alive(pid) and marker not in process_command(pid):
        return False
    if not alive():
        return False
    kill = os.killpg if group else os.kill
    for signum, wait in ((sig, timeout), (signal.SIGKILL, 30.0)):
        try:
            kill(pid, signum)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and alive():
            time.sleep(0.2)
        if not alive():
            break
    return True


def spawn(command: list[str], log: Path, env: dict[str, str], cwd: Path = PROJECT_ROOT) -> subprocess.Popen:
    """Start ``command`` in its own session (process group id = its PID), output appended to ``log``."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip


def http_get(url: str, timeout: float = 5.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.read()


def graphql(url: str, query: str, timeout: float = 30.0) -> dict:
    """POST ``query`` to the Dagster webserver at ``url``; the ``data`` of the answer."""
    body = json.dumps({"query": query}).encode()
    req = urllib.request.Request(f"{url}/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        payload = json.loads(resp.read())
    if payload.get("errors"):
        raise ServiceError(f"GraphQL errors: {payload['errors']}")
    return payload["data"]


# --- PostgreSQL -------------------------------------------------------------------------------------------


def postgres_tool(tool: str) -> str:
    """``initdb`` / ``postgres``: on the PATH, else the newest Debian ``/usr/lib/postgresql/*/bin``."""
    found = shutil.which(tool) or (sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}")) or [None])[-1]
    if not found:
        raise MissingSystemPackage(f"PostgreSQL's {tool} is not installed (apt-get install postgresql)")
    return found


def postgres_os_user() -> str | None:
    """The system user the server runs as: ``postgres`` when we are root (the server refuses root), else us."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise MissingSystemPackage("running as root and there is no 'postgres' user to run PostgreSQL as") from None
    return "postgres"


@dataclass
class PostgresServer:
    """One PostgreSQL server on 127.0.0.1 (TCP only, trust auth for ``user``), data in ``data_dir``."""

    data_dir: Path
    port: int
    log: Path
    user: str = DB_USER

    @property
    def os_user(self) -> str | None:
        return postgres_os_user()

    def _as_os_user(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", self.os_user, "--", *command] if self.os_user else command

    def url(self, database: str = "postgres", driver: str = "postgresql") -> str:
        return f"{driver}://{self.user}@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        """``initdb`` once (a data folder holding PG_VERSION is kept)."""
        initdb = postgres_tool("initdb")
        if self.os_user:
            self.data_dir.parent.mkdir(parents=True, exist_ok=True)
            shutil.chown(self.data_dir.parent, user=self.os_user)
        if (self.data_dir / "PG_VERSION").exists():
            return
        command = [initdb, "-D", str(self.data_dir), "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-instructions"]
        done = subprocess.run(self._as_os_user(command), cwd="/", capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise ServiceError(f"initdb {self.data_dir} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")

    def start(self, env: dict[str, str] | None = None, timeout: float = 120.0) -> int:
        """Start the server and wait until it accepts connections; returns the postmaster's PID."""
        command = [
            postgres_tool("postgres"), "-D", str(self.data_dir), "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
        ]  # fmt: skip
        proc = spawn(self._as_os_user(command), self.log, env or dict(os.environ), cwd=Path("/"))
        wait_until(lambda: proc.poll() is not None or self.accepts_connections(), timeout, "PostgreSQL", self.log)
        if proc.poll() is not None:
            raise ServiceError(f"PostgreSQL exited with {proc.returncode}:\n{log_tail(self.log)}")
        # under runuser the Popen PID is runuser's; the server's own PID is in postmaster.pid
        return self.postmaster_pid() or proc.pid

    def postmaster_pid(self) -> int | None:
        pidfile = self.data_dir / "postmaster.pid"
        try:
            return int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def accepts_connections(self) -> bool:
        import psycopg

        with psycopg.connect(self.url(), connect_timeout=2) as conn:
            conn.execute("select 1")
        return True

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            if conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone() is None:
                conn.execute(f'create database "{name}"')

    def stop(self, pid: int | None = None, timeout: float = 60.0) -> bool:
        """Fast shutdown (SIGINT: running queries are cancelled, committed data kept)."""
        pid = pid or self.postmaster_pid()
        return bool(pid) and stop_process(pid, "postgres", group=False, sig=signal.SIGINT, timeout=timeout)


@contextmanager
def temporary_postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server in a temporary folder, removed afterwards (tests)."""
    folder = Path(tempfile.mkdtemp(prefix="twinforge-pg-"))
    try:
        server = PostgresServer(folder / "data", free_port(), folder / "server.log")
        server.init()
        pid = server.start()
        try:
            yield server
        finally:
            server.stop(pid)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- the profile ------------------------------------------------------------------------------------------


def render_instance_config() -> dict:
    """``pipelines/dagster.yaml`` with ``pipelines/dagster-prod.yaml`` merged on top (nested keys merged)."""

    def merge(base: dict, top: dict) -> dict:
        out = dict(base)
        for key, value in top.items():
            out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        return out

    return merge(yaml.safe_load(BASE_INSTANCE.read_text()), yaml.safe_load(PROD_INSTANCE.read_text()))


@dataclass
class ProdProfile:
    """The production profile of the state folder ``home``: its servers' files live in ``home/prod``, and its
    pipeline's state (the ``TWINFORGE_HOME`` of its processes) in ``home/prod/state``, apart from ``home``'s."""

    home: Path

    @classmethod
    def at(cls, home: str | os.PathLike | None = None) -> ProdProfile:
        return cls(resolve_home(home))

    @property
    def root(self) -> Path:
        return self.home / PROFILE_FOLDER

    @property
    def state_home(self) -> Path:
        """The profile's state folder: landing files, data, reports, models (never the dev profile's ``home``)."""
        return self.root / STATE_FOLDER

    @property
    def state_file(self) -> Path:
        return self.root / "profile.json"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster"

    @property
    def artifacts(self) -> Path:
        return self.root / "mlflow-artifacts"

    @property
    def postgres_data(self) -> Path:
        user = postgres_os_user()
        if user is None:
            return self.root / "postgres"
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:16]
        return Path(pwd.getpwnam(user).pw_dir) / "twinforge" / digest

    def state(self) -> dict:
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    def _record(self, state: dict) -> None:
        self.state_file.write_text(json.dumps(state, indent=2))

    def running(self) -> dict[str, dict]:
        """The recorded services whose process is still alive."""
        alive = lambda s: "pid" in s and pid_alive(s["pid"]) and s["marker"] in process_command(s["pid"])
        return {name: s for name, s in self.state().items() if alive(s)}

    def postgres(self, port: int) -> PostgresServer:
        return PostgresServer(self.postgres_data, port, self.logs / "postgres.log")

    def env(self, state: dict | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
        """The environment that points Dagster (CLI, webserver, daemon, runs) and twinforge at the profile."""
        state = self.state() if state is None else state
        env = dict(os.environ if base is None else base)
        env.update(
            {"TWINFORGE_HOME": str(self.state_home), "DAGSTER_HOME": str(self.dagster_home), "PYTHONUNBUFFERED": "1"}
        )
        if "postgres" in state:
            # dagster-postgres is written for psycopg2 (SQLAlchemy 2.1's default driver is psycopg 3, whose
            # connections the webserver's threads find closed)
            postgres = self.postgres(state["postgres"]["port"])
            env[DAGSTER_POSTGRES_URL_ENV] = postgres.url(DAGSTER_DB, driver="postgresql+psycopg2")
        if "mlflow" in state:
            env[TRACKING_URI_ENV] = env[MLFLOW_UI_ENV] = state["mlflow"]["url"]
        if "webserver" in state:
            env[DAGSTER_UI_ENV] = state["webserver"]["url"]
        return env

    def up(self, timeout: float = 300.0) -> dict:
        """Start every service (see the module docstring) and wait until each is ready; returns the state
        recorded in ``profile.json``. On failure, what was started is stopped again."""
        restrict_umask()
        if self.running():
            raise ServiceError(f"the profile in {self.root} is already running ({', '.join(self.running())}); "
                               "run `make prod-down` first")  # fmt: skip
        if (self.postgres_data / "PG_VERSION").exists() and not self.state_home.exists():
            raise ServiceError(
                f"the production profile in {self.root} was made by an earlier twinforge, whose processes wrote into "
                f"the dev profile's state folder {self.home}: its databases record runs and model versions whose "
                f"files are there. To start it afresh in its own state folder {self.state_home}, remove "
                + ", ".join(str(p) for p in dict.fromkeys([self.postgres_data, self.dagster_home, self.artifacts]))
            )
        for folder in (self.root, self.state_home, self.logs, self.dagster_home / ".nux", self.artifacts):
            private_mkdir(folder)
        (self.dagster_home / "dagster.yaml").write_text(yaml.safe_dump(render_instance_config(), sort_keys=False))
        (self.dagster_home / ".nux" / "nux.yaml").write_text("seen: 1\n")
        state: dict = {}
        try:
            self._start_postgres(state, timeout)
            self._start_mlflow(state, timeout)
            self._start_dagster(state, timeout)
        except BaseException:
            self.down()
            raise
        return state

    def _start_postgres(self, state: dict, timeout: float) -> None:
        server = self.postgres(free_port())
        server.init()
        pid = server.start(timeout=timeout)
        state["postgres"] = {"pid": pid, "port": server.port, "marker": "postgres", "group": False,
                             "log": str(server.log), "data_dir": str(server.data_dir)}  # fmt: skip
        self._record(state)
        for database in (DAGSTER_DB, MLFLOW_DB):
            server.create_database(database)
        # every recorded batch becomes a partition of the profile's instance (what `make ui` does locally)
        done = subprocess.run([sys.executable, "-m", "pipelines.batches"], cwd=PROJECT_ROOT, env=self.env(state),
                              capture_output=True, text=True, timeout=timeout)  # fmt: skip
        if done.returncode != 0:
            raise ServiceError(f"registering the batches in the profile's instance failed:\n{done.stderr[-3000:]}")

    def _start_mlflow(self, state: dict, timeout: float) -> None:
        port, log = free_port(), self.logs / "mlflow.log"
        backend = self.postgres(state["postgres"]["port"]).url(MLFLOW_DB, driver="postgresql+psycopg")
        command = [
            venv_tool("mlflow"), "server", "--backend-store-uri", backend,
            "--serve-artifacts", "--artifacts-destination", str(self.artifacts),
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        ]  # fmt: skip
        # one worker and no job runner: a small machine
        env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        proc = spawn(command, log, env)
        url = f"http://127.0.0.1:{port}"
        state["mlflow"] = {
            "pid": proc.pid,
            "port": port,
            "url": url,
            "marker": "mlflow",
            "group": True,
            "log": str(log),
        }
        self._record(state)
        self._wait_for(proc, lambda: http_get(f"{url}/health").strip() == b"OK", timeout, "the MLflow server", log)

    def _start_dagster(self, state: dict, timeout: float) -> None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        state["webserver"] = {"url": url, "port": port}
        env = self.env(state)
        web_log, daemon_log = self.logs / "dagster-webserver.log", self.logs / "dagster-daemon.log"
        web = spawn([venv_tool("dagster-webserver"), "-w", str(WORKSPACE), "-h", "127.0.0.1", "-p", str(port)], web_log, env)  # fmt: skip
        state["webserver"].update(pid=web.pid, marker="dagster-webserver", group=True, log=str(web_log))
        self._record(state)
        daemon = spawn([venv_tool("dagster-daemon"), "run", "-w", str(WORKSPACE)], daemon_log, env)
        state["daemon"] = {"pid": daemon.pid, "marker": "dagster-daemon", "group": True, "log": str(daemon_log)}
        self._record(state)
        self._wait_for(web, lambda: graphql(url, "{ version }")["version"], timeout, "dagster-webserver", web_log)

        def daemons_healthy() -> bool:
            statuses = graphql(url, "{ instance { daemonHealth { allDaemonStatuses { required healthy } } } }")
            statuses = statuses["instance"]["daemonHealth"]["allDaemonStatuses"]
            return bool(statuses) and all(s["healthy"] for s in statuses if s["required"])

        self._wait_for(daemon, daemons_healthy, timeout, "dagster-daemon", daemon_log)

    @staticmethod
    def _wait_for(proc: subprocess.Popen, ready: Callable[[], object], timeout: float, what: str, log: Path) -> None:
        wait_until(lambda: proc.poll() is not None or ready(), timeout, what, log)
        if proc.poll() is not None:
            raise ServiceError(f"{what} exited with {proc.returncode}; the end of {log}:\n{log_tail(log)}")

    def down(self) -> list[str]:
        """Stop the recorded services by PID, in reverse start order; returns the names of those stopped."""
        state = self.state()
        stopped = []
        for name in reversed(SERVICE_ORDER):
            service = state.get(name)
            if not service or "pid" not in service:
                continue
            if name == "postgres":
                done = self.postgres(service["port"]).stop(service["pid"])
            else:
                done = stop_process(service["pid"], service["marker"], group=service["group"])
            if done:
                stopped.append(name)
        if self.state_file.exists():
            self.state_file.unlink()
        return stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.prod", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["up", "down", "status", "env"])
    parser.add_argument("--home", help="the state folder (default: $TWINFORGE_HOME, else the project's .twinforge)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds each service may take to be ready")
    args = parser.parse_args(argv)
    profile = ProdProfile.at(args.home)
    try:
        if args.command == "up":
            state = profile.up(args.timeout)
            print(f"production profile up in {profile.root} (its state folder: {profile.state_home})")
            for name in SERVICE_ORDER:
                s = state[name]
                where = s.get("url") or (f"127.0.0.1:{s['port']}" if "port" in s else "")
                print(f"  {name:<10} pid {s['pid']:<8} {where:<26} log {s['log']}")
        elif args.command == "down":
            stopped = profile.down()
            print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
        elif args.command == "status":
            running = profile.running()
            for name in SERVICE_ORDER:
                print(f"{name:<10} {'running, pid ' + str(running[name]['pid']) if name in running else 'stopped'}")
        else:
            if not profile.running():
                raise ServiceError(f"the profile in {profile.root} is not running: run `make prod-up` first")
            state = profile.state()
            keys = ("TWINFORGE_HOME", "DAGSTER_HOME", DAGSTER_POSTGRES_URL_ENV, TRACKING_URI_ENV, MLFLOW_UI_ENV, DAGSTER_UI_ENV)  # fmt: skip
            env = profile.env(state, base={})
            for key in keys:
                if key in env:
                    print(f"export {key}={shlex.quote(env[key])}")
    except (ServiceError, MissingSystemPackage) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
