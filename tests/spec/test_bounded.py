"""openapi.bounded: a body cap counted after decompression, and a total deadline per exchange."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from openapi.bounded import BodyTooLarge, DeadlineExceeded, Limits, send, send_async

BOMB = gzip.compress(b"0" * (4 * 1024 * 1024))  # ~4 KiB that inflates to 4 MiB


def _gzip_bomb(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"content-encoding": "gzip"}, content=BOMB)


def test_a_compressed_body_is_capped_by_its_decompressed_size() -> None:
    assert len(BOMB) < 64 * 1024
    with (
        httpx.Client(transport=httpx.MockTransport(_gzip_bomb)) as client,
        pytest.raises(BodyTooLarge, match="exceeded 1048576 bytes"),
    ):
        send(client, client.build_request("GET", "http://t/x"), Limits(max_bytes=1024 * 1024))


def test_a_body_within_the_cap_is_returned_decoded() -> None:
    with httpx.Client(transport=httpx.MockTransport(_gzip_bomb)) as client:
        response = send(client, client.build_request("GET", "http://t/x"), Limits(max_bytes=8 * 1024 * 1024))
    assert len(response.content) == 4 * 1024 * 1024
    assert "content-encoding" not in response.headers
    assert response.elapsed.total_seconds() >= 0  # httpx and schemathesis read it


class _Drip(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        import time

        for _ in range(1000):
            time.sleep(0.05)
            yield b"x"


class _AsyncDrip(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(1000):
            await asyncio.sleep(0.05)
            yield b"x"


def test_a_drip_is_cut_off_at_the_deadline() -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, stream=_Drip()))
    with (
        httpx.Client(transport=transport) as client,
        pytest.raises(DeadlineExceeded, match=r"within 0\.3 s"),
    ):
        send(client, client.build_request("GET", "http://t/x"), Limits(deadline_s=0.3))


def test_the_async_face_cuts_off_a_drip_too() -> None:
    async def run() -> None:
        transport = httpx.MockTransport(lambda r: httpx.Response(200, stream=_AsyncDrip()))
        async with httpx.AsyncClient(transport=transport) as client:
            await send_async(client, client.build_request("GET", "http://t/x"), Limits(deadline_s=0.3))

    with pytest.raises(DeadlineExceeded):
        asyncio.run(run())


@pytest.mark.parametrize(("deadline", "size"), [(0, 1), (float("inf"), 1), (1, 0)])
def test_limits_refuse_nonsense(deadline: float, size: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        Limits(deadline_s=deadline, max_bytes=size)
