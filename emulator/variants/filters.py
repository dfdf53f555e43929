"""List filter variants: readings of the filters that Plivo's page or its SDKs allow."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar

from emulator import filters as core_filters
from emulator.accounts import Principal
from emulator.config import EmulatorConfig
from emulator.defects.asgi import Incoming, Reply
from emulator.defects.filters import FilterDefect, Swap
from emulator.defects.storewrap import Check, StoreProxy
from emulator.store import Fields, NumberFilter, NumberStore
from openapi.operations import LIST

from .base import Variant, error_reply, principal_of, register

FAMILY = "list filters"
TYPE_PARAMS = ("type", "number_type")
PAGING = ("limit", "offset")
# Filters whose values are words from a fixed vocabulary (the page lists them in lower case).
VOCABULARY_FILTERS = ("type", "number_type", "services", "cnam_lookup", "toll_free_sms_verification")
TENDLC_OBJECT_VALUES = ("UNREGISTERED", "PROCESSING", "COMPLETED")


class LocalByDefault:
    """A list filter that also requires number_type local (the request named no type)."""

    def __init__(self, original: NumberFilter) -> None:
        self.original = original
        self.params = dict(getattr(original, "params", {}))
        self.key: tuple[Any, ...] = ("type-defaults-to-local", *original.key)
        self.empty = False

    def matches(self, fields: Mapping[str, Any]) -> bool:
        return fields.get("number_type") == "local" and self.original.matches(fields)

    def __repr__(self) -> str:
        return f"<LocalByDefault {self.original!r}>"


@register
class TypeDefaultsToLocal(Variant):
    name = "type_defaults_to_local"
    family = FAMILY
    description = "a list that names no type lists only local numbers"
    allowed_by = (
        "plivo/plivo-php src/Plivo/Resources/Number/NumberInterface.php getList() and plivo/plivo-ruby "
        'lib/plivo/resources/numbers.rb list(): "type - The type of number you are filtering. ... '
        'Defaults to a local number."'
    )

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(StoreProxy):
            def page(
                self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
            ) -> tuple[int, list[Fields]]:
                params = getattr(number_filter, "params", {})
                if not any(name in params for name in TYPE_PARAMS):
                    number_filter = LocalByDefault(number_filter)
                return self.inner.page(principal, number_filter, offset, limit)

        return Store(store, config)


@functools.cache
def _all_of() -> core_filters.Compiler:
    return core_filters.rules_for("tolerant")["services"].compile


def _services_only_sms(value: Any) -> Check:
    if value == "sms":
        return lambda fields: fields.get("sms_enabled") is True and fields.get("voice_enabled") is not True
    return _all_of()(value)


@register
class ServicesSmsOnly(Variant, FilterDefect):
    name = "services_sms_only"
    family = FAMILY
    description = "services=sms lists numbers that provide SMS but not voice (other values: all of them)"
    allowed_by = (
        'plivo/plivo-php NumberInterface.php and plivo/plivo-ruby numbers.rb, services: "sms - Returns a '
        "list of numbers that provide only 'sms' services.\" (voice: \"if the numbers offer both 'voice' "
        "and 'sms', they are also listed\")"
    )
    swaps: ClassVar[Mapping[str, Swap]] = {"services": _services_only_sms}


@register
class EmptyFilterValuesIgnored(Variant):
    name = "empty_filter_values_ignored"
    family = FAMILY
    description = "a filter sent with an empty value (number_startswith=, alias=, ...) is no filter"
    allowed_by = (
        'docs silent: the page says "Filter by prefix", "Filter by exact alias", ... and not what an '
        "empty value means; many form-encoding clients send every field, empty ones included"
    )

    def request(self, incoming: Incoming) -> Incoming:
        if incoming.operation != LIST:
            return incoming
        empty = {k: None for k, v in incoming.query if v == "" and k not in PAGING}
        return incoming.with_query(**empty) if empty else incoming


@register
class FilterValuesCaseInsensitive(Variant):
    name = "filter_values_case_insensitive"
    family = FAMILY
    description = "vocabulary filters match in any case (type=LOCAL, services=SMS, cnam_lookup=Enabled)"
    allowed_by = (
        "docs silent: the page lists the values in lower case but does not say other cases are refused; "
        "plivo-node sends 10DLC values in upper case (DISCREPANCIES.md D3)"
    )

    def request(self, incoming: Incoming) -> Incoming:
        if incoming.operation != LIST:
            return incoming
        lowered: dict[str, str | None] = {}
        for name, value in incoming.query:
            if (name in VOCABULARY_FILTERS and value != value.lower()) or (
                # The object vocabulary (COMPLETED, ...) already means itself; anything else is
                # the filter vocabulary in some case.
                name == "tendlc_registration_status"
                and value not in TENDLC_OBJECT_VALUES
                and value != value.lower()
            ):
                lowered[name] = value.lower()
        return incoming.with_query(**lowered) if lowered else incoming


@register
class DocumentedFilterSpellingsOnly(Variant):
    name = "documented_filter_spellings_only"
    family = FAMILY
    description = "only the page's spellings: number_type is ignored, upper-case 10DLC values are 400"
    allowed_by = (
        "page: the type filter is named `type`, and tendlc_registration_status takes `unregistered`, "
        "`in_progress`, `registered`; plivo-go's number_type and plivo-node's upper case are not "
        "documented (DISCREPANCIES.md D3, D7)"
    )

    def request(self, incoming: Incoming) -> Incoming:
        if incoming.operation == LIST and incoming.query_value("number_type") is not None:
            # An undocumented parameter is ignored, like any other unknown one.
            return incoming.with_query(number_type=None)
        return incoming

    def answer(self, incoming: Incoming) -> Reply | None:
        value = incoming.query_value("tendlc_registration_status")
        if incoming.operation != LIST or value not in TENDLC_OBJECT_VALUES:
            return None
        if principal_of(incoming) is None:
            return None
        allowed = "'unregistered', 'in_progress', 'registered'"
        return error_reply(400, f"tendlc_registration_status: {value!r} is not one of {allowed}")
