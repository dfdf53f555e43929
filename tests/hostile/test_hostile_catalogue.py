"""The hostile catalogue: well formed, servable, and every entry really misbehaves.

"Really misbehaves" is shown by difference: the same probe requests go to the clean server
(CONTROL, the same raw server without a behaviour) and to each entry, through a bounded
client (a total deadline and a body cap, as the audit uses); the first answer that differs
is the evidence. Drips and hangs show as a DeadlineExceeded within the probe's deadline.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import subprocess
import sys
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulator.hostile import CATALOGUE, CONTROL, EXPECTATIONS, FAMILIES, UnknownHostile, lookup, serve_hostile
from emulator.hostile.transport import BOMB_SIZE, gzip_bomb
from openapi.bounded import BoundExceeded, Limits, send_async

AUTH_ID = "MA" + "HOSTILE0CATALOGUE0"[:18]
TOKEN = "Probe-Token-0123456789-abcdefXYZ"
PROBE_LIMITS = Limits(deadline_s=2.0, max_bytes=1024 * 1024)
LIST = f"/v1/Account/{AUTH_ID}/Number/"
PROBES: list[dict[str, Any]] = [
    {"limit": 20, "offset": 0},
    {"limit": 20, "offset": 20},
    {"limit": 20, "offset": 40},
    {"limit": 20, "offset": 60},
    {"limit": 1, "type": "tollfree"},
    {"limit": 1, "type": "local"},
]

Observation = tuple[Any, ...]


def _normalised(body: bytes) -> Any:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return body[:2000]
    if isinstance(data, dict):
        data.pop("api_id", None)  # a fresh uuid on every answer
    return data


async def _observe(base_url: str, params: dict[str, Any]) -> Observation:
    async with httpx.AsyncClient(
        base_url=base_url, auth=(AUTH_ID, TOKEN), timeout=PROBE_LIMITS.deadline_s, follow_redirects=False
    ) as client:
        try:
            response = await send_async(
                client, client.build_request("GET", LIST, params=params), PROBE_LIMITS
            )
        except (BoundExceeded, httpx.HTTPError) as error:
            return ("error", type(error).__name__)
    headers = sorted((k, v) for k, v in response.headers.items() if k != "content-length")
    return ("answer", response.status_code, headers, _normalised(response.content))


def observe(base_url: str, stop_at: list[Observation] | None = None) -> list[Observation]:
    """Each probe's observation, stopping at the first one that differs from ``stop_at``."""
    seen = []
    for index, params in enumerate(PROBES):
        seen.append(asyncio.run(_observe(base_url, params)))
        if stop_at is not None and seen[-1] != stop_at[index]:
            break
    return seen


@pytest.fixture(scope="module")
def control() -> list[Observation]:
    with serve_hostile(CONTROL, auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        seen = observe(base_url)
    assert all(o[0] == "answer" and o[1] == 200 for o in seen), seen
    return seen


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_entry_misbehaves_where_the_control_does_not(name: str, control: list[Observation]) -> None:
    with serve_hostile(name, auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        seen = observe(base_url, stop_at=control)
    differing = [i for i, o in enumerate(seen) if o != control[i]]
    assert differing, f"{name}: every probe answered like the clean emulator"


def test_the_control_is_the_emulator_itself(control: list[Observation]) -> None:
    first = control[0][3]
    assert first["meta"]["total_count"] == 60
    assert len(first["objects"]) == 20
    assert control[3][3]["objects"] == []  # offset 60 of 60


def test_catalogue_is_well_formed() -> None:
    assert len(CATALOGUE) >= 40
    for name, entry in CATALOGUE.items():
        assert entry.name == name
        assert entry.family in FAMILIES
        assert entry.audit_expects in EXPECTATIONS
        assert entry.description
        assert "\n" not in entry.description
    assert {e.family for e in CATALOGUE.values()} == set(FAMILIES), "a family without an entry"
    assert {e.audit_expects for e in CATALOGUE.values()} == set(EXPECTATIONS)


def test_each_serve_gets_fresh_state() -> None:
    first, second = lookup("unauthorized_mid_crawl"), lookup("unauthorized_mid_crawl")
    assert first is not second
    assert first is not CATALOGUE["unauthorized_mid_crawl"]
    with pytest.raises(UnknownHostile, match=r"valid names: .*slow_drip_body"):
        lookup("no_such_behaviour")


def test_unauthorized_mid_crawl_really_refuses_after_two_pages() -> None:
    with serve_hostile("unauthorized_mid_crawl", auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        seen = [asyncio.run(_observe(base_url, p)) for p in PROBES[:3]]
    assert [o[1] for o in seen] == [200, 200, 401]


def test_redirects_point_to_another_host_and_the_decoy_records_who_came() -> None:
    with serve_hostile("redirect_other_host", auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        seen = asyncio.run(_observe(base_url, PROBES[0]))
        location = dict(seen[2])["location"]
        assert location.startswith(base_url.ctx.decoy_url)
        assert not location.startswith(str(base_url))
        httpx.get(location, timeout=5)
        assert len(base_url.decoy_requests) == 1
        assert base_url.decoy_requests[0].header("authorization") is None


def test_the_gzip_bomb_is_small_and_inflates_far_past_any_cap() -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 3 * 1024 * 1024
    assert int.from_bytes(bomb[-4:], "little") == BOMB_SIZE & 0xFFFFFFFF
    inflated = zlib.decompressobj(31).decompress(bomb[: 64 * 1024], 32 * 1024 * 1024)
    assert len(inflated) == 32 * 1024 * 1024  # 64 KiB on the wire already inflate past 32 MiB


@pytest.fixture
def served_cli() -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator.hostile",
            "token_in_header",
            "--port",
            "0",
            "--auth-id",
            AUTH_ID,
            "--auth-token",
            TOKEN,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(10)


def test_cli_serves_an_entry_and_says_it_is_hostile(served_cli: subprocess.Popen[str]) -> None:
    assert served_cli.stdout is not None
    assert served_cli.stderr is not None
    base_url = served_cli.stdout.readline().strip()
    assert base_url.startswith("http://127.0.0.1:")
    assert "HOSTILE emulator: token_in_header" in served_cli.stderr.readline()
    response = httpx.get(base_url + LIST, auth=(AUTH_ID, TOKEN), timeout=10)
    assert response.status_code == 200
    assert response.headers["x-token"] == TOKEN


def test_cli_lists_the_catalogue_by_family() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "emulator.hostile", "--list"], capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0
    assert f"{len(CATALOGUE)} hostile behaviours" in listed.stdout
    for name in CATALOGUE:
        assert name in listed.stdout
    unknown = subprocess.run(
        [sys.executable, "-m", "emulator.hostile", "nope"], capture_output=True, text=True, timeout=60
    )
    assert unknown.returncode == 2
    assert "unknown hostile behaviour 'nope'" in unknown.stderr


def _raw(base_url: str, data: bytes) -> bytes:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_garbage_from_a_client_is_its_own_business_not_a_server_error() -> None:
    # The contract suite fuzzes its targets; the hostile server must not count that as its own crash.
    with serve_hostile(CONTROL, auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        assert _raw(base_url, b"NONSENSE\r\n\r\n").startswith(b"HTTP/1.1 400 ")
        bad_length = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n"
        assert _raw(base_url, bad_length).startswith(b"HTTP/1.1 400 ")


def test_chunked_bodies_and_head_requests_are_spoken_correctly() -> None:
    auth = "Basic " + base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
    with serve_hostile(CONTROL, auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        numbers = httpx.get(base_url + LIST, auth=(AUTH_ID, TOKEN), timeout=10).json()["objects"]
        number = numbers[0]["number"]
        body = b'{"alias": "chunked"}'
        chunked = (
            (
                f"POST {LIST}{number}/ HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            ).encode()
            + f"{len(body):x}\r\n".encode()
            + body
            + b"\r\n0\r\n\r\n"
        )
        assert _raw(base_url, chunked).startswith(b"HTTP/1.1 202 ")
        got = httpx.get(f"{base_url}{LIST}{number}/", auth=(AUTH_ID, TOKEN), timeout=10).json()
        assert got["alias"] == "chunked"
        head = _raw(
            base_url,
            f"HEAD {LIST} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n".encode(),
        )
        assert head.startswith(b"HTTP/1.1 ")
        assert head.endswith(b"\r\n\r\n")  # headers only, never a body
