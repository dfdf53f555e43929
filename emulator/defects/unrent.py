"""Unrent defects: a number half gone, gone twice, or still counted."""

from __future__ import annotations

import threading

from emulator.accounts import Principal
from emulator.config import EmulatorConfig
from emulator.store import Fields, NumberFilter, NumberStore

from .base import Defect, register
from .storewrap import StoreProxy
from .updates import Change

FAMILY = "unrent"


class Remembering(StoreProxy):
    """Remembers what was unrented through it: number -> (its main account, its last object)."""

    def __init__(self, inner: NumberStore, config: EmulatorConfig) -> None:
        super().__init__(inner, config)
        self.gone: dict[str, tuple[str, Fields]] = {}
        self.lock = threading.Lock()

    def unrent(self, principal: Principal, number: str) -> bool:
        fields = self.inner.get(principal, number)
        if not self.inner.unrent(principal, number):
            return False
        assert fields is not None
        with self.lock:
            self.gone[number] = (principal.main_auth_id, fields)
        return True


@register
class UnrentKeepsListing(Defect):
    name = "unrent_keeps_listing"
    family = FAMILY
    description = "an unrented number answers 404 to get but is still listed (a soft delete the list ignores)"

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(StoreProxy):
            def __init__(self, inner: NumberStore, config: EmulatorConfig) -> None:
                super().__init__(inner, config)
                self.deleted: set[str] = set()

            def get(self, principal: Principal, number: str) -> Fields | None:
                return None if number in self.deleted else self.inner.get(principal, number)

            def modify(self, principal: Principal, number: str, change: Change) -> Fields | None:
                return None if number in self.deleted else self.inner.modify(principal, number, change)

            def unrent(self, principal: Principal, number: str) -> bool:
                if number in self.deleted or self.inner.get(principal, number) is None:
                    return False
                self.deleted.add(number)
                return True

        return Store(store, config)


@register
class SecondUnrent204(Defect):
    name = "second_unrent_204"
    family = FAMILY
    description = "unrenting an already unrented number answers 204 again instead of 404"

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(Remembering):
            def unrent(self, principal: Principal, number: str) -> bool:
                if super().unrent(principal, number):
                    return True
                with self.lock:
                    owner = self.gone.get(number, ("", {}))[0]
                return owner == principal.main_auth_id

        return Store(store, config)


@register
class UnrentTotalCountUnchanged(Defect):
    name = "unrent_total_count_unchanged"
    family = FAMILY
    description = "after an unrent the number leaves the pages but meta.total_count still counts it"

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(Remembering):
            def page(
                self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
            ) -> tuple[int, list[Fields]]:
                total, objects = self.inner.page(principal, number_filter, offset, limit)
                with self.lock:
                    stale = [
                        fields
                        for owner, fields in self.gone.values()
                        if owner == principal.main_auth_id and number_filter.matches(fields)
                    ]
                if principal.is_subaccount:
                    stale = [f for f in stale if f.get("sub_account") == principal.auth_id]
                return total + len(stale), objects

        return Store(store, config)
