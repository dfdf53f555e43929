"""The request body limit: bodies are read as they stream in and refused past a size.

Plivo's Number API takes a handful of short fields; nothing a client legitimately
sends comes near the limit (DEFAULT_MAX_BODY_BYTES, 1 MiB). A larger body is answered
with a Plivo-style JSON 413 and never held in memory: a declared Content-Length over
the limit is refused before reading, and a chunked body is counted as it arrives.

To let an ordinary client (which sends its whole body before reading the answer) see
the 413 rather than a reset connection, the rest of an oversized body is read and
discarded, up to DRAIN_FACTOR times the limit; past that, or when the client asked
``Expect: 100-continue`` (so it has not sent the body yet), the 413 says
``Connection: close`` and the server closes the connection.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_response

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
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


class BodyLimitMiddleware:
    """Reads each request body up to ``max_bytes`` and hands it on whole; JSON 413 past that."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def __repr__(self) -> str:
        return f"<BodyLimitMiddleware {self.max_bytes} bytes>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes and _expects_continue(scope):
            await self._refuse(scope, receive, send, declared, close=True)
            return
        body = bytearray()
        received = 0
        too_big = declared is not None and declared > self.max_bytes
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its whole body: nobody to answer
            chunk = message.get("body", b"")
            received += len(chunk)
            more = bool(message.get("more_body", False))
            if received > self.max_bytes:
                too_big = True
                body.clear()
                if received > self.max_bytes * DRAIN_FACTOR:
                    await self._refuse(scope, receive, send, declared, close=True)
                    return
            elif not too_big:
                body.extend(chunk)
        if too_big:
            await self._refuse(scope, receive, send, declared or received, close=False)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, size: int | None, close: bool
    ) -> None:
        sent = f"{size} bytes is" if size else "the request body is"
        response = error_response(
            413,
            f"request body too large: {sent} more than the limit of {self.max_bytes} bytes "
            f"({_size_text(self.max_bytes)})",
            {"Connection": "close"} if close else None,
        )
        await response(scope, receive, send)


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
