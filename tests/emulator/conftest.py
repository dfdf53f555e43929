"""Fixtures for the emulator's own tests: a fresh small app per test, in-process clients."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from emulator import EmulatorConfig, create_app
from emulator.accounts import DemoCredentials

SEED = 11
NUMBERS = 160


@pytest.fixture
def app() -> Starlette:
    return create_app(EmulatorConfig(seed=SEED, numbers=NUMBERS))


@pytest.fixture
def demo(app: Starlette) -> DemoCredentials:
    creds: DemoCredentials = app.state.demo
    return creds


class AsgiClient:
    """A synchronous in-process client: each call runs the app through httpx's ASGI transport."""

    def __init__(self, app: Starlette, auth: tuple[str, str] | None = None) -> None:
        self.app = app
        self.auth = auth

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://emulator", auth=self.auth
            ) as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(call())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        """Nothing to release; each request had its own client."""


class Api:
    """An in-process client bound to one set of credentials, with the account's paths."""

    def __init__(self, app: Starlette, auth_id: str, token: str) -> None:
        self.auth_id = auth_id
        self.client = AsgiClient(app, auth=(auth_id, token))

    @property
    def numbers_path(self) -> str:
        return f"/v1/Account/{self.auth_id}/Number/"

    def number_path(self, number: str) -> str:
        return f"/v1/Account/{self.auth_id}/Number/{number}/"

    def page(self, **params: Any) -> Any:
        response = self.client.get(self.numbers_path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def list_all(self, **params: Any) -> list[dict[str, Any]]:
        """Every object matching ``params``, following meta.next."""
        objects: list[dict[str, Any]] = []
        page = self.page(limit=20, **params)
        objects.extend(page["objects"])
        while page["meta"]["next"]:
            response = self.client.get(page["meta"]["next"])
            assert response.status_code == 200, response.text
            page = response.json()
            objects.extend(page["objects"])
        return objects

    def get(self, number: str) -> Any:
        response = self.client.get(self.number_path(number))
        assert response.status_code == 200, response.text
        return response.json()

    def update(self, target: str, /, **body: Any) -> httpx.Response:
        return self.client.post(self.number_path(target), json=body)


@pytest.fixture
def main_api(app: Starlette, demo: DemoCredentials) -> Iterator[Api]:
    api = Api(app, demo.auth_id, demo.auth_token)
    yield api
    api.client.close()


@pytest.fixture
def sub_api(app: Starlette, demo: DemoCredentials) -> Iterator[Api]:
    sub_id, token = demo.subaccounts[0]
    api = Api(app, sub_id, token)
    yield api
    api.client.close()


@pytest.fixture
def other_api(app: Starlette, demo: DemoCredentials) -> Iterator[Api]:
    api = Api(app, *demo.other_account)
    yield api
    api.client.close()


def all_objects(app: Starlette, owner: str) -> list[dict[str, Any]]:
    """The store's own view of an account, for computing expected answers independently."""
    objects: list[dict[str, Any]] = app.state.store.snapshot(owner)
    return objects
