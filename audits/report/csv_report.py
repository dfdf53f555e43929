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
from typing import Any

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


def write_csv(document: dict[str, Any], path: Path) -> None:
    remediation = {r["id"]: r["remediation"] for r in document["run"]["rules"]}
    # A multi-account audit (audits.accounts) says whose number each row is, first.
    columns = ("account", *COLUMNS) if "accounts" in document else COLUMNS
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        if not document.get("complete", True):
            reasons = "; ".join(document.get("incomplete_reasons", []))
            writer.writerow(
                {
                    "rule": "INCOMPLETE",
                    "message": _cell(f"inventory INCOMPLETE, so no number can be called clean: {reasons}"),
                    "remediation": "Fix what the reasons say and run the audit again.",
                }
            )
        for finding in document["findings"]:
            row = {
                **finding,
                "linked": linked_text(finding),
                "remediation": remediation.get(finding["rule"], ""),
            }
            writer.writerow({key: _cell(value) for key, value in row.items() if key in columns})
