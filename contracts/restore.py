"""Snapshots of a number and putting it back: how update tests stay harmless on a live target.

Every update a live run sends is wrapped: the number is read first, and afterwards
(even when the test fails half-way) each field that changed is written back and a
second read proves the number matches its snapshot.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from contracts.curl import describe_exchange
from contracts.target import Target
from openapi.operations import UPDATE, match_path

__all__ = [
    "RESTORABLE",
    "RestoreFailed",
    "around_update",
    "kept",
    "put_back",
    "restore_body",
    "snapshot",
    "snapshot_differences",
]

# Object field -> (update field, how to send the snapshot value back). A field whose
# snapshot value cannot be sent back (None) is not restorable and is never changed live.
RESTORABLE: dict[str, tuple[str, Any]] = {
    "alias": ("alias", lambda v: "" if v is None else v),
    "sub_account": ("subaccount", lambda v: v),
    "application": ("app_id", lambda v: v.rstrip("/").rsplit("/", 1)[-1] if v else None),
    "cnam_lookup": ("cnam_lookup", lambda v: v),
    "cnam": ("cnam", lambda v: v),
}
# Fields that follow another field and come back with it (resource_uri names the subaccount).
# Fields that follow another one: put that one back and they come back with it.
# sub_account_name (recorded in plivo-go's fixtures, D8) names the subaccount.
DERIVED = {"resource_uri": "sub_account", "sub_account_name": "sub_account"}
# Fields an update may legitimately leave as null or "" interchangeably (the spec says so for alias).
_EMPTY_EQUIVALENT = {"alias"}


class RestoreFailed(AssertionError):
    """A live number could not be put back as it was; the message says what differs."""


# The spec's path pattern for {number} (documented: "The phone number.").
_PHONE_NUMBER = re.compile(r"\+?[0-9]{1,20}")


def snapshot(target: Target, number: str) -> dict[str, Any] | None:
    """The number as the target serves it now, or None if it has none."""
    response = target.http.get(target.number_path(number), auth=httpx.BasicAuth(*target.credentials.basic))
    if response.status_code == 404:
        return None
    if 400 <= response.status_code < 500 and not _PHONE_NUMBER.fullmatch(number):
        # Not a phone number at all: a target may refuse it (400) instead of looking it up;
        # either way there is nothing of it to restore.
        return None
    if response.status_code != 200:
        raise RestoreFailed(
            f"could not read number {number} for a snapshot\n{describe_exchange(response, target)}"
        )
    body = response.json()
    body.pop("api_id", None)
    return dict(body)


def _same(field: str, a: Any, b: Any) -> bool:
    if field in _EMPTY_EQUIVALENT and a in (None, "") and b in (None, ""):
        return True
    return bool(a == b)


def snapshot_differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose values differ, as ``{field: (before, after)}``."""
    fields = set(before) | set(after)
    return {
        f: (before.get(f), after.get(f)) for f in sorted(fields) if not _same(f, before.get(f), after.get(f))
    }


def restore_body(before: Mapping[str, Any], changed: set[str]) -> tuple[dict[str, Any], set[str]]:
    """The update that puts ``changed`` fields back, and the fields that cannot be put back."""
    body: dict[str, Any] = {}
    impossible = set()
    for field in sorted(changed):
        if field in DERIVED and DERIVED[field] in changed:
            continue
        if field not in RESTORABLE:
            impossible.add(field)
            continue
        name, convert = RESTORABLE[field]
        value = convert(before.get(field))
        if value is None:
            impossible.add(field)
        else:
            body[name] = value
    return body, impossible


def put_back(target: Target, number: str, before: Mapping[str, Any], strict: bool = True) -> None:
    """Write back every changed field and prove it with a fresh read.

    ``strict`` (always on live targets) also fails when a changed field has no way back;
    the embedded emulator is ours to leave changed.
    """
    after = snapshot(target, number)
    if after is None:
        raise RestoreFailed(f"number {number} disappeared during an update test")
    differences = snapshot_differences(before, after)
    if not differences:
        return
    body, impossible = restore_body(before, set(differences))
    if body:
        response = target.http.post(
            target.number_path(number), json=body, auth=httpx.BasicAuth(*target.credentials.basic)
        )
        if response.status_code >= 300:
            raise RestoreFailed(
                f"restoring number {number} was refused\n{describe_exchange(response, target)}"
            )
    final = snapshot(target, number) or {}
    left = snapshot_differences(before, final)
    if not strict:
        left = {k: v for k, v in left.items() if k not in impossible and k in RESTORABLE}
        impossible = set()
    if left or impossible:
        raise RestoreFailed(
            f"number {number} could not be restored to its snapshot; still different: "
            + ", ".join(f"{k}: {v[1]!r} (was {v[0]!r})" for k, v in left.items())
            + (f"; not restorable through the API: {sorted(impossible)}" if impossible else "")
        )


@contextlib.contextmanager
def kept(target: Target, number: str) -> Iterator[None]:
    """Whatever happens inside, ``number`` ends as it started (a no-op off live targets)."""
    before = snapshot(target, number) if target.live else None
    try:
        yield
    finally:
        if before is not None:
            put_back(target, number, before)


@contextlib.contextmanager
def around_update(target: Target, case: Any) -> Iterator[None]:
    """On a live target, snapshot the number an update case names and restore it afterwards."""
    method = str(getattr(case, "method", "")).upper()
    path = str(getattr(case, "formatted_path", "") or "")
    # The spec's path templates say which number the case names (openapi.operations). The
    # formatted path is the path exactly as the case sends it, with no query string: taken
    # verbatim (decoded=True: neither percent-decoded nor cut at "?" or "#"), so the snapshot
    # reads the very path the update is sent to.
    found = match_path(path, decoded=True)
    number = found.number if found is not None else None
    if not target.live or found is None or number is None or found.operation(method) != UPDATE:
        yield
        return
    before = snapshot(target, number)
    try:
        yield
    finally:
        if before is not None:
            put_back(target, number, before)
