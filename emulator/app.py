"""create_app: one emulator instance as a Starlette ASGI app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from . import compliance_api, demo, filters, validation
from .api import NumberApi, not_found, server_error
from .config import EmulatorConfig
from .faults import FaultMiddleware
from .limits import RequestLimitMiddleware
from .requestlog import AccessLogMiddleware, RequestLog, RequestLogMiddleware
from .store import NumberStore

StoreWrapper = Callable[[NumberStore], NumberStore]
Handler = Callable[[Request], Awaitable[Response]]


class AnyMethod:
    """An ASGI endpoint for a request handler; Starlette applies no method filter to these."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handler(Request(scope, receive))
        await response(scope, receive, send)

    def __repr__(self) -> str:
        return f"<AnyMethod {getattr(self.handler, '__name__', self.handler)}>"


def create_app(
    config: EmulatorConfig | None = None,
    *,
    middleware: Sequence[Middleware] = (),
    store_wrapper: StoreWrapper | None = None,
) -> Starlette:
    """An emulator app for ``config`` (defaults: seed 7, 300 numbers, tolerant level, no faults).

    Layers, outermost first: the access log (INFO lines on ``emulator.access``), the
    request log, the size limits (414 target, 431 headers, 413 past
    ``config.max_body_bytes``; see emulator.limits), faults, then
    ``middleware``, right around the API;
    ``store_wrapper`` may replace the store with a wrapper (both are hooks for a defect
    catalogue, which the core never contains). ``app.state`` carries ``config``,
    ``demo`` (DemoCredentials), ``store``, ``directory``, ``request_log`` and
    ``compliance`` (the ComplianceStore of brands, campaigns, profiles, ...).
    """
    config = config or EmulatorConfig()
    world = demo.build(config)
    store = store_wrapper(world.store) if store_wrapper else world.store
    api = NumberApi(
        world.directory,
        store,
        validation.rules_for(config.level),
        filters.rules_for(config.level),
    )
    # ASGI endpoints, so every method (even QUERY or made-up ones) reaches the API, which
    # answers undeclared ones with a JSON 405 and an Allow header.
    collection, item = AnyMethod(api.collection), AnyMethod(api.item)
    routes = [
        Route("/v1/Account/{auth_id}/Number/", collection),
        Route("/v1/Account/{auth_id}/Number", collection),
        Route("/v1/Account/{auth_id}/Number/{number}/", item),
        Route("/v1/Account/{auth_id}/Number/{number}", item),
        # The compliance objects the numbers point to (openapi/compliance.yaml, read-only).
        *compliance_api.routes(compliance_api.ComplianceApi(world.compliance, api)),
    ]
    request_log = RequestLog(
        config.request_log_limit, config.request_log_max_bytes, config.request_log_entry_bytes
    )
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(AccessLogMiddleware, credentials=world.directory.credentials),
            Middleware(RequestLogMiddleware, log=request_log),
            Middleware(RequestLimitMiddleware, max_body_bytes=config.max_body_bytes),
            Middleware(
                FaultMiddleware, faults=config.faults, seed=config.seed, account_of=world.directory.main_of
            ),
            *middleware,
        ],
        exception_handlers={404: not_found, 500: server_error},
    )
    # Both path forms are routed; a slash redirect would only send clients elsewhere (and
    # build its Location from the client's Host header).
    app.router.redirect_slashes = False
    app.state.config = config
    app.state.demo = world.demo
    app.state.store = store
    app.state.directory = world.directory
    app.state.request_log = request_log
    app.state.compliance = world.compliance
    app.state.api = api
    return app
