"""The audit as tests: the inventory must be complete, and each rule must not cross the policy's threshold.

Run with ``pytest audits`` (see audits/conftest.py). Findings below the threshold
are printed, so they appear in the pytest-html report without failing the run.
"""

from __future__ import annotations

from typing import Any

import pytest

from audits.rules import rule_ids
from audits.verdict import Outcome, RuleVerdict

LISTED = 50


def _listing(findings: list[dict[str, Any]]) -> str:
    lines = [
        f"  {f['number']}  {f['severity']}  {f['subaccount']}  {f['message']}" for f in findings[:LISTED]
    ]
    if len(findings) > LISTED:
        lines.append(f"  ... and {len(findings) - LISTED} more (reports/audit.csv)")
    return "\n".join(lines)


def test_inventory_is_complete(audit_document: dict[str, Any]) -> None:
    print(f"{audit_document['numbers_read']} numbers read; total_count {audit_document['total_count']}")
    if not audit_document["complete"]:
        reasons = "\n".join(f"  {r}" for r in audit_document["incomplete_reasons"])
        pytest.fail(f"inventory INCOMPLETE, so nothing can be called clean:\n{reasons}", pytrace=False)


@pytest.mark.parametrize("rule_id", rule_ids())
def test_rule(rule_id: str, verdicts: dict[str, RuleVerdict]) -> None:
    verdict = verdicts[rule_id]
    if verdict.outcome is Outcome.SKIPPED or verdict.rule is None:
        pytest.skip("disabled by the policy")
    rule = verdict.rule
    if verdict.outcome is Outcome.NOT_RUN:
        # Never a pass: the rule judged nothing (a resource it reads was refused).
        pytest.fail(f"rule not run: {rule.get('not_run')}", pytrace=False)
    if verdict.reported:
        print(
            f"{len(verdict.reported)} finding(s) below the failure threshold:\n{_listing(verdict.reported)}"
        )
    if verdict.waived:
        print(f"{len(verdict.waived)} waived finding(s)")
    if verdict.outcome is Outcome.FAILED:
        pytest.fail(
            f"{len(verdict.failing)} {rule['title']} finding(s):\n{_listing(verdict.failing)}\n"
            f"Remediation: {rule['remediation']}\nDocumentation: {rule['doc']}",
            pytrace=False,
        )
    if verdict.outcome is Outcome.NO_VERDICT:
        pytest.fail("no verdict: the inventory is INCOMPLETE (see test_inventory_is_complete)", pytrace=False)
