"""Stoplight Prism reads our spec: its mock serves valid examples, its validation proxy
passes the emulator and a benign variant and flags a broken target.

Prism comes from ``package.json`` (``make node-tools``); without Node the tests skip.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

import openapi
from emulator.process import ServedEmulator, spawn

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "node_modules" / ".bin" / "prism"
START_TIMEOUT_S = 60.0

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not PRISM.exists(), reason="Prism not installed: run make node-tools (needs npm)"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def prism(*args: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [str(PRISM), *args, "-p", str(port), "-h", "127.0.0.1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"prism {' '.join(args)} exited with {process.returncode}")
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"prism did not listen on {url} within {START_TIMEOUT_S:g} s")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


AUTH_ID = "MA2025RK4E639VJFZAGV"


def test_the_mock_serves_examples_that_meet_the_strict_contract() -> None:
    with prism("mock", "openapi/number.yaml") as url:
        auth = (AUTH_ID, "token")
        listed = httpx.get(f"{url}/v1/Account/{AUTH_ID}/Number/", params={"limit": 1}, auth=auth)
        got = httpx.get(f"{url}/v1/Account/{AUTH_ID}/Number/17609915566/", auth=auth)
        updated = httpx.post(
            f"{url}/v1/Account/{AUTH_ID}/Number/17609915566/", json={"alias": "x"}, auth=auth
        )
        refused = httpx.get(f"{url}/v1/Account/{AUTH_ID}/Number/", params={"limit": 50}, auth=auth)
    assert listed.status_code == 200
    assert openapi.schema_errors(listed.json(), "NumberList", "documented") == []
    assert got.status_code == 200
    assert openapi.schema_errors(got.json(), "AccountPhoneNumberWithApiId", "documented") == []
    assert 200 <= updated.status_code < 300
    assert openapi.schema_errors(updated.json(), "UpdateResult", "documented") == []
    # Prism validates requests from the spec too: limit is at most 20.
    assert 400 <= refused.status_code < 500


def _through_proxy(served: ServedEmulator) -> list[httpx.Response]:
    with prism("proxy", "openapi/number.yaml", served.base_url, "--errors") as url:
        auth = (served.auth_id, served.auth_token)
        path = f"{url}/v1/Account/{served.auth_id}/Number/"
        listed = httpx.get(path, params={"limit": 5}, auth=auth)
        number = listed.json()["objects"][0]["number"] if listed.status_code == 200 else "14155550100"
        return [
            listed,
            httpx.get(path, params={"type": "local", "services": "sms"}, auth=auth),
            httpx.get(f"{path}{number}/", auth=auth),
            httpx.post(f"{path}{number}/", json={"alias": "prism"}, auth=auth),
        ]


def _violations(responses: list[httpx.Response]) -> list[str]:
    return [r.headers["sl-violations"] for r in responses if "sl-violations" in r.headers]


@pytest.mark.parametrize("variant", [None, "update_200_ok", "links_absolute_urls"])
def test_the_validation_proxy_passes_correct_targets(variant: str | None) -> None:
    extra = ("--variant", variant) if variant else ()
    with spawn("--seed", "7", *extra) as served:
        responses = _through_proxy(served)
    assert _violations(responses) == []
    assert [r.status_code for r in responses] == [200, 200, 200, 200 if variant == "update_200_ok" else 202]


def test_the_validation_proxy_flags_a_broken_target() -> None:
    with spawn("--seed", "7", "--defect", "sms_enabled_as_string") as served:
        responses = _through_proxy(served)
    assert any("sms_enabled" in v and "boolean" in v for v in _violations(responses))
