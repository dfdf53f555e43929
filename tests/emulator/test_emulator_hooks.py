"""create_app's extension points: extra middleware and a store wrapper (used by the defect catalogue)."""

from __future__ import annotations

from typing import Any

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator import EmulatorConfig, NumberStore, Principal, create_app

from .conftest import AsgiClient


class CountingStore(NumberStore):
    """Delegates to a real store and counts page calls."""

    def __init__(self, inner: NumberStore) -> None:  # no super().__init__: state lives in inner
        self.inner = inner
        self.pages = 0

    def page(self, principal: Principal, number_filter: Any, offset: int, limit: int) -> Any:
        self.pages += 1
        return self.inner.page(principal, number_filter, offset, limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class TeapotHeader:
    """Adds a header to every answer, to show where extra middleware sits."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-extra", b"yes")]
            await send(message)

        await self.app(scope, receive, tagged)


def test_store_wrapper_and_middleware_are_used() -> None:
    wrapped: list[CountingStore] = []

    def wrap(store: NumberStore) -> NumberStore:
        wrapped.append(CountingStore(store))
        return wrapped[0]

    app = create_app(EmulatorConfig(numbers=10), middleware=[Middleware(TeapotHeader)], store_wrapper=wrap)
    demo = app.state.demo
    assert app.state.store is wrapped[0]
    response = AsgiClient(app, auth=(demo.auth_id, demo.auth_token)).get(
        f"/v1/Account/{demo.auth_id}/Number/"
    )
    assert response.status_code == 200
    assert response.json()["meta"]["total_count"] == 10
    assert wrapped[0].pages == 1
    assert response.headers["x-extra"] == "yes"
    assert [r.status for r in app.state.request_log] == [200]
