"""The request recorder: what an SDK sent, with the secret reduced to whether it matched."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sdkcheck.recording import AuthSeen, RequestCapture, auth_seen

AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
TOKEN = "s3cret-token-value"


def basic(user: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


async def echo(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse({"seen": body.decode(), "path": request.url.path}, status_code=202)


def capture() -> RequestCapture:
    app = Starlette(routes=[Route("/{rest:path}", echo, methods=["GET", "POST", "DELETE"])])
    return RequestCapture(app, {AUTH_ID: TOKEN})


class Client:
    """A synchronous face over httpx's in-process ASGI transport."""

    def __init__(self, app: RequestCapture) -> None:
        self.transport = httpx.ASGITransport(app=app)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport, base_url="http://emulator") as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(go())

    def get(self, url: str) -> httpx.Response:
        return self.request("GET", url)


def test_auth_seen_checks_the_token_without_keeping_it() -> None:
    seen = auth_seen(basic(AUTH_ID, TOKEN), {AUTH_ID: TOKEN})
    assert seen == AuthSeen("Basic", AUTH_ID, True)
    assert auth_seen(basic(AUTH_ID, "wrong"), {AUTH_ID: TOKEN}).token_matches is False
    assert auth_seen(basic("MAOTHER", TOKEN), {AUTH_ID: TOKEN}).token_matches is None
    assert auth_seen(None, {}) == AuthSeen()
    assert auth_seen("Bearer abc", {}).scheme == "Bearer"
    assert auth_seen("Basic !!!notbase64", {}).malformed
    assert auth_seen("Basic " + base64.b64encode(b"nocolon").decode(), {}).malformed
    assert TOKEN not in repr(seen)
    assert "token ok" in repr(seen)


def test_capture_records_the_request_and_the_answer() -> None:
    recorder = capture()
    Client(recorder).request(
        "POST",
        f"/v1/Account/{AUTH_ID}/Number/1/?x=1",
        content=b'{"alias":"a"}',
        headers={"Authorization": basic(AUTH_ID, TOKEN), "Content-Type": "application/json"},
    )
    [record] = recorder.records
    assert (record.method, record.path, record.query, record.status) == (
        "POST",
        f"/v1/Account/{AUTH_ID}/Number/1/",
        "x=1",
        202,
    )
    assert record.body == b'{"alias":"a"}'
    assert b'"seen":"{\\"alias\\":\\"a\\"}"' in record.response_body, "the app must still get the body"
    assert record.header("Content-Type") == "application/json"
    assert record.header("authorization") == "REDACTED"
    assert record.auth == AuthSeen("Basic", AUTH_ID, True)
    assert TOKEN not in repr(record.headers)
    assert TOKEN not in repr(record)
    assert record.target == f"/v1/Account/{AUTH_ID}/Number/1/?x=1"


def test_step_markers_label_requests_and_never_reach_the_app() -> None:
    recorder = capture()
    client = Client(recorder)
    assert client.get("/__sdkcheck/step/list%20with%20type").status_code == 204
    client.get("/a")
    client.get("/__sdkcheck/step/")
    client.get("/b")
    assert [(r.path, r.step) for r in recorder.records] == [("/a", "list with type"), ("/b", None)]


def test_in_process_steps_collect_their_requests() -> None:
    recorder = capture()
    client = Client(recorder)
    client.get("/before")
    with recorder.step("get") as taken:
        client.get("/inside")
    client.get("/after")
    assert [r.path for r in taken] == ["/inside"]
    assert taken[0].step == "get"
    assert [r.path for r in recorder.since(2)] == ["/after"]
    assert "3 requests" in repr(recorder)
