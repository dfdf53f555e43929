"""Bounded HTTP exchanges: every request has a total deadline and every body a size cap.

httpx's timeouts bound each read, not the exchange: a server dripping one byte every two
seconds never trips a five-second read timeout. And a small gzip body can inflate to
gigabytes. Both clients of the project (the contract suite's sync client, the audit's
async crawler) send through :func:`send` / :func:`send_async`, which stream the answer,
count the *decoded* bytes against ``max_bytes`` and stop at ``deadline_s``, raising a
:class:`BoundExceeded` whose message says which limit and by how much.

    response = send(client, client.build_request("GET", url), Limits(deadline_s=30, max_bytes=2**20))
"""

from __future__ import annotations

import asyncio
import datetime
import time
from dataclasses import dataclass

import httpx

__all__ = [
    "DEFAULT_LIMITS",
    "BodyTooLarge",
    "BoundExceeded",
    "DeadlineExceeded",
    "Limits",
    "send",
    "send_async",
]


class BoundExceeded(httpx.TransportError):
    """An exchange broke one of :class:`Limits`; a transport error, so retry logic sees it as one."""


class DeadlineExceeded(BoundExceeded):
    """The whole exchange, body included, took longer than its deadline."""


class BodyTooLarge(BoundExceeded):
    """The decoded (decompressed) body grew past the cap."""


@dataclass(frozen=True)
class Limits:
    """A total deadline per exchange, and a cap on the decoded body."""

    deadline_s: float = 60.0
    # A Number API list page of 20 objects is about 15 KiB; 8 MiB leaves room for any
    # honest answer and keeps a hostile one from costing more than that in memory.
    max_bytes: int = 8 * 1024 * 1024

    def __post_init__(self) -> None:
        if not (0 < self.deadline_s < float("inf")):
            raise ValueError(f"deadline_s must be a positive finite number of seconds, not {self.deadline_s}")
        if self.max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1, not {self.max_bytes}")


DEFAULT_LIMITS = Limits()


def _too_large(request: httpx.Request, limits: Limits) -> BodyTooLarge:
    return BodyTooLarge(
        f"{request.method} {request.url.path}: the answer's body exceeded {limits.max_bytes} bytes "
        "(decompressed); refusing to read more",
        request=request,
    )


def _too_slow(request: httpx.Request, limits: Limits) -> DeadlineExceeded:
    return DeadlineExceeded(
        f"{request.method} {request.url.path}: no complete answer within {limits.deadline_s:g} s "
        "(the whole exchange, body included)",
        request=request,
    )


def _finish(response: httpx.Response, chunks: list[bytes], started: float) -> httpx.Response:
    # The body is kept decoded; the encoding header would make httpx decode it twice.
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-encoding"]
    finished = httpx.Response(
        response.status_code,
        headers=headers,
        content=b"".join(chunks),
        request=response.request,
        extensions=response.extensions,
        history=response.history,
        default_encoding=response.default_encoding,
    )
    # httpx sets elapsed when its own stream closes; this response has none, so time it here.
    finished.elapsed = datetime.timedelta(seconds=time.monotonic() - started)
    return finished


def send(client: httpx.Client, request: httpx.Request, limits: Limits = DEFAULT_LIMITS) -> httpx.Response:
    """Send ``request`` and read its answer within ``limits``; the body is fully read on return.

    The deadline is checked between chunks, so a drip is cut off at most one read timeout
    after the deadline; give the client a read timeout below the deadline.
    """
    started = time.monotonic()
    response = client.send(request, stream=True)
    try:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limits.max_bytes:
                raise _too_large(request, limits)
            chunks.append(chunk)
            if time.monotonic() - started > limits.deadline_s:
                raise _too_slow(request, limits)
        if time.monotonic() - started > limits.deadline_s:
            raise _too_slow(request, limits)
    finally:
        response.close()
    return _finish(response, chunks, started)


async def send_async(
    client: httpx.AsyncClient, request: httpx.Request, limits: Limits = DEFAULT_LIMITS
) -> httpx.Response:
    """The async face of :func:`send`; here the deadline cancels the exchange outright.

    ``asyncio.timeout``, not ``asyncio.wait_for``: on Python 3.11 wait_for loses a
    cancellation that arrives as the exchange completes (it returns the answer instead), so
    a crawl cancelled at its deadline kept workers running on closed clients for tens of
    seconds. The timeout scope also runs the exchange in the caller's task, not a new one.
    """
    started = time.monotonic()
    try:
        async with asyncio.timeout(limits.deadline_s):
            response = await client.send(request, stream=True)
            try:
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limits.max_bytes:
                        raise _too_large(request, limits)
                    chunks.append(chunk)
            finally:
                await response.aclose()
    except TimeoutError:
        raise _too_slow(request, limits) from None
    return _finish(response, chunks, started)
