"""create_app: one emulator instance as a Starlette ASGI app."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from . import demo, filters, validation
from .api import NumberApi, method_not_allowed, not_found, server_error
from .config import EmulatorConfig
from .faults import FaultMiddleware
from .requestlog import RequestLog, RequestLogMiddleware
from .store import NumberStore

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]
StoreWrapper = Callable[[NumberStore], NumberStore]


def create_app(
    config: EmulatorConfig | None = None,
    *,
    middleware: Sequence[Middleware] = (),
    store_wrapper: StoreWrapper | None = None,
) -> Starlette:
    """An emulator app for ``config`` (defaults: seed 7, 300 numbers, tolerant level, no faults).

    ``middleware`` runs inside the request log and fault layers, right around the API;
    ``store_wrapper`` may replace the store with a wrapper (both are hooks for a defect
    catalogue, which the core never contains). ``app.state`` carries ``config``,
    ``demo`` (DemoCredentials), ``store``, ``directory`` and ``request_log``.
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
    # Every method reaches the API, which answers the undeclared ones with a JSON 405.
    routes = [
        Route("/v1/Account/{auth_id}/Number/", api.collection, methods=ALL_METHODS),
        Route("/v1/Account/{auth_id}/Number", api.collection, methods=ALL_METHODS),
        Route("/v1/Account/{auth_id}/Number/{number}/", api.item, methods=ALL_METHODS),
        Route("/v1/Account/{auth_id}/Number/{number}", api.item, methods=ALL_METHODS),
    ]
    request_log = RequestLog(config.request_log_limit)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestLogMiddleware, log=request_log),
            Middleware(FaultMiddleware, faults=config.faults, seed=config.seed),
            *middleware,
        ],
        exception_handlers={404: not_found, 405: method_not_allowed, 500: server_error},
    )
    app.state.config = config
    app.state.demo = world.demo
    app.state.store = store
    app.state.directory = world.directory
    app.state.request_log = request_log
    app.state.api = api
    return app
