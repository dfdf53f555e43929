"""Every request the emulator answered, for tests and audits to inspect.

Authorization headers are redacted before anything is stored: a log must never
hold a token.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REDACTED = "REDACTED"
_SECRET_HEADERS = {"authorization", "proxy-authorization"}


@dataclass
class RequestRecord:
    """One request: what was asked and the status answered (None if no answer was sent)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int | None = None

    def __repr__(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"<RequestRecord {self.method} {self.path}{query} -> {self.status}>"


class RequestLog(list[RequestRecord]):
    """A list of RequestRecord that keeps only the newest ``limit`` entries."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.lock = threading.Lock()

    def add(self, record: RequestRecord) -> None:
        with self.lock:
            self.append(record)
            excess = len(self) - self.limit
            if excess > 0:
                del self[:excess]

    def __repr__(self) -> str:
        return f"<RequestLog {len(self)} of at most {self.limit}>"


class RequestLogMiddleware:
    """Records method, path, query, redacted headers, body and status of each HTTP request."""

    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.log.limit == 0:
            await self.app(scope, receive, send)
            return
        headers = {}
        for raw_name, raw_value in scope.get("headers", []):
            name = raw_name.decode("latin-1").lower()
            headers[name] = REDACTED if name in _SECRET_HEADERS else raw_value.decode("latin-1")
        record = RequestRecord(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=b"",
        )
        chunks: list[bytes] = []

        async def logged_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        logged = False

        async def logged_send(message: Message) -> None:
            nonlocal logged
            if message["type"] == "http.response.start" and not logged:
                # Log before the client can see the answer: a client that reads the log right
                # after its response (over real HTTP) must find its request there.
                record.status = message["status"]
                record.body = b"".join(chunks)
                self.log.add(record)
                logged = True
            await send(message)

        try:
            await self.app(scope, logged_receive, logged_send)
        finally:
            if not logged:
                record.body = b"".join(chunks)
                self.log.add(record)
