"""Lying metadata, and duplicate or shifted pages: the list's own account of itself is wrong."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from .base import Context, Hostile, ListRewrite, Reply, Request, register

LIMIT = 20


def _link(request: Request, offset: int) -> str:
    query = [(k, v) for k, v in request.query if k != "offset"] + [("offset", str(offset))]
    return f"{request.path}?{urlencode(query)}"


def _with_meta(body: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {**body, "meta": {**body.get("meta", {}), **meta}}


@register
class TotalCountTooSmall(ListRewrite):
    name = "total_count_too_small"
    family = "lying metadata"
    description = "total_count says two thirds of the real count while next keeps pointing to the real end"
    audit_expects = "incomplete"

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        return _with_meta(body, total_count=body["meta"]["total_count"] * 2 // 3)


@register
class TotalCountTooBig(ListRewrite):
    name = "total_count_too_big"
    family = "lying metadata"
    description = "total_count says 40 more than the account holds; the pages past the end come back empty"
    audit_expects = "incomplete"

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        total = body["meta"]["total_count"] + 40
        offset = request.int_query("offset", 0)
        nxt = _link(request, offset + LIMIT) if offset + LIMIT < total else None
        return _with_meta(body, total_count=total, next=nxt)


class _Runaway(ListRewrite):
    claimed: int

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        offset = request.int_query("offset", 0)
        return _with_meta(body, total_count=self.claimed, next=_link(request, offset + LIMIT))


@register
class RunawayCount(_Runaway):
    name = "total_count_runaway_1e7"
    family = "lying metadata"
    description = "total_count is 10**7 and next always points on; past the real end every page is empty"
    audit_expects = "incomplete"
    claimed = 10**7


@register
class AbsurdCount(_Runaway):
    name = "total_count_runaway_1e12"
    family = "lying metadata"
    description = "total_count is 10**12 (a client sizing anything by it runs out of memory)"
    audit_expects = "incomplete"
    claimed = 10**12


@register
class NegativeCount(ListRewrite):
    name = "total_count_negative"
    family = "lying metadata"
    description = "total_count is -1"
    audit_expects = "incomplete"

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        return _with_meta(body, total_count=-1)


@register
class CountAsString(ListRewrite):
    name = "total_count_string"
    family = "lying metadata"
    description = 'total_count is the string "60", not an integer'
    audit_expects = "incomplete"

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        return _with_meta(body, total_count=str(body["meta"]["total_count"]))


@register
class CountWithThousandsOfDigits(Hostile):
    name = "total_count_5000_digits"
    family = "lying metadata"
    description = "total_count is an integer literal of 5000 digits (past Python's int-parsing limit)"
    audit_expects = "incomplete"

    def response(self, request: Request, reply: Reply, ctx: Context) -> Reply:
        if not request.is_list or reply.status != 200:
            return reply
        total = reply.json()["meta"]["total_count"]
        return Reply(
            reply.status,
            reply.headers,
            reply.body.replace(f'"total_count":{total}'.encode(), b'"total_count":' + b"9" * 5000),
        )


@register
class CountGrows(ListRewrite):
    name = "total_count_changes"
    family = "lying metadata"
    description = "total_count grows by one on every answer (an inventory that moves under the crawl)"
    audit_expects = "incomplete"

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        return _with_meta(body, total_count=body["meta"]["total_count"] + request.index)


@register
class NextLoops(ListRewrite):
    name = "next_loops"
    family = "lying metadata"
    description = "meta.next always points back to the first page (a next-follower never ends)"
    audit_expects = "exact"

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        return _with_meta(body, next=_link(request, 0))


@register
class NextMissing(ListRewrite):
    name = "next_missing"
    family = "lying metadata"
    description = "meta.next is null on every page although total_count is right"
    audit_expects = "exact"

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        return _with_meta(body, next=None)


@register
class NextElsewhere(ListRewrite):
    name = "next_elsewhere"
    family = "lying metadata"
    description = "meta.next is an absolute URL on another host (following it would send credentials there)"
    audit_expects = "exact"

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        nxt = body["meta"].get("next")
        return _with_meta(body, next=ctx.decoy_url + nxt if nxt else None)


@register
class DuplicatePages(Hostile):
    name = "duplicate_pages"
    family = "duplicate and shifted pages"
    description = "every page after the first repeats the first page's objects"
    audit_expects = "incomplete"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if request.is_list and request.int_query("offset", 0) > 0 and not request.query_value("type"):
            first = await ctx.upstream(request.with_query(offset="0"))
            real = await ctx.upstream(request)
            body, objects = real.json(), first.json()
            if isinstance(body, dict) and isinstance(objects, dict):
                return real.with_json({**body, "objects": objects["objects"]})
        return await ctx.upstream(request)


@register
class ShiftedPages(Hostile):
    name = "shifted_pages"
    family = "duplicate and shifted pages"
    description = (
        "the page at offset N starts at N-1: one number per page repeats, the last one is never listed"
    )
    audit_expects = "incomplete"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        offset = request.int_query("offset", 0)
        if request.is_list and offset > 0 and not request.query_value("type"):
            shifted = await ctx.upstream(request.with_query(offset=str(offset - 1)))
            body = shifted.json()
            if isinstance(body, dict):
                return shifted.with_json(_with_meta(body, offset=offset))
            return shifted
        return await ctx.upstream(request)


@register
class DuplicateWithinPage(ListRewrite):
    name = "duplicate_within_page"
    family = "duplicate and shifted pages"
    description = "each full page lists its first number twice in place of its last one"
    audit_expects = "incomplete"

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        objects = body.get("objects", [])
        if len(objects) == LIMIT and not request.query_value("type"):
            objects = [*objects[:-1], objects[0]]
        return {**body, "objects": objects}
