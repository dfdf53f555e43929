"""Accounts the emulator knows: main accounts, their subaccounts, and their credentials."""

from __future__ import annotations

import hmac
import random
import string
from dataclasses import dataclass, field

from openapi.credentials import parse_basic_auth

_ID_ALPHABET = string.ascii_uppercase + string.digits
_TOKEN_ALPHABET = string.ascii_letters + string.digits

SUBACCOUNT_NAMES = ("Marketing", "Support", "Sales", "Billing", "Operations", "Research")
# The one Basic parser (openapi.credentials): the emulator, the defects and the SDK
# recorder agree on what is malformed. Kept under this name for the emulator's callers.
basic_credentials = parse_basic_auth


def make_auth_id(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice(_ID_ALPHABET) for _ in range(18))


def make_token(rng: random.Random) -> str:
    return "".join(rng.choice(_TOKEN_ALPHABET) for _ in range(40))


@dataclass(frozen=True)
class Principal:
    """Who a request authenticated as: an auth_id and the main account it belongs to."""

    auth_id: str
    main_auth_id: str

    @property
    def is_subaccount(self) -> bool:
        return self.auth_id != self.main_auth_id

    def __repr__(self) -> str:
        kind = "subaccount" if self.is_subaccount else "main"
        return f"<Principal {kind} {self.auth_id}>"


@dataclass
class Account:
    """A main account with its subaccounts (auth_id -> name)."""

    auth_id: str
    token: str = field(repr=False)
    subaccounts: dict[str, str] = field(default_factory=dict)
    subaccount_tokens: dict[str, str] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"<Account {self.auth_id} subaccounts={list(self.subaccounts)}>"


@dataclass(frozen=True)
class DemoCredentials:
    """Credentials of the demo account, for tests and for the start-up banner.

    ``subaccounts`` are ``(auth_id, token)`` pairs of the demo main account's
    subaccounts; ``other_account`` is a second, unrelated main account with its own
    numbers, for checking that accounts cannot see each other.
    """

    auth_id: str
    auth_token: str = field(repr=False)
    subaccounts: list[tuple[str, str]] = field(repr=False)
    other_account: tuple[str, str] = field(repr=False)

    def __repr__(self) -> str:
        subs = [auth_id for auth_id, _ in self.subaccounts]
        return (
            f"DemoCredentials(auth_id={self.auth_id!r}, subaccounts={subs}, other={self.other_account[0]!r})"
        )


class Directory:
    """Looks up credentials; answers who a request is, never echoes tokens."""

    def __init__(self, accounts: list[Account]) -> None:
        self.accounts = {account.auth_id: account for account in accounts}
        self._tokens: dict[str, tuple[str, str]] = {}
        for account in accounts:
            self._tokens[account.auth_id] = (account.token, account.auth_id)
            for sub_id, token in account.subaccount_tokens.items():
                self._tokens[sub_id] = (token, account.auth_id)

    def authenticate(self, auth_id: str, token: str) -> Principal | None:
        entry = self._tokens.get(auth_id)
        if entry is None:
            return None
        expected, main = entry
        if not hmac.compare_digest(expected.encode(), token.encode()):
            return None
        return Principal(auth_id=auth_id, main_auth_id=main)

    def credentials(self) -> list[tuple[str, str]]:
        """Every ``(auth_id, token)`` pair known, subaccounts' included (for redacting logs)."""
        return [(auth_id, token) for auth_id, (token, _main) in self._tokens.items()]

    def main_of(self, auth_id: str) -> str:
        """The main account an auth_id belongs to (itself if unknown or a main account)."""
        entry = self._tokens.get(auth_id)
        return entry[1] if entry else auth_id

    def account(self, main_auth_id: str) -> Account:
        return self.accounts[main_auth_id]

    def add_subaccount(self, main_auth_id: str, sub_id: str, name: str, token: str) -> None:
        account = self.accounts[main_auth_id]
        account.subaccounts[sub_id] = name
        account.subaccount_tokens[sub_id] = token
        self._tokens[sub_id] = (token, main_auth_id)

    def __repr__(self) -> str:
        return f"<Directory accounts={list(self.accounts)}>"
