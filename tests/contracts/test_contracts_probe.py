"""The live probe's one-line diagnoses, and the guarded transport's bounds, without a network.

Each failure class gets the line a user needs: what failed, where (no userinfo), how to
fix it. The transport's deadline covers the headers too (a drip of header bytes), and its
body cap counts decompressed bytes.
"""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from contracts import probe as probe_module
from contracts.probe import ProbeFailed, probe
from contracts.target import (
    BoundedHTTPTransport,
    Credentials,
    OffTarget,
    Target,
    TargetError,
    TargetOptions,
    WritePolicy,
    shown_url,
)
from openapi.bounded import BodyTooLarge, DeadlineExceeded, Limits

AUTH_ID = "MAPROBEPROBEPROBE001"
TOKEN = "probe-Secret-Token-0042"
BASE = "https://api.example.test"


def _target(
    inner: httpx.BaseTransport, *, live: bool = False, limits: Limits | None = None, base_url: str = BASE
) -> Target:
    return Target(
        kind="live",
        base_url=base_url,
        credentials=Credentials(AUTH_ID, TOKEN),
        policy=WritePolicy(live=live),
        level="tolerant",
        unrentable=frozenset(),
        inner=inner,
        limits=limits or Limits(deadline_s=5, max_bytes=64 * 1024),
    )


def _diagnose(handler: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> str:
    target = _target(httpx.MockTransport(handler), **kwargs)  # type: ignore[arg-type]
    try:
        with pytest.raises(ProbeFailed) as failure:
            probe(target, 5)
    finally:
        target.close()
    line = str(failure.value)
    assert "\n" not in line
    assert TOKEN.lower() not in line.lower()
    assert line.startswith(f"cannot test {shown_url(target.base_url)}: ")
    return line


def _raises(error: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return handler


def test_a_healthy_list_page_passes() -> None:
    target = _target(httpx.MockTransport(lambda r: httpx.Response(200, json={"meta": {}, "objects": []})))
    probe(target, 5)
    target.close()


def test_the_probe_asks_for_one_number_with_the_credentials() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"meta": {}, "objects": []})

    target = _target(httpx.MockTransport(handler))
    probe(target, 5)
    target.close()
    assert len(seen) == 1
    assert seen[0].method == "GET"
    assert seen[0].url.path == f"/v1/Account/{AUTH_ID}/Number/"
    assert seen[0].url.params["limit"] == "1"
    assert seen[0].headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectTimeout("timed out"), ["no connection to api.example.test:443", "check --base-url"]),
        (
            httpx.ConnectError("[Errno -2] Name or service not known"),
            ["cannot resolve the host name 'api.example.test'", "check --base-url"],
        ),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            ["connection refused", "is the target running"],
        ),
        (
            httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed"),
            ["TLS certificate of api.example.test is not trusted", "SSL_CERT_FILE"],
        ),
        (
            httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version number"),
            ["TLS handshake", "use http://"],
        ),
        (httpx.ConnectError("[Errno 101] Network is unreachable"), ["no route to", "check --base-url"]),
        (httpx.RemoteProtocolError("peer closed connection"), ["connection broke", "Number API"]),
        (BodyTooLarge("too large"), ["larger than 65536 bytes", "check --base-url"]),
        (DeadlineExceeded("slow"), ["no complete answer", "--request-timeout"]),
    ],
)
def test_transport_failures_are_one_line_with_a_fix(error: Exception, expected: list[str]) -> None:
    line = _diagnose(_raises(error))
    for words in expected:
        assert words in line


def test_an_ssl_error_in_the_chain_is_a_tls_diagnosis() -> None:
    error = httpx.ConnectError("handshake failed")
    error.__cause__ = ssl.SSLError(1, "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF")
    assert "TLS handshake" in _diagnose(_raises(error))


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(401, json={"error": "bad"}), ["refused the credentials of", "PLIVO_AUTH_TOKEN"]),
        (httpx.Response(403, json={"error": "no"}), ["refused the credentials of", "PLIVO_AUTH_ID"]),
        (httpx.Response(404, text="nope"), ["404", "the API root"]),
        (httpx.Response(500, text="boom"), ["failed GET", "500"]),
        (httpx.Response(418, text="teapot"), ["answered 418", "check --base-url"]),
        (
            httpx.Response(
                200, text="<!DOCTYPE html><p>maintenance</p>", headers={"content-type": "text/html"}
            ),
            ["answered HTML, not the Number API", "check --base-url"],
        ),
        (httpx.Response(200, text="{not json"), ["not usable JSON", "Number API"]),
        (httpx.Response(200, json=[1, 2]), ["not an object (list)"]),
        (httpx.Response(200, text="[" * 100_000 + "]" * 100_000), ["nested too deeply"]),
        (httpx.Response(200, text='{"meta": {"total_count": ' + "9" * 5000 + "}}"), ["not usable JSON"]),
        (httpx.Response(429, text="slow down"), ["429", "--max-rate"]),
    ],
)
def test_answers_that_are_not_the_number_api_are_named(response: httpx.Response, expected: list[str]) -> None:
    line = _diagnose(lambda request: response, limits=Limits(deadline_s=5, max_bytes=1024 * 1024))
    for words in expected:
        assert words in line


def test_a_redirect_names_its_target_without_userinfo() -> None:
    location = f"http://{AUTH_ID}:{TOKEN}@elsewhere.example/v1/Account/{AUTH_ID}/Number/"
    line = _diagnose(lambda request: httpx.Response(302, headers={"location": location}))
    assert "redirected (302) to http://elsewhere.example/v1/Account/" in line
    assert AUTH_ID + ":" not in line


def test_a_gzip_bomb_is_cut_off_at_the_cap() -> None:
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bomb, headers={"content-encoding": "gzip"})

    assert len(bomb) < 64 * 1024, "the bomb itself is under the cap: only its inflated size is not"
    line = _diagnose(handler)
    assert "larger than 65536 bytes (decompressed)" in line


def test_a_probe_that_never_returns_is_abandoned(monkeypatch: pytest.MonkeyPatch) -> None:
    # A name lookup that never returns is out of any socket timeout's reach: the probe's
    # thread is joined with a deadline and left behind.
    monkeypatch.setattr(probe_module, "GRACE_S", 0.1)
    release = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        release.wait(30)
        return httpx.Response(200, json={})

    target = _target(httpx.MockTransport(handler))
    try:
        with pytest.raises(ProbeFailed, match=r"no answer to the first request within 0\.5 s"):
            probe(target, 0.5)
    finally:
        release.set()
        target.close()


class _Drip:
    """A loopback server that sends a status line, then header bytes one at a time, forever."""

    def __init__(self, interval: float = 0.1) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.interval = interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not self.stop.is_set():
                    try:
                        conn.sendall(b"X")
                    except OSError:
                        break
                    time.sleep(self.interval)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def drip() -> Iterator[_Drip]:
    server = _Drip()
    yield server
    server.close()


def test_the_deadline_covers_dripped_headers(drip: _Drip) -> None:
    # Every read gets a byte within its read timeout: only a total deadline ends this.
    target = _target(BoundedHTTPTransport(), live=True, limits=Limits(deadline_s=1.0, max_bytes=1024))
    target.base_url = drip.url
    started = time.monotonic()
    try:
        with pytest.raises(DeadlineExceeded, match="no complete answer within 1 s"):
            target.http.get(target.numbers_path, auth=httpx.BasicAuth(*target.credentials.basic))
    finally:
        target.close()
    assert time.monotonic() - started < 30, "cut off by the 1 s deadline, not by a hang"


def test_the_deadline_is_the_probes_too(drip: _Drip) -> None:
    target = _target(BoundedHTTPTransport(), live=True, limits=Limits(deadline_s=1.0, max_bytes=1024))
    target.base_url = drip.url
    try:
        with pytest.raises(ProbeFailed, match="no complete answer"):
            probe(target, 1.0)
    finally:
        target.close()


def test_a_body_under_the_cap_arrives_whole_and_decoded() -> None:
    page = {"meta": {"total_count": 1}, "objects": [{"number": "14155550100"}]}
    packed = gzip.compress(json.dumps(page).encode())

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=packed, headers={"content-encoding": "gzip"})

    target = _target(httpx.MockTransport(handler))
    try:
        response = target.http.get(target.numbers_path)
    finally:
        target.close()
    assert response.json() == page
    assert response.elapsed.total_seconds() >= 0, (
        "a read response has its elapsed time (schemathesis reads it)"
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://user:s3cret-pass@api.example.test",
        "https://MAXXXXXXXXXXXXXXXXXX:tok3n-value@api.example.test:8443",
        "http://just-a-user@api.example.test",
    ],
)
def test_userinfo_in_the_base_url_is_refused_without_echoing_it(url: str) -> None:
    with pytest.raises(TargetError, match=r"PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN") as error:
        TargetOptions(base_url=url).validate()
    message = str(error.value)
    assert "--base-url=http" in message
    assert "api.example.test" in message
    for secret in ("s3cret-pass", "tok3n-value", "just-a-user", "MAXXXXXXXXXXXXXXXXXX"):
        assert secret not in message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://u:p@api.example.test:8443/x?token=1#f", "https://api.example.test:8443/x"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("not a url user:pw@host", "host"),
    ],
)
def test_shown_url_drops_userinfo_query_and_fragment(url: str, shown: str) -> None:
    assert shown_url(url) == shown


def test_request_timeout_must_be_positive() -> None:
    with pytest.raises(TargetError, match="--request-timeout"):
        TargetOptions(request_timeout=0).validate()


def test_a_request_to_another_host_is_refused_unsent() -> None:
    # A hostile meta.next may name another host: following it would hand it the credentials.
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    target = _target(httpx.MockTransport(handler), live=True)
    try:
        with pytest.raises(OffTarget, match=r"not the target \(https://api\.example\.test:443\)"):
            target.http.get("https://elsewhere.example/v1/Account/x/Number/", auth=("MA", TOKEN))
        with pytest.raises(OffTarget):
            target.http.get("http://api.example.test/v1/", auth=("MA", TOKEN))  # another scheme and port
        target.http.get("https://api.example.test:443/v1/Account/x/Number/")
    finally:
        target.close()
    assert [r.url.host for r in sent] == ["api.example.test"]
