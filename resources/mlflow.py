from pathlib import Path

import dagster as dg

from twinforge.io.state import StateLayout
from twinforge.tracking.links import MlflowLinks


class MlflowResource(dg.ConfigurableResource):
    """MLflow tracking + registry. Empty URI: SQLite and artifacts in the state folder.

    ``ui_url``: the MLflow UI that serves this store, for links in Dagster metadata (empty:
    ``$TWINFORGE_MLFLOW_UI_URL``, else ``make mlflow-ui``'s http://127.0.0.1:5000).
    """

    tracking_uri: str = ""
    home: str = ""
    ui_url: str = ""

    @property
    def links(self) -> MlflowLinks:
        return MlflowLinks.at(self.ui_url)

    @property
    def uri(self) -> str:
        return self.tracking_uri or StateLayout.at(self.home or None).ensure().mlflow_tracking_uri

    @property
    def artifact_root(self) -> Path | None:
        # a remote server decides where artifacts go; locally they sit in the state folder
        if self.tracking_uri and not self.tracking_uri.startswith("sqlite:"):
            return None
        return StateLayout.at(self.home or None).ensure().mlflow_artifacts
