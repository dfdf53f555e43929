"""Credentials handed back: the Authorization header echoed, the token in any spelling, anywhere.

A client that quotes what the server said (an error message, a field value, a redirect
target) must not quote the token with it. Each behaviour puts the token in a different
spelling in a different place.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from .base import Context, Hostile, ListRewrite, Reply, Request, register


def _error(status: int, message: str) -> Reply:
    return Reply.of_json(status, {"api_id": "hostile", "error": message})


@register
class EchoAuthorization500(Hostile):
    name = "echo_authorization_500"
    family = "credentials echoed"
    description = "every list request after the first is 500 whose error quotes the Authorization header"
    audit_expects = "incomplete"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if request.is_list and request.index > 1:
            return _error(500, f"upstream failed for Authorization: {request.header('authorization')}")
        return await ctx.upstream(request)


@register
class TokenLowercaseInError(Hostile):
    name = "token_lowercase_in_error"
    family = "credentials echoed"
    description = "every list request after the first is 400 whose error holds the token in lower case"
    audit_expects = "incomplete"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if request.is_list and request.index > 1:
            return _error(400, f"bad token {ctx.auth_token.lower()} for {ctx.auth_id}")
        return await ctx.upstream(request)


@register
class TokenEncodedInError(Hostile):
    name = "token_encoded_in_error"
    family = "credentials echoed"
    description = "every list request after the first is 502 with the token percent-, hex- and base64-encoded"
    audit_expects = "incomplete"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if request.is_list and request.index > 1:
            token = ctx.auth_token
            offset = base64.b64encode(b"x:" + token.encode()).decode()
            return _error(
                502,
                f"proxy: {quote(token, safe='')} / {token.encode().hex()} / {offset} / "
                f"{quote(ctx.auth_id + ':' + token, safe='')}",
            )
        return await ctx.upstream(request)


@register
class TokenInFields(ListRewrite):
    name = "token_in_fields"
    family = "credentials echoed"
    description = "the token inside alias, a status and sub_account_name of every number (any case)"
    audit_expects = "exact"

    def obj(self, obj: dict[str, Any], index: int, ctx: Context) -> Any:
        token = ctx.auth_token
        return {
            **obj,
            "alias": f"line {token}",
            "sub_account_name": token.swapcase(),
            "caller_reputation_status": f"ACTIVE {token.upper()}",
        }


@register
class TokenInHeader(Hostile):
    name = "token_in_header"
    family = "credentials echoed"
    description = (
        "every answer carries the Authorization header back in X-Debug-Auth and the token in X-Token"
    )
    audit_expects = "exact"

    def response(self, request: Request, reply: Reply, ctx: Context) -> Reply:
        return reply.with_header("x-debug-auth", request.header("authorization") or "").with_header(
            "x-token", ctx.auth_token
        )


@register
class TokenInRedirectUserinfo(Hostile):
    name = "token_in_redirect_userinfo"
    family = "credentials echoed"
    description = "list requests are redirected to http://AUTH_ID:TOKEN@another-host/... (userinfo)"
    audit_expects = "incomplete"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if not request.is_list:
            return await ctx.upstream(request)
        host = ctx.decoy_url.removeprefix("http://")
        return Reply(302, (("location", f"http://{ctx.auth_id}:{ctx.auth_token}@{host}{request.target}"),))


@register
class TokenInNumberField(ListRewrite):
    name = "token_in_status"
    family = "credentials echoed"
    description = "the token (base64 of auth_id:token) as tendlc_registration_status of every number"
    audit_expects = "exact"

    def obj(self, obj: dict[str, Any], index: int, ctx: Context) -> Any:
        pair = base64.b64encode(f"{ctx.auth_id}:{ctx.auth_token}".encode()).decode()
        return {**obj, "tendlc_registration_status": f"Basic {pair}"}
