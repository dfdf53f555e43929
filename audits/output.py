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

import json
import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from audits.model import Finding
from openapi.redaction import MIN_SECRET_LENGTH, Redactor, forms

__all__ = ["Output"]

REPLACEMENT = "\ufffd"
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# The same C0 controls as json.dumps writes them (\u0000-\u001f, \b, \f); tab, CR and LF are kept.
_UNSAFE_ESCAPED = re.compile(r"\\u00[01][0-9a-f]|\\[bf]")
# A URL with a password (userinfo), which the redactor masks whatever the password is.
_USERINFO = re.compile(r"://[^/?#@\s]*:[^/?#@\s]*@")


class Output:
    """Redacts credentials and neutralises unsafe characters in everything the audit writes."""

    def __init__(self, pairs: Iterable[tuple[str, str] | None] = ()) -> None:
        self._pairs = [p for p in pairs if p is not None and p[1]]
        self._redactor = Redactor.for_credentials(self._pairs)
        # The redactor's spellings, case-folded: a cheap test (str.__contains__) of whether
        # the redactor's regex, ~0.5 us per character, needs to run on a text at all.
        self._folded = sorted(
            {
                f.casefold()
                for auth_id, token in self._pairs
                if len(token) >= MIN_SECRET_LENGTH
                for f in forms(token, auth_id)
            }
        )
        self._escapable_secret = any(
            json.dumps(part, ensure_ascii=False)[1:-1] != part for pair in self._pairs for part in pair
        )
        self._non_ascii_secret = any(not part.isascii() for pair in self._pairs for part in pair)

    def with_credentials(self, auth_id: str | None, token: str | None) -> Output:
        """This output also masking ``token`` (and base64 of ``auth_id:token``)."""
        if not token:
            return self
        return Output([*self._pairs, (auth_id or "", token)])

    def with_pairs(self, pairs: Iterable[tuple[str, str]]) -> Output:
        """This output also masking every ``(auth_id, token)`` of ``pairs`` (a multi-account run)."""
        pairs = [p for p in pairs if p[1]]
        return Output([*self._pairs, *pairs]) if pairs else self

    def text(self, value: Any) -> str:
        """``value`` as text that is safe to write anywhere."""
        text = value if isinstance(value, str) else str(value)
        if _UNSAFE.search(text):
            text = _UNSAFE.sub(REPLACEMENT, text)
        if self._may_hold_secret(text):
            text = self._redactor(text)
        return text

    def may_hold_secret(self, text: str) -> bool:
        """Whether ``text`` could hold a spelling of a credential or a URL password; False is certain.

        ``text`` may be JSON written with ASCII escapes (a store's rows): a credential that
        JSON would escape, or one outside ASCII, is always suspected.
        """
        if self._escapable_secret or self._non_ascii_secret:
            return True
        return self._may_hold_secret(text)

    def _may_hold_secret(self, text: str) -> bool:
        """False only when the redactor would change nothing (no spelling, no URL password)."""
        if _USERINFO.search(text):
            return True
        folded = text.casefold()
        return any(spelling in folded for spelling in self._folded)

    def value(self, data: Any) -> Any:
        """``data`` (JSON-like: dicts, lists, scalars) with every string, keys included, made safe."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, dict):
            return {self.value(k): self.value(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.value(v) for v in data]
        return data

    def document(self, data: dict[str, Any]) -> dict[str, Any]:
        """A whole report document made safe: :meth:`value`, skipped when provably unnecessary.

        A document of 100,000 findings holds a million strings; checking its JSON text in
        one pass costs a fraction of cleaning each string, and a clean document (the usual
        case) is returned as it is.
        """
        return self.value(data) if self._needs_cleaning(data) else data

    def _needs_cleaning(self, data: Any) -> bool:
        """Whether any string in ``data`` would change, decided on its JSON text in one pass."""
        if self._escapable_secret:
            return True  # JSON would escape the secret, so its text could hide a spelling
        try:
            blob = json.dumps(data, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            return True
        return bool(_UNSAFE.search(blob) or _UNSAFE_ESCAPED.search(blob) or self._may_hold_secret(blob))

    def needs_cleaning(self, findings: Iterable[Finding]) -> bool:
        """Whether :meth:`findings` would change any of ``findings`` (decided in one pass)."""
        return self._needs_cleaning(
            [
                [f.number, f.subaccount, f.message, f.key, f.country, f.number_type, f.waiver, f.details]
                for f in findings
            ]
        )

    def findings(self, findings: Iterable[Finding]) -> None:
        """Make every finding's text safe, in place, before it is stored or reported."""
        findings = list(findings)
        if not self.needs_cleaning(findings):
            return
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
