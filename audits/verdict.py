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

__all__ = ["KEPT", "Outcome", "RuleVerdict", "Sample", "rule_verdicts"]

KEPT = 1_000
"""Findings a verdict keeps per list (its length counts them all): the JUnit case and the pytest
failure list the first 500, and a million findings must not be held to say so."""


class Sample(list[dict[str, Any]]):
    """The first ``KEPT`` findings of a verdict's list; ``len()`` is the count of all of them."""

    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    def add(self, finding: dict[str, Any]) -> None:
        self.total += 1
        if super().__len__() < KEPT:
            self.append(finding)

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0


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
    failing: Sample = field(default_factory=Sample)
    reported: Sample = field(default_factory=Sample)
    waived: Sample = field(default_factory=Sample)

    def __repr__(self) -> str:
        return f"<RuleVerdict {self.rule_id} {self.outcome.value} failing={len(self.failing)}>"


def rule_verdicts(document: dict[str, Any]) -> list[RuleVerdict]:
    """One verdict per registered rule, in registry order."""
    ran = {r["id"]: r for r in document["run"]["rules"]}
    threshold = document["threshold"]
    fail_on = None if threshold["fail_on"] == "none" else Severity.parse(threshold["fail_on"])
    fails = threshold["crossed"] and fail_on is not None
    # One pass, keeping a sample of each list: the findings may be a million rows streamed
    # from disk (audits.spool.FindingRows).
    by_rule: dict[str, tuple[Sample, Sample, Sample]] = {}
    for finding in document["findings"]:
        failing, reported, waived = by_rule.setdefault(finding["rule"], (Sample(), Sample(), Sample()))
        if finding["waived"]:
            waived.add(finding)
        elif fails and fail_on is not None and Severity.parse(finding["severity"]) >= fail_on:
            failing.add(finding)
        else:
            reported.add(finding)
    verdicts = []
    for rule_id in REGISTRY:
        if rule_id not in ran:
            verdicts.append(RuleVerdict(rule_id, None, Outcome.SKIPPED))
            continue
        if ran[rule_id].get("not_run"):
            # Never "passed": the rule judged nothing (audits.engine, not_run).
            verdicts.append(RuleVerdict(rule_id, ran[rule_id], Outcome.NOT_RUN))
            continue
        failing, reported, waived = by_rule.get(rule_id, (Sample(), Sample(), Sample()))
        if failing:
            outcome = Outcome.FAILED
        elif not document["complete"]:
            outcome = Outcome.NO_VERDICT
        else:
            outcome = Outcome.PASSED
        verdicts.append(RuleVerdict(rule_id, ran[rule_id], outcome, failing, reported, waived))
    return verdicts
