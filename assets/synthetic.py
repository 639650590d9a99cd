import datetime as dt
import json
import math

import dagster as dg
import pyarrow.parquet as pq

from resources.io_manager import STEP_IO_MANAGER
from resources.metadata import checks_not_passed, run_metadata
from resources.mlflow import MlflowResource
from resources.partitions import daily_partitions
from resources.settings import TwinforgeSettings
from twinforge.config.spec import DatasetSpec
from twinforge.generators.partitions import SamplePlan, verify_parts
from twinforge.io.batches import BatchStore
from twinforge.io.datasets import ParquetDataset
from twinforge.io.publish import LATEST, publish_table
from twinforge.status import ingested_active_batches, withdrawn_champion_problem
from twinforge.tracking.registry import CHAMPION_ALIAS, champion_training_batches
from twinforge.tracking.sampling import (
    daily_seed,
    registered_training_rows,
    sample_registered_dataset,
    sample_registered_part,
)


def _remove_stale_scratch(context: dg.OpExecutionContext, settings: TwinforgeSettings) -> None:
    """Clear the staging and step folders left by runs that finished over a day ago (never an active run's,
    nor one another instance may be running: see :meth:`StateLayout.remove_run_scratch`)."""

    def finished_at(run_id: str) -> float | None:
        record = context.instance.get_run_record_by_id(run_id)
        if record is None:
            return None
        if not record.dagster_run.is_finished:
            return math.inf
        return record.end_time or record.update_timestamp.timestamp()

    removed = settings.layout.remove_run_scratch(finished_at, keep=context.run_id)
    if removed:
        context.log.info(f"removed the scratch folders of {len(removed)} finished run(s): {', '.join(removed)}")


def _log_progress(context: dg.OpExecutionContext):
    """Logs rows sampled so far (counts only) after each chunk, so a long sample shows it is moving."""
    return lambda done, total: context.log.info(f"sampled {done:,} of {total:,} rows")


class SyntheticConfig(dg.Config):
    rows: int | None = None  # default: the spec's sampling.rows, else as many as the training table
    seed: int | None = None  # default: the spec's sampling.seed


def build_synthetic_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    """``synthetic`` as a graph: plan the parts, sample each in its own step (parallel on the run's executor),
    verify the parts and store them as one Parquet dataset. A sample of up to ``sampling.partition_rows``
    rows is one part, the same rows as one sample with the seed."""
    generator_key = dg.AssetKey([spec.name, "generator"])
    train_key = dg.AssetKey([spec.name, "train"])
    prefix = f"{spec.name}__synthetic"

    def staging(settings: TwinforgeSettings, part: dict):
        # the folder of the run that planned the parts: each part step and the collect step read it from the plan
        return settings.layout.staging_dir / part["planned_in_run"] / spec.name / "synthetic"

    @dg.op(
        name=f"{prefix}__plan",
        ins={"generator": dg.In(dg.Nothing)},
        out=dg.DynamicOut(dict, io_manager_key=STEP_IO_MANAGER),
    )
    def plan_parts(context: dg.OpExecutionContext, settings: TwinforgeSettings, config: SyntheticConfig):
        _remove_stale_scratch(context, settings)
        version = str(run_metadata(context, generator_key)["model_version"])
        rows = config.rows or spec.sampling.rows or int(run_metadata(context, train_key)["rows"])
        seed = spec.sampling.seed if config.seed is None else config.seed
        plan = SamplePlan(rows=rows, seed=seed, partition_rows=spec.sampling.partition_rows)
        context.log.info(
            f"sampling {rows} rows from {spec.registered_model_name} version {version} in {plan.part_count} part(s)"
        )
        for part in plan.parts:
            yield dg.DynamicOutput(
                {
                    "plan": plan.to_dict(),
                    "index": part.index,
                    "model_version": version,
                    "planned_in_run": context.run_id,
                },
                mapping_key=f"part_{part.index:05d}",
            )

    @dg.op(name=f"{prefix}__sample_part", out=dg.Out(dict, io_manager_key=STEP_IO_MANAGER))
    def sample_part(
        context: dg.OpExecutionContext, settings: TwinforgeSettings, mlflow: MlflowResource, part: dict
    ) -> dict:
        sample_registered_part(
            mlflow.uri,
            spec.registered_model_name,
            part["model_version"],
            SamplePlan.from_dict(part["plan"]),
            part["index"],
            staging(settings, part),
            conditions=spec.sampling.conditions or None,
            rebalance=spec.sampling.rebalance,
            progress=_log_progress(context),
        )
        return part

    @dg.op(name=f"{prefix}__collect")
    def collect_parts(
        context: dg.OpExecutionContext, settings: TwinforgeSettings, mlflow: MlflowResource, parts: list[dict]
    ) -> dg.Output[ParquetDataset]:
        # every part step carries the same plan, the one the dataset is verified against
        plan, version = SamplePlan.from_dict(parts[0]["plan"]), parts[0]["model_version"]
        dataset = verify_parts(staging(settings, parts[0]), plan)  # every part there, with its rows: else fail
        return dg.Output(
            dataset,
            metadata={
                "rows_out": dataset.rows,
                "model_name": spec.registered_model_name,
                "model_version": version,
                "mlflow_model_version": dg.MetadataValue.url(
                    mlflow.links.model_version(spec.registered_model_name, version)
                ),
                "model_source": "candidate",
                "sampling_seed": plan.seed,
                "partition_rows": plan.partition_rows,
                "sampling_conditions": dg.MetadataValue.json(
                    {"conditions": spec.sampling.conditions, "rebalance": spec.sampling.rebalance}
                ),
            },
        )

    @dg.graph_asset(
        key=[spec.name, "synthetic"],
        ins={"generator": dg.AssetIn(key=generator_key, dagster_type=dg.Nothing)},
        group_name=spec.name,
        kinds={"parquet"},
        description="Synthetic rows sampled from the version `generator` just registered (the candidate): "
        "what the checks and gates judge before promotion. Sampled in parts of at most `sampling.partition_rows` "
        "rows, one step each, stored as one Parquet dataset.",
    )
    def synthetic(generator):
        return collect_parts(plan_parts(generator).map(sample_part).collect())

    return synthetic


def build_synthetic_daily_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=[spec.name, "synthetic_daily"],
        deps=[dg.AssetKey([spec.name, "champion"])],
        partitions_def=daily_partitions(spec),
        group_name=spec.name,
        kinds={"parquet"},
        description=f"The day's synthetic twin, sampled from the `{CHAMPION_ALIAS}` version (scheduled "
        "regeneration); `published_daily` publishes it once its blocking checks pass.",
    )
    def synthetic_daily(
        context: dg.AssetExecutionContext, settings: TwinforgeSettings, mlflow: MlflowResource
    ) -> dg.Output[ParquetDataset]:
        model_name = spec.registered_model_name
        champion = champion_training_batches(mlflow.uri, model_name)
        if champion is None:
            raise RuntimeError(f"model {model_name} has no '{CHAMPION_ALIAS}' version yet: run the retrain job first")
        version, training_batches = champion
        withdrawn = BatchStore(spec, settings.layout).withdrawn_among(training_batches)
        if withdrawn:
            replaceable = bool(ingested_active_batches(spec, settings.layout))
            raise RuntimeError(withdrawn_champion_problem(spec.name, version, withdrawn, replaceable))
        _remove_stale_scratch(context, settings)
        day = dt.date.fromisoformat(context.partition_key)
        rows = spec.sampling.rows or registered_training_rows(mlflow.uri, model_name, version)
        seed = daily_seed(spec.sampling.seed, day)
        # the parts of a large twin one after the other, chunk by chunk: memory holds one chunk
        plan = SamplePlan(rows=rows, seed=seed, partition_rows=spec.sampling.partition_rows)
        context.log.info(
            f"sampling {rows} rows for {day} from {model_name} version {version} in {plan.part_count} part(s)"
        )
        dataset = sample_registered_dataset(
            mlflow.uri, model_name, version, plan,
            settings.layout.staging_dir / context.run_id / spec.name / "synthetic_daily",
            conditions=spec.sampling.conditions or None, rebalance=spec.sampling.rebalance,
            progress=_log_progress(context),
        )  # fmt: skip
        return dg.Output(dataset, metadata={
            "rows_out": dataset.rows,
            "model_name": model_name,
            "model_version": version,
            "training_batches": json.dumps(training_batches),
            "model_source": CHAMPION_ALIAS,
            "sampling_seed": seed,
            "partition_rows": plan.partition_rows,
        })  # fmt: skip

    return synthetic_daily


def build_published_daily_asset(spec: DatasetSpec, check_keys: list[dg.AssetCheckKey]) -> dg.AssetsDefinition:
    """``check_keys``: every blocking check on the day's twin (and its quality report); each must have passed in
    the same run for the twin to be published."""
    daily_key = dg.AssetKey([spec.name, "synthetic_daily"])
    # with schedule.quality_gates, the day's quality report (and its blocking gate checks) comes first
    judged = [dg.AssetKey([spec.name, "quality_report_daily"])] if spec.schedule.quality_gates else []

    @dg.asset(
        key=[spec.name, "published_daily"],
        ins={"synthetic_daily": dg.AssetIn(key=daily_key)},
        deps=judged,
        partitions_def=daily_partitions(spec),
        group_name=spec.name,
        kinds={"parquet"},
        description="The published twin: the day's `synthetic_daily`, moved into the published folder only after "
        "its blocking checks passed (a failed day keeps the previous day's twin as latest.parquet).",
    )
    def published_daily(context: dg.AssetExecutionContext, settings: TwinforgeSettings, synthetic_daily):
        # the day's twin and its verdicts come from this run: nothing is written unless every check passed here
        sampled = run_metadata(context, daily_key)
        for key in judged:
            run_metadata(context, key)
        not_passed = checks_not_passed(context, check_keys)
        if not_passed:
            raise RuntimeError(
                f"the twin of {context.partition_key} is not published: checks not passed in this run: {not_passed}"
            )
        table = next(iter(synthetic_daily.values())) if isinstance(synthetic_daily, dict) else synthetic_daily
        folder = settings.layout.published_dir(spec.name)
        path = publish_table(
            table, folder, context.partition_key,
            model_version=str(sampled["model_version"]),
            training_batches=json.loads(str(sampled["training_batches"])),
            withdrawn_among=BatchStore(spec, settings.layout).withdrawn_among,
        )  # fmt: skip
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(path)),
                "latest": dg.MetadataValue.path(str(folder / LATEST)),
                "rows": pq.read_metadata(path).num_rows,
                "model_version": str(sampled["model_version"]),
            }
        )

    return published_daily
