"""Which account an audit reads: the embedded emulator's demo account, or a live base URL.

``AuditTarget`` and ``AuditTargetError`` are named for the audit: the contract suite has a
``Target`` and a ``TargetError`` of its own (contracts/target.py), which mean other things.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "AuditTarget",
    "AuditTargetError",
    "embedded_emulator",
    "emulator_target",
    "live_target",
]

AUTH_ID_ENV = "PLIVO_AUTH_ID"
AUTH_TOKEN_ENV = "PLIVO_AUTH_TOKEN"


class AuditTargetError(ValueError):
    """The account to audit cannot be used as given; the message says how to fix it."""


@dataclass(frozen=True)
class AuditTarget:
    """One account to audit: where its API answers, its credentials, and its name in history."""

    label: str
    base_url: str
    auth_id: str
    auth_token: str = field(repr=False)
    history_key: str
    """Stable name for history: the same account on another day (or port) is the same key."""

    def describe(self) -> dict[str, str]:
        return {"label": self.label, "base_url": self.base_url, "auth_id": self.auth_id}


def live_target(base_url: str, environ: Mapping[str, str] | None = None) -> AuditTarget:
    """``base_url`` (the API root) with credentials from PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN."""
    env = os.environ if environ is None else environ
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AuditTargetError(
            f"--base-url {base_url!r} is not an http(s) URL; give the API root, e.g. https://api.plivo.com"
        )
    if parts.username or parts.password:
        raise AuditTargetError(
            "--base-url must not carry credentials; "
            "set PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN in the environment instead"
        )
    root = base_url.rstrip("/")
    # Accept the SDK's base (".../v1/Account") as well as the API root.
    for suffix in ("/v1/Account", "/v1"):
        if root.endswith(suffix):
            root = root[: -len(suffix)]
    missing = [name for name in (AUTH_ID_ENV, AUTH_TOKEN_ENV) if not env.get(name)]
    if missing:
        raise AuditTargetError(
            f"--base-url needs credentials: set {' and '.join(missing)} in the environment "
            "(the token is not taken on the command line, to keep it out of shell history and process lists)"
        )
    auth_id = env[AUTH_ID_ENV].strip()
    return AuditTarget(
        label=f"{root} account {auth_id}",
        base_url=root,
        auth_id=auth_id,
        auth_token=env[AUTH_TOKEN_ENV].strip(),
        history_key=f"{root}|{auth_id}",
    )


def emulator_target(app: Any, base_url: str, label: str, history_key: str) -> AuditTarget:
    """An AuditTarget for an emulator app already served at ``base_url``, as its demo account."""
    demo = app.state.demo
    return AuditTarget(
        label=label,
        base_url=str(base_url).rstrip("/"),
        auth_id=demo.auth_id,
        auth_token=demo.auth_token,
        history_key=history_key,
    )


@contextlib.contextmanager
def embedded_emulator(
    seed: int = 7, numbers: int = 300, faults: Any = None, inventory: Path | None = None
) -> Iterator[AuditTarget]:
    """Serve the emulator's demo inventory on a loopback port and yield it as a target.

    Real HTTP on purpose: the crawler is exercised the way it reaches Plivo.
    """
    from emulator import EmulatorConfig, Faults, create_app
    from emulator.serve import serve

    faults = faults if faults is not None else Faults()
    config = EmulatorConfig(seed=seed, numbers=numbers, faults=faults, inventory=inventory)
    source = f"inventory {inventory}" if inventory else f"{numbers} numbers"
    app = create_app(config)
    with serve(app, host="127.0.0.1", port=0) as base_url:
        yield emulator_target(
            app,
            base_url,
            label=f"embedded emulator demo inventory (seed {seed}, {source})",
            history_key=f"emulator|seed={seed}|{source}",
        )
