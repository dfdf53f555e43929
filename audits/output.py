"""The one choke point between the audit and the world: everything it writes passes through an Output.

What a hostile server sends ends up in messages (an error body quoted), findings (a field
value quoted, a number, a subaccount) and the history database. Before any of it reaches
stdout, stderr, a report file or SQLite, :class:`Output` makes it safe:

* every spelling of the credentials is masked (``openapi.redaction``: any case, base64 of
  ``auth_id:token`` at any alignment, percent- or hex-encoded, URL userinfo);
* lone surrogates become U+FFFD (they cannot be written as UTF-8 and would crash a writer);
* C0 and C1 control characters (NUL, ESC, BEL, CSI, ...) become U+FFFD: no terminal escape
  reaches a terminal and every report stays valid XML 1.0 (tab and newline are kept).

Escaping for a format (HTML, XML, CSV formulas) stays with each writer; this is what every
writer gets before it escapes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from audits.model import Finding
from openapi.redaction import Redactor

__all__ = ["Output"]

REPLACEMENT = "\ufffd"
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class Output:
    """Redacts credentials and neutralises unsafe characters in everything the audit writes."""

    def __init__(self, pairs: Iterable[tuple[str, str] | None] = ()) -> None:
        self._pairs = [p for p in pairs if p is not None and p[1]]
        self._redactor = Redactor.for_credentials(self._pairs)

    def with_credentials(self, auth_id: str | None, token: str | None) -> Output:
        """This output also masking ``token`` (and base64 of ``auth_id:token``)."""
        if not token:
            return self
        return Output([*self._pairs, (auth_id or "", token)])

    def text(self, value: Any) -> str:
        """``value`` as text that is safe to write anywhere."""
        text = value if isinstance(value, str) else str(value)
        return self._redactor(_UNSAFE.sub(REPLACEMENT, text))

    def value(self, data: Any) -> Any:
        """``data`` (JSON-like: dicts, lists, scalars) with every string, keys included, made safe."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, dict):
            return {self.value(k): self.value(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.value(v) for v in data]
        return data

    def findings(self, findings: Iterable[Finding]) -> None:
        """Make every finding's text safe, in place, before it is stored or reported."""
        for f in findings:
            f.number = self.text(f.number)
            f.subaccount = self.text(f.subaccount)
            f.message = self.text(f.message)
            f.key = self.text(f.key)
            f.country = self.text(f.country)
            f.number_type = None if f.number_type is None else self.text(f.number_type)
            f.waiver = None if f.waiver is None else self.text(f.waiver)
            f.details = self.value(f.details)

    def print(self, message: str, file: TextIO | None = None) -> None:
        """Print ``message`` made safe (stdout by default)."""
        print(self.text(message), file=file if file is not None else sys.stdout)

    def error(self, message: str) -> None:
        self.print(message, sys.stderr)

    def __repr__(self) -> str:
        return f"<Output {len(self._pairs)} credential(s)>"
