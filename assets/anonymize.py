"""Metadata of the `anonymized` asset (materialized by the ingest step in assets/ingest.py,
so raw rows never leave the step that read them)."""

import dagster as dg

from resources.metadata import column_schema, md_text
from twinforge.config.spec import DatasetSpec
from twinforge.io.ingest import IngestResult
from twinforge.privacy.anonymize import AnonymizedTable


def _markdown_findings(result: AnonymizedTable) -> str:
    rows = result.detection.rows()
    if not rows:
        return "No PII detected."
    lines = ["| column | entity | scope | confidence | share | method | action |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        action = result.policy[r["column"]].action
        lines.append(
            f"| {md_text(r['column'])} | {r['entity']} | {r['scope']} | {r['confidence']:.2f} | {r['share']:.1%} "
            f"| {r['method']} | {action} |"
        )
    return "\n".join(lines)


def anonymized_metadata(result: AnonymizedTable, ingested: IngestResult, spec: DatasetSpec) -> dict:
    """Counts, detection report, policy and k-anonymity: sizes and names, never values."""
    report, privacy = result.report, result.privacy
    return {
        "rows_in": ingested.rows_in,
        "rows_out": result.table.height,
        "rows_quarantined": ingested.rows_quarantined,
        "pii_findings": dg.MetadataValue.md(_markdown_findings(result)),
        "pii_detection": dg.MetadataValue.json(result.detection.to_dict()),
        "policy": dg.MetadataValue.json({c: a.to_dict() for c, a in result.policy.items()}),
        "dropped_columns": report.columns_with("drop"),
        "pseudonymized_columns": report.columns_with("pseudonymize"),
        "masked_columns": report.columns_with("mask"),
        "generalized_columns": report.columns_with("generalize"),
        "kept_despite_detection": report.kept_despite_detection,
        "quasi_identifiers": privacy.quasi_identifiers,
        "k_anonymity_min_class": privacy.k_min,
        "equivalence_classes": privacy.classes,
        f"rows_in_classes_below_k{privacy.k}": privacy.rows_below_k,
        "l_diversity_min": dg.MetadataValue.json(privacy.l_min),
        "privacy": dg.MetadataValue.json(privacy.to_dict()),
        "dagster/column_schema": column_schema(spec.schema_for(result.table)),
        "rows_suppressed_for_k": len(result.suppressed_rows),
        **({"k_enforcement": dg.MetadataValue.json(result.k_enforcement.to_dict())} if result.k_enforcement else {}),
        **({"privacy_profile": dg.MetadataValue.json(result.profile.to_dict())} if result.profile else {}),
    }
