"""Lineage facts attached to every model and synthetic table (MLflow tags, Dagster metadata)."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from twinforge import __version__


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """``twinforge <version>`` plus the git commit of the checkout when there is one."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__
