"""The inventory crawler: every number of an account, read politely and completely (or said not to be).

Page one tells ``total_count``; the remaining offsets are fetched concurrently
by a fixed pool of workers, each request paced by a RateLimiter (by default
inside Plivo's 300 requests per 5 s). 429, 5xx, timeouts and dropped
connections are retried with seeded exponential backoff and jitter. Numbers are
deduplicated, and at the end the count is checked against ``total_count``. Any
page that could not be read, or a count that does not add up, makes the
inventory incomplete, with the reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from audits.backoff import Backoff
from audits.model import NumberRecord
from audits.progress import Progress
from audits.ratelimit import DEFAULT_RATE, RateLimiter

__all__ = ["CrawlSettings", "CrawlStats", "Inventory", "crawl", "crawl_sync"]

PAGE_SIZE = 20
"""listNumbers answers at most 20 objects per page."""

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "plivo-number-audit/0.1 (+httpx)"


@dataclass(frozen=True)
class CrawlSettings:
    base_url: str
    auth_id: str
    auth_token: str = field(repr=False)
    concurrency: int = 20
    rate: float | None = DEFAULT_RATE
    attempts: int = 6
    timeout: float = 10.0
    seed: int = 0
    backoff_base: float = 0.2
    backoff_cap: float = 5.0

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {self.attempts}")

    @property
    def list_path(self) -> str:
        return f"/v1/Account/{self.auth_id}/Number/"

    def redact(self, text: str) -> str:
        """``text`` with the auth token removed; every message we keep passes through here."""
        return text.replace(self.auth_token, "[REDACTED]") if self.auth_token else text


@dataclass
class CrawlStats:
    requests: int = 0
    retries: int = 0
    pages_read: int = 0
    pages_failed: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    """HTTP status (or transport error kind) -> count, every attempt included."""
    elapsed_s: float = 0.0
    duplicates: int = 0
    peak_in_flight: int = 0
    final_rate: float | None = None
    """The client-side rate at the end (lower than configured after 429s); None when unlimited."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "pages_read": self.pages_read,
            "pages_failed": self.pages_failed,
            "statuses": dict(sorted(self.statuses.items())),
            "elapsed_s": round(self.elapsed_s, 3),
            "duplicates": self.duplicates,
            "peak_in_flight": self.peak_in_flight,
            "final_rate": None if self.final_rate is None else round(self.final_rate, 2),
        }

    def __repr__(self) -> str:
        return f"<CrawlStats {self.pages_read} pages, {self.requests} requests, {self.retries} retries>"


@dataclass
class Inventory:
    """The numbers read, deduplicated, and whether that is the whole account."""

    records: dict[str, NumberRecord]
    total_count: int | None
    problems: list[str]
    stats: CrawlStats

    @property
    def complete(self) -> bool:
        return not self.problems and self.total_count is not None and len(self.records) == self.total_count

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        state = "complete" if self.complete else "INCOMPLETE"
        return f"<Inventory {len(self.records)}/{self.total_count} {state}>"


class _PageError(Exception):
    """A page that cannot be read; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


_FATAL_HINTS = {
    401: "the credentials were refused: check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN",
    403: "the credentials may not list numbers: use the main account's (or the subaccount's own) auth id",
    404: "no such account path: check --base-url (the API root, e.g. https://api.plivo.com) "
    "and PLIVO_AUTH_ID",
}


class _Crawler:
    def __init__(
        self,
        settings: CrawlSettings,
        clients: contextlib.AsyncExitStack,
        transport: httpx.AsyncBaseTransport | None,
        progress: Progress,
    ) -> None:
        self.settings = settings
        self.clients = clients
        self.transport = transport
        # Loading the CA bundle takes ~50 ms; once per crawl, not once per worker.
        self.ssl_context = httpx.create_ssl_context()
        self.progress = progress
        self.limiter = RateLimiter(settings.rate)
        self.backoff = Backoff(settings.seed, settings.backoff_base, settings.backoff_cap, settings.attempts)
        self.stats = CrawlStats()
        self.records: dict[str, NumberRecord] = {}
        self.problems: list[str] = []
        self.totals: set[int] = set()
        self.in_flight = 0
        self.fatal: str | None = None

    async def client(self) -> httpx.AsyncClient:
        """A client with one connection, for one worker.

        One pool per worker rather than one shared pool of ``concurrency``
        connections: httpcore scans every connection of a pool on each request, so a
        shared pool costs O(concurrency) CPU per request.
        """
        settings = self.settings
        return await self.clients.enter_async_context(
            httpx.AsyncClient(
                base_url=settings.base_url,
                auth=httpx.BasicAuth(settings.auth_id, settings.auth_token),
                timeout=settings.timeout,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                verify=self.ssl_context,
                transport=self.transport,
                headers={"User-Agent": USER_AGENT},
            )
        )

    async def run(self) -> Inventory:
        started = time.monotonic()
        first_client = await self.client()
        try:
            first = await self.page(0, first_client)
        except _PageError as error:
            self.problems.append(f"page 1 (offset 0) could not be read: {error}")
            return self.inventory(None, started)
        total = first["meta"]["total_count"]
        offsets = list(range(PAGE_SIZE, total, PAGE_SIZE))
        self.progress.start(len(offsets) + 1)
        self.progress.update(1, len(self.records), self.stats.retries)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for offset in offsets:
            queue.put_nowait(offset)
        clients = [first_client]
        while len(clients) < min(self.settings.concurrency, len(offsets)):
            clients.append(await self.client())
        workers = [asyncio.create_task(self.worker(queue, client)) for client in clients]
        await asyncio.gather(*workers)
        self.progress.finish()
        if not queue.empty():
            self.problems.append(f"{queue.qsize()} page(s) not requested after a refusal: {self.fatal}")
        self.check_counts(total)
        return self.inventory(total, started)

    async def worker(self, queue: asyncio.Queue[int], client: httpx.AsyncClient) -> None:
        while not queue.empty() and self.fatal is None:
            offset = queue.get_nowait()
            try:
                await self.page(offset, client)
            except _PageError as error:
                self.stats.pages_failed += 1
                self.problems.append(f"page at offset {offset} could not be read: {error}")
                if not error.retryable:
                    # A refusal (401/403/404) will not change for the next page either.
                    self.fatal = str(error)
            self.progress.update(
                self.stats.pages_read + self.stats.pages_failed, len(self.records), self.stats.retries
            )

    async def page(self, offset: int, client: httpx.AsyncClient) -> dict[str, Any]:
        """One page, retried; its objects are added to the inventory."""
        for attempt in range(1, self.settings.attempts + 1):
            try:
                body = await self.fetch(offset, client)
            except _PageError as error:
                if not error.retryable or attempt == self.settings.attempts:
                    if error.retryable:
                        raise _PageError(f"{error} (gave up after {attempt} attempts)", True) from None
                    raise
                self.stats.retries += 1
                await asyncio.sleep(self.backoff.delay(attempt, error.retry_after))
                continue
            self.stats.pages_read += 1
            self.totals.add(body["meta"]["total_count"])
            for obj in body["objects"]:
                record = NumberRecord.from_api(obj)
                if record.number in self.records:
                    self.stats.duplicates += 1
                self.records[record.number] = record
            return body
        raise AssertionError("unreachable: the loop returns or raises")

    async def fetch(self, offset: int, client: httpx.AsyncClient) -> dict[str, Any]:
        await self.limiter.acquire()
        self.stats.requests += 1
        self.in_flight += 1
        self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.in_flight)
        try:
            response = await client.get(
                self.settings.list_path, params={"limit": PAGE_SIZE, "offset": offset}
            )
        except httpx.TimeoutException as error:
            self.stats.statuses[type(error).__name__] += 1
            raise _PageError(f"timed out ({type(error).__name__})", retryable=True) from None
        except httpx.TransportError as error:
            # Connection refused or reset, protocol errors: worth another try.
            self.stats.statuses[type(error).__name__] += 1
            raise _PageError(
                self.settings.redact(f"{type(error).__name__}: {error}"), retryable=True
            ) from None
        finally:
            self.in_flight -= 1
        self.stats.statuses[str(response.status_code)] += 1
        if response.status_code == 429:
            self.limiter.slow_down()
        if response.status_code in RETRYABLE_STATUS:
            raise _PageError(
                f"HTTP {response.status_code}{_error_text(response, self.settings)}",
                retryable=True,
                retry_after=_retry_after(response),
            )
        if response.status_code != 200:
            hint = _FATAL_HINTS.get(response.status_code, "the request was refused")
            raise _PageError(
                f"HTTP {response.status_code}{_error_text(response, self.settings)}; {hint}", retryable=False
            )
        return _page_body(response, offset)

    def check_counts(self, total: int) -> None:
        if len(self.totals) > 1:
            seen = ", ".join(str(t) for t in sorted(self.totals))
            self.problems.append(
                f"total_count changed during the crawl ({seen}): the inventory moved; run again"
            )
        found = len(self.records)
        if not self.stats.pages_failed and found != total:
            what = "missing" if found < total else "more than total_count"
            self.problems.append(
                f"{found} distinct numbers read but total_count is {total} ({abs(total - found)} {what})"
            )

    def inventory(self, total: int | None, started: float) -> Inventory:
        self.stats.elapsed_s = time.monotonic() - started
        self.stats.final_rate = self.limiter.rate
        return Inventory(self.records, total, [self.settings.redact(p) for p in self.problems], self.stats)


def _page_body(response: httpx.Response, offset: int) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise _PageError("HTTP 200 with a body that is not JSON", retryable=True) from None
    meta = body.get("meta") if isinstance(body, dict) else None
    objects = body.get("objects") if isinstance(body, dict) else None
    total = meta.get("total_count") if isinstance(meta, dict) else None
    if not isinstance(total, int) or not isinstance(objects, list):
        raise _PageError("HTTP 200 without meta.total_count and objects", retryable=True)
    if not all(isinstance(o, dict) and isinstance(o.get("number"), str) for o in objects):
        raise _PageError(f"page at offset {offset} has objects without a number", retryable=True)
    return body


def _error_text(response: httpx.Response, settings: CrawlSettings) -> str:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    return settings.redact(f" ({str(error)[:200]})") if error else ""


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


async def crawl(
    settings: CrawlSettings,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
) -> Inventory:
    """Read the whole inventory behind ``settings`` (see the module docstring)."""
    async with contextlib.AsyncExitStack() as clients:
        return await _Crawler(settings, clients, transport, progress or Progress(enabled=False)).run()


def crawl_sync(settings: CrawlSettings, progress: Progress | None = None) -> Inventory:
    return asyncio.run(crawl(settings, progress=progress))
