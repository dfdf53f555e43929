"""Report writers. Each reads the audit document (AuditResult.document()) and writes one file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audits.report.csv_report import write_csv
from audits.report.html_report import write_html
from audits.report.json_report import write_json
from audits.report.junit_report import write_junit

__all__ = ["REPORT_FILES", "write_all", "write_csv", "write_html", "write_json", "write_junit"]

REPORT_FILES = ("audit.html", "audit.json", "audit.xml", "audit.csv")


def write_all(document: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write the four reports into ``out_dir`` (created if needed); name -> path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in REPORT_FILES}
    write_json(document, paths["audit.json"])
    write_csv(document, paths["audit.csv"])
    write_junit(document, paths["audit.xml"])
    write_html(document, paths["audit.html"])
    return paths
