import json
import os

import dagster as dg
import polars as pl

from resources.metadata import run_metadata, version_metadata
from resources.mlflow import MlflowResource
from resources.settings import TwinforgeSettings
from twinforge.config.spec import DatasetSpec
from twinforge.generators.training import epoch_logger, train_generator
from twinforge.io.ingest import table_fingerprint
from twinforge.rules.enforcement import broken_rules
from twinforge.tracking.lineage import code_version, training_fingerprint
from twinforge.tracking.registry import (
    PROCESS_ARTIFACT,
    PROFILE_ARTIFACT,
    TRAINING_BATCHES_TAG,
    TRAINING_FINGERPRINT_TAG,
    dp_tracking_entries,
    log_generator,
    log_run_dict,
    version_with_fingerprint,
)


class OrchestratorGone(RuntimeError):
    """The run's orchestrator process died while this step ran."""


class OrchestratorWatch:
    """Notices when the process that started this step is gone (a step process is reparented then)."""

    def __init__(self):
        self.parent = os.getppid()

    def check(self) -> None:
        if os.getppid() != self.parent:
            raise OrchestratorGone(f"the run's orchestrator (process {self.parent}) is gone: stopping this step")


def build_generator_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=[spec.name, "generator"],
        ins={"train": dg.AssetIn(key=[spec.name, "train"])},
        group_name=spec.name,
        kinds={"pytorch", "mlflow"},
        description=f"Trains the `{spec.generator.model}` generator on `train`; one MLflow run and one new "
        f"version of the registered model `{spec.registered_model_name}` per materialization.",
    )
    def generator(
        context: dg.AssetExecutionContext, settings: TwinforgeSettings, mlflow: MlflowResource, train: pl.DataFrame
    ) -> dg.Output[dict]:
        # first: the orchestrator can die while this step still fingerprints and looks up versions
        orchestrator = OrchestratorWatch()
        out_dir = settings.layout.models_dir / spec.name / context.run_id
        train_sha = table_fingerprint(train)
        # the batches behind this version: drift of later batches is measured against them
        training_batches = list(run_metadata(context, dg.AssetKey([spec.name, "train"])).get("training_batches", []))
        fingerprint = training_fingerprint(
            train_sha,
            spec.model_dump(
                mode="json",
                include={"generator", "columns", "sampling", "process_columns", *(["rules"] if spec.rules else [])},
            ),
            code_version(),
        )

        def run_succeeded(run_id: str | None) -> bool:
            # a version of a run killed after registering (not yet marked failed) is never reused
            run = context.instance.get_run_by_id(run_id) if run_id else None
            return run is not None and run.status == dg.DagsterRunStatus.SUCCESS

        reused = version_with_fingerprint(mlflow.uri, spec.registered_model_name, fingerprint, run_succeeded)
        if reused is not None:  # same data, spec sections and code: that version is this training's result
            context.log.info(f"training unchanged since version {reused.version}: reusing it, registering nothing")
            return dg.Output(
                {**reused.to_dict(), "generator": spec.generator.model, "reused": True},
                metadata={
                    **version_metadata(reused, mlflow),
                    "reused_version": reused.version,
                    "training_fingerprint": fingerprint,
                    "training_data_sha256": train_sha,
                    "training_batches": training_batches,
                    "code_version": code_version(),
                },
            )
        orchestrator.check()
        context.log.info(f"fitting {spec.generator.model} on {train.height} rows x {train.width} columns")
        log_epoch = epoch_logger(context.log)
        trained = train_generator(train, spec, out_dir, progress=lambda e: (orchestrator.check(), log_epoch(e)))
        orchestrator.check()  # an orphaned step registers nothing: its run can never check the version
        context.log.info(f"fitted in {trained.fit_seconds:.1f} s; logging to MLflow")
        dp = dp_tracking_entries(trained.generator.fit_summary.get("dp"))
        for rule, rate in broken_rules(trained.generator.rules).items() if trained.generator.rules else ():
            context.log.warning(f"rule {rule} is broken by {rate:.2%} of the training rows; synthetic rows meet it")
        ref = log_generator(
            tracking_uri=mlflow.uri,
            experiment=f"twinforge-{spec.name}",
            artifact_root=mlflow.artifact_root,
            model_name=spec.registered_model_name,
            generator_dir=out_dir,
            params={**trained.params, "train_rows": train.height, "train_columns": train.width, **dp.params},
            metrics={"fit_seconds": trained.fit_seconds, **dp.metrics},
            tags={
                "dagster_run_id": context.run_id,
                "dagster_run_url": settings.dagster_links.run(context.run_id),
                "dagster_asset_key": context.asset_key.to_user_string(),
                "dataset": spec.name,
                "training_data_sha256": train_sha,
                TRAINING_BATCHES_TAG: json.dumps(training_batches),
                TRAINING_FINGERPRINT_TAG: fingerprint,
                "code_version": code_version(),
                **dp.tags,
            },
            run_name=f"{spec.name}-{spec.generator.model}-{context.run_id[:8]}",
            loss_history=trained.loss_history,
        )
        # the expectations synthetic samples of this version are validated against travel with it
        process = trained.generator.process
        log_run_dict(mlflow.uri, ref.run_id, trained.expectation_profile(train), PROFILE_ARTIFACT)
        if process:  # the parameters its samples are drawn from, for the quality report and the audit
            log_run_dict(mlflow.uri, ref.run_id, process.to_dict(), PROCESS_ARTIFACT)
        return dg.Output(
            {**ref.to_dict(), "model_dir": str(out_dir), "generator": spec.generator.model, "reused": False},
            metadata={
                **version_metadata(ref, mlflow),
                "training_fingerprint": fingerprint,
                "fit_seconds": round(trained.fit_seconds, 3),
                "epochs_run": len(trained.loss_history),
                "training_data_sha256": train_sha,
                "training_batches": training_batches,
                "code_version": code_version(),
                "skipped_columns": dg.MetadataValue.json(trained.generator.encoder.skipped_columns),
                # rule name -> share of the training rows breaking it (a broken rule is not learned)
                "rules_real_violation_rates": dg.MetadataValue.json(
                    trained.generator.rules.real_violation_rates if trained.generator.rules else {}
                ),
            },
        )

    return generator
