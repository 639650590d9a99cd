"""Web links for the audit trail: MLflow UI pages, Dagster UI pages and report files.

The base URLs come from the caller (a Dagster resource) or the environment, else the addresses
``make mlflow-ui`` and ``make ui`` serve. Route formats are those of the pinned UIs: MLflow 3.17
(hash routes ``#/experiments/<id>/runs/<run>``, ``#/models/<name>/versions/<v>``) and Dagster 1.13
(``/runs/<run_id>``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

MLFLOW_UI_ENV = "TWINFORGE_MLFLOW_UI_URL"
DAGSTER_UI_ENV = "TWINFORGE_DAGSTER_UI_URL"
DEFAULT_MLFLOW_UI = "http://127.0.0.1:5000"  # `make mlflow-ui`
DEFAULT_DAGSTER_UI = "http://127.0.0.1:3000"  # `make ui`


def _base(explicit: str, env: str, default: str) -> str:
    url = explicit or os.environ.get(env) or default
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"UI base URL {url!r} (from {'config' if explicit else env}) must start with http(s)://")
    return url.rstrip("/")


@dataclass(frozen=True)
class MlflowLinks:
    """Pages of one MLflow UI."""

    base: str

    @classmethod
    def at(cls, base: str = "") -> MlflowLinks:
        """``base``, else ``$TWINFORGE_MLFLOW_UI_URL``, else the local ``make mlflow-ui`` address."""
        return cls(_base(base, MLFLOW_UI_ENV, DEFAULT_MLFLOW_UI))

    def run(self, experiment_id: str, run_id: str) -> str:
        return f"{self.base}/#/experiments/{quote(str(experiment_id))}/runs/{quote(run_id)}"

    def run_artifact(self, experiment_id: str, run_id: str, artifact_path: str) -> str:
        """The run page opened on one artifact (a logged report renders there)."""
        return f"{self.run(experiment_id, run_id)}/artifactPath/{quote(artifact_path)}"

    def model_version(self, model_name: str, version: str) -> str:
        return f"{self.base}/#/models/{quote(model_name, safe='')}/versions/{quote(str(version))}"


@dataclass(frozen=True)
class DagsterLinks:
    """Pages of one Dagster UI."""

    base: str

    @classmethod
    def at(cls, base: str = "") -> DagsterLinks:
        """``base``, else ``$TWINFORGE_DAGSTER_UI_URL``, else the local ``make ui`` address."""
        return cls(_base(base, DAGSTER_UI_ENV, DEFAULT_DAGSTER_UI))

    def run(self, run_id: str) -> str:
        return f"{self.base}/runs/{quote(run_id)}"


def file_url(path: str | Path) -> str:
    """A ``file://`` URL of a local file (a report written under the state folder)."""
    return Path(path).resolve().as_uri()
