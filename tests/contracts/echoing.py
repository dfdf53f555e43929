"""A target that hands every credential back, in every spelling, for the redaction tests.

The emulator behind an ASGI wrapper that, on every answer:

* adds ``X-Debug-Auth`` (the Authorization header as received) and ``X-Token`` (the
  token in upper case) headers;
* replaces every error body with one quoting the Authorization header, the main token
  in lower and upper case, base64 of it at an odd alignment, percent- and hex-encoded;
* puts the token into every listed number's ``alias`` and base64 of ``auth_id:token`` into
  the first one's ``tendlc_registration_status`` (an enum: the schema check fails and prints the body).

Error bodies lose ``api_id`` on the way, so conformance checks fail and quote them too:
the run fails plenty, and every failure has a credential to leak.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["Echoing"]


class Echoing:
    """ASGI middleware: ``app``'s answers with ``auth_id``/``token`` echoed everywhere."""

    def __init__(self, app: ASGIApp, auth_id: str, token: str) -> None:
        self.app = app
        self.auth_id = auth_id
        self.token = token

    def _echo(self, authorization: str) -> str:
        token = self.token
        odd = base64.b64encode(b"x" + token.encode()).decode()
        pair = base64.b64encode(f"{self.auth_id}:{token}".encode()).decode()
        return (
            f"denied: Authorization: {authorization}; token={token.lower()} TOKEN={token.upper()} "
            f"b64={odd} pair={pair} pct={quote(token, safe='')} hex={token.encode().hex()}"
        )

    def _rewrite(self, status: int, body: bytes, authorization: str) -> bytes:
        if status >= 400:
            return json.dumps({"error": self._echo(authorization)}).encode()
        try:
            data = json.loads(body)
        except ValueError:
            return body
        if isinstance(data, dict) and isinstance(data.get("objects"), list):
            for index, item in enumerate(data["objects"]):
                if isinstance(item, dict):
                    item["alias"] = f"alias {self.token}"
                    if index == 0:
                        pair = f"{self.auth_id}:{self.token}".encode()
                        item["tendlc_registration_status"] = base64.b64encode(pair).decode()
        elif isinstance(data, dict) and "number" in data:
            data["alias"] = f"alias {self.token.swapcase()}"
        return json.dumps(data).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authorization = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"authorization"), ""
        )
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        status = int(start.get("status", 500))
        body = b"".join(chunks)
        if status not in (204, 304) and scope["method"] != "HEAD":
            body = self._rewrite(status, body, authorization)
        headers = [
            (k, v)
            for k, v in start.get("headers", [])
            if k.lower() not in (b"content-length", b"content-type")
        ]
        headers += [
            (b"x-debug-auth", authorization.encode("latin-1")),
            (b"x-token", self.token.upper().encode()),
        ]
        if status in (204, 304):
            body = b""
        else:
            headers.append((b"content-type", b"application/json"))
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
