"""Shared pieces of the PII detection tests: one text masked, one column's detected type, and names
written for the tests (listed first and last names, and capitalised words in no name list)."""

from __future__ import annotations

import polars as pl

from twinforge.privacy.pii import detect_pii, mask_text

FIRST = ["Teodora", "Rasmus", "Yusuf", "Ingrid", "Matteo", "Aiko", "Bogdan", "Lucia", "Henrik", "Noor"]
LAST = ["Varga", "Lindqvist", "Demir", "Halvorsen", "Rinaldi", "Okafor", "Petrescu", "Moreau", "Brandt", "Costa"]
INVENTED = ["Drovik", "Talmeya", "Quorsen", "Belvira", "Zantho", "Mirrel", "Koltave", "Feshari", "Gundro", "Sevaly"]


def mask_one(text: str) -> str:
    """``text`` after free-text masking."""
    return mask_text(pl.Series("t", [text]))[0]


def column_entity(values: list) -> str | None:
    """The entity detection gives a column of ``values`` as a whole (None: no PII column)."""
    finding = detect_pii(pl.DataFrame({"col_a": values})).columns["col_a"].column_finding
    return finding.entity if finding is not None else None


def distinct_values(template, rng, rows: int = 40) -> list[str]:
    """``rows`` different values of ``template`` (a function of the random generator ``rng``)."""
    values: list[str] = []
    while len(values) < rows:
        value = template(rng)
        if value not in values:
            values.append(value)
    return values
