"""Owner-only files: the state folder holds raw rows, quarantined values, models and run databases.

Entry points (the CLI's ``main``, :func:`pipelines.factory.build_definitions`, which the Dagster
code location and ``make run`` load) call :func:`restrict_umask`, so every file the process
creates afterwards (Parquet, JSON, ``mlflow.db``, MLflow artifacts, Dagster's SQLite databases)
is 0600 and every folder 0700, whatever umask the shell had. :func:`make_private` fixes paths
created earlier or by another process; :func:`tighten_tree` takes group and other permissions off a
whole tree (Dagster's instance folder, whose databases the Dagster CLI opens before the definitions load).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from twinforge.processes import pid_alive

OWNER_ONLY_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def restrict_umask() -> int:
    """Set the process umask to 077 (group and others get nothing); returns the previous one."""
    return os.umask(OWNER_ONLY_UMASK)


def make_private(path: str | os.PathLike, recursive: bool = False) -> None:
    """chmod ``path`` to 0700 (folder) or 0600 (file); with ``recursive``, everything below a folder too."""
    path = Path(path)
    if not path.exists() or path.is_symlink():
        return
    os.chmod(path, PRIVATE_DIR_MODE if path.is_dir() else PRIVATE_FILE_MODE)
    if recursive and path.is_dir():
        for root, dirs, files in os.walk(path):
            for d in dirs:
                if not os.path.islink(os.path.join(root, d)):
                    os.chmod(os.path.join(root, d), PRIVATE_DIR_MODE)
            for f in files:
                if not os.path.islink(os.path.join(root, f)):
                    os.chmod(os.path.join(root, f), PRIVATE_FILE_MODE)


def tighten_tree(path: str | os.PathLike) -> int:
    """Take group and other permissions off ``path`` and everything below it that has any (the owner's bits
    stay: a 0755 folder becomes 0700, a 0644 file 0600); symbolic links and what is not ours are left alone.
    For what another process created under a laxer umask: Dagster opens its instance databases (``runs.db``,
    ``index.db``, ``schedules.db``) before a code location's definitions, and so this process's umask, load.
    Returns how many paths it changed; a tree already tight costs one ``stat`` per entry."""
    root = Path(path)
    if not root.is_dir() or root.is_symlink():
        return 0
    uid = os.getuid()

    def tighten(entry: str) -> int:
        try:
            st = os.lstat(entry)
            if st.st_uid != uid or not st.st_mode & 0o077 or stat.S_ISLNK(st.st_mode):
                return 0
            os.chmod(entry, stat.S_IMODE(st.st_mode) & 0o700)
        except FileNotFoundError:  # gone meanwhile (a journal file SQLite removed)
            return 0
        return 1

    changed = tighten(str(root))
    for folder, dirs, files in os.walk(root):  # os.walk does not follow links to folders
        changed += sum(tighten(os.path.join(folder, name)) for name in (*dirs, *files))
    return changed


def private_mkdir(path: str | os.PathLike) -> Path:
    """Create ``path`` (and missing parents) as 0700 folders; an existing one is made 0700 too."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    for p in (path, *missing):
        make_private(p)
    return path


def os_reason(error: OSError) -> str:
    """The system's reason for ``error`` in lower case ("permission denied"): an OSError's message holds a path
    and this reason only, never a value read from a file."""
    return (error.strerror or type(error).__name__).lower()


def could_not(doing: str, path: str | os.PathLike, error: OSError) -> str:
    """``could not read PATH (permission denied)``: a failed file operation as one line for a user."""
    return f"could not {doing} {path} ({os_reason(error)})"


def write_problem(path: str | os.PathLike, folder: bool = False, files: tuple[str, ...] = ()) -> str | None:
    """Why ``path`` could not be written (a file :func:`write_private` writes, or with ``folder`` a folder of
    files), None when it can: checked before any work, so that a command whose output cannot be written stops
    before the minutes of work that would make it, and before writing its other outputs. It makes a nameless
    temporary file where writing would create one (the folder, or the nearest existing folder above a missing
    one): the real test, whatever decides it (permission bits, ACLs, a read-only mount, root squash). ``files``:
    the names written into the folder, none of which may be a folder there."""
    path = Path(path)
    try:
        if path.is_symlink():  # write_private replaces the link's target
            try:
                path = path.resolve()
            except RuntimeError:  # pathlib's word for a loop of links
                return f"could not write {path} (too many levels of symbolic links)"
        if path.exists():
            if folder != path.is_dir():
                return f"could not write {path} ({'not a folder' if folder else 'a folder is there'})"
            if not folder and not path.is_file():
                return None  # /dev/stdout, a pipe: written in place, as its owner allows
            where = path if folder else path.parent
            # each file written into the folder is checked as an output file of its own (a folder in its
            # place, a link whose target is replaced, another user's file in a sticky folder)
            problems = (write_problem(path / name) for name in files) if folder else ()
            problem = next((problem for problem in problems if problem is not None), None)
            if problem is not None:
                return problem
            if not folder and _sticky_keeps(path):
                return f"could not write {path} (operation not permitted: another user's file in a sticky folder)"
        else:
            where = next(p for p in path.parents if p.exists())  # missing folders are made there
            if not where.is_dir():
                return f"could not write {path} ({where} is not a folder)"
        with tempfile.TemporaryFile(dir=where):
            pass
    except OSError as error:
        return could_not("write", path, error)
    return None


def _sticky_keeps(target: Path) -> bool:
    """Whether the existing file ``target`` sits in a sticky folder (``/tmp``) that forbids this process to
    replace it: there only the file's owner or the folder's owner may rename over it, or a process with the
    capability to override file ownership (root's, unless dropped). A temporary file made in the folder does
    not test that."""
    folder = target.parent.stat()
    if not folder.st_mode & stat.S_ISVTX or _overrides_file_ownership():
        return False
    return os.geteuid() not in (folder.st_uid, target.stat().st_uid)


def _overrides_file_ownership() -> bool:
    """Whether this process holds CAP_FOWNER (Linux: read from its effective capabilities); elsewhere, root."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) & (1 << _CAP_FOWNER))
    except (OSError, ValueError, IndexError):
        pass
    return os.geteuid() == 0


_CAP_FOWNER = 3  # linux/capability.h


def write_private(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Have ``write`` write the file ``path`` as an owner-only file: into a file of its own beside it (created
    0600), then moved over it, so that a file there before, whatever its mode, is replaced rather than
    rewritten in place with its old permissions, and a reader never sees half of it. A symbolic link is
    followed (its target is replaced); a path that is not a regular file (``/dev/stdout``, a pipe) is
    written in place."""
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    if path.exists() and not path.is_file():
        write(path)
        return Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_writers_files(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".partial")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path


_PARTIAL_REST = re.compile(r"(\d+)\.[^.]+\.partial")


def _remove_dead_writers_files(path: Path) -> None:
    """Delete the temporary files of ``path`` whose writer process is gone (killed mid-write: no cleanup ran).
    A writer's process id is in its file's name (``.<name>.<pid>.<random>.partial``); files of a live process
    (on this host) are another writer's at work and stay, and so do those this process may not delete (another
    user's in a sticky folder such as ``/tmp``): they are in no one's way, since each writer names its own."""
    prefix = f".{path.name}."
    for candidate in path.parent.glob(f"{glob.escape(prefix)}*.partial"):
        # exactly <pid>.<random>.partial after the name (mkstemp's random part has no dot): not the file of
        # another path whose name merely starts with this one's (``data`` and ``data.1.csv``)
        writer = _PARTIAL_REST.fullmatch(candidate.name[len(prefix) :])
        if writer and not pid_alive(int(writer.group(1))):
            with contextlib.suppress(PermissionError):
                candidate.unlink(missing_ok=True)


def write_private_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` as :func:`write_private` does."""
    return write_private(path, lambda target: target.write_text(text, encoding="utf-8"))
