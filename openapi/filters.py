"""The documented meaning of each list filter, as a predicate over one number object.

The one statement of what a ``listNumbers`` filter selects, for every consumer that judges
a target's answer: the contract suite (``contracts/test_filters.py``) and the SDK checks
(``sdkcheck/scenarios.py``). The emulator keeps its own independent implementation
(``emulator/filters.py``) on purpose: it is the implementation under test, and the
suite's oracle must not share its bugs.

    table = openapi.filters.filters("documented")
    table["services"].holds({"sms_enabled": True, "voice_enabled": False}, "sms")  # True

Meaning comes from the spec wherever it states it: ``x-filter-maps-to`` (a filter
vocabulary mapped onto an object property), ``x-filter-compares`` (a comparison with a
property) and ``x-filter-semantics`` (``all-of`` for services). The few filters whose
meaning is only in prose (type, prefix, subaccount, exact alias, ...) are in
:data:`PROSE_FILTERS`, each with the sentence it comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import openapi

from .operations import LIST

__all__ = ["PROSE_FILTERS", "SERVICE_PROPERTIES", "Filter", "filters", "matches_all", "selects"]

Predicate = Callable[[Mapping[str, Any], str], bool]

_COMPARE: dict[str, Callable[[str, str], bool]] = {
    "eq": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _equals(prop: str) -> Predicate:
    return lambda obj, value: obj.get(prop) == value


# Filters whose meaning the spec gives in words only; the strings quote the spec. The third
# item is the object property the filter reads.
PROSE_FILTERS: dict[str, tuple[str, Predicate, str]] = {
    "type": ("Filter by number type.", _equals("number_type"), "number_type"),
    "number_startswith": (
        'Filter by prefix of the number (digits, without "+").',
        lambda obj, value: str(obj.get("number", "")).lstrip("+").startswith(value),
        "number",
    ),
    "subaccount": ("Objects answer it in `sub_account`.", _equals("sub_account"), "sub_account"),
    "alias": ("Filter by exact alias.", _equals("alias"), "alias"),
    "cnam_lookup": ("Filter by CNAM lookup status.", _equals("cnam_lookup"), "cnam_lookup"),
    "tendlc_campaign_id": (
        "Filter by 10DLC campaign id.",
        _equals("tendlc_campaign_id"),
        "tendlc_campaign_id",
    ),
}


SERVICE_PROPERTIES = ("voice_enabled", "sms_enabled", "mms_enabled")


@dataclass(frozen=True)
class Filter:
    """One list filter: its name, where its meaning comes from, and the predicate."""

    name: str
    source: str
    predicate: Predicate
    values: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()  # the object properties the meaning is judged on

    def holds(self, obj: Mapping[str, Any], value: str) -> bool:
        return self.predicate(obj, value)

    def judgeable(self, obj: Mapping[str, Any], value: str) -> bool:
        """Whether ``obj`` shows what this filter reads: an object without an optional key
        (D9: not every object carries every key) can be neither expected nor unexpected."""
        reads = self.reads
        if reads == SERVICE_PROPERTIES:
            reads = tuple(f"{service}_enabled" for service in value.split(","))
        return all(prop in obj for prop in reads)

    def __repr__(self) -> str:
        return f"<Filter {self.name} ({self.source})>"


def _maps_to(spec: Mapping[str, Any], level: openapi.Level) -> Predicate:
    prop = spec["property"]
    vocabulary: dict[str, str] = dict(spec["values"])
    # Observed spellings of an object value (REGISTERED for COMPLETED, D4): the same state.
    synonyms: dict[str, list[str]] = dict(spec.get("observed-synonyms") or {})

    def holds(obj: Mapping[str, Any], value: str) -> bool:
        # The filter's own word maps onto the object's; an object word (the Node SDK sends
        # those) selects itself. Tolerant level also admits the recorded lower-case values
        # and the recorded synonyms.
        wanted = vocabulary.get(value, value)
        got = obj.get(prop)
        if level == "tolerant" and isinstance(got, str):
            accepted = {wanted.upper(), *(s.upper() for s in synonyms.get(wanted, []))}
            return got.upper() in accepted
        return bool(got == wanted)

    return holds


def _compares(spec: Mapping[str, Any]) -> Predicate:
    prop, compare = spec["property"], _COMPARE[spec["op"]]
    return lambda obj, value: isinstance(obj.get(prop), str) and compare(obj[prop], value)


def _all_of(obj: Mapping[str, Any], value: str) -> bool:
    return all(obj.get(f"{service}_enabled") is True for service in value.split(","))


def filters(level: openapi.Level) -> dict[str, Filter]:
    """Every documented filter of listNumbers, judging objects at ``level``.

    Filters and their values are always the documented ones: an x-observed request value
    (upper-case 10DLC words, plivo-go's ``number_type``) is something a target may accept,
    never something it must. ``level`` only decides which object values count as a match.
    """
    _, _, op = openapi.operation(LIST, "documented")
    out: dict[str, Filter] = {}
    for parameter in op.get("parameters", []):
        name = parameter["name"]
        if parameter.get("in") != "query" or name in ("limit", "offset"):
            continue
        enum = tuple(parameter.get("schema", {}).get("enum", ()))
        if "x-filter-maps-to" in parameter:
            maps = parameter["x-filter-maps-to"]
            out[name] = Filter(
                name, "x-filter-maps-to", _maps_to(maps, level), enum, reads=(maps["property"],)
            )
        elif "x-filter-compares" in parameter:
            compares = parameter["x-filter-compares"]
            out[name] = Filter(name, "x-filter-compares", _compares(compares), reads=(compares["property"],))
        elif parameter.get("x-filter-semantics") == "all-of":
            out[name] = Filter(name, "x-filter-semantics: all-of", _all_of, reads=SERVICE_PROPERTIES)
        elif name in PROSE_FILTERS:
            text, predicate, prop = PROSE_FILTERS[name]
            out[name] = Filter(name, f"description: {text}", predicate, enum, reads=(prop,))
        else:
            raise KeyError(f"listNumbers filter {name!r} has no stated meaning; add it to PROSE_FILTERS")
    return out


def selects(
    name: str, value: str | Sequence[str], level: openapi.Level = "documented"
) -> Callable[[Mapping[str, Any]], bool]:
    """Whether an object satisfies the filter ``name=value`` (a list value is sent comma-joined)."""
    rule = filters(level)[name]
    text = value if isinstance(value, str) else ",".join(value)
    return lambda obj: rule.holds(obj, text)


def matches_all(obj: Mapping[str, Any], chosen: Mapping[str, str], table: Mapping[str, Filter]) -> bool:
    """Filters combine with AND (spec: "Every filter narrows the set; filters combine with AND")."""
    return all(table[name].holds(obj, value) for name, value in chosen.items())
