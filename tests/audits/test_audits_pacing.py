"""The one pacer (openapi.pacing): budgets, burst-aware windows anchored on answers, even
spacing, retry pauses. Timing is a fake clock unless said, so nothing here is timed."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from openapi.pacing import MARGIN_S, PLIVO, PLIVO_REQUESTS, PLIVO_WINDOW_S, Backoff, Budget, Pacer


class FakeTime:
    """A clock that only moves when someone sleeps (or a test says so)."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 9))
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)

    def pacer(self, **options: object) -> Pacer:
        return Pacer(clock=self.clock, sleep=self.sleep, async_sleep=self.async_sleep, **options)  # type: ignore[arg-type]


def test_plivos_budget_and_its_bounds() -> None:
    assert (PLIVO.requests, PLIVO.window_s, PLIVO.rate) == (PLIVO_REQUESTS, PLIVO_WINDOW_S, 60.0)
    # 100,000 numbers are 5,000 pages: a burst of 300, then 60/s (issue 13: "about 78 s").
    assert PLIVO.bound_s(5000) == pytest.approx(78.33, abs=0.01)
    # A sliding window allows a burst of 300 every 5 s: 17 bursts.
    assert PLIVO.window_bound_s(5000) == 80.0
    assert PLIVO.bound_s(300) == 0.0
    assert str(PLIVO) == "300 per 5 s"


@pytest.mark.parametrize(
    ("rate", "window", "budget"),
    [(60.0, 5.0, Budget(300, 5.0)), (55.2, 5.0, Budget(276, 5.0)), (10.0, 2.0, Budget(20, 2.0))],
)
def test_a_rate_is_spent_over_the_window(rate: float, window: float, budget: Budget) -> None:
    assert Budget.per_second(rate, window) == budget


def test_a_rate_below_one_per_window_is_one_request_every_interval() -> None:
    assert Budget.per_second(0.1, 5.0) == Budget(1, 10.0)


@pytest.mark.parametrize(("requests", "window"), [(0, 5.0), (1, 0.0), (1, float("nan")), (True, 5.0)])
def test_a_budget_must_allow_something(requests: int, window: float) -> None:
    with pytest.raises(ValueError, match="budget"):
        Budget(requests, window)


def test_the_whole_budget_goes_at_once_then_waits_for_the_answers() -> None:
    fake = FakeTime()
    pacer = fake.pacer(budget=Budget(3, 1.0), margin_s=0.0)
    for _ in range(3):
        with pacer.slot():
            fake.now += 0.1  # the exchange: answered 0.1 s after it was sent
    assert fake.slept == [], "a burst of the whole budget, no spacing"
    with pacer.slot():
        pass
    # Request 3 waits for request 0's answer (at 100.1) plus the window: 101.1, from 100.3.
    assert fake.slept == [pytest.approx(0.8)]
    assert pacer.granted == 4


def test_a_slow_answer_holds_back_every_later_window() -> None:
    fake = FakeTime()
    pacer = fake.pacer(budget=Budget(2, 1.0), margin_s=0.0)

    async def run() -> list[float]:
        grants: list[float] = []
        slow = asyncio.Event()

        async def request(answer_after: float, wait_for: asyncio.Event | None = None) -> None:
            async with pacer.slot():
                grants.append(fake.now)
                if wait_for is not None:
                    await wait_for.wait()
                fake.now += answer_after

        first = asyncio.create_task(request(0.0, slow))  # sent at 100, answered only at 100.5
        await asyncio.sleep(0)
        await request(0.1)  # sent at 100, answered at 100.1
        third = asyncio.create_task(request(0.0))
        for _ in range(5):
            await asyncio.sleep(0)
        assert not third.done(), "request 2 may not go while request 0 is unanswered"
        fake.now = 100.5
        slow.set()
        await asyncio.gather(first, third)
        await request(0.0)
        return grants

    grants = asyncio.run(run())
    # Request 0 answered at 100.5: request 2 (depends on 0) and request 3 (on 0 and 1) at 101.5.
    assert grants[:2] == [100.0, 100.0]
    assert grants[2] == pytest.approx(101.5)
    assert grants[3] == pytest.approx(101.5)


def test_the_margin_is_added_to_every_window() -> None:
    fake = FakeTime()
    pacer = fake.pacer(budget=Budget(1, 1.0), margin_s=0.25)
    for _ in range(3):
        with pacer.slot():
            pass
    assert fake.slept == [pytest.approx(1.25), pytest.approx(1.25)]
    assert fake.pacer(budget=PLIVO).margin_s == MARGIN_S


def test_even_spacing_is_the_contract_suites_pacer(monkeypatch: pytest.MonkeyPatch) -> None:
    # contracts.target.Pacer's own test, against this one: time is patched where it is looked up.
    clock = [100.0]
    slept: list[float] = []
    monkeypatch.setattr("time.monotonic", lambda: clock[0])
    monkeypatch.setattr("time.sleep", slept.append)
    pacer = Pacer(50)
    for _ in range(4):
        pacer.wait()
    assert slept == pytest.approx([0.02, 0.04, 0.06])
    assert pacer.rate == 50
    Pacer(0).wait()
    assert len(slept) == 3, "an unlimited pacer never waits"


def test_a_late_caller_gets_now_not_the_missed_slots() -> None:
    fake = FakeTime()
    pacer = fake.pacer(rate=10.0)
    pacer.wait()
    fake.now += 5.0
    pacer.wait()
    pacer.wait()
    assert fake.slept == [pytest.approx(0.1)], "catching up would be a burst"


def test_unlimited_grants_at_once_from_both_faces() -> None:
    pacer = Pacer(None)

    async def many() -> None:
        await asyncio.gather(*(pacer.acquire() for _ in range(500)))
        for _ in range(500):
            async with pacer.slot():
                pass

    asyncio.run(asyncio.wait_for(many(), 30))
    assert pacer.granted == 1000
    assert (pacer.unlimited, pacer.rate) == (True, 0.0)
    assert pacer.retry_delay(1, refused=True) >= 0
    assert pacer.rate == 0.0, "nothing to slow down"
    assert repr(pacer) == "Pacer(unlimited; granted 1000)"


def test_429_slows_the_pace_down_to_half() -> None:
    pacer = Pacer(50.0)
    pacer.slow_down()
    assert pacer.rate == pytest.approx(47.5)
    for _ in range(100):
        pacer.slow_down()
    assert pacer.rate == pytest.approx(25.0)
    burst = Pacer(budget=PLIVO)
    burst.slow_down()
    assert burst.window_s == pytest.approx(5.0 / 0.95)
    assert burst.rate == pytest.approx(57.0)


def test_a_429_holds_every_caller_for_the_pause() -> None:
    fake = FakeTime()
    pacer = fake.pacer(budget=Budget(100, 1.0), backoff=Backoff(seed=1, base=1.0, cap=5.0))
    pacer.wait()
    delay = pacer.retry_delay(1, retry_after=2.0, refused=True)
    assert delay >= 2.0, "Retry-After is believed, up to the cap"
    assert pacer.rate == pytest.approx(95.0)
    pacer.wait()  # another caller, not the refused one: held too
    assert fake.slept == [pytest.approx(delay)]
    assert "slowed" in repr(pacer)


def test_a_5xx_pause_holds_only_the_caller() -> None:
    fake = FakeTime()
    pacer = fake.pacer(budget=Budget(100, 1.0))

    async def run() -> float:
        waited = await pacer.pause(3)
        await pacer.acquire()
        return waited

    waited = asyncio.run(run())
    assert fake.slept == [pytest.approx(waited)]
    assert pacer.rate == 100.0
    assert pacer.held_s == 0.0


def test_a_caller_that_gives_up_before_its_turn_blocks_no_one() -> None:
    fake = FakeTime()
    pacer = fake.pacer(budget=Budget(1, 1.0), margin_s=0.0)

    async def run() -> None:
        held = asyncio.Event()

        async def holder() -> None:
            async with pacer.slot():
                await held.wait()

        first = asyncio.create_task(holder())
        await asyncio.sleep(0)
        waiting = asyncio.create_task(pacer.acquire())
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        held.set()
        await first
        await asyncio.wait_for(pacer.acquire(), 30)

    asyncio.run(run())
    assert pacer.in_flight == 0


def test_threads_share_one_window_anchored_on_answers() -> None:
    # Real clock and threads: the invariant is checked on the recorded times, not on durations.
    budget = Budget(4, 0.2)
    pacer = Pacer(budget=budget, margin_s=0.0)
    lock = threading.Lock()
    record: dict[int, tuple[float, float]] = {}

    def worker() -> None:
        for _ in range(4):
            with pacer.slot() as slot:
                sent = time.monotonic()
                time.sleep(0.01)
                answered = time.monotonic()
            with lock:
                assert slot.seq is not None
                record[slot.seq] = (sent, answered)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(record) == list(range(12))
    for seq in range(budget.requests, 12):
        latest = max(record[i][1] for i in range(seq - budget.requests + 1))
        assert record[seq][0] >= latest + budget.window_s - 1e-6


def test_rate_and_budget_are_exclusive_and_checked() -> None:
    with pytest.raises(ValueError, match="not both"):
        Pacer(5.0, budget=PLIVO)
    with pytest.raises(ValueError, match="rate"):
        Pacer(-1.0)
    with pytest.raises(ValueError, match="margin_s"):
        Pacer(budget=PLIVO, margin_s=-1.0)


def test_repr_says_what_it_allows() -> None:
    assert repr(Pacer(50)) == "Pacer(50/s evenly spaced; granted 0)"
    assert repr(Pacer(budget=PLIVO)) == (
        f"Pacer(300 per 5 s, burst-aware, margin {MARGIN_S:g} s; granted 0, 0 in flight)"
    )


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
