"""Bounded memory: request size limits (JSON 413, 414, 431) and the request log's byte caps and counters."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

import openapi
from emulator import ConfigError, EmulatorConfig, create_app
from emulator.accounts import DemoCredentials
from emulator.limits import DEFAULT_MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_HEADERS, MAX_TARGET_BYTES
from emulator.requestlog import RequestLog, RequestRecord
from emulator.serve import serve

from .conftest import Api, all_objects

MIB = 1024 * 1024


def _number(app: Starlette, owner: str) -> str:
    number: str = all_objects(app, owner)[0]["number"]
    return number


def _assert_413(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    body = response.json()
    assert openapi.schema_errors(body, "Error", "documented") == []
    assert "request body too large" in body["error"]
    assert "1048576 bytes (1 MiB)" in body["error"]


def test_the_default_limit_is_one_mebibyte() -> None:
    assert EmulatorConfig().max_body_bytes == DEFAULT_MAX_BODY_BYTES == MIB


def test_a_body_at_the_limit_is_served_one_byte_more_is_413(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    path = main_api.number_path(_number(app, demo.auth_id))
    padding = b'{"alias": "fits", "ignored": "'
    at_limit = padding + b"x" * (MIB - len(padding) - 2) + b'"}'
    assert len(at_limit) == MIB
    response = main_api.client.post(path, content=at_limit, headers={"content-type": "application/json"})
    assert response.status_code == 202, response.text
    _assert_413(
        main_api.client.post(path, content=at_limit + b" ", headers={"content-type": "application/json"})
    )
    assert main_api.get(_number(app, demo.auth_id))["alias"] == "fits"


def test_a_chunked_body_is_counted_as_it_streams(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"a" * 64 * 1024

    # No Content-Length: the limit is found while reading.
    response = main_api.client.post(
        main_api.number_path(_number(app, demo.auth_id)),
        content=chunks(),
        headers={"content-type": "text/plain"},
    )
    _assert_413(response)


def test_the_limit_holds_for_any_method_and_path(app: Starlette, main_api: Api) -> None:
    big = b"x" * (MIB + 1)
    for method, path in [
        ("GET", main_api.numbers_path),
        ("PUT", "/nowhere"),
        ("DELETE", main_api.number_path("1")),
    ]:
        _assert_413(main_api.client.request(method, path, content=big))


def test_the_limit_is_configurable_within_its_range() -> None:
    app = create_app(EmulatorConfig(numbers=5, max_body_bytes=2048))
    demo = app.state.demo
    api = Api(app, demo.auth_id, demo.auth_token)
    response = api.client.post(api.number_path(_number(app, demo.auth_id)), content=b"x" * 2049)
    assert response.status_code == 413
    assert "more than the limit of 2048 bytes (2 KiB)" in response.json()["error"]
    for wrong in (0, 1023, 64 * MIB + 1):
        with pytest.raises(ConfigError, match="max_body_bytes"):
            EmulatorConfig(max_body_bytes=wrong)


def _raw_exchange(base_url: str, request: bytes, *, timeout: float = 30.0) -> bytes:
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_expect_100_continue_with_a_too_large_length_is_refused_before_the_body(
    app: Starlette, demo: DemoCredentials
) -> None:
    path = f"/v1/Account/{demo.auth_id}/Number/{_number(app, demo.auth_id)}/"
    with serve(app) as base_url:
        answer = _raw_exchange(
            base_url,
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {10 * MIB}\r\nExpect: 100-continue\r\n\r\n".encode(),
        )
    # No "100 Continue": the client never has to send the 10 MiB.
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"request body too large: 10485760 bytes is more than the limit" in answer


def test_a_client_that_stops_sending_mid_body_gets_no_answer_and_no_hang(
    app: Starlette, demo: DemoCredentials
) -> None:
    path = f"/v1/Account/{demo.auth_id}/Number/{_number(app, demo.auth_id)}/"
    with serve(app) as base_url:
        host, port = base_url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{{}}".encode())
            sock.shutdown(socket.SHUT_WR)
            assert sock.recv(65536) == b""
    assert app.state.request_log[-1].status is None


def test_many_big_bodies_leave_the_request_log_bounded(app: Starlette, demo: DemoCredentials) -> None:
    # The reported failure: 30 refused 10 MB bodies took the process from 37 MB to 341 MB,
    # because the log kept every body whole. Now every body is refused with 413 without
    # being held, and the log holds at most max_entry_bytes of each.
    path = f"/v1/Account/{demo.auth_id}/Number/{_number(app, demo.auth_id)}/"
    log: RequestLog = app.state.request_log
    big = b"x" * (10 * 1000 * 1000)
    with (
        serve(app) as base_url,
        httpx.Client(base_url=base_url, auth=(demo.auth_id, demo.auth_token)) as client,
    ):
        for _ in range(30):
            response = client.post(path, content=big, headers={"content-type": "application/json"})
            assert response.status_code == 413
    stats = log.stats()
    assert stats["entries_added"] == 30
    assert stats["bytes_held"] <= 30 * stats["max_entry_bytes"]
    assert stats["bytes_held"] <= stats["max_bytes"]
    assert stats["bytes_dropped"] >= 30 * (len(big) - stats["max_entry_bytes"])
    assert sum(record.content_bytes() for record in log) == stats["bytes_held"]
    for record in log:
        assert record.status == 413
        assert len(record.body) < stats["max_entry_bytes"]
        assert record.dropped_bytes >= len(big) - stats["max_entry_bytes"]


def _record(body: bytes = b"", query: str = "", **headers: str) -> RequestRecord:
    return RequestRecord("POST", "/v1/x", query, dict(headers), body, 202)


def test_each_entry_is_cut_to_max_entry_bytes_body_first() -> None:
    log = RequestLog(limit=10, max_bytes=10_000, max_entry_bytes=1_000)
    log.add(_record(b"b" * 5_000, query="q=1", host="x"))
    (record,) = log
    assert record.query == "q=1"
    assert record.headers == {"host": "x"}
    assert record.content_bytes() == 1_000
    assert record.body == b"b" * (1_000 - len("POST/v1/xq=1hostx"))
    assert record.dropped_bytes == 5_000 - len(record.body)
    assert log.stats()["bytes_dropped"] == record.dropped_bytes
    # An entry with huge metadata too keeps what fits, in order: method, path, query, headers.
    log.add(_record(b"b", query="q" * 5_000, big="h" * 5_000))
    assert log[-1].content_bytes() <= 1_000
    assert log[-1].body == b""
    assert "big" not in log[-1].headers


def test_the_log_evicts_the_oldest_to_stay_within_max_bytes_and_counts_it() -> None:
    log = RequestLog(limit=1_000, max_bytes=5_000, max_entry_bytes=1_000)
    for index in range(100):
        log.add(_record(b"%03d" % index + b"x" * 497))
    stats = log.stats()
    assert stats["bytes_held"] <= 5_000
    assert stats["entries_added"] == 100
    assert stats["entries_evicted"] == 100 - len(log)
    assert stats["bytes_dropped"] == 100 * log[0].size - stats["bytes_held"]
    assert [record.body[:3] for record in log] == [b"%03d" % i for i in range(100 - len(log), 100)]
    assert "evicted" in repr(log)


def test_the_entry_limit_still_applies() -> None:
    log = RequestLog(limit=3)
    for index in range(5):
        log.add(_record(query=f"offset={index}"))
    assert [record.query for record in log] == ["offset=2", "offset=3", "offset=4"]
    assert log.stats()["entries_evicted"] == 2


def test_log_caps_come_from_the_config_and_are_checked() -> None:
    app = create_app(EmulatorConfig(numbers=5, request_log_max_bytes=4096, request_log_entry_bytes=512))
    assert (app.state.request_log.max_bytes, app.state.request_log.max_entry_bytes) == (4096, 512)
    with pytest.raises(ConfigError, match="request_log_entry_bytes <= request_log_max_bytes"):
        EmulatorConfig(request_log_max_bytes=100, request_log_entry_bytes=200)
    with pytest.raises(ConfigError, match="request_log_limit"):
        EmulatorConfig(request_log_limit=-1)


def test_an_oversized_request_target_is_414(main_api: Api) -> None:
    response = main_api.client.get(main_api.numbers_path + "?x=" + "a" * MAX_TARGET_BYTES)
    assert response.status_code == 414
    assert response.json()["error"].startswith("request URI too long: ")
    # Just under the limit is an ordinary request (unknown parameters are ignored).
    room = MAX_TARGET_BYTES - len(main_api.numbers_path) - len("x=")
    assert main_api.client.get(main_api.numbers_path + "?x=" + "a" * room).status_code == 200


def test_oversized_headers_are_431(main_api: Api) -> None:
    many = [(f"x-h{i}", "v") for i in range(MAX_HEADERS)]
    response = main_api.client.get(main_api.numbers_path, headers=many)
    assert response.status_code == 431
    assert "fields is more than the limit of 100" in response.json()["error"]
    response = main_api.client.get(main_api.numbers_path, headers={"x-big": "a" * MAX_HEADER_BYTES})
    assert response.status_code == 431
    assert "bytes is more than the limit of 32768 bytes (32 KiB)" in response.json()["error"]
