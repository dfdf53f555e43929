"""audit.xml: JUnit XML with one test case per rule, so CI systems show the audit as tests.

A rule's case fails when it has unwaived findings, is skipped when the policy
disables it, and is an error when the inventory is incomplete and the rule found
nothing: a partial inventory is never shown as passing. A second suite holds one
case for the inventory's completeness.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

from audits.rules import REGISTRY

LISTED = 500
"""Findings listed per failing case; the rest are counted (audit.csv has them all)."""


def write_junit(document: dict[str, Any], path: Path) -> None:
    findings: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in document["findings"]:
        if not finding["waived"]:
            findings[finding["rule"]].append(finding)
    ran = {r["id"]: r for r in document["run"]["rules"]}
    complete = document["complete"]
    duration = f"{document['run']['duration_s']:.3f}"

    root = ET.Element("testsuites", name=document["tool"])
    rules_suite = ET.SubElement(
        root, "testsuite", name="plivo-number-audit.rules", timestamp=document["run"]["started_at"]
    )
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for rule_id in REGISTRY:
        counts["tests"] += 1
        case = ET.SubElement(rules_suite, "testcase", classname="audits.rules", name=rule_id, time="0")
        if rule_id not in ran:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message="disabled by the policy")
            continue
        rule = ran[rule_id]
        hits = findings.get(rule_id, [])
        if hits:
            counts["failures"] += 1
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{len(hits)} {rule['severity']} finding(s): {rule['title']}",
                type=rule["severity"],
            )
            lines = [f"{f['number']}  {f['subaccount']}  {f['message']}" for f in hits[:LISTED]]
            if len(hits) > LISTED:
                lines.append(f"... and {len(hits) - LISTED} more (see audit.csv)")
            lines += ["", f"Remediation: {rule['remediation']}", f"Documentation: {rule['doc']}"]
            failure.text = "\n".join(lines)
        elif not complete:
            counts["errors"] += 1
            ET.SubElement(
                case,
                "error",
                message="inventory INCOMPLETE: no finding among the numbers read, "
                "but not every number was read",
            )
    rules_suite.attrib.update({k: str(v) for k, v in counts.items()}, time=duration)

    inventory_suite = ET.SubElement(
        root, "testsuite", name="plivo-number-audit.inventory", tests="1", failures="0", skipped="0"
    )
    case = ET.SubElement(
        inventory_suite, "testcase", classname="audits.inventory", name="complete", time=duration
    )
    if complete:
        inventory_suite.set("errors", "0")
        out = ET.SubElement(case, "system-out")
        out.text = f"{document['numbers_read']} numbers read; total_count {document['total_count']}"
    else:
        inventory_suite.set("errors", "1")
        error = ET.SubElement(case, "error", message="inventory INCOMPLETE")
        error.text = "\n".join(document["incomplete_reasons"])
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
