"""Where twinforge keeps its state: one folder, local by default.

``TWINFORGE_HOME`` overrides the default ``.twinforge/`` (relative to the
working directory). Everything a run writes lives below it, so a test or a
second environment only needs another folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "TWINFORGE_HOME"
DEFAULT_HOME = ".twinforge"


def resolve_home(home: str | os.PathLike | None = None) -> Path:
    """The state folder: ``home`` if given, else ``$TWINFORGE_HOME``, else ``./.twinforge``."""
    chosen = str(home) if home else os.environ.get(HOME_ENV) or DEFAULT_HOME
    return Path(chosen).expanduser().resolve()


@dataclass(frozen=True)
class StateLayout:
    home: Path

    @classmethod
    def at(cls, home: str | os.PathLike | None = None) -> "StateLayout":
        return cls(resolve_home(home))

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

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

    def ensure(self) -> "StateLayout":
        for d in (self.home, self.data_dir, self.reports_dir, self.models_dir, self.mlflow_artifacts):
            d.mkdir(parents=True, exist_ok=True)
        return self
