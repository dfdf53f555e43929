"""A raw asyncio HTTP/1.1 server in a background thread: the emulator behind a hostile behaviour.

uvicorn cannot drip a body, lie about Content-Length or reset a connection mid-answer,
so the hostile server speaks HTTP itself: it reads each request off the socket, lets the
behaviour produce an answer (normally the real emulator's, asked in-process through
``httpx.ASGITransport``, then rewritten) and lets the behaviour put it on the wire.

    with serve_hostile("slow_drip_body", auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        ...                                   # http://127.0.0.1:PORT
        base_url.requests                     # every Request the server read (HostileURL)

A second listener on another loopback address (127.0.0.2 where the system routes it, else
another port) is the "other host" that redirects point to; it records what reaches it, so a
test can prove that no credentials were sent there.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from .base import Context, Hostile, Reply, Request, lookup

__all__ = ["CONTROL", "Connection", "HostileServerError", "HostileURL", "serve_hostile"]

CONTROL = "control"
"""Not in the catalogue: the same server with no misbehaviour, for comparison."""

MAX_HEAD = 64 * 1024
MAX_REQUEST_BODY = 1024 * 1024
_DROPPED_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding", "transfer-encoding"})


class HostileServerError(RuntimeError):
    """The hostile server itself failed (not the behaviour it was asked for)."""


class BadRequest(ValueError):
    """What the client sent is not an HTTP/1.1 request this server reads: answered 400, then closed."""


class Control(Hostile):
    name = CONTROL
    family = "none"
    description = "the emulator's own answers, served by the hostile server (for comparison)"
    audit_expects = "exact"


class HostileURL(str):
    """The base URL (a ``str``), carrying what the server saw: ``requests``, ``decoy_requests``."""

    ctx: Context
    hostile: Hostile

    @property
    def requests(self) -> list[Request]:
        return self.ctx.requests

    @property
    def decoy_requests(self) -> list[Request]:
        return self.ctx.decoy_requests


class Connection:
    """One client connection; what a behaviour's ``send`` writes with."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def read_request(self, index: int, attempts: Counter[tuple[str, str, str]]) -> Request | None:
        """The next request, or None when the client closed the connection."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        request_line = lines[0].split(" ")
        if len(request_line) != 3 or not request_line[2].startswith("HTTP/1."):
            raise BadRequest("malformed request line")
        method, target, _version = request_line
        headers = []
        for line in lines[1:]:
            if ":" in line:
                key, _, value = line.partition(":")
                headers.append((key.strip().lower(), value.strip()))
        fields = dict(headers)
        if "chunked" in fields.get("transfer-encoding", "").lower():
            body = await self.read_chunked()
        else:
            try:
                length = int(fields.get("content-length", "0") or 0)
            except ValueError:
                raise BadRequest("Content-Length is not a number") from None
            if not 0 <= length <= MAX_REQUEST_BODY:
                raise BadRequest(f"request body of {length} bytes")
            body = await self.reader.readexactly(length) if length else b""
        try:
            parts = urlsplit(target)
        except ValueError:
            raise BadRequest("malformed request target") from None
        query = tuple(parse_qsl(parts.query, keep_blank_values=True))
        seen = (method, parts.path, "&".join(sorted(f"{k}={v}" for k, v in query)))
        attempts[seen] += 1
        return Request(method, parts.path, query, tuple(headers), body, index, attempts[seen])

    async def read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            line = await self.reader.readuntil(b"\r\n")
            try:
                length = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise BadRequest("malformed chunk size") from None
            if length == 0:
                await self.reader.readuntil(b"\r\n")  # no trailers are expected
                return b"".join(chunks)
            size += length
            if size > MAX_REQUEST_BODY:
                raise BadRequest(f"request body over {MAX_REQUEST_BODY} bytes")
            chunks.append(await self.reader.readexactly(length))
            await self.reader.readexactly(2)

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def drip(self, data: bytes, interval: float, step: int = 1) -> None:
        """Write ``data`` ``step`` bytes at a time, ``interval`` seconds apart."""
        for start in range(0, len(data), step):
            await self.write(data[start : start + step])
            await asyncio.sleep(interval)

    def reset(self) -> None:
        """Abort with a TCP RST (SO_LINGER 0), the way a crashed peer or a middlebox does."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


def _bind(host: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, 0))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


class _Server:
    def __init__(self, hostile: Hostile, app: Any, auth_id: str, auth_token: str) -> None:
        self.hostile = hostile
        self.app = app
        self.ctx = Context(auth_id=auth_id, auth_token=auth_token, upstream=self.upstream)
        self.attempts: Counter[tuple[str, str, str]] = Counter()
        self.errors: list[BaseException] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop: asyncio.Event | None = None
        self.client: httpx.AsyncClient | None = None

    async def upstream(self, request: Request) -> Reply:
        assert self.client is not None
        headers = [(k, v) for k, v in request.headers if k not in _DROPPED_HEADERS]
        response = await self.client.request(
            request.method, request.path, params=request.query, headers=headers, content=request.body
        )
        kept = tuple(
            (k.lower(), v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        )
        return Reply(response.status_code, kept, response.content)

    async def connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, decoy: bool
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        conn = Connection(reader, writer)
        try:
            while True:
                index = len(self.ctx.requests) + len(self.ctx.decoy_requests) + 1
                request = await conn.read_request(index, self.attempts)
                if request is None:
                    return
                if decoy:
                    self.ctx.decoy_requests.append(request)
                    refusal = Reply.of_json(404, {"error": "decoy host: nothing is served here"})
                    await conn.write(refusal.head(len(refusal.body)) + refusal.body)
                    continue
                self.ctx.requests.append(request)
                reply = await self.hostile.answer(request, self.ctx)
                keep = await self.hostile.send(request, reply, conn, self.ctx)
                if not keep or (request.header("connection") or "").lower() == "close":
                    return
        except BadRequest as error:
            refusal = Reply.of_json(400, {"error": f"hostile server: {error}"})
            with contextlib.suppress(ConnectionError):
                await conn.write(refusal.head(len(refusal.body)) + refusal.body)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return  # the client went away or sent more than a header block may hold: its business
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug in a behaviour: the with block must hear of it
            self.errors.append(error)
        finally:
            conn.close()
            self.tasks.discard(task)

    def handler(
        self, decoy: bool
    ) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Coroutine[Any, Any, None]]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            # Cancelled only at shutdown (a drip or a hang in progress): end quietly, or asyncio
            # logs the cancellation as an error of the connection callback.
            with contextlib.suppress(asyncio.CancelledError):
                await self.connection(reader, writer, decoy)

        return handle

    async def main(self, sockets: list[socket.socket], ready: threading.Event) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop = asyncio.Event()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://emulator.invalid"
        ) as self.client:
            servers = [
                await asyncio.start_server(self.handler(decoy=i == 1), sock=sock, limit=MAX_HEAD)
                for i, sock in enumerate(sockets)
            ]
            ready.set()
            await self.stop.wait()
            for server in servers:
                server.close()
            for task in list(self.tasks):
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)

    def shutdown(self) -> None:
        if self.loop is not None and self.stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self.loop.call_soon_threadsafe(self.stop.set)


@contextlib.contextmanager
def serve_hostile(
    name: str,
    *,
    auth_id: str,
    auth_token: str,
    numbers: int = 60,
    seed: int = 7,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[HostileURL]:
    """Serve the emulator (``numbers``, ``seed``, these credentials) behind behaviour ``name``.

    Yields the base URL as a :class:`HostileURL`. ``name`` may be :data:`CONTROL` for no
    misbehaviour. Raises HostileServerError on exit if a behaviour itself crashed.
    """
    from emulator import EmulatorConfig, create_app

    hostile: Hostile = Control() if name == CONTROL else lookup(name)
    app = create_app(EmulatorConfig(seed=seed, numbers=numbers, auth_id=auth_id, auth_token=auth_token))
    server = _Server(hostile, app, auth_id, auth_token)
    main_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    main_sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    main_sock.bind((host, port))
    main_sock.listen(128)
    try:
        decoy_sock = _bind("127.0.0.2")
    except OSError:
        decoy_sock = _bind("127.0.0.1")
    url = HostileURL(_url(main_sock))
    url.ctx, url.hostile = server.ctx, hostile
    server.ctx.base_url, server.ctx.decoy_url = str(url), _url(decoy_sock)
    ready = threading.Event()
    crashed: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.main([main_sock, decoy_sock], ready))
        except BaseException as error:
            crashed.append(error)
            ready.set()

    thread = threading.Thread(target=run, name=f"hostile-{hostile.name}-{url}", daemon=True)
    thread.start()
    ready.wait(10)
    body_failed = False
    try:
        if crashed or not ready.is_set():
            raise HostileServerError(f"the hostile server {hostile.name} did not start") from (
                crashed[0] if crashed else None
            )
        yield url
    except BaseException:
        body_failed = True
        raise
    finally:
        server.shutdown()
        thread.join(10)
        main_sock.close()
        decoy_sock.close()
        if not body_failed:
            problems = crashed + server.errors
            if thread.is_alive():
                raise HostileServerError(f"the hostile server {hostile.name} did not stop within 10 s")
            if problems:
                first = problems[0]
                raise HostileServerError(
                    f"the hostile server {hostile.name} raised {len(problems)} error(s); first: {first!r}"
                ) from first
