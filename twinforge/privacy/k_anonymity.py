"""k-anonymity and l-diversity over the spec's quasi-identifiers.

Rows that share every quasi-identifier value form an equivalence class. The table is
k-anonymous when the smallest class has at least k rows, and l-diverse when every
class holds at least l distinct values of each sensitive column. Nulls count as a
value. The report carries sizes and counts only, never values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import polars as pl

REFERENCE_K = 5  # reported (rows in classes below it) when the spec sets no k


@dataclass
class PrivacyReport:
    quasi_identifiers: list[str]
    sensitive: list[str]
    rows: int
    classes: int
    k_min: int  # size of the smallest equivalence class (0 for an empty table)
    k: int  # the k rows_below_k refers to: the spec's, else REFERENCE_K
    k_required: bool  # whether the spec sets k (then it is a blocking check)
    classes_below_k: int
    rows_below_k: int
    l_min: dict[str, int] = field(default_factory=dict)  # sensitive column -> fewest distinct values in a class
    l: int | None = None
    classes_below_l: dict[str, int] = field(default_factory=dict)
    rows_below_l: dict[str, int] = field(default_factory=dict)
    missing_quasi_identifiers: list[str] = field(default_factory=list)  # declared but dropped by the policy

    @property
    def k_passed(self) -> bool:
        return self.rows_below_k == 0

    @property
    def l_passed(self) -> bool:
        return self.l is None or all(v == 0 for v in self.rows_below_l.values())

    def failures(self) -> list[str]:
        """What the spec's k and l (the blocking checks) found short, in words; empty when both hold."""
        failed = []
        if self.k_required and not self.k_passed:
            failed.append(f"k-anonymity: {self.rows_below_k} rows in classes smaller than k={self.k}")
        if not self.l_passed:
            columns = ", ".join(f"{c} ({n} rows)" for c, n in sorted(self.rows_below_l.items()) if n)
            failed.append(f"l-diversity: rows in classes with fewer than l={self.l} distinct values of {columns}")
        return failed

    def to_dict(self) -> dict:
        return asdict(self)


def privacy_report(
    df: pl.DataFrame,
    quasi_identifiers: list[str],
    sensitive: list[str] | None = None,
    k: int | None = None,
    l: int | None = None,
) -> PrivacyReport:
    """Equivalence-class statistics of ``df`` over the quasi-identifiers present in it."""
    present = [c for c in quasi_identifiers if c in df.columns]
    sensitive = [c for c in (sensitive or []) if c in df.columns]
    k_ref = k or REFERENCE_K
    if df.height == 0:
        return PrivacyReport(
            present,
            sensitive,
            0,
            0,
            0,
            k_ref,
            k is not None,
            0,
            0,
            l=l,
            missing_quasi_identifiers=[c for c in quasi_identifiers if c not in df.columns],
        )
    keys = present or None
    if keys is None:  # no quasi-identifier left: the whole table is one class
        grouped = df.select(pl.len().alias("size"), *[pl.col(s).n_unique().alias(s) for s in sensitive])
    else:
        grouped = df.group_by(keys).agg(pl.len().alias("size"), *[pl.col(s).n_unique().alias(s) for s in sensitive])
    sizes = grouped.get_column("size")
    small = grouped.filter(pl.col("size") < k_ref)
    report = PrivacyReport(
        quasi_identifiers=present,
        sensitive=sensitive,
        rows=df.height,
        classes=grouped.height,
        k_min=int(sizes.min()),
        k=k_ref,
        k_required=k is not None,
        classes_below_k=small.height,
        rows_below_k=int(small.get_column("size").sum()),
        l=l,
        missing_quasi_identifiers=[c for c in quasi_identifiers if c not in df.columns],
    )
    for s in sensitive:
        report.l_min[s] = int(grouped.get_column(s).min())
        if l is not None:
            thin = grouped.filter(pl.col(s) < l)
            report.classes_below_l[s] = thin.height
            report.rows_below_l[s] = int(thin.get_column("size").sum())
    return report


# ------------------------------------------------------------------ enforcement

SUPPRESSION_REASON = "k-anonymity suppression"


@dataclass
class KEnforcement:
    """How k was reached: the hierarchy level each quasi-identifier ended at, and rows suppressed."""

    k: int
    levels: dict[str, int]  # quasi-identifier -> generalization steps taken beyond the policy (0: none)
    available_levels: dict[str, int]
    rows_suppressed: int
    # quasi-identifier -> the generalization its level applies to the original column ({}: none beyond the
    # policy), e.g. {"band": 16}: what a later batch reuses, and what batches stacked together must share
    steps: dict[str, dict] = field(default_factory=dict)
    reused: bool = False  # the steps are a reference batch's (see anonymize_table's k_scheme), not chosen here

    def scheme(self) -> dict:
        """The generalization scheme, to record and hand to later batches: ``{"levels", "steps"}``."""
        return {"levels": dict(self.levels), "steps": {q: dict(p) for q, p in self.steps.items()}}

    def to_dict(self) -> dict:
        return asdict(self)


def same_scheme(a: dict | None, b: dict | None) -> bool:
    """Whether two recorded schemes (:meth:`KEnforcement.scheme`, None: k not enforced) generalize alike."""
    return (a or {}).get("steps", {}) == (b or {}).get("steps", {})


def _rows_below(df: pl.DataFrame, keys: list[str], k: int) -> int:
    if df.height == 0:
        return 0
    sizes = df.group_by(keys).len() if keys else pl.DataFrame({"len": [df.height]})
    return int(sizes.filter(pl.col("len") < k).get_column("len").sum())


def enforce_k(
    df: pl.DataFrame,
    quasi_identifiers: list[str],
    k: int,
    levels: dict[str, list[pl.Series]],
    max_suppressed_share: float = 0.05,
) -> tuple[pl.DataFrame, list[int], KEnforcement]:
    """Generalize, then suppress, until every class over ``quasi_identifiers`` has at least ``k`` rows.

    ``levels[q]`` lists ever coarser versions of column ``q`` (same length as ``df``). Greedily,
    while more than ``max_suppressed_share`` of the rows sit in classes below k, the column whose
    next level leaves the fewest such rows moves up one level. The rows still in small classes
    are then suppressed. Returns the table without them, their 0-based positions in ``df``, and
    what was done.
    """
    keys = [q for q in quasi_identifiers if q in df.columns]
    current = {q: 0 for q in keys}
    available = {q: len(levels.get(q, [])) for q in keys}
    frame = df
    while _rows_below(frame, keys, k) > max_suppressed_share * frame.height:
        options = [q for q in keys if current[q] < available[q]]
        if not options:
            break

        candidates = {q: frame.with_columns(levels[q][current[q]].alias(q)) for q in options}
        best = min(options, key=lambda q: (_rows_below(candidates[q], keys, k), q))
        frame = candidates[best]
        current[best] += 1
    if keys and frame.height:
        size = pl.len().over(keys)
        small = frame.select((size < k).alias("small")).to_series()
    else:
        small = pl.Series("small", [frame.height < k] * frame.height, dtype=pl.Boolean)
    suppressed = small.arg_true().to_list()
    kept = frame.filter(~small)
    return kept, suppressed, KEnforcement(k, current, available, len(suppressed))
