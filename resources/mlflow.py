from pathlib import Path

import dagster as dg

from twinforge.io.state import StateLayout


class MlflowResource(dg.ConfigurableResource):
    """MLflow tracking + registry. Empty URI: SQLite and artifacts in the state folder."""

    tracking_uri: str = ""
    home: str = ""

    @property
    def uri(self) -> str:
        return self.tracking_uri or StateLayout.at(self.home or None).ensure().mlflow_tracking_uri

    @property
    def artifact_root(self) -> Path | None:
        # a remote server decides where artifacts go; locally they sit in the state folder
        if self.tracking_uri and not self.tracking_uri.startswith("sqlite:"):
            return None
        return StateLayout.at(self.home or None).ensure().mlflow_artifacts
