"""MLflow tracking: one run per trained generator, one registered version per run.

Local by default (SQLite + a folder of artifacts under the state folder); any
tracking URI works, e.g. a remote server in production.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from twinforge.evaluation.models import QualityReport

CHAMPION_ALIAS = "champion"
TRAINING_BATCHES_TAG = "training_batches"  # JSON list of the batch ids a version was trained on
# on a version: "champion" once promoted, "superseded" once another version is, "refused" (with .reason) when not
# promoted, "rolled back" when its run failed after promoting it
PROMOTION_TAG = "promotion"
PREVIOUS_CHAMPION_TAG = (
    f"{PROMOTION_TAG}.previous_champion"  # the champion before this one ("none"): a rollback's target
)
# on a private generator's run and version: its whole DP accounting as JSON (what the quality report reads)
DP_ACCOUNTING_TAG = "dp_accounting"

# MLflow's own telemetry and its chatty loggers are off by default
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# per-file download bars flood the run logs of every sampling step
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


@dataclass(frozen=True)
class ModelVersionRef:
    model_name: str
    version: str
    run_id: str
    model_uri: str
    experiment_id: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _mlflow():
    import mlflow

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return mlflow


_CREATED_STORES: set[str] = set()  # local stores this process has seen created and migrated


def _create_local_store_once(mlflow, tracking_uri: str) -> None:
    """Create (migrate) a local SQLite store under a file lock beside it: MLflow migrates a new store on first use,
    and two processes migrating one at once collide (``table _alembic_tmp_... already exists``)."""
    if not tracking_uri.startswith("sqlite:///") or tracking_uri in _CREATED_STORES:
        return
    from twinforge.io.locks import exclusive_lock

    database = Path(tracking_uri.removeprefix("sqlite:///"))
    if database.parent.is_dir():  # else MLflow's own error names the missing folder
        with exclusive_lock(_creation_lock(tracking_uri)):
            client = mlflow.MlflowClient(tracking_uri, registry_uri=tracking_uri)
            client.search_experiments(max_results=1)  # the tracking store migrates the schema
            client.search_registered_models(max_results=1)  # the registry store checks it
    _CREATED_STORES.add(tracking_uri)


def _creation_lock(tracking_uri: str) -> Path:
    database = Path(tracking_uri.removeprefix("sqlite:///"))
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def tracking(tracking_uri: str, *, existing: bool = False) -> Iterator[Any]:
    """Point MLflow at ``tracking_uri`` for the block (registry follows it). ``existing``: the caller only reads a
    store it checked exists (``twinforge status``), so nothing is created: a creation under way is waited for
    through a shared lock, which needs no write access beside the store (a read-only or another user's state
    folder)."""
    mlflow = _mlflow()
    if existing and tracking_uri.startswith("sqlite:///"):
        from twinforge.io.locks import shared_lock_if_present

        with shared_lock_if_present(_creation_lock(tracking_uri)):
            pass  # a store being created is complete once its creator lets go
    else:
        _create_local_store_once(mlflow, tracking_uri)
    previous = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    try:
        yield mlflow
    finally:
        if previous:
            mlflow.set_tracking_uri(previous)
            mlflow.set_registry_uri(previous)


def ensure_experiment(mlflow, name: str, artifact_root: Path | None) -> str:
    exp = mlflow.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    location = (artifact_root / name).as_uri() if artifact_root else None
    return mlflow.create_experiment(name, artifact_location=location)


def log_generator(
    *,
    tracking_uri: str,
    experiment: str,
    artifact_root: Path | None,
    model_name: str,
    generator_dir: Path,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
    run_name: str | None = None,
    loss_history: Sequence[Mapping[str, float]] = (),
) -> ModelVersionRef:
    """Log one training run with its generator folder and register a new model version.

    ``tags`` go on the run and on the version (with ``mlflow_run_id``), so the version page shows the
    whole lineage. The pyfunc gets a signature: the sampling request's columns and the synthetic
    table's column names and types.
    ``loss_history`` (one mapping per epoch, with an ``epoch`` key) becomes per-epoch
    metrics (``loss``, ``validation_loss``, ...) with the epoch as step.
    """
    from twinforge.tracking import pyfunc_entry as mlflow_entry
    from twinforge.tracking.pyfunc import GENERATOR_ARTIFACT, sampling_signature

    with tracking(tracking_uri) as mlflow, scratch_dir() as staging:
        # MLflow stores a folder artifact under the folder's own name: stage it under a fixed one
        staged = Path(staging) / GENERATOR_ARTIFACT
        shutil.copytree(generator_dir, staged)
        experiment_id = ensure_experiment(mlflow, experiment, artifact_root)
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
            mlflow.set_tags(dict(tags))
            mlflow.log_params({k: _param_text(v) for k, v in params.items()})
            mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
            _log_loss_history(mlflow, run.info.run_id, loss_history)
            with warnings.catch_warnings():
                # MLflow's advice to log an input example (rows: never) and to declare integer columns as floats
                # (the signature describes outputs only): nothing a user of twinforge could act on
                warnings.filterwarnings("ignore", message=r".*An input example was not provided", category=UserWarning)
                warnings.filterwarnings(
                    "ignore", message=r"Hint: Inferred schema contains integer", category=UserWarning
                )
                info = mlflow.pyfunc.log_model(
                    name="model",
                    python_model=mlflow_entry.__file__,
                    artifacts={GENERATOR_ARTIFACT: str(staged)},
                    # column names and types only; no input example, which would store rows
                    signature=sampling_signature(staged),
                    pip_requirements=_pip_requirements(),
                )
            for location in (mlflow.get_artifact_uri(), mlflow.get_logged_model(info.model_id).artifact_location):
                _make_local_artifacts_private(location)
            # the version is created with its tags in one call: a process killed around registration leaves no
            # version that cannot be traced to its run
            registered = mlflow.register_model(
                info.model_uri, model_name, tags={"mlflow_run_id": run.info.run_id, **dict(tags)}
            )
        version = str(registered.version)
        return ModelVersionRef(
            model_name=model_name,
            version=version,
            run_id=run.info.run_id,
            model_uri=f"models:/{model_name}/{version}",
            experiment_id=experiment_id,
        )


def _make_local_artifacts_private(artifact_uri: str) -> None:
    """A run's artifacts in a local folder owner-only: MLflow copies ``pyfunc_entry.py`` with the
    repository file's mode (0644), whatever the umask. A server's artifact store is the server's."""
    from urllib.parse import unquote, urlparse

    from twinforge.io.permissions import make_private

    parsed = urlparse(artifact_uri)
    if parsed.scheme in ("", "file"):
        make_private(unquote(parsed.path), recursive=True)


@dataclass(frozen=True)
class DPTrackingEntries:
    """A private fit's accounting as MLflow params, metrics and tags (run and version)."""

    params: dict[str, Any]
    metrics: dict[str, float]
    tags: dict[str, str]


def dp_tracking_entries(accounting: Mapping[str, Any] | None) -> DPTrackingEntries:
    """The fit summary's ``dp`` accounting as MLflow entries; all empty for a model trained without DP."""
    if not accounting:
        return DPTrackingEntries({}, {}, {})
    params = {
        f"dp_{k}": accounting[k]
        for k in ("accountant", "noise_multiplier", "sample_rate", "steps", "max_grad_norm", "epsilon_budget", "delta")
    }
    metrics = {
        f"dp_{k}": float(accounting[k])
        for k in ("epsilon", "delta_spent", "statistics_epsilon", "training_epsilon", "noise_multiplier")
    }
    split = {"statistics": accounting["statistics_epsilon"], "training": accounting["training_epsilon"]}
    tags = {
        "dp_epsilon": f"{accounting['epsilon']:.6g}",
        "dp_delta": f"{accounting['delta_spent']:.6g}",
        "dp_epsilon_budget": f"{accounting['epsilon_budget']:.6g}",
        "dp_accountant": str(accounting["accountant"]),
        "dp_epsilon_split": json.dumps(split),
        DP_ACCOUNTING_TAG: json.dumps(dict(accounting), sort_keys=True),
    }
    return DPTrackingEntries(params, metrics, tags)


def recorded_dp_accounting(tracking_uri: str, model_name: str, version: str) -> dict[str, Any] | None:
    """The DP accounting recorded with a model version; None when it has none (or it does not parse)."""
    text = get_model_version(tracking_uri, model_name, version).tags.get(DP_ACCOUNTING_TAG)
    if not text:
        return None
    try:
        accounting = json.loads(text)
    except json.JSONDecodeError:
        return None
    return accounting if isinstance(accounting, dict) else None


def _log_loss_history(mlflow, run_id: str, loss_history: Sequence[Mapping[str, float]]) -> None:
    """Per-epoch losses as metric histories (step = epoch), in batches: one round trip per 1000 points."""
    import time

    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    points = [
        Metric(key=k, value=float(v), timestamp=now, step=int(entry["epoch"]))
        for entry in loss_history
        for k, v in entry.items()
        if k != "epoch"
    ]
    client = mlflow.MlflowClient()
    for start in range(0, len(points), 1000):
        client.log_batch(run_id, metrics=points[start : start + 1000])


def _param_text(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 6000 else text[:5997] + "..."


def _pip_requirements() -> list[str]:
    from importlib.metadata import version

    from twinforge import __version__

    return [f"twinforge=={__version__}", f"torch=={version('torch').split('+')[0]}", "polars", "pandas<3", "numpy"]


def log_run_artifacts(tracking_uri: str, run_id: str, paths: list[Path], artifact_path: str) -> None:
    with tracking(tracking_uri) as mlflow:
        client = mlflow.MlflowClient()
        for p in paths:
            client.log_artifact(run_id, str(p), artifact_path=artifact_path)


def log_run_metrics(tracking_uri: str, run_id: str, metrics: Mapping[str, float]) -> None:
    with tracking(tracking_uri) as mlflow:
        client = mlflow.MlflowClient()
        for k, v in metrics.items():
            client.log_metric(run_id, k, float(v))


def set_run_tags(tracking_uri: str, run_id: str, tags: Mapping[str, str]) -> None:
    with tracking(tracking_uri) as mlflow:
        client = mlflow.MlflowClient()
        for k, v in tags.items():
            client.set_tag(run_id, k, v)


GATE_TAG_PREFIX = "gate."  # one model-version tag per promotion gate: passed / failed / not applicable
CHECK_TAG_PREFIX = "check."  # one model-version tag per blocking check on its synthetic sample: passed / failed


def quality_verdict_tags(report: QualityReport | Mapping[str, Any]) -> dict[str, str]:
    """The report's overall verdict and each gate's, as MLflow tags."""
    from twinforge.evaluation.models import as_report

    report = as_report(report)
    gates = {
        f"{GATE_TAG_PREFIX}{name}": "not applicable" if not g.applicable else "passed" if g.passed else "failed"
        for name, g in report.gates.items()
    }
    return {
        "quality_gates_passed": str(report.passed).lower(),
        "quality_gates_failed": ",".join(report.failed_gates) or "none",
        **gates,
    }


def log_quality_report(
    tracking_uri: str,
    run_id: str,
    report: QualityReport | Mapping[str, Any],
    files: list[Path],
    *,
    model_version: tuple[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
) -> None:
    """Attach an evaluation report (typed, or its JSON form) to a model's run: its files, headline numbers as
    metrics, the verdicts (overall and per gate) plus ``tags`` as tags of the run and, given
    ``model_version`` (name, version), of that registered version too."""
    from twinforge.evaluation.models import as_report

    report = as_report(report)
    log_run_artifacts(tracking_uri, run_id, files, artifact_path="reports")
    log_run_metrics(tracking_uri, run_id, report.headline())
    verdicts = {**quality_verdict_tags(report), **(tags or {})}
    set_run_tags(tracking_uri, run_id, verdicts)
    if model_version is not None:
        set_model_version_tags(tracking_uri, *model_version, verdicts)


def set_champion(tracking_uri: str, model_name: str, version: str, dagster_run_id: str) -> str | None:
    """Give ``version`` the champion alias; returns the previous champion's version. The previous champion is
    written on ``version`` before the alias moves (a rollback's target, whatever happens next) and is tagged
    superseded afterwards."""
    previous = get_alias_version(tracking_uri, model_name, CHAMPION_ALIAS)
    tags = {f"{PROMOTION_TAG}.dagster_run_id": dagster_run_id}
    if previous != version:  # promoted again: its rollback target stays the one before it
        tags[PREVIOUS_CHAMPION_TAG] = previous or "none"
    set_model_version_tags(tracking_uri, model_name, version, tags)
    with tracking(tracking_uri) as mlflow:
        mlflow.MlflowClient().set_registered_model_alias(model_name, CHAMPION_ALIAS, version)
    set_model_version_tags(tracking_uri, model_name, version, {PROMOTION_TAG: CHAMPION_ALIAS})
    if previous is not None and previous != version:
        set_model_version_tags(
            tracking_uri, model_name, previous, {PROMOTION_TAG: "superseded", f"{PROMOTION_TAG}.superseded_by": version}
        )
    return previous


def get_alias_version(
    tracking_uri: str, model_name: str, alias: str = CHAMPION_ALIAS, *, existing: bool = False
) -> str | None:
    """The version ``alias`` points at (None when none); ``existing``: as :func:`tracking`'s."""
    from mlflow.exceptions import MlflowException

    with tracking(tracking_uri, existing=existing) as mlflow:
        try:
            return str(mlflow.MlflowClient().get_model_version_by_alias(model_name, alias).version)
        except MlflowException:
            return None


def champion_training_batches(tracking_uri: str, model_name: str) -> tuple[str, list[str]] | None:
    """The champion's version and the batches it was trained on; None while there is no champion."""
    version = get_alias_version(tracking_uri, model_name, CHAMPION_ALIAS)
    if version is None:
        return None
    tags = get_model_version(tracking_uri, model_name, version).tags
    return version, json.loads(tags.get(TRAINING_BATCHES_TAG, "[]"))


PROFILE_ARTIFACT = "expectations/profile.json"  # the training data's expectation profile, per version
PROCESS_ARTIFACT = "process_columns.json"  # a version's process-column parameters (ProcessModel.to_dict())


def log_run_dict(tracking_uri: str, run_id: str, data: dict, artifact_file: str) -> None:
    with tracking(tracking_uri) as mlflow:
        mlflow.MlflowClient().log_dict(run_id, data, artifact_file)


def load_version_dict(tracking_uri: str, model_name: str, version: str, artifact_file: str) -> dict:
    """A JSON artifact of the MLflow run behind a registered version."""
    run_id = get_model_version(tracking_uri, model_name, version).run_id
    with tracking(tracking_uri) as mlflow:
        return mlflow.artifacts.load_dict(f"runs:/{run_id}/{artifact_file}")


def get_run_params(tracking_uri: str, run_id: str) -> dict[str, str]:
    with tracking(tracking_uri) as mlflow:
        return dict(mlflow.MlflowClient().get_run(run_id).data.params)


def set_model_version_tags(tracking_uri: str, model_name: str, version: str, tags: Mapping[str, str]) -> None:
    with tracking(tracking_uri) as mlflow:
        client = mlflow.MlflowClient()
        for k, v in tags.items():
            client.set_model_version_tag(model_name, version, k, v)


def get_model_version(tracking_uri: str, model_name: str, version: str):
    with tracking(tracking_uri) as mlflow:
        return mlflow.MlflowClient().get_model_version(model_name, version)


@dataclass(frozen=True)
class RegisteredVersion:
    version: str
    created_ms: int | None
    tags: dict[str, str]

    @property
    def training_batches(self) -> list[str]:
        """The batches the version was trained on (its ``training_batches`` tag; none recorded: empty)."""
        return json.loads(self.tags.get(TRAINING_BATCHES_TAG, "[]"))


def list_model_versions(tracking_uri: str, model_name: str, *, existing: bool = False) -> list[RegisteredVersion]:
    """Every version of ``model_name`` with its tags, oldest first; empty when the model does not exist.
    ``existing``: as :func:`tracking`'s."""
    with tracking(tracking_uri, existing=existing) as mlflow:
        found = mlflow.MlflowClient().search_model_versions(f"name = '{model_name}'")
    versions = [RegisteredVersion(str(v.version), v.creation_timestamp, dict(v.tags)) for v in found]
    return sorted(versions, key=lambda v: int(v.version))


def version_run(tracking_uri: str, model_name: str, version: str) -> tuple[str, str]:
    """The MLflow run behind a registered version, as (experiment id, run id)."""
    with tracking(tracking_uri) as mlflow:
        client = mlflow.MlflowClient()
        run_id = client.get_model_version(model_name, version).run_id
        return client.get_run(run_id).info.experiment_id, run_id


def download_generator(tracking_uri: str, model_name: str, version: str, dst: Path) -> Path:
    """Download a registered version's generator folder; returns its local path."""
    from twinforge.tracking.pyfunc import GENERATOR_ARTIFACT

    with tracking(tracking_uri) as mlflow:
        local = mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{model_name}/{version}", dst_path=str(dst))
    folder = Path(local) / "artifacts" / GENERATOR_ARTIFACT
    if not (folder / "model.json").is_file():
        raise FileNotFoundError(f"model {model_name} version {version} has no generator artifact at {folder}")
    return folder


def scratch_dir(prefix: str = "twinforge-") -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=prefix)


RUN_STATUS_TAG = "twinforge.run_status"  # "failed" on versions whose Dagster run did not finish


def versions_of_run(tracking_uri: str, model_name: str, dagster_run_id: str) -> list[str]:
    """Versions of ``model_name`` registered by the Dagster run ``dagster_run_id``."""
    with tracking(tracking_uri) as mlflow:
        found = mlflow.MlflowClient().search_model_versions(
            f"name = '{model_name}' and tags.dagster_run_id = '{dagster_run_id}'"
        )
        return sorted((str(v.version) for v in found), key=int)


def mark_run_versions_failed(tracking_uri: str, model_name: str, dagster_run_id: str, reason: str) -> list[str]:
    """Tag every version registered by a run that did not finish as failed; those versions are never
    promoted (promotion needs their own run's check verdicts). A champion among them (the run failed after
    promoting it) is rolled back: the alias returns to the champion before it that did not fail, or is removed.
    Returns the versions tagged."""
    versions = versions_of_run(tracking_uri, model_name, dagster_run_id)
    for version in versions:
        set_model_version_tags(
            tracking_uri, model_name, version, {RUN_STATUS_TAG: "failed", "twinforge.run_failure": reason[:500]}
        )
    champion = get_alias_version(tracking_uri, model_name, CHAMPION_ALIAS)
    if champion in versions:
        roll_back_champion(tracking_uri, model_name, champion)
    return versions


def roll_back_champion(tracking_uri: str, model_name: str, version: str) -> str | None:
    """Move the champion alias off ``version`` to the champion before it (following the chain past versions
    whose run failed), or remove it when there is none; returns the new champion."""
    target = get_model_version(tracking_uri, model_name, version).tags.get(PREVIOUS_CHAMPION_TAG, "none")
    seen = {version}
    while target != "none" and target not in seen:
        seen.add(target)
        tags = get_model_version(tracking_uri, model_name, target).tags
        if tags.get(RUN_STATUS_TAG) != "failed":
            break
        target = tags.get(PREVIOUS_CHAMPION_TAG, "none")
    else:
        target = "none"
    with tracking(tracking_uri) as mlflow:
        client = mlflow.MlflowClient()
        if target == "none":
            client.delete_registered_model_alias(model_name, CHAMPION_ALIAS)
        else:
            client.set_registered_model_alias(model_name, CHAMPION_ALIAS, target)
    set_model_version_tags(tracking_uri, model_name, version, {PROMOTION_TAG: "rolled back"})
    if target != "none":
        set_model_version_tags(tracking_uri, model_name, target, {PROMOTION_TAG: CHAMPION_ALIAS})
    return None if target == "none" else target


TRAINING_FINGERPRINT_TAG = "twinforge.training_fingerprint"


def version_with_fingerprint(
    tracking_uri: str,
    model_name: str,
    fingerprint: str,
    run_succeeded: Callable[[str | None], bool] | None = None,
) -> ModelVersionRef | None:
    """The newest version trained from exactly this fingerprint (see lineage.training_fingerprint) whose
    run did not fail and, with ``run_succeeded``, whose registering run (its ``dagster_run_id`` tag) is
    known to have succeeded; None when there is none."""
    with tracking(tracking_uri) as mlflow:
        client = mlflow.MlflowClient()
        try:
            found = client.search_model_versions(
                f"name = '{model_name}' and tags.`{TRAINING_FINGERPRINT_TAG}` = '{fingerprint}'"
            )
        except mlflow.exceptions.MlflowException:
            return None  # no registered model yet
        usable = [v for v in found if v.tags.get(RUN_STATUS_TAG) != "failed"]
        if run_succeeded is not None:
            usable = [v for v in usable if run_succeeded(v.tags.get("dagster_run_id"))]
        if not usable:
            return None
        newest = max(usable, key=lambda v: int(v.version))
        return ModelVersionRef(
            model_name=model_name,
            version=str(newest.version),
            run_id=newest.run_id,
            model_uri=f"models:/{model_name}/{newest.version}",
            experiment_id=client.get_run(newest.run_id).info.experiment_id,
        )
