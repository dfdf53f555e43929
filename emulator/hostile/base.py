"""What a hostile behaviour is, the objects it works on, and the registry of named behaviours.

A hostile target is the real emulator behind a raw HTTP/1.1 server that misbehaves on the
way in or out. A behaviour is a small :class:`Hostile` subclass with a ``name``, a
``family``, a one-line ``description`` and ``audit_expects`` (what ``python -m audits`` must
do against it), overriding any of three hooks:

* ``answer(request, ctx)``: produce the :class:`Reply` (default: ask the emulator, then
  ``response``); override to answer in place of the emulator (a 401, a redirect, ...);
* ``response(request, reply, ctx)``: rewrite the emulator's answer (JSON, headers, status);
* ``send(request, reply, conn, ctx)``: put the answer on the wire; override for transport
  misbehaviour (drips, resets, truncation, lying Content-Length, bombs).

:data:`CATALOGUE` holds one instance of each class as its description; every served target
gets a fresh instance (``type(entry)()``), so per-target state lives on ``self``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar
from urllib.parse import urlencode

from emulator.defects.asgi import Reply as _Reply

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .server import Connection

__all__ = [
    "CATALOGUE",
    "EXPECTATIONS",
    "FAMILIES",
    "Context",
    "Expect",
    "Hostile",
    "Reply",
    "Request",
    "UnknownHostile",
    "lookup",
    "register",
]

Expect = Literal["exact", "incomplete"]
EXPECTATIONS: tuple[Expect, ...] = ("exact", "incomplete")
"""``exact``: the audit reads the exact inventory and finishes normally (exit 0 or 1).
``incomplete``: exit 3, INCOMPLETE with a reason, every report still written."""

FAMILIES = (
    "lying metadata",
    "duplicate and shifted pages",
    "slow headers",
    "slow-drip bodies",
    "connection resets",
    "truncated bodies",
    "not JSON",
    "wrong types",
    "missing fields",
    "unicode",
    "injection",
    "oversized bodies",
    "redirects",
    "auth",
    "rate limiting",
    "server errors",
    "credentials echoed",
    "type filter",
)

_COLLECTION = re.compile(r"^/v1/Account/(?P<auth_id>[^/]+)/Number/?$")

REASONS = {
    200: "OK",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    307: "Temporary Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Request:
    """One request as the hostile server read it off the wire (header names lower-cased)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    index: int = 1
    """1-based position of this request among all the server has read."""
    attempt: int = 1
    """1-based count of requests so far with this method, path and query (retries count up)."""

    @property
    def target(self) -> str:
        """Path and query, as sent on the request line."""
        return self.path + ("?" + urlencode(self.query) if self.query else "")

    @property
    def is_list(self) -> bool:
        """A listNumbers request (GET on the collection)."""
        return self.method == "GET" and _COLLECTION.match(self.path) is not None

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def query_value(self, name: str) -> str | None:
        values = [v for k, v in self.query if k == name]
        return values[-1] if values else None

    def int_query(self, name: str, default: int) -> int:
        try:
            return int(self.query_value(name) or default)
        except ValueError:
            return default

    def with_query(self, **values: str | None) -> Request:
        """This request with the named query parameters set (or removed, for None)."""
        kept = [(k, v) for k, v in self.query if k not in values]
        kept += [(k, v) for k, v in values.items() if v is not None]
        return replace(self, query=tuple(kept))


@dataclass(frozen=True)
class Reply(_Reply):
    """An answer before it is put on the wire. ``send`` adds Content-Length unless told not to.

    The defects' :class:`emulator.defects.asgi.Reply` (one home for reading and rewriting
    an answer), written as ASCII JSON (lone surrogates stay ``\\udXXX`` escapes: valid
    JSON text, hostile content) and able to render its own head.
    """

    ascii_json: ClassVar[bool] = True

    def head(self, content_length: int | None) -> bytes:
        """Status line and headers; Content-Length as given (None: leave it out)."""
        lines = [f"HTTP/1.1 {self.status} {REASONS.get(self.status, 'Unknown')}"]
        lines += [f"{k}: {v}" for k, v in self.headers if k not in ("content-length", "transfer-encoding")]
        if content_length is not None:
            lines.append(f"content-length: {content_length}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class Context:
    """What a behaviour may use: the credentials, the emulator, another host, a request log."""

    auth_id: str
    auth_token: str = field(repr=False)
    upstream: Callable[[Request], Awaitable[Reply]] = field(repr=False)
    """Ask the real emulator (in-process) for its answer to a request."""
    base_url: str = ""
    decoy_url: str = ""
    """A second listener on another loopback host: where redirects 'elsewhere' point."""
    requests: list[Request] = field(default_factory=list, repr=False)
    decoy_requests: list[Request] = field(default_factory=list, repr=False)


class Hostile:
    """One named way of being hostile to a client. Subclasses override any of the three hooks."""

    name: ClassVar[str]
    family: ClassVar[str]
    description: ClassVar[str]
    audit_expects: ClassVar[Expect]

    async def answer(self, request: Request, ctx: Context) -> Reply:
        return self.response(request, await ctx.upstream(request), ctx)

    def response(self, request: Request, reply: Reply, ctx: Context) -> Reply:
        return reply

    async def send(self, request: Request, reply: Reply, conn: Connection, ctx: Context) -> bool:
        """Write ``reply``; True keeps the connection open for the next request."""
        if request.method == "HEAD" or reply.status in (204, 304) or reply.status < 200:
            await conn.write(reply.head(len(reply.body) if request.method == "HEAD" else None))
        else:
            await conn.write(reply.head(len(reply.body)) + reply.body)
        return True

    def __repr__(self) -> str:
        return f"<Hostile {self.name} [{self.family}] expects {self.audit_expects}: {self.description}>"


class ListRewrite(Hostile):
    """Rewrites the JSON body of successful list answers through ``page``; the rest passes."""

    def response(self, request: Request, reply: Reply, ctx: Context) -> Reply:
        if not request.is_list or reply.status != 200:
            return reply
        body = reply.json()
        if not isinstance(body, dict):
            return reply
        return reply.with_json(self.page(body, request, ctx))

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        return {**body, "objects": [self.obj(o, i, ctx) for i, o in enumerate(body.get("objects", []))]}

    def obj(self, obj: dict[str, Any], index: int, ctx: Context) -> Any:
        return obj


class UnknownHostile(KeyError):
    """A name that is not in the catalogue; the message lists the valid ones."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown hostile behaviour {name!r}; valid names: {', '.join(sorted(CATALOGUE))}")
        self.name = name

    def __str__(self) -> str:
        return str(self.args[0])


CATALOGUE: dict[str, Hostile] = {}
H = TypeVar("H", bound=type[Hostile])


def register(cls: H) -> H:
    """Class decorator: add one instance of ``cls`` to :data:`CATALOGUE` under its name."""
    for attribute in ("name", "family", "description", "audit_expects"):
        if not getattr(cls, attribute, None):
            raise TypeError(f"hostile {cls.__name__} must declare {attribute}")
    if cls.family not in FAMILIES:
        raise ValueError(f"hostile {cls.name}: family {cls.family!r} is not one of {FAMILIES}")
    if cls.audit_expects not in EXPECTATIONS:
        raise ValueError(f"hostile {cls.name}: audit_expects must be one of {EXPECTATIONS}")
    if cls.name in CATALOGUE:
        raise ValueError(f"hostile name {cls.name!r} is registered twice")
    CATALOGUE[cls.name] = cls()
    return cls


def lookup(name: str) -> Hostile:
    """A fresh instance of the behaviour ``name`` (its own state), or UnknownHostile."""
    try:
        return type(CATALOGUE[name])()
    except KeyError:
        raise UnknownHostile(name) from None
