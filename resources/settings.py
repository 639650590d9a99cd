import dagster as dg

from twinforge.io.state import StateLayout
from twinforge.privacy.anonymize import pseudonym_key_from_env
from twinforge.tracking.links import DagsterLinks


class TwinforgeSettings(dg.ConfigurableResource):
    """Where state lives. Secrets are read from the environment at use, never from config."""

    home: str = ""  # empty: $TWINFORGE_HOME, else the project's .twinforge
    # the Dagster UI, for run links recorded in MLflow (empty: $TWINFORGE_DAGSTER_UI_URL, else `make ui`'s)
    dagster_ui_url: str = ""

    @property
    def dagster_links(self) -> DagsterLinks:
        return DagsterLinks.at(self.dagster_ui_url)

    @property
    def layout(self) -> StateLayout:
        return StateLayout.at(self.home or None).ensure()

    def pseudonym_key(self) -> bytes | None:
        return pseudonym_key_from_env()
