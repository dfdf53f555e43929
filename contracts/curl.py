"""Failing requests as curl commands a person can paste, with every secret taken out.

The Authorization header is never printed: credentials become ``-u "$PLIVO_AUTH_ID:$PLIVO_AUTH_TOKEN"``
(or the variable names of the subaccount/other account), and every spelling of a known
token left in a URL, header or body (another case, base64, percent or hex encoding, a
URL's userinfo) is replaced by ``***`` by the shared :class:`openapi.redaction.Redactor`,
as a second line of defence behind :mod:`contracts.redacting`.
"""

from __future__ import annotations

import functools
import shlex

import httpx

from contracts import redacting
from contracts.target import Target
from openapi.credentials import parse_basic_auth
from openapi.redaction import Redactor

__all__ = ["as_curl", "describe_exchange", "redactor_for"]

MAX_BODY = 1200
_DROP_HEADERS = {"authorization", "host", "content-length", "accept-encoding", "connection", "user-agent"}


def redactor_for(target: Target | None) -> Redactor:
    """A redactor for the target's three credential pairs and every secret the run registered."""
    pairs: list[tuple[str, str]] = []
    if target is not None:
        accounts = (target.credentials, target.subaccount, target.other_account)
        pairs = [c.basic for c in accounts if c is not None]
    return _redactor(
        tuple(sorted({*pairs, *redacting.registered_pairs()})), tuple(redacting.registered_secrets())
    )


@functools.lru_cache(maxsize=32)
def _redactor(pairs: tuple[tuple[str, str], ...], secrets: tuple[str, ...]) -> Redactor:
    return Redactor.for_credentials(pairs, secrets)


def _redact(text: str, target: Target | None) -> str:
    return redactor_for(target)(text)


def _basic_user(request: httpx.Request) -> str | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    parsed = parse_basic_auth(header)  # the one Basic parser (openapi.credentials)
    return "<malformed>" if parsed is None else parsed[0]


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
    return _redact(" ".join(parts), target)


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
    return _redact("\n".join(lines), target)
