"""The rule registry: importing this package registers every rule class by its id.

Modules are imported in the issue's order so reports list the rules that way.
"""

# ruff: noqa: I001
from __future__ import annotations

from audits.rules import tendlc, tollfree, profile, reputation, compliance, data
from audits.rules.base import REGISTRY, Rule, rule_class, rule_ids

__all__ = [
    "REGISTRY",
    "Rule",
    "compliance",
    "data",
    "profile",
    "reputation",
    "rule_class",
    "rule_ids",
    "tendlc",
    "tollfree",
]
