"""Evaluation of a synthetic table: fidelity, utility, privacy, promotion gates and the HTML report.

``evaluate(train, holdout, synthetic, schema, target=...)`` computes everything
as plain JSON (see :mod:`twinforge.evaluation.evaluator`);
``write_report_html(report, path, title=...)`` renders it as one offline page.
Modules: ``fidelity`` (per column), ``pairwise`` (correlations, Cramér's V,
contingency), ``discriminator``, ``utility`` (TSTR vs TRTR), ``privacy``
(exact matches, DCR, NNDR, membership inference), ``attacks`` (anonymeter-style
singling out, linkability, inference), ``gates``, ``report`` (HTML).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "GateThresholds",
    "QualitySpec",
    "evaluate",
    "failed_gates",
    "headline_metrics",
    "write_report_html",
    "write_report_json",
]

# loaded on first use: `import twinforge.config.spec` pulls in this package and must stay light
_LAZY = {
    "GateThresholds": "twinforge.config.quality",
    "QualitySpec": "twinforge.config.quality",
    "evaluate": "twinforge.evaluation.evaluator",
    "failed_gates": "twinforge.evaluation.evaluator",
    "headline_metrics": "twinforge.evaluation.evaluator",
    "write_report_json": "twinforge.evaluation.evaluator",
    "write_report_html": "twinforge.evaluation.report",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'twinforge.evaluation' has no attribute {name!r}")
