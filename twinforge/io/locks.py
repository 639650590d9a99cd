"""Exclusive file locks between processes (``fcntl.flock``): released when the holder exits or dies,
so a killed process leaves no stale lock behind."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from twinforge.io.permissions import make_private, private_mkdir

# how often a waiting process tries the lock again: a blocking flock() in `make run` went on waiting through Ctrl-C
# (the process has other threads, which may take the signal), so the wait polls and the handler runs between tries
LOCK_POLL_SECONDS = 0.2


def _try_lock(handle) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def exclusive_lock(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the lock file ``path`` (created owner-only) for the block; when another process holds it,
    call ``on_wait`` once and wait for it."""
    private_mkdir(path.parent)
    with open(path, "a") as handle:
        make_private(path)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            while not _try_lock(handle):
                time.sleep(LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def shared_lock_if_present(path: Path) -> Iterator[None]:
    """Hold the lock file ``path`` shared for the block, for a reader of what :func:`exclusive_lock`'s holders
    write: it waits while one writes. The file is opened read-only and never created, so a reader needs no
    write access (a read-only state folder, another user's): with no file to open, no writer has taken the
    lock, and none is held."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, after the block
    except OSError:
        handle = None
    if handle is None:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
