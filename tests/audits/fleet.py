"""Three accounts on two emulators, and an accounts file naming them (tests of --accounts and merge).

The first emulator's demo account ("alpha") and its second, unrelated main account
("beta"), and the second emulator's demo account ("gamma"), over real HTTP on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from audits.cli import main

Served = Callable[..., Any]
NAMES = ["alpha", "beta", "gamma"]


@dataclass
class Fleet:
    """An accounts file over running emulators, its variables set in the environment."""

    file: Path
    urls: dict[str, str]
    env: dict[str, str]
    tokens: list[tuple[str, str]] = field(default_factory=list)

    def write(self, accounts: dict[str, str], extra: str = "") -> Path:
        """An accounts file naming ``accounts`` (name -> base URL), variables NAME_ID / NAME_TOKEN."""
        self.file.write_text(
            "".join(
                f'[accounts.{name}]\nbase_url = "{url}"\nauth_id_env = "{name.upper()}_ID"\n'
                f'auth_token_env = "{name.upper()}_TOKEN"\n\n'
                for name, url in accounts.items()
            )
            + extra
        )
        return self.file


@pytest.fixture(name="fleet")
def fleet_fixture(served: Served, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Fleet]:
    with (
        served(seed=7, numbers=120, other_numbers=40) as (first, first_target),
        served(seed=8, numbers=60, other_numbers=0) as (second, second_target),
    ):
        one, two = first.state.demo, second.state.demo
        credentials = {
            "alpha": (one.auth_id, one.auth_token),
            "beta": one.other_account,
            "gamma": (two.auth_id, two.auth_token),
        }
        urls = {
            "alpha": first_target.base_url,
            "beta": first_target.base_url,
            "gamma": second_target.base_url,
        }
        env = {}
        for name, (auth_id, token) in credentials.items():
            env[f"{name.upper()}_ID"] = auth_id
            env[f"{name.upper()}_TOKEN"] = token
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("PLIVO_AUTH_ID", raising=False)
        monkeypatch.delenv("PLIVO_AUTH_TOKEN", raising=False)
        result = Fleet(tmp_path / "accounts.toml", urls, env, list(credentials.values()))
        result.write(urls)
        yield result


def audit(*args: str) -> int:
    return main(["--no-progress", "--no-rate-limit", *args])


def load(out: Path) -> dict[str, Any]:
    return json.loads((out / "audit.json").read_text())
