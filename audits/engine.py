"""Run the policy's rules over an inventory: findings with severities and waivers applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from audits.model import Finding, NumberRecord
from audits.policy import Policy
from audits.rules import Rule, rule_class
from audits.subject import Subject

__all__ = ["Evaluation", "evaluate", "rules_for"]


def rules_for(policy: Policy) -> list[Rule]:
    """The policy's rules, instantiated with its severity overrides."""
    return [rule_class(rule_id)(policy.severities.get(rule_id)) for rule_id in policy.rules]


@dataclass
class Evaluation:
    rules: list[Rule]
    findings: list[Finding]
    numbers_in_scope: int
    numbers_out_of_scope: int

    @property
    def unwaived(self) -> list[Finding]:
        return [f for f in self.findings if not f.waived]

    def __repr__(self) -> str:
        return f"<Evaluation {len(self.findings)} findings over {self.numbers_in_scope} numbers>"


def evaluate(records: Iterable[NumberRecord], policy: Policy, today: dt.date) -> Evaluation:
    rules = rules_for(policy)
    findings: list[Finding] = []
    in_scope = out_of_scope = 0
    for record in records:
        if not policy.scope.includes(record):
            out_of_scope += 1
            continue
        in_scope += 1
        subject = Subject(record)
        for rule in rules:
            for finding in rule.check(subject):
                _apply_waiver(finding, policy, today)
                findings.append(finding)
    return Evaluation(rules, findings, in_scope, out_of_scope)


def _apply_waiver(finding: Finding, policy: Policy, today: dt.date) -> None:
    waiver = policy.waiver_for(finding)
    if waiver is None:
        return
    if waiver.active_on(today):
        finding.waiver = f"{waiver.reason} (until {waiver.expires.isoformat()})"
    else:
        # An expired waiver reports the finding again, saying so.
        finding.details["waiver_expired"] = f"{waiver.reason} (expired {waiver.expires.isoformat()})"
