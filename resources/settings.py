import dagster as dg

from twinforge.io.state import StateLayout
from twinforge.privacy.anonymize import pseudonym_key_from_env


class TwinforgeSettings(dg.ConfigurableResource):
    """Where state lives. Secrets are read from the environment at use, never from config."""

    home: str = ""  # empty: $TWINFORGE_HOME, else the project's .twinforge

    @property
    def layout(self) -> StateLayout:
        return StateLayout.at(self.home or None).ensure()

    def pseudonym_key(self) -> bytes | None:
        return pseudonym_key_from_env()
