"""serve(): real sockets on loopback, errors surface, concurrent requests lose nothing."""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator import EmulatorConfig, Principal, create_app
from emulator.serve import EmulatorServerError, serve

from .conftest import all_objects


def test_port_zero_yields_the_real_bound_port(app: Starlette) -> None:
    demo = app.state.demo
    with serve(app, host="127.0.0.1", port=0) as base_url:
        parts = urlsplit(base_url)
        assert parts.scheme == "http"
        assert parts.hostname == "127.0.0.1"
        assert parts.port
        assert parts.port > 0
        assert base_url == f"http://127.0.0.1:{parts.port}"
        response = httpx.get(
            f"{base_url}/v1/Account/{demo.auth_id}/Number/", auth=(demo.auth_id, demo.auth_token)
        )
        assert response.status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/v1/Account/{demo.auth_id}/Number/", timeout=2)


def test_a_busy_port_is_an_error_for_the_caller(app: Starlette) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=r"[Aa]ddress already in use"), serve(app, port=port):
            pass


def test_exceptions_in_the_server_thread_surface_on_exit() -> None:
    async def broken(request: Request) -> Response:
        raise ValueError("boom in the app")

    app = Starlette(routes=[Route("/", broken)])
    with pytest.raises(EmulatorServerError, match="boom in the app"), serve(app) as base_url:
        assert httpx.get(base_url + "/").status_code == 500


def test_body_exceptions_are_not_masked(app: Starlette) -> None:
    with pytest.raises(KeyError), serve(app):
        raise KeyError("from the block")


def test_100_parallel_updates_over_http_lose_nothing() -> None:
    app = create_app(EmulatorConfig(seed=4, numbers=150))
    demo = app.state.demo
    numbers = [o["number"] for o in all_objects(app, demo.auth_id) if o["sub_account"] is None][:100]
    assert len(numbers) == 100

    async def run(base_url: str) -> list[int]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(
            base_url=base_url, auth=(demo.auth_id, demo.auth_token), limits=limits
        ) as client:
            path = f"/v1/Account/{demo.auth_id}/Number/"
            responses = await asyncio.gather(
                *(client.post(f"{path}{n}/", json={"alias": f"parallel {i}"}) for i, n in enumerate(numbers)),
                *(client.post(f"{path}{numbers[0]}/", json={"cnam": f"C{i}"}) for i in range(20)),
                *(client.get(path, params={"limit": 20, "offset": i}) for i in range(20)),
            )
            return [r.status_code for r in responses]

    with serve(app) as base_url:
        statuses = asyncio.run(run(base_url))
        with httpx.Client(base_url=base_url, auth=(demo.auth_id, demo.auth_token)) as client:
            aliases = {
                n: client.get(f"/v1/Account/{demo.auth_id}/Number/{n}/").json()["alias"] for n in numbers
            }
    assert statuses == [202] * 120 + [200] * 20
    assert aliases == {n: f"parallel {i}" for i, n in enumerate(numbers)}


def test_store_read_modify_write_is_atomic_across_threads() -> None:
    app = create_app(EmulatorConfig(seed=4, numbers=20))
    store = app.state.store
    demo = app.state.demo
    principal = Principal(demo.auth_id, demo.auth_id)
    number = store.numbers(demo.auth_id)[0]
    store.modify(principal, number, lambda fields: {"alias": ""})

    def append(i: int) -> None:
        store.modify(principal, number, lambda fields: {"alias": fields["alias"] + "x"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(append, range(400)))
    fields = store.get(principal, number)
    assert fields is not None
    assert fields["alias"] == "x" * 400
