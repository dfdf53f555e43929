"""What a benign variant is, the registry of named variants, and helpers their hooks share.

A variant is the mirror image of a defect (``emulator.defects``): a *correct* Number API
that answers differently from our emulator, in a way Plivo's documentation allows. It is
built exactly like a defect -- the same hooks (``request``, ``answer``, ``response``,
``wrap_store``) applied from outside the core by the defects' own
:class:`~emulator.defects.asgi.RewriteMiddleware` and store wrappers -- so a
:class:`Variant` is a :class:`~emulator.defects.base.Defect` subclass with one more
attribute: ``allowed_by``, the source that allows its behaviour (a quote of the
documentation page, an SDK file or fixture, or "docs silent: <what the page leaves open>").

The contract suite must pass every variant: a failure is a false alarm (see
``contracts.killmatrix``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from emulator.accounts import Principal
from emulator.config import ConfigError
from emulator.defects.asgi import Incoming, Reply
from emulator.defects.base import Defect

FAMILIES = (
    "status codes",
    "auth",
    "error bodies",
    "headers and methods",
    "response data",
    "paths",
    "pagination",
    "list filters",
    "update",
    "rate limits",
)


class Variant(Defect):
    """One named, documented-allowed way of differing from our emulator."""

    allowed_by: ClassVar[str]

    def __repr__(self) -> str:
        return f"<Variant {self.name} [{self.family}]: {self.description}>"


class UnknownVariant(ConfigError):
    """A variant name that is not in the catalogue; the message lists the valid ones."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown variant {name!r}; valid names: {', '.join(known)}")
        self.name = name


CATALOGUE: dict[str, Variant] = {}
V = TypeVar("V", bound=type[Variant])


def register(cls: V) -> V:
    """Class decorator: add one instance of ``cls`` to :data:`CATALOGUE` under its name."""
    if cls.family not in FAMILIES:
        raise ValueError(f"variant {cls.name}: family {cls.family!r} is not one of {FAMILIES}")
    if cls.name in CATALOGUE:
        raise ValueError(f"variant name {cls.name!r} is registered twice")
    if not getattr(cls, "allowed_by", "").strip():
        raise ValueError(f"variant {cls.name}: allowed_by must name the source that allows it")
    CATALOGUE[cls.name] = cls()
    return cls


def lookup(name: str) -> Variant:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise UnknownVariant(name, sorted(CATALOGUE)) from None


# --- helpers for hooks -------------------------------------------------------------------


def principal_of(incoming: Incoming) -> Principal | None:
    """Who the request authenticates as, if it would pass the API's own auth checks.

    A variant that answers in place of the API (``answer``) refuses only requests the API
    would have let through authentication, so 401 keeps its precedence over its refusals.
    """
    creds, state = incoming.basic_auth, incoming.state
    if creds is None or state is None:
        return None
    principal: Principal | None = state.directory.authenticate(*creds)
    if principal is None or principal.auth_id != incoming.path_auth_id:
        return None
    return principal


def json_reply(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Reply:
    """A JSON answer, encoded like the emulator's own."""
    reply = Reply(status, (("content-type", "application/json"),), b"").with_json(data)
    for name, value in (headers or {}).items():
        reply = reply.with_header(name, value)
    return reply


def error_reply(status: int, message: str, headers: Mapping[str, str] | None = None) -> Reply:
    """A Plivo-style error, ``{"api_id", "error"}``, as the emulator writes them."""
    return json_reply(status, {"api_id": str(uuid.uuid4()), "error": message}, headers)


def is_json(reply: Reply) -> bool:
    kind = (reply.header("content-type") or "").split(";")[0].strip().lower()
    return kind == "application/json"


def with_body(reply: Reply, body: bytes) -> Reply:
    """``reply`` carrying ``body`` as it is (the middleware recomputes Content-Length)."""
    return Reply(reply.status, reply.headers, body)


def dumps_compact(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
