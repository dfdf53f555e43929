"""A store that forwards to the real one, for defects to override one method of.

Also :class:`SwappedFilter`, a list filter rebuilt with some parameters meaning
something else, and the spec's own filter rules to rebuild the others with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from emulator import filters
from emulator.accounts import Principal
from emulator.config import EmulatorConfig
from emulator.store import Fields, NumberFilter, NumberStore

Check = Callable[[Mapping[str, Any]], bool]


class StoreProxy(NumberStore):
    """Forwards every public call to ``inner``; a defect overrides where it goes wrong.

    It subclasses NumberStore only so that it can be passed where one is expected;
    none of the base class's state is used.
    """

    def __init__(self, inner: NumberStore, config: EmulatorConfig) -> None:
        # Deliberately no super().__init__(): all state lives in ``inner``.
        self.inner = inner
        self.config = config

    @property
    def version(self) -> int:
        return self.inner.version

    @version.setter
    def version(self, value: int) -> None:
        self.inner.version = value

    def __len__(self) -> int:
        return len(self.inner)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} over {self.inner!r}>"

    def get(self, principal: Principal, number: str) -> Fields | None:
        return self.inner.get(principal, number)

    def page(
        self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
    ) -> tuple[int, list[Fields]]:
        return self.inner.page(principal, number_filter, offset, limit)

    def modify(
        self, principal: Principal, number: str, change: Callable[[Mapping[str, Any]], Mapping[str, Any]]
    ) -> Fields | None:
        return self.inner.modify(principal, number, change)

    def unrent(self, principal: Principal, number: str) -> bool:
        return self.inner.unrent(principal, number)

    def numbers(self, owner: str) -> list[str]:
        return self.inner.numbers(owner)

    def snapshot(self, owner: str) -> list[Fields]:
        return self.inner.snapshot(owner)


class SwappedFilter:
    """The request's filter with some parameters given another (wrong) meaning.

    ``swaps`` maps a parameter name to a compiler (value -> check) or to None, which
    drops the parameter: it is accepted, echoed in the links, and ignored.
    """

    def __init__(
        self,
        original: NumberFilter,
        config: EmulatorConfig,
        swaps: Mapping[str, Callable[[Any], Check] | None],
        tag: str,
    ) -> None:
        params: dict[str, Any] = dict(getattr(original, "params", {}))
        rules = _rules(config)
        checks: list[Check] = []
        for name, value in params.items():
            if name in swaps:
                swapped = swaps[name]
                if swapped is not None:
                    checks.append(swapped(value))
            else:
                checks.append(rules[name].compile(value))
        self.params = params
        # A key of its own, so the store's cache never mixes this filter with the real one.
        self.key: tuple[Any, ...] = (tag, *original.key)
        self.empty = not checks
        self._checks = checks

    def matches(self, fields: Mapping[str, Any]) -> bool:
        return all(check(fields) for check in self._checks)

    def __repr__(self) -> str:
        return f"<SwappedFilter {self.key}>"


_RULES: dict[str, dict[str, filters.FilterRule]] = {}


def _rules(config: EmulatorConfig) -> dict[str, filters.FilterRule]:
    if config.level not in _RULES:
        _RULES[config.level] = filters.rules_for(config.level)
    return _RULES[config.level]


class FilterSwapStore(StoreProxy):
    """A store whose list filters mean something else for the parameters in ``swaps``."""

    swaps: Mapping[str, Callable[[Any], Check] | None] = {}
    tag = "swapped"

    def page(
        self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
    ) -> tuple[int, list[Fields]]:
        params = getattr(number_filter, "params", {})
        if any(name in params for name in self.swaps):
            number_filter = SwappedFilter(number_filter, self.config, self.swaps, self.tag)
        return self.inner.page(principal, number_filter, offset, limit)
