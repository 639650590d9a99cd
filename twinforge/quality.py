"""Per-column fidelity (kept for existing callers): see :mod:`twinforge.evaluation`.

``fidelity_report`` and ``column_fidelity`` live in
:mod:`twinforge.evaluation.fidelity`; ``write_quality_html`` renders a
fidelity-only report with the full report's page layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twinforge.evaluation.fidelity import column_fidelity, fidelity_report
from twinforge.evaluation.pairwise import correlation_difference

__all__ = ["column_fidelity", "correlation_difference", "fidelity_report", "write_quality_html"]


def write_quality_html(report: dict[str, Any], path: Path, *, title: str) -> Path:
    """Write a :func:`fidelity_report` as one offline HTML page; return its path."""
    from twinforge.evaluation.report import write_report_html

    return write_report_html({"fidelity": report}, path, title=title)
