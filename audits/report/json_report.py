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
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

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


class JsonStream(Protocol):
    """A list too long to hold (a section's audited numbers): audit.json writes it item by item."""

    def json_items(self) -> Iterator[str]:
        """Each item as JSON text, in order."""
        ...


FINDINGS_OPEN = ' "findings": ['
"""The line after the head: the findings follow one per line (what a merge reads them by)."""
_STREAM = re.compile(r'"\\u0000json-stream-(\d+)"')


def _write_head(document: dict[str, Any], write: Callable[[str], object]) -> None:
    """The document before its findings, as ``json.dumps(indent=1)`` writes it, up to the
    findings' opening bracket; a :class:`JsonStream` in it is written item by item, laid out
    as that list would be."""
    streams: list[JsonStream] = []

    def default(value: Any) -> Any:
        if hasattr(value, "json_items"):
            streams.append(value)
            # NUL never survives the Output (audits.output), so no text can mimic this.
            return f"\x00json-stream-{len(streams) - 1}"
        return str(value)

    head = {key: value for key, value in document.items() if key != "findings"}
    text = json.dumps(head, indent=1, default=default)
    text = text[: text.rindex("}")].rstrip() + (",\n" if head else "\n") + FINDINGS_OPEN
    written = 0
    for match in _STREAM.finditer(text):
        write(text[written : match.start()])
        line = text[text.rindex("\n", 0, match.start()) + 1 : match.start()]
        indent = len(line) - len(line.lstrip(" "))
        count = 0
        for item in streams[int(match.group(1))].json_items():
            write(("[\n" if not count else ",\n") + " " * (indent + 1) + item)
            count += 1
        write(f"\n{' ' * indent}]" if count else "[]")
        written = match.end()
    write(text[written:])


def write_json(document: dict[str, Any], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        _write_head(document, handle.write)
        lines = FindingLines(handle)
        for finding in document.get("findings", []):
            lines.add(finding)
        handle.write("\n ]\n}\n" if lines.count else "]\n}\n")


def write_json_with(document: dict[str, Any], path: Path, lines: Path, count: int) -> None:
    """audit.json from its head and the ``count`` finding lines already written to ``lines``
    (by a :class:`FindingLines`): the same file :func:`write_json` writes."""
    # Bytes copied as they are: the lines were written as UTF-8, and need no decoding again.
    with path.open("wb") as handle, lines.open("rb") as written:
        _write_head(document, lambda text: handle.write(text.encode("utf-8")))
        shutil.copyfileobj(written, handle, 1 << 20)
        handle.write(b"\n ]\n}\n" if count else b"]\n}\n")
