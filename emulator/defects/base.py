"""What a defect is, how it hooks into an emulator, and the registry of named defects.

A defect is a small class: a name, a family, one line saying what it gets wrong, and
up to four hooks that the emulator's core never sees as switches:

* ``request(incoming)``: rewrite the request before the API reads it;
* ``answer(incoming)``: answer in place of the API (None lets the API answer);
* ``response(incoming, reply)``: rewrite the answer (the API's or ``answer``'s);
* ``wrap_store(store, config)``: put a subtly wrong store in front of the real one.

The first three run in :class:`~emulator.defects.asgi.RewriteMiddleware`, passed to
``create_app(middleware=...)``; the fourth is ``create_app(store_wrapper=...)``.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from starlette.middleware import Middleware

from emulator.config import ConfigError, EmulatorConfig
from emulator.store import NumberStore

from .asgi import Incoming, Reply, RewriteMiddleware

FAMILIES = (
    "response schema",
    "status codes",
    "headers and content types",
    "error bodies",
    "pagination",
    "list filters",
    "update",
    "unrent",
    "auth and isolation",
)


class Defect:
    """One named way of being wrong. Subclasses override any of the three hooks."""

    name: ClassVar[str]
    family: ClassVar[str]
    description: ClassVar[str]

    def request(self, incoming: Incoming) -> Incoming:
        return incoming

    def answer(self, incoming: Incoming) -> Reply | None:
        return None

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        return reply

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        return store

    def _overrides(self, hook: str) -> bool:
        return getattr(type(self), hook) is not getattr(Defect, hook)

    def hooks(self, config: EmulatorConfig) -> dict[str, Any]:
        """Keyword arguments for ``create_app``: only the hooks this defect really uses."""
        hooks: dict[str, Any] = {}
        if any(self._overrides(hook) for hook in ("request", "answer", "response")):
            hooks["middleware"] = [Middleware(RewriteMiddleware, defect=self)]
        if self._overrides("wrap_store"):
            hooks["store_wrapper"] = lambda store: self.wrap_store(store, config)
        return hooks

    def __repr__(self) -> str:
        return f"<Defect {self.name} [{self.family}]: {self.description}>"


class UnknownDefect(ConfigError):
    """A defect name that is not in the catalogue; the message lists the valid ones."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown defect {name!r}; valid names: {', '.join(known)}")
        self.name = name


CATALOGUE: dict[str, Defect] = {}
D = TypeVar("D", bound=type[Defect])


def register(cls: D) -> D:
    """Class decorator: add one instance of ``cls`` to :data:`CATALOGUE` under its name."""
    if cls.family not in FAMILIES:
        raise ValueError(f"defect {cls.name}: family {cls.family!r} is not one of {FAMILIES}")
    if cls.name in CATALOGUE:
        raise ValueError(f"defect name {cls.name!r} is registered twice")
    CATALOGUE[cls.name] = cls()
    return cls


def lookup(name: str) -> Defect:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise UnknownDefect(name, sorted(CATALOGUE)) from None
