"""twinforge's verdict at the top of an Evidently drift page, so the page agrees with the decision.

Evidently's headline ("Dataset Drift is NOT detected") judges only the share of drifted
columns; twinforge's decision also weighs single-column effect sizes, key columns, concept drift
and the hold rules. The summary states that decision, every reason with its numbers and what
was compared with what; Evidently's report follows unchanged.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twinforge.monitoring.data_drift import DriftSummary

MARKER = "twinforge-summary"
_COLOURS = {"retrain": "#b45309", "no retrain": "#15803d", "held": "#b91c1c", "drift": "#b45309", "no drift": "#15803d"}


def summary_html(
    *, title: str, verdict: str, facts: Sequence[tuple[str, str]], reasons: Sequence[str], note: str = ""
) -> str:
    """A self-contained block: the verdict, the facts (label, value), the reasons as a list."""
    colour = _COLOURS.get(verdict, "#1f2937")
    rows = "".join(
        f"<tr><th style='text-align:left;padding:2px 12px 2px 0'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in facts
    )
    items = "".join(f"<li>{html.escape(r)}</li>" for r in reasons) or "<li>none</li>"
    return (
        f"<section id='{MARKER}' style='font-family:system-ui,sans-serif;margin:16px;padding:16px;"
        f"border:2px solid {colour};border-radius:8px;background:#fff'>"
        f"<h1 style='margin:0 0 8px;font-size:22px'>{html.escape(title)}</h1>"
        f"<p style='margin:0 0 12px;font-size:20px'>Verdict: "
        f"<strong id='{MARKER}-verdict' style='color:{colour}'>{html.escape(verdict.upper())}</strong></p>"
        f"<table style='font-size:14px;margin-bottom:12px'>{rows}</table>"
        f"<p style='margin:0;font-weight:600'>Reasons</p><ul id='{MARKER}-reasons' style='margin-top:4px'>{items}</ul>"
        + (f"<p style='color:#4b5563;font-size:13px'>{html.escape(note)}</p>" if note else "")
        + "</section>"
    )


def with_summary(page: str, block: str) -> str:
    """``page`` with ``block`` first in its body."""
    match = re.search(r"<body[^>]*>", page, flags=re.I)
    at = match.end() if match else 0
    return page[:at] + block + page[at:]


def synthetic_drift_summary(
    summary: DriftSummary,
    *,
    model_version: str,
    train_rows: int,
    synthetic_rows: int,
    synthetic_rows_compared: int | None = None,
) -> str:
    """The summary of a synthetic-vs-train drift page: which table is which (and how much of a large
    synthetic table was compared), and what drifted."""
    compared = synthetic_rows if synthetic_rows_compared is None else synthetic_rows_compared
    current = f"the synthetic table sampled from version {model_version}, {synthetic_rows:,} rows"
    if compared < synthetic_rows:
        current += f" (a seeded random sample of {compared:,} of them compared)"
    verdict = "drift" if summary.dataset_drift else "no drift"
    reasons = [
        f"{len(summary.drifted_columns)} of {summary.n_columns} columns drifted "
        f"({summary.drift_share_observed:.0%}; the dataset drifts at {summary.drift_share:.0%})"
        + (f": {', '.join(summary.drifted_columns)}" if summary.drifted_columns else "")
    ]
    return summary_html(
        title=f"Synthetic vs training data, model version {model_version}",
        verdict=verdict,
        facts=[
            ("Reference", f"the training table (train), {train_rows:,} rows"),
            ("Current", current),
            ("Skipped columns", ", ".join(f"{k} ({v})" for k, v in summary.skipped_columns.items()) or "none"),
        ],
        reasons=reasons,
        note="Informational: promotion is decided by the quality gates, not by this page. Evidently's report follows.",
    )
