import os
from pathlib import Path

import polars as pl
import pytest

# no telemetry or analytics from the stack during tests
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

REPO = Path(__file__).resolve().parents[1]
DEMO_CSV = REPO / "data" / "covid_testing.csv.gz"
DEMO_SPEC = REPO / "pipelines" / "datasets" / "covid_testing.yaml"


@pytest.fixture(scope="session")
def demo_table() -> pl.DataFrame:
    return pl.read_csv(DEMO_CSV)


@pytest.fixture
def one_thread():
    """OpenMP/BLAS capped at one thread: on a shared 2-core machine oversubscribed OpenMP runs 10x slower."""
    import sklearn.ensemble  # noqa: F401  (load the OpenMP runtime so the cap applies to it)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


TIERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(config, items):
    """Mark each test with its tier, taken from its folder (tests/unit, tests/integration, tests/e2e)."""
    for item in items:
        parts = Path(str(item.path)).relative_to(REPO / "tests").parts
        if parts[0] not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: tests live in tests/unit, tests/integration or tests/e2e")
        item.add_marker(getattr(pytest.mark, parts[0]))


@pytest.fixture
def umask_022():
    """The usual shell umask (files 0644) for the test, restored afterwards (entry points set 077)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def file_mode(path) -> int:
    """Permission bits of ``path`` (0o600, 0o700 ...)."""
    return os.stat(path).st_mode & 0o7777


def reseal(model_dir) -> None:
    """Record the SHA-256 of every file of a saved model in its ``model.json`` again, after a test has edited one
    on purpose: what a deliberate forger would do, so that the checks behind the digests stay tested."""
    import hashlib
    import json

    model_file = Path(model_dir) / "model.json"
    description = json.loads(model_file.read_text())
    description["files"] = {
        name: hashlib.sha256((Path(model_dir) / name).read_bytes()).hexdigest() for name in description["files"]
    }
    model_file.write_text(json.dumps(description))


def load_error_under_memory_cap(model_dir, gib: int = 6) -> str:
    """What ``load_generator(model_dir)`` says (its ValueError, or a crash's stderr) in a fresh process whose
    address space is capped at ``gib`` GiB: a load that would allocate more fails there instead of here."""
    import subprocess
    import sys

    script = (
        "import resource\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({gib} << 30, {gib} << 30))\n"
        "from twinforge.generators import load_generator\n"
        "try:\n"
        f"    load_generator({str(model_dir)!r})\n"
        "except ValueError as error:\n"
        "    print(error)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    return run.stdout + run.stderr[-3000:]


# as root, the capabilities that let a process ignore file permissions (root reads and writes anything, and
# chmods what it does not own): dropped to test what a command does where permissions apply
_OVERRIDING_CAPABILITIES = "-dac_override,-dac_read_search,-fowner,-chown,-fsetid"


def run_cli_as_a_user(argv: list[str], env: dict[str, str] | None = None, cwd=None):
    """``twinforge ARGV`` in a fresh process that file permissions apply to, as they do to an ordinary user: as
    root, under ``setpriv`` without the capabilities that override them (the process stays root, the owner of
    what the test made, and may still chmod it); skipped as root where setpriv is missing. Returns the
    ``subprocess.CompletedProcess`` (text)."""
    import shutil
    import subprocess
    import sys

    command = [sys.executable, "-m", "twinforge.cli", *argv]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv (util-linux): file permissions cannot be made to apply")
        command = [setpriv, f"--bounding-set={_OVERRIDING_CAPABILITIES}", "--inh-caps=-all", "--", *command]
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, env=environment, cwd=cwd, timeout=300)


def modes_under(folder: Path) -> dict[str, int]:
    """Every path under ``folder`` (itself included) -> its permission bits."""
    return {str(p): file_mode(p) for p in [folder, *folder.rglob("*")]}
