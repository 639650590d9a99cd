"""Where twinforge keeps its state: one folder, local by default.

``TWINFORGE_HOME`` overrides the default, the ``.twinforge/`` folder of the
project (the nearest folder at or above the working directory holding
``workspace.yaml``), so the CLI, ``make`` and the Dagster daemon agree wherever
a command runs. Everything a run writes lives below it, so a test or a second
environment only needs another folder. Its folders are owner-only (see
:mod:`twinforge.io.permissions`).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from twinforge.io.permissions import could_not, make_private, os_reason, private_mkdir

# a finished run's scratch folders (sampled parts, step outputs) are kept this long, so that "re-execute from
# failure" can use them
SCRATCH_RETENTION_S = 24 * 3600

HOME_ENV = "TWINFORGE_HOME"
SPECS_ENV = "TWINFORGE_SPECS"
TRACKING_URI_ENV = "TWINFORGE_MLFLOW_TRACKING_URI"  # an MLflow server; unset: the state folder's SQLite store
DEFAULT_HOME = ".twinforge"
PROJECT_MARKER = "workspace.yaml"  # the Dagster workspace file at the root of a twinforge project


def find_project_root(start: str | os.PathLike | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the working directory) holding ``workspace.yaml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_MARKER).is_file():
            return folder
    return None


def resolve_home(home: str | os.PathLike | None = None) -> Path:
    """The state folder: ``home`` if given, else ``$TWINFORGE_HOME``, else the project's ``.twinforge``
    (``./.twinforge`` outside a project)."""
    chosen = str(home) if home else os.environ.get(HOME_ENV)
    if not chosen:
        root = find_project_root()
        chosen = str(root / DEFAULT_HOME) if root else DEFAULT_HOME
    return Path(chosen).expanduser().resolve()


def resolve_project_home(home: str | os.PathLike | None = None) -> Path:
    """Like :func:`resolve_home`, but never a guess: outside a project, without ``home`` or
    ``$TWINFORGE_HOME``, an error (a batch written to a stray ``./.twinforge`` is one no daemon reads)."""
    if not home and not os.environ.get(HOME_ENV) and find_project_root() is None:
        raise FileNotFoundError(
            f"no state folder: not inside a twinforge project (no {PROJECT_MARKER} here or above); "
            f"pass --home DIR or set {HOME_ENV} to the folder the Dagster daemon uses"
        )
    return resolve_home(home)


def existing_project_home(home: str | os.PathLike | None = None) -> Path:
    """:func:`resolve_project_home` for a command that only reads: a state folder named by ``home`` or
    ``$TWINFORGE_HOME`` must exist (a mistyped path is not a project where nothing has run); the project's own
    ``.twinforge`` may not exist yet."""
    path = resolve_project_home(home)
    if (home or os.environ.get(HOME_ENV)) and not path.exists():
        named = "--home" if home else HOME_ENV
        raise FileNotFoundError(
            f"the state folder {path} ({named}) does not exist: check the path (the first run, or "
            "`twinforge ingest-batch`, creates it)"
        )
    return path


def resolve_specs_dir(specs: str | os.PathLike | None = None) -> Path:
    """The folder of dataset specs: ``specs`` if given, else ``$TWINFORGE_SPECS``, else the project's
    ``pipelines/datasets``; an error says how to name one when none is found."""
    chosen = str(specs) if specs else os.environ.get(SPECS_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    root = find_project_root()
    if root is None:
        raise FileNotFoundError(
            f"no dataset specs: not inside a twinforge project (no {PROJECT_MARKER} here or above); "
            f"pass --specs DIR or set {SPECS_ENV}"
        )
    return root / "pipelines" / "datasets"


@dataclass(frozen=True)
class StateLayout:
    home: Path

    @classmethod
    def at(cls, home: str | os.PathLike | None = None) -> StateLayout:
        return cls(resolve_home(home))

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def staging_dir(self) -> Path:
        """Where a run's steps write the parts of a dataset before it is verified and moved under ``data_dir``."""
        return self.home / "staging"

    @property
    def steps_dir(self) -> Path:
        """The small JSON results a run's steps pass each other (plans and counts, never rows)."""
        return self.home / "steps"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    def published_dir(self, dataset: str) -> Path:
        """Where a dataset's daily twins are published (``<day>.parquet``, ``latest.parquet``)."""
        return self.home / "published" / dataset

    def unpublished_dir(self, dataset: str) -> Path:
        """Where published twins go when a batch their model was trained on is withdrawn (kept, not served)."""
        return self.home / "unpublished" / dataset

    def remove_run_scratch(
        self,
        finished_at: Callable[[str], float | None],
        keep: str | None = None,
        retention_s: float = SCRATCH_RETENTION_S,
    ) -> list[str]:
        """Remove the staging and step folders of runs that finished more than ``retention_s`` ago, except
        ``keep`` (the calling run); returns the run ids removed. A run that stopped half way leaves its parts
        there; a later run clears them.

        ``finished_at(run_id)``: when the run finished (epoch seconds), ``math.inf`` while it runs, or None when
        the caller does not know the run: another Dagster instance sharing this state folder may be running
        it, so its folders go only once nothing in them changed for ``retention_s``."""
        now = time.time()
        removed = set()
        for parent in (self.staging_dir, self.steps_dir):
            if not parent.is_dir():
                continue
            for folder in parent.iterdir():
                if not folder.is_dir() or folder.name == keep:
                    continue
                finished = finished_at(folder.name)
                last = _last_change(folder) if finished is None else finished
                if now - last > retention_s:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.add(folder.name)
        return sorted(removed)

    def retrain_lock(self, dataset: str) -> Path:
        """The lock file held while a retrain of ``dataset`` runs in this process (``make run``)."""
        return self.home / "locks" / f"{dataset}.retrain.lock"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def mlflow_db(self) -> Path:
        return self.home / "mlflow.db"

    @property
    def mlflow_artifacts(self) -> Path:
        return self.home / "mlartifacts"

    @property
    def mlflow_tracking_uri(self) -> str:
        # four slashes: sqlite wants an absolute path after "sqlite:///"
        return f"sqlite:///{self.mlflow_db}"

    def tracking_uri(self, explicit: str | None = None) -> str:
        """The MLflow tracking URI to use: ``explicit``, else ``$TWINFORGE_MLFLOW_TRACKING_URI`` (a tracking
        server, e.g. the production profile's), else the state folder's SQLite store."""
        return explicit or os.environ.get(TRACKING_URI_ENV) or self.mlflow_tracking_uri

    def check_folder(self) -> StateLayout:
        """Refuse a state folder path that holds something else (a file): reading it would find nothing and say
        that nothing has run, writing into it would fail on the first folder."""
        if self.home.exists() and not self.home.is_dir():
            raise ValueError(f"the state folder {self.home} is not a folder (check TWINFORGE_HOME or --home)")
        return self

    def ensure(self) -> StateLayout:
        """Create the folders, owner-only (0700) whatever the umask; the home itself is made 0700 too. For
        commands that write: one that only reads (``status``, a ``batches`` listing) uses the folder as it is."""
        self.check_folder()
        try:
            for d in (self.home, self.data_dir, self.reports_dir, self.models_dir, self.mlflow_artifacts):
                private_mkdir(d)
            if self.mlflow_db.exists():
                make_private(self.mlflow_db)
        except PermissionError as error:  # another user's state folder: only its owner may write in it
            raise ValueError(
                f"could not make {error.filename or self.home} owner-only ({os_reason(error)}): a command that "
                "writes needs a state folder its user owns"
            ) from None
        except OSError as error:  # a file in the way, a read-only disk, a folder no folder can be made in (/proc)
            raise ValueError(
                f"{could_not('set up the state folder', error.filename or self.home, error)}; check TWINFORGE_HOME"
            ) from None
        return self


def _last_change(folder: Path) -> float:
    """The newest modification time of ``folder`` and everything in it."""
    times = [folder.stat().st_mtime]
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            try:
                times.append(os.stat(os.path.join(root, name)).st_mtime)
            except FileNotFoundError:  # removed by its run meanwhile
                continue
    return max(times)
