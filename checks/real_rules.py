"""The spec's rules measured on each ingested batch (`rules_in_real_data` on `anonymized`).

A rule the real data breaks is not learned: sampling enforces it, so the twin differs from the
real table there. The check makes that visible as soon as a batch arrives, with each rule's
violation rate, as a warning. Rules that cannot be applied to the batch at all (a column the
anonymization dropped, no fixed combination frequent enough to generate) fail with ERROR, which
blocks training on that batch: the fit would fail the same way later.
"""

import dagster as dg
import polars as pl

from twinforge.config.spec import DatasetSpec
from twinforge.generators.training import fitted_rules
from twinforge.rules import RuleError

RULES_CHECK = "rules_in_real_data"


def real_rules_check_specs(spec: DatasetSpec, anonymized_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    if not spec.rules:
        return []
    return [
        dg.AssetCheckSpec(
            RULES_CHECK,
            asset=anonymized_key,
            blocking=True,  # only an ERROR (rules that cannot apply) blocks; broken rules are a WARN
            description="Share of the batch's rows breaking each rule of the spec: a rule the real data breaks is "
            "enforced on the twin, not learned (WARN); a rule that cannot apply to the batch fails (ERROR).",
        )
    ]


def real_rules_check_results(spec: DatasetSpec, anonymized_key: dg.AssetKey, table: pl.DataFrame):
    if not spec.rules:
        return
    try:
        rates = fitted_rules(spec, table).real_violation_rates
    except RuleError as e:  # names the rule and columns, never a value
        yield dg.AssetCheckResult(
            asset_key=anonymized_key,
            check_name=RULES_CHECK,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"the rules cannot apply to this batch: {e}",
        )
        return
    broken = {name: rate for name, rate in rates.items() if rate > 0}
    yield dg.AssetCheckResult(
        asset_key=anonymized_key,
        check_name=RULES_CHECK,
        passed=not broken,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            "; ".join(f"{name} is broken by {rate:.2%} of the real rows" for name, rate in broken.items())
            if broken
            else f"all {len(rates)} rules hold on every real row"
        ),
        metadata={
            "violation_rates": dg.MetadataValue.json(rates),
            "rules_broken": len(broken),
            "rows": table.height,
        },
    )
