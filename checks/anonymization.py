"""Blocking privacy checks on `anonymized`: k-anonymity and l-diversity where the spec sets k / l.

They are evaluated by the ingest step itself (the numbers come from the table it just
anonymized), and being blocking they stop `train` / `holdout` from reading a batch that fails.
"""

import dagster as dg

from twinforge.config.spec import DatasetSpec
from twinforge.privacy.k_anonymity import PrivacyReport

K_CHECK, L_CHECK = "k_anonymity", "l_diversity"


def privacy_check_specs(spec: DatasetSpec, anonymized_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    specs = []
    if spec.privacy.k:
        specs.append(
            dg.AssetCheckSpec(
                K_CHECK,
                asset=anonymized_key,
                blocking=True,
                description=f"Every equivalence class over the quasi-identifiers has at least k={spec.privacy.k} rows.",
            )
        )
    if spec.privacy.l:
        specs.append(
            dg.AssetCheckSpec(
                L_CHECK,
                asset=anonymized_key,
                blocking=True,
                description=f"Every equivalence class holds at least l={spec.privacy.l} "
                "distinct values of each sensitive column.",
            )
        )
    return specs


def privacy_check_results(spec: DatasetSpec, anonymized_key: dg.AssetKey, report: PrivacyReport):
    if spec.privacy.k:
        yield dg.AssetCheckResult(
            asset_key=anonymized_key,
            check_name=K_CHECK,
            passed=report.k_passed,
            metadata={
                "k_required": report.k,
                "k_min": report.k_min,
                "classes_below_k": report.classes_below_k,
                "rows_below_k": report.rows_below_k,
                "quasi_identifiers": report.quasi_identifiers,
            },
        )
    if spec.privacy.l:
        yield dg.AssetCheckResult(
            asset_key=anonymized_key,
            check_name=L_CHECK,
            passed=report.l_passed,
            metadata={
                "l_required": report.l,
                "l_min": dg.MetadataValue.json(report.l_min),
                "rows_below_l": dg.MetadataValue.json(report.rows_below_l),
            },
        )
