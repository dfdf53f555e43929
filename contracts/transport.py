"""schemathesis, sending through the target's guarded httpx client.

schemathesis normally sends with ``requests`` (or straight into an ASGI app). Its checks
also send requests of their own -- ``ignored_auth`` repeats a request without
credentials -- through ``schema.transport``. :func:`bind` makes that transport ours,
so every case and every probe passes :class:`contracts.target.GuardedTransport`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from schemathesis import Case, Response
from schemathesis.schemas import BaseSchema
from schemathesis.transport.requests import REQUESTS_TRANSPORT, RequestsTransport

from contracts.target import Target

__all__ = ["TargetTransport", "bind"]

# requests-only settings schemathesis adds; the target's client has its own.
_IGNORED = ("verify", "timeout", "cert", "proxies", "allow_redirects", "stream", "session")


class TargetTransport(RequestsTransport):
    """Serialises cases exactly as schemathesis' requests transport does, sends them with httpx."""

    def __init__(self, target: Callable[[], Target]) -> None:
        super().__init__()
        self._copy_serializers_from(REQUESTS_TRANSPORT)
        self._target = target

    def target(self) -> Target:
        """The target this schema sends to: how checks and hooks reach it from a case."""
        return self._target()

    def send(self, case: Case, *, session: Any = None, **kwargs: Any) -> Response:
        target = self._target()
        # The spec names api.plivo.com; the target decides where requests really go.
        kwargs["base_url"] = target.base_url
        kwargs.pop("app", None)
        data = self._build_request_data(case, kwargs)
        for key in _IGNORED:
            data.pop(key, None)
        auth = data.pop("auth", None)
        request: dict[str, Any] = {
            "method": data.pop("method"),
            "url": data.pop("url"),
            "headers": data.pop("headers", None) or {},
            "params": data.pop("params", None) or None,
            "cookies": data.pop("cookies", None) or None,
        }
        if "json" in data:
            request["json"] = data.pop("json")
        if "data" in data:
            body = data.pop("data")
            request["content" if isinstance(body, bytes | str) else "data"] = body
        if "files" in data:
            request["files"] = data.pop("files")
        if isinstance(auth, tuple):
            request["auth"] = httpx.BasicAuth(*auth)
        response = target.http.request(**request)
        return Response.from_httpx(response, verify=True)


def bind(schema: BaseSchema, target: Callable[[], Target]) -> BaseSchema:
    """Make ``schema`` (and its clones) send through ``target()``'s guard."""
    transport = TargetTransport(target)
    base = type(schema)
    bound = type(f"Targeted{base.__name__}", (base,), {"transport": property(lambda self: transport)})
    schema.__class__ = bound
    return schema
