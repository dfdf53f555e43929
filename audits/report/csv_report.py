"""audit.csv: one row per finding, for spreadsheets.

Cells come partly from the target's data (an unexpected status is quoted in the
finding's message, a subaccount or number type is copied), so a cell that a
spreadsheet would run as a formula (= + - @, a tab or a carriage return first, even
after spaces) is prefixed with an apostrophe.

An INCOMPLETE audit says so in the first row, before any finding: rule
``INCOMPLETE``, the reasons in the message, so a spreadsheet of findings is never
mistaken for the whole account.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any

from audits.report.html_report import linked_text

COLUMNS = (
    "number",
    "rule",
    "severity",
    "subaccount",
    "number_type",
    "country",
    "first_seen",
    "age_days",
    "new",
    "waived",
    "waiver",
    "message",
    "linked",
    "remediation",
)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_START):
        return "'" + value
    return value


class CsvRows:
    """audit.csv as it is written: the header (and the INCOMPLETE row) first, then one row per
    :meth:`add`. Each row is its list of cells in column order (a missing key is an empty
    cell), built straight from the finding: a million findings, each once."""

    def __init__(self, document: dict[str, Any], handle: IO[str]) -> None:
        self.remediation = {r["id"]: r["remediation"] for r in document["run"]["rules"]}
        # A multi-account audit (audits.accounts) says whose number each row is, first.
        self.columns = ("account", *COLUMNS) if "accounts" in document else COLUMNS
        self.from_finding = self.columns[:-2]  # every column but "linked" and "remediation"
        self.write = csv.writer(handle).writerow
        self.write(self.columns)
        if not document.get("complete", True):
            reasons = "; ".join(document.get("incomplete_reasons", []))
            notice = {
                "rule": "INCOMPLETE",
                "message": _cell(f"inventory INCOMPLETE, so no number can be called clean: {reasons}"),
                "remediation": "Fix what the reasons say and run the audit again.",
            }
            self.write([notice.get(key, "") for key in self.columns])

    def add(self, finding: dict[str, Any]) -> None:
        get = finding.get
        self.write(
            [
                *(_cell(get(key, "")) for key in self.from_finding),
                _cell(linked_text(finding)),
                _cell(self.remediation.get(finding["rule"], "")),
            ]
        )


def write_csv(document: dict[str, Any], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        rows = CsvRows(document, handle)
        for finding in document["findings"]:
            rows.add(finding)
