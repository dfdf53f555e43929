"""Every request the emulator answered, for tests and audits to inspect; and the access log.

Authorization headers are redacted before anything is stored: a log must never
hold a token.

Memory is bounded whatever clients send. The log keeps at most ``limit`` entries and
``max_bytes`` bytes of request content in all, and each entry at most
``max_entry_bytes`` (method, path, query, headers and body, cut in that order of
priority, so a huge body is truncated first). What was cut or evicted is counted:
``bytes_held``, ``bytes_dropped``, ``entries_added`` and ``entries_evicted`` (also as
``stats()``); each record says how many of its own bytes it lacks (``dropped_bytes``).
Bytes are the request's own bytes, not Python's per-object overhead, which the entry
limit bounds.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openapi.redaction import Redactor

REDACTED = "REDACTED"
_SECRET_HEADERS = {"authorization", "proxy-authorization"}

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_ENTRY_BYTES = 64 * 1024

ACCESS_LOGGER_NAME = "emulator.access"
access_logger = logging.getLogger(ACCESS_LOGGER_NAME)
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")
_MAX_LOGGED_PATH = 300


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _cut(text: str, budget: int) -> str:
    """The longest prefix of ``text`` within ``budget`` bytes."""
    if _size(text) <= budget:
        return text
    return text.encode("utf-8", "surrogatepass")[: max(budget, 0)].decode("utf-8", "ignore")


@dataclass
class RequestRecord:
    """One request: what was asked and the status answered (None if no answer was sent).

    ``dropped_bytes`` counts the bytes of the request this record does not hold (0 unless
    the entry was over the log's ``max_entry_bytes``; the body is cut first).
    """

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int | None = None
    dropped_bytes: int = 0
    size: int = field(default=0, repr=False, compare=False)

    def content_bytes(self) -> int:
        """Bytes of request content this record holds."""
        headers = sum(_size(name) + _size(value) for name, value in self.headers.items())
        return _size(self.method) + _size(self.path) + _size(self.query) + headers + len(self.body)

    def __repr__(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"<RequestRecord {self.method} {self.path}{query} -> {self.status}>"


class RequestLog(list[RequestRecord]):
    """A list of RequestRecord bounded in entries and in bytes; the oldest go first."""

    def __init__(
        self,
        limit: int,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES,
    ) -> None:
        super().__init__()
        self.limit = limit
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.lock = threading.Lock()
        self.bytes_held = 0
        self.bytes_dropped = 0
        self.entries_added = 0
        self.entries_evicted = 0

    def add(self, record: RequestRecord) -> None:
        with self.lock:
            self._fit(record)
            self.append(record)
            self.entries_added += 1
            self.bytes_held += record.size
            evict = 0
            held = self.bytes_held
            while evict < len(self) and (len(self) - evict > self.limit or held > self.max_bytes):
                held -= self[evict].size
                evict += 1
            if evict:
                self.bytes_dropped += self.bytes_held - held
                self.bytes_held = held
                self.entries_evicted += evict
                del self[:evict]

    def _fit(self, record: RequestRecord) -> None:
        """Cut ``record`` to max_entry_bytes: body first, then headers, query and path."""
        before = record.content_bytes() + record.dropped_bytes
        budget = self.max_entry_bytes
        record.method = _cut(record.method, budget)
        budget -= _size(record.method)
        record.path = _cut(record.path, budget)
        budget -= _size(record.path)
        record.query = _cut(record.query, budget)
        budget -= _size(record.query)
        kept: dict[str, str] = {}
        for name, value in record.headers.items():
            cost = _size(name) + _size(value)
            if cost <= budget:
                kept[name] = value
                budget -= cost
        record.headers = kept
        record.body = record.body[: max(budget, 0)]
        record.size = record.content_bytes()
        record.dropped_bytes = before - record.size
        self.bytes_dropped += record.dropped_bytes

    def stats(self) -> dict[str, int]:
        """The log's counters and limits, e.g. for a test that memory stays bounded."""
        with self.lock:
            return {
                "entries": len(self),
                "entries_added": self.entries_added,
                "entries_evicted": self.entries_evicted,
                "bytes_held": self.bytes_held,
                "bytes_dropped": self.bytes_dropped,
                "limit": self.limit,
                "max_bytes": self.max_bytes,
                "max_entry_bytes": self.max_entry_bytes,
            }

    def __repr__(self) -> str:
        return (
            f"<RequestLog {len(self)} of at most {self.limit}, {self.bytes_held} of at most "
            f"{self.max_bytes} bytes, {self.entries_evicted} evicted, {self.bytes_dropped} bytes dropped>"
        )


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
        # Only what an entry can hold is kept while the body streams in; the rest is counted.
        room = self.log.max_entry_bytes
        kept = bytearray()
        skipped = 0

        async def logged_receive() -> Message:
            nonlocal skipped
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                take = max(0, min(len(chunk), room - len(kept)))
                kept.extend(chunk[:take])
                skipped += len(chunk) - take
            return message

        def finish() -> None:
            record.body = bytes(kept)
            record.dropped_bytes = skipped
            self.log.add(record)

        logged = False

        async def logged_send(message: Message) -> None:
            nonlocal logged
            if message["type"] == "http.response.start" and not logged:
                # Log before the client can see the answer: a client that reads the log right
                # after its response (over real HTTP) must find its request there.
                record.status = message["status"]
                finish()
                logged = True
            await send(message)

        try:
            await self.app(scope, logged_receive, logged_send)
        finally:
            if not logged:
                finish()


def _printable(text: str, limit: int = _MAX_LOGGED_PATH) -> str:
    # One line per request whatever the path holds: no newlines or escape sequences.
    if len(text) > limit:
        text = text[:limit] + "..."
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class AccessLogMiddleware:
    """One INFO line per HTTP request on the ``emulator.access`` logger: method, path, status, ms.

    Never the query, headers or body; every known token is masked in the path too (a
    client may put anything there). Costs nothing while the logger is not at INFO.
    """

    def __init__(self, app: ASGIApp, credentials: Callable[[], Iterable[tuple[str, str]]]) -> None:
        self.app = app
        self.credentials = credentials
        self._redactor: Redactor | None = None

    def _redact(self, text: str) -> str:
        if self._redactor is None:
            self._redactor = Redactor.for_credentials(self.credentials())
        return self._redactor(text)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            method = _printable(str(scope.get("method", "")), 20)
            path = _printable(self._redact(str(scope.get("path", ""))))
            access_logger.info("%s %s %s %.1f ms", method, path, status if status else "-", elapsed)
