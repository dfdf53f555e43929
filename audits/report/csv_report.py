"""audit.csv: one row per finding, for spreadsheets.

Cells come partly from the target's data (an unexpected status is quoted in the
finding's message), so a cell that a spreadsheet would run as a formula is
prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

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
    "remediation",
)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(document: dict[str, Any], path: Path) -> None:
    remediation = {r["id"]: r["remediation"] for r in document["run"]["rules"]}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for finding in document["findings"]:
            row = {**finding, "remediation": remediation.get(finding["rule"], "")}
            writer.writerow({key: _cell(value) for key, value in row.items() if key in COLUMNS})
