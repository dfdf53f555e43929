"""audit.xml: JUnit XML with one test case per rule, so CI systems show the audit as tests.

Verdicts come from audits.verdict: a case fails on findings that cross the
policy's threshold, is skipped when the policy disables the rule, and is an
error when the inventory is incomplete (a partial inventory never shows as
passing). Findings below the threshold are listed in the case's system-out. A
second suite holds one case for the inventory's completeness.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from audits.verdict import Outcome, RuleVerdict, rule_verdicts

LISTED = 500
"""Findings listed per case; the rest are counted (audit.csv has them all)."""


def _lines(findings: list[dict[str, Any]]) -> list[str]:
    lines = [
        # A multi-account audit's findings say whose number it is (audits.accounts).
        f"{f['account'] + '  ' if 'account' in f else ''}{f['number']}  {f['severity']}  {f['subaccount']}  "
        f"{f['message']}"
        for f in findings[:LISTED]
    ]
    if len(findings) > LISTED:
        lines.append(f"... and {len(findings) - LISTED} more (see audit.csv)")
    return lines


def write_junit(document: dict[str, Any], path: Path, verdicts: list[RuleVerdict] | None = None) -> None:
    """audit.xml; ``verdicts``: ``rule_verdicts(document)`` when already made (audits.report.write_all)."""
    duration = f"{document['run']['duration_s']:.3f}"
    root = ET.Element("testsuites", name=document["tool"])
    suite = ET.SubElement(
        root, "testsuite", name="plivo-number-audit.rules", timestamp=document["run"]["started_at"]
    )
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for verdict in rule_verdicts(document) if verdicts is None else verdicts:
        counts["tests"] += 1
        case = ET.SubElement(suite, "testcase", classname="audits.rules", name=verdict.rule_id, time="0")
        rule = verdict.rule
        if verdict.outcome is Outcome.SKIPPED or rule is None:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message="disabled by the policy")
            continue
        if verdict.outcome is Outcome.NOT_RUN:
            counts["errors"] += 1
            ET.SubElement(case, "error", message=f"rule not run: {rule.get('not_run')}")
            continue
        if verdict.outcome is Outcome.FAILED:
            counts["failures"] += 1
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{len(verdict.failing)} finding(s): {rule['title']}",
                type=rule["severity"],
            )
            failure.text = "\n".join(
                [
                    *_lines(verdict.failing),
                    "",
                    f"Remediation: {rule['remediation']}",
                    f"Documentation: {rule['doc']}",
                ]
            )
        elif verdict.outcome is Outcome.NO_VERDICT:
            counts["errors"] += 1
            ET.SubElement(
                case,
                "error",
                message="inventory INCOMPLETE: nothing failing among the numbers read, "
                "but not every number was read",
            )
        notes = []
        if verdict.reported:
            notes += [
                f"{len(verdict.reported)} finding(s) below the failure threshold:",
                *_lines(verdict.reported),
            ]
        if verdict.waived:
            notes += [f"{len(verdict.waived)} waived finding(s)"]
        if notes:
            ET.SubElement(case, "system-out").text = "\n".join(notes)
    suite.attrib.update({k: str(v) for k, v in counts.items()}, time=duration)

    inventory_suite = ET.SubElement(
        root, "testsuite", name="plivo-number-audit.inventory", tests="1", failures="0", skipped="0"
    )
    case = ET.SubElement(
        inventory_suite, "testcase", classname="audits.inventory", name="complete", time=duration
    )
    if document["complete"]:
        inventory_suite.set("errors", "0")
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(
            [
                f"{document['numbers_read']} numbers read; total_count {document['total_count']}",
                *(f"note: {n}" for n in document.get("notes", [])),
            ]
        )
    else:
        inventory_suite.set("errors", "1")
        error = ET.SubElement(case, "error", message="inventory INCOMPLETE")
        error.text = "\n".join(document["incomplete_reasons"])
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
