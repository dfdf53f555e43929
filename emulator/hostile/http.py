"""HTTP-level hostility: redirects, auth lost mid-crawl, rate limiting, 5xx, a type filter with a default."""

from __future__ import annotations

from .base import Context, Hostile, Reply, Request, register


def _error(status: int, message: str, *headers: tuple[str, str]) -> Reply:
    return Reply.of_json(status, {"api_id": "hostile", "error": message}, *headers)


# ------------------------------------------------------------------ redirects


@register
class RedirectOtherHost(Hostile):
    name = "redirect_other_host"
    family = "redirects"
    description = "every list request is redirected (302) to the same path on another host"
    audit_expects = "incomplete"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if not request.is_list:
            return await ctx.upstream(request)
        return Reply(302, (("location", ctx.decoy_url + request.target),))


@register
class RedirectLoop(Hostile):
    name = "redirect_loop"
    family = "redirects"
    description = "every list request is redirected (307) to itself"
    audit_expects = "incomplete"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if not request.is_list:
            return await ctx.upstream(request)
        return Reply(307, (("location", ctx.base_url + request.target),))


@register
class RedirectSameHost(Hostile):
    name = "redirect_same_host"
    family = "redirects"
    description = "every list request is redirected (301) to another path (/v2/...) on the same host"
    audit_expects = "incomplete"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if not request.is_list:
            return await ctx.upstream(request)
        return Reply(301, (("location", "/v2" + request.target),))


# ------------------------------------------------------------------ auth


@register
class UnauthorizedMidCrawl(Hostile):
    name = "unauthorized_mid_crawl"
    family = "auth"
    description = "the first two list requests succeed, every later one is 401 (a token rotated mid-crawl)"
    audit_expects = "incomplete"

    def __init__(self) -> None:
        self.lists = 0

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if request.is_list:
            self.lists += 1
            if self.lists > 2:
                return _error(401, "authentication failed: unknown auth_id or wrong auth_token")
        return await ctx.upstream(request)


@register
class ForbiddenMidCrawl(UnauthorizedMidCrawl):
    name = "forbidden_mid_crawl"
    family = "auth"
    description = "the first two list requests succeed, every later one is 403"
    audit_expects = "incomplete"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        reply = await super().answer(request, ctx)
        return _error(403, "forbidden") if reply.status == 401 else reply


# ------------------------------------------------------------------ rate limiting


class _RateLimited(Hostile):
    retry_after: str | None = None
    first_try_only = True

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if request.is_list and (request.attempt == 1 or not self.first_try_only):
            headers = (("retry-after", self.retry_after),) if self.retry_after is not None else ()
            return _error(429, "too many requests", *headers)
        return await ctx.upstream(request)


@register
class RateLimitedRetryAfter(_RateLimited):
    name = "rate_limited_retry_after"
    family = "rate limiting"
    description = "each list request's first try is 429 with Retry-After: 1"
    audit_expects = "exact"
    retry_after = "1"


@register
class RateLimitedNoRetryAfter(_RateLimited):
    name = "rate_limited_no_retry_after"
    family = "rate limiting"
    description = "each list request's first try is 429 without Retry-After"
    audit_expects = "exact"


@register
class RateLimitedAbsurdRetryAfter(_RateLimited):
    name = "rate_limited_absurd_retry_after"
    family = "rate limiting"
    description = "each list request's first try is 429 with Retry-After: 1000000000 (31 years)"
    audit_expects = "exact"
    retry_after = str(10**9)


@register
class RateLimitedNanRetryAfter(_RateLimited):
    name = "rate_limited_nan_retry_after"
    family = "rate limiting"
    description = "each list request's first try is 429 with Retry-After: nan"
    audit_expects = "exact"
    retry_after = "nan"


@register
class RateLimitedForever(_RateLimited):
    name = "rate_limited_forever"
    family = "rate limiting"
    description = "every list request is 429 with Retry-After: 1"
    audit_expects = "incomplete"
    retry_after = "1"
    first_try_only = False


# ------------------------------------------------------------------ server errors


@register
class ServerErrorAlways(Hostile):
    name = "server_error_always"
    family = "server errors"
    description = "every list request after the first is 503"
    audit_expects = "incomplete"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if request.is_list and request.index > 1:
            return _error(503, "service unavailable")
        return await ctx.upstream(request)


@register
class ServerErrorFirstTry(Hostile):
    name = "server_error_first_try"
    family = "server errors"
    description = "each list request's first try is 500"
    audit_expects = "exact"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if request.is_list and request.attempt == 1:
            return _error(500, "internal server error")
        return await ctx.upstream(request)


# ------------------------------------------------------------------ the type filter


@register
class TypeDefaultsToLocal(Hostile):
    name = "type_defaults_to_local"
    family = "type filter"
    description = "a list without type= lists only local numbers (as some SDK docs say); type= works"
    audit_expects = "exact"

    async def answer(self, request: Request, ctx: Context) -> Reply:
        if not request.is_list or request.query_value("type") or request.query_value("number_type"):
            return await ctx.upstream(request)
        reply = await ctx.upstream(request.with_query(type="local"))
        body = reply.json()
        if reply.status != 200 or not isinstance(body, dict):
            return reply
        # The default stays hidden: the links carry no type= either.
        meta = {
            k: v.replace("&type=local", "") if k in ("next", "previous") and isinstance(v, str) else v
            for k, v in body["meta"].items()
        }
        return reply.with_json({**body, "meta": meta})
