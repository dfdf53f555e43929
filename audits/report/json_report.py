"""audit.json: the whole audit document, for machines.

Findings are written one per line, streamed: an inventory of 100,000 numbers can
have 60,000 findings, and encoding the document in one piece (the indenting
encoder is pure Python and builds the whole text) doubled the audit's peak memory.

``write_all`` (audits.report) encodes the finding lines during the one pass over the
findings that feeds every report (:class:`FindingLines`, into a scratch file), then writes
the document's head and copies the lines after it (:func:`write_json_with`): the head can
then say how long the other reports took.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import IO, Any

_encode = json.JSONEncoder(default=str).encode
"""``json.dumps(value, default=str)`` without building an encoder per call (a million calls)."""


class FindingLines:
    """audit.json's finding lines, one per :meth:`add`, written to ``handle`` as they come."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.count = 0

    def add(self, finding: dict[str, Any]) -> None:
        self.handle.write(",\n  " if self.count else "\n  ")
        self.handle.write(_encode(finding))
        self.count += 1


def _head(document: dict[str, Any]) -> str:
    head = {key: value for key, value in document.items() if key != "findings"}
    text = json.dumps(head, indent=1, default=str)
    return text[: text.rindex("}")].rstrip() + (',\n "findings": [' if head else '\n "findings": [')


def write_json(document: dict[str, Any], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(_head(document))
        lines = FindingLines(handle)
        for finding in document.get("findings", []):
            lines.add(finding)
        handle.write("\n ]\n}\n" if lines.count else "]\n}\n")


def write_json_with(document: dict[str, Any], path: Path, lines: Path, count: int) -> None:
    """audit.json from its head and the ``count`` finding lines already written to ``lines``
    (by a :class:`FindingLines`): the same file :func:`write_json` writes."""
    # Bytes copied as they are: the lines were written as UTF-8, and need no decoding again.
    with path.open("wb") as handle, lines.open("rb") as written:
        handle.write(_head(document).encode("utf-8"))
        shutil.copyfileobj(written, handle, 1 << 20)
        handle.write(b"\n ]\n}\n" if count else b"]\n}\n")
