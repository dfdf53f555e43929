"""Client-side pacing that keeps a crawl inside Plivo's published limit.

Plivo allows 300 API requests per 5 seconds per account and answers 429 beyond
that (tests/fixtures/plivo-sdk/README.md). Requests are spaced evenly rather
than sent in bursts: an evenly paced client never has more than the limit in any
5-second window however the server aligns its window.

The server counts when it handles a request, not when we sent it, so its clock
sees our even spacing with jitter (network, a busy server). At rate r the count
in a 5 s window stays within 300 while that jitter is below 300/r - 5 s: 8%
headroom (55.2/s) tolerates 0.43 s, and measured against an emulator on a busy
2-core machine, 1% headroom still drew a few 429s. A 429 slows the limiter
further (5% each, at most halving it), in case the server's clock is even less
steady than that.
"""

from __future__ import annotations

import asyncio
import time

__all__ = ["DEFAULT_RATE", "PLIVO_REQUESTS", "PLIVO_WINDOW_S", "RateLimiter"]

PLIVO_REQUESTS = 300
PLIVO_WINDOW_S = 5.0
HEADROOM = 0.08
DEFAULT_RATE = PLIVO_REQUESTS / PLIVO_WINDOW_S * (1 - HEADROOM)
"""55.2 requests per second: Plivo's 60/s less 8% headroom for jitter."""
SLOW_DOWN = 0.95
FLOOR = 0.5


class RateLimiter:
    """Grants one request every ``1/rate`` seconds; ``rate=None`` grants at once (no limit)."""

    def __init__(self, rate: float | None = DEFAULT_RATE) -> None:
        if rate is not None and rate <= 0:
            raise ValueError(f"rate must be positive requests per second, or None for no limit; got {rate}")
        self.rate = rate
        self.initial_rate = rate
        self._interval = 0.0 if rate is None else 1.0 / rate
        self._next = 0.0
        self.granted = 0

    async def acquire(self) -> None:
        self.granted += 1
        if self.rate is None:
            return
        now = time.monotonic()
        # A late caller gets "now", not the missed slots: catching up would be a burst.
        slot = max(now, self._next)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def slow_down(self) -> None:
        """The server said 429: pace 5% slower from now on, down to half the initial rate."""
        if self.rate is None or self.initial_rate is None:
            return
        self.rate = max(self.rate * SLOW_DOWN, self.initial_rate * FLOOR)
        self._interval = 1.0 / self.rate

    def __repr__(self) -> str:
        rate = "unlimited" if self.rate is None else f"{self.rate:.1f}/s"
        return f"<RateLimiter {rate} granted={self.granted}>"
