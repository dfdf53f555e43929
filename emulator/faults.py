"""Faults for testing clients: latency, Plivo-like rate limiting, 5xx answers, dropped connections.

Off unless configured (EmulatorConfig.faults or the CLI's fault options). Faults are
drawn from a random stream seeded from the emulator's seed, so a run is replayable
for a given request order.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from .accounts import basic_credentials
from .config import Faults
from .errors import error_response

# The scope extension a server sets when it starts stopping (emulator.serve.ServedApp).
STOPPING = "emulator.stopping"


async def _sleep_unless_stopping(scope: Scope, delay: float) -> bool:
    """Sleep ``delay`` seconds; True at once if the server starts stopping meanwhile."""
    stopping = (scope.get("extensions") or {}).get(STOPPING)
    if not isinstance(stopping, asyncio.Event):
        await asyncio.sleep(delay)
        return False
    try:
        await asyncio.wait_for(stopping.wait(), delay)
    except TimeoutError:
        return False
    return True


class ConnectionDropped(Exception):
    """Raised to abandon a request mid-answer; a server closes the connection on it."""


class RateLimiter:
    """Sliding-window limit per key: at most ``limit`` requests in any ``window`` seconds.

    Plivo publishes "300 API requests per 5 seconds" and not how it counts them. Of the
    common readings (any 5 s interval, fixed 5 s buckets, a token bucket of 300 refilled at
    60/s) this one is the strictest: a client that never draws a 429 here draws none
    under the other two (openapi/pacing.py proves it), so the emulator keeps it. A request
    is counted when the fault layer reaches it, after any latency fault: on the server's
    clock, not the client's. Refused requests are not counted.

    Keys come from what clients send (any auth_id), so at most ``max_keys`` are tracked:
    past that, keys with no request left in the window are forgotten, then the oldest.
    """

    MAX_KEYS = 10_000

    def __init__(self, limit: int, window: float, max_keys: int = MAX_KEYS) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.get(key)
            if times is None:
                times = self._seen[key] = deque()
                if len(self._seen) > self.max_keys:
                    self._forget(now, keep=key)
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True

    def _forget(self, now: float, keep: str) -> None:
        expired = [k for k, t in self._seen.items() if k != keep and (not t or t[-1] <= now - self.window)]
        for key in expired:
            del self._seen[key]
        for key in list(self._seen)[: max(0, len(self._seen) - self.max_keys)]:
            if key != keep:
                del self._seen[key]

    def __len__(self) -> int:
        return len(self._seen)

    def __repr__(self) -> str:
        return f"<RateLimiter {self.limit}/{self.window}s keys={len(self._seen)}>"


def _user_name(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            credentials = basic_credentials(value.decode("latin-1"))
            if credentials is not None:
                return credentials[0]
            break
    client = scope.get("client")
    return f"anonymous:{client[0] if client else '?'}"


class FaultMiddleware:
    """Applies a Faults setting in front of the API."""

    def __init__(
        self, app: ASGIApp, faults: Faults, seed: int, account_of: Callable[[str], str] = str
    ) -> None:
        self.app = app
        self.faults = faults
        # Plivo limits per account: a subaccount's requests count against its main account.
        self.account_of = account_of
        self.rng = random.Random(f"faults:{seed}")
        self.limiter = RateLimiter(faults.rate_limit, faults.rate_window) if faults.rate_limit else None

    def __repr__(self) -> str:
        return f"<FaultMiddleware {self.faults!r}>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults = self.faults
        if scope["type"] != "http" or not faults.active:
            await self.app(scope, receive, send)
            return
        delay = faults.latency + (self.rng.uniform(0, faults.jitter) if faults.jitter else 0.0)
        if delay and await _sleep_unless_stopping(scope, delay):
            await error_response(
                503, "service unavailable: the emulator is stopping", {"Connection": "close"}
            )(scope, receive, send)
            return
        if self.limiter is not None and not self.limiter.allow(self.account_of(_user_name(scope))):
            window = f"{faults.rate_window:g}"
            await error_response(
                429, f"too many requests: more than {faults.rate_limit} requests in {window} seconds"
            )(scope, receive, send)
            return
        if faults.drop_rate and self.rng.random() < faults.drop_rate:
            # A server cannot close before the status line once the app runs, so announce a
            # body and never send it: clients see the connection end mid-answer.
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]}
            )
            raise ConnectionDropped("connection dropped by the emulator's drop_rate fault")
        if faults.error_rate and self.rng.random() < faults.error_rate:
            status = self.rng.choice(faults.error_statuses)
            message = "internal server error" if status == 500 else "service unavailable"
            await error_response(status, message)(scope, receive, send)
            return
        await self.app(scope, receive, send)
