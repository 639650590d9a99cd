"""`make run`: materialize every dataset's retrain job through Dagster and print a summary.

Runs land in the persistent Dagster instance ($DAGSTER_HOME) as runs of the `twinforge` code location
(see :mod:`pipelines.launch`), so `make ui` lists them on each job's page.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence

import dagster as dg

from pipelines.batches import sync_batch_partitions
from pipelines.factory import (
    EXECUTOR_ENV,
    RETRAIN_TAG,
    ingest_job_name,
    regenerate_job_name,
    retrain_job_name,
    specs_dir,
)
from pipelines.launch import execute_in_code_location
from pipelines.sensors import DEAD_RUN_GRACE_SECONDS, fail_dead_runs
from resources.metadata import materialized_in_run
from twinforge.config.spec import load_specs
from twinforge.io.batches import ACTIVE, HELD, Batch, BatchStore
from twinforge.io.locks import exclusive_lock
from twinforge.io.permissions import make_private, restrict_umask
from twinforge.io.state import StateLayout
from twinforge.tracking.links import DagsterLinks, MlflowLinks
from twinforge.tracking.registry import CHAMPION_ALIAS, get_alias_version


def materialization_metadata(result: dg.ExecuteInProcessResult, key: list[str]) -> dict | None:
    """Plain metadata of the run's last materialization of ``key``; None if it was not materialized."""
    wanted = dg.AssetKey(key)
    events = [e for e in result.get_asset_materialization_events() if e.asset_key == wanted]
    if not events:
        return None
    return {k: getattr(v, "value", v) for k, v in events[-1].materialization.metadata.items()}


def run_check_evaluations(instance: dg.DagsterInstance, run_id: str) -> list:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    return [r.event_log_entry.dagster_event.event_specific_data for r in records]


def k_anonymity_line(anonymized: dict) -> str:
    """What the anonymized batch's k-anonymity says, in words: the smallest group of records that share their
    quasi-identifiers' values, and what a group of one means."""
    columns, smallest = anonymized.get("quasi_identifiers"), anonymized.get("k_anonymity_min_class")
    if not columns:
        return "k-anonymity: not measured (the spec declares no quasi-identifier column)"
    line = f"k-anonymity over {', '.join(map(str, columns))}: {smallest}"
    if smallest == 1:
        line += (
            " (some record is alone with its values of these columns; privacy.k enforces a minimum: docs/privacy.md)"
        )
    return line


def gates_verdict(quality: dict) -> str:
    """The quality gates' verdict in the summary; a run stopped before its quality report evaluated none."""
    if not quality:
        return "not evaluated (the run stopped before the quality report)"
    if quality.get("gates_all_passed"):
        return "all passed"
    return f"failed: {quality.get('gates_failed_names', '?')}"


def model_version_words(generator: dict) -> str:
    """The run's model version in the summary: trained in the run, or an earlier one reused because the training's
    data, spec sections and code were unchanged (nothing registered), or none."""
    if not generator.get("model_version"):
        return "no version registered"
    if generator.get("reused_version"):
        return f"version {generator['model_version']} (reused: training data, spec and code unchanged since it was trained)"
    return f"version {generator['model_version']} (trained in this run)"


def summarize(
    instance: dg.DagsterInstance,
    run: dg.DagsterRun,
    name: str,
    tracking_uri: str,
    model_name: str,
    left_out: Sequence[str] = (),
) -> list[str]:
    """The run's summary; ``left_out``: :func:`retrain_partition`'s lines on the newer batches it did not read."""

    def metadata(asset: str) -> dict:
        return materialized_in_run(instance, run.run_id, dg.AssetKey([name, asset])) or {}

    raw, anonymized, synthetic = metadata("raw"), metadata("anonymized"), metadata("synthetic")
    generator, quality, drift = metadata("generator"), metadata("quality_report"), metadata("synthetic_vs_train_drift")
    checks = run_check_evaluations(instance, run.run_id)
    passed = [c.check_name for c in checks if c.passed]
    failed = [c.check_name for c in checks if not c.passed]
    champion = get_alias_version(tracking_uri, model_name, CHAMPION_ALIAS)
    succeeded = run.status == dg.DagsterRunStatus.SUCCESS
    lines = [
        f"dataset {name}: run {'succeeded' if succeeded else 'FAILED'} (Dagster run {run.run_id})",
        f"  batch {raw.get('batch_id', '?')}: rows in {raw.get('rows_in', '?')}, out {raw.get('rows_out', '?')}, "
        f"quarantined {raw.get('rows_quarantined', '?')}   synthetic rows out: {synthetic.get('rows_out', '?')}",
        *(f"  {line}" for line in left_out),
        f"  anonymized: dropped {anonymized.get('dropped_columns', '?')}, "
        f"pseudonymized {anonymized.get('pseudonymized_columns', '?')}, masked {anonymized.get('masked_columns', '?')}",
        f"  {k_anonymity_line(anonymized)}",
        f"  synthetic table: {synthetic.get('path', '-')} (Parquet)",
        f"  asset checks: {len(passed)} passed, {len(failed)} failed" + (f" ({', '.join(failed)})" if failed else ""),
        f"  model: {model_name} {model_version_words(generator)}; alias {CHAMPION_ALIAS} -> version {champion or 'none'}",
        f"  quality report: {quality.get('html', '-')} (fidelity {quality.get('fidelity_overall', '-')}; "
        f"gates {gates_verdict(quality)})",
        f"  drift report:   {drift.get('html', '-')} (drift share {drift.get('drift_share', '-')})",
        f"  Dagster run:    {DagsterLinks.at().run(run.run_id)}",
    ]
    if generator.get("mlflow_model_version"):
        lines.append(f"  MLflow version: {generator['mlflow_model_version']}")
    return lines


LAUNCHED_BY_TAG = "twinforge/launched_by"
# exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it
INTERRUPTED_EXIT = 130


def interrupted(run: dg.DagsterRun) -> bool:
    """Whether ``run`` ended because its process was interrupted (Ctrl-C, SIGTERM): Dagster then marks it failed
    with the reason "unexpected termination" and returns, instead of raising."""
    from dagster._core.events import RunFailureReason
    from dagster._core.storage.tags import RUN_FAILURE_REASON_TAG

    reason = run.tags.get(RUN_FAILURE_REASON_TAG)
    return run.status == dg.DagsterRunStatus.FAILURE and reason == RunFailureReason.UNEXPECTED_TERMINATION.value


RUNNING = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
POLL_SECONDS = 2.0


def wait_for_running_retrains(instance: dg.DagsterInstance, spec, tracking_uri: str, on_wait) -> None:
    """Block while a retrain of ``spec``'s dataset that the daemon, a sensor or the UI launched is running: the
    instance's queue orders the runs it launches, not this one. Runs whose orchestrator died are marked failed
    first, and the versions they registered tagged failed (the daemon's sensors do both), so a killed run never
    blocks; queued runs wait for this one in the queue."""
    from twinforge.tracking.registry import mark_run_versions_failed

    jobs = [job_name(spec) for job_name in (retrain_job_name, regenerate_job_name, ingest_job_name)]
    running = dg.RunsFilter(tags={RETRAIN_TAG: spec.name}, statuses=RUNNING)
    told = False
    while True:
        for run_id in fail_dead_runs(instance, jobs):
            reason = "its run's orchestrator process is gone: the run was killed or its host restarted"
            versions = mark_run_versions_failed(tracking_uri, spec.registered_model_name, run_id, reason)
            print(
                f"run {run_id} of {spec.name} had died: marked failed"
                + (f", versions {versions} too" if versions else "")
            )
        other = instance.get_runs(running, limit=1)
        if not other:
            return
        if not told:
            on_wait()
            # a run killed in its first minute still shows as running until it is old enough to be judged dead
            print(
                f"  Dagster run {other[0].run_id} is retraining it; a run whose process is gone is marked failed once "
                f"it is {DEAD_RUN_GRACE_SECONDS} s old",
                flush=True,
            )
            told = True
        time.sleep(POLL_SECONDS)


def retrain_partition(batches: list[Batch]) -> tuple[str | None, list[str]]:
    """The partition ``make run`` retrains on: the newest active batch of ``batches`` (the manifest's, in arrival
    order), None when none is active; and a line for each newer batch left out (withdrawn or held: never read,
    anonymized or materialized again), the newest first, for the run's summary."""
    active = [b.batch_id for b in batches if b.status == ACTIVE]
    partition = active[-1] if active else None
    newer = batches[[b.batch_id for b in batches].index(partition) + 1 :] if partition else batches
    notes = []
    for n, batch in enumerate(reversed(newer)):
        note = f"{'newest batch' if n == 0 else 'batch'} {batch.batch_id} is {batch.status}: not trained on"
        if batch.status == HELD:
            note += f" (`twinforge batches {batch.dataset}` says why and how to release it)"
        notes.append(note)
    return partition, notes


def batches_to_ingest(instance: dg.DagsterInstance, spec, layout: StateLayout, batches: list[str]) -> list[str]:
    """The active batches of ``batches`` (in order) that no run has ingested: batches added between runs without a
    daemon, the newest included. ``make run`` runs the ingest job for each first, so that every batch is assessed
    for drift (and held when it breaks a hold rule) before a training reads it, and the training window holds
    every active batch; the retrain job alone ingests its own partition without assessing it."""
    ingested = instance.get_materialized_partitions(dg.AssetKey([spec.name, "anonymized"]))
    active = BatchStore(spec, layout).active_ids()
    return [b for b in batches if b in active and b not in ingested]


def ingest_pending_batches(instance: dg.DagsterInstance, spec, layout: StateLayout, batches: list[str]) -> bool:
    """Run the ingest job for each of :func:`batches_to_ingest`; False when one failed (said, with what it means
    for the retrain). Raises KeyboardInterrupt when one was interrupted."""
    ok = True
    for batch in batches_to_ingest(instance, spec, layout, batches):
        print(f"ingesting batch {batch} of {spec.name} first (added since the last run)", flush=True)
        run = execute_in_code_location(
            instance,
            ingest_job_name(spec),
            partition_key=batch,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            extra_tags={LAUNCHED_BY_TAG: "make run"},
        )
        if interrupted(run):
            raise KeyboardInterrupt
        if run.status != dg.DagsterRunStatus.SUCCESS:
            ok = False
            print(
                f"batch {batch} of {spec.name} could not be ingested (Dagster run {run.run_id}): it is left out of "
                f"this training; fix it, or withdraw it with `twinforge batches {spec.name} --withdraw {batch}`",
                file=sys.stderr,
            )
    return ok


def main() -> int:
    try:
        return run_every_dataset()
    except KeyboardInterrupt:  # between runs: nothing is half done
        print("interrupted: stopped; no further dataset was run", file=sys.stderr)
        return INTERRUPTED_EXIT


def run_every_dataset() -> int:
    restrict_umask()  # before anything writes: state folder, Dagster's and MLflow's databases owner-only
    layout = StateLayout.at()
    try:
        layout.ensure()
    except ValueError as error:  # a folder that cannot be made or is another user's: one line, as the commands say it
        print(f"make run: error: {error}", file=sys.stderr)
        return 1
    # one process per run, as before: steps in separate processes cost more than they give on a laptop
    os.environ.setdefault(EXECUTOR_ENV, "in_process")
    ok = True
    with dg.DagsterInstance.get() as instance:
        make_private(instance.root_directory, recursive=True)  # databases a 022 shell created earlier
        for spec in load_specs(specs_dir()):
            # one retrain of a dataset at a time, as the daemon's queue does for the runs it launches
            waiting = lambda name=spec.name: print(f"waiting for another retrain of {name} to finish", flush=True)  # noqa: E731
            with exclusive_lock(layout.retrain_lock(spec.name), on_wait=waiting):
                wait_for_running_retrains(instance, spec, layout.tracking_uri(), on_wait=waiting)
                batches = sync_batch_partitions(instance, spec, layout)
                # assess every batch not ingested yet (one the drift assessment holds is left out), then retrain on
                # the newest active batch's partition; a withdrawn or held batch is never re-read
                ok &= ingest_pending_batches(instance, spec, layout, batches)
                partition, left_out = retrain_partition(BatchStore(spec, layout).list())
                if partition is None:
                    print(
                        f"dataset {spec.name}: no active batch to train on ({'; '.join(left_out)}): nothing run; "
                        f"reinstate one (`twinforge batches {spec.name} --reinstate BATCH`) or add one "
                        f"(`twinforge ingest-batch {spec.name} FILE`)",
                        file=sys.stderr,
                    )
                    ok = False
                    continue
                run = execute_in_code_location(
                    instance,
                    retrain_job_name(spec),
                    partition_key=partition,
                    # progress lines, not Dagster's per-event debug stream
                    run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
                    extra_tags={LAUNCHED_BY_TAG: "make run"},  # the UI's runs list says who started it
                )
            ok &= run.status == dg.DagsterRunStatus.SUCCESS
            lines = summarize(instance, run, spec.name, layout.tracking_uri(), spec.registered_model_name, left_out)
            print("\n".join(lines))
            if interrupted(run):  # Ctrl-C stops the demo, not just the run it reached
                print(f"interrupted: the {spec.name} run was stopped; no further dataset was run", file=sys.stderr)
                return INTERRUPTED_EXIT
    print(f"state folder: {layout.home}  (MLflow: {layout.tracking_uri()})")
    print(
        f"open the Dagster UI with `make ui` ({DagsterLinks.at().base}) and the MLflow UI with `make mlflow-ui` "
        f"({MlflowLinks.at().base}); `twinforge status` sums it up"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
