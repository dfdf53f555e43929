"""Run the policy's rules over an inventory: findings with severities and waivers applied."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from audits.model import Finding, NumberRecord
from audits.policy import Policy
from audits.rules import Rule, rule_class
from audits.subject import Subject

__all__ = ["Evaluation", "evaluate", "rules_for"]


def rules_for(policy: Policy) -> list[Rule]:
    """The policy's rules, instantiated with its severity overrides."""
    return [rule_class(rule_id)(policy.severities.get(rule_id)) for rule_id in policy.rules]


ERRORS_LISTED = 5
"""Rule failures quoted per rule; the rest are counted."""


@dataclass
class Evaluation:
    rules: list[Rule]
    findings: list[Finding]
    numbers_in_scope: int
    numbers_out_of_scope: int
    errors: list[str] = field(default_factory=list)
    """Rules that raised on a number: those numbers were not fully judged (the audit is INCOMPLETE)."""

    @property
    def unwaived(self) -> list[Finding]:
        return [f for f in self.findings if not f.waived]

    def __repr__(self) -> str:
        return f"<Evaluation {len(self.findings)} findings over {self.numbers_in_scope} numbers>"


def evaluate(records: Iterable[NumberRecord], policy: Policy, today: dt.date) -> Evaluation:
    rules = rules_for(policy)
    findings: list[Finding] = []
    failures: Counter[str] = Counter()
    errors: list[str] = []
    in_scope = out_of_scope = 0
    for record in records:
        if not policy.scope.includes(record):
            out_of_scope += 1
            continue
        in_scope += 1
        subject = Subject(record)
        for rule in rules:
            try:
                found = list(rule.check(subject))
            except Exception as error:  # one odd value must not cost the whole audit its report
                failures[rule.id] += 1
                if failures[rule.id] <= ERRORS_LISTED:
                    errors.append(
                        f"rule {rule.id} failed on number {record.number}: {type(error).__name__}: {error}"
                    )
                continue
            for finding in found:
                _apply_waiver(finding, policy, today)
                findings.append(finding)
    for rule_id, count in failures.items():
        if count > ERRORS_LISTED:
            errors.append(f"rule {rule_id} failed on {count - ERRORS_LISTED} more number(s)")
    return Evaluation(rules, findings, in_scope, out_of_scope, errors)


def _apply_waiver(finding: Finding, policy: Policy, today: dt.date) -> None:
    waiver = policy.waiver_for(finding)
    if waiver is None:
        return
    if waiver.active_on(today):
        finding.waiver = f"{waiver.reason} (until {waiver.expires.isoformat()})"
    else:
        # An expired waiver reports the finding again, saying so.
        finding.details["waiver_expired"] = f"{waiver.reason} (expired {waiver.expires.isoformat()})"
