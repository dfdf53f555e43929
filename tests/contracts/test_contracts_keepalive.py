"""The suite's HTTP transport gives up idle connections before a server would close them.

A connection idle as long as the server's keep-alive timeout is closed by the server just
as the client reuses it, and the request ends in a connection reset: a 429 pause of 5 s
against uvicorn's 5 s timeout did that. Past ``KEEPALIVE_EXPIRY_S`` a connection is opened
anew; within it, it is reused.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from contracts.target import KEEPALIVE_EXPIRY_S, BoundedHTTPTransport


class _Counting(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0

    def process_request(self, request: object, client_address: object) -> None:
        self.connections += 1
        super().process_request(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def do_GET(self) -> None:
        body = b"{}"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_Counting]:
    served = _Counting(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.shutdown()
        served.server_close()


def _url(server: socketserver.TCPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/"


def test_a_connection_is_reused_while_fresh_and_opened_anew_once_idle_too_long(server: _Counting) -> None:
    with httpx.Client(transport=BoundedHTTPTransport()) as client:
        client.get(_url(server))
        client.get(_url(server))
        assert server.connections == 1, "back to back, the pooled connection is reused"
        # Idle past the expiry (a short sleep; nothing is timed): the next request dials again.
        time.sleep(KEEPALIVE_EXPIRY_S + 0.5)
        assert client.get(_url(server)).status_code == 200
        assert server.connections == 2


def test_the_expiry_is_below_common_server_idle_timeouts() -> None:
    # gunicorn closes idle connections after 2 s, uvicorn and Node after 5 s.
    assert 0 < KEEPALIVE_EXPIRY_S < 2.0
