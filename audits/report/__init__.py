"""Report writers. Each reads the audit document (AuditResult.document()) and writes one file."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from audits.report.csv_report import CsvRows, write_csv
from audits.report.html_report import PageFindings, write_html
from audits.report.json_report import FindingLines, write_json, write_json_with
from audits.report.junit_report import write_junit
from audits.spool import scratch_directory
from audits.verdict import rule_verdicts

__all__ = [
    "REPORT_FILES",
    "write_all",
    "write_csv",
    "write_html",
    "write_json",
    "write_junit",
    "write_stopped",
]

REPORT_FILES = ("audit.html", "audit.json", "audit.xml", "audit.csv")


def write_all(document: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write the four reports into ``out_dir`` (created if needed); name -> path.

    The findings are read once for all four: a million findings streamed from disk
    (audits.spool) cost seconds per pass to read and decode. That one pass writes audit.csv's
    rows and audit.json's finding lines (to a scratch file), keeps what audit.html shows and
    tallies the JUnit verdicts (audits.verdict reads the pass); then audit.xml and audit.html
    are written, and audit.json last: a whole audit.json means every report was written, and
    when the document times its run (``run.phases``, audits.run) each report's seconds are
    added there first. ``findings_read`` is the pass itself (reading and decoding the
    findings, tallying the verdicts); each report's entry is its own share of the work.
    audit.json's entry leaves out copying its lines after its head, done once it is written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in REPORT_FILES}
    started = time.perf_counter()
    spent = dict.fromkeys(("audit.json", "audit.csv", "audit.xml", "audit.html"), 0.0)
    page = PageFindings(document)
    handle, lines_name = tempfile.mkstemp(prefix="audit-json-lines-", suffix=".txt", dir=scratch_directory())
    os.close(handle)
    lines_path = Path(lines_name)
    try:
        with (
            lines_path.open("w", encoding="utf-8") as lines_handle,
            paths["audit.csv"].open("w", encoding="utf-8", newline="") as csv_handle,
        ):
            lines, rows = FindingLines(lines_handle), CsvRows(document, csv_handle)

            def one_pass() -> Iterator[dict[str, Any]]:
                clock = time.perf_counter
                for finding in document["findings"]:
                    t0 = clock()
                    lines.add(finding)
                    t1 = clock()
                    rows.add(finding)
                    t2 = clock()
                    page.add(finding)
                    spent["audit.json"] += t1 - t0
                    spent["audit.csv"] += t2 - t1
                    spent["audit.html"] += clock() - t2
                    yield finding

            findings = one_pass()
            verdicts = rule_verdicts({**document, "findings": findings})
            for _ in findings:  # whatever the verdicts left unread
                pass
        read = time.perf_counter() - started - sum(spent.values())
        clock = time.perf_counter()
        write_junit(document, paths["audit.xml"], verdicts)
        spent["audit.xml"] += time.perf_counter() - clock
        clock = time.perf_counter()
        paths["audit.html"].write_text(page.render(), encoding="utf-8")
        spent["audit.html"] += time.perf_counter() - clock
        run = document.get("run")
        phases = run.get("phases") if isinstance(run, dict) else None
        if isinstance(phases, dict):
            phases["findings_read"] = round(read, 3)
            phases.update((name, round(seconds, 3)) for name, seconds in spent.items())
        write_json_with(document, paths["audit.json"], lines_path, lines.count)
    finally:
        lines_path.unlink(missing_ok=True)
    return paths


def write_stopped(reason: str, out_dir: str | Path) -> dict[str, Path]:
    """The four reports of an audit that stopped before it had a document: INCOMPLETE, with ``reason``.

    The last resort of ``python -m audits`` (an unexpected error): nothing was judged, and
    every report says so instead of leaving last night's in place. ``reason`` must already
    have passed through the run's Output.
    """
    import csv
    import html
    import json
    import xml.etree.ElementTree as ET

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in REPORT_FILES}
    document = {
        "status": "INCOMPLETE",
        "complete": False,
        "incomplete_reasons": [reason],
        "exit_code": 3,
        "findings": [],
    }
    paths["audit.json"].write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    with paths["audit.csv"].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number", "rule", "severity", "message"])
        writer.writerow(["", "INCOMPLETE", "", f"the audit stopped: {reason}"])
    root = ET.Element("testsuites", name="plivo-number-audit")
    suite = ET.SubElement(root, "testsuite", name="plivo-number-audit.inventory", tests="1", errors="1")
    case = ET.SubElement(suite, "testcase", classname="audits.inventory", name="complete")
    ET.SubElement(case, "error", message="inventory INCOMPLETE").text = reason
    ET.ElementTree(root).write(paths["audit.xml"], encoding="utf-8", xml_declaration=True)
    paths["audit.html"].write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Plivo number audit: INCOMPLETE</title></head>"
        '<body data-status="INCOMPLETE"><h1>Plivo number compliance audit '
        '<span id="status">INCOMPLETE</span></h1>'
        '<div id="incomplete"><strong>INCOMPLETE inventory.</strong> The audit stopped before it '
        f"could judge any number:<ul><li>{html.escape(reason)}</li></ul></div></body></html>\n",
        encoding="utf-8",
    )
    return paths
