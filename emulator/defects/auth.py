"""Auth and isolation defects: credentials not checked, accounts and subaccounts not kept apart."""

from __future__ import annotations

from typing import Any

from emulator.accounts import Principal
from emulator.config import EmulatorConfig
from emulator.store import Fields, NumberFilter, NumberStore

from .asgi import Incoming
from .base import Defect, register
from .storewrap import StoreProxy
from .updates import Change

FAMILY = "auth and isolation"


def _token_of(state: Any, auth_id: str) -> str | None:
    """The real token of ``auth_id`` (main account or subaccount), or None if unknown."""
    for account in state.directory.accounts.values():
        if account.auth_id == auth_id:
            return str(account.token)
        if auth_id in account.subaccount_tokens:
            return str(account.subaccount_tokens[auth_id])
    return None


@register
class SubaccountSeesMainNumbers(Defect):
    name = "subaccount_sees_main_numbers"
    family = FAMILY
    description = "a subaccount's list and get see every number of its main account, not only its own"

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(StoreProxy):
            def get(self, principal: Principal, number: str) -> Fields | None:
                return self.inner.get(_widen(principal), number)

            def page(
                self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
            ) -> tuple[int, list[Fields]]:
                return self.inner.page(_widen(principal), number_filter, offset, limit)

        return Store(store, config)


def _widen(principal: Principal) -> Principal:
    """The main account a subaccount belongs to, as if the subaccount were it."""
    return Principal(principal.main_auth_id, principal.main_auth_id)


@register
class SubaccountTotalCountIsMainAccounts(Defect):
    name = "subaccount_total_count_is_main_accounts"
    family = FAMILY
    description = "a subaccount's pages hold only its numbers, but total_count counts the main account's"

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(StoreProxy):
            def page(
                self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
            ) -> tuple[int, list[Fields]]:
                total, objects = self.inner.page(principal, number_filter, offset, limit)
                if principal.is_subaccount:
                    # The count query forgot the subaccount condition that the page query has.
                    total, _ = self.inner.page(_widen(principal), number_filter, 0, 0)
                return total, objects

        return Store(store, config)


@register
class SubaccountGetSeesMainNumbers(Defect):
    name = "subaccount_get_sees_main_numbers"
    family = FAMILY
    description = "a subaccount's list is right, but get answers any number of its main account"

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(StoreProxy):
            def get(self, principal: Principal, number: str) -> Fields | None:
                return self.inner.get(_widen(principal), number)

        return Store(store, config)


@register
class SubaccountWritesMainNumbers(Defect):
    name = "subaccount_writes_main_numbers"
    family = FAMILY
    description = "reads are scoped, but a subaccount may update or unrent any number of its main account"

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(StoreProxy):
            def modify(self, principal: Principal, number: str, change: Change) -> Fields | None:
                return self.inner.modify(_widen(principal), number, change)

            def unrent(self, principal: Principal, number: str) -> bool:
                return self.inner.unrent(_widen(principal), number)

        return Store(store, config)


@register
class OtherAccountPathAccepted(Defect):
    name = "other_account_path_accepted"
    family = FAMILY
    description = (
        "the auth_id in the path is not compared with the credentials: any path serves the caller's numbers"
    )

    def request(self, incoming: Incoming) -> Incoming:
        creds, path_id = incoming.basic_auth, incoming.path_auth_id
        if creds is None or path_id is None or creds[0] == path_id:
            return incoming
        return Incoming(
            method=incoming.method,
            path=incoming.path.replace(f"/Account/{path_id}/", f"/Account/{creds[0]}/", 1),
            query=incoming.query,
            headers=incoming.headers,
            body=incoming.body,
            state=incoming.state,
        )


@register
class OtherAccountWritesByNumber(Defect):
    name = "other_account_writes_by_number"
    family = FAMILY
    description = "reads are scoped, but updates and unrents find the number in whichever account has it"

    def request(self, incoming: Incoming) -> Incoming:
        creds, number, state = incoming.basic_auth, incoming.number, incoming.state
        if incoming.method not in ("POST", "DELETE") or creds is None or number is None or state is None:
            return incoming
        if _token_of(state, creds[0]) != creds[1]:
            return incoming  # bad credentials are still refused
        for owner in state.directory.accounts:
            if owner != creds[0] and state.store.get(Principal(owner, owner), number) is not None:
                # The write runs as the number's owner, whoever asked.
                moved = Incoming(
                    method=incoming.method,
                    path=incoming.path.replace(f"/Account/{incoming.path_auth_id}/", f"/Account/{owner}/", 1),
                    query=incoming.query,
                    headers=incoming.headers,
                    body=incoming.body,
                    state=state,
                )
                return moved.with_basic_auth(owner, str(state.directory.accounts[owner].token))
        return incoming


@register
class WrongTokenAccepted(Defect):
    name = "wrong_token_accepted"
    family = FAMILY
    description = "only the auth_id is checked: a known auth_id with any token is let in"

    def request(self, incoming: Incoming) -> Incoming:
        creds = incoming.basic_auth
        if creds is None or incoming.state is None:
            return incoming
        token = _token_of(incoming.state, creds[0])
        return incoming.with_basic_auth(creds[0], token) if token is not None else incoming


@register
class MissingAuthGetAccepted(Defect):
    name = "missing_auth_get_accepted"
    family = FAMILY
    description = "a GET without credentials is served as the account named in the path"

    def request(self, incoming: Incoming) -> Incoming:
        path_id = incoming.path_auth_id
        if incoming.method != "GET" or incoming.header("authorization") or path_id is None:
            return incoming
        token = _token_of(incoming.state, path_id) if incoming.state is not None else None
        return incoming.with_basic_auth(path_id, token) if token is not None else incoming
