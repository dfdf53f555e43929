"""Report writers. Each reads the audit document (AuditResult.document()) and writes one file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from audits.report.csv_report import write_csv
from audits.report.html_report import write_html
from audits.report.json_report import write_json
from audits.report.junit_report import write_junit

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

    audit.json is written last, so a whole audit.json means every report was written, and
    so that it can say how long each of the others took: when the document times its run
    (``run.phases``, audits.run), each report's seconds are added there under its file name.
    audit.json cannot hold its own.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in REPORT_FILES}
    run = document.get("run")
    phases = run.get("phases") if isinstance(run, dict) else None
    for name, writer in (
        ("audit.csv", write_csv),
        ("audit.xml", write_junit),
        ("audit.html", write_html),
    ):
        clock = time.perf_counter()
        writer(document, paths[name])
        if isinstance(phases, dict):
            phases[name] = round(time.perf_counter() - clock, 3)
    write_json(document, paths["audit.json"])
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
