"""Word lists kept on disk between processes.

Building the name and vocabulary lists detection and masking look words up in (every Faker locale,
wordfreq, spaCy's stop words, the shipped lists) costs seconds of CPU in every process that detects or
masks PII: a pipeline step, a command. The lists depend only on this package's code and data and on the
versions of the libraries they are read from, so each is built once and read back from a cache folder
whose name is a fingerprint of those: ``$TWINFORGE_CACHE_DIR``, else the user's cache folder
(``~/.cache/twinforge``). They are public vocabulary, never values of a table. A cache that cannot be
read or written costs the build, nothing else. The lists decide what is masked, so a cache folder or file
another user could have written (not owned by this user, or writable by group or others: a shared
``$TWINFORGE_CACHE_DIR``) is never read.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import os
from collections.abc import Callable
from pathlib import Path

CACHE_DIR_ENV = "TWINFORGE_CACHE_DIR"
# the libraries the lists are read from: another version of one builds other lists
_SOURCE_LIBRARIES = ("faker", "wordfreq", "spacy", "presidio-analyzer")
_PACKAGE = Path(__file__).parent


def cache_folder() -> Path:
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit)
    import platformdirs

    return Path(platformdirs.user_cache_dir("twinforge", appauthor=False))


@functools.cache
def lists_fingerprint() -> str:
    """A digest of this package's files (code and shipped lists) and of the source libraries' versions."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for library in _SOURCE_LIBRARIES:
        try:
            version = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{library}={version}".encode())
    return digest.hexdigest()[:20]


def kept_on_disk(build: Callable[[], frozenset[str]]) -> Callable[[], frozenset[str]]:
    """``build`` (no arguments, a frozenset of words) built once per process and once per fingerprint:
    read from the cache folder when it is there, else built and written there (complete or not at all)."""

    @functools.wraps(build)
    @functools.lru_cache(maxsize=1)
    def cached() -> frozenset[str]:
        path = cache_folder() / lists_fingerprint() / f"{build.__module__}.{build.__qualname__}.json"
        trusted = _only_mine(path.parent.parent) and _only_mine(path.parent)
        try:
            if trusted and _only_mine(path):
                return frozenset(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            pass  # not built yet, or unreadable: build it
        words = build()
        if trusted:
            _write(path, sorted(words))
        return words

    return cached


def _only_mine(path: Path) -> bool:
    """Whether ``path`` is this user's and nobody else may write it (a missing path is: it will be made so)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def _write(path: Path, words: list[str]) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(words, ensure_ascii=False))
        os.replace(partial, path)  # a process reading at the same time sees the whole list or none
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
