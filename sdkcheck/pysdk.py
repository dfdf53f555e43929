"""Plivo's Python SDK pointed at a served emulator.

The SDK has no constructor argument or environment variable for its base URL: every request resets
``client.base_uri`` from the module constant ``plivo.rest.client.PLIVO_API_BASE_URI``. :func:`pointed_at`
swaps that constant for the emulator's URL and always puts the original back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import plivo
import plivo.rest.client
from plivo.version import __version__ as plivo_version

from .sdkrun import Exchange, SdkRun
from .served import Served

__all__ = ["PythonSdk", "describe", "pointed_at"]

SDK = "python"


@contextmanager
def pointed_at(base_url: str) -> Iterator[None]:
    """Make every Python SDK client send to ``base_url`` inside the block."""
    original = plivo.rest.client.PLIVO_API_BASE_URI
    plivo.rest.client.PLIVO_API_BASE_URI = f"{base_url}/v1/Account"
    try:
        yield
    finally:
        plivo.rest.client.PLIVO_API_BASE_URI = original


@dataclass
class Pending:
    """Filled in by the test inside :meth:`PythonSdk.call`; ``exchange`` is set on exit."""

    outcome: str = ""
    exchange: Exchange | None = None

    def done(self) -> Exchange:
        assert self.exchange is not None, "the call block has not finished"
        return self.exchange


@dataclass
class PythonSdk:
    """A Python SDK client for the emulator's demo account, recording each call into ``run``."""

    served: Served
    run: SdkRun
    clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(plivo_version)

    def client(self, auth_id: str | None = None, auth_token: str | None = None) -> Any:
        auth_id = auth_id or self.served.auth_id
        auth_token = auth_token or self.served.demo.auth_token
        key = (auth_id, auth_token)
        if key not in self.clients:
            self.clients[key] = plivo.RestClient(auth_id, auth_token)
        return self.clients[key]

    @contextmanager
    def call(self, method: str, call: str, expected: tuple[str, ...] = ()) -> Iterator[Pending]:
        """Record the requests sent inside the block as one exchange of SDK method ``method``."""
        pending = Pending()
        capture = self.served.capture
        with capture.step(call) as taken:
            yield pending
        pending.exchange = self.run.record(SDK, method, call, taken, pending.outcome, expected)

    def __repr__(self) -> str:
        return f"<PythonSdk plivo {self.version} -> {self.served.base_url}>"


def describe(value: Any) -> str:
    """A short account of what an SDK call returned or raised, for the report."""
    if isinstance(value, BaseException):
        return f"raised {type(value).__name__}: {str(value)[:200]}"
    name = type(value).__name__
    objects = getattr(value, "objects", None)
    if isinstance(objects, list):
        meta = getattr(value, "meta", None)
        total = getattr(meta, "total_count", "?")
        kinds = sorted({type(o).__name__ for o in objects}) or ["-"]
        return f"{name}: {len(objects)} {'/'.join(kinds)} objects, meta.total_count={total}"
    if hasattr(value, "number"):
        return f"{name} {value.number}"
    if hasattr(value, "message"):
        return f"{name} message={value.message!r}"
    return f"{name} {value!r}"[:200]
