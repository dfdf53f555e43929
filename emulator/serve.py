"""Serve an app over real HTTP on loopback with uvicorn, in a background thread.

    with serve(create_app()) as base_url:     # e.g. "http://127.0.0.1:54321"
        httpx.get(base_url + "/v1/Account/...")

Port 0 picks a free port; the yielded URL has the real one. A server that fails to
start, crashes, or raises an unhandled exception while answering makes the ``with``
block raise EmulatorServerError on exit (unless the block itself raised), so errors
in the server thread are never silently lost.

Stopping (the block's end, SIGTERM or Ctrl+C for ``python -m emulator``) wakes every
answer held back by a latency fault, which then answers a JSON 503 "the emulator is
stopping" at once; anything else still in flight gets GRACEFUL_SHUTDOWN_SECONDS, then
is cancelled. A stopping server never waits on a delay. At log level ``info`` or ``debug`` each
request gets one line on stderr (``emulator.access``: method, path, status, ms).
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from .faults import STOPPING, ConnectionDropped
from .requestlog import ACCESS_LOGGER_NAME

GRACEFUL_SHUTDOWN_SECONDS = 2

_dropping: contextvars.ContextVar[bool] = contextvars.ContextVar("emulator_dropping", default=False)


class EmulatorServerError(RuntimeError):
    """The served emulator failed: could not start, crashed, or raised while answering."""


class _DropNoise(logging.Filter):
    # uvicorn logs an error when an app ends without completing its answer; for a
    # deliberate drop (drop_rate fault) that is the intended effect, not news. Nor is the
    # traceback of an answer cancelled because the server is stopping.
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            return False
        return not _dropping.get()


_NOISE_FILTER = _DropNoise()


def quiet_drops() -> None:
    """Silence uvicorn's complaint about deliberately dropped connections (idempotent)."""
    logger = logging.getLogger("uvicorn.error")
    if _NOISE_FILTER not in logger.filters:
        logger.addFilter(_NOISE_FILTER)


class ServedApp:
    """Wraps an app for serving: records unhandled exceptions, turns ConnectionDropped into a drop.

    Each request's scope carries ``extensions["emulator.stopping"]``, an asyncio.Event set
    when the server starts stopping (see emulator.faults, which stops waiting on it).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.errors: list[BaseException] = []
        self._stopping: asyncio.Event | None = None

    def stop(self) -> None:
        """Tell answers in flight that the server is stopping (call on the server's loop)."""
        if self._stopping is not None:
            self._stopping.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._stopping is None:
            self._stopping = asyncio.Event()  # on the server's loop, where every request runs
        scope = {**scope, "extensions": {**(scope.get("extensions") or {}), STOPPING: self._stopping}}
        try:
            await self.app(scope, receive, send)
        except ConnectionDropped:
            _dropping.set(True)  # the server now closes the connection mid-answer
        except Exception as exc:
            self.errors.append(exc)
            raise

    def __repr__(self) -> str:
        return f"<ServedApp {self.app!r} errors={len(self.errors)}>"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0 = any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP (not 0) for asyncio to set TCP_NODELAY on accepted
    # connections; without it every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def log_config(log_level: str) -> dict[str, object]:
    """uvicorn's logging setup plus the emulator's access log at ``log_level``."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"][ACCESS_LOGGER_NAME] = {
        "handlers": ["default"],
        "level": log_level.upper(),
        "propagate": False,
    }
    return config


class _Server(uvicorn.Server):
    """A uvicorn Server that tells a ServedApp when it starts stopping."""

    def __init__(self, config: uvicorn.Config, served: ServedApp | None) -> None:
        super().__init__(config)
        self.served = served

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.served is not None:
            self.served.stop()
        await super().shutdown(sockets)


def server_for(app: ASGIApp, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for ``app``; wrap it in ServedApp for prompt stops under latency faults."""
    quiet_drops()
    # uvicorn's own access log is off: it prints the query string, which may carry anything.
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level=log_level,
        log_config=log_config(log_level),
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    return _Server(config, app if isinstance(app, ServedApp) else None)


@contextmanager
def serve(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning", timeout: float = 10.0
) -> Iterator[str]:
    """Serve ``app`` on ``host``:``port`` while the block runs; yields the base URL."""
    served = ServedApp(app)
    sock = bind(host, port)
    server = server_for(served, log_level)
    crashed: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # SystemExit from uvicorn included: the caller must hear of it
            crashed.append(exc)

    thread = threading.Thread(target=run, name=f"emulator-{base_url(sock)}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    if not server.started:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
        cause = crashed[0] if crashed else None
        raise EmulatorServerError(f"the emulator did not start on {host}:{port} within {timeout}s") from cause
    body_failed = False
    try:
        yield base_url(sock)
    except BaseException:
        body_failed = True
        raise
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
        if not body_failed:
            if thread.is_alive():
                raise EmulatorServerError(f"the emulator server did not stop within {timeout}s")
            problems = crashed + served.errors
            if problems:
                raise EmulatorServerError(
                    f"the emulator server raised {len(problems)} error(s); first: {problems[0]!r}"
                ) from problems[0]
