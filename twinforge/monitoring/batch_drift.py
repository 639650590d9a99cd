"""Is a new batch of real data still what the champion generator learned? One decision per batch.

Signals that recommend retraining (each becomes a reason with its numbers):
- data drift: Evidently's per-column drift tests, new batch vs the champion's training
  reference; the dataset drifts when the share of drifted columns reaches ``drift.drift_share``;
- one column that moved a lot: its effect size (:mod:`~twinforge.monitoring.effect_size`)
  reaches ``drift.column_threshold``, however few other columns moved;
- a key column (``drift.key_columns``) that drifts by Evidently's test;
- concept drift: a model of the spec's target trained on the reference loses more than
  ``drift.concept_tolerance`` of its score on the new batch;
- dependence drift: the batch keeps less than ``drift.min_dependence_kept`` of the reference's
  association between columns (:func:`~twinforge.evaluation.pairwise.association_report`, beyond
  sampling noise): a correlation that reversed while every column's own distribution stayed.

A batch that breaks a hold rule (:mod:`~twinforge.monitoring.holds`) is **held** instead: the
verdict is ``held`` and no retrain is recommended until someone approves it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from twinforge.config.spec import DriftSpec
from twinforge.io.permissions import write_private_text
from twinforge.io.schema import TableSchema
from twinforge.monitoring.concept_drift import ConceptDrift, concept_drift
from twinforge.monitoring.data_drift import NUMERICAL_KINDS, DriftSummary, compare_drift, with_effect_floor
from twinforge.monitoring.effect_size import ColumnShift, column_shift
from twinforge.monitoring.holds import column_set_changes, hold_reasons
from twinforge.monitoring.summary_page import summary_html

Verdict = Literal["retrain", "no retrain", "held"]
# a model's score on fewer labelled batch rows says too little to call concept drift or a below-chance hold, and
# so few rows say little of the association between columns
MIN_CONCEPT_ROWS = 30
FIRST_TRAINING = "no champion yet: first training"


@dataclass(frozen=True)
class BatchDriftAssessment:
    batch_id: str
    reference_batches: list[str]
    champion_version: str | None
    data: DriftSummary
    concept: ConceptDrift | None
    shifts: dict[str, ColumnShift] = field(default_factory=dict)  # per compared column
    reasons: list[str] = field(default_factory=list)  # why retraining is recommended; empty: it is not
    hold_reasons: list[str] = field(default_factory=list)  # why the batch is held; empty: it is not
    notes: list[str] = field(default_factory=list)  # what was not judged, and why
    dependence: DependenceChange | None = None  # None: not judged
    # Evidently's drifted columns, and those beyond noise that reach column_threshold (a key column at any size)
    moved_columns: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        if self.hold_reasons:
            return "held"
        return "retrain" if self.reasons else "no retrain"

    @property
    def retrain_recommended(self) -> bool:
        return self.verdict == "retrain"

    def to_dict(self) -> dict:
        return {
            "batch_id": self.batch_id,
            "reference_batches": list(self.reference_batches),
            "champion_version": self.champion_version,
            "verdict": self.verdict,
            "retrain_recommended": self.retrain_recommended,
            "held": self.verdict == "held",
            "reasons": list(self.reasons),
            "hold_reasons": list(self.hold_reasons),
            "moved_columns": list(self.moved_columns),
            "notes": list(self.notes),
            "data_drift": self.data.to_dict(),
            "column_shifts": {name: s.to_dict() for name, s in self.shifts.items()},
            "concept_drift": self.concept.to_dict() if self.concept else None,
            "dependence": self.dependence.to_dict() if self.dependence else None,
        }


@dataclass(frozen=True)
class DependenceChange:
    """How much of the reference's association between columns a batch keeps."""

    score: float | None  # the quality report's dependence score, beyond sampling noise; None: not applicable
    not_applicable: str | None  # why there is no score (e.g. no pair associated in the reference)
    pairs_furthest_apart: list[dict] = field(default_factory=list)  # names and numbers only

    def to_dict(self) -> dict:
        return asdict(self)


def dependence_change(
    reference: pl.DataFrame, current: pl.DataFrame, schema: TableSchema, columns: list[str]
) -> DependenceChange:
    """How much of the reference's association between ``columns`` the batch keeps, and the pairs furthest apart."""
    from twinforge.evaluation.pairwise import association_report

    report = association_report(reference, current, [schema[name] for name in columns])
    return DependenceChange(
        score=report["dependence_score"],
        not_applicable=report.get("dependence_not_applicable"),
        pairs_furthest_apart=[
            {"columns": p["columns"], "reference": p["real"], "batch": p["synthetic"],
             "opposite_sign": p["opposite_sign"], "lost": p["lost"]}
            for p in report["worst_pairs"] if p["lost"] > 0
        ],
    )  # fmt: skip


def _pair_text(pair: dict) -> str:
    sign = " (opposite sign)" if pair["opposite_sign"] else ""
    return f"{' × '.join(pair['columns'])}{sign}, V {pair['reference']:.2f} -> {pair['batch']:.2f}"


def retrain_reasons(
    data: DriftSummary,
    shifts: dict[str, ColumnShift],
    concept: ConceptDrift | None,
    rules: DriftSpec,
    dependence: DependenceChange | None = None,
) -> list[str]:
    """Every reason, with its numbers, to retrain on the batch; empty: none."""
    reasons = []
    if data.dataset_drift:
        floor = f", each with an effect size >= min_effect {rules.min_effect}" if rules.min_effect is not None else ""
        reasons.append(
            f"data drift: {len(data.drifted_columns)} of {data.n_columns} columns drifted{floor} "
            f"({data.drift_share_observed:.0%} >= drift_share {rules.drift_share:.0%}): {', '.join(data.drifted_columns)}"
        )
    if rules.column_threshold is not None:
        for name, shift in shifts.items():
            # beyond noise too: on a few rows the effect size varies by more than the threshold
            if shift.effect >= rules.column_threshold and shift.beyond_noise:
                reasons.append(
                    f"column {name} moved: effect size {shift.effect:.3f} (PSI {shift.psi:.3f} less sampling noise "
                    f"{shift.noise:.3f}) >= column_threshold {rules.column_threshold}"
                )
    for name in rules.key_columns:
        column = data.columns.get(name)
        if rules.min_effect is None:  # Evidently's test alone
            if column is not None and column.drifted:
                reasons.append(f"key column {name} drifted ({column.method} {_number(column.score)})")
        elif name in shifts and shifts[name].beyond_noise:
            # a key column counts at any effect size once its change is beyond sampling noise, whatever
            # Evidently's test says: a fixed distance threshold misses a rare class growing fourfold, and
            # chi-square flags a large batch against a small reference (it takes the reference's shares as exact)
            shift = shifts[name]
            reasons.append(
                f"key column {name} drifted: PSI {shift.psi:.3f} beyond its sampling noise "
                f"({shift.noise:.3f} expected with no change), effect size {shift.effect:.3f}"
            )
    if concept is not None and concept.drifted:
        reasons.append(
            f"concept drift: {concept.metric} of a model of {concept.target} fell from "
            f"{concept.reference_score:.3f} to {concept.current_score:.3f} (tolerance {concept.tolerance})"
        )
    score = dependence.score if dependence else None
    if score is not None and rules.min_dependence_kept is not None and score < rules.min_dependence_kept:
        pairs = "; ".join(_pair_text(p) for p in dependence.pairs_furthest_apart[:3])
        reasons.append(
            f"dependence between columns changed: the batch keeps {score:.2f} of the reference's association "
            f"(< min_dependence_kept {rules.min_dependence_kept}); furthest apart: {pairs}"
        )
    return reasons


def _moved(shift: ColumnShift, rules: DriftSpec) -> bool:
    """A column's change is beyond sampling noise and reaches the column threshold, or it is a key column."""
    threshold = rules.column_threshold
    big = threshold is not None and shift.effect >= threshold
    return shift.beyond_noise and (big or shift.column in rules.key_columns)


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def assess_batch_drift(
    batch_id: str,
    reference: pl.DataFrame,
    reference_batches: list[str],
    current: pl.DataFrame,
    schema: TableSchema,
    *,
    target: str | None,
    report_dir: Path,
    rules: DriftSpec,
    champion_version: str | None = None,
    approved: bool = False,
    first_training: bool = False,
    seed: int = 0,
) -> BatchDriftAssessment:
    """Compare ``current`` (one anonymized batch) with ``reference``; writes drift.html and drift.json.

    ``approved``: someone approved the batch after a hold, so the hold rules no longer apply.
    ``first_training``: there is no champion yet (``reference`` is the active batches that came before): a
    batch that is not held is to be trained on, whatever its drift.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    comparison = compare_drift(reference, current, schema, drift_share=rules.drift_share)
    data = comparison.summary.written_to(report_dir / "drift.html")
    # a column with no values on one side cannot be tested, but has moved (nulls are a bin of the effect size)
    emptied = [name for name, why in data.skipped_columns.items() if why.startswith("no values in")]
    missing = [c for c in rules.key_columns if c not in data.columns and c not in emptied]
    if missing:
        raise ValueError(
            f"drift.key_columns {missing} are not compared for drift (compared: {', '.join(data.columns)}; "
            f"skipped: {data.skipped_columns or 'none'}): fix the spec"
        )
    shifts = {
        name: column_shift(
            reference.get_column(name), current.get_column(name), numeric=schema[name].kind in NUMERICAL_KINDS
        )
        for name in [*data.columns, *emptied]
    }
    if rules.min_effect is not None:
        data = with_effect_floor(data, {name: shifts[name].effect for name in data.columns}, rules.min_effect)
    concept, notes = None, []
    if target is not None and target in current.columns and target in reference.columns:
        labelled = current.get_column(target).drop_nulls().len()
        if labelled >= MIN_CONCEPT_ROWS:
            concept = concept_drift(reference, current, schema, target, tolerance=rules.concept_tolerance, seed=seed)
        else:
            notes.append(
                f"concept drift not judged: {labelled} rows of the batch have a {target}, fewer than {MIN_CONCEPT_ROWS}"
            )
    dependence = None
    if rules.min_dependence_kept is not None and current.height >= MIN_CONCEPT_ROWS:
        dependence = dependence_change(reference, current, schema, list(data.columns))
    elif rules.min_dependence_kept is not None:
        notes.append(
            f"dependence between columns not judged: the batch has {current.height} rows, fewer than {MIN_CONCEPT_ROWS}"
        )
    # columns that differ hold a batch even after an approval: no training window can take it with the others
    holds = column_set_changes(reference, current)
    holds += [] if approved else hold_reasons(reference, current, schema, concept, rules.hold_if)
    reasons = retrain_reasons(data, shifts, concept, rules, dependence)
    if first_training:
        reasons.insert(0, FIRST_TRAINING)
    moved = [*data.drifted_columns, *(c for c in shifts if c not in data.drifted_columns and _moved(shifts[c], rules))]
    assessment = BatchDriftAssessment(
        batch_id, list(reference_batches), champion_version, data, concept, shifts, reasons, holds, notes, dependence,
        moved,
    )  # fmt: skip
    block = drift_page_summary(assessment, min_effect=rules.min_effect, approved=approved)
    comparison.save(report_dir / "drift.html", summary_block=block)
    write_private_text(report_dir / "drift.json", json.dumps(assessment.to_dict(), indent=2, default=str))
    return assessment


def drift_page_summary(assessment: BatchDriftAssessment, *, min_effect: float | None, approved: bool = False) -> str:
    data, concept = assessment.data, assessment.concept
    floor = f", and an effect size of at least drift.min_effect {min_effect:g}" if min_effect is not None else ""
    top = sorted(assessment.shifts.values(), key=lambda s: s.effect, reverse=True)[:3]
    facts = [
        ("Batch (current data)", assessment.batch_id),
        ("Champion version", assessment.champion_version or "none"),
        (
            "Reference: the champion's training batches"
            if assessment.champion_version
            else "Reference: the active batches before it (no champion yet)",
            ", ".join(assessment.reference_batches),
        ),
        (
            f"Columns drifted (Evidently's test{floor})",
            f"{len(data.drifted_columns)} of {data.n_columns} ({data.drift_share_observed:.0%}; "
            f"dataset drift at {data.drift_share:.0%})",
        ),
        ("Largest column effect sizes", ", ".join(f"{s.column} {s.effect:.3f}" for s in top) or "none"),
    ]
    if concept is not None:
        facts.append(
            (
                f"Concept drift ({concept.metric} of a model of {concept.target})",
                f"reference {concept.reference_score:.3f}, batch {concept.current_score:.3f}, "
                f"chance {concept.chance_score:.3f}, tolerance {concept.tolerance}",
            )
        )
    if assessment.dependence is not None:
        kept = assessment.dependence.score
        facts.append((
            "Dependence kept (association between columns, beyond sampling noise)",
            assessment.dependence.not_applicable or f"{kept:.2f}",
        ))  # fmt: skip
    if assessment.verdict == "held":
        reasons = [*assessment.hold_reasons, *(f"also: {r}" for r in assessment.reasons)]
        note = (
            "The batch is held: it is in no training window and triggers no retrain until approved "
            "(twinforge batches DATASET --approve BATCH, or the approve_batch job in Dagster)."
        )
    else:
        reasons = list(assessment.reasons)
        note = "Approved after a hold: the hold rules were not applied." if approved else ""
    note += "".join(f" {n[0].upper()}{n[1:]}." for n in assessment.notes)
    note += (" " if note else "") + "Evidently's report follows; its headline judges only the share of drifted columns."
    return summary_html(
        title=f"twinforge drift verdict for batch {assessment.batch_id}",
        verdict=assessment.verdict,
        facts=facts,
        reasons=reasons,
        note=note,
    )
