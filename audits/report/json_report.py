"""audit.json: the whole audit document, for machines.

Findings are written one per line, streamed: an inventory of 100,000 numbers can
have 60,000 findings, and encoding the document in one piece (the indenting
encoder is pure Python and builds the whole text) doubled the audit's peak memory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_json(document: dict[str, Any], path: Path) -> None:
    head = {key: value for key, value in document.items() if key != "findings"}
    findings = document.get("findings", [])
    with path.open("w", encoding="utf-8") as handle:
        text = json.dumps(head, indent=1, default=str)
        handle.write(text[: text.rindex("}")].rstrip())
        handle.write(',\n "findings": [' if head else '\n "findings": [')
        for index, finding in enumerate(findings):
            handle.write(",\n  " if index else "\n  ")
            handle.write(json.dumps(finding, default=str))
        handle.write("\n ]\n}\n" if findings else "]\n}\n")
