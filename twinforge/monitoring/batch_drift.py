"""Is a new batch of real data still what the champion generator learned? One decision per batch.

Two signals, either of which recommends retraining:
- data drift: Evidently's per-column drift tests, new batch vs the champion's
  training reference; the dataset drifts when the share of drifted columns reaches
  the spec's ``drift.drift_share``;
- concept drift: a model of the spec's target trained on the reference loses more
  than ``drift.concept_tolerance`` of its score on the new batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from twinforge.io.schema import TableSchema
from twinforge.monitoring.concept_drift import ConceptDrift, concept_drift
from twinforge.monitoring.data_drift import DriftSummary, data_drift_report


@dataclass(frozen=True)
class BatchDriftAssessment:
    batch_id: str
    reference_batches: list[str]
    data: DriftSummary
    concept: ConceptDrift | None
    reasons: list[str] = field(default_factory=list)  # why retraining is recommended; empty: it is not

    @property
    def retrain_recommended(self) -> bool:
        return bool(self.reasons)

    def to_dict(self) -> dict:
        return {
            "batch_id": self.batch_id,
            "reference_batches": list(self.reference_batches),
            "retrain_recommended": self.retrain_recommended,
            "reasons": list(self.reasons),
            "data_drift": self.data.to_dict(),
            "concept_drift": self.concept.to_dict() if self.concept else None,
        }


def assess_batch_drift(
    batch_id: str,
    reference: pl.DataFrame,
    reference_batches: list[str],
    current: pl.DataFrame,
    schema: TableSchema,
    *,
    target: str | None,
    report_dir: Path,
    drift_share: float,
    concept_tolerance: float,
    seed: int = 0,
) -> BatchDriftAssessment:
    """Compare ``current`` (one anonymized batch) with ``reference``; writes drift.html and drift.json."""
    report_dir.mkdir(parents=True, exist_ok=True)
    data = data_drift_report(reference, current, schema, report_dir / "drift.html", drift_share=drift_share)
    concept = None
    if target is not None and target in current.columns and target in reference.columns:
        concept = concept_drift(reference, current, schema, target, tolerance=concept_tolerance, seed=seed)
    reasons = []
    if data.dataset_drift:
        reasons.append(
            f"data drift: {len(data.drifted_columns)} of {data.n_columns} columns drifted "
            f"({data.drift_share_observed:.0%} >= {drift_share:.0%}): {', '.join(data.drifted_columns)}"
        )
    if concept is not None and concept.drifted:
        reasons.append(
            f"concept drift: {concept.metric} of a model of {concept.target} fell from "
            f"{concept.reference_score:.3f} to {concept.current_score:.3f} (tolerance {concept_tolerance})"
        )
    assessment = BatchDriftAssessment(batch_id, list(reference_batches), data, concept, reasons)
    (report_dir / "drift.json").write_text(json.dumps(assessment.to_dict(), indent=2, default=str))
    return assessment
