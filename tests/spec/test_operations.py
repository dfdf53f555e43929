"""openapi.operations and openapi.credentials: one mapping to operationIds, one Basic parser."""

from __future__ import annotations

import base64

import pytest

import openapi
from openapi.credentials import MAX_BASIC_CHARS, basic_auth_header, basic_scheme, parse_basic_auth
from openapi.operations import (
    GET,
    HTTP_METHODS,
    ITEM_OPERATIONS,
    LIST,
    OPERATION_IDS,
    UNRENT,
    UPDATE,
    WRITE_OPERATIONS,
    match_path,
    operation_for,
)

AUTH_ID = "MAZZZZZZZZZZZZZZZZZZ"
LIST_PATH = f"/v1/Account/{AUTH_ID}/Number/"
ITEM_PATH = f"/v1/Account/{AUTH_ID}/Number/14155550100/"


def test_the_constants_are_the_spec_operation_ids_in_file_order() -> None:
    for level in openapi.LEVELS:
        found = [
            op["operationId"]
            for item in openapi.load_spec(level)["paths"].values()
            for method, op in item.items()
            if method in HTTP_METHODS
        ]
        assert tuple(found) == OPERATION_IDS
    assert OPERATION_IDS == (LIST, GET, UPDATE, UNRENT)
    assert set(ITEM_OPERATIONS) | {LIST} == set(OPERATION_IDS)
    assert set(WRITE_OPERATIONS) == {UPDATE, UNRENT}


def test_the_constants_agree_with_the_loader() -> None:
    for operation_id in OPERATION_IDS:
        method, path, _ = openapi.operation(operation_id)
        assert operation_for(method, path.replace("{auth_id}", AUTH_ID).replace("{number}", "1")) == (
            operation_id
        )


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", LIST_PATH, LIST),
        ("get", LIST_PATH, LIST),
        ("GET", LIST_PATH.rstrip("/"), LIST),
        ("GET", LIST_PATH + "?limit=5&offset=20", LIST),
        ("GET", LIST_PATH.rstrip("/") + "?number_startswith=%2B1", LIST),
        ("GET", ITEM_PATH, GET),
        ("POST", ITEM_PATH, UPDATE),
        ("DELETE", ITEM_PATH, UNRENT),
        ("DELETE", ITEM_PATH.rstrip("/"), UNRENT),
        ("GET", f"/v1/Account/{AUTH_ID}/Number/%2B14155550100/", GET),
        ("GET", f"/v1/Account/{AUTH_ID}/Number/+14155550100", GET),
        ("GET", "/proxy/plivo" + ITEM_PATH, GET),
        ("GET", "https://gateway.example/base/path" + LIST_PATH + "?a=b", LIST),
        ("GET", ITEM_PATH + "#fragment", GET),
        # Undeclared methods and paths.
        ("PUT", ITEM_PATH, None),
        ("PATCH", ITEM_PATH, None),
        ("OPTIONS", LIST_PATH, None),
        ("POST", LIST_PATH, None),
        ("DELETE", LIST_PATH, None),
        ("GET", f"/v1/Account/{AUTH_ID}/Numbers/", None),
        ("GET", f"/v1/Account/{AUTH_ID}/Number/1/extra/", None),
        ("GET", f"/v1/Account/{AUTH_ID}/", None),
        ("GET", f"/v2/Account/{AUTH_ID}/Number/", None),
        ("GET", "/", None),
        ("GET", "", None),
    ],
)
def test_operation_for(method: str, path: str, expected: str | None) -> None:
    assert operation_for(method, path) == expected


def test_path_parameters_are_percent_decoded() -> None:
    found = match_path(f"/base/v1/Account/{AUTH_ID}/Number/%2B14155550100?x=%2B")
    assert found is not None
    assert found.template == "/v1/Account/{auth_id}/Number/{number}/"
    assert (found.auth_id, found.number) == (AUTH_ID, "+14155550100")
    assert dict(found.params) == {"auth_id": AUTH_ID, "number": "+14155550100"}
    assert found.operation("post") == UPDATE
    assert found.operation("PUT") is None
    assert sorted(found.methods) == ["DELETE", "GET", "POST"]
    collection = match_path(LIST_PATH)
    assert collection is not None
    assert collection.number is None


def test_exact_matching_takes_only_the_documented_form() -> None:
    assert match_path(ITEM_PATH, exact=True) is not None
    assert match_path(LIST_PATH + "?limit=1", exact=True) is not None
    assert match_path(ITEM_PATH.rstrip("/"), exact=True) is None
    assert match_path("/proxy" + ITEM_PATH, exact=True) is None


def _basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode("ascii")


def test_basic_credentials_round_trip() -> None:
    header = basic_auth_header(AUTH_ID, "s3cret:with:colons")
    assert parse_basic_auth(header) == (AUTH_ID, "s3cret:with:colons")
    assert parse_basic_auth(header.replace("Basic", "bAsIc")) == (AUTH_ID, "s3cret:with:colons")
    assert parse_basic_auth("  " + header + "  ") == (AUTH_ID, "s3cret:with:colons")
    assert parse_basic_auth(_basic(b":")) == ("", "")
    assert basic_scheme(header) == "Basic"
    assert basic_scheme("Bearer x") == "Bearer"
    assert basic_scheme("") is None
    assert basic_scheme(None) is None


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Basic ",
        "Bearer " + base64.b64encode(b"a:b").decode(),
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"ab:c").decode().rstrip("="),  # padding missing
        "Basic " + base64.urlsafe_b64encode(b"\xfb\xff:?>").decode(),  # not the standard alphabet
        "Basic YT pi",  # whitespace inside
        _basic(b"nocolon"),
        _basic(b"\xff\xfe:token"),  # not UTF-8
        "Basic " + "é" * 8,
        _basic(b"a:" + b"x" * MAX_BASIC_CHARS),
    ],
)
def test_malformed_basic_credentials_are_none(header: str | None) -> None:
    assert parse_basic_auth(header) is None


def test_the_package_exports_them() -> None:
    assert openapi.operation_for is operation_for
    assert openapi.parse_basic_auth is parse_basic_auth
    assert openapi.OPERATION_IDS is OPERATION_IDS


def test_a_decoded_path_is_not_decoded_twice() -> None:
    # An ASGI scope's path is already decoded: a client's %252B arrives as %2B and names "%2B...".
    found = match_path(f"/v1/Account/{AUTH_ID}/Number/%2B1?x/", decoded=True)
    assert found is not None
    assert found.number == "%2B1?x"
    assert operation_for("DELETE", f"/v1/Account/{AUTH_ID}/Number/a#b", decoded=True) == UNRENT
    assert operation_for("DELETE", f"/v1/Account/{AUTH_ID}/Number/a#b") == UNRENT
    assert match_path(f"/v1/Account/{AUTH_ID}/Number/a#b/c") is not None
