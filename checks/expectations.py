import dagster as dg
import polars as pl

from twinforge.spec import DatasetSpec

# One blocking check per group of expectations, so the UI says which kind of rule broke.
EXPECTATION_GROUPS = {
    "schema": "Synthetic columns and their types match the training data.",
    "nulls": "Null fraction per column is no more than the training data's plus the spec's tolerance.",
    "ranges": "Numeric values stay within the training data's range.",
    "categories": "Categorical values come from the training data's category sets.",
}


def check_name(group: str) -> str:
    return f"ge_{group}"


def build_expectation_checks(spec: DatasetSpec) -> dg.AssetChecksDefinition:
    synthetic_key = dg.AssetKey([spec.name, "synthetic"])
    train_key = dg.AssetKey([spec.name, "train"])

    @dg.multi_asset_check(
        name=f"{spec.name}__great_expectations",
        specs=[
            dg.AssetCheckSpec(
                check_name(g), asset=synthetic_key, blocking=True, description=d, additional_deps=[train_key]
            )
            for g, d in EXPECTATION_GROUPS.items()
        ],
        ins={"synthetic": dg.AssetIn(key=synthetic_key), "train": dg.AssetIn(key=train_key)},
    )
    def great_expectations(synthetic: pl.DataFrame, train: pl.DataFrame):
        from twinforge.validation import build_expectation_profile, validate_table

        profile = build_expectation_profile(train, spec.schema_for(train))
        outcome = validate_table(synthetic, profile, null_tolerance=spec.validation.null_tolerance)
        for group in EXPECTATION_GROUPS:
            result = outcome.groups[group]
            yield dg.AssetCheckResult(
                asset_key=synthetic_key,
                check_name=check_name(group),
                passed=bool(result.success),
                metadata={
                    **{k: v for k, v in result.statistics.items() if v is not None},
                    "failed_expectations": dg.MetadataValue.json(result.failed),
                },
            )

    return great_expectations
