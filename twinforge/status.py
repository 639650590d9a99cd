"""A dataset's state at a glance (``twinforge status``): batches, model versions, champion, drift.

Everything is read (never written: a store that does not exist is an error, a server that does not answer one
at once) from what the pipeline leaves behind, without Dagster: the batch manifest
(:class:`~twinforge.io.batches.BatchStore`), the stored anonymized and quarantine files under the
state folder, the MLflow registry's version tags (check and gate verdicts, promotion) and the drift
JSON reports ``<state>/reports/<dataset>/drift/<batch>/drift.json``. Counts and verdicts only,
never a cell value.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from twinforge.config.spec import DatasetSpec
from twinforge.io.batches import ACTIVE, BatchStore
from twinforge.io.permissions import could_not, os_reason
from twinforge.io.state import StateLayout
from twinforge.tracking.registry import (
    CHAMPION_ALIAS,
    CHECK_TAG_PREFIX,
    GATE_TAG_PREFIX,
    PROMOTION_TAG,
    RUN_STATUS_TAG,
    RegisteredVersion,
    get_alias_version,
    list_model_versions,
)

DRIFT_REPORTS_SHOWN = 5


@dataclass(frozen=True)
class BatchStatus:
    batch_id: str
    status: str  # whatever BatchStore records (active, withdrawn, ...)
    added_at: str
    ingested: bool  # its anonymized table is stored
    rows_anonymized: int | None
    rows_quarantined: int | None
    reason: str  # the reason of its last status change, if any


@dataclass(frozen=True)
class VersionStatus:
    version: str
    registered_at: str
    checks: dict[str, str]  # check name -> passed / failed
    gates: dict[str, str]  # gate name -> passed / failed / not applicable
    promotion: str  # champion / refused / "" (not decided)
    run_failed: bool
    withdrawn_batches: list[str] = field(default_factory=list)  # batches it was trained on, withdrawn since
    promotion_reason: str = ""  # why a refused version was refused (the promotion step's words: no values)

    @staticmethod
    def _failed(verdicts: dict[str, str]) -> list[str]:
        return sorted(k for k, v in verdicts.items() if v == "failed")

    @property
    def failed_checks(self) -> list[str]:
        return self._failed(self.checks)

    @property
    def failed_gates(self) -> list[str]:
        return self._failed(self.gates)


@dataclass(frozen=True)
class DriftStatus:
    batch_id: str
    written_at: str
    verdict: str | None  # retrain / no retrain / held; None: the report does not say
    drift_share: float | None
    moved_columns: list[str]  # Evidently's drifted columns and those an effect size or a hold names
    concept_drift: bool | None
    path: Path
    hold_reasons: list[str] = field(default_factory=list)  # names and numbers only


@dataclass(frozen=True)
class DatasetStatus:
    dataset: str
    model_name: str
    batches: list[BatchStatus] = field(default_factory=list)
    versions: list[VersionStatus] = field(default_factory=list)
    champion: str | None = None
    drift: list[DriftStatus] = field(default_factory=list)


def dataset_status(spec: DatasetSpec, layout: StateLayout, tracking_uri: str | None = None) -> DatasetStatus:
    """Collect ``spec``'s dataset status from ``layout``'s state folder and the MLflow store at
    ``tracking_uri`` (default: ``$TWINFORGE_MLFLOW_TRACKING_URI``, else the state folder's own)."""
    tracking_uri = layout.tracking_uri(tracking_uri)
    with _reading(layout):
        has_store = _store_to_read(layout, tracking_uri)
        if has_store:
            _check_store(tracking_uri)
        batches = _batches(spec, layout)
        drift = _drift(layout, spec.name)
    with _no_retries():
        try:
            versions = (
                _versions(tracking_uri, spec.registered_model_name, BatchStore(spec, layout)) if has_store else []
            )
            champion = (
                get_alias_version(tracking_uri, spec.registered_model_name, CHAMPION_ALIAS, existing=True)
                if versions
                else None
            )
        except Exception as error:  # noqa: BLE001 - MLflow raises several types for a store it cannot read
            raise ValueError(_store_problem(tracking_uri, error)) from None
    return DatasetStatus(
        dataset=spec.name,
        model_name=spec.registered_model_name,
        batches=batches,
        versions=versions,
        champion=champion,
        drift=drift,
    )


@contextlib.contextmanager
def _reading(layout: StateLayout):
    """A file or folder of the state folder the user may not read (another user's, or one its owner locked) as
    one line naming it: status reports what it can read and never changes a permission to read more."""
    try:
        yield
    except OSError as error:
        raise ValueError(f"{could_not('read', error.filename or layout.home, error)}: status reads the state "
                         "folder with the permissions it has, and changes none") from None  # fmt: skip


def _store_problem(tracking_uri: str, error: Exception) -> str:
    """Why the MLflow store could not be read, for a user: a local SQLite file is a file (its permissions), a
    server a service (whether it runs)."""
    if tracking_uri.startswith("sqlite:///"):
        path = Path(tracking_uri.removeprefix("sqlite:///"))
        try:
            path.open("rb").close()  # the file's own reason, when it is one (permission denied)
        except OSError as unreadable:
            return f"cannot read the MLflow store {path} ({os_reason(unreadable)})"
        return (
            f"cannot read the MLflow store {path}: {type(error).__name__} (a local SQLite file: is it one of MLflow's?)"
        )
    return (
        f"cannot read the MLflow tracking server at {_shown_uri(tracking_uri)}: {type(error).__name__} "
        "(check that it runs and TWINFORGE_MLFLOW_TRACKING_URI or --tracking-uri)"
    )


def versions_trained_on(
    spec: DatasetSpec, layout: StateLayout, batch_id: str, tracking_uri: str | None = None
) -> tuple[list[RegisteredVersion], str | None]:
    """The model versions trained on ``batch_id`` and the champion's version, from the MLflow store at
    ``tracking_uri`` (as :func:`dataset_status`); none while the state folder's own store does not exist."""
    tracking_uri = layout.tracking_uri(tracking_uri)
    if not _store_to_read(layout, tracking_uri):
        return [], None
    _check_store(tracking_uri)  # a store named that does not exist is an error, never created
    with _no_retries():
        versions = list_model_versions(tracking_uri, spec.registered_model_name, existing=True)
        trained = [v for v in versions if batch_id in v.training_batches]
        champion = (
            get_alias_version(tracking_uri, spec.registered_model_name, CHAMPION_ALIAS, existing=True)
            if trained
            else None
        )
    return trained, champion


def _store_to_read(layout: StateLayout, tracking_uri: str) -> bool:
    """False for the state folder's own store while it does not exist: nothing was registered, and looking must
    not create it."""
    return tracking_uri != layout.mlflow_tracking_uri or layout.mlflow_db.is_file()


def _check_store(tracking_uri: str) -> None:
    """ValueError for a SQLite store that does not exist: MLflow would create it (a read would write, and a
    mistyped URI would show an empty registry)."""
    if tracking_uri.startswith("sqlite:///"):
        path = Path(tracking_uri.removeprefix("sqlite:///"))  # sqlite:////abs/x.db or sqlite:///relative.db
        if not path.is_file():
            raise ValueError(
                f"the MLflow store {tracking_uri} does not exist: check TWINFORGE_MLFLOW_TRACKING_URI or "
                "--tracking-uri (status reads a store, never creates one)"
            )


# a status is what an operator runs during an incident: one try with a short timeout, not MLflow's minutes of
# retries against a server that is down
_HTTP_ONCE = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"}


@contextlib.contextmanager
def _no_retries():
    saved = {name: os.environ.get(name) for name in _HTTP_ONCE}
    os.environ.update(_HTTP_ONCE)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _shown_uri(uri: str) -> str:
    """``uri`` with any password masked."""
    return re.sub(r"(//[^/:@]*:)[^@/]*@", r"\1***@", uri)


def _row_count(path: Path) -> int | None:
    if not path.is_file():
        return None
    import polars as pl

    return pl.scan_parquet(path).select(pl.len()).collect().item()  # Parquet metadata: no value is read


def _batches(spec: DatasetSpec, layout: StateLayout) -> list[BatchStatus]:
    store = BatchStore(spec, layout)
    if not store.folder.is_dir():
        return []
    data = layout.data_dir / spec.name
    found = []
    for batch in store.list():
        anonymized = data / "anonymized" / f"{batch.batch_id}.parquet"
        history = batch.history[-1] if batch.history else {}
        found.append(
            BatchStatus(
                batch_id=batch.batch_id,
                status=batch.status,
                added_at=batch.added_at,
                ingested=anonymized.is_file(),
                rows_anonymized=_row_count(anonymized),
                rows_quarantined=_row_count(data / "quarantine" / f"{batch.batch_id}.parquet"),
                reason=str(history.get("reason") or ""),
            )
        )
    return found


def _versions(tracking_uri: str, model_name: str, store: BatchStore) -> list[VersionStatus]:
    def prefixed(tags: dict[str, str], prefix: str) -> dict[str, str]:
        return {k.removeprefix(prefix): v for k, v in tags.items() if k.startswith(prefix)}

    return [
        VersionStatus(
            version=v.version,
            registered_at=_utc(v.created_ms),
            checks=prefixed(v.tags, CHECK_TAG_PREFIX),
            gates=prefixed(v.tags, GATE_TAG_PREFIX),
            promotion=v.tags.get(PROMOTION_TAG, ""),
            promotion_reason=v.tags.get(f"{PROMOTION_TAG}.reason", ""),
            run_failed=v.tags.get(RUN_STATUS_TAG) == "failed",
            withdrawn_batches=store.withdrawn_among(v.training_batches),
        )
        for v in list_model_versions(tracking_uri, model_name, existing=True)
    ]


def _drift(layout: StateLayout, dataset: str) -> list[DriftStatus]:
    reports = sorted((layout.reports_dir / dataset / "drift").glob("*/drift.json"), key=lambda p: p.stat().st_mtime)
    found = []
    for path in reports[-DRIFT_REPORTS_SHOWN:]:
        try:
            report = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            report = {}  # shown as unreadable rather than hidden
        data = report.get("data_drift") or {}
        concept = report.get("concept_drift")
        verdict = report.get("verdict")
        if verdict is None and isinstance(report.get("retrain_recommended"), bool):  # written before verdicts
            verdict = "retrain" if report["retrain_recommended"] else "no retrain"
        drifted = list(data.get("drifted_columns") or [])
        found.append(
            DriftStatus(
                batch_id=str(report.get("batch_id", path.parent.name)),
                written_at=_utc(path.stat().st_mtime * 1000),
                verdict=verdict,
                drift_share=data.get("drift_share_observed"),
                moved_columns=[*drifted, *(c for c in report.get("moved_columns") or [] if c not in drifted)],
                concept_drift=concept.get("drifted") if isinstance(concept, dict) else None,
                path=path,
                hold_reasons=list(report.get("hold_reasons") or []),
            )
        )
    return found


def _utc(epoch_ms: float | None) -> str:
    if epoch_ms is None:
        return "?"
    return dt.datetime.fromtimestamp(epoch_ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _verdicts(verdicts: dict[str, str], failed: list[str]) -> str:
    if not verdicts:
        return "no result"
    passed = sum(v != "failed" for v in verdicts.values())
    return f"{passed}/{len(verdicts)} passed" + (f" (failed: {', '.join(failed)})" if failed else "")


def _yes_no(value: bool | None) -> str:
    return "?" if value is None else "yes" if value else "no"


def _promotion(version: VersionStatus, champion: str | None) -> str:
    """What the alias says (not a version's own tag, which an older twinforge never cleared on a superseded
    champion), and a champion whose run failed said loudly."""
    if version.version == champion:
        return f"{CHAMPION_ALIAS} (RUN FAILED)" if version.run_failed else CHAMPION_ALIAS
    if version.promotion == "refused":  # a refusal fails its run: the refusal is the news, not the failure
        return "refused"
    if version.run_failed:
        return "run failed"
    return "superseded" if version.promotion == CHAMPION_ALIAS else version.promotion or "-"


def withdrawn_champion_problem(dataset: str, version: str, withdrawn: list[str], replaceable: bool) -> str:
    """What a champion trained on batches withdrawn since means, and what replaces it; ``replaceable``: whether an
    active batch is ingested to train a replacement on (the withdrawn-retrain sensor needs one)."""
    problem = (
        f"{CHAMPION_ALIAS} version {version} was trained on withdrawn batch{'es' if len(withdrawn) > 1 else ''} "
        f"{', '.join(withdrawn)}: no daily twin is sampled from it until a retrain without "
        f"{'them' if len(withdrawn) > 1 else 'it'} replaces it"
    )
    if not replaceable:
        return f"{problem}; no active batch is ingested to train one on: add or reinstate a batch"
    return (
        f"{problem}: the `{dataset}_withdrawn_retrain` sensor requests one such retrain while the daemon runs (once "
        f"per champion and withdrawal: if it failed, launch `{dataset}_retrain`)"
    )


def ingested_active_batches(spec: DatasetSpec, layout: StateLayout) -> list[str]:
    """The active batches whose anonymized table is stored: what a retrain can train on."""
    folder = layout.data_dir / spec.name / "anonymized"
    return [b for b in BatchStore(spec, layout).active_ids() if (folder / f"{b}.parquet").is_file()]


def format_status(status: DatasetStatus) -> str:
    """The status as text for a terminal."""
    lines = [f"dataset {status.dataset}  (model {status.model_name})", ""]
    if status.batches:
        lines.append(f"batches ({len(status.batches)}):")
        lines.append(f"  {'batch':<34} {'status':<10} {'ingested':<9} {'rows':>9} {'quarantined':>11}  added (UTC)")
        for b in status.batches:
            lines.append(
                f"  {b.batch_id:<34} {b.status:<10} {_yes_no(b.ingested):<9} {_count(b.rows_anonymized):>9} "
                f"{_count(b.rows_quarantined):>11}  {b.added_at[:19].replace('T', ' ')}"
                + (f"  ({b.reason})" if b.reason else "")
            )
        counts: dict[str, int] = {}
        for b in status.batches:
            counts[b.status] = counts.get(b.status, 0) + 1
        ingested = sum(b.ingested for b in status.batches)
        quarantined = sum(b.rows_quarantined or 0 for b in status.batches)
        states = ", ".join(f"{n} {s}" for s, n in counts.items())
        lines.append(f"  {states}; {ingested} ingested; {quarantined:,} rows quarantined")
    else:
        lines.append("batches: none yet (the spec's source becomes batch `initial` on the first run)")
    lines.append("")
    if status.versions:
        lines.append(f"model versions ({len(status.versions)}); {CHAMPION_ALIAS}: version {status.champion or 'none'}")
        lines.append(f"  {'version':<8} {'registered (UTC)':<20} {'promotion':<10} checks; gates")
        for v in status.versions:
            promotion = _promotion(v, status.champion)
            lines.append(
                f"  {v.version:<8} {v.registered_at:<20} {promotion:<10} "
                f"checks {_verdicts(v.checks, v.failed_checks)}; gates {_verdicts(v.gates, v.failed_gates)}"
            )
            if promotion == "refused" and v.promotion_reason:
                lines.append(f"  {'':<8} refused: {v.promotion_reason}")
        champion = next((v for v in status.versions if v.version == status.champion), None)
        if champion is not None and champion.withdrawn_batches:
            replaceable = any(b.status == ACTIVE and b.ingested for b in status.batches)
            lines.append(
                f"  ! {withdrawn_champion_problem(status.dataset, champion.version, champion.withdrawn_batches, replaceable)}"
            )
    else:
        lines.append("model versions: none yet (`make run`, or the dataset's retrain job, trains one)")
    lines.append("")
    if status.drift:
        lines.append(f"drift (last {len(status.drift)} batch reports):")
        lines.append(f"  {'batch':<34} {'written (UTC)':<20} {'verdict':<10} {'share':>6}  concept  moved columns")
        for d in status.drift:
            share = "?" if d.drift_share is None else f"{d.drift_share:.0%}"
            lines.append(
                f"  {d.batch_id:<34} {d.written_at:<20} {d.verdict or '?':<10} {share:>6}  "
                f"{_yes_no(d.concept_drift):<7}  {', '.join(d.moved_columns) or '-'}"
            )
            lines += [f"    held: {reason}" for reason in d.hold_reasons]
    else:
        lines.append("drift: no batch drift report yet (a batch after the champion's training batches gets one)")
    return "\n".join(lines)
