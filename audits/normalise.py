"""Status normalisation: documented enum values, compared case-insensitively and through synonyms.

The documented values come from the spec (``openapi.load_spec("documented")``,
AccountPhoneNumber's enum properties) and the synonyms from the list filter's
``x-filter-maps-to`` tables, which spell the same statuses in the filter's own
vocabulary (``registered`` selects ``COMPLETED``). That table is also why the
``REGISTERED`` seen in Plivo's SDK fixtures reads as ``COMPLETED``, and lower-case
``verified`` (plivo-python and plivo-go fixtures) as ``VERIFIED``.

A value that is not exactly a documented one is still normalised for the rules,
and reported by the ``data-unexpected-value`` rule.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import openapi
from openapi.operations import LIST

__all__ = ["Normalised", "Vocabulary", "enum_fields", "normalise", "vocabulary"]


@dataclass(frozen=True, slots=True)
class Normalised:
    """One field's value as listed and as the rules read it."""

    field: str
    raw: Any
    value: str | None
    """The documented value it means, or None for null and for values nothing maps."""

    @property
    def documented(self) -> bool:
        """True when the listed value is exactly a documented one (null included)."""
        return self.raw is None or self.raw == self.value

    @property
    def recognised(self) -> bool:
        return self.raw is None or self.value is not None

    def __repr__(self) -> str:
        return f"<Normalised {self.field} {self.raw!r} -> {self.value!r}>"


@dataclass(frozen=True)
class Vocabulary:
    """The documented values of one field and every spelling that means them."""

    field: str
    values: tuple[str, ...]
    synonyms: dict[str, str]
    """Lower-cased spelling -> documented value (documented values included)."""

    def normalise(self, raw: Any) -> Normalised:
        if raw is None:
            return Normalised(self.field, None, None)
        if not isinstance(raw, str):
            return Normalised(self.field, raw, None)
        return Normalised(self.field, raw, self.synonyms.get(raw.strip().lower()))

    def __repr__(self) -> str:
        return f"<Vocabulary {self.field} {list(self.values)}>"


@functools.cache
def _vocabularies() -> dict[str, Vocabulary]:
    properties = openapi.load_spec("documented")["components"]["schemas"]["AccountPhoneNumber"]["properties"]
    filter_maps: dict[str, dict[str, str]] = {}
    _method, _path, list_op = openapi.operation(LIST, "documented")
    for parameter in list_op["parameters"]:
        maps_to = parameter.get("x-filter-maps-to")
        if maps_to:
            filter_maps.setdefault(maps_to["property"], {}).update(maps_to["values"])
    vocabularies = {}
    for name, schema in properties.items():
        if "enum" not in schema:
            continue
        values = tuple(v for v in schema["enum"] if v is not None)
        synonyms = {v.lower(): v for v in values}
        for spelling, value in filter_maps.get(name, {}).items():
            synonyms.setdefault(spelling.lower(), value)
        vocabularies[name] = Vocabulary(name, values, synonyms)
    return vocabularies


def enum_fields() -> tuple[str, ...]:
    """The AccountPhoneNumber fields the spec gives documented values for."""
    return tuple(_vocabularies())


def vocabulary(field: str) -> Vocabulary:
    try:
        return _vocabularies()[field]
    except KeyError:
        raise KeyError(f"{field!r} has no documented values; fields with values: {enum_fields()}") from None


def normalise(field: str, raw: Any) -> Normalised:
    """``raw`` as the documented value of ``field`` it means (see module docstring)."""
    return vocabulary(field).normalise(raw)
