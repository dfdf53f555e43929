"""Variants in headers, content encoding and the methods a resource answers."""

from __future__ import annotations

import gzip
from dataclasses import replace

from emulator.defects.asgi import Incoming, Reply

from .base import Variant, is_json, register, with_body

FAMILY = "headers and methods"
COLLECTION_METHODS = ("GET",)
ITEM_METHODS = ("DELETE", "GET", "POST")


def _kind(incoming: Incoming) -> str | None:
    """ "item", "collection" or None (not a Number API path), whatever the method."""
    if incoming.number is not None:
        return "item"
    return "collection" if incoming.path_auth_id is not None else None


def _allow(incoming: Incoming, extra: str) -> str:
    methods = ITEM_METHODS if _kind(incoming) == "item" else COLLECTION_METHODS
    return ", ".join(sorted({*methods, extra}))


@register
class JsonCharsetContentType(Variant):
    name = "json_charset_content_type"
    family = FAMILY
    description = "every JSON answer is labelled application/json; charset=utf-8"
    allowed_by = (
        "RFC 8259 section 11 allows the charset parameter on application/json; the page names no "
        "Content-Type at all (docs silent)"
    )

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if is_json(reply):
            return reply.with_header("content-type", "application/json; charset=utf-8")
        return reply


def _accepts_gzip(header: str | None) -> bool:
    for part in (header or "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            quality = params.strip().replace(" ", "")
            return quality not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


@register
class GzipWhenAccepted(Variant):
    name = "gzip_when_accepted"
    family = FAMILY
    description = "bodies are gzip-compressed (Content-Encoding: gzip) when the client accepts gzip"
    allowed_by = (
        "RFC 9110 section 12.5.3: a server may apply any content coding the client lists in "
        "Accept-Encoding; docs silent on compression"
    )

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if not reply.body or reply.status in (204, 304):
            return reply
        if not _accepts_gzip(incoming.header("accept-encoding")):
            return reply
        compressed = with_body(reply, gzip.compress(reply.body, mtime=0))
        return compressed.with_header("content-encoding", "gzip").with_header("vary", "Accept-Encoding")


@register
class ExtraResponseHeaders(Variant):
    name = "extra_response_headers"
    family = FAMILY
    description = "answers carry Server, X-Request-Id, Cache-Control and X-RateLimit-* headers"
    allowed_by = (
        "docs silent: the page documents no response header; Plivo publishes a limit of 300 requests "
        "per 5 s (tests/fixtures/plivo-sdk/README.md), which X-RateLimit-* headers announce"
    )

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        request_id = body.get("api_id") if isinstance(body, dict) else None
        headers = {
            "server": "nginx",
            "x-request-id": str(request_id or "none"),
            "cache-control": "no-store",
            "x-ratelimit-limit": "300",
            "x-ratelimit-window": "5",
        }
        for name, value in headers.items():
            reply = reply.with_header(name, value)
        return reply


@register
class HeadLikeGet(Variant):
    name = "head_like_get"
    family = FAMILY
    description = "HEAD is answered like GET (status and headers); the server sends no body"
    allowed_by = (
        "RFC 9110 section 9.3.2: HEAD is GET without content; docs silent on which methods "
        "besides the four documented ones a resource answers"
    )

    def request(self, incoming: Incoming) -> Incoming:
        if incoming.method.upper() == "HEAD" and _kind(incoming) is not None:
            # The API answers the GET; uvicorn drops the body of an answer to HEAD and keeps
            # the GET's Content-Length, as RFC 9110 asks.
            return replace(incoming, method="GET")
        return incoming

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if reply.status == 405 and _kind(incoming) is not None:
            return reply.with_header("allow", _allow(incoming, "HEAD"))
        return reply


@register
class OptionsAnswered204(Variant):
    name = "options_answered_204"
    family = FAMILY
    description = "OPTIONS is answered 204 with an Allow header (no credentials needed)"
    allowed_by = (
        "RFC 9110 section 9.3.7: OPTIONS describes the resource's methods; docs silent on "
        "methods besides the four documented ones"
    )

    def answer(self, incoming: Incoming) -> Reply | None:
        if incoming.method.upper() != "OPTIONS" or _kind(incoming) is None:
            return None
        return Reply(204, (("allow", _allow(incoming, "OPTIONS")),), b"")

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if reply.status == 405 and _kind(incoming) is not None:
            return reply.with_header("allow", _allow(incoming, "OPTIONS"))
        return reply
