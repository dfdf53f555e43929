"""Which cases ``restore.around_update`` snapshots: the spec's path templates decide (openapi.operations)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from contracts import restore

AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"


@dataclass
class _Case:
    method: str
    formatted_path: str


@dataclass
class _Target:
    live: bool


@pytest.fixture
def snapshots(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The numbers around_update snapshots and puts back (each snapshot is followed by a put_back)."""
    taken: list[str] = []

    def snapshot(target: Any, number: str) -> dict[str, Any]:
        taken.append(number)
        return {"number": number}

    def put_back(target: Any, number: str, before: Any, strict: bool = True) -> None:
        assert before == {"number": number}
        taken.append(f"put back {number}")

    monkeypatch.setattr(restore, "snapshot", snapshot)
    monkeypatch.setattr(restore, "put_back", put_back)
    return taken


def _around(case: _Case, live: bool = True) -> None:
    with restore.around_update(_Target(live), case):  # type: ignore[arg-type]
        pass


@pytest.mark.parametrize(
    ("number", "method"),
    [("14155550100", "POST"), ("+14155550100", "post"), ("%2B14155550100", "POST"), ("1%3F2", "POST")],
)
def test_a_live_update_of_a_number_is_snapshotted_and_put_back(
    snapshots: list[str], number: str, method: str
) -> None:
    # The number as the case sends it (not decoded): the snapshot reads the path the update goes to.
    _around(_Case(method, f"/v1/Account/{AUTH_ID}/Number/{number}/"))
    assert snapshots == [number, f"put back {number}"]


def test_the_trailing_slash_is_optional(snapshots: list[str]) -> None:
    _around(_Case("POST", f"/v1/Account/{AUTH_ID}/Number/14155550100"))
    assert snapshots == ["14155550100", "put back 14155550100"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/v1/Account/{AUTH_ID}/Number/14155550100/"),
        ("DELETE", f"/v1/Account/{AUTH_ID}/Number/14155550100/"),
        ("POST", f"/v1/Account/{AUTH_ID}/Number/"),
        ("POST", f"/v1/Account/{AUTH_ID}/Number/1/2/"),
        ("POST", f"/v1/Account/{AUTH_ID}/Number//"),
        ("POST", "/v1/Account/"),
        ("POST", ""),
    ],
)
def test_anything_but_an_update_of_one_number_is_left_alone(
    snapshots: list[str], method: str, path: str
) -> None:
    _around(_Case(method, path))
    assert snapshots == []


def test_embedded_targets_are_never_snapshotted(snapshots: list[str]) -> None:
    _around(_Case("POST", f"/v1/Account/{AUTH_ID}/Number/14155550100/"), live=False)
    assert snapshots == []
