"""Exclusive file locks between processes (``fcntl.flock``): released when the holder exits or dies,
so a killed process leaves no stale lock behind."""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from twinforge.io.permissions import make_private, private_mkdir


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
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
