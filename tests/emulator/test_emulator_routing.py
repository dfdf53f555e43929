"""Paths and methods: 405 for undeclared methods, 404 for unknown paths, optional trailing slash."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

import openapi
from emulator.accounts import DemoCredentials

from .conftest import Api, AsgiClient, all_objects


@pytest.mark.parametrize("method", ["PUT", "PATCH", "OPTIONS", "TRACE", "HEAD", "QUERY", "BREW"])
def test_undeclared_methods_on_a_number_are_405(
    main_api: Api, app: Starlette, demo: DemoCredentials, method: str
) -> None:
    number = all_objects(app, demo.auth_id)[0]["number"]
    response = main_api.client.request(method, main_api.number_path(number))
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, POST"
    if method != "HEAD":
        assert response.json()["error"] == f"method {method} not allowed"
        assert openapi.schema_errors(response.json(), "Error", "documented") == []


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH", "QUERY"])
def test_undeclared_methods_on_the_list_are_405(main_api: Api, method: str) -> None:
    response = main_api.client.request(method, main_api.numbers_path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["error"] == f"method {method} not allowed"


def test_405_comes_before_authentication(app: Starlette, demo: DemoCredentials) -> None:
    response = AsgiClient(app).request("PUT", f"/v1/Account/{demo.auth_id}/Number/")
    assert response.status_code == 405


@pytest.mark.parametrize(
    "path",
    ["/", "/v1/", "/v1/Account/", "/v1/Account/{auth_id}/", "/v1/Account/{auth_id}/Number/1/extra/", "/v2/x"],
)
def test_unknown_paths_are_404_json(main_api: Api, demo: DemoCredentials, path: str) -> None:
    response = main_api.client.get(path.format(auth_id=demo.auth_id))
    assert response.status_code == 404
    body = response.json()
    assert body["error"].startswith("not found")
    assert body["api_id"]


def test_paths_without_trailing_slash_are_served(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    number = all_objects(app, demo.auth_id)[0]["number"]
    listed = main_api.client.get(main_api.numbers_path.rstrip("/"), params={"limit": 1})
    assert listed.status_code == 200
    assert listed.json()["meta"]["limit"] == 1
    got = main_api.client.get(main_api.number_path(number).rstrip("/"))
    assert got.status_code == 200
    assert got.json()["number"] == number
    updated = main_api.client.post(main_api.number_path(number).rstrip("/"), json={"alias": "no slash"})
    assert updated.status_code == 202
    assert main_api.get(number)["alias"] == "no slash"


@pytest.mark.parametrize(
    "query",
    [
        "limit=%ff",
        "limit=1&limit=99",
        "offset=99999999999999999999999",
        "type=%00",
        "services=voice,,sms",
        "&&&=&",
    ],
)
def test_odd_queries_are_never_5xx(main_api: Api, query: str) -> None:
    response = main_api.client.get(main_api.numbers_path + "?" + query)
    assert response.status_code in (200, 400), response.text
    assert "error" in response.json() or "objects" in response.json()
