"""The one place credentials are taken out of text: every output passes through a Redactor.

A hostile or careless server can hand a credential back in many spellings: the token as
sent, in another letter case, inside the base64 of ``auth_id:token`` (an echoed
``Authorization`` header), percent-encoded, hex-encoded, or inside a URL's userinfo. A
redactor knows every spelling of every secret it was given and replaces each, wherever it
appears, with ``***``.

Base64 is the subtle one: a token's base64 depends on where it starts in the encoded
string (three alignments). For each alignment the redactor keeps the run of base64
characters that depend only on the token's own bytes, so an echoed ``Basic`` header, a
base64 of ``"id:token"`` or of any longer text holding the token is caught.

    redactor = Redactor.for_credentials([("MA...", "token")])
    redactor("Authorization: Basic TUEuLi46dG9rZW4=")   # -> "Authorization: Basic ***="
    strip_userinfo("https://user:pw@api.example/")       # -> "https://user:***@api.example/"
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "MIN_SECRET_LENGTH", "Redactor", "forms", "redact", "strip_userinfo"]

MASK = "***"
# Shorter secrets would mask ordinary words; a real Plivo token is 40 characters.
MIN_SECRET_LENGTH = 4
# A base64 fragment this short could occur by chance in ordinary text.
MIN_FRAGMENT_LENGTH = 6

_USERINFO = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/?#@\s:]*):(?P<password>[^/?#@\s]*)@"
)


def _base64_fragments(secret: bytes) -> list[str]:
    """The base64 characters that depend only on ``secret``, for each of its three alignments."""
    out = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret).decode("ascii")
        first = -(-8 * shift // 6)  # ceil: first character made only of secret bits
        last = 8 * (shift + len(secret)) // 6  # exclusive end of those characters
        fragment = encoded[first:last]
        if len(fragment) >= MIN_FRAGMENT_LENGTH:
            out.append(fragment)
            out.append(fragment.replace("+", "-").replace("/", "_"))  # URL-safe alphabet
    return out


def forms(secret: str, auth_id: str | None = None) -> list[str]:
    """Every spelling of ``secret`` a redactor looks for (tests grep outputs for these too)."""
    raw = secret.encode("utf-8")
    spellings = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        "".join(f"%{byte:02X}" for byte in raw),
        raw.hex(),
        *_base64_fragments(raw),
    }
    if auth_id:
        pair = f"{auth_id}:{secret}"
        spellings.add(base64.b64encode(pair.encode("utf-8")).decode("ascii").rstrip("="))
        spellings.add(quote(pair, safe=""))
    return sorted((s for s in spellings if s), key=len, reverse=True)


class Redactor:
    """Replaces every known spelling of every secret, case-insensitively, with ``***``.

    Callable on ``str``; :meth:`bytes` for raw bodies. URLs' userinfo passwords are masked
    whether or not the password is a known secret.
    """

    def __init__(self, secrets: Iterable[str] = (), pairs: Iterable[tuple[str, str]] = ()) -> None:
        spellings: set[str] = set()
        count = 0
        for auth_id, token in pairs:
            if token and len(token) >= MIN_SECRET_LENGTH:
                spellings.update(forms(token, auth_id))
                count += 1
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET_LENGTH:
                spellings.update(forms(secret))
                count += 1
        self._secrets = count
        self._spellings = sorted(spellings, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(re.escape(s) for s in self._spellings), re.IGNORECASE)
            if self._spellings
            else None
        )

    @classmethod
    def for_credentials(
        cls, pairs: Iterable[tuple[str, str] | None], secrets: Iterable[str] = ()
    ) -> Redactor:
        """A redactor for ``(auth_id, token)`` pairs (None entries are skipped) and loose secrets."""
        return cls(secrets=secrets, pairs=[p for p in pairs if p is not None])

    def __call__(self, text: str) -> str:
        if not isinstance(text, str):
            text = str(text)
        text = strip_userinfo(text)
        if self._pattern is None:
            return text
        return self._pattern.sub(MASK, text)

    def bytes(self, data: bytes) -> bytes:
        """``data`` redacted, read as UTF-8 (undecodable bytes are replaced, never passed through)."""
        return self(data.decode("utf-8", "replace")).encode("utf-8")

    def found(self, text: str) -> list[str]:
        """The spellings present in ``text`` (empty when it is clean)."""
        if self._pattern is None:
            return []
        return sorted({m.group(0) for m in self._pattern.finditer(text)})

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __repr__(self) -> str:
        return f"<Redactor {self._secrets} secrets, {len(self._spellings)} spellings>"


def strip_userinfo(text: str) -> str:
    """Mask the password of every ``scheme://user:password@`` in ``text``."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every spelling of each of ``secrets`` masked (a one-off :class:`Redactor`)."""
    return Redactor(secrets=secrets)(text)
