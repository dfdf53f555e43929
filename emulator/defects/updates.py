"""Update defects: changes not kept, side effects on other fields, and wrong acceptance."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from emulator.accounts import Principal
from emulator.config import EmulatorConfig
from emulator.store import Fields, NumberFilter, NumberStore
from openapi.operations import UPDATE

from .asgi import Incoming
from .base import Defect, register
from .storewrap import StoreProxy

FAMILY = "update"
Change = Callable[[Mapping[str, Any]], Mapping[str, Any]]


class ChangeDefect(Defect):
    """Bends the fields an accepted update writes: ``alter(current, updates) -> updates``."""

    family = FAMILY

    def alter(self, current: Mapping[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        alter = self.alter

        class Store(StoreProxy):
            def modify(self, principal: Principal, number: str, change: Change) -> Fields | None:
                def bent(current: Mapping[str, Any]) -> Mapping[str, Any]:
                    return alter(current, dict(change(current)))

                return self.inner.modify(principal, number, bent)

        return Store(store, config)


@register
class AliasNotPersisted(ChangeDefect):
    name = "alias_not_persisted"
    description = "an alias update is answered 202 changed but the alias is not saved"

    def alter(self, current: Mapping[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
        updates.pop("alias", None)
        return updates


@register
class UpdateClearsCnam(ChangeDefect):
    name = "update_clears_cnam"
    description = "any update that does not send cnam resets the number's cnam to null"

    def alter(self, current: Mapping[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
        if "cnam" not in updates:
            updates["cnam"] = None
        return updates


@register
class SubaccountTransferClearsAlias(ChangeDefect):
    name = "subaccount_transfer_clears_alias"
    description = "moving a number to another subaccount also resets its alias to null"

    def alter(self, current: Mapping[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
        if "sub_account" in updates and updates["sub_account"] != current.get("sub_account"):
            updates.setdefault("alias", None)
        return updates


@register
class AppIdWrongApplicationUri(ChangeDefect):
    name = "app_id_wrong_application_uri"
    description = "app_id is saved as an application URI naming the number instead of the app_id"

    def alter(self, current: Mapping[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
        uri = updates.get("application")
        if isinstance(uri, str):
            head = uri.rstrip("/").rsplit("/", 1)[0]
            updates["application"] = f"{head}/{current.get('number')}/"
        return updates


@register
class ListShowsStaleObjects(Defect):
    name = "list_shows_stale_objects"
    family = FAMILY
    description = "updates show on get, but the list keeps serving each object as it was first listed"

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(StoreProxy):
            def __init__(self, inner: NumberStore, config: EmulatorConfig) -> None:
                super().__init__(inner, config)
                # A list cache that nobody invalidates: which numbers are listed is live,
                # their objects are not.
                self.seen: dict[str, Fields] = {}

            def page(
                self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
            ) -> tuple[int, list[Fields]]:
                total, objects = self.inner.page(principal, number_filter, offset, limit)
                return total, [dict(self.seen.setdefault(str(o["number"]), o)) for o in objects]

        return Store(store, config)


@register
class RefusedUpdateHalfApplied(Defect):
    name = "refused_update_half_applied"
    family = FAMILY
    description = "fields are applied one by one: an update refused with 400 has already changed its alias"

    def request(self, incoming: Incoming) -> Incoming:
        creds, number, state = incoming.basic_auth, incoming.number, incoming.state
        if incoming.operation != UPDATE or creds is None or number is None or state is None:
            return incoming
        body = incoming.form()
        if body is None or not isinstance(body.get("alias"), str):
            return incoming
        principal = state.directory.authenticate(*creds)
        if principal is not None and principal.auth_id == incoming.path_auth_id:
            # The alias is written before the rest of the body is checked.
            alias = body["alias"]
            state.store.modify(principal, number, lambda current: {"alias": alias})
        return incoming


@register
class CallerReputationWithoutProfile(Defect):
    name = "caller_reputation_without_profile"
    family = FAMILY
    description = "caller_reputation=enabled without profile_uuid is accepted (202) instead of refused"

    def request(self, incoming: Incoming) -> Incoming:
        if incoming.operation != UPDATE:
            return incoming
        body = incoming.form()
        if body is None or body.get("caller_reputation") != "enabled" or "profile_uuid" in body:
            return incoming
        # The business profile is "looked up later": the core sees a made-up one.
        return incoming.with_form({**body, "profile_uuid": "00000000-0000-4000-8000-000000000000"})


@register
class UnknownSubaccountAccepted(Defect):
    name = "unknown_subaccount_accepted"
    family = FAMILY
    description = "transfer to a subaccount the account does not have is answered 202 and nothing changes"

    def request(self, incoming: Incoming) -> Incoming:
        if incoming.operation != UPDATE or incoming.state is None:
            return incoming
        body = incoming.form()
        if body is None or not isinstance(body.get("subaccount"), str):
            return incoming
        known = {sub for account in incoming.state.directory.accounts.values() for sub in account.subaccounts}
        if body["subaccount"] in known:
            return incoming
        rest = {k: v for k, v in body.items() if k != "subaccount"}
        # An update with nothing left still needs a body; an unknown key is ignored by the core.
        return incoming.with_form(rest or {"x_ignored": "1"})
