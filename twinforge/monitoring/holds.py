"""Is a new batch too implausible to train on without a person looking at it first?

A batch whose change is beyond what the world plausibly does (labels that now contradict the
features, a column whose nulls or categories changed wholesale) is more likely a data bug than
drift. Such a batch is *held* (``drift.hold_if``): it stays out of every training window and
triggers no retrain until someone approves it. Each function returns the reasons, with their
numbers, that a batch should be held; none means it need not be.
"""

from __future__ import annotations

import polars as pl

from twinforge.config.spec import HoldSpec
from twinforge.io.batches import COLUMNS_HOLD
from twinforge.io.schema import ColumnKind, TableSchema
from twinforge.monitoring.concept_drift import SAMPLING_Z, ConceptDrift

CATEGORY_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)


def column_set_changes(reference: pl.DataFrame, current: pl.DataFrame) -> list[str]:
    """Columns the batch lacks or adds against the reference (anonymization dropped one of this batch only, or
    the source changed): batches of other columns cannot be trained on together, whoever approves them."""
    missing = [c for c in reference.columns if c not in current.columns]
    added = [c for c in current.columns if c not in reference.columns]
    parts = []
    if missing:
        parts.append(f"{_columns(missing)} of the reference {_are(missing)} missing from the batch")
    if added:
        parts.append(f"{_columns(added)} of the batch {_are(added)} not in the reference")
    if not parts:
        return []
    return [
        COLUMNS_HOLD + "; ".join(parts) + " (after anonymization: a column whose values looked like personal data "
        "in this batch only is dropped); withdraw the batch and add it again with the others' columns"
    ]


def _columns(names: list[str]) -> str:
    return f"column{'s' if len(names) > 1 else ''} {', '.join(names)}"


def _are(names: list[str]) -> str:
    return "are" if len(names) > 1 else "is"


def null_share_changes(reference: pl.DataFrame, current: pl.DataFrame, threshold: float) -> list[str]:
    reasons = []
    for name in reference.columns:
        if name not in current.columns or reference.height == 0 or current.height == 0:
            continue
        before = reference.get_column(name).null_count() / reference.height
        after = current.get_column(name).null_count() / current.height
        if abs(after - before) >= threshold:
            reasons.append(
                f"null share of {name} changed from {before:.1%} to {after:.1%} (hold_if.null_share_change {threshold})"
            )
    return reasons


def new_category_shares(
    reference: pl.DataFrame, current: pl.DataFrame, schema: TableSchema, threshold: float
) -> list[str]:
    reasons = []
    for column in schema.columns:
        name = column.name
        if column.kind not in CATEGORY_KINDS or name not in current.columns or name not in reference.columns:
            continue
        values = current.get_column(name).drop_nulls().cast(pl.String)
        if values.len() == 0:
            continue
        known = reference.get_column(name).drop_nulls().cast(pl.String).unique()
        share = float((~values.is_in(known)).sum()) / values.len()
        if share >= threshold:
            reasons.append(
                f"{share:.1%} of the values of {name} are categories the reference never had "
                f"(hold_if.new_category_share {threshold})"
            )
    return reasons


def below_chance(concept: ConceptDrift | None) -> list[str]:
    """The model of the target scores below chance on the batch, by more than its sampling error (a model of a
    target the features hardly predict lands under chance in half the batches by noise alone)."""
    margin = SAMPLING_Z * concept.current_standard_error if concept is not None else 0.0
    if concept is None or concept.current_score >= concept.chance_score - margin:
        return []
    return [
        f"the model of {concept.target} trained on the reference scores {concept.current_score:.3f} "
        f"({concept.metric}) on the batch, below chance level {concept.chance_score:.3f} by more than "
        f"{SAMPLING_Z:g} standard errors ({concept.current_standard_error:.3f}): its labels contradict what the "
        "features say (hold_if.below_chance)"
    ]


def hold_reasons(
    reference: pl.DataFrame,
    current: pl.DataFrame,
    schema: TableSchema,
    concept: ConceptDrift | None,
    rules: HoldSpec,
) -> list[str]:
    """Why ``current`` should be held (empty: it should not), by the rules that are on."""
    reasons = below_chance(concept) if rules.below_chance else []
    if rules.null_share_change is not None:
        reasons += null_share_changes(reference, current, rules.null_share_change)
    if rules.new_category_share is not None:
        reasons += new_category_shares(reference, current, schema, rules.new_category_share)
    return reasons
