"""Processes on this host: whether one is still running, and the memory left to this one."""

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


def available_memory() -> int | None:
    """Bytes of memory a process can still take without swapping (``MemAvailable`` of ``/proc/meminfo``, else
    the free pages); None where neither is known."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None
