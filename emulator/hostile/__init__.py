"""A catalogue of hostile targets: the emulator behind a server that attacks its clients.

    from emulator.hostile import CATALOGUE, Hostile, serve_hostile
    with serve_hostile("slow_drip_body", auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        ...   # http://127.0.0.1:PORT: the real emulator's numbers, one byte every 2 s

Where ``emulator.defects`` holds subtly *wrong* implementations (for measuring the contract
suite), this holds *hostile* ones: lying metadata, drips, resets, bombs, redirects,
credentials echoed back, injection payloads. Each entry says what ``python -m audits``
must do against it (``audit_expects``: ``"exact"`` or ``"incomplete"``); the contract suite
uses the same entries to prove it never hangs, crashes or leaks either.

``python -m emulator.hostile --list`` prints the catalogue; ``python -m emulator.hostile
NAME --port 0`` serves one (see ``__main__``).
"""

from __future__ import annotations

# Importing the family modules registers their behaviours.
from . import content, http, metadata, secrets, transport  # noqa: F401
from .base import (
    CATALOGUE,
    EXPECTATIONS,
    FAMILIES,
    Context,
    Expect,
    Hostile,
    Reply,
    Request,
    UnknownHostile,
    lookup,
    register,
)
from .server import CONTROL, Connection, HostileServerError, HostileURL, serve_hostile

__all__ = [
    "CATALOGUE",
    "CONTROL",
    "EXPECTATIONS",
    "FAMILIES",
    "Connection",
    "Context",
    "Expect",
    "Hostile",
    "HostileServerError",
    "HostileURL",
    "Reply",
    "Request",
    "UnknownHostile",
    "lookup",
    "register",
    "serve_hostile",
]
