"""Update variants: other answers to empty, unknown or main-account-only updates, and other storage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.accounts import Principal
from emulator.config import EmulatorConfig
from emulator.defects.asgi import Incoming, Reply
from emulator.defects.storewrap import StoreProxy
from emulator.defects.updates import Change, ChangeDefect
from emulator.errors import ApiError
from emulator.store import Fields, NumberStore
from openapi.operations import UPDATE

from .base import Variant, error_reply, principal_of, register

FAMILY = "update"
FORM = "application/x-www-form-urlencoded"


def _media_type(incoming: Incoming) -> str:
    return (incoming.header("content-type") or "").split(";")[0].strip().lower()


def _is_empty_update(incoming: Incoming) -> bool:
    """No body at all, ``{}``, or an empty form: an update that names nothing."""
    if not incoming.body.strip():
        return True
    return incoming.form() == {}


@register
class EmptyUpdateRefused(Variant):
    name = "empty_update_refused"
    family = FAMILY
    description = "an update that names nothing (no body, {}, empty form) is refused with 400"
    allowed_by = (
        'docs silent: the page says "Change the application, subaccount, or alias for a phone number." '
        "and not what an update naming nothing to change is answered"
    )

    def answer(self, incoming: Incoming) -> Reply | None:
        if incoming.operation != UPDATE or not _is_empty_update(incoming):
            return None
        if principal_of(incoming) is None:
            return None
        return error_reply(400, "nothing to update: send at least one field to change")


@register
class UnknownSubaccount404(Variant):
    name = "unknown_subaccount_404"
    family = FAMILY
    description = "a transfer to a subaccount the account does not have is answered 404, not 400"
    allowed_by = (
        'docs silent: the page says only "subaccount: Subaccount auth_id to transfer number to." and not '
        "how an auth_id naming no subaccount of the account is refused"
    )

    def answer(self, incoming: Incoming) -> Reply | None:
        if incoming.operation != UPDATE:
            return None
        body = incoming.form()
        target = body.get("subaccount") if body else None
        principal = principal_of(incoming)
        if not isinstance(target, str) or not target or principal is None or principal.is_subaccount:
            return None
        account = incoming.state.directory.account(principal.main_auth_id)
        if target in account.subaccounts:
            return None
        return error_reply(404, f"subaccount {target} not found")


@register
class SubaccountTransferMainOnly(Variant):
    name = "subaccount_transfer_main_only"
    family = FAMILY
    description = "an update naming subaccount (even its own) with subaccount credentials is refused 403"
    allowed_by = (
        'plivo/plivo-php src/Plivo/Resources/Number/NumberInterface.php update(): "subaccount - The '
        "auth_id of the subaccount to which this number should be added. This can only be performed by "
        'a main account holder."'
    )

    def answer(self, incoming: Incoming) -> Reply | None:
        if incoming.operation != UPDATE:
            return None
        body = incoming.form()
        principal = principal_of(incoming)
        if not body or "subaccount" not in body or principal is None or not principal.is_subaccount:
            return None
        return error_reply(403, "subaccount: only the main account can move numbers between subaccounts")


@register
class EmptySubaccountRefused(Variant):
    name = "empty_subaccount_refused"
    family = FAMILY
    description = 'subaccount "" is refused with 400 (ours hands the number back to the main account)'
    allowed_by = (
        'page: "subaccount: Subaccount auth_id to transfer number to." -- "" is no auth_id, and the page '
        "documents no way to hand a number back to the main account"
    )

    def answer(self, incoming: Incoming) -> Reply | None:
        if incoming.operation != UPDATE:
            return None
        body = incoming.form()
        if not body or body.get("subaccount") != "" or principal_of(incoming) is None:
            return None
        return error_reply(400, "subaccount: '' is not a subaccount auth_id")


@register
class EmptyAliasStoredAsNull(Variant, ChangeDefect):
    name = "empty_alias_stored_as_null"
    family = FAMILY
    description = 'alias "" clears the alias: the number then shows alias null'
    allowed_by = (
        'docs silent: the page says "alias: Alias for the number." and not how an empty one is kept; '
        'recorded objects use null and "" alike for no alias (tests/fixtures/plivo-sdk/README.md)'
    )

    def alter(self, current: Mapping[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
        if updates.get("alias") == "":
            updates["alias"] = None
        return updates


@register
class UpdateJsonOnly(Variant):
    name = "update_json_only"
    family = FAMILY
    description = "an update sent as a form (x-www-form-urlencoded) is refused with 415: JSON only"
    allowed_by = (
        'page: the only update example sends JSON (curl -H "Content-Type: application/json" -d '
        '\'{"alias": "Main Line"}\'); the page documents no form encoding, and plivo-python sends JSON '
        "(tests/fixtures/plivo-sdk/README.md)"
    )

    def answer(self, incoming: Incoming) -> Reply | None:
        if incoming.operation != UPDATE or _media_type(incoming) != FORM:
            return None
        if principal_of(incoming) is None:
            return None
        return error_reply(415, f"unsupported Content-Type {FORM}: send the update as application/json")


class _Known:
    """The application ids and business profiles an account has, read once from its numbers."""

    def __init__(self, snapshot: list[Fields]) -> None:
        self.apps = {
            uri.rstrip("/").rsplit("/", 1)[1]
            for fields in snapshot
            if isinstance(uri := fields.get("application"), str) and "/Application/" in uri
        }
        self.profiles = {p for fields in snapshot if isinstance(p := fields.get("profile_uuid"), str)}


@register
class UnknownReferencesRefused(Variant):
    name = "unknown_references_refused"
    family = FAMILY
    description = "app_id, profile_uuid or compliance_application_id naming nothing the account has: 400"
    allowed_by = (
        'page: "app_id: Application to assign", "profile_uuid: UUID of the business profile to associate", '
        '"compliance_application_id: UUID of an `accepted` compliance application" -- an id naming no such '
        "thing can be refused (docs silent on the error)"
    )

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(StoreProxy):
            def __init__(self, inner: NumberStore, config: EmulatorConfig) -> None:
                super().__init__(inner, config)
                # What each account had when first asked: the emulator has no application or
                # profile registry, so the ones its numbers use are the ones that exist.
                self.known: dict[str, _Known] = {}

            def modify(self, principal: Principal, number: str, change: Change) -> Fields | None:
                known = self.known.get(principal.main_auth_id)
                if known is None:
                    known = self.known[principal.main_auth_id] = _Known(
                        self.inner.snapshot(principal.main_auth_id)
                    )

                def checked(current: Mapping[str, Any]) -> Mapping[str, Any]:
                    updates = dict(change(current))
                    _refuse_unknown(updates, current, known)
                    return updates

                return self.inner.modify(principal, number, checked)

        return Store(store, config)


def _refuse_unknown(updates: Mapping[str, Any], current: Mapping[str, Any], known: _Known) -> None:
    uri = updates.get("application")
    if isinstance(uri, str) and uri != current.get("application"):
        app_id = uri.rstrip("/").rsplit("/", 1)[1]
        if app_id not in known.apps:
            raise ApiError(400, f"app_id: no application {app_id!r} on this account")
    profile = updates.get("profile_uuid")
    if isinstance(profile, str) and profile != current.get("profile_uuid") and profile not in known.profiles:
        raise ApiError(400, f"profile_uuid: no business profile {profile!r} on this account")
    # The core keeps compliance_application_id only for numbers pending activation (ignored
    # otherwise, as documented); this account has no accepted compliance application.
    if updates.get("compliance_application_id") not in (None, current.get("compliance_application_id")):
        raise ApiError(400, "compliance_application_id: no accepted compliance application with this id")
