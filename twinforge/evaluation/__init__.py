"""Evaluation of a synthetic table: fidelity, utility, privacy, promotion gates and the HTML report.

``evaluate(train, holdout, synthetic, schema, target=...)`` computes everything
as a typed :class:`QualityReport` (see :mod:`twinforge.evaluation.evaluator`
and :mod:`twinforge.evaluation.models`; ``report.to_json_dict()`` is its JSON
form, ``QualityReport.from_json(...)`` reads it back);
``write_report_html(report, path, title=...)`` renders it as one offline page.
Modules: ``fidelity`` (per column), ``pairwise`` (correlations, Cramér's V,
contingency), ``discriminator``, ``utility`` (TSTR vs TRTR), ``privacy``
(exact matches, DCR, NNDR, membership inference), ``attacks`` (anonymeter-style
singling out, linkability, inference), ``gates``, ``models`` (the typed report), ``report`` (HTML).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "GateResult",
    "GateThresholds",
    "GateVerdicts",
    "QualityReport",
    "QualitySpec",
    "evaluate",
    "failed_gates",
    "headline_metrics",
    "write_report_html",
    "write_report_json",
]

# loaded on first use: `import twinforge.config.spec` pulls in this package and must stay light
_LAZY = {
    "GateResult": "twinforge.evaluation.models",
    "GateThresholds": "twinforge.config.quality",
    "GateVerdicts": "twinforge.evaluation.models",
    "QualityReport": "twinforge.evaluation.models",
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
