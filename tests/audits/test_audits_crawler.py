"""The crawler against the emulator over real HTTP on loopback: exact, polite, retrying, honest."""

from __future__ import annotations

import asyncio
import io
import json
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from audits.inventory import CrawlSettings, Inventory, crawl, documented_types
from audits.progress import Progress
from audits.target import AuditTarget
from emulator import Faults

Served = Callable[..., Any]


def settings_for(target: AuditTarget, **options: Any) -> CrawlSettings:
    return CrawlSettings(
        base_url=target.base_url, auth_id=target.auth_id, auth_token=target.auth_token, **options
    )


def run_crawl(
    target: AuditTarget, transport: httpx.AsyncBaseTransport | None = None, **options: Any
) -> Inventory:
    return asyncio.run(crawl(settings_for(target, **options), transport=transport))


def expected_numbers(app: Any) -> set[str]:
    return set(app.state.store.numbers(app.state.demo.auth_id))


def test_reads_exactly_the_inventory(served: Served) -> None:
    with served(numbers=300) as (app, target):
        inventory = run_crawl(target)
        queries = [dict(p.split("=") for p in r.query.split("&")) for r in app.state.request_log]
    pages = [q for q in queries if "type" not in q]
    checks = [q for q in queries if "type" in q]
    assert inventory.complete
    assert set(inventory.records) == expected_numbers(app)
    assert len(inventory) == inventory.total_count == 300
    # 15 pages, and one limit=1 request per documented type for the completeness cross-check.
    assert inventory.stats.requests == 20
    assert inventory.stats.statuses == {"200": 20}
    assert sorted(int(q["offset"]) for q in pages) == list(range(0, 300, 20))
    assert sorted(q["type"] for q in checks) == sorted(documented_types())
    assert {q["limit"] for q in checks} == {"1"}
    assert sum(inventory.stats.type_totals.values()) == 300


def test_the_per_type_totals_are_asked_in_the_opening_burst_not_after_the_last_page(served: Served) -> None:
    # Asked last, each was a round trip past the last page; against a rate limit, in a window
    # of its own. The workers ask first, two at a time here, and the list is judged as before.
    with served(numbers=300) as (app, target):
        inventory = run_crawl(target, concurrency=2)
        queries = [dict(p.split("=") for p in r.query.split("&")) for r in app.state.request_log]
    assert inventory.complete
    assert sum(inventory.stats.type_totals.values()) == 300
    checks = [i for i, q in enumerate(queries) if "type" in q]
    assert len(checks) == len(documented_types())
    # Page one, then the two workers' first requests are type totals until none is left.
    assert checks == list(range(1, 1 + len(documented_types())))
    assert queries[-1].get("type") is None


def test_a_deadline_mid_crawl_loses_no_page_that_was_read(served: Served) -> None:
    # Pages are stored by a task of their own while the workers send; the deadline cancels
    # the crawl with pages queued, and every page read must still be in the inventory.
    # 200 pages at 50 ms need 0.5 s at least (10 rounds of 20 workers); the deadline is 0.3 s.
    async def crawl_and_look_around(settings: CrawlSettings) -> tuple[Inventory, set[asyncio.Task[Any]]]:
        inventory = await crawl(settings)
        return inventory, asyncio.all_tasks() - {asyncio.current_task()}

    with served(numbers=4000, faults=Faults(latency=0.05)) as (_app, target):
        settings = settings_for(target, deadline=0.3, rate=None, type_check=False)
        inventory, left = asyncio.run(crawl_and_look_around(settings))
    # Nothing of the crawl runs on past its deadline (asyncio.wait_for on 3.11 could lose the
    # cancellation and leave workers crawling on closed clients for tens of seconds).
    assert left == set()
    assert not inventory.complete
    assert any("deadline of 0.3 s" in p for p in inventory.problems)
    assert 0 < inventory.stats.pages_read < 200
    assert len(inventory) == 20 * inventory.stats.pages_read


def test_an_error_storing_a_page_stops_the_crawl_incomplete_not_hung(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audits.spool import RecordStore

    put = RecordStore.put
    calls = []

    def failing_put(self: RecordStore, records: Any) -> None:
        calls.append(1)
        if len(calls) == 4:
            raise OSError("disk full (the test's)")
        put(self, records)

    monkeypatch.setattr(RecordStore, "put", failing_put)
    with served(numbers=600) as (_app, target):
        inventory = asyncio.run(asyncio.wait_for(crawl(settings_for(target, rate=None)), timeout=60))
    assert not inventory.complete
    assert any("unexpected error: OSError: disk full (the test's)" in p for p in inventory.problems)


def test_empty_account_is_complete(served: Served) -> None:
    with served(numbers=0) as (_app, target):
        inventory = run_crawl(target)
    assert inventory.complete
    assert len(inventory) == 0
    # Page one, then the per-type cross-check (an empty unfiltered list may hide a type).
    assert inventory.stats.requests == 1 + len(documented_types())


def test_rate_limit_and_five_percent_failures_still_give_the_exact_inventory(served: Served) -> None:
    faults = Faults(rate_limit=8, rate_window=1.0, error_rate=0.05, drop_rate=0.02)
    with served(numbers=300, seed=11, faults=faults) as (app, target):
        # Unpaced and wide, so the emulator's limit is really hit and 429s are retried.
        inventory = run_crawl(
            target, rate=None, concurrency=10, attempts=12, backoff_base=0.1, backoff_cap=1.0
        )
    assert inventory.complete, inventory.problems
    assert set(inventory.records) == expected_numbers(app)
    assert inventory.stats.statuses["429"] > 0
    assert inventory.stats.retries > 0
    assert inventory.stats.pages_read == 15


def test_paced_crawler_stays_inside_the_rate_limit(served: Served) -> None:
    # The whole budget, 20 per 2 s, no headroom: windows anchored on answers leave none to need.
    with served(numbers=300, faults=Faults(rate_limit=20, rate_window=2.0)) as (app, target):
        inventory = run_crawl(target, rate=10.0, window_s=2.0, concurrency=5)
    assert inventory.complete
    assert "429" not in inventory.stats.statuses
    assert set(inventory.records) == expected_numbers(app)


class FaultyNetwork(httpx.AsyncBaseTransport):
    """Real HTTP, except for what ``alter`` does to chosen pages."""

    def __init__(self, alter: Callable[[int, httpx.Response], httpx.Response | None]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.alter = alter
        self.offsets: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", "0"))
        self.offsets.append(offset)
        response = await self.inner.handle_async_request(request)
        await response.aread()
        return self.alter(offset, response) or response

    async def aclose(self) -> None:
        await self.inner.aclose()


def rewrite(response: httpx.Response, change: Callable[[dict[str, Any]], None]) -> httpx.Response:
    body = json.loads(response.content)
    change(body)
    return httpx.Response(response.status_code, json=body)


def test_a_page_that_never_answers_makes_the_inventory_incomplete(served: Served) -> None:
    network = FaultyNetwork(
        lambda offset, _r: httpx.Response(503, json={"error": "unavailable"}) if offset == 40 else None
    )
    with served(numbers=300) as (_app, target):
        inventory = run_crawl(target, transport=network, attempts=3, backoff_base=0.01)
    assert not inventory.complete
    assert network.offsets.count(40) == 3
    assert inventory.stats.pages_failed == 1
    assert len(inventory) == 280
    assert any(
        "offset 40" in p and "HTTP 503 (unavailable)" in p and "3 attempts" in p for p in inventory.problems
    )


def test_a_short_page_is_caught_by_the_total_count_check(served: Served) -> None:
    def drop_one(offset: int, response: httpx.Response) -> httpx.Response | None:
        return rewrite(response, lambda body: body["objects"].pop()) if offset == 100 else None

    with served(numbers=300) as (_app, target):
        inventory = run_crawl(target, transport=FaultyNetwork(drop_one))
    assert not inventory.complete
    assert inventory.problems == ["299 distinct numbers read but total_count is 300 (1 missing)"]


def test_duplicates_are_counted_once_and_the_gap_is_reported(served: Served) -> None:
    pages: dict[int, list[Any]] = {}

    def repeat(offset: int, response: httpx.Response) -> httpx.Response | None:
        pages[offset] = json.loads(response.content)["objects"]
        if offset == 60 and 40 in pages:
            return rewrite(response, lambda body: body.update(objects=pages[40]))
        return None

    with served(numbers=300) as (_app, target):
        inventory = run_crawl(target, transport=FaultyNetwork(repeat), concurrency=1)
    assert inventory.stats.duplicates == 20
    assert len(inventory) == 280
    assert not inventory.complete


def test_a_moving_total_count_is_reported(served: Served) -> None:
    def grow(offset: int, response: httpx.Response) -> httpx.Response | None:
        return rewrite(response, lambda body: body["meta"].update(total_count=301)) if offset == 200 else None

    with served(numbers=300) as (_app, target):
        inventory = run_crawl(target, transport=FaultyNetwork(grow))
    assert not inventory.complete
    assert any("total_count changed during the crawl (300, 301)" in p for p in inventory.problems)


def test_unreachable_server_is_incomplete_not_clean() -> None:
    # A port nothing listens on: connection refused on every try.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = AuditTarget("down", f"http://127.0.0.1:{port}", "MA" + "X" * 18, "secret-token-xyz", "down")
    inventory = run_crawl(target, attempts=2, backoff_base=0.01)
    assert not inventory.complete
    assert inventory.total_count is None
    assert "page 1 (offset 0) could not be read: ConnectError" in inventory.problems[0]
    assert "gave up after 2 attempts" in inventory.problems[0]


def test_wrong_token_is_refused_once_with_a_hint_and_never_echoed(served: Served) -> None:
    with served(numbers=300) as (_app, real):
        token = "wrong-" + real.auth_token[::-1]
        target = AuditTarget("t", real.base_url, real.auth_id, token, "t")
        inventory = run_crawl(target)
    assert not inventory.complete
    assert inventory.stats.requests == 1
    [problem] = inventory.problems
    assert "HTTP 401" in problem
    assert "check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN" in problem
    assert token not in repr(inventory) + problem + repr(settings_for(target))


def test_progress_bar_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    piped, tty = io.StringIO(), Terminal()
    for stream in (piped, tty):
        progress = Progress(stream)
        progress.start(10)
        progress.update(10, 200, 1)
        progress.finish()
    assert piped.getvalue() == ""
    assert "10/10 pages, 200 numbers, 1 retries" in tty.getvalue()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"concurrency": 0}, "must be at least 1"),
        ({"attempts": 0}, "must be at least 1"),
        ({"max_numbers": 0}, "must be at least 1"),
        ({"timeout": float("inf")}, "positive number of seconds"),
        ({"deadline": 0}, "positive number of seconds"),
    ],
)
def test_settings_refuse_nonsense(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CrawlSettings(base_url="http://127.0.0.1:1", auth_id="MA", auth_token="t", **bad)


def test_a_refusal_mid_crawl_stops_the_crawl_and_says_what_was_skipped(served: Served) -> None:
    network = FaultyNetwork(
        lambda offset, _r: httpx.Response(403, json={"error": "forbidden"}) if offset == 100 else None
    )
    with served(numbers=300) as (_app, target):
        inventory = run_crawl(target, transport=network, concurrency=1)
    assert not inventory.complete
    assert network.offsets.count(100) == 1  # a refusal is not retried
    assert max(network.offsets) == 100
    assert inventory.problems[0].startswith("page at offset 100 could not be read: HTTP 403 (forbidden)")
    assert inventory.problems[1].startswith("9 page(s) not requested after a refusal")
