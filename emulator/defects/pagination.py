"""Pagination defects: offsets, limits, total_count, next/previous links and order."""

from __future__ import annotations

import random
import threading
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from emulator.accounts import Principal
from emulator.config import EmulatorConfig
from emulator.store import Fields, NumberFilter, NumberStore
from openapi.operations import LIST

from .asgi import Incoming, Reply
from .base import Defect, register
from .storewrap import StoreProxy

FAMILY = "pagination"
PAGING = ("limit", "offset")


class MetaDefect(Defect):
    """Rewrites ``meta`` of successful list answers."""

    family = FAMILY

    def rewrite(self, meta: dict[str, Any], count: int, path: str) -> dict[str, Any]:
        raise NotImplementedError

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if reply.status != 200 or incoming.operation != LIST or not isinstance(body, dict):
            return reply
        meta, objects = body.get("meta"), body.get("objects")
        if not isinstance(meta, dict) or not isinstance(objects, list):
            return reply
        body["meta"] = self.rewrite(dict(meta), len(objects), incoming.path)
        return reply.with_json(body)


def _relink(link: str, **params: Any) -> str:
    parts = urlsplit(link)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return parts.path + "?" + urlencode([*[(k, str(v)) for k, v in params.items()], *query])


@register
class OffsetIgnored(Defect):
    name = "offset_ignored"
    family = FAMILY
    description = "every page starts at the first number, whatever offset says (meta still echoes it)"

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(StoreProxy):
            def page(
                self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
            ) -> tuple[int, list[Fields]]:
                return self.inner.page(principal, number_filter, 0, limit)

        return Store(store, config)


@register
class OffsetOffByOne(Defect):
    name = "offset_off_by_one"
    family = FAMILY
    description = "offset is read as 1-based: a page at offset N>0 starts at N-1, repeating one number"

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(StoreProxy):
            def page(
                self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
            ) -> tuple[int, list[Fields]]:
                return self.inner.page(principal, number_filter, max(offset - 1, 0), limit)

        return Store(store, config)


@register
class OffsetIgnoredWhenFiltered(Defect):
    name = "offset_ignored_when_filtered"
    family = FAMILY
    description = "the unfiltered list pages correctly, but a filtered list always serves its first page"

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(StoreProxy):
            def page(
                self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
            ) -> tuple[int, list[Fields]]:
                start = offset if number_filter.empty else 0
                return self.inner.page(principal, number_filter, start, limit)

        return Store(store, config)


@register
class LimitCap25(Defect):
    name = "limit_cap_25"
    family = FAMILY
    description = "limit 21 to 25 is accepted with 200 and echoed in meta (the documented maximum is 20)"

    def request(self, incoming: Incoming) -> Incoming:
        limit = incoming.query_value("limit")
        if incoming.operation == LIST and limit in {"21", "22", "23", "24", "25"}:
            # Fetch 20 and remember the asked limit; the answer claims it.
            return incoming.with_query(limit="20", x_asked_limit=limit)
        return incoming

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        asked = incoming.query_value("x_asked_limit")
        body = reply.json()
        if asked is None or reply.status != 200 or not isinstance(body, dict):
            return reply
        meta = body["meta"]
        meta["limit"] = int(asked)
        for key in ("next", "previous"):
            if meta.get(key):
                meta[key] = _relink(meta[key], limit=asked)
        return reply.with_json(body)


@register
class LimitIgnored(Defect):
    # Clamping a limit above 20 to 20 was once here; the page only says "Max: 20", so that
    # is a correct target (emulator.variants limit_above_max_clamped). Ignoring a valid
    # limit breaks "Results per page".
    name = "limit_ignored"
    family = FAMILY
    description = "every page holds 20 numbers whatever limit (1 to 19) the request asks for"

    def request(self, incoming: Incoming) -> Incoming:
        limit = incoming.query_value("limit")
        if incoming.operation == LIST and limit is not None and limit.isdigit() and int(limit) < 20:
            return incoming.with_query(limit="20")
        return incoming


@register
class TotalCountIsPageSize(MetaDefect):
    name = "total_count_is_page_size"
    description = "meta.total_count counts the objects on this page, not every matching number"

    def rewrite(self, meta: dict[str, Any], count: int, path: str) -> dict[str, Any]:
        meta["total_count"] = count
        return meta


@register
class NextDropsFilters(MetaDefect):
    name = "next_drops_filters"
    description = "meta.next keeps limit and offset but drops the request's filters"

    def rewrite(self, meta: dict[str, Any], count: int, path: str) -> dict[str, Any]:
        link = meta.get("next")
        if isinstance(link, str):
            parts = urlsplit(link)
            kept = [(k, v) for k, v in parse_qsl(parts.query) if k in PAGING]
            meta["next"] = parts.path + "?" + urlencode(kept)
        return meta


@register
class NextNullTooEarly(MetaDefect):
    name = "next_null_too_early"
    description = "meta.next is already null on the page before the last (offset + 2*limit >= total_count)"

    def rewrite(self, meta: dict[str, Any], count: int, path: str) -> dict[str, Any]:
        offset, limit, total = meta.get("offset"), meta.get("limit"), meta.get("total_count")
        if all(isinstance(v, int) for v in (offset, limit, total)) and offset + 2 * limit >= total:  # type: ignore[operator]
            meta["next"] = None
        return meta


@register
class NextOnExactLastPage(MetaDefect):
    name = "next_on_exact_last_page"
    description = "when the last page is exactly full, meta.next still points at an empty page after it"

    def rewrite(self, meta: dict[str, Any], count: int, path: str) -> dict[str, Any]:
        offset, limit, total = meta.get("offset"), meta.get("limit"), meta.get("total_count")
        if not (isinstance(offset, int) and isinstance(limit, int) and isinstance(total, int)):
            return meta
        if total > 0 and offset + limit == total and meta.get("next") is None:
            # "offset + limit <= total" instead of "<": the classic boundary slip.
            meta["next"] = _relink(meta.get("previous") or path, limit=limit, offset=offset + limit)
        return meta


@register
class PreviousToFirstPage(MetaDefect):
    name = "previous_to_first_page"
    description = "meta.previous always points at offset 0, not at the page before"

    def rewrite(self, meta: dict[str, Any], count: int, path: str) -> dict[str, Any]:
        link = meta.get("previous")
        if isinstance(link, str):
            meta["previous"] = _relink(link, offset=0)
        return meta


@register
class UnstableOrder(Defect):
    name = "unstable_order"
    family = FAMILY
    description = "list order changes from request to request (a query without ORDER BY)"

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        class Store(StoreProxy):
            calls = 0
            lock = threading.Lock()

            def page(
                self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
            ) -> tuple[int, list[Fields]]:
                with self.lock:
                    Store.calls += 1
                    call = Store.calls
                total, everything = self.inner.page(principal, number_filter, 0, 1_000_000)
                # Deterministic for a given request sequence: the seed and the call count.
                random.Random(f"{config.seed}:{call}").shuffle(everything)
                return total, everything[offset : offset + limit]

        return Store(store, config)
