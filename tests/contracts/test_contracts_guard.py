"""The write guard: what may reach a live target, proved without a network."""

from __future__ import annotations

import httpx
import pytest

from contracts.target import GuardedTransport, Pacer, TargetOptions, WritePolicy, WriteRefused

NUMBER = "/v1/Account/MAXXXXXXXXXXXXXXXXXX/Number/14155550100/"
COLLECTION = "/v1/Account/MAXXXXXXXXXXXXXXXXXX/Number/"


def _sent_through(policy: WritePolicy) -> tuple[httpx.Client, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    client = httpx.Client(
        base_url="https://api.example.test", transport=GuardedTransport(httpx.MockTransport(answer), policy)
    )
    return client, sent


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_reads_always_pass(method: str) -> None:
    client, sent = _sent_through(WritePolicy(live=True))
    client.request(method, NUMBER)
    assert [r.method for r in sent] == [method]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "TRACE"])
@pytest.mark.parametrize("path", [NUMBER, COLLECTION])
def test_read_only_live_target_refuses_every_write_before_sending(method: str, path: str) -> None:
    client, sent = _sent_through(WritePolicy(live=True))
    with pytest.raises(WriteRefused, match=method):
        client.request(method, path)
    assert sent == []


def test_allow_writes_admits_updates_of_a_number_only() -> None:
    client, sent = _sent_through(WritePolicy(live=True, allow_writes=True))
    client.post(NUMBER, json={"alias": "x"})
    for method, path in [("POST", COLLECTION), ("PUT", NUMBER), ("PATCH", NUMBER), ("DELETE", NUMBER)]:
        with pytest.raises(WriteRefused):
            client.request(method, path)
    assert [(r.method, r.url.path) for r in sent] == [("POST", NUMBER)]


def test_delete_only_of_numbers_named_for_unrent() -> None:
    client, sent = _sent_through(WritePolicy(live=True, unrentable=frozenset({"14155550100"})))
    client.delete(NUMBER)
    client.delete(NUMBER.replace("14155550100", "+14155550100"))
    with pytest.raises(WriteRefused, match="not named with --unrent"):
        client.delete(NUMBER.replace("14155550100", "14155550101"))
    with pytest.raises(WriteRefused):
        client.delete(COLLECTION)
    with pytest.raises(WriteRefused, match="read-only"):
        client.post(NUMBER, json={})
    assert len(sent) == 2


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_embedded_targets_are_not_restricted(method: str) -> None:
    client, sent = _sent_through(WritePolicy(live=False))
    client.request(method, COLLECTION)
    assert len(sent) == 1


def test_policy_reprs_say_what_is_allowed() -> None:
    assert "read-only" in repr(WritePolicy(live=True))
    assert "14155550100" in repr(WritePolicy(live=True, unrentable=frozenset({"14155550100"})))


def test_live_targets_wait_out_a_429(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("contracts.target.time.sleep", lambda seconds: None)
    answers = iter([429, 429, 200])
    inner = httpx.MockTransport(lambda request: httpx.Response(next(answers)))
    client = httpx.Client(
        base_url="https://api.example.test", transport=GuardedTransport(inner, WritePolicy(live=True))
    )
    assert client.get(COLLECTION).status_code == 200


def test_embedded_targets_report_a_429_as_it_is() -> None:
    inner = httpx.MockTransport(lambda request: httpx.Response(429))
    client = httpx.Client(
        base_url="https://api.example.test", transport=GuardedTransport(inner, WritePolicy(live=False))
    )
    assert client.get(COLLECTION).status_code == 429


def test_pacer_spaces_requests_evenly(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    slept: list[float] = []
    monkeypatch.setattr("contracts.target.time.monotonic", lambda: clock[0])
    monkeypatch.setattr("contracts.target.time.sleep", slept.append)
    pacer = Pacer(50)
    for _ in range(4):
        pacer.wait()
    assert slept == pytest.approx([0.02, 0.04, 0.06])
    Pacer(0).wait()
    assert len(slept) == 3, "an unlimited pacer never waits"


@pytest.mark.parametrize(
    ("url", "max_rate", "rate"),
    [
        ("https://api.plivo.com", None, 50.0),
        ("http://127.0.0.1:8765", None, 0.0),
        ("http://localhost:8765", None, 0.0),
        ("https://api.plivo.com", 10.0, 10.0),
        ("http://127.0.0.1:8765", 5.0, 5.0),
    ],
)
def test_live_pace_defaults_to_plivos_limit_except_on_loopback(
    url: str, max_rate: float | None, rate: float
) -> None:
    assert TargetOptions(base_url=url, max_rate=max_rate).rate == rate
