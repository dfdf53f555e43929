"""A 429 from a live target is waited out with the target pacer's one retry policy (openapi.pacing).

No network and no real sleeping: the pacer's ``sleep`` records the pauses, and the
expected pauses are replayed from a backoff with the same seed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from contracts.target import (
    RATE_LIMIT_CAP_S,
    RATE_LIMIT_MAX_WAIT_S,
    RATE_LIMIT_RETRIES,
    GuardedTransport,
    TargetOptions,
    WritePolicy,
    build_target,
    rate_limit_backoff,
)
from openapi.pacing import PLIVO_WINDOW_S, Budget, Pacer
from openapi.retry_after import parse_retry_after

COLLECTION = "/v1/Account/MAXXXXXXXXXXXXXXXXXX/Number/"
SEED = 20261203


class _Recorded:
    """A pacer that sleeps on a fake clock, and what it slept and granted."""

    def __init__(self, budget: Budget | None = None, seed: int = SEED) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

        def sleep(seconds: float) -> None:
            self.slept.append(seconds)
            self.now += seconds

        self.pacer = Pacer(
            budget=budget, backoff=rate_limit_backoff(seed), clock=lambda: self.now, sleep=sleep
        )


def _through(
    answers: Iterator[httpx.Response], pacer: Pacer, live: bool = True
) -> tuple[httpx.Client, list[httpx.Response]]:
    """A client whose guard answers from ``answers``; the list collects what each exchange returned."""
    exchanged: list[httpx.Response] = []
    guard = GuardedTransport(
        httpx.MockTransport(lambda request: next(answers)), WritePolicy(live=live), pacer
    )
    original = guard._exchange

    def exchange(request: httpx.Request) -> httpx.Response:
        response = original(request)
        exchanged.append(response)
        return response

    guard._exchange = exchange  # type: ignore[method-assign]
    return httpx.Client(base_url="https://api.example.test", transport=guard), exchanged


def _too_many(retry_after: str | None = None) -> httpx.Response:
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    return httpx.Response(429, json={"error": "too many requests"}, headers=headers)


def test_two_429s_then_200_take_three_exchanges_and_the_pacers_pauses() -> None:
    recorded = _Recorded()
    answers = iter([_too_many("2"), _too_many(), httpx.Response(200, json={"objects": []})])
    client, exchanged = _through(answers, recorded.pacer)

    assert client.get(COLLECTION).status_code == 200

    assert len(exchanged) == 3
    assert all(r.is_closed for r in exchanged[:2]), "a refused answer is closed before the retry"
    # Each attempt took a pacer slot of its own.
    assert recorded.pacer.granted == 3
    # The pauses are the pacer's backoff, seeded: the Retry-After of 2 s believed (it is under
    # the cap), the second pause the backoff's own.
    replay = rate_limit_backoff(SEED)
    assert recorded.slept == [replay.delay(1, 2.0), replay.delay(2, None)]
    assert recorded.slept[0] >= 2.0


def test_a_huge_retry_after_is_capped() -> None:
    recorded = _Recorded()
    answers = iter([_too_many("1000000000"), httpx.Response(200, json={})])
    client, exchanged = _through(answers, recorded.pacer)

    assert client.get(COLLECTION).status_code == 200
    assert len(exchanged) == 2
    assert recorded.slept == [RATE_LIMIT_CAP_S]


def test_a_429_forever_ends_after_three_retries_and_is_seen() -> None:
    recorded = _Recorded()
    answers = iter(_too_many("1000000000") for _ in range(100))
    client, exchanged = _through(answers, recorded.pacer)

    response = client.get(COLLECTION)

    assert response.status_code == 429, "the last 429 is handed on for the check to judge"
    assert response.json() == {"error": "too many requests"}
    assert len(exchanged) == RATE_LIMIT_RETRIES + 1 == 4
    assert all(r.is_closed for r in exchanged[:-1])
    assert recorded.slept == [RATE_LIMIT_CAP_S] * RATE_LIMIT_RETRIES
    assert sum(recorded.slept) <= RATE_LIMIT_MAX_WAIT_S


@pytest.mark.parametrize("seed", [0, 1, 2, SEED])
def test_without_retry_after_the_last_retry_comes_a_window_after_the_first_429(seed: int) -> None:
    recorded = _Recorded(seed=seed)
    answers = iter(_too_many() for _ in range(100))
    client, exchanged = _through(answers, recorded.pacer)

    assert client.get(COLLECTION).status_code == 429
    assert len(exchanged) == RATE_LIMIT_RETRIES + 1
    # Jittered backoff first; the last pause at least what is left of Plivo's 5 s window.
    replay = rate_limit_backoff(seed)
    first = [replay.delay(1), replay.delay(2)]
    assert recorded.slept[:2] == first
    assert recorded.slept[2] == replay.delay(3, max(PLIVO_WINDOW_S - sum(first), 0.0))
    assert sum(recorded.slept) >= PLIVO_WINDOW_S


def test_a_429_slows_and_holds_a_budgeted_pacer() -> None:
    recorded = _Recorded(budget=Budget.per_second(50))
    answers = iter([_too_many("3"), httpx.Response(200, json={})])
    client, _ = _through(answers, recorded.pacer)
    before = recorded.pacer.rate

    assert client.get(COLLECTION).status_code == 200

    assert recorded.pacer.rate < before, "a 429 slows the pace for every caller"
    assert recorded.pacer.held_s == pytest.approx(3.0), "and holds every caller for the pause"
    assert recorded.pacer.granted == 2


@pytest.mark.parametrize("status", [500, 503, 404])
def test_only_429_is_retried(status: int) -> None:
    recorded = _Recorded()
    answers = iter([httpx.Response(status, json={}), httpx.Response(200, json={})])
    client, exchanged = _through(answers, recorded.pacer)
    assert client.get(COLLECTION).status_code == status
    assert len(exchanged) == 1
    assert recorded.slept == []


def test_embedded_targets_never_retry() -> None:
    recorded = _Recorded()
    answers = iter([_too_many("1"), httpx.Response(200, json={})])
    client, exchanged = _through(answers, recorded.pacer, live=False)
    assert client.get(COLLECTION).status_code == 429
    assert len(exchanged) == 1
    assert recorded.slept == []


def test_the_runs_seed_reaches_the_live_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIVO_AUTH_ID", "MAXXXXXXXXXXXXXXXXXX")
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "not-a-real-token")

    def delays(seed: int) -> list[float]:
        target = build_target(TargetOptions(base_url="https://api.example.test", seed=seed))
        try:
            backoff = target.pacer.backoff
            assert (backoff.seed, backoff.cap) == (seed, RATE_LIMIT_CAP_S)
            return [backoff.delay(attempt) for attempt in range(1, RATE_LIMIT_RETRIES + 1)]
        finally:
            target.close()

    assert delays(SEED) == delays(SEED), "a run's pauses replay with its seed"
    assert delays(SEED) != delays(SEED + 1)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("2", 2.0), (" 1.5 ", 1.5), ("0", 0.0), ("nan", None), ("-5", None), ("inf", None), ("soon", None)],
)
def test_retry_after_is_parsed_once_for_every_client(header: str, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds
    assert parse_retry_after(None) is None


def test_retry_after_as_an_http_date() -> None:
    now = dt.datetime(2026, 12, 3, 13, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("Thu, 03 Dec 2026 13:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 03 Dec 2026 12:59:30 GMT", now) is None, "a date already past"
