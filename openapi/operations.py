"""The Number API's operations: their ids, and which one a request line is for.

The one place that maps a method and a path to an operationId. Everything else
(the emulator's defect middleware, the contract suite's coverage and guard, the SDK
request checker) asks here instead of keeping its own regexes or tuple of ids.

    from openapi.operations import GET, OPERATION_IDS, operation_for

    operation_for("GET", "/v1/Account/MA123/Number/%2B14155550100?x=1")  # -> "getNumber"
    operation_for("PUT", "/v1/Account/MA123/Number/14155550100/")        # -> None

Paths are matched against the spec's own path templates, so a path added to
``number.yaml`` is routed here without an edit. By default a path is read the way a
server behind any gateway sees it: a query string or fragment is ignored, the
trailing slash is optional (the emulator serves both forms, as Plivo does), anything
before ``/v1/Account/`` is a base path (``https://host/proxy/v1/Account/...``), and
path parameters are percent-decoded (``%2B1415...`` names ``+1415...``).
``exact=True`` accepts only the documented form (no prefix, the trailing slash the
page shows); the SDK checker uses it because a client that drops the slash departs
from the page.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import unquote, urlsplit

__all__ = [
    "GET",
    "HTTP_METHODS",
    "ITEM_OPERATIONS",
    "LIST",
    "OPERATION_IDS",
    "UNRENT",
    "UPDATE",
    "WRITE_OPERATIONS",
    "PathMatch",
    "match_path",
    "operation_for",
]

# The spec's operationIds (openapi/number.yaml); tests/spec/test_operations.py keeps
# these equal to the file, in the file's order.
LIST = "listNumbers"
GET = "getNumber"
UPDATE = "updateNumber"
UNRENT = "unrentNumber"
OPERATION_IDS: tuple[str, ...] = (LIST, GET, UPDATE, UNRENT)
# The operations on one number (``/Number/{number}/``) and the ones that change state.
ITEM_OPERATIONS: tuple[str, ...] = (GET, UPDATE, UNRENT)
WRITE_OPERATIONS: tuple[str, ...] = (UPDATE, UNRENT)

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass(frozen=True)
class PathMatch:
    """A path that names one of the spec's path templates.

    ``params`` are the path parameters, percent-decoded; ``methods`` maps each
    declared METHOD on the template to its operationId.
    """

    template: str
    params: Mapping[str, str]
    methods: Mapping[str, str] = field(repr=False)

    def operation(self, method: str) -> str | None:
        """The operationId for ``method`` on this path, or None (a method the spec does not declare)."""
        return self.methods.get(method.upper())

    @property
    def auth_id(self) -> str | None:
        return self.params.get("auth_id")

    @property
    def number(self) -> str | None:
        return self.params.get("number")


@dataclass(frozen=True)
class _Route:
    template: str
    exact: re.Pattern[str]
    loose: re.Pattern[str]
    methods: Mapping[str, str]


@functools.cache
def _routes() -> tuple[_Route, ...]:
    # Imported here: the package imports this module for its exports, and the
    # loader is only needed once a path is matched.
    from openapi import load_spec

    routes = []
    # The path templates and their methods are the same at both levels.
    for template, item in load_spec("tolerant")["paths"].items():
        body = "".join(
            f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[^}]+\})", template.rstrip("/"))
            if part
        )
        methods = {
            method.upper(): op["operationId"]
            for method, op in item.items()
            if method in HTTP_METHODS and isinstance(op, dict) and "operationId" in op
        }
        slash = "/" if template.endswith("/") else ""
        routes.append(
            _Route(
                template=template,
                exact=re.compile(f"^{body}{slash}$"),
                # Any base path ending in "/" before the template; the slash optional.
                loose=re.compile(f"^(?:.*?/)?{body.lstrip('/')}/?$"),
                methods=MappingProxyType(methods),
            )
        )
    return tuple(routes)


def _path_only(path: str) -> str:
    """The path of ``path``, which may be a full URL or carry a query string or fragment."""
    if "://" in path:
        return urlsplit(path).path
    return path.split("#", 1)[0].split("?", 1)[0]


def match_path(path: str, *, exact: bool = False, decoded: bool = False) -> PathMatch | None:
    """The spec path ``path`` names, with its parameters, or None.

    ``exact``: only the documented form (see the module docstring); the default reads
    a path as a server does. ``decoded``: ``path`` is already a percent-decoded path
    (an ASGI scope's ``path``), so it is neither decoded again (``%252B`` must stay
    ``%2B``) nor cut at a ``?`` or ``#`` (which a decoded path may hold).
    """
    if not decoded:
        path = _path_only(path)
    for route in _routes():
        found = (route.exact if exact else route.loose).match(path)
        if found:
            params = {name: value if decoded else unquote(value) for name, value in found.groupdict().items()}
            return PathMatch(route.template, MappingProxyType(params), route.methods)
    return None


def operation_for(method: str, path: str, *, decoded: bool = False) -> str | None:
    """The operationId of a ``method`` request to ``path``, or None (undeclared method or path).

    ``decoded`` as for :func:`match_path`.
    """
    found = match_path(path, decoded=decoded)
    return found.operation(method) if found else None
