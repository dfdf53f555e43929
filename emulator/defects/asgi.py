"""A buffering ASGI middleware that lets a defect rewrite a request and its answer.

The whole request body and the whole answer are buffered: the Number API's messages
are small, and a rewrite needs the complete JSON. Content-Length is recomputed for
whatever the defect sends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openapi.credentials import basic_auth_header, parse_basic_auth
from openapi.operations import PathMatch, match_path

if TYPE_CHECKING:
    from .base import Defect


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
    def _route(self) -> PathMatch | None:
        # The scope's path is already percent-decoded (see openapi.operations.match_path).
        return match_path(self.path, decoded=True)

    @property
    def operation(self) -> str | None:
        """The spec's operationId this request is for, or None (an undeclared method or path)."""
        route = self._route
        return route.operation(self.method) if route else None

    @property
    def path_auth_id(self) -> str | None:
        route = self._route
        return route.auth_id if route else None

    @property
    def number(self) -> str | None:
        route = self._route
        return route.number if route else None

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
        return parse_basic_auth(self.header("authorization"))

    def with_basic_auth(self, auth_id: str, token: str) -> Incoming:
        return self.with_header("authorization", basic_auth_header(auth_id, token))

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
    """An answer as a defect sees it; immutable like :class:`Incoming`.

    The one answer type of the emulator's wrappers: the hostile server's ``Reply``
    (``emulator.hostile.base``) is this class plus putting itself on the wire.
    """

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    # The emulator's own JSONResponse encoding: compact, UTF-8. (The hostile server
    # writes ASCII escapes instead, so that lone surrogates stay valid JSON text.)
    ascii_json: ClassVar[bool] = False

    @classmethod
    def of_json(cls, status: int, data: Any, *extra: tuple[str, str]) -> Self:
        """A JSON answer: ``data`` with a JSON Content-Type and the ``extra`` headers."""
        return cls(status, (("content-type", "application/json"), *extra)).with_json(data)

    def json(self) -> Any:
        """The body as JSON, or None if it is not JSON (a hostile body may nest past the recursion limit)."""
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None

    def with_json(self, data: Any) -> Self:
        if self.ascii_json:
            return replace(self, body=json.dumps(data, separators=(",", ":")).encode("ascii"))
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return replace(self, body=body)

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def with_header(self, name: str, value: str | None) -> Self:
        """This answer with header ``name`` replaced (or removed, for None)."""
        name = name.lower()
        kept = tuple((k, v) for k, v in self.headers if k != name)
        return replace(self, headers=kept if value is None else (*kept, (name, value)))

    def with_status(self, status: int) -> Self:
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
