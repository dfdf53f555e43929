"""The crawler against the emulator's own rate limit, counted on the server's clock.

A reduced benchmarks/pacing.py: a budget of 20 per 3 s instead of 300 per 5 s. What is
asserted are counts (no 429; requests per window as the server saw them), never durations.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from audits.inventory import CrawlSettings, Inventory, crawl, documented_types
from audits.target import AuditTarget, emulator_target
from emulator import EmulatorConfig, Faults, create_app
from emulator.serve import serve

LIMIT, WINDOW = 20, 3.0


class AdmittedAt:
    """Inside the emulator's fault layer: when each request the rate limit let through got there."""

    times: list[float]

    def __init__(self, app: ASGIApp, times: list[float]) -> None:
        self.app = app
        self.times = times

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.times.append(time.monotonic())
        await self.app(scope, receive, send)


def per_window(times: list[float], window: float) -> list[int]:
    """For each admitted request, how many were admitted in the window it opens."""
    times = sorted(times)
    return [bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)]


@contextlib.contextmanager
def limited(limit: int = LIMIT, window: float = WINDOW) -> Iterator[tuple[Any, AuditTarget, list[float]]]:
    """An emulator enforcing ``limit`` per ``window`` s; yields it, its target, and admission times."""
    admitted: list[float] = []
    config = EmulatorConfig(numbers=500, faults=Faults(rate_limit=limit, rate_window=window))
    app = create_app(config, middleware=[Middleware(AdmittedAt, times=admitted)])
    with serve(app, host="127.0.0.1", port=0) as base_url:
        yield app, emulator_target(app, base_url, "rate-limited emulator", "test|ratelimit"), admitted


def crawl_with(target: AuditTarget, **options: Any) -> Inventory:
    settings = CrawlSettings(
        base_url=target.base_url, auth_id=target.auth_id, auth_token=target.auth_token, **options
    )
    return asyncio.run(crawl(settings))


def test_the_whole_budget_goes_in_a_burst_and_the_server_refuses_nothing() -> None:
    with limited() as (app, target, admitted):
        inventory = crawl_with(target, rate=LIMIT / WINDOW, window_s=WINDOW, concurrency=10)
    statuses = [record.status for record in app.state.request_log]
    assert inventory.complete, inventory.problems
    # 25 pages and one limit=1 request per documented type: 30 requests, more than one window.
    requests = 25 + len(documented_types())
    assert len(statuses) == inventory.stats.requests == len(admitted) == requests
    assert 429 not in statuses
    assert inventory.stats.statuses == {"200": requests}
    counts = per_window(admitted, WINDOW)
    assert max(counts) == LIMIT, "the budget is spent whole, and never exceeded"
    # Burst-aware: the first window's budget is spent in its first half (evenly spaced
    # requests would put about LIMIT / 2 there), and the rest waits for the next window.
    assert per_window(admitted, WINDOW / 2)[0] == LIMIT
    assert counts[0] == LIMIT
    assert inventory.stats.final_rate == pytest.approx(LIMIT / WINDOW)


def test_a_server_stricter_than_the_budget_is_retried_and_slows_the_crawl() -> None:
    # Twice the server's budget: 429s, retried after a pause that holds every worker.
    with limited(limit=10, window=1.0) as (app, target, _admitted):
        inventory = crawl_with(target, rate=20.0, window_s=1.0, concurrency=10, attempts=12, backoff_cap=1.0)
    statuses = [record.status for record in app.state.request_log]
    assert inventory.complete, inventory.problems
    assert statuses.count(429) == inventory.stats.statuses["429"] == inventory.stats.retries > 0
    assert inventory.stats.final_rate is not None
    assert inventory.stats.final_rate < 20.0
    assert "slowed" in inventory.stats.pacer


def test_the_pacing_benchmark_reads_where_the_time_went_from_the_servers_clock() -> None:
    from benchmarks.pacing import server_view

    # 650 requests under 300 per 5 s: three bursts 1 ms apart inside, each window W + 70 ms
    # after the one before (the answer-anchored pacer's latency and margin).
    times = [i * 0.001 for i in range(300)]
    times += [5.07 + i * 0.001 for i in range(300)]
    times += [10.14 + i * 0.001 for i in range(50)]
    busiest, tightest, chain_start, step = server_view(times)
    assert busiest == 300
    assert tightest == pytest.approx(0.07)
    # The last request (649) waited on 349, which waited on 49: the 50th of the opening burst.
    assert chain_start == pytest.approx(0.049)
    assert step == pytest.approx(0.07)
