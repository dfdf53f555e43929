"""app.state.request_log: what was asked and answered, never a token."""

from __future__ import annotations

import json

import httpx
from starlette.applications import Starlette

from emulator import EmulatorConfig, RequestRecord, create_app
from emulator.accounts import DemoCredentials
from emulator.serve import serve

from .conftest import Api, AsgiClient, all_objects


def test_requests_are_recorded_with_authorization_redacted(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    number = all_objects(app, demo.auth_id)[0]["number"]
    main_api.page(limit=2, type="local")
    main_api.update(number, alias="logged")
    log: list[RequestRecord] = app.state.request_log
    assert [(r.method, r.status) for r in log] == [("GET", 200), ("POST", 202)]
    listed, updated = log
    assert listed.path == main_api.numbers_path
    assert listed.query == "limit=2&type=local"
    # The body as the client sent it (httpx 0.27 puts a space after the colon, 0.28 not).
    assert json.loads(updated.body) == {"alias": "logged"}
    for record in log:
        assert record.headers["authorization"] == "REDACTED"
        assert demo.auth_token not in repr(record)
        assert demo.auth_token not in str(record.headers)


def test_failed_requests_are_recorded(app: Starlette, demo: DemoCredentials) -> None:
    AsgiClient(app, auth=(demo.auth_id, "wrong")).get(f"/v1/Account/{demo.auth_id}/Number/")
    (record,) = app.state.request_log
    assert record.status == 401
    assert "wrong" not in str(record.headers)


def test_log_keeps_only_the_newest() -> None:
    app = create_app(EmulatorConfig(numbers=5, request_log_limit=3))
    demo = app.state.demo
    client = AsgiClient(app, auth=(demo.auth_id, demo.auth_token))
    for offset in range(5):
        client.get(f"/v1/Account/{demo.auth_id}/Number/", params={"offset": offset})
    assert [r.query for r in app.state.request_log] == ["offset=2", "offset=3", "offset=4"]


def test_reprs_never_show_tokens() -> None:
    token = "tok-" + "s3cret" * 4
    config = EmulatorConfig(numbers=5, auth_id="MA" + "C" * 18, auth_token=token)
    app = create_app(config)
    demo = app.state.demo
    texts = [repr(config), str(config), repr(demo), repr(app.state.directory), repr(app.state.store)]
    texts += [repr(account) for account in app.state.directory.accounts.values()]
    for text in texts:
        assert token not in text
        for _, sub_token in demo.subaccounts:
            assert sub_token not in text
        assert demo.other_account[1] not in text


def test_served_requests_are_logged_before_the_answer_arrives(app: Starlette, demo: DemoCredentials) -> None:
    with (
        serve(app) as base_url,
        httpx.Client(base_url=base_url, auth=(demo.auth_id, demo.auth_token)) as client,
    ):
        for offset in range(30):
            client.get(f"/v1/Account/{demo.auth_id}/Number/", params={"offset": offset})
            assert app.state.request_log[-1].query == f"offset={offset}"
