"""Recording what an SDK puts on the wire.

:class:`RequestCapture` wraps any ASGI app (the emulator) and keeps one :class:`RecordedRequest` per
HTTP request, with the answer's status and body. It sits between the socket and the emulator, so what is
recorded is exactly what the SDK sent over real HTTP.

The Authorization header is never kept: it is reduced at capture time to an :class:`AuthSeen` (scheme,
claimed user, whether the token matched the one we expected), so no token can leak into a report.

A driver that runs in another process (the Node SDK driver) marks which of its calls the following
requests belong to with ``GET /__sdkcheck/step/<name>``; the capture answers that itself (204) and never
forwards it. In-process drivers call :meth:`RequestCapture.step` instead.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from openapi.credentials import basic_scheme, parse_basic_auth

__all__ = ["STEP_PREFIX", "AuthSeen", "RecordedRequest", "RequestCapture", "auth_seen"]

STEP_PREFIX = "/__sdkcheck/step/"
REDACTED = "REDACTED"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class AuthSeen:
    """What a request's Authorization header claimed, without the secret.

    ``token_matches`` is None when no expected token was known for ``user``.
    """

    scheme: str | None = None
    user: str | None = None
    token_matches: bool | None = None
    malformed: bool = False

    def __repr__(self) -> str:
        if self.scheme is None:
            return "<AuthSeen none>"
        if self.malformed:
            return f"<AuthSeen {self.scheme} malformed>"
        match = {True: "token ok", False: "token WRONG", None: "token unchecked"}[self.token_matches]
        return f"<AuthSeen {self.scheme} user={self.user} {match}>"


def auth_seen(header: str | None, tokens: Mapping[str, str]) -> AuthSeen:
    """Reduce an Authorization header to an :class:`AuthSeen`, checking the token against ``tokens``."""
    if not header:
        return AuthSeen()
    scheme = basic_scheme(header) or ""
    if scheme.lower() != "basic":
        return AuthSeen(scheme=scheme)
    parsed = parse_basic_auth(header)  # the one Basic parser (openapi.credentials)
    if parsed is None:
        return AuthSeen(scheme=scheme, malformed=True)
    user, token = parsed
    expected = tokens.get(user)
    matches = None if expected is None else hmac.compare_digest(token.encode(), expected.encode())
    return AuthSeen(scheme=scheme, user=user, token_matches=matches)


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as it arrived, and the status and body it was answered with."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    auth: AuthSeen = field(default_factory=AuthSeen)
    status: int | None = None
    response_body: bytes = b""
    step: str | None = None

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)

    @property
    def target(self) -> str:
        """Path and query as sent, e.g. ``/v1/Account/MA.../Number/?limit=20``."""
        return f"{self.path}?{self.query}" if self.query else self.path

    def __repr__(self) -> str:
        status = f" -> {self.status}" if self.status is not None else ""
        step = f" [{self.step}]" if self.step else ""
        return f"<RecordedRequest {self.method} {self.target}{status}{step}>"


class RequestCapture:
    """ASGI wrapper recording every request to ``app``; safe to read from another thread."""

    def __init__(self, app: ASGIApp, tokens: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.tokens: dict[str, str] = dict(tokens or {})
        self._records: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._step: str | None = None

    def __repr__(self) -> str:
        return f"<RequestCapture {len(self._records)} requests step={self._step!r}>"

    @property
    def records(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records)

    def mark(self) -> int:
        """A position to pass to :meth:`since`."""
        with self._lock:
            return len(self._records)

    def since(self, position: int) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records[position:])

    def set_step(self, name: str | None) -> None:
        with self._lock:
            self._step = name

    @contextmanager
    def step(self, name: str) -> Iterator[list[RecordedRequest]]:
        """Label the requests sent inside the block; the yielded list fills with them on exit."""
        start = self.mark()
        self.set_step(name)
        taken: list[RecordedRequest] = []
        try:
            yield taken
        finally:
            self.set_step(None)
            taken.extend(self.since(start))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(STEP_PREFIX):
            self.set_step(unquote(path[len(STEP_PREFIX) :]) or None)
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return

        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        raw_headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        authorization = next((v for k, v in raw_headers if k == "authorization"), None)
        with self._lock:
            step = self._step
        status: list[int] = []
        sent: list[bytes] = []
        recorded = False

        def keep() -> None:
            nonlocal recorded
            if recorded:
                return
            recorded = True
            record = RecordedRequest(
                method=scope["method"].upper(),
                path=path,
                query=scope.get("query_string", b"").decode("latin-1"),
                headers=tuple((k, REDACTED if k == "authorization" else v) for k, v in raw_headers),
                body=body,
                auth=auth_seen(authorization, self.tokens),
                status=status[0] if status else None,
                response_body=b"".join(sent),
                step=step,
            )
            with self._lock:
                self._records.append(record)

        async def record_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                lengths = [v for k, v in message.get("headers", []) if k.lower() == b"content-length"]
                if message["status"] in (204, 304) or scope["method"] == "HEAD" or lengths == [b"0"]:
                    # No body follows: the client has its whole answer once these headers leave.
                    keep()
            elif message["type"] == "http.response.body":
                sent.append(message.get("body", b""))
                if not message.get("more_body", False):
                    # Before the last byte leaves: a client that has its answer finds the record there.
                    keep()
            await send(message)

        try:
            await self.app(scope, replay, record_send)
        finally:
            keep()
