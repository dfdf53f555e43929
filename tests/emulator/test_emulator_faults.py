"""Faults for client testing: latency, rate limiting, 5xx answers, dropped connections."""

from __future__ import annotations

import time

import httpx
import pytest

import openapi
from emulator import ConfigError, EmulatorConfig, Faults, create_app
from emulator.faults import ConnectionDropped, RateLimiter
from emulator.serve import serve

from .conftest import AsgiClient


def _client(faults: Faults, **config: object) -> tuple[AsgiClient, str]:
    app = create_app(EmulatorConfig(numbers=20, faults=faults, **config))  # type: ignore[arg-type]
    demo = app.state.demo
    return AsgiClient(app, auth=(demo.auth_id, demo.auth_token)), f"/v1/Account/{demo.auth_id}/Number/"


def test_faults_are_off_by_default() -> None:
    assert not Faults().active
    client, path = _client(Faults())
    assert all(client.get(path).status_code == 200 for _ in range(30))


def test_latency_delays_answers() -> None:
    client, path = _client(Faults(latency=0.15))
    started = time.monotonic()
    assert client.get(path).status_code == 200
    assert time.monotonic() - started >= 0.15


def test_rate_limit_answers_429_like_plivo() -> None:
    client, path = _client(Faults(rate_limit=5, rate_window=60))
    statuses = [client.get(path).status_code for _ in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    response = client.get(path)
    body = response.json()
    assert response.status_code == 429
    assert body["error"] == "too many requests: more than 5 requests in 60 seconds"
    assert openapi.schema_errors(body, "Error", "documented") == []


def test_rate_limit_is_per_account() -> None:
    app = create_app(EmulatorConfig(numbers=20, faults=Faults(rate_limit=2, rate_window=60)))
    demo = app.state.demo
    main = AsgiClient(app, auth=(demo.auth_id, demo.auth_token))
    other = AsgiClient(app, auth=demo.other_account)
    for _ in range(2):
        assert main.get(f"/v1/Account/{demo.auth_id}/Number/").status_code == 200
    assert main.get(f"/v1/Account/{demo.auth_id}/Number/").status_code == 429
    assert other.get(f"/v1/Account/{demo.other_account[0]}/Number/").status_code == 200


def test_subaccount_requests_count_against_the_main_account() -> None:
    app = create_app(EmulatorConfig(numbers=20, faults=Faults(rate_limit=3, rate_window=60)))
    demo = app.state.demo
    sub_id, sub_token = demo.subaccounts[0]
    sub = AsgiClient(app, auth=(sub_id, sub_token))
    main = AsgiClient(app, auth=(demo.auth_id, demo.auth_token))
    assert [sub.get(f"/v1/Account/{sub_id}/Number/").status_code for _ in range(2)] == [200, 200]
    assert main.get(f"/v1/Account/{demo.auth_id}/Number/").status_code == 200
    assert main.get(f"/v1/Account/{demo.auth_id}/Number/").status_code == 429
    assert sub.get(f"/v1/Account/{sub_id}/Number/").status_code == 429


def test_rate_limiter_window_slides() -> None:
    limiter = RateLimiter(limit=2, window=5.0)
    assert limiter.allow("a", now=0.0)
    assert limiter.allow("a", now=1.0)
    assert not limiter.allow("a", now=4.9)
    assert limiter.allow("a", now=5.0)  # the request at 0.0 left the window
    assert not limiter.allow("a", now=5.5)
    assert limiter.allow("b", now=5.5)


def test_error_rate_one_answers_only_configured_5xx() -> None:
    client, path = _client(Faults(error_rate=1.0, error_statuses=(503,)))
    for _ in range(5):
        response = client.get(path)
        assert response.status_code == 503
        assert response.json()["error"] == "service unavailable"


def test_error_rate_is_a_fraction_and_seeded() -> None:
    def statuses(seed: int) -> list[int]:
        client, path = _client(Faults(error_rate=0.5), seed=seed)
        return [client.get(path).status_code for _ in range(60)]

    first = statuses(3)
    assert set(first) == {200, 500, 503}
    assert 10 < first.count(200) < 50
    assert statuses(3) == first


def test_drop_in_process_raises() -> None:
    client, path = _client(Faults(drop_rate=1.0))
    with pytest.raises(ConnectionDropped):
        client.get(path)


def test_drop_over_http_closes_the_connection() -> None:
    app = create_app(EmulatorConfig(numbers=20, faults=Faults(drop_rate=1.0)))
    demo = app.state.demo
    with (
        serve(app) as base_url,
        httpx.Client(base_url=base_url, auth=(demo.auth_id, demo.auth_token)) as client,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        client.get(f"/v1/Account/{demo.auth_id}/Number/")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"latency": -1}, "latency"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"rate_window": 0}, "rate_window"),
        ({"error_rate": 1.5}, "error_rate"),
        ({"drop_rate": -0.1}, "drop_rate"),
        ({"error_rate": 0.1, "error_statuses": (404,)}, "5xx"),
        ({"error_rate": 0.1, "error_statuses": ()}, "error_statuses"),
    ],
)
def test_bad_faults_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Faults(**kwargs)


def test_faults_repr_says_what_is_on() -> None:
    assert repr(Faults()) == "Faults(off)"
    assert "rate_limit=300/5.0s" in repr(Faults(rate_limit=300))
