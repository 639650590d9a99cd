"""Processes on this host: whether one is still running."""

from __future__ import annotations

import os
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """True when ``pid`` is a live process on this host: not gone, not a zombie (exited, not yet reaped by its
    parent). Another user's process counts as alive; a number no process id can be (too large) as well, so a
    caller never treats an unknown process's files as its own to delete."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True
