"""The one client pacing policy for Plivo's rate limit: the contract suite, the audit crawler
(and sdkcheck, should it ever pace) use this pacer, with a sync and an async face.

Plivo's limit
-------------
300 API requests per 5 seconds per account, answered with 429 beyond that, no Retry-After
documented (tests/fixtures/plivo-sdk/README.md). The page does not say how the 5 seconds
are counted. Three readings are common:

* sliding window: no 5 s interval holds more than 300 requests (the emulator's
  ``--rate-limit``, emulator/faults.py);
* fixed windows: each 5 s bucket of the server's clock holds at most 300;
* token bucket: a burst of 300, then 60 per second.

A schedule that keeps every 5 s interval to 300 keeps the other two as well: a fixed
bucket is one such interval, and an interval of L seconds is covered by ceil(L/5) of
them, so it holds at most 300 * ceil(L/5) <= 300 + 60 L, what the token bucket allows. So
the pacer keeps the sliding window, the strictest reading, and is burst-aware: it spends
the whole budget at once (a burst of 300) rather than spreading it evenly. Against the
token bucket's bound, (R - 300) / 60 s for R requests (78.3 s for 5,000), the best a
sliding-window-safe client can do is a burst of 300 every 5 s: 80 s, 2% more.

On whose clock
--------------
The server counts a request when it handles it, on its own clock, which the client never
sees. What the client does know: a request is counted after it was sent and before its
answer arrived. So a ``slot()`` held around the exchange anchors the window on the answer:
request j is granted only once every request up to j - N (N: the budget's requests) has
been answered or given up on, and W (the window) plus ``margin_s`` has passed since the
last of those answers. Then any N + 1 requests the server counted include a first-granted
one a and a last-granted one b with b >= a + N, and with t sent, s counted and e answered:
s_b >= t_b >= e_a + W >= s_a + W. They never fit in one window, however long and unsteady
the latency is: no headroom on the rate is needed. The cost is one round trip per window
(about 1% at 50 ms).

Even spacing, the approach this replaces, needs headroom instead: at rate r the count in a
5 s window stays within 300 only while the jitter of the server's clock against ours is
below 300/r - 5 s. 8% headroom (55.2/s) tolerates 0.43 s; measured against the emulator on
a busy 2-core machine, 1% headroom (50 ms) still drew a few 429s. Even spacing remains
available (``Pacer(rate)``: a budget of one request per 1/rate s, anchored on the grant),
which is what the contract suite's ``--max-rate`` means.

The margin
----------
Answer-anchored windows need a margin only for the server's clock, which the proof takes
as exact: a server may expire an entry only after W rather than at W, or keep whole
milliseconds. ``MARGIN_S`` (5 ms) covers both, with room for 2 ms of rounding either
side, and costs 0.1% of a window. It was 20 ms: 16 windows of a 100,000-number crawl
spent 0.24 s of it, a third of a percent of the bound, for nothing the proof needed. A
request given up on (a deadline) may still reach the server after the client stopped
waiting for it; no fixed margin covers that (it may arrive seconds late), so it is
anchored when given up, and a 429 it causes is handled as any other: every caller held,
the pace 5% slower. Measured (benchmarks/pacing.py: 5,005 requests, emulator enforcing
300 per 5 s as a sliding window, 50 ms latency counted before the limit): see
"Measured" below.
``wait()``/``acquire()`` cannot know when the answer came, so in a budget of more than one
request they anchor on the grant plus the margin, and are only as safe as that margin is
larger than the jitter between our clock and the server's: use ``slot()`` around the
exchange wherever the answer's time is known.

Measured
--------
``python -m benchmarks pacing`` (100,000 numbers: 5,005 requests; the emulator enforcing
300 per 5 s as a sliding window, 50 ms latency counted before the limit; a quiet 2-core
machine, two runs): 81.9 s both times, 1.045 of the burst-aware bound (78.4 s) and 1.013
of the answer-anchored floor (80.9 s: the sliding-window bound plus each later window's
latency and margin, the least a client safe at any latency can take); no 429, at most 300
requests in any 5 s on the server's clock, request j never less than W + 57 ms after
j - 300. The last request's chain started 0.63 s in (the opening burst, as fast as client
and server CPU serve it) and each of its 16 windows cost W + 64 ms (median). Before this
design the crawl took 90.7 s at a fixed 55.2/s; at its first version 82.7 to 83.0 s (a
20 ms margin, the per-type totals asked after the last page, the emulator scanning for
each of them). On a loaded machine the burst and the windows stretch: 82.3 to 82.8 s at
load 2 to 3 (1.050 to 1.056).

Retry pauses
------------
A retried request takes a new slot (every attempt counts against the budget), after the
pause ``pause()``/``pause_sync()`` computes with ``Backoff``: seeded exponential backoff with
full jitter, Retry-After believed up to the cap. A 429 (``refused=True``) also slows the
pace 5% (at most down to half) and holds every grant, not only the refused caller's, until
the pause is over: the budget is spent for everyone.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType

__all__ = [
    "MARGIN_S",
    "PLIVO",
    "PLIVO_REQUESTS",
    "PLIVO_WINDOW_S",
    "Backoff",
    "Budget",
    "Pacer",
    "Slot",
]

PLIVO_REQUESTS = 300
PLIVO_WINDOW_S = 5.0
MARGIN_S = 0.005
"""Added to every window of a budget (see the module docstring: "The margin")."""
SLOW_DOWN = 0.95
"""A 429 stretches the window by 1/0.95: the pace drops 5%..."""
FLOOR = 0.5
"""...down to at most half the initial rate."""


@dataclass(frozen=True)
class Budget:
    """At most ``requests`` requests in any ``window_s`` seconds."""

    requests: int
    window_s: float

    def __post_init__(self) -> None:
        if isinstance(self.requests, bool) or not isinstance(self.requests, int) or self.requests < 1:
            raise ValueError(f"a budget needs at least 1 request per window, not {self.requests!r}")
        if not 0 < self.window_s < math.inf:
            raise ValueError(f"a budget's window must be a positive number of seconds, not {self.window_s!r}")

    @classmethod
    def per_second(cls, rate: float, window_s: float = PLIVO_WINDOW_S) -> Budget:
        """``rate`` requests per second as a budget over ``window_s``: floor(rate x window) per window,
        or one request every 1/rate s when that is less than one per window."""
        if not 0 < rate < math.inf:
            raise ValueError(f"rate must be a positive number of requests per second, not {rate!r}")
        # The epsilon keeps 60/s x 5 s at 300 although 60 x 5.0 may round just under it.
        requests = math.floor(rate * window_s + 1e-9)
        return cls(requests, window_s) if requests >= 1 else cls(1, 1.0 / rate)

    @property
    def rate(self) -> float:
        """Requests per second, averaged over a window."""
        return self.requests / self.window_s

    def bound_s(self, requests: int) -> float:
        """The burst-aware bound: the least time ``requests`` take under this budget read as a
        token bucket (a burst of ``self.requests``, then ``rate`` per second), latency aside."""
        return max(0, requests - self.requests) / self.rate

    def window_bound_s(self, requests: int) -> float:
        """The least time under the sliding-window reading: a full burst every ``window_s``."""
        return max(0, math.ceil(requests / self.requests) - 1) * self.window_s

    def __str__(self) -> str:
        return f"{self.requests} per {self.window_s:g} s"


PLIVO = Budget(PLIVO_REQUESTS, PLIVO_WINDOW_S)
"""Plivo's published limit."""


class Backoff:
    """Delay before retry ``attempt`` (1-based): uniform in [0, min(cap, base * 2**(attempt-1))].

    Seeded, so a run's delays can be replayed.
    """

    def __init__(self, seed: int = 0, base: float = 0.2, cap: float = 5.0, attempts: int = 6) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.seed = seed
        self.base = base
        self.cap = cap
        self.attempts = attempts
        self._random = random.Random(seed)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        jittered = self._random.uniform(0, ceiling)
        # A server that says when to come back is believed, up to the cap.
        return max(jittered, min(retry_after, self.cap)) if retry_after else jittered

    def __repr__(self) -> str:
        return f"<Backoff seed={self.seed} base={self.base}s cap={self.cap}s attempts={self.attempts}>"


_IN_FLIGHT = None
_NEVER_SENT = -math.inf


class Pacer:
    """Grants requests within a budget, on the server's clock (see the module docstring).

    ``Pacer(rate)``: evenly spaced, ``rate`` per second (0 or None: no limit), the contract
    suite's pacer. ``Pacer(budget=PLIVO)``: burst-aware, at most 300 in any 5 s.

    Sync face: ``wait()``, ``with pacer.slot():``, ``pause_sync()`` (safe across threads).
    Async face: ``await acquire()``, ``async with pacer.slot():``, ``await pause()``.
    ``clock``, ``sleep`` and ``async_sleep`` default to time.monotonic, time.sleep and
    asyncio.sleep, looked up at each call (so a test may patch them).
    """

    def __init__(
        self,
        rate: float | None = None,
        *,
        budget: Budget | None = None,
        margin_s: float | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        async_sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        if rate is not None and budget is not None:
            raise ValueError("give a rate (evenly spaced) or a budget (burst-aware), not both")
        if rate is not None and not 0 <= rate < math.inf:
            raise ValueError(
                f"rate must be a non-negative number of requests per second (0: no limit), not {rate}"
            )
        if rate:
            budget = Budget(1, 1.0 / rate)
        self.budget = budget
        """The initial budget; None when unlimited."""
        self._base_rate = rate if rate else (budget.rate if budget else 0.0)
        self.margin_s = (
            (0.0 if budget is None or budget.requests == 1 else MARGIN_S) if margin_s is None else margin_s
        )
        if not 0 <= self.margin_s < math.inf:
            raise ValueError(f"margin_s must be a non-negative number of seconds, not {margin_s}")
        self.backoff = backoff or Backoff()
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._stretch = 1.0
        self.granted = 0
        self.in_flight = 0
        self.held_s = 0.0
        """Seconds of holds asked for by 429s."""
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._futures: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._issued = 0
        self._next = 0
        self._base = 0
        self._anchors: deque[float | None] = deque()
        self._floor = -math.inf
        self._skipped: set[int] = set()
        self._hold_until = -math.inf

    # ------------------------------------------------------------------ what it allows

    @property
    def unlimited(self) -> bool:
        return self.budget is None

    @property
    def rate(self) -> float:
        """Requests per second now (lower after 429s); 0.0 when unlimited."""
        return self._base_rate / self._stretch

    @property
    def window_s(self) -> float:
        """The window now (longer after 429s); 0.0 when unlimited."""
        return self.budget.window_s * self._stretch if self.budget else 0.0

    def slow_down(self) -> None:
        """The server said 429: pace 5% slower from now on, down to half the initial rate."""
        with self._lock:
            self._stretch = min(self._stretch / SLOW_DOWN, 1 / FLOOR)

    def hold(self, seconds: float) -> None:
        """Grant nothing for ``seconds`` from now (whoever asks)."""
        with self._lock:
            self._hold_until = max(self._hold_until, self._now() + seconds)
            self.held_s += seconds

    # ------------------------------------------------------------------ sync face

    def wait(self) -> None:
        """Block until a request may go; the window is anchored on this grant."""
        if self.budget is None:
            self.granted += 1
            return
        seq = self._issue()
        try:
            slot = self._turn_sync(seq)
            self._done(seq, slot)
            self._sleep_until_sync(slot)
        except BaseException:
            self._abandon(seq)
            raise

    def slot(self) -> Slot:
        """A request's turn, held around its exchange: ``with`` (threads) or ``async with``."""
        return Slot(self)

    def pause_sync(self, attempt: int, retry_after: float | None = None, refused: bool = False) -> float:
        """Sleep before retry ``attempt`` (see ``retry_delay``); returns the seconds slept."""
        delay = self.retry_delay(attempt, retry_after, refused)
        (self._sleep or time.sleep)(delay)
        return delay

    # ------------------------------------------------------------------ async face

    async def acquire(self) -> None:
        """Wait until a request may go; the window is anchored on this grant."""
        if self.budget is None:
            self.granted += 1
            return
        seq = self._issue()
        try:
            slot = await self._turn_async(seq)
            self._done(seq, slot)
            await self._sleep_until_async(slot)
        except BaseException:
            self._abandon(seq)
            raise

    async def pause(self, attempt: int, retry_after: float | None = None, refused: bool = False) -> float:
        """Wait before retry ``attempt`` (see ``retry_delay``); returns the seconds waited."""
        delay = self.retry_delay(attempt, retry_after, refused)
        await (self._async_sleep or asyncio.sleep)(delay)
        return delay

    # ------------------------------------------------------------------ retries

    def retry_delay(self, attempt: int, retry_after: float | None = None, refused: bool = False) -> float:
        """The pause before retry ``attempt`` (1-based), from ``backoff``.

        ``refused``: the server answered 429, so the budget is spent for every caller: the
        pace slows 5% and no one is granted a request until the pause is over.
        """
        delay = self.backoff.delay(attempt, retry_after)
        if refused and self.budget is not None:
            self.slow_down()
            self.hold(delay)
        return delay

    # ------------------------------------------------------------------ the window

    def _now(self) -> float:
        return (self._clock or time.monotonic)()

    def _issue(self) -> int:
        with self._lock:
            seq = self._issued
            self._issued += 1
            self._anchors.append(_IN_FLIGHT)
            self.in_flight += 1
            return seq

    def _try_turn(self, seq: int) -> float | None:
        """When ``seq`` may go, or None until the requests before it are granted and the ones
        it depends on (every request up to ``seq - N``) answered. Holds the lock."""
        assert self.budget is not None
        if seq != self._next:
            return None
        depends = seq - self.budget.requests
        while self._base <= depends:
            anchor = self._anchors[0]
            if anchor is _IN_FLIGHT:
                return None
            self._floor = max(self._floor, anchor)
            self._anchors.popleft()
            self._base += 1
        earliest = (
            self._floor + self.budget.window_s * self._stretch + self.margin_s if depends >= 0 else -math.inf
        )
        self._next += 1
        self._advance()
        self.granted += 1
        self._notify()
        return max(self._now(), earliest, self._hold_until)

    def _advance(self) -> None:
        """Skip turns whose callers gave up before they were granted (they sent nothing)."""
        while self._next in self._skipped:
            self._skipped.discard(self._next)
            self._set_anchor(self._next, _NEVER_SENT)
            self._next += 1

    def _set_anchor(self, seq: int, anchor: float) -> bool:
        index = seq - self._base
        if 0 <= index < len(self._anchors) and self._anchors[index] is _IN_FLIGHT:
            self._anchors[index] = anchor
            self.in_flight -= 1
            return True
        return False

    def _done(self, seq: int, anchor: float | None = None) -> None:
        """Request ``seq`` was answered (or given up on) at ``anchor`` (default: now)."""
        with self._lock:
            if self._set_anchor(seq, self._now() if anchor is None else anchor):
                self._notify()

    def _abandon(self, seq: int) -> None:
        """The caller of ``seq`` gave up: before its turn it sent nothing; after, it may have."""
        with self._lock:
            if seq >= self._next:
                self._skipped.add(seq)
                self._advance()
            elif not self._set_anchor(seq, self._now()):
                return
            self._notify()

    def _notify(self) -> None:
        self._changed.notify_all()
        futures, self._futures = self._futures, []
        for loop, future in futures:
            loop.call_soon_threadsafe(_resolve, future)

    def _turn_sync(self, seq: int) -> float:
        with self._lock:
            while (slot := self._try_turn(seq)) is None:
                self._changed.wait()
            return slot

    async def _turn_async(self, seq: int) -> float:
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                slot = self._try_turn(seq)
                if slot is not None:
                    return slot
                future: asyncio.Future[None] = loop.create_future()
                self._futures.append((loop, future))
            await future

    def _sleep_until_sync(self, slot: float) -> None:
        # A hold (a 429 meanwhile) reaches a caller already waiting for its slot, too.
        while (delay := max(slot, self._hold_until) - self._now()) > 0:
            (self._sleep or time.sleep)(delay)
            slot = self._now()

    async def _sleep_until_async(self, slot: float) -> None:
        while (delay := max(slot, self._hold_until) - self._now()) > 0:
            await (self._async_sleep or asyncio.sleep)(delay)
            slot = self._now()

    def __repr__(self) -> str:
        if self.budget is None:
            return f"Pacer(unlimited; granted {self.granted})"
        slowed = f", slowed to {self.rate:.3g}/s by 429s" if self._stretch > 1 else ""
        if self.budget.requests == 1 and self.margin_s == 0:
            return f"Pacer({self._base_rate:g}/s evenly spaced{slowed}; granted {self.granted})"
        return (
            f"Pacer({self.budget}, burst-aware, margin {self.margin_s:g} s{slowed}; "
            f"granted {self.granted}, {self.in_flight} in flight)"
        )


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Slot:
    """One request's turn, held around its exchange; the exchange's end anchors the window.

    ``with pacer.slot():`` blocks the thread; ``async with pacer.slot():`` awaits.
    """

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer
        self.seq: int | None = None

    def __enter__(self) -> Slot:
        pacer = self.pacer
        if pacer.budget is None:
            pacer.granted += 1
            return self
        self.seq = pacer._issue()
        try:
            pacer._sleep_until_sync(pacer._turn_sync(self.seq))
        except BaseException:
            pacer._abandon(self.seq)
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.seq is not None:
            self.pacer._done(self.seq)

    async def __aenter__(self) -> Slot:
        pacer = self.pacer
        if pacer.budget is None:
            pacer.granted += 1
            return self
        self.seq = pacer._issue()
        try:
            await pacer._sleep_until_async(await pacer._turn_async(self.seq))
        except BaseException:
            pacer._abandon(self.seq)
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.__exit__(kind, error, trace)

    def __repr__(self) -> str:
        return f"<Slot {self.seq} of {self.pacer!r}>"
