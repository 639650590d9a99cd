import warnings

import dagster as dg
import polars as pl

from resources.metadata import run_metadata
from resources.mlflow import MlflowResource
from resources.partitions import daily_partitions
from twinforge.config.spec import DatasetSpec
from twinforge.tracking.registry import CHECK_TAG_PREFIX, PROFILE_ARTIFACT, load_version_dict, set_model_version_tags

# One blocking check per group of expectations, so the UI says which kind of rule broke.
EXPECTATION_GROUPS = {
    "schema": "Synthetic columns and their types match the training data.",
    "nulls": "Null fraction per column is no more than the training data's plus the spec's tolerance.",
    "ranges": "Numeric values stay within the training data's range.",
    "categories": "Categorical values come from the training data's category sets.",
}
RULES_CHECK = {"rules": "Every row meets the spec's business rules (one expectation per rule)."}


def expectation_groups(spec: DatasetSpec) -> dict[str, str]:
    """The check groups of a dataset: the business-rules check only when its spec declares rules."""
    return {**EXPECTATION_GROUPS, **(RULES_CHECK if spec.rules else {})}


# Partitioned asset checks (for the date-partitioned synthetic_daily) are a preview feature of the
# pinned Dagster 1.13; they work as needed here, so the preview notice is not repeated on every load.
warnings.filterwarnings(
    "ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=dg.PreviewWarning
)


def check_name(group: str) -> str:
    return f"ge_{group}"


def check_outcome_tags(results: list[dg.AssetCheckResult]) -> dict[str, str]:
    """MLflow model-version tags recording each check's verdict, so a rejection is visible there too."""
    return {f"{CHECK_TAG_PREFIX}{r.check_name}": "passed" if r.passed else "failed" for r in results}


def _one_table(value, context: dg.AssetCheckExecutionContext) -> pl.DataFrame | pl.LazyFrame:
    # a partitioned asset arrives as {partition: LazyFrame}, the run has one partition; a dataset folder as
    # one LazyFrame, which the suite reads slice by slice
    if isinstance(value, dict):
        if len(value) != 1:
            raise ValueError(f"expected one partition of the checked asset, got {sorted(value)}")
        value = next(iter(value.values()))
    return value


def _group_metadata(outcome, group: str, version: str) -> dict:
    if group not in outcome.groups:  # a version trained before the spec had rules
        return {"model_version": version, "reason": "the model version's profile holds no rules: retrain it"}
    return {
        "model_version": version,
        "rows_validated": outcome.rows,
        "slices": outcome.slices,
        **{k: v for k, v in outcome.groups[group].statistics.items() if v is not None},
        "failed_expectations": dg.MetadataValue.json(outcome.groups[group].failed),
    }


def build_expectation_checks(spec: DatasetSpec, asset: str = "synthetic") -> dg.AssetChecksDefinition:
    """GE suite checks on a sampled table, against the profile stored with the version it came from."""
    key = dg.AssetKey([spec.name, asset])
    partitions = daily_partitions(spec) if asset == "synthetic_daily" else None

    @dg.multi_asset_check(
        name=f"{spec.name}__{asset}__great_expectations",
        specs=[
            dg.AssetCheckSpec(check_name(g), asset=key, blocking=True, description=d, partitions_def=partitions)
            for g, d in expectation_groups(spec).items()
        ],
        ins={"sampled": dg.AssetIn(key=key)},
    )
    def great_expectations(context: dg.AssetCheckExecutionContext, mlflow: MlflowResource, sampled):
        from twinforge.evaluation.expectations import validate_table

        version = str(run_metadata(context, key)["model_version"])
        profile = load_version_dict(mlflow.uri, spec.registered_model_name, version, PROFILE_ARTIFACT)
        outcome = validate_table(
            _one_table(sampled, context),
            profile,
            null_tolerance=spec.expectations.null_tolerance,
            batch_rows=spec.expectations.batch_rows,
        )
        results = [
            dg.AssetCheckResult(
                asset_key=key,
                check_name=check_name(group),
                passed=bool(group in outcome.groups and outcome.groups[group].success),  # no rules group: fails closed
                metadata=_group_metadata(outcome, group, version),
            )
            for group in expectation_groups(spec)
        ]
        if asset == "synthetic":  # the candidate: its verdicts belong to the version in MLflow
            tags = {**check_outcome_tags(results), "checks.dagster_run_id": context.run.run_id}
            set_model_version_tags(mlflow.uri, spec.registered_model_name, version, tags)
        yield from results

    return great_expectations
