"""Per-rule verdicts for the test-shaped outputs (audit.xml and ``pytest audits``).

A rule fails when the run crossed the policy's threshold and the rule has
unwaived findings at the threshold's severity or worse; findings below it are
reported but do not fail. A rule that ran but cannot fail is still not "passed"
on an incomplete inventory: it has no verdict, because not every number was read.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from audits.model import Severity
from audits.rules import REGISTRY

__all__ = ["Outcome", "RuleVerdict", "rule_verdicts"]


class Outcome(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    NO_VERDICT = "no verdict (inventory incomplete)"
    NOT_RUN = "not run (a resource it reads could not be read)"


@dataclass
class RuleVerdict:
    rule_id: str
    rule: dict[str, Any] | None
    """The rule as it ran (audit document's run.rules entry); None when the policy disabled it."""
    outcome: Outcome
    failing: list[dict[str, Any]] = field(default_factory=list)
    reported: list[dict[str, Any]] = field(default_factory=list)
    waived: list[dict[str, Any]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<RuleVerdict {self.rule_id} {self.outcome.value} failing={len(self.failing)}>"


def rule_verdicts(document: dict[str, Any]) -> list[RuleVerdict]:
    """One verdict per registered rule, in registry order."""
    ran = {r["id"]: r for r in document["run"]["rules"]}
    threshold = document["threshold"]
    fail_on = None if threshold["fail_on"] == "none" else Severity.parse(threshold["fail_on"])
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for finding in document["findings"]:
        by_rule.setdefault(finding["rule"], []).append(finding)
    verdicts = []
    for rule_id in REGISTRY:
        if rule_id not in ran:
            verdicts.append(RuleVerdict(rule_id, None, Outcome.SKIPPED))
            continue
        if ran[rule_id].get("not_run"):
            # Never "passed": the rule judged nothing (audits.engine, not_run).
            verdicts.append(RuleVerdict(rule_id, ran[rule_id], Outcome.NOT_RUN))
            continue
        findings = by_rule.get(rule_id, [])
        waived = [f for f in findings if f["waived"]]
        open_findings = [f for f in findings if not f["waived"]]
        failing = []
        if threshold["crossed"] and fail_on is not None:
            failing = [f for f in open_findings if Severity.parse(f["severity"]) >= fail_on]
        # By identity: comparing finding dicts made this quadratic (51 s for 60,000 findings).
        failing_ids = {id(f) for f in failing}
        reported = [f for f in open_findings if id(f) not in failing_ids]
        if failing:
            outcome = Outcome.FAILED
        elif not document["complete"]:
            outcome = Outcome.NO_VERDICT
        else:
            outcome = Outcome.PASSED
        verdicts.append(RuleVerdict(rule_id, ran[rule_id], outcome, failing, reported, waived))
    return verdicts
