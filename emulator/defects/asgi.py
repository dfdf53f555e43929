"""A buffering ASGI middleware that lets a defect rewrite a request and its answer.

The whole request body and the whole answer are buffered: the Number API's messages
are small, and a rewrite needs the complete JSON. Content-Length is recomputed for
whatever the defect sends.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from .base import Defect

_COLLECTION = re.compile(r"^/v1/Account/(?P<auth_id>[^/]+)/Number/?$")
_ITEM = re.compile(r"^/v1/Account/(?P<auth_id>[^/]+)/Number/(?P<number>[^/]+)/?$")
_OPERATIONS = {
    ("collection", "GET"): "listNumbers",
    ("item", "GET"): "getNumber",
    ("item", "POST"): "updateNumber",
    ("item", "DELETE"): "unrentNumber",
}


@dataclass(frozen=True)
class Incoming:
    """A request as a defect sees it; rewrite it with :meth:`with_` (it is immutable)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    state: Any = field(default=None, repr=False, compare=False)

    @property
    def operation(self) -> str | None:
        """The spec's operationId this request is for, or None (an undeclared method or path)."""
        if _COLLECTION.match(self.path):
            kind = "collection"
        elif _ITEM.match(self.path):
            kind = "item"
        else:
            return None
        return _OPERATIONS.get((kind, self.method.upper()))

    @property
    def path_auth_id(self) -> str | None:
        match = _ITEM.match(self.path) or _COLLECTION.match(self.path)
        return match["auth_id"] if match else None

    @property
    def number(self) -> str | None:
        match = _ITEM.match(self.path)
        return match["number"] if match else None

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def with_header(self, name: str, value: str | None) -> Incoming:
        """This request with header ``name`` replaced (or removed, for None)."""
        name = name.lower()
        kept = tuple((k, v) for k, v in self.headers if k != name)
        return replace(self, headers=kept if value is None else (*kept, (name, value)))

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        """``(auth_id, token)`` from a Basic Authorization header, or None."""
        scheme, _, encoded = (self.header("authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        auth_id, colon, token = decoded.partition(":")
        return (auth_id, token) if colon else None

    def with_basic_auth(self, auth_id: str, token: str) -> Incoming:
        encoded = base64.b64encode(f"{auth_id}:{token}".encode()).decode("ascii")
        return self.with_header("authorization", f"Basic {encoded}")

    def query_value(self, name: str) -> str | None:
        values = [v for k, v in self.query if k == name]
        return values[-1] if values else None

    def with_query(self, **values: str | None) -> Incoming:
        """This request with the named query parameters set (or removed, for None)."""
        kept = [(k, v) for k, v in self.query if k not in values]
        kept += [(k, v) for k, v in values.items() if v is not None]
        return replace(self, query=tuple(kept))

    def form(self) -> dict[str, Any] | None:
        """The body as a dict (JSON object or form fields), or None if it is neither."""
        if not self.body.strip():
            return None
        kind = (self.header("content-type") or "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            try:
                return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                return None
        try:
            data = json.loads(self.body)
        except (UnicodeDecodeError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def with_form(self, data: dict[str, Any]) -> Incoming:
        """This request with its body replaced by ``data``, in the encoding the client used."""
        kind = (self.header("content-type") or "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            return replace(self, body=urlencode(data).encode())
        return replace(self, body=json.dumps(data).encode())

    @classmethod
    def from_scope(cls, scope: Scope, body: bytes) -> Incoming:
        app = scope.get("app")
        return cls(
            method=scope["method"],
            path=scope["path"],
            query=tuple(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)),
            headers=tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]),
            body=body,
            state=getattr(app, "state", None),
        )

    def to_scope(self, scope: Scope) -> Scope:
        headers = [
            (k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers if k != "content-length"
        ]
        headers.append((b"content-length", str(len(self.body)).encode()))
        return {
            **scope,
            "method": self.method,
            "path": self.path,
            "raw_path": self.path.encode("utf-8"),
            "query_string": urlencode(self.query).encode("latin-1"),
            "headers": headers,
        }


@dataclass(frozen=True)
class Reply:
    """An answer as a defect sees it; immutable like :class:`Incoming`."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, ValueError):
            return None

    def with_json(self, data: Any) -> Reply:
        # The emulator's own JSONResponse encoding: compact, UTF-8.
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return replace(self, body=body)

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def with_header(self, name: str, value: str | None) -> Reply:
        name = name.lower()
        kept = tuple((k, v) for k, v in self.headers if k != name)
        return replace(self, headers=kept if value is None else (*kept, (name, value)))

    def with_status(self, status: int) -> Reply:
        return replace(self, status=status)


class RewriteMiddleware:
    """Runs one defect's ``request``, ``answer`` and ``response`` hooks around the API."""

    def __init__(self, app: ASGIApp, defect: Defect) -> None:
        self.app = app
        self.defect = defect

    def __repr__(self) -> str:
        return f"<RewriteMiddleware {self.defect.name}>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        incoming = self.defect.request(Incoming.from_scope(scope, b"".join(chunks)))
        # A hook may answer in place of the API (a refusal that must not reach the core).
        reply = self.defect.answer(incoming)
        if reply is None:
            reply = await self._call_app(scope, receive, incoming)
        reply = self.defect.response(incoming, reply)
        headers = [
            (k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers if k != "content-length"
        ]
        if reply.status not in (204, 304):
            headers.append((b"content-length", str(len(reply.body)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body if reply.status != 204 else b""})

    async def _call_app(self, scope: Scope, receive: Receive, incoming: Incoming) -> Reply:
        """The API's answer to ``incoming``, buffered."""
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": incoming.body, "more_body": False}
            return await receive()

        start: dict[str, Any] = {}
        body: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))

        await self.app(incoming.to_scope(scope), replay, capture)
        return Reply(
            status=int(start.get("status", 500)),
            headers=tuple(
                (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in start.get("headers", [])
            ),
            body=b"".join(body),
        )
