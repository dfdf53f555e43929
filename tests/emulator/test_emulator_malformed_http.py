"""Malformed HTTP over a real loopback connection: every answer is 4xx, never 5xx, never a hang.

The served emulator (``emulator.serve.serve``) gets raw bytes on a socket: a table of
hand-written malformed requests, then hypothesis-generated ones (request line, headers
and body bytes, around a valid request so that many reach the API itself). An answer
is a status line read off the socket; h11/uvicorn answer malformed HTTP with their own
plain-text 400, or close the connection, and both are fine. A 5xx is a failure, and so
is a socket that stays silent past a generous deadline. Leaving the ``serve`` block
raises if the app raised anything while answering, so a crash cannot hide behind a
connection the client saw closed.
"""

from __future__ import annotations

import base64
import json
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator import EmulatorConfig, create_app
from emulator.serve import serve

# Generous: only a hang (a server that never answers nor closes) reaches it.
DEADLINE_SECONDS = 30.0
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3}) [^\r\n]*\r\n")
MIB = 1024 * 1024


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    auth_id: str
    token: str
    number: str

    @property
    def authorization(self) -> bytes:
        return b"Basic " + base64.b64encode(f"{self.auth_id}:{self.token}".encode())

    @property
    def collection(self) -> bytes:
        return f"/v1/Account/{self.auth_id}/Number/".encode()

    @property
    def item(self) -> bytes:
        return self.collection + self.number.encode() + b"/"


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    app = create_app(EmulatorConfig(seed=5, numbers=40))
    demo = app.state.demo
    number = next(
        o["number"]
        for o in app.state.store.snapshot(demo.auth_id)
        if o["number_type"] == "local" and o["region"].endswith("UNITED STATES") and o["sub_account"] is None
    )
    with serve(app) as base_url:
        host, port = base_url.removeprefix("http://").rsplit(":", 1)
        yield Target(host, int(port), demo.auth_id, demo.auth_token, number)
        # Every request the app answered was answered below 500 (protocol-level 400s from
        # h11 never reach the app, and are 400 by construction).
        assert all(record.status is None or record.status < 500 for record in app.state.request_log)


def exchange(target: Target, data: bytes) -> list[int]:
    """Send ``data``, half-close, read until the server closes; the statuses answered."""
    with socket.create_connection((target.host, target.port), timeout=DEADLINE_SECONDS) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused early (e.g. oversized headers) and closed; read what it said
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # closed with unread input left: a protocol-level refusal
        except TimeoutError:
            raise AssertionError(
                f"no answer and no close within {DEADLINE_SECONDS}s: {data[:200]!r}"
            ) from None
    # Bodies are JSON (no raw CR LF) or uvicorn's fixed text, so a match is a status line.
    return [int(status) for status in STATUS_LINE.findall(answer)]


def request(
    target: Target,
    method: bytes = b"GET",
    path: bytes | None = None,
    headers: list[bytes] | None = None,
    body: bytes = b"",
    *,
    auth: bool = True,
    length: bool = True,
) -> bytes:
    lines = [method + b" " + (target.collection if path is None else path) + b" HTTP/1.1", b"Host: emulator"]
    if auth:
        lines.append(b"Authorization: " + target.authorization)
    lines += headers or []
    if length and body:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _json_post(target: Target, body: bytes, content_type: bytes = b"application/json") -> bytes:
    return request(target, b"POST", target.item, [b"Content-Type: " + content_type], body)


Builder = Callable[[Target], bytes]
# What a case must get: "4xx"; "4xx|close" (the HTTP layer may also just close); "<500"
# (HTTP the server may legitimately read as a valid request, e.g. obs-fold).
Expect = Literal["4xx", "4xx|close", "<500"]
CASES: dict[str, tuple[Builder, Expect]] = {}


def case(name: str, expect: Expect, build: Builder) -> None:
    CASES[name] = (build, expect)


# --- credentials
case(
    "authorization: Basic é (UTF-8)",
    "4xx",
    lambda t: request(t, headers=["Authorization: Basic é".encode()], auth=False),
)
case(
    "authorization: Basic \\xe9 (Latin-1)",
    "4xx",
    lambda t: request(t, headers=[b"Authorization: Basic \xe9"], auth=False),
)
case(
    "authorization: not base64",
    "4xx",
    lambda t: request(t, headers=[b"Authorization: Basic %%%%"], auth=False),
)
case(
    "authorization: base64 of non-UTF-8",
    "4xx",
    lambda t: request(t, headers=[b"Authorization: Basic " + base64.b64encode(b"\xff:\xfe")], auth=False),
)
case(
    "authorization: no colon",
    "4xx",
    lambda t: request(t, headers=[b"Authorization: Basic " + base64.b64encode(b"MA")], auth=False),
)
case("authorization: empty", "4xx", lambda t: request(t, headers=[b"Authorization: "], auth=False))
case(
    "authorization: 12 KB",
    "4xx",
    lambda t: request(
        t, headers=[b"Authorization: Basic " + base64.b64encode(b"a:" + b"b" * 9000)], auth=False
    ),
)
case("authorization: twice", "4xx", lambda t: request(t, headers=[b"Authorization: Basic %%"]))
# --- bodies
case("json nested 2,000 deep", "4xx", lambda t: _json_post(t, b"[" * 2000 + b"]" * 2000))
case(
    "json object nested 50,000 deep", "4xx", lambda t: _json_post(t, b'{"a":' * 50_000 + b"1" + b"}" * 50_000)
)
case("json lone surrogate", "4xx", lambda t: _json_post(t, b'{"alias": "\\ud800"}'))
case("json list", "4xx", lambda t: _json_post(t, b'["alias"]'))
case("json number", "4xx", lambda t: _json_post(t, b"42"))
case("json string", "4xx", lambda t: _json_post(t, b'"alias"'))
case("json null", "4xx", lambda t: _json_post(t, b"null"))
case("json NaN", "4xx", lambda t: _json_post(t, b'{"alias": NaN}'))
case("json 5,000-digit integer", "4xx", lambda t: _json_post(t, b'{"alias": ' + b"7" * 5000 + b"}"))
case("json non-string value", "4xx", lambda t: _json_post(t, b'{"alias": 5, "cnam": true, "app_id": []}'))
case("json duplicate keys", "4xx", lambda t: _json_post(t, b'{"alias": "a", "alias": "b"}'))
case("json invalid UTF-8", "4xx", lambda t: _json_post(t, b'{"alias": "\xff\xfe"}'))
case("json truncated", "4xx", lambda t: _json_post(t, b'{"alias": '))
case("wrong content-type", "4xx", lambda t: _json_post(t, b"alias=x", b"text/plain"))
case("content-type garbage", "4xx", lambda t: _json_post(t, b"{}", b"\x01\x02;;;=="))
case(
    "form invalid percent-encoding",
    "4xx",
    lambda t: _json_post(t, b"alias=%ff%fe", b"application/x-www-form-urlencoded"),
)
case(
    "form invalid UTF-8",
    "4xx",
    lambda t: _json_post(t, b"alias=\xc3\x28", b"application/x-www-form-urlencoded"),
)
case(
    "form duplicate field",
    "4xx",
    lambda t: _json_post(t, b"alias=a&alias=b", b"application/x-www-form-urlencoded"),
)
case("body over 1 MiB with Content-Length", "4xx|close", lambda t: _json_post(t, b"x" * (MIB + 1)))
case(
    "body over 1 MiB, chunked",
    "4xx|close",
    lambda t: request(
        t,
        b"POST",
        t.item,
        [b"Transfer-Encoding: chunked"],
        b"".join(b"%x\r\n%s\r\n" % (64 * 1024, b"z" * 64 * 1024) for _ in range(20)) + b"0\r\n\r\n",
        length=False,
    ),
)
case(
    "10 MB body, Expect: 100-continue, body never sent",
    "4xx",
    lambda t: request(
        t, b"POST", t.item, [b"Content-Length: %d" % (10 * MIB), b"Expect: 100-continue"], length=False
    ),
)
case(
    "chunked body of bad JSON",
    "4xx",
    lambda t: request(
        t,
        b"POST",
        t.item,
        [b"Content-Type: application/json", b"Transfer-Encoding: chunked"],
        b"5\r\n{not \r\n0\r\n\r\n",
        length=False,
    ),
)
case(
    "chunked body, bad chunk size",
    "4xx|close",
    lambda t: request(
        t, b"POST", t.item, [b"Transfer-Encoding: chunked"], b"zz\r\nabc\r\n0\r\n\r\n", length=False
    ),
)
case(
    "content-length shorter than the body",
    "4xx",
    lambda t: request(
        t,
        b"POST",
        t.item,
        [b"Content-Type: application/json", b"Content-Length: 5"],
        b'{"alias": "x"}',
        length=False,
    ),
)
case(
    "content-length longer than the body",
    "4xx|close",
    lambda t: request(t, b"POST", t.item, [b"Content-Length: 500"], b"{}", length=False),
)
case(
    "content-length not a number",
    "4xx|close",
    lambda t: request(t, b"POST", t.item, [b"Content-Length: ten"], b"{}", length=False),
)
case(
    "two different content-lengths",
    "4xx|close",
    lambda t: request(t, b"POST", t.item, [b"Content-Length: 2", b"Content-Length: 3"], b"{}", length=False),
)
case(
    "transfer-encoding gzip",
    "4xx|close",
    lambda t: request(t, b"POST", t.item, [b"Transfer-Encoding: gzip"], b"abc", length=False),
)
case("body on a GET without credentials", "4xx", lambda t: request(t, body=b"x" * 1000, auth=False))
# --- request line, path and query
case("unknown method", "4xx", lambda t: request(t, b"FROBNICATE"))
case("lower-case method", "4xx", lambda t: request(t, b"get"))
case("HEAD", "4xx", lambda t: request(t, b"HEAD"))
case("method with bad characters", "4xx|close", lambda t: request(t, b"G(E)T"))
case("path with raw invalid UTF-8", "4xx|close", lambda t: request(t, path=t.collection + b"\xff\xfe/"))
case("path with invalid percent-encoding", "4xx", lambda t: request(t, path=t.collection + b"%ff%fe/"))
case("path with a bad percent sequence", "4xx", lambda t: request(t, path=t.collection + b"%zz/"))
case("path with %00", "4xx", lambda t: request(t, path=t.collection + b"%00/"))
case("path with a raw NUL", "4xx|close", lambda t: request(t, path=t.collection + b"\x00/"))
case("path with a double slash", "4xx", lambda t: request(t, path=t.collection + b"/"))
case("path of 10 KB", "4xx", lambda t: request(t, path=t.collection + b"9" * 10_000 + b"/"))
case("path outside the API", "4xx", lambda t: request(t, path=b"/v2/../../etc/passwd"))
case("asterisk target", "4xx", lambda t: request(t, b"OPTIONS", b"*"))
case(
    "absolute-form target", "4xx", lambda t: request(t, path=b"http://elsewhere" + t.collection + b"?limit=x")
)
case("query: invalid percent-encoding", "4xx", lambda t: request(t, path=t.collection + b"?alias=%ff%fe"))
case("query: bad percent sequence in limit", "4xx", lambda t: request(t, path=t.collection + b"?limit=%zz"))
case("query: %00 in limit", "4xx", lambda t: request(t, path=t.collection + b"?limit=%00"))
case("query: duplicate limit", "4xx", lambda t: request(t, path=t.collection + b"?limit=1&limit=2"))
case("query: float limit", "4xx", lambda t: request(t, path=t.collection + b"?limit=1.0"))
case("query: boolean offset", "4xx", lambda t: request(t, path=t.collection + b"?offset=true"))
case("query: 5,000-digit offset", "4xx", lambda t: request(t, path=t.collection + b"?offset=" + b"9" * 5000))
case(
    "query: 2,000 fields",
    "4xx",
    lambda t: request(t, path=t.collection + b"?" + b"&".join(b"k%d=" % i for i in range(2000))),
)
case("query: 100 KB", "4xx|close", lambda t: request(t, path=t.collection + b"?x=" + b"a" * 100_000))
case(
    "query on an update: invalid UTF-8",
    "4xx",
    lambda t: request(t, b"POST", t.item + b"?x=%c3", [b"Content-Type: application/json"], b"{}"),
)
case("request line without a version", "4xx|close", lambda t: b"GET " + t.collection + b"\r\n\r\n")
case("HTTP/2.0 version on a request line", "<500", lambda t: request(t).replace(b"HTTP/1.1", b"HTTP/2.0", 1))
case("HTTP/2 connection preface", "4xx", lambda t: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
case(
    "TLS client hello", "4xx|close", lambda t: b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64
)
case("empty request", "4xx|close", lambda t: b"\r\n\r\n")
# --- headers
case("header without a colon", "4xx|close", lambda t: request(t, headers=[b"NoColonHere"]))
case("header folded (obs-fold)", "<500", lambda t: request(t, headers=[b"X-A: 1", b" continued"]))
case("header of 100 KB", "4xx|close", lambda t: request(t, headers=[b"X-Big: " + b"a" * 100_000]))
case("1,500 headers", "4xx|close", lambda t: request(t, headers=[b"X-%d: v" % i for i in range(1500)]))
case("header with NUL", "4xx|close", lambda t: request(t, headers=[b"X-Nul: a\x00b"]))
case("host header '['", "4xx", lambda t: request(t, path=t.collection + b"/x/y/", headers=[b"Host: ["]))
case("no host header", "4xx|close", lambda t: request(t).replace(b"Host: emulator\r\n", b"", 1))


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_requests_get_4xx_never_5xx(target: Target, name: str) -> None:
    build, expect = CASES[name]
    statuses = exchange(target, build(target))
    if not statuses:
        assert expect != "4xx", f"{name}: the connection closed without an answer"
        return
    low = 0 if expect == "<500" else 400
    assert all(low <= status < 500 for status in statuses), f"{name}: answered {statuses}"


def test_the_reported_failures_answer_what_the_brief_asks(target: Target) -> None:
    assert exchange(target, request(target, headers=["Authorization: Basic é".encode()], auth=False)) == [401]
    assert exchange(target, _json_post(target, b"[" * 2000 + b"]" * 2000)) == [400]
    assert exchange(target, _json_post(target, b'{"alias": "\\ud800"}')) == [400]
    # ... and the number is still readable afterwards.
    assert exchange(target, request(target, path=target.item)) == [200]
    assert exchange(target, _json_post(target, b"x" * (10 * 1000 * 1000))) == [413]


# --- hypothesis: bytes around a valid request -------------------------------------------

TOKEN = st.text(
    alphabet="!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=1
)
METHODS = (
    st.sampled_from([b"GET", b"POST", b"DELETE", b"PUT", b"PATCH", b"HEAD", b"OPTIONS"])
    | TOKEN.map(str.encode)
    | st.binary(min_size=1, max_size=12)
)
PATH_PIECES = st.sampled_from(
    [b"%ff", b"%00", b"%", b"%2F", b"/", b"..", b"\xff", b" ", b"?", b"#", b"+", b"%c3"]
)
QUERY_NAMES = st.sampled_from(["limit", "offset", "type", "services", "alias", "number_startswith", "x"])
QUERY_VALUES = st.sampled_from(
    ["1", "-1", "1.5", "true", "", "%ff", "%00", "local", "voice,sms", "99999999999"]
)
CONTENT_TYPES = st.sampled_from(
    [
        b"application/json",
        b"application/x-www-form-urlencoded",
        b"text/plain",
        b"",
        b"application/json; charset=utf-16",
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
BODIES = (
    st.dictionaries(
        st.sampled_from(["alias", "app_id", "subaccount", "cnam", "cnam_lookup", "profile_uuid", "x"]),
        JSON_VALUES,
        max_size=4,
    ).map(lambda d: json.dumps(d).encode())
    | st.binary(max_size=300)
    | st.text(max_size=100).map(lambda s: s.encode("utf-8", "surrogatepass"))
)
HEADER_BYTES = st.binary(min_size=0, max_size=40)


def _often(draw: st.DrawFn, percent: int) -> bool:
    return draw(st.integers(0, 99)) < percent


@st.composite
def raw_requests(draw: st.DrawFn, target: Target) -> bytes:
    """A request that is mostly well formed (so it reaches the API) with malformed parts."""
    if _often(draw, 75):
        method = draw(st.sampled_from([b"GET", b"GET", b"POST", b"POST", b"DELETE", b"PUT", b"HEAD"]))
    else:
        method = draw(METHODS)
    path = draw(
        st.sampled_from([target.collection, target.item, target.item, target.collection + b"15550000000/"])
    )
    if _often(draw, 30):
        path += b"".join(draw(st.lists(PATH_PIECES, min_size=1, max_size=3)))
    pairs = draw(st.lists(st.tuples(QUERY_NAMES, QUERY_VALUES), max_size=4))
    if pairs:
        path += b"?" + "&".join(f"{k}={v}" for k, v in pairs).encode()
    headers = [b"Host: emulator"]
    auth = draw(st.sampled_from(["valid", "valid", "valid", "none", "garbage"]))
    if auth == "valid":
        headers.append(b"Authorization: " + target.authorization)
    elif auth == "garbage":
        headers.append(b"Authorization: Basic " + draw(HEADER_BYTES))
    body = draw(BODIES) if method != b"GET" or _often(draw, 10) else b""
    content_type = draw(CONTENT_TYPES)
    if content_type:
        headers.append(b"Content-Type: " + content_type)
    framing = draw(st.sampled_from(["length", "length", "length", "lie", "chunked", "none"]))
    if framing == "length" and body:
        headers.append(b"Content-Length: %d" % len(body))
    elif framing == "lie":
        headers.append(b"Content-Length: %d" % draw(st.integers(0, 2 * len(body) + 2)))
    elif framing == "chunked" and body:
        headers.append(b"Transfer-Encoding: chunked")
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    if _often(draw, 20):
        headers += [draw(HEADER_BYTES) + b": " + draw(HEADER_BYTES) for _ in range(draw(st.integers(1, 2)))]
    version = (
        b"HTTP/1.1"
        if _often(draw, 85)
        else draw(st.sampled_from([b"HTTP/1.0", b"HTTP/9.9", b"HTTP/1.1 x", b""]))
    )
    data = method + b" " + path + b" " + version + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + body
    if _often(draw, 20):
        # Flip a few bytes anywhere, request line and headers included.
        for position, value in draw(
            st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), min_size=1, max_size=3)
        ):
            data = data[:position] + bytes([value]) + data[position + 1 :]
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(data=st.data())
def test_generated_malformed_requests_never_get_a_5xx(target: Target, data: st.DataObject) -> None:
    raw = data.draw(raw_requests(target), label="request bytes")
    statuses = exchange(target, raw)
    assert all(status < 500 for status in statuses), f"answered {statuses} to {raw[:300]!r}"
