"""audit.csv: one row per finding, for spreadsheets."""

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


def write_csv(document: dict[str, Any], path: Path) -> None:
    remediation = {r["id"]: r["remediation"] for r in document["run"]["rules"]}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for finding in document["findings"]:
            writer.writerow({**finding, "remediation": remediation.get(finding["rule"], "")})
