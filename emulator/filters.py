"""List filters, compiled from the listNumbers parameters in the spec.

Deliberately independent of ``openapi.filters``, the documented semantics that the
contract suite and the SDK checks judge answers by: the emulator is the implementation
under test, and the suite's oracle must not share its bugs. Two separate readings of the
same spec that agree on every target is the evidence; one shared function would make a
mistake in it invisible. (Everything else the emulator knows of the API, operations,
credentials and request validation, comes from ``openapi``.)

The meaning of each filter comes from the spec wherever it states one:
``x-filter-maps-to`` (filter vocabulary -> object values), ``x-filter-compares``
(date comparisons), ``x-filter-semantics: all-of`` (services), and a property of
AccountPhoneNumber with the parameter's name or ``x-documented-name``. Only the
three documented parameters whose meaning the spec states in prose are mapped
here by hand: ``type`` (number_type), ``number_startswith`` (prefix of number),
and ``services`` (its items name ``<item>_enabled`` properties).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import openapi

PAGING = ("limit", "offset")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_PROSE_PROPERTIES = {"type": "number_type"}

Check = Callable[[Mapping[str, Any]], bool]
# A rule turns the request's value into a check, once per request, not once per number.
Compiler = Callable[[Any], Check]


@dataclass(frozen=True)
class FilterRule:
    """How one query parameter narrows the list."""

    name: str
    describe: str
    compile: Compiler
    equality: Callable[[Any], tuple[str, Any]] | None = None
    """For "a property equals a value": the (property, value) a request's value means, so
    the store can answer from an index of that property instead of scanning every number."""

    def __repr__(self) -> str:
        return f"<FilterRule {self.name}: {self.describe}>"


def _equals(prop: str, mapping: Mapping[str, Any] | None = None) -> Compiler:
    def compile_(value: Any) -> Check:
        # A value already in the object vocabulary (the Node SDK's upper case) means itself.
        wanted = mapping.get(value, value) if mapping else value
        return lambda fields: fields.get(prop) == wanted

    return compile_


def _equality(prop: str, mapping: Mapping[str, Any] | None = None) -> Callable[[Any], tuple[str, Any]]:
    # The same reading as _equals, as data.
    return lambda value: (prop, mapping.get(value, value) if mapping else value)


def _compares(prop: str, op: str) -> Compiler:
    compare = _COMPARE[op]

    def compile_(value: Any) -> Check:
        def check(fields: Mapping[str, Any]) -> bool:
            current = fields.get(prop)
            # ISO dates compare correctly as strings.
            return current is not None and compare(current, value)

        return check

    return compile_


def _all_services(value: Any) -> Check:
    keys = [f"{item}_enabled" for item in dict.fromkeys(value.split(","))]
    return _every([_is_true(key) for key in keys])


def _is_true(key: str) -> Check:
    return lambda fields: fields.get(key) is True


def _startswith(value: Any) -> Check:
    return lambda fields: str(fields.get("number", "")).startswith(value)


def rules_for(level: openapi.Level) -> dict[str, FilterRule]:
    """A FilterRule for every listNumbers query parameter except paging, at ``level``."""
    _method, _path, op = openapi.operation(openapi.LIST, level)
    props = openapi.load_spec(level)["components"]["schemas"]["AccountPhoneNumber"]["properties"]
    by_documented_name = {
        spec.get("x-documented-name"): name for name, spec in props.items() if spec.get("x-documented-name")
    }
    rules: dict[str, FilterRule] = {}
    for param in op["parameters"]:
        name = param["name"]
        if param["in"] != "query" or name in PAGING:
            continue
        rules[name] = _rule(param, props, by_documented_name)
    return rules


def _rule(param: dict[str, Any], props: dict[str, Any], by_documented_name: dict[str, str]) -> FilterRule:
    name = param["name"]
    if "x-filter-maps-to" in param:
        target = param["x-filter-maps-to"]
        return FilterRule(
            name,
            f"{target['property']} via {target['values']}",
            _equals(target["property"], target["values"]),
            _equality(target["property"], target["values"]),
        )
    if "x-filter-compares" in param:
        target = param["x-filter-compares"]
        return FilterRule(
            name, f"{target['property']} {target['op']}", _compares(target["property"], target["op"])
        )
    if param.get("x-filter-semantics") == "all-of" and name == "services":
        return FilterRule(name, "every listed <service>_enabled is true", _all_services)
    if name == "number_startswith":
        return FilterRule(name, "number starts with", _startswith)
    prop = _PROSE_PROPERTIES.get(name) or by_documented_name.get(name) or (name if name in props else None)
    if prop is None:
        raise LookupError(
            f"listNumbers parameter {name!r} has no meaning the emulator can derive from the spec"
        )
    return FilterRule(name, f"{prop} equals", _equals(prop), _equality(prop))


def _every(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]

    def matches(fields: Mapping[str, Any]) -> bool:
        # A plain loop: all() over a generator costs a frame per number in 100k-number scans.
        for check in checks:  # noqa: SIM110
            if not check(fields):
                return False
        return True

    return matches


class ListFilter:
    """The filters of one list request, in spec order; hashable key for the store's cache."""

    __slots__ = ("equality", "key", "matches", "params")

    def __init__(self, rules: Mapping[str, FilterRule], params: Mapping[str, Any]) -> None:
        self.params = {name: params[name] for name in rules if name in params}
        self.key = tuple(self.params.items())
        checks = [rules[name].compile(value) for name, value in self.params.items()]
        self.matches: Check = _every(checks)
        self.equality: tuple[str, Any] | None = None
        """(property, value) when the filter is one equality (``type=tollfree``), else None."""
        if len(self.params) == 1:
            ((name, value),) = self.params.items()
            equality = rules[name].equality
            self.equality = equality(value) if equality is not None else None

    @property
    def empty(self) -> bool:
        return not self.params

    def __repr__(self) -> str:
        return f"<ListFilter {self.params}>"
