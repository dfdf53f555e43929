"""Pagination variants: another stable order, links written differently, bounds clamped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from emulator.accounts import Principal
from emulator.config import EmulatorConfig
from emulator.defects.asgi import Incoming, Reply
from emulator.defects.storewrap import StoreProxy
from emulator.store import Fields, NumberFilter, NumberStore
from openapi.operations import LIST

from .base import Variant, register

FAMILY = "pagination"
PAGING = ("limit", "offset")
LINKS = ("next", "previous")


class OrderVariant(Variant):
    """Serves every list in another stable order: ``key`` sorts the matching numbers."""

    family = FAMILY
    reverse = False

    def key(self, fields: Fields) -> Any:
        raise NotImplementedError

    def wrap_store(self, store: NumberStore, config: EmulatorConfig) -> NumberStore:
        key, reverse = self.key, self.reverse

        class Store(StoreProxy):
            def page(
                self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
            ) -> tuple[int, list[Fields]]:
                # Every match (the store holds no more than len(inner) numbers), sorted, then cut.
                total, everything = self.inner.page(principal, number_filter, 0, max(len(self.inner), 1))
                everything.sort(key=key, reverse=reverse)
                return total, everything[offset : offset + limit]

        return Store(store, config)


@register
class OrderDescending(OrderVariant):
    name = "order_descending"
    description = "lists are ordered by number, descending (stable from request to request)"
    allowed_by = 'docs silent: the page says "Returns all phone numbers in your account." and states no order'
    reverse = True

    def key(self, fields: Fields) -> Any:
        return str(fields.get("number", ""))


@register
class OrderByAddedOn(OrderVariant):
    name = "order_by_added_on"
    description = "lists are ordered by added_on, then number (oldest rental first)"
    allowed_by = 'docs silent: the page says "Returns all phone numbers in your account." and states no order'

    def key(self, fields: Fields) -> Any:
        return (str(fields.get("added_on", "")), str(fields.get("number", "")))


class LinkVariant(Variant):
    """Rewrites meta.next and meta.previous of successful list answers with ``relink``."""

    family = FAMILY

    def relink(self, incoming: Incoming, link: str) -> str:
        raise NotImplementedError

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if reply.status != 200 or incoming.operation != LIST or not isinstance(body, dict):
            return reply
        meta = body.get("meta")
        if not isinstance(meta, dict):
            return reply
        for key in LINKS:
            if isinstance(meta.get(key), str):
                meta[key] = self.relink(incoming, meta[key])
        return reply.with_json(body)


@register
class LinksAbsoluteUrls(LinkVariant):
    name = "links_absolute_urls"
    description = (
        "meta.next/previous are absolute URLs (http://host/v1/Account/.../Number/?limit=..&offset=..)"
    )
    allowed_by = (
        'docs silent: the page shows no list answer at all, so nothing says next is a path; "a link to '
        'the next page" is as well an absolute URL (the recorded fixtures use paths)'
    )

    def relink(self, incoming: Incoming, link: str) -> str:
        if not link.startswith("/"):
            return link
        scheme = (incoming.header("x-forwarded-proto") or "http").split(",")[0].strip()
        host = incoming.header("host") or "localhost"
        return f"{scheme}://{host}{link}"


@register
class LinksReorderedExtraParams(LinkVariant):
    name = "links_reordered_extra_params"
    description = "meta.next/previous list filters first, then offset, then limit, and keep unknown params"
    allowed_by = (
        "docs silent: the page does not say how the links' query is written; query parameter order "
        "carries no meaning, and unknown parameters are ignored either way"
    )

    def relink(self, incoming: Incoming, link: str) -> str:
        parts = urlsplit(link)
        query = parse_qsl(parts.query, keep_blank_values=True)
        named = {key for key, _ in query}
        filters = sorted((k, v) for k, v in query if k not in PAGING)
        paging = [(k, v) for name in ("offset", "limit") for k, v in query if k == name]
        # Parameters the API ignored (not in its link) are passed on as they came.
        extra = [(k, v) for k, v in incoming.query if k not in named and k not in PAGING]
        return parts.path + "?" + urlencode([*filters, *paging, *extra])


def _clamp(name: str, clamp: Callable[[int], int]) -> Callable[[Incoming], Incoming]:
    def rewrite(incoming: Incoming) -> Incoming:
        value = incoming.query_value(name)
        if incoming.operation != LIST or value is None:
            return incoming
        try:
            number = int(value.strip())
        except ValueError:
            return incoming
        clamped = clamp(number)
        return incoming if clamped == number else incoming.with_query(**{name: str(clamped)})

    return rewrite


@register
class LimitAboveMaxClamped(Variant):
    name = "limit_above_max_clamped"
    family = FAMILY
    description = "limit above 20 is served as 20 (200, meta.limit 20) instead of refused"
    allowed_by = (
        'page, limit: "Results per page. Max: 20. Default: 20." -- a page never holds more than 20; '
        "the page does not say a larger limit is refused (docs silent on the error)"
    )

    def request(self, incoming: Incoming) -> Incoming:
        return _clamp("limit", lambda n: min(n, 20))(incoming)


@register
class NegativeOffsetClamped(Variant):
    name = "negative_offset_clamped"
    family = FAMILY
    description = "a negative offset is served as 0 (200, meta.offset 0) instead of refused"
    allowed_by = 'docs silent: the page says only "offset: Pagination offset." and states no bound or error'

    def request(self, incoming: Incoming) -> Incoming:
        return _clamp("offset", lambda n: max(n, 0))(incoming)
