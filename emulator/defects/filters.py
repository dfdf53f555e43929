"""List filter defects: each filter accepted, echoed in the links, and given a wrong meaning."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from emulator.config import EmulatorConfig
from emulator.store import NumberStore

from .base import Defect, register
from .storewrap import Check, FilterSwapStore

FAMILY = "list filters"
Swap = Callable[[Any], Check] | None


class FilterDefect(Defect):
    """Serves the list through a store whose ``swaps`` give some filters another meaning."""

    family = FAMILY
    swaps: ClassVar[Mapping[str, Swap]] = {}

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        defect = self

        class Store(FilterSwapStore):
            swaps = defect.swaps
            tag = defect.name

        return Store(store, config)


def _date(op: Callable[[str, str], bool]) -> Callable[[Any], Check]:
    def compile_(value: Any) -> Check:
        return lambda f: isinstance(f.get("renewal_date"), str) and op(f["renewal_date"], value)

    return compile_


def _equals(prop: str, mapping: Mapping[str, str]) -> Callable[[Any], Check]:
    def compile_(value: Any) -> Check:
        wanted = mapping.get(value, value)
        return lambda f: f.get(prop) == wanted

    return compile_


@register
class TypeFilterIgnored(FilterDefect):
    name = "type_filter_ignored"
    description = "the type filter is accepted and echoed but does not narrow the list"
    swaps: ClassVar[Mapping[str, Swap]] = {"type": None, "number_type": None}


@register
class StartswithMatchesContains(FilterDefect):
    name = "startswith_matches_contains"
    description = "number_startswith selects numbers containing the digits anywhere, not only as a prefix"
    swaps: ClassVar[Mapping[str, Swap]] = {
        "number_startswith": lambda value: lambda f: str(value) in str(f.get("number", ""))
    }


def _any_service(value: Any) -> Check:
    keys = [f"{item}_enabled" for item in str(value).split(",")]
    return lambda f: any(f.get(key) is True for key in keys)


@register
class ServicesAnyOf(FilterDefect):
    name = "services_any_of"
    description = "services=voice,sms selects numbers with any of the services instead of all of them"
    swaps: ClassVar[Mapping[str, Swap]] = {"services": _any_service}


@register
class InProgressMapsToUnregistered(FilterDefect):
    name = "in_progress_maps_to_unregistered"
    description = "tendlc_registration_status=in_progress selects UNREGISTERED numbers instead of PROCESSING"
    swaps: ClassVar[Mapping[str, Swap]] = {
        "tendlc_registration_status": _equals(
            "tendlc_registration_status",
            {"unregistered": "UNREGISTERED", "in_progress": "UNREGISTERED", "registered": "COMPLETED"},
        )
    }


@register
class RenewalGtInclusive(FilterDefect):
    name = "renewal_gt_inclusive"
    description = "renewal_date__gt also selects numbers renewing on the given day (>= instead of >)"
    swaps: ClassVar[Mapping[str, Swap]] = {"renewal_date__gt": _date(lambda a, b: a >= b)}


@register
class RenewalLteExclusive(FilterDefect):
    name = "renewal_lte_exclusive"
    description = "renewal_date__lte leaves out numbers renewing on the given day (< instead of <=)"
    swaps: ClassVar[Mapping[str, Swap]] = {"renewal_date__lte": _date(lambda a, b: a < b)}


@register
class AliasSubstring(FilterDefect):
    name = "alias_substring"
    description = (
        'alias selects every alias containing the value ("Sales" also finds "Sales 2"), not the exact alias'
    )
    swaps: ClassVar[Mapping[str, Swap]] = {
        "alias": lambda value: lambda f: isinstance(f.get("alias"), str) and str(value) in f["alias"]
    }


@register
class SubaccountFilterIgnored(FilterDefect):
    name = "subaccount_filter_ignored"
    description = "the subaccount filter is accepted and echoed but does not narrow the list"
    swaps: ClassVar[Mapping[str, Swap]] = {"subaccount": None}


@register
class CnamLookupFilterIgnored(FilterDefect):
    name = "cnam_lookup_filter_ignored"
    description = "the cnam_lookup filter is accepted and echoed but does not narrow the list"
    swaps: ClassVar[Mapping[str, Swap]] = {"cnam_lookup": None}


@register
class TollFreePendingMapsToVerified(FilterDefect):
    name = "toll_free_pending_is_verified"
    description = "toll_free_sms_verification=pending_verification selects VERIFIED numbers"
    swaps: ClassVar[Mapping[str, Swap]] = {
        "toll_free_sms_verification": _equals(
            "toll_free_sms_verification",
            {
                "unverified": "UNVERIFIED",
                "pending_verification": "VERIFIED",
                "verified": "VERIFIED",
            },
        )
    }
