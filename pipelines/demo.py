"""`make run`: materialize every dataset's retrain job through Dagster and print a summary.

Runs land in the persistent Dagster instance ($DAGSTER_HOME), so `make ui` shows them.
"""

from __future__ import annotations

import sys

import dagster as dg

from pipelines.batches import sync_batch_partitions
from pipelines.factory import build_definitions, retrain_job_name, specs_dir
from twinforge.config.spec import load_specs
from twinforge.io.permissions import make_private, restrict_umask
from twinforge.io.state import StateLayout
from twinforge.tracking.registry import CHAMPION_ALIAS, get_alias_version


def materialization_metadata(result: dg.ExecuteInProcessResult, key: list[str]) -> dict | None:
    """Plain metadata of the run's last materialization of ``key``; None if it was not materialized."""
    wanted = dg.AssetKey(key)
    events = [e for e in result.get_asset_materialization_events() if e.asset_key == wanted]
    if not events:
        return None
    return {k: getattr(v, "value", v) for k, v in events[-1].materialization.metadata.items()}


def _metadata(result: dg.ExecuteInProcessResult, key: list[str]) -> dict:
    return materialization_metadata(result, key) or {}


def summarize(result: dg.ExecuteInProcessResult, name: str, tracking_uri: str, model_name: str) -> list[str]:
    raw = _metadata(result, [name, "raw"])
    anonymized = _metadata(result, [name, "anonymized"])
    synthetic = _metadata(result, [name, "synthetic"])
    generator = _metadata(result, [name, "generator"])
    quality = _metadata(result, [name, "quality_report"])
    drift = _metadata(result, [name, "synthetic_vs_train_drift"])
    checks = result.get_asset_check_evaluations()
    passed = [c.check_name for c in checks if c.passed]
    failed = [c.check_name for c in checks if not c.passed]
    champion = get_alias_version(tracking_uri, model_name, CHAMPION_ALIAS)
    lines = [
        f"dataset {name}: run {'succeeded' if result.success else 'FAILED'} (Dagster run {result.run_id})",
        f"  batch {raw.get('batch_id', '?')}: rows in {raw.get('rows_in', '?')}, out {raw.get('rows_out', '?')}, "
        f"quarantined {raw.get('rows_quarantined', '?')}   synthetic rows out: {synthetic.get('rows_out', '?')}",
        f"  anonymized: dropped {anonymized.get('dropped_columns', '?')}, "
        f"pseudonymized {anonymized.get('pseudonymized_columns', '?')}, masked {anonymized.get('masked_columns', '?')}; "
        f"smallest class over {anonymized.get('quasi_identifiers', '?')}: {anonymized.get('k_anonymity_min_class', '?')}",
        f"  checks: {len(passed)} passed, {len(failed)} failed" + (f" ({', '.join(failed)})" if failed else ""),
        f"  model: {model_name} version {generator.get('model_version', '?')}; "
        f"alias {CHAMPION_ALIAS} -> version {champion or 'none'}",
        f"  quality report: {quality.get('html', '-')} (fidelity {quality.get('fidelity_overall', '-')}; "
        f"gates {'all passed' if quality.get('gates_all_passed') else 'failed: ' + str(quality.get('gates_failed_names', '?'))})",
        f"  drift report:   {drift.get('html', '-')} (drift share {drift.get('drift_share', '-')})",
    ]
    return lines


def main() -> int:
    restrict_umask()  # before anything writes: state folder, Dagster's and MLflow's databases owner-only
    layout = StateLayout.at().ensure()
    defs = build_definitions()
    ok = True
    with dg.DagsterInstance.get() as instance:
        make_private(instance.root_directory, recursive=True)  # databases a 022 shell created earlier
        for spec in load_specs(specs_dir()):
            batches = sync_batch_partitions(instance, spec, layout)
            job = defs.resolve_job_def(retrain_job_name(spec))
            result = job.execute_in_process(
                instance=instance,
                partition_key=batches[-1],  # ingest the newest batch, train on the window
                raise_on_error=False,
                # progress lines, not Dagster's per-event debug stream
                run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            )
            ok &= result.success
            print("\n".join(summarize(result, spec.name, layout.mlflow_tracking_uri, spec.registered_model_name)))
    print(f"state folder: {layout.home}  (MLflow: {layout.mlflow_tracking_uri})")
    print(
        "open the Dagster UI with `make ui` (http://127.0.0.1:3000); MLflow UI: "
        f"`.venv/bin/mlflow ui --backend-store-uri {layout.mlflow_tracking_uri}`"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
