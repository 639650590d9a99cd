"""Batches: the units in which a dataset's real data arrives.

A dataset's first batch is its spec's source, read where it is. Later batches are
files added with :func:`add_batch` (what ``twinforge ingest-batch`` and a production
feed call): each is copied into the landing folder ``<state>/landing/<dataset>/`` and
recorded, in arrival order, in that folder's ``batches.json``. The batch id is the
Dagster partition key of ``raw`` and ``anonymized``.

A file is checked at the door before anything is recorded (:meth:`BatchStore.add`):
it must be readable and non-empty, have exactly the first batch's columns, and hold
values of the first batch's types; a column whose values mostly do not parse is a
changed schema and rejects the file. Single cells that do not parse are the ingest
step's business (bad rows: quarantined or failing, per ``ingest.on_bad_rows``).

A batch's status is ``active`` (in every training window), ``held`` (its drift assessment
found it implausible: out of every window, triggering nothing, until someone approves it, which
makes it active again; or its blocking privacy checks, the spec's k and l, failed on ingest: out of
every window until an ingest passes them, no approval overrides that) or ``withdrawn`` (taken out of
every future window). Every change is
recorded in the batch's history with its reason; nothing is deleted.

Landing files hold raw data: the folder is created owner-only (0700) and copies are
read-only (0400). Adding a file whose content is already a batch returns that batch.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from twinforge.config.spec import EXTENSIONS, DatasetSpec, SpecError, format_from_name
from twinforge.io.locks import exclusive_lock
from twinforge.io.permissions import could_not, make_private
from twinforge.io.readers import file_name_problem
from twinforge.io.schema import ColumnKind
from twinforge.io.state import StateLayout

if TYPE_CHECKING:
    import polars as pl

MANIFEST = "batches.json"
BATCH_SUFFIXES = [s for s, fmt in EXTENSIONS.items() if fmt in ("csv", "parquet", "jsonl")]
INITIAL = "initial"
ACTIVE, HELD, WITHDRAWN = "active", "held", "withdrawn"
APPROVED = "approved"  # the history action of an approval (the status becomes active again)
REINSTATED = "reinstated"  # the history action of taking back a withdrawal
PRIVACY_FAILED = "privacy_checks_failed"  # the history action of a privacy failure recorded on a withdrawn batch
PRIVACY_HOLD = "privacy checks failed: "  # the reason of a hold no approval releases
# nor this one: a batch whose columns differ from the other batches' after anonymization cannot train with them
COLUMNS_HOLD = "columns differ from the other batches': "
# a column with more than this share of its non-null values not parsing as its type has changed type
MAX_UNPARSED_SHARE = 0.5


def _new_columns(extra: list[str], columns: list[str]) -> str:
    """A batch's columns the dataset lacks, for a message: by name, except those whose name free-text masking
    takes for personal data (a person's name as a header), which are given by their position."""
    if not extra:
        return "none"
    import polars as pl

    from twinforge.privacy.pii.mask import mask_text

    masked = mask_text(pl.Series(extra, dtype=pl.String)).to_list()
    shown = [
        repr(name)
        if kept == name
        else f"column {columns.index(name) + 1} (its name withheld: it reads as personal data)"
        for name, kept in zip(extra, masked, strict=True)
    ]
    return "[" + ", ".join(shown) + "]"


class BatchRejected(ValueError):
    """A file refused at the door; the message names the file and the columns, never a value."""


@dataclass(frozen=True)
class Batch:
    batch_id: str
    dataset: str
    added_at: str  # ISO 8601, UTC
    origin: str  # "spec" (the spec's source, read in place) or "landing" (a copied file)
    path: str | None  # the file to read; None for a SQL source, read from the spec
    sha256: str | None  # of the file when added; None for a SQL source
    original_name: str | None = None
    status: str = ACTIVE
    # status changes, oldest first: {"at", "status", "reason"}
    history: list[dict] = field(default_factory=list)
    # the first batch's columns and their kinds as read (before anonymization): later batches must match
    columns: dict[str, str] | None = None
    # the k-anonymity generalization its anonymization applied (KEnforcement.scheme); None: k not enforced
    k_scheme: dict | None = None
    # of its records as read (IngestResult.records_sha256): the same records re-encoded are not a new batch
    records_sha256: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def source_label(self, read_from: str) -> str:
        """What run metadata and logs call this batch's source, given where it was read from: the spec's own source
        as the spec names it (a path or URL its author chose), a landed file by its batch id, never by the name it
        arrived under (a feed's file names are not the operator's to choose, and land in Dagster's event log)."""
        return read_from if self.origin == "spec" else f"landing copy of batch {self.batch_id}"

    def check_unchanged(self, sha256: str) -> None:
        """Fail unless ``sha256`` (of the file just read for this batch) is the one recorded when the batch was
        added: a batch's rows are what the versions trained on it saw, and a changed file would silently make
        their lineage, and drift judged against them, refer to other rows."""
        if self.sha256 is not None and sha256 != self.sha256:
            raise BatchRejected(
                f"batch {self.batch_id} of {self.dataset}: its file {self.path} changed since the batch was recorded "
                f"(sha256 {self.sha256[:12]}... then, {sha256[:12]}... now). Restore the file, or add the new one "
                f"as a batch of its own (twinforge ingest-batch {self.dataset} FILE) with the spec's source pointing "
                "at the original"
            )


def landing_dir(layout: StateLayout, dataset: str) -> Path:
    return layout.home / "landing" / dataset


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_id(sha256: str | None, when: dt.datetime) -> str:
    # sortable by arrival, unique per content, valid as a Dagster partition key
    return when.strftime("%Y%m%dT%H%M%S%fZ") + (f"-{sha256[:8]}" if sha256 else "")


class BatchStore:
    """The batch manifest of one dataset under a state folder."""

    def __init__(self, spec: DatasetSpec, layout: StateLayout | None = None):
        self.spec = spec
        self.layout = layout or StateLayout.at()
        self.folder = landing_dir(self.layout, spec.name)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with exclusive_lock(self.folder / ".lock"):  # one writer at a time: a feed may add batches concurrently
            yield

    def _read(self) -> list[Batch]:
        """The manifest's batches. No lock is needed: :meth:`_write` replaces the file whole (a rename), so a
        reader sees it before or after a writer's change, never half of it; the lock orders writers only."""
        path = self.folder / MANIFEST
        try:
            # a file where a folder or the manifest belongs is no empty record: it would hide the batches there
            for where in (self.layout.home, self.folder.parent, self.folder):  # the state, landing, dataset folders
                if where.exists() and not where.is_dir():
                    raise ValueError(f"{where} is not a folder: the batch manifest {path} cannot be read")
            if not path.exists():
                return []
            if not path.is_file():
                raise ValueError(f"the batch manifest {path} is not a file")
            text = path.read_text()
        except OSError as error:  # a state folder the user may not read (another user's, or locked by its owner)
            raise ValueError(could_not("read", path, error)) from None
        try:
            return [Batch(**b) for b in json.loads(text)["batches"]]
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:  # names a field, not a value
            raise ValueError(f"the batch manifest {path} is damaged or not twinforge's: {error!r}") from None

    def _write(self, batches: list[Batch]) -> None:
        path = self.folder / MANIFEST
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"dataset": self.spec.name, "batches": [b.to_dict() for b in batches]}, indent=2))
        make_private(tmp)
        tmp.replace(path)  # atomic: a reader never sees half a manifest

    def list(self) -> list[Batch]:
        """Batches in arrival order (the initial one first)."""
        return self._read()

    def ids(self) -> list[str]:
        return [b.batch_id for b in self._read()]

    def active_ids(self) -> list[str]:
        """Batches that may train, in arrival order (held and withdrawn ones left out)."""
        return [b.batch_id for b in self._read() if b.status == ACTIVE]

    def active_before(self, batch_id: str) -> list[str]:
        """The active batches that arrived before ``batch_id`` (all active ones when it is unknown), in order."""
        ids = self.ids()
        stop = ids.index(batch_id) if batch_id in ids else len(ids)
        return [b for b in self.active_ids() if ids.index(b) < stop]

    def withdrawn_among(self, batch_ids: Iterable[str]) -> list[str]:
        """Those of ``batch_ids`` that are withdrawn now, in the order given."""
        withdrawn = {b.batch_id for b in self._read() if b.status == WITHDRAWN}
        return [b for b in batch_ids if b in withdrawn]

    def withdraw(self, batch_id: str, reason: str = "") -> Batch:
        """Take ``batch_id`` out of every future training window; recorded with ``reason``, not deleted. A batch
        withdrawn already is an error saying since when and why (its record is left as it is)."""
        batch = self.get(batch_id)
        if batch.status == WITHDRAWN:
            last = batch.history[-1] if batch.history else {}
            why = f": {last['reason']}" if last.get("reason") else ""
            raise ValueError(
                f"batch {batch_id!r} of {self.spec.name!r} is withdrawn already (since {last.get('at', '?')[:19]}{why}): "
                "nothing changed"
            )
        return self._set_status(batch_id, WITHDRAWN, reason)

    def reinstate(self, batch_id: str, reason: str = "") -> Batch:
        """Take back a withdrawal (recorded): the batch returns to the status it had before, so a held batch is
        held again (a privacy hold, also one recorded while it was withdrawn, still needs a passing ingest;
        a drift hold, an approval) and an active one trains from the next window on."""
        batch = self.get(batch_id)
        if batch.status != WITHDRAWN:
            raise ValueError(
                f"batch {batch_id!r} of {self.spec.name!r} is {batch.status}, not withdrawn: only a withdrawn batch "
                "is reinstated"
            )
        status, hold_reason = _status_before_withdrawal(batch)
        if status == HELD:
            note = f"{hold_reason} (reinstated{f': {reason}' if reason else ''})"
            return self._set_status(batch_id, HELD, note, action=REINSTATED, only_from=WITHDRAWN)
        return self._set_status(batch_id, ACTIVE, reason, action=REINSTATED, only_from=WITHDRAWN)

    def hold(self, batch_id: str, reasons: list[str]) -> Batch:
        """Keep an active batch out of every training window until :meth:`approve`; a no-op if not active."""
        return self._set_status(batch_id, HELD, "; ".join(reasons), only_from=ACTIVE)

    def approve(self, batch_id: str, reason: str = "") -> Batch:
        """Release a held batch: it becomes active (trains from the next window on); a retrain is requested.
        A batch held because its privacy checks failed is not released this way (see :meth:`record_privacy`)."""
        batch = self.get(batch_id)
        if batch.status != HELD:
            raise ValueError(
                f"batch {batch_id!r} of {self.spec.name!r} is {batch.status}, not held: only a held batch is approved"
            )
        if _held_for_privacy(batch):
            raise ValueError(
                f"batch {batch_id!r} of {self.spec.name!r} is held because its privacy checks failed, which no "
                "approval overrides: change the spec (privacy.k, privacy.l, column policies) and ingest it again"
            )
        if _last_reason(batch).startswith(COLUMNS_HOLD):
            raise ValueError(
                f"batch {batch_id!r} of {self.spec.name!r} is held because its {_last_reason(batch)}, which no "
                "approval overrides (no training window can take it with the others): withdraw it"
            )
        return self._set_status(batch_id, ACTIVE, reason, action=APPROVED, only_from=HELD)

    def record_privacy(self, batch_id: str, failures: list[str]) -> Batch:
        """Hold a batch whose blocking privacy checks (the spec's k and l) failed, so that no training window
        takes it, whatever a later run does; release one held only for that once they pass on a new ingest."""
        batch = self.get(batch_id)
        if failures:  # also over a drift hold, which an approval would release
            if batch.status == WITHDRAWN:  # recorded, so that reinstating it holds it
                reason = PRIVACY_HOLD + "; ".join(failures)
                return self._set_status(batch_id, WITHDRAWN, reason, action=PRIVACY_FAILED, only_from=WITHDRAWN)
            return self._set_status(batch_id, HELD, PRIVACY_HOLD + "; ".join(failures), only_from=batch.status)
        if batch.status == HELD and _held_for_privacy(batch):
            return self._set_status(batch_id, ACTIVE, "privacy checks passed on a new ingest", only_from=HELD)
        return batch

    def record_k_scheme(self, batch_id: str, scheme: dict | None) -> Batch:
        """Record the k-anonymity generalization a batch was anonymized under (None: k not enforced)."""
        with self._locked():
            batches = self._read()
            batches = [replace(b, k_scheme=scheme) if b.batch_id == batch_id else b for b in batches]
            self._write(batches)
        return self.get(batch_id)

    def reference_k_scheme(self) -> dict | None:
        """The generalization the first batch was anonymized under, for later batches to reuse (None: not
        recorded yet; the later batch then chooses its own, and stacking it with the first is refused)."""
        return self.ensure_initial().k_scheme

    def approvals(self) -> list[tuple[str, str]]:
        """``(batch id, approved at)`` of every approval still standing (the batch active since)."""
        out = []
        for b in self._read():
            if b.status == ACTIVE and b.history and b.history[-1].get("action") == APPROVED:
                out.append((b.batch_id, b.history[-1]["at"]))
        return out

    def was_approved(self, batch_id: str) -> bool:
        """True when ``batch_id`` was ever approved after a hold."""
        return any(change.get("action") == APPROVED for change in self.get(batch_id).history)

    def _set_status(
        self, batch_id: str, status: str, reason: str, *, action: str | None = None, only_from: str | None = None
    ) -> Batch:
        with self._locked():
            batches = self._read()
            index = next((i for i, b in enumerate(batches) if b.batch_id == batch_id), None)
            if index is None:
                raise KeyError(
                    f"dataset {self.spec.name!r} has no batch {batch_id!r} "
                    f"(batches: {', '.join(b.batch_id for b in batches) or 'none'})"
                )
            if only_from is not None and batches[index].status != only_from:
                return batches[index]  # changed meanwhile (e.g. withdrawn): leave it as it is
            change = {
                "at": _now().isoformat(),
                "status": status,
                "reason": reason,
                **({"action": action} if action else {}),
            }
            batches[index] = replace(batches[index], status=status, history=[*batches[index].history, change])
            self._write(batches)
            return batches[index]

    def reference_kinds(self) -> dict[str, ColumnKind]:
        """The first batch's columns and kinds as read; computed once (by reading it) and recorded."""
        initial = self.ensure_initial()
        if initial.columns is None:
            from twinforge.io.ingest import ingest_source

            options = self.spec.ingest.model_copy(update={"on_bad_rows": "quarantine"})
            read = ingest_source(self.spec.source, self.spec.columns, options)
            kinds = {c.name: c.kind.value for c in read.schema.columns}
            records = read.records_sha256()  # read once anyway: a later copy of the first batch is no new batch
            with self._locked():
                batches = self._read()
                batches = [
                    replace(b, columns=kinds, records_sha256=records) if b.batch_id == initial.batch_id else b
                    for b in batches
                ]
                self._write(batches)
            initial = replace(initial, columns=kinds)
        return {name: ColumnKind(kind) for name, kind in initial.columns.items()}

    def check(self, file: Path, shown_as: Path | None = None) -> tuple[int, str]:
        """Refuse ``file`` (:class:`BatchRejected`) unless it can be a batch of this dataset; its count of records
        and their digest (:meth:`~twinforge.io.ingest.IngestResult.records_sha256`). Messages name ``shown_as``
        (the file a user gave, when ``file`` is its staged copy)."""
        from twinforge.io.ingest import IngestError, ingest_source
        from twinforge.io.readers import BadRow

        shown = shown_as or file

        reference = self.reference_kinds()
        options = self.spec.ingest.model_copy(update={"on_bad_rows": "quarantine"})
        try:
            read = ingest_source(self.spec.source, self.spec.columns, options, path=file, reference=reference)
        except (IngestError, SpecError, OSError) as error:
            reason = str(error).removeprefix(f"{file}: ").removeprefix(f"{file.name}: ")
            reason = reason.replace(str(file), str(shown)).replace(file.name, shown.name)
            raise BatchRejected(f"{shown}: not accepted as a batch of {self.spec.name!r}: {reason}") from None
        except Exception as error:  # a reader's own error on a damaged file: name the file, not its content
            raise BatchRejected(
                f"{shown}: not accepted as a batch of {self.spec.name!r}: unreadable ({type(error).__name__})"
            ) from None
        columns = [c.name for c in read.schema.columns]
        missing = [c for c in reference if c not in columns]
        extra = [c for c in columns if c not in reference]
        if missing or extra:
            raise BatchRejected(
                f"{shown}: not accepted as a batch of {self.spec.name!r}: its columns differ from the dataset's "
                f"(missing: {missing or 'none'}; not in the dataset: {_new_columns(extra, columns)})"
            )
        changed = []
        if read.rows_quarantined:
            for column, count in read.quarantine.drop_nulls("column").group_by("column").len().iter_rows():
                parsed = read.rows_out - read.table.get_column(column).null_count()
                if count > MAX_UNPARSED_SHARE * (parsed + count):
                    changed.append(f"{column} ({count} of {read.rows_in} values are not {reference[column].value})")
        if changed:
            raise BatchRejected(
                f"{shown}: not accepted as a batch of {self.spec.name!r}: columns whose values do not have the "
                f"dataset's type: {'; '.join(changed)}"
            )
        if read.rows_quarantined and self.spec.ingest.on_bad_rows == "fail":
            raise BatchRejected(
                f"{shown}: not accepted as a batch of {self.spec.name!r}: {read.rows_quarantined} bad row(s) and "
                "ingest.on_bad_rows is 'fail' (first: "
                + "; ".join(
                    f"{BadRow(r['row'], r['reason'], r['column'], r['line']).where()}: {r['reason']}"
                    for r in read.quarantine.head(3).iter_rows(named=True)
                )
                + ")"
            )
        return read.rows_in, read.records_sha256()

    def get(self, batch_id: str) -> Batch:
        for b in self._read():
            if b.batch_id == batch_id:
                return b
        raise KeyError(
            f"dataset {self.spec.name!r} has no batch {batch_id!r} (batches: {', '.join(self.ids()) or 'none'})"
        )

    def ensure_initial(self) -> Batch:
        """The spec's source as the first batch, recorded once."""
        with self._locked():
            batches = self._read()
            for b in batches:
                if b.origin == "spec":
                    return b
            source = self.spec.source
            path = str(source.path) if source.path is not None and not source.is_sql else None
            sha = _sha256(Path(path)) if path and Path(path).is_file() else None
            batch = Batch(
                INITIAL, self.spec.name, _now().isoformat(), "spec", path, sha, Path(path).name if path else None
            )
            self._write([batch, *batches])
            return batch

    def add(self, file: str | Path) -> tuple[Batch, bool]:
        """Copy ``file`` into the landing folder as a new batch; ``(batch, True)``.

        A file whose content is already a batch is not copied again: ``(that batch, False)``.
        """
        file = Path(file)
        # first: every other message quotes the file, and the name would travel into listings and logs
        found = file_name_problem(file)
        if found is not None:
            raise BatchRejected(
                f"{file.parent / '<name withheld>'}: not accepted as a batch of {self.spec.name!r}: the file's name "
                f"holds personal data ({found}), and a batch's name is kept in its manifest and listings: rename "
                "the file (a name of dates and a feed's name is best)"
            )
        if file.is_dir():
            raise BatchRejected(f"{file} is a folder: a batch is one CSV, Parquet or JSON Lines file")
        if not file.is_file():
            raise FileNotFoundError(f"batch file not found: {file}")
        if format_from_name(file.name) not in ("csv", "parquet", "jsonl"):
            raise BatchRejected(f"{file}: a batch must be a CSV (.csv, .csv.gz), Parquet or JSON Lines file")
        self.ensure_initial()
        # One copy is hashed, checked and landed: a feed still writing the file changes nothing of it after that.
        staged, hold = self._stage(file)
        try:
            sha = _sha256(staged)
            for b in self._read():
                if b.sha256 == sha:
                    return b, False
            _, records = self.check(staged, shown_as=file)
            with self._locked():
                batches = self._read()
                for b in batches:
                    if b.sha256 == sha or b.records_sha256 == records:
                        return b, False
                when = _now()
                batch_id = _new_id(sha, when)
                target_dir = self.folder / batch_id
                target_dir.mkdir(mode=0o700)
                # named by the batch id, not the file: the landing path is the batch's source in run metadata
                target = target_dir / f"{batch_id}{_suffix(file.name)}"
                os.replace(staged, target)
                os.chmod(target, 0o400)
                batch = Batch(
                    batch_id, self.spec.name, when.isoformat(), "landing", str(target), sha, file.name,
                    records_sha256=records,
                )  # fmt: skip
                self._write([*batches, batch])
                return batch, True
        finally:
            staged.unlink(missing_ok=True)
            os.close(hold)

    def _stage(self, file: Path) -> tuple[Path, int]:
        """A private copy of ``file`` in the dataset's ``.incoming`` folder, and an open descriptor of it holding
        an exclusive lock while the add works on it: a copy no one holds a lock on was left by an add killed
        midway and is removed first (a process id would not tell: in a container every add is process 1). A
        file whose size or modification time changed while it was copied is refused: it is still being
        written, and a copy of half of it would land as a batch."""
        incoming = self.folder / ".incoming"
        incoming.mkdir(mode=0o700, exist_ok=True)
        for leftover in incoming.iterdir():
            _remove_unheld(leftover)
        handle, name = tempfile.mkstemp(dir=incoming, suffix=_suffix(file.name))
        staged = Path(name)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            before = file.stat()
            shutil.copyfile(file, staged)
            after = file.stat()
            if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
                raise BatchRejected(
                    f"{file}: not accepted as a batch of {self.spec.name!r}: it changed while it was copied (it is "
                    "probably still being written): add it once it is complete"
                )
        except BaseException:
            staged.unlink(missing_ok=True)
            os.close(handle)
            raise
        return staged, handle


def _remove_unheld(path: Path) -> None:
    """Delete the staged copy ``path`` unless an add holds its lock (see ``BatchStore._stage``)."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return  # gone already, or not ours to read
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another add is working on it
    finally:
        os.close(handle)
    path.unlink(missing_ok=True)


def _status_before_withdrawal(batch: Batch) -> tuple[str, str]:
    """``(status, reason)`` the batch had before its current withdrawal; a privacy failure recorded while it was
    withdrawn makes that a privacy hold."""
    index = len(batch.history)
    while index > 0 and batch.history[index - 1]["status"] == WITHDRAWN:
        index -= 1
        if batch.history[index].get("action") == PRIVACY_FAILED:
            return HELD, batch.history[index]["reason"]
    if index == 0:
        return ACTIVE, ""
    before = batch.history[index - 1]
    return before["status"], before.get("reason", "")


def _held_for_privacy(batch: Batch) -> bool:
    return _last_reason(batch).startswith(PRIVACY_HOLD)


def _last_reason(batch: Batch) -> str:
    return str(batch.history[-1].get("reason", "")) if batch.history else ""


def _suffix(name: str) -> str:
    """The format extension(s) of a batch file (``.csv.gz``), which tell its reader the format."""
    lowered = name.lower()
    return next(s for s in sorted(BATCH_SUFFIXES, key=len, reverse=True) if lowered.endswith(s))


def _sha256(path: Path) -> str:
    from twinforge.io.ingest import file_sha256

    return file_sha256(path)


def add_batch(spec: DatasetSpec, file: str | Path, home: str | os.PathLike | None = None) -> Batch:
    """Add ``file`` as a new batch of ``spec``'s dataset and return it (its id is the partition key)."""
    batch, _ = BatchStore(spec, StateLayout.at(home)).add(file)
    return batch


def training_window(batch_ids: list[str], window: int | None) -> list[str]:
    """The most recent ``window`` batches of ``batch_ids`` (in arrival order); all when None."""
    if window is None or window >= len(batch_ids):
        return list(batch_ids)
    return list(batch_ids[-window:])


def concat_batches(frames: dict, k_schemes: dict[str, dict | None] | None = None) -> pl.DataFrame:
    """Stack anonymized batches (DataFrames or LazyFrames, in order) into one table.

    Batches anonymized under different policies can disagree on columns; that is an error
    naming both batches rather than a silent union that could carry a dropped column. So are
    batches generalized differently for k-anonymity (``k_schemes``: batch -> its recorded
    :meth:`~twinforge.privacy.k_anonymity.KEnforcement.scheme`), whose bands would overlap.
    """
    import polars as pl

    from twinforge.privacy.k_anonymity import same_scheme

    collected = {b: (f.collect() if isinstance(f, pl.LazyFrame) else f) for b, f in frames.items()}
    if not collected:
        raise ValueError("no anonymized batch to train on: materialize at least one batch of `anonymized` first")
    first_id, first = next(iter(collected.items()))
    for batch_id, frame in collected.items():
        if frame.columns != first.columns:
            raise ValueError(
                f"anonymized batches {first_id!r} and {batch_id!r} have different columns "
                f"({first.columns} vs {frame.columns}): declare the columns' anonymize actions in the spec "
                "so every batch gets the same policy, then re-materialize the batches"
            )
        if k_schemes is not None and not same_scheme(k_schemes.get(first_id), k_schemes.get(batch_id)):
            steps = [(k_schemes.get(b) or {}).get("steps", "not recorded") for b in (first_id, batch_id)]
            raise ValueError(
                f"anonymized batches {first_id!r} and {batch_id!r} were generalized differently for k-anonymity "
                f"({steps[0]} vs {steps[1]}): re-materialize {batch_id!r} after {first_id!r}, so that it reuses "
                f"{first_id!r}'s generalization"
            )
    try:
        return pl.concat(list(collected.values()), how="vertical_relaxed")
    except pl.exceptions.PolarsError as error:
        raise ValueError(f"anonymized batches {list(collected)} cannot be stacked: {error}") from None
