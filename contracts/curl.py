"""Failing requests as curl commands a person can paste, with every secret taken out.

The Authorization header is never printed: credentials become ``-u "$PLIVO_AUTH_ID:$PLIVO_AUTH_TOKEN"``
(or the variable names of the subaccount/other account), and any known token left in a
URL, header or body is replaced by ``***`` as a second line of defence.
"""

from __future__ import annotations

import base64
import binascii
import shlex
from collections.abc import Iterable

import httpx

from contracts.target import Target

__all__ = ["as_curl", "describe_exchange", "redact"]

MAX_BODY = 1200
_DROP_HEADERS = {"authorization", "host", "content-length", "accept-encoding", "connection", "user-agent"}


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _secrets(target: Target | None) -> list[str]:
    if target is None:
        return []
    creds = [target.credentials, target.subaccount, target.other_account]
    return [c.auth_token for c in creds if c is not None]


def _basic_user(request: httpx.Request) -> str | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:]).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return "<malformed>"
    return decoded.split(":", 1)[0]


def _credential_vars(user: str, target: Target | None) -> str:
    if target is not None:
        if user == target.auth_id:
            return '"$PLIVO_AUTH_ID:$PLIVO_AUTH_TOKEN"'
        if target.subaccount is not None and user == target.subaccount.auth_id:
            return '"$PLIVO_SUBACCOUNT_AUTH_ID:$PLIVO_SUBACCOUNT_AUTH_TOKEN"'
        if target.other_account is not None and user == target.other_account.auth_id:
            return '"$PLIVO_OTHER_AUTH_ID:$PLIVO_OTHER_AUTH_TOKEN"'
    return shlex.quote(f"{user}:***")


def as_curl(request: httpx.Request, target: Target | None = None) -> str:
    """``request`` as a curl command without credentials in clear."""
    parts = ["curl", "-X", request.method]
    user = _basic_user(request)
    if user is not None:
        parts += ["-u", _credential_vars(user, target)]
    elif "authorization" in request.headers:
        parts += ["-H", shlex.quote("Authorization: ***")]
    for name, value in request.headers.items():
        if name.lower() not in _DROP_HEADERS:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = request.read()
    if body:
        parts += ["--data-raw", shlex.quote(body.decode("utf-8", "replace"))]
    url = str(request.url)
    if target is not None and target.kind == "embedded-asgi":
        # The in-process emulator has no address; this is where `python -m emulator` serves it.
        url = url.replace(target.base_url, "http://127.0.0.1:8765")
    parts.append(shlex.quote(url))
    return redact(" ".join(parts), _secrets(target))


def describe_exchange(response: httpx.Response, target: Target | None = None) -> str:
    """The request as curl and the response, for a failure message."""
    text = response.text
    if len(text) > MAX_BODY:
        text = text[:MAX_BODY] + f"... ({len(response.content)} bytes)"
    lines = [
        f"  request:  {as_curl(response.request, target)}",
        f"  response: {response.status_code} {response.headers.get('content-type', '(no content-type)')}",
        f"            {text}" if text else "            (empty body)",
    ]
    return redact("\n".join(lines), _secrets(target))
