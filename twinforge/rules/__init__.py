"""Business rules: declared in a spec, enforced at sampling, validated and reported.

* :mod:`.expressions`: the safe expression language of text rules (``a >= b``, ``total == a * b``);
* :mod:`.definitions`: the rule kinds and :func:`parse_rules` (what ``rules:`` in a spec holds);
* :mod:`.regex`: values generated from a ``format`` rule's regex;
* :mod:`.enforcement`: :func:`fit_rules` (what a rule learns from real data) and the enforcement every
  generator's sampling goes through;
* :mod:`.suggest`: candidate rules inferred from a table (``twinforge rules suggest``).
"""

from __future__ import annotations

from twinforge.rules.definitions import Rule, RuleError, RuleList, load_rules, parse_rules
from twinforge.rules.enforcement import FittedRules, Strata, fit_rules
from twinforge.rules.expressions import ExpressionError, parse_expression

__all__ = [
    "ExpressionError",
    "FittedRules",
    "Rule",
    "RuleError",
    "RuleList",
    "Strata",
    "fit_rules",
    "load_rules",
    "parse_expression",
    "parse_rules",
]
