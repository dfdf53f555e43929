"""Client-side pacing and retry backoff."""

from __future__ import annotations

import asyncio
import time

import pytest

from audits.backoff import Backoff
from audits.ratelimit import DEFAULT_RATE, PLIVO_REQUESTS, PLIVO_WINDOW_S, RateLimiter


def test_default_rate_stays_inside_plivos_limit_with_headroom() -> None:
    assert DEFAULT_RATE * PLIVO_WINDOW_S < PLIVO_REQUESTS
    assert DEFAULT_RATE > 0.9 * PLIVO_REQUESTS / PLIVO_WINDOW_S


def test_limiter_spaces_requests_evenly() -> None:
    limiter = RateLimiter(rate=50.0)

    async def burst() -> list[float]:
        times = []
        for _ in range(11):
            await limiter.acquire()
            times.append(time.monotonic())
        return times

    times = asyncio.run(burst())
    # Slots are 20 ms apart; a late wake-up may shorten one gap but never buys a burst,
    # so any run of k grants spans at least (k - 1) slots from the first, undelayed one.
    for k in range(1, 11):
        assert times[k] - times[0] >= k * 0.02 - 0.002
    assert limiter.granted == 11


def test_concurrent_callers_share_one_pace() -> None:
    limiter = RateLimiter(rate=100.0)
    stamps: list[float] = []

    async def worker() -> None:
        for _ in range(5):
            await limiter.acquire()
            stamps.append(time.monotonic())

    async def many() -> None:
        await asyncio.gather(*(worker() for _ in range(4)))

    asyncio.run(many())
    stamps.sort()
    assert stamps[-1] - stamps[0] >= 19 * 0.01 - 0.002


def test_no_limit_grants_at_once() -> None:
    limiter = RateLimiter(rate=None)
    started = time.monotonic()

    async def many() -> None:
        await asyncio.gather(*(limiter.acquire() for _ in range(1000)))

    asyncio.run(asyncio.wait_for(many(), 5))
    assert limiter.granted == 1000
    assert time.monotonic() - started < 5
    limiter.slow_down()
    assert limiter.rate is None


def test_429_slows_the_limiter_down_to_half() -> None:
    limiter = RateLimiter(rate=50.0)
    limiter.slow_down()
    assert limiter.rate == pytest.approx(47.5)
    for _ in range(100):
        limiter.slow_down()
    assert limiter.rate == pytest.approx(25.0)


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        RateLimiter(rate=0)


def test_backoff_is_seeded_bounded_and_exponential() -> None:
    first = [Backoff(seed=3).delay(n) for n in range(1, 8)]
    again = [Backoff(seed=3).delay(n) for n in range(1, 8)]
    other = [Backoff(seed=4).delay(n) for n in range(1, 8)]
    assert first == again
    assert first != other
    backoff = Backoff(seed=1, base=0.2, cap=5.0)
    for attempt in range(1, 10):
        ceiling = min(5.0, 0.2 * 2 ** (attempt - 1))
        delays = [backoff.delay(attempt) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # jitter spreads over the whole range


def test_backoff_honours_retry_after_up_to_the_cap() -> None:
    backoff = Backoff(seed=1, base=0.01, cap=2.0)
    assert backoff.delay(1, retry_after=1.5) >= 1.5
    assert backoff.delay(1, retry_after=60) <= 2.0
