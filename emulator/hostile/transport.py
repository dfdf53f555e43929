"""Transport-level hostility: slow headers, slow-drip bodies, resets, truncation, lying lengths, bombs.

These need the raw server: each overrides ``send`` and writes the bytes itself. Behaviours
that misbehave on a request's first try only (``attempt == 1``) check that a client retries
within its bounds and then reads the exact inventory.
"""

from __future__ import annotations

import asyncio
import json
import struct
import zlib
from functools import cache
from typing import ClassVar

from .base import Context, Expect, Hostile, Reply, Request, register
from .server import Connection

DRIP_INTERVAL = 2.0
"""One byte every 2 s: every read finishes well inside any read timeout, the answer never does."""


def _list(request: Request, first_try_only: bool) -> bool:
    return request.is_list and (request.attempt == 1 or not first_try_only)


class _Transport(Hostile):
    first_try_only = False

    async def send(self, request: Request, reply: Reply, conn: Connection, ctx: Context) -> bool:
        if not _list(request, self.first_try_only):
            return await super().send(request, reply, conn, ctx)
        return await self.misbehave(reply, conn)

    async def misbehave(self, reply: Reply, conn: Connection) -> bool:
        raise NotImplementedError


@register
class SlowHeaders(_Transport):
    name = "slow_headers"
    family = "slow headers"
    description = "the status line, then the headers one byte every 2 s"
    audit_expects: ClassVar[Expect] = "incomplete"

    async def misbehave(self, reply: Reply, conn: Connection) -> bool:
        head = reply.head(len(reply.body))
        line = head.index(b"\r\n") + 2
        await conn.write(head[:line])
        await conn.drip(head[line:], DRIP_INTERVAL)
        await conn.write(reply.body)
        return False


@register
class NoAnswer(_Transport):
    name = "no_answer"
    family = "slow headers"
    description = "reads the request and never answers, keeping the connection open"
    audit_expects = "incomplete"

    async def misbehave(self, reply: Reply, conn: Connection) -> bool:
        await asyncio.Event().wait()  # until the server shuts down
        return False


@register
class SlowHeadersFirstTry(SlowHeaders):
    name = "slow_headers_first_try"
    family = "slow headers"
    description = "each list request's first try gets slow headers; the retry is answered at once"
    audit_expects = "exact"
    first_try_only = True


@register
class SlowDripBody(_Transport):
    name = "slow_drip_body"
    family = "slow-drip bodies"
    description = "headers at once, then the body one byte every 2 s (no read ever times out)"
    audit_expects: ClassVar[Expect] = "incomplete"

    async def misbehave(self, reply: Reply, conn: Connection) -> bool:
        await conn.write(reply.head(len(reply.body)))
        await conn.drip(reply.body, DRIP_INTERVAL)
        return False


@register
class SlowDripFirstTry(SlowDripBody):
    name = "slow_drip_first_try"
    family = "slow-drip bodies"
    description = "each list request's first try drips its body; the retry is answered at once"
    audit_expects = "exact"
    first_try_only = True


@register
class ResetBeforeAnswer(_Transport):
    name = "reset_before_answer"
    family = "connection resets"
    description = "every list request is answered with a TCP reset"
    audit_expects: ClassVar[Expect] = "incomplete"

    async def misbehave(self, reply: Reply, conn: Connection) -> bool:
        conn.reset()
        return False


@register
class ResetMidBody(_Transport):
    name = "reset_mid_body"
    family = "connection resets"
    description = "headers and half the body, then a TCP reset"
    audit_expects = "incomplete"

    async def misbehave(self, reply: Reply, conn: Connection) -> bool:
        await conn.write(reply.head(len(reply.body)) + reply.body[: len(reply.body) // 2])
        await asyncio.sleep(0.05)
        conn.reset()
        return False


@register
class ResetFirstTry(ResetBeforeAnswer):
    name = "reset_first_try"
    family = "connection resets"
    description = "each list request's first try is reset; the retry is answered"
    audit_expects = "exact"
    first_try_only = True


@register
class TruncatedBody(_Transport):
    name = "truncated_body"
    family = "truncated bodies"
    description = "a correct Content-Length, half the body, then the connection closes"
    audit_expects: ClassVar[Expect] = "incomplete"

    async def misbehave(self, reply: Reply, conn: Connection) -> bool:
        await conn.write(reply.head(len(reply.body)) + reply.body[: len(reply.body) // 2])
        return False


@register
class TruncatedFirstTry(TruncatedBody):
    name = "truncated_first_try"
    family = "truncated bodies"
    description = "each list request's first answer is cut in half; the retry is whole"
    audit_expects = "exact"
    first_try_only = True


@register
class ContentLengthTooLong(_Transport):
    name = "content_length_too_long"
    family = "truncated bodies"
    description = "Content-Length 1000 bytes more than the body, then the connection closes"
    audit_expects = "incomplete"

    async def misbehave(self, reply: Reply, conn: Connection) -> bool:
        await conn.write(reply.head(len(reply.body) + 1000) + reply.body)
        return False


@register
class ContentLengthTooShort(_Transport):
    name = "content_length_too_short"
    family = "truncated bodies"
    description = "Content-Length half the body; the rest is left on a kept-alive connection"
    audit_expects = "incomplete"

    async def misbehave(self, reply: Reply, conn: Connection) -> bool:
        await conn.write(reply.head(len(reply.body) // 2) + reply.body)
        return True


# ------------------------------------------------------------------ oversized bodies and bombs

BOMB_SIZE = 2 * 1024**3
_BOMB_CRC = 0x4DBDF21C
"""CRC-32 of 2 GiB of zero bytes (zlib.crc32 over them), so the bomb is a valid gzip member."""


@cache
def gzip_bomb() -> bytes:
    """About 2 MB of gzip that inflates to 2 GiB of zeros.

    Built in milliseconds: after a full flush a deflate block of 1 MiB of zeros does not
    depend on what came before, so the same compressed block is repeated 2047 times.
    """
    block = bytes(1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = compressor.flush()[:-8]  # the last empty block, without the 2 MiB trailer
    count = BOMB_SIZE // len(block)
    trailer = struct.pack("<II", _BOMB_CRC, BOMB_SIZE & 0xFFFFFFFF)
    return first + repeat * (count - 1) + final + trailer


@register
class GzipBomb(_Transport):
    name = "gzip_bomb"
    family = "oversized bodies"
    description = "a 200 with Content-Encoding gzip: 2 MB on the wire that inflate to 2 GiB"
    audit_expects = "incomplete"

    async def misbehave(self, reply: Reply, conn: Connection) -> bool:
        bomb = gzip_bomb()
        headed = reply.with_header("content-encoding", "gzip")
        await conn.write(headed.head(len(bomb)) + bomb)
        return False


@register
class OversizedBody(_Transport):
    name = "oversized_body"
    family = "oversized bodies"
    description = "a well-formed list page of 64 MiB (one object's alias is huge)"
    audit_expects = "incomplete"

    async def misbehave(self, reply: Reply, conn: Connection) -> bool:
        size = 64 * 1024 * 1024
        body = reply.json()
        prefix = json.dumps({**body, "objects": []})[:-1].encode() + b',"padding":"'
        suffix = b'"}'
        total = len(prefix) + size + len(suffix)
        await conn.write(reply.head(total) + prefix)
        chunk = b"A" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            await conn.write(chunk)
        await conn.write(suffix)
        return False


@register
class HeaderFlood(_Transport):
    name = "header_flood"
    family = "oversized bodies"
    description = "a 200 whose headers run to 1 MiB (thousands of X-Padding lines)"
    audit_expects = "incomplete"

    async def misbehave(self, reply: Reply, conn: Connection) -> bool:
        head = reply.head(len(reply.body))
        padding = b"".join(b"x-padding-%d: %s\r\n" % (i, b"p" * 200) for i in range(5000))
        await conn.write(head[:-2] + padding + b"\r\n" + reply.body)
        return False
