from pathlib import Path

import dagster as dg

from twinforge.io.state import StateLayout
from twinforge.tracking.links import MlflowLinks


class MlflowResource(dg.ConfigurableResource):
    """MLflow tracking + registry. Empty URI: ``$TWINFORGE_MLFLOW_TRACKING_URI`` (a tracking server, as the
    production profile sets), else SQLite and artifacts in the state folder.

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
        return StateLayout.at(self.home or None).ensure().tracking_uri(self.tracking_uri)

    @property
    def artifact_root(self) -> Path | None:
        # a remote server decides where artifacts go; locally they sit in the state folder
        if not self.uri.startswith("sqlite:"):
            return None
        return StateLayout.at(self.home or None).ensure().mlflow_artifacts
