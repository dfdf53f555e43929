"""Request size limits: the target, the headers and the body, each refused past a size.

Plivo's Number API takes a handful of short fields; nothing a client legitimately
sends comes near these limits, and refusing early keeps the emulator's memory bounded
whatever arrives:

- a request target (path and query) over MAX_TARGET_BYTES (8 KiB): JSON 414;
- more than MAX_HEADERS header fields, or over MAX_HEADER_BYTES (32 KiB) of them:
  JSON 431;
- a body over the emulator's ``max_body_bytes`` (DEFAULT_MAX_BODY_BYTES, 1 MiB): JSON
  413. The body is read as it streams in and never held past the limit: a declared
  Content-Length over it is refused without buffering, a chunked body is counted.

(The HTTP layer refuses what it cannot parse, and a request line or header block that
arrives in pieces past 16 KiB, with its own plain-text 400.)

To let an ordinary client (which sends its whole body before reading the answer) see
the refusal rather than a reset connection, the rest of the body is read and
discarded, up to DRAIN_FACTOR times the body limit; past that, or when the client asked
``Expect: 100-continue`` (so it has not sent the body yet), the answer says
``Connection: close`` and the server closes the connection.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_response

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
MAX_TARGET_BYTES = 8 * 1024
MAX_HEADERS = 100
MAX_HEADER_BYTES = 32 * 1024
DRAIN_FACTOR = 64


def _declared_length(scope: Scope) -> int | None:
    """The Content-Length header's value, or None if absent or unreadable."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            text = value.decode("latin-1").strip()
            # The HTTP layer refuses malformed lengths; in-process callers may send anything.
            return int(text) if text.isdigit() and len(text) < 20 else None
    return None


def _expects_continue(scope: Scope) -> bool:
    return any(
        name.lower() == b"expect" and value.strip().lower() == b"100-continue"
        for name, value in scope.get("headers", [])
    )


def _size_text(count: int) -> str:
    if count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024)} MiB"
    if count % 1024 == 0:
        return f"{count // 1024} KiB"
    return f"{count} bytes"


def _head_problem(scope: Scope) -> tuple[int, str] | None:
    """``(status, message)`` if the request target or headers are over their limits."""
    raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogatepass")
    target = len(raw_path) + len(scope.get("query_string", b""))
    if target > MAX_TARGET_BYTES:
        return 414, (
            f"request URI too long: {target} bytes of path and query is more than the limit of "
            f"{MAX_TARGET_BYTES} bytes ({_size_text(MAX_TARGET_BYTES)})"
        )
    headers = scope.get("headers", [])
    if len(headers) > MAX_HEADERS:
        return (
            431,
            f"request header fields too large: {len(headers)} fields is more than the limit of {MAX_HEADERS}",
        )
    size = sum(len(name) + len(value) for name, value in headers)
    if size > MAX_HEADER_BYTES:
        return 431, (
            f"request header fields too large: {size} bytes is more than the limit of "
            f"{MAX_HEADER_BYTES} bytes ({_size_text(MAX_HEADER_BYTES)})"
        )
    return None


class RequestLimitMiddleware:
    """Refuses oversized targets (414), headers (431) and bodies (413); hands a body on whole."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def __repr__(self) -> str:
        return f"<RequestLimitMiddleware body<={self.max_body_bytes} bytes>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _head_problem(scope)
        declared = _declared_length(scope)
        if problem is None and declared is not None and declared > self.max_body_bytes:
            problem = self._too_large(declared)
        if problem is not None and _expects_continue(scope):
            await _refuse(scope, receive, send, problem, close=True)
            return
        body = bytearray()
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its whole body: nobody to answer
            chunk = message.get("body", b"")
            received += len(chunk)
            more = bool(message.get("more_body", False))
            if problem is not None or received > self.max_body_bytes:
                problem = problem or self._too_large(declared)
                body.clear()
                if received > self.max_body_bytes * DRAIN_FACTOR:
                    await _refuse(scope, receive, send, problem, close=True)
                    return
            else:
                body.extend(chunk)
        if problem is not None:
            await _refuse(scope, receive, send, problem, close=False)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    def _too_large(self, declared: int | None) -> tuple[int, str]:
        sent = f"{declared} bytes is" if declared else "the request body is"
        return 413, (
            f"request body too large: {sent} more than the limit of {self.max_body_bytes} bytes "
            f"({_size_text(self.max_body_bytes)})"
        )


async def _refuse(scope: Scope, receive: Receive, send: Send, problem: tuple[int, str], close: bool) -> None:
    status, message = problem
    await error_response(status, message, {"Connection": "close"} if close else None)(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the buffered body once, then whatever the server says next."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
