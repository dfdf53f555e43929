"""HTTP Basic credentials, the API's one security scheme: read and written in one place.

The emulator authenticating a request, a defect rewriting one, the SDK recorder
judging what a client sent and the contract suite printing a curl command all read an
``Authorization`` header here, so they agree on what is malformed.

    parse_basic_auth("Basic TUExMjM6c2VjcmV0")   # -> ("MA123", "secret")
    parse_basic_auth("Basic !!!")                # -> None
    basic_auth_header("MA123", "secret")         # -> "Basic TUExMjM6c2VjcmV0"

A returned token is a secret: callers compare it (``hmac.compare_digest``) and never
print it; text that might hold one goes through :mod:`openapi.redaction`.
"""

from __future__ import annotations

import base64
import binascii

__all__ = ["MAX_BASIC_CHARS", "basic_auth_header", "basic_scheme", "parse_basic_auth"]

# An auth_id (20) and a token (at most 128) encode to about 200 base64 characters; a
# longer value cannot hold credentials Plivo issues, so it is not even decoded (a
# hostile client cannot make a server decode megabytes).
MAX_BASIC_CHARS = 1024


def basic_scheme(header: str | None) -> str | None:
    """The scheme word of an Authorization value (``"Basic"``, ``"Bearer"``), or None if there is none."""
    if not header or not header.strip():
        return None
    return header.strip().partition(" ")[0]


def parse_basic_auth(header: str | None) -> tuple[str, str] | None:
    """``(auth_id, token)`` from an ``Authorization: Basic ...`` value, or None if absent or malformed.

    Malformed is anything but the Basic scheme (any letter case) with strict base64
    (ASCII, the standard alphabet, valid padding: ``validate=True``) of UTF-8 text
    holding a colon: non-ASCII bytes in the header, bad base64, undecodable bytes, no
    colon, an empty or oversized value. The token is everything after the first colon
    (RFC 7617: a user-id holds no colon, a password may). Never raises, whatever the
    client sent.
    """
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    encoded = encoded.strip()
    if scheme.lower() != "basic" or not encoded or len(encoded) > MAX_BASIC_CHARS or not encoded.isascii():
        return None
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    auth_id, colon, token = decoded.partition(":")
    return (auth_id, token) if colon else None


def basic_auth_header(auth_id: str, token: str) -> str:
    """The ``Authorization`` value that sends ``auth_id``/``token`` (a secret: never print it)."""
    return "Basic " + base64.b64encode(f"{auth_id}:{token}".encode()).decode("ascii")
