"""Rate limit variants: Plivo's published limit, enforced."""

from __future__ import annotations

import math
import threading
import weakref
from typing import Any

from emulator.defects.asgi import Incoming, Reply
from emulator.faults import RateLimiter

from .base import Variant, error_reply, register

FAMILY = "rate limits"
LIMIT, WINDOW_S = 300, 5.0


class RateLimited(Variant):
    """300 requests per 5 s per account (a subaccount's count against its main account), then 429."""

    family = FAMILY
    retry_after = False

    def __init__(self) -> None:
        # One limiter per emulator app; the catalogue's instance is shared by every app built.
        self._limiters: weakref.WeakKeyDictionary[Any, RateLimiter] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def _limiter(self, state: Any) -> RateLimiter:
        with self._lock:
            limiter = self._limiters.get(state)
            if limiter is None:
                limiter = self._limiters[state] = RateLimiter(LIMIT, WINDOW_S)
            return limiter

    def answer(self, incoming: Incoming) -> Reply | None:
        state = incoming.state
        if state is None or incoming.path_auth_id is None:
            return None
        creds = incoming.basic_auth
        key = state.directory.main_of(creds[0]) if creds else "anonymous"
        if self._limiter(state).allow(key):
            return None
        headers = {"retry-after": str(math.ceil(WINDOW_S))} if self.retry_after else None
        return error_reply(429, f"too many requests: more than {LIMIT} in {WINDOW_S:g} seconds", headers)


@register
class RateLimited429(RateLimited):
    name = "rate_limited_429"
    description = "more than 300 requests in 5 s on one account are answered 429 (no Retry-After)"
    allowed_by = (
        "Plivo's published limits: 300 API requests per 5 seconds per account, answered with 429 Too "
        "Many Requests beyond that, no Retry-After documented (tests/fixtures/plivo-sdk/README.md; D16)"
    )


@register
class RateLimited429RetryAfter(RateLimited):
    name = "rate_limited_429_retry_after"
    description = "more than 300 requests in 5 s on one account are answered 429 with Retry-After: 5"
    allowed_by = (
        "Plivo's published limits: 300 API requests per 5 seconds per account, answered with 429 Too "
        "Many Requests (tests/fixtures/plivo-sdk/README.md; D16); RFC 6585 section 4: a 429 MAY carry "
        "Retry-After"
    )
    retry_after = True
