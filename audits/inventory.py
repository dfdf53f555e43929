"""The inventory crawler: every number of an account, read politely and completely (or said not to be).

Page one tells ``total_count``; the other offsets are handed out one at a time to a fixed
pool of workers, each exchange held in a slot of the shared pacer (``openapi.pacing``: by
default Plivo's 300 requests in any 5 s, spent in bursts, with the window anchored on the
answers so the server's clock cannot push a burst over). Nothing is sized by a number the
server supplied until it has passed a plausibility check, every exchange is bounded
(``openapi.bounded``: a total deadline, body included, and a cap on the decompressed body)
and so is the crawl as a whole.

The inventory is called complete only when it is known to be whole and every number could
be read; otherwise it is INCOMPLETE with the reasons:

* ``total_count`` must be an integer from 0 to ``max_numbers``;
* a page that comes back empty before ``total_count`` is reached stops the listing;
* when the last page's ``meta.next`` still points on, the pages after ``total_count`` are
  read too (the evidence is followed, up to ``max_numbers``) and the lying count reported;
* the distinct numbers read (duplicates counted once) must equal ``total_count``;
* one ``limit=1`` request per documented ``type`` value gives per-type totals; a type with
  more numbers than the unfiltered list showed (some SDK docs say ``type`` defaults to
  local) is crawled on its own and united with the rest, and must then add up. The
  workers ask for these totals first, in the crawl's opening burst, and they are judged
  once the list is read: asked for last, they were a round trip each past the last page,
  in the window after it (0.4 s of a rate-limited 100,000-number crawl);
* every object must carry a readable number, and every number readable compliance fields
  (``NumberRecord.problems``, reported by the ``data-missing-field`` rule).

429, 5xx, deadlines, resets and truncated or unparseable bodies are retried ``attempts``
times in one loop (``fetch_retried``; nothing below it retries), each attempt in a slot of
its own, after the pacer's pause: seeded backoff and jitter, Retry-After believed up to
``backoff_cap`` (a longer request is noted), and on a 429 a hold on every worker and a 5%
slower pace. Redirects are never followed, so credentials never go to another
host; like 401, 403 and 404 they end the crawl. Every message kept is redacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import math
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

import openapi
from audits.model import NumberRecord, json_type
from audits.progress import Progress
from audits.spool import ListedNumbers, RecordStore
from openapi.bounded import DEFAULT_LIMITS, BodyTooLarge, DeadlineExceeded, Limits, send_async
from openapi.pacing import PLIVO, Backoff, Budget, Pacer
from openapi.redaction import Redactor
from openapi.retry_after import retry_after as _retry_after

__all__ = [
    "CRAWL_DEADLINE_S",
    "DEFAULT_RATE",
    "MAX_NUMBERS",
    "MAX_PAGE_BYTES",
    "CrawlSettings",
    "CrawlStats",
    "Inventory",
    "crawl",
    "crawl_sync",
    "documented_types",
]

PAGE_SIZE = 20
DEFAULT_RATE = PLIVO.rate
"""60 requests per second over Plivo's 5 s window: the whole budget, 300 in any 5 s, spent in
bursts. No headroom: the pacer anchors each window on the answers (openapi.pacing)."""
"""listNumbers answers at most 20 objects per page."""
MAX_NUMBERS = 1_000_000
"""The largest total_count believed (``--max-numbers``): 50,000 pages, about 14 minutes at 60 requests/s."""
CRAWL_DEADLINE_S = 3600.0
"""The whole crawl's deadline (``--deadline``): four times what MAX_NUMBERS takes at the default pace."""
MAX_PAGE_BYTES = DEFAULT_LIMITS.max_bytes
"""Decompressed body cap per answer (8 MiB; an honest page of 20 numbers is about 15 KiB)."""
QUOTED_CHARS = 200
"""At most this much of what a server said is quoted in a message."""

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "plivo-number-audit/0.1 (+httpx)"


@functools.cache
def documented_types() -> tuple[str, ...]:
    """The values of listNumbers' ``type`` filter, from the spec."""
    _method, _path, operation = openapi.operation("listNumbers", "documented")
    for parameter in operation["parameters"]:
        if parameter["name"] == "type":
            return tuple(parameter["schema"]["enum"])
    return ()


@functools.lru_cache(maxsize=8)
def _redactor(auth_id: str, token: str) -> Redactor:
    return Redactor.for_credentials([(auth_id, token)])


@dataclass(frozen=True)
class CrawlSettings:
    base_url: str
    auth_id: str
    auth_token: str = field(repr=False)
    concurrency: int = 20
    rate: float | None = DEFAULT_RATE
    """Requests per second, None for no limit: at most ``rate`` x ``window_s`` in any ``window_s``."""
    window_s: float = PLIVO.window_s
    """The server's window (Plivo's is 5 s)."""
    attempts: int = 6
    timeout: float = 10.0
    """Total deadline of one exchange, body included (not per read)."""
    seed: int = 0
    backoff_base: float = 0.2
    backoff_cap: float = 5.0
    """The longest wait before a retry, a server's Retry-After included."""
    deadline: float = CRAWL_DEADLINE_S
    max_numbers: int = MAX_NUMBERS
    max_page_bytes: int = MAX_PAGE_BYTES
    type_check: bool = True
    """Cross-check the unfiltered total with one limit=1 request per documented type."""

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {self.attempts}")
        if self.max_numbers < 1:
            raise ValueError(f"max_numbers must be at least 1, got {self.max_numbers}")
        for name in ("timeout", "deadline", "backoff_cap", "window_s"):
            value = getattr(self, name)
            if not 0 < value < math.inf:
                raise ValueError(f"{name} must be a positive number of seconds, got {value}")

    @property
    def budget(self) -> Budget | None:
        """What the pacer allows: ``rate`` spread over ``window_s``; None when unlimited."""
        return None if self.rate is None else Budget.per_second(self.rate, self.window_s)

    @property
    def list_path(self) -> str:
        return f"/v1/Account/{self.auth_id}/Number/"

    def redact(self, text: str) -> str:
        """``text`` with every spelling of the token masked (openapi.redaction)."""
        return _redactor(self.auth_id, self.auth_token)(text) if self.auth_token else text


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
    pacer: str = ""
    """The pacer at the end (its repr: budget, grants)."""
    type_totals: dict[str, int] = field(default_factory=dict)
    """total_count of each documented type (the completeness cross-check)."""

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
            "pacer": self.pacer,
            "type_totals": dict(self.type_totals),
        }

    def __repr__(self) -> str:
        return f"<CrawlStats {self.pages_read} pages, {self.requests} requests, {self.retries} retries>"


@dataclass
class Inventory:
    """The numbers read, deduplicated, and whether that is the whole account."""

    records: dict[str, NumberRecord] | RecordStore
    """By number; a crawl's are on disk (audits.spool.RecordStore), read back in batches."""
    total_count: int | None
    """The count the inventory was checked against (the unfiltered total, plus numbers only a
    per-type listing showed); None when not even page one could be read."""
    problems: list[str]
    stats: CrawlStats
    notes: list[str] = field(default_factory=list)
    """What the server did that did not cost completeness (a capped Retry-After, a hidden type)."""

    @property
    def complete(self) -> bool:
        return not self.problems and self.total_count is not None and len(self.records) == self.total_count

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        state = "complete" if self.complete else "INCOMPLETE"
        return f"<Inventory {len(self.records)}/{self.total_count} {state}>"


class _PageError(Exception):
    """A page that cannot be read. ``retryable``: trying again may help; ``fatal``: stop the crawl."""

    def __init__(
        self,
        message: str,
        retryable: bool,
        retry_after: float | None = None,
        fatal: bool = False,
        refused: bool = False,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.fatal = fatal
        self.refused = refused
        """The server answered 429: the rate budget is spent."""


@dataclass
class _Page:
    offset: int
    total: int
    next: Any
    objects: list[dict[str, Any]]
    unreadable: int
    """Objects without a readable number (not a dict, or number not a non-empty string)."""


_FATAL_HINTS = {
    401: "the credentials were refused: check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN",
    403: "the credentials may not list numbers: use the main account's (or the subaccount's own) auth id",
    404: "no such account path: check --base-url (the API root, e.g. https://api.plivo.com) "
    "and PLIVO_AUTH_ID",
}


@dataclass(frozen=True)
class _TypeTotal:
    """One per-type total: ``total`` and a listed number's ``sample`` type, or why not (``error``;
    ``fatal``: the refusal that ends the crawl)."""

    kind: str
    total: int | None = None
    sample: str | None = None
    error: str | None = None
    fatal: str | None = None


@dataclass
class _Listing:
    """One listing crawled to its end: the unfiltered list, or the list of one type."""

    params: dict[str, str]
    numbers: ListedNumbers
    """The distinct numbers this listing showed (kept in the record store's file)."""
    total: int | None = None
    totals: set[int] = field(default_factory=set)
    next_offset: int = PAGE_SIZE
    last_next: Any = None
    """meta.next of the page that holds the last number total_count announces."""
    stopped: bool = False
    failed: int = 0
    unreadable: int = 0
    past_total: int = 0
    """Distinct numbers found after total_count by following meta.next."""

    @property
    def label(self) -> str:
        return "".join(f"{k}={v}: " for k, v in self.params.items())

    def where(self, offset: int) -> str:
        return f"{self.label}page at offset {offset}"

    @property
    def last_offset(self) -> int:
        return max(0, ((self.total or 0) - 1) // PAGE_SIZE * PAGE_SIZE)


class _Crawler:
    def __init__(
        self,
        settings: CrawlSettings,
        clients: contextlib.AsyncExitStack,
        transport: httpx.AsyncBaseTransport | None,
        progress: Progress,
        pacer: Pacer | None = None,
    ) -> None:
        self.settings = settings
        self.clients = clients
        self.transport = transport
        # Loading the CA bundle takes ~50 ms; once per crawl, not once per worker.
        self.ssl_context = httpx.create_ssl_context()
        self.progress = progress
        self.pacer = pacer or new_pacer(settings)
        self.limits = Limits(deadline_s=settings.timeout, max_bytes=settings.max_page_bytes)
        self.stats = CrawlStats()
        # On disk: a million records would cost ~450 MB as objects (audits.spool).
        self.records = RecordStore()
        self.problems: list[str] = []
        self.notes: dict[str, None] = {}
        self.pool: list[httpx.AsyncClient] = []
        self.in_flight = 0
        self.fatal: str | None = None
        self.main = _Listing({}, self.records.listing())
        self.expected: int | None = None
        # The per-type totals the workers ask for first (kinds still to ask; answers by kind).
        # Read from the spec here, not in the crawl: the first read parses the YAML (0.27 s).
        self.types_to_ask: list[str] = list(documented_types()) if settings.type_check else []
        self.type_answers: dict[str, _TypeTotal] = {}
        self.absorber: asyncio.Queue[tuple[_Listing, list[dict[str, Any]]] | None] | None = None

    # ------------------------------------------------------------------ clients

    async def client(self, index: int) -> httpx.AsyncClient:
        """Worker ``index``'s client: one connection each, at most ``concurrency`` of them.

        One pool per worker rather than one shared pool of ``concurrency`` connections:
        httpcore scans every connection of a pool on each request, so a shared pool costs
        O(concurrency) CPU per request.
        """
        index %= self.settings.concurrency
        settings = self.settings
        while len(self.pool) <= index:
            self.pool.append(
                await self.clients.enter_async_context(
                    httpx.AsyncClient(
                        base_url=settings.base_url,
                        auth=httpx.BasicAuth(settings.auth_id, settings.auth_token),
                        timeout=settings.timeout,
                        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                        verify=self.ssl_context,
                        transport=self.transport,
                        headers={"User-Agent": USER_AGENT},
                        # Never: a redirect may lead to another host, and some httpx versions
                        # keep the Authorization header across origins.
                        follow_redirects=False,
                    )
                )
            )
        return self.pool[index]

    # ------------------------------------------------------------------ the crawl

    async def run(self) -> Inventory:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.settings.deadline):
                await self.crawl_all()
        except TimeoutError:
            unread = ""
            if self.main.total is not None:
                pages = -(-self.main.total // PAGE_SIZE)
                unread = f"; {max(0, pages - self.stats.pages_read)} page(s) of the list unread"
            self.problems.append(
                f"the crawl's deadline of {self.settings.deadline:g} s (--deadline) passed{unread}"
            )
        except Exception as error:  # a bug must end in an INCOMPLETE report, not a traceback
            self.problems.append(f"the crawl stopped on an unexpected error: {type(error).__name__}: {error}")
        self.progress.finish()
        if self.expected is None:
            self.expected = self.main.total
        self.finish()
        self.stats.elapsed_s = time.monotonic() - started
        self.stats.final_rate = None if self.pacer.unlimited else self.pacer.rate
        self.stats.pacer = repr(self.pacer)
        problems = [self.settings.redact(p) for p in self.problems]
        notes = [self.settings.redact(n) for n in self.notes]
        return Inventory(self.records, self.expected, problems, self.stats, notes)

    async def crawl_all(self) -> None:
        await self.listing(self.main)
        self.expected = self.main.total
        # On an inventory already known to be incomplete the cross-check would prove nothing.
        readable = not self.records.unreadable()
        if self.settings.type_check and self.main.total is not None and not self.problems and readable:
            await self.cross_check()

    async def listing(self, listing: _Listing) -> None:
        """Crawl one listing to its end (or to the first reason to stop)."""
        is_main = listing is self.main
        first_client = await self.client(0)
        reading = asyncio.create_task(self.page(listing, 0, first_client))
        # The workers' clients are made while page one is on its way (each costs ~3 ms of
        # CPU; made after it, they held back the opening burst by 60 ms at 20 workers).
        for index in range(1, self.settings.concurrency):
            await self.client(index)
        try:
            first = await reading
        except _PageError as error:
            self.problems.append(f"{listing.label}page 1 (offset 0) could not be read: {error}")
            if error.fatal:
                self.fatal = str(error)
            return
        total = first.total
        if not 0 <= total <= self.settings.max_numbers:
            self.problems.append(
                f"{listing.label}total_count is {_quoted_number(total)}, outside 0 to "
                f"{self.settings.max_numbers:,} (--max-numbers): not believed, so nothing past page 1 "
                "was read"
            )
            return
        listing.total = total
        self.note_last(listing, first)
        pages = -(-total // PAGE_SIZE)
        if is_main:
            self.progress.start(max(pages, 1))
            self.progress.update(1, len(self.records), self.stats.retries)
        if first.objects or total == 0:
            workers = min(self.settings.concurrency, max(pages - 1, 0))
            clients = [await self.client(i) for i in range(workers)]
            async with self.absorbing():
                await asyncio.gather(*(self.worker(listing, c, is_main) for c in clients))
        if self.fatal is not None and listing.next_offset < total:
            skipped = -(-(total - listing.next_offset) // PAGE_SIZE)
            self.problems.append(f"{skipped} page(s) not requested after a refusal: {self.fatal}")
        if self.fatal is None and not listing.failed and not listing.stopped:
            await self.past_total(listing, first_client)
        self.check_counts(listing)

    async def worker(self, listing: _Listing, client: httpx.AsyncClient, is_main: bool) -> None:
        assert listing.total is not None
        while is_main and self.types_to_ask and self.fatal is None:
            kind = self.types_to_ask.pop(0)
            self.type_answers[kind] = await self.type_total(kind, client)
        while self.fatal is None and not listing.stopped and listing.next_offset < listing.total:
            offset = listing.next_offset
            listing.next_offset += PAGE_SIZE
            try:
                page = await self.page(listing, offset, client)
                self.note_last(listing, page)
            except _PageError as error:
                listing.failed += 1
                self.stats.pages_failed += 1
                self.problems.append(f"{listing.where(offset)} could not be read: {error}")
                if error.fatal:
                    # A refusal (401/403/404, a redirect) will not change for the next page either.
                    self.fatal = str(error)
            if is_main:
                self.progress.update(
                    self.stats.pages_read + self.stats.pages_failed, len(self.records), self.stats.retries
                )

    def note_last(self, listing: _Listing, page: _Page) -> None:
        if page.offset == listing.last_offset:
            listing.last_next = page.next

    async def past_total(self, listing: _Listing, client: httpx.AsyncClient) -> None:
        """Follow the evidence: if the last page's meta.next points on, read on past total_count."""
        assert listing.total is not None
        if not listing.last_next:
            return
        before = len(listing.numbers)
        offset = listing.last_offset + PAGE_SIZE
        empty = True
        while offset < self.settings.max_numbers:
            try:
                page = await self.page(listing, offset, client, past_total=True)
            except _PageError as error:
                self.problems.append(
                    f"{listing.where(offset)} (past total_count {listing.total}, where meta.next pointed) "
                    f"could not be read: {error}"
                )
                if error.fatal:
                    self.fatal = str(error)
                return
            if not page.objects:
                break
            empty = False
            offset += PAGE_SIZE
            if not page.next:
                break
        listing.past_total = len(listing.numbers) - before
        if listing.past_total:
            self.problems.append(
                f"{listing.label}total_count says {listing.total}, but meta.next pointed past it and "
                f"{listing.past_total} more number(s) were listed there ({len(listing.numbers)} distinct "
                "in all, every one read and audited): the server's count cannot be trusted, so the "
                "inventory is not known to be whole"
            )
        elif empty:
            self.note(
                f"{listing.label}meta.next on the last page pointed past total_count; "
                "the page there was empty"
            )

    async def cross_check(self) -> None:
        """Per-type totals against what the unfiltered list showed; crawl a type it hid."""
        types = self.types_to_ask
        answers = self.type_answers

        async def checker(client: httpx.AsyncClient) -> None:
            # Each checker has a client to itself: a request queued behind another on a shared
            # one-connection client would spend its deadline waiting, not being answered.
            while types:
                kind = types.pop(0)
                answers[kind] = await self.type_total(kind, client)

        # Whatever the workers did not ask for (a list of one page has no workers).
        clients = [await self.client(i) for i in range(min(self.settings.concurrency, len(types)))]
        await asyncio.gather(*(checker(c) for c in clients))
        checks = []
        for kind in documented_types():
            answer = answers.get(kind)
            if answer is None:
                continue
            if answer.error is not None:
                # Judged in the documented order; the first refusal ends the check, as it would
                # have ended the crawl had it been asked for alone.
                self.problems.append(answer.error)
                if answer.fatal is not None:
                    self.fatal = answer.fatal
                    break
                continue
            checks.append(answer)
        hidden = []
        for kind, total, sample in ((a.kind, a.total, a.sample) for a in checks):
            if total is None:
                continue
            self.stats.type_totals[kind] = total
            if sample is not None and sample.lower() != kind:
                self.note(
                    f"type={kind} listed a number of type '{self.quote(sample)}': the type filter is not "
                    "honoured, so the per-type cross-check cannot be made for it"
                )
                continue
            if total > self._seen(kind):
                hidden.append((kind, total))
        for kind, total in hidden:
            before = len(self.records)
            await self.listing(_Listing({"type": kind}, self.records.listing()))
            added = len(self.records) - before
            if self.expected is not None:
                self.expected += added
            seen = self._seen(kind)
            if seen < total:
                self.problems.append(
                    f"type={kind}: total_count is {total}, but only {seen} {kind} number(s) could be read"
                )
            elif added:
                self.note(
                    f"the unfiltered list did not show {added} {kind} number(s) (its total_count "
                    f"{self.main.total} left them out, as if type defaulted to a value); they were read "
                    f"with type={kind} and are audited"
                )

    def _seen(self, kind: str) -> int:
        return self.records.of_type(kind)

    async def type_total(self, kind: str, client: httpx.AsyncClient) -> _TypeTotal:
        """total_count for ``type=kind`` (one limit=1 request), and the listed number's type.

        Nothing is recorded here: the answer is judged only if the list it checks was read whole.
        """
        try:
            page = await self.fetch_retried({"type": kind}, 0, client, limit=1)
        except _PageError as error:
            return _TypeTotal(
                kind,
                error=f"the per-type cross-check failed: type={kind} could not be read: {error}",
                fatal=str(error) if error.fatal else None,
            )
        if not 0 <= page.total <= self.settings.max_numbers:
            return _TypeTotal(
                kind,
                error=f"the per-type cross-check failed: type={kind} has total_count "
                f"{_quoted_number(page.total)}",
            )
        sample = page.objects[0].get("number_type") if page.objects else None
        return _TypeTotal(kind, page.total, sample if isinstance(sample, str) else None)

    def check_counts(self, listing: _Listing) -> None:
        if len(listing.totals) > 1:
            seen = ", ".join(str(t) for t in sorted(listing.totals)[:5])
            self.problems.append(
                f"{listing.label}total_count changed during the crawl ({seen}): "
                "the inventory moved; run again"
            )
        if listing.unreadable:
            self.problems.append(
                f"{listing.label}{listing.unreadable} listed object(s) had no readable number "
                "(not an object, or number not a non-empty string): they could not be audited"
            )
        found = len(listing.numbers)
        total = listing.total
        if total is None or listing.failed or listing.stopped or self.fatal or listing.past_total:
            return
        if found + listing.unreadable != total:
            what = "missing" if found < total else "more than total_count"
            self.problems.append(
                f"{listing.label}{found} distinct numbers read but total_count is {total} "
                f"({abs(total - found)} {what})"
            )

    def finish(self) -> None:
        unreadable = self.records.unreadable()
        if unreadable:
            self.problems.append(
                f"{unreadable} number(s) have compliance fields missing or unreadable (the "
                "data-missing-field rule lists them): their compliance state is unknown"
            )

    def note(self, text: str) -> None:
        self.notes[text] = None

    # ------------------------------------------------------------------ one page

    async def page(
        self, listing: _Listing, offset: int, client: httpx.AsyncClient, past_total: bool = False
    ) -> _Page:
        """One page of ``listing``, retried; its objects join the inventory."""
        page = await self.fetch_retried(listing.params, offset, client)
        self.stats.pages_read += 1
        listing.totals.add(page.total)
        listing.unreadable += page.unreadable
        await self.absorb(listing, page.objects)
        total = listing.total if listing.total is not None else page.total
        empty_early = not page.objects and not page.unreadable and offset < total and not past_total
        if empty_early and not listing.stopped:
            listing.stopped = True
            self.problems.append(
                f"{listing.where(offset)} came back empty although total_count is {total}: "
                "the count is not believed and no further pages were requested"
            )
        return page

    def store_page(self, listing: _Listing, objects: list[dict[str, Any]]) -> None:
        """A page's objects join the inventory (and the listing's set of numbers)."""
        records = [NumberRecord.from_api(obj) for obj in objects]
        self.stats.duplicates += listing.numbers.add_page(r.number for r in records)
        self.records.put(records)

    async def absorb(self, listing: _Listing, objects: list[dict[str, Any]]) -> None:
        """Store a page now, or hand it to the absorber while the workers are sending."""
        if self.absorber is None:
            self.store_page(listing, objects)
        else:
            try:
                await self.absorber.put((listing, objects))
            except asyncio.CancelledError:
                # Cancelled while the queue was full (the crawl's deadline): still stored.
                self.store_page(listing, objects)
                raise

    @contextlib.asynccontextmanager
    async def absorbing(self) -> AsyncIterator[None]:
        """While the workers crawl, pages are stored by one task of their own, at low priority.

        Storing a page (records built, written to the spool) is a third of the client's CPU
        per request. Done by the worker that read it, it held up the worker's next request,
        and in a rate-limited crawl every request of the opening burst that goes out late
        makes the whole crawl later (each request j waits for j - 300's answer, so the burst's
        shape repeats in every window). The absorber yields after each page, so whichever
        worker has an answer sends its next request first. Bounded (backpressure when the
        workers outrun it); whatever is queued is stored before the block ends, however it
        ends, so a page read is never a page lost; an error in storing is raised here.
        """
        queue: asyncio.Queue[tuple[_Listing, list[dict[str, Any]]] | None] = asyncio.Queue(
            maxsize=4 * self.settings.concurrency
        )
        failed: list[BaseException] = []

        async def absorber() -> None:
            while (item := await queue.get()) is not None:
                if not failed:
                    try:
                        self.store_page(*item)
                    except Exception as error:  # raised when the block ends; keep draining
                        failed.append(error)
                await asyncio.sleep(0)

        task = asyncio.create_task(absorber())
        self.absorber = queue
        try:
            yield
            await queue.put(None)
            await task
        finally:
            self.absorber = None
            if not task.done():
                task.cancel()
                # Nothing of the crawl outlives it (a cancelled absorber ends at its next await).
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            # Cancelled or stopped by an error: what was read is still stored.
            while not queue.empty():
                item = queue.get_nowait()
                if item is not None and not failed:
                    self.store_page(*item)
        if failed:
            raise failed[0]

    async def fetch_retried(
        self, params: dict[str, str], offset: int, client: httpx.AsyncClient, limit: int = PAGE_SIZE
    ) -> _Page:
        for attempt in range(1, self.settings.attempts + 1):
            try:
                return await self.fetch(params, offset, client, limit)
            except _PageError as error:
                if not error.retryable or attempt == self.settings.attempts:
                    if error.retryable:
                        raise _PageError(f"{error} (gave up after {attempt} attempts)", True) from None
                    raise
                self.stats.retries += 1
                if error.retry_after is not None and error.retry_after > self.settings.backoff_cap:
                    self.note(
                        f"the server asked to wait {error.retry_after:g} s before retrying (Retry-After); "
                        f"waits are capped at {self.settings.backoff_cap:g} s (--max-wait)"
                    )
                await self.pacer.pause(attempt, error.retry_after, refused=error.refused)
        raise AssertionError("unreachable: the loop returns or raises")

    async def fetch(
        self, params: dict[str, str], offset: int, client: httpx.AsyncClient, limit: int
    ) -> _Page:
        request = client.build_request(
            "GET", self.settings.list_path, params={**params, "limit": limit, "offset": offset}
        )
        try:
            # The slot is held until the answer is in: its end anchors the pacer's window.
            async with self.pacer.slot():
                self.stats.requests += 1
                self.in_flight += 1
                self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.in_flight)
                try:
                    response = await send_async(client, request, self.limits)
                finally:
                    self.in_flight -= 1
        except BodyTooLarge:
            self.stats.statuses["BodyTooLarge"] += 1
            # The same page would be as large again: not worth another try.
            raise _PageError(
                f"the answer's body exceeded {self.settings.max_page_bytes:,} bytes (decompressed); "
                "not read further",
                retryable=False,
            ) from None
        except DeadlineExceeded:
            self.stats.statuses["DeadlineExceeded"] += 1
            raise _PageError(
                f"no complete answer within {self.settings.timeout:g} s (--timeout: the whole exchange, "
                "body included)",
                retryable=True,
            ) from None
        except httpx.TimeoutException as error:
            self.stats.statuses[type(error).__name__] += 1
            raise _PageError(f"timed out ({type(error).__name__})", retryable=True) from None
        except Exception as error:
            # Connection refused or reset, truncated bodies, protocol errors, bad encodings.
            self.stats.statuses[type(error).__name__] += 1
            detail = self.quote(str(error))
            raise _PageError(
                f"{type(error).__name__}: {detail}" if detail else type(error).__name__, retryable=True
            ) from None
        status = response.status_code
        self.stats.statuses[str(status)] += 1
        if status in RETRYABLE_STATUS:
            raise _PageError(
                f"HTTP {status}{self.error_text(response)}",
                retryable=True,
                retry_after=_retry_after(response),
                refused=status == 429,
            )
        if 300 <= status < 400:
            raise _PageError(self.redirect_text(response), retryable=False, fatal=True)
        if status != 200:
            hint = _FATAL_HINTS.get(status, "the request was refused")
            raise _PageError(
                f"HTTP {status}{self.error_text(response)}; {hint}", retryable=False, fatal=status >= 400
            )
        return _page_body(response, offset)

    def quote(self, text: str) -> str:
        """What a server said, fit to quote: redacted first (a cut could leave half a token), then cut."""
        redacted = self.settings.redact(text)
        return redacted if len(redacted) <= QUOTED_CHARS else redacted[:QUOTED_CHARS] + "..."

    def error_text(self, response: httpx.Response) -> str:
        try:
            error = json.loads(response.content).get("error")
        except (ValueError, AttributeError, RecursionError):
            error = None
        return f" ({self.quote(str(error))})" if error else ""

    def redirect_text(self, response: httpx.Response) -> str:
        location = response.headers.get("location", "")
        where = "somewhere" if not location else f"'{self.quote(location)}'"
        try:
            target, base = urlsplit(location), urlsplit(self.settings.base_url)
            other = bool(target.hostname) and (target.hostname, target.port) != (base.hostname, base.port)
        except ValueError:  # not even a URL
            other = False
        return self.settings.redact(
            f"HTTP {response.status_code} redirect to {where}"
            + (" (another host)" if other else "")
            + ": redirects are not followed, so credentials are never sent anywhere but --base-url; "
            "give --base-url the API root that answers directly"
        )


def _quoted_number(value: int) -> str:
    text = str(value)
    return text if len(text) <= 30 else f"{text[:12]}... ({len(text)} digits)"


def _page_body(response: httpx.Response, offset: int) -> _Page:
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        kind = response.headers.get("content-type", "no content type")[:80]
        raise _PageError(f"HTTP 200 with a body that is not JSON ({kind})", retryable=True) from None
    meta = body.get("meta") if isinstance(body, dict) else None
    objects = body.get("objects") if isinstance(body, dict) else None
    total = meta.get("total_count") if isinstance(meta, dict) else None
    if type(total) is not int or not isinstance(objects, list):
        shape = (
            f"meta.total_count is {json_type(total)}, objects is {json_type(objects)}"
            if isinstance(meta, dict)
            else f"body is {json_type(body)}, meta is {json_type(meta)}"
        )
        raise _PageError(
            f"HTTP 200 without an integer meta.total_count and an objects list ({shape})", retryable=True
        )
    readable = [
        o for o in objects if isinstance(o, dict) and isinstance(o.get("number"), str) and o["number"]
    ]
    link = meta.get("next") if isinstance(meta, dict) else None
    return _Page(offset, total, link, readable, len(objects) - len(readable))


def new_pacer(settings: CrawlSettings) -> Pacer:
    """The account's pacer: one per account, shared by everything that reads it (audits.graph too)."""
    backoff = Backoff(settings.seed, settings.backoff_base, settings.backoff_cap, settings.attempts)
    return Pacer(budget=settings.budget, backoff=backoff)


async def crawl(
    settings: CrawlSettings,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
    pacer: Pacer | None = None,
) -> Inventory:
    """Read the whole inventory behind ``settings`` (see the module docstring).

    ``pacer``: the account's rate budget, when something else (the compliance graph) spends it too.
    """
    async with contextlib.AsyncExitStack() as clients:
        crawler = _Crawler(settings, clients, transport, progress or Progress(enabled=False), pacer)
        return await crawler.run()


def crawl_sync(settings: CrawlSettings, progress: Progress | None = None) -> Inventory:
    return asyncio.run(crawl(settings, progress=progress))
