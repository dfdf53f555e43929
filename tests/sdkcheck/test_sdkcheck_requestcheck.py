"""The request checker: recorded requests judged against openapi/number.yaml at both levels."""

from __future__ import annotations

import json

import pytest

from sdkcheck.recording import AuthSeen, RecordedRequest
from sdkcheck.requestcheck import Conformance, Violation, check_request, find_operation

AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
LIST = f"/v1/Account/{AUTH_ID}/Number/"
ONE = f"/v1/Account/{AUTH_ID}/Number/14155550100/"
GOOD_AUTH = AuthSeen(scheme="Basic", user=AUTH_ID, token_matches=True)


def request(
    method: str = "GET",
    path: str = LIST,
    query: str = "",
    body: bytes | dict[str, object] = b"",
    content_type: str | None = None,
    auth: AuthSeen = GOOD_AUTH,
) -> RecordedRequest:
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        content_type = content_type or "application/json"
    headers = (("content-type", content_type),) if content_type else ()
    return RecordedRequest(method=method, path=path, query=query, headers=headers, body=body, auth=auth)


def places(violations: tuple[Violation, ...] | list[Violation]) -> set[tuple[str, str]]:
    return {(v.where, v.code) for v in violations}


def test_a_plain_list_request_conforms() -> None:
    result = check_request(request(query="limit=20&offset=0&type=local&services=sms%2Cvoice"))
    assert result.operation_id == "listNumbers"
    assert result.documented == ()
    assert result.tolerant == ()
    assert result.verdict == "conforms"


@pytest.mark.parametrize(
    ("query", "where", "code"),
    [
        ("type=bogus", "query.type", "enum"),
        ("limit=50", "query.limit", "maximum"),
        ("limit=0", "query.limit", "minimum"),
        ("limit=abc", "query.limit", "type"),
        ("offset=-1", "query.offset", "minimum"),
        ("renewal_date__gt=2024-13-45", "query.renewal_date__gt", "format"),
        ("services=sms%2Cfax", "query.services", "pattern"),
        ("cnam_lookup=on", "query.cnam_lookup", "enum"),
        ("colour=blue", "query.colour", "unknown-parameter"),
        ("type=local&type=mobile", "query.type", "repeated-parameter"),
        ("toll_free_sms_verification=VERIFIED", "query.toll_free_sms_verification", "enum"),
    ],
)
def test_query_parameters_are_validated_at_both_levels(query: str, where: str, code: str) -> None:
    result = check_request(request(query=query))
    assert (where, code) in places(result.documented)
    assert (where, code) in places(result.tolerant)
    assert result.verdict == "does not conform"


@pytest.mark.parametrize(
    ("query", "where", "code"),
    [
        ("number_type=local", "query.number_type", "unknown-parameter"),
        ("tendlc_registration_status=COMPLETED", "query.tendlc_registration_status", "enum"),
    ],
)
def test_an_x_observed_alternative_conforms_tolerant_not_strict(query: str, where: str, code: str) -> None:
    result = check_request(request(query=query))
    assert places(result.documented) == {(where, code)}
    assert result.tolerant == ()
    assert result.verdict == "conforms tolerant, not strict"
    [leveled] = result.leveled()
    assert leveled.levels == ("documented",)


def test_an_x_observed_parameter_is_still_checked_against_its_schema() -> None:
    result = check_request(request(query="number_type=landline"))
    assert ("query.number_type", "enum") in places(result.tolerant)


def test_content_type_on_a_get_is_an_advisory_not_a_violation() -> None:
    result = check_request(request(content_type="application/json"))
    assert result.verdict == "conforms"
    [advisory] = result.advisories
    assert (advisory.where, advisory.code, advisory.severity) == (
        "header.content-type",
        "content-type-without-body",
        "advisory",
    )
    assert {lv.levels for lv in result.leveled()} == {("documented", "tolerant")}


def test_a_body_on_a_get_or_delete_is_a_violation() -> None:
    assert ("body", "unexpected-body") in places(check_request(request(body=b"{}")).tolerant)
    deleted = check_request(request("DELETE", ONE, body=b'""', content_type="application/json"))
    assert deleted.operation_id == "unrentNumber"
    assert ("body", "unexpected-body") in places(deleted.tolerant)
    assert deleted.verdict == "does not conform"


def test_unknown_paths_and_methods_are_named() -> None:
    result = check_request(request(path=f"/v1/Account/{AUTH_ID}/Numbers/"))
    assert result.operation_id is None
    assert places(result.tolerant) == {("path", "no-operation")}
    put = check_request(request("PUT", ONE))
    assert places(put.tolerant) == {("method", "method-not-allowed")}
    assert "DELETE, GET, POST" in put.tolerant[0].message


def test_the_trailing_slash_is_part_of_the_path() -> None:
    assert find_operation("GET", LIST.rstrip("/"))[0] is None
    assert find_operation("GET", ONE)[0:2] == ("getNumber", {"auth_id": AUTH_ID, "number": "14155550100"})


def test_an_update_with_a_documented_field_conforms() -> None:
    result = check_request(request("POST", ONE, body={"alias": "Main Line"}))
    assert result.operation_id == "updateNumber"
    assert result.verdict == "conforms"
    assert result.advisories == []


def test_an_undeclared_update_field_is_an_advisory() -> None:
    result = check_request(request("POST", ONE, body={"number": "14155550100", "alias": "x"}))
    assert result.verdict == "conforms"
    assert places(result.advisories) == {("body.number", "undeclared-field")}


@pytest.mark.parametrize(
    ("body", "where", "code"),
    [
        ({"cnam_lookup": "on"}, "body.cnam_lookup", "enum"),
        ({"caller_reputation": "enabled"}, "body", "required"),
        ({"profile_uuid": "not-a-uuid"}, "body.profile_uuid", "format"),
        ({"alias": 5}, "body.alias", "type"),
        ({"cnam_callback_method": "PUT"}, "body.cnam_callback_method", "enum"),
    ],
)
def test_update_bodies_are_validated(body: dict[str, object], where: str, code: str) -> None:
    result = check_request(request("POST", ONE, body=body))
    assert (where, code) in places(result.tolerant)
    assert result.verdict == "does not conform"


def test_update_body_encoding_and_content_type() -> None:
    form = check_request(
        request("POST", ONE, body=b"alias=Main+Line", content_type="application/x-www-form-urlencoded")
    )
    # The page shows JSON; a form body is tolerated (ours), not documented (PROVENANCE.md).
    assert form.verdict == "conforms tolerant, not strict"
    text = check_request(request("POST", ONE, body=b"alias", content_type="text/plain"))
    assert places(text.tolerant) == {("header.content-type", "unsupported-media-type")}
    broken = check_request(
        request("POST", ONE, body=b"{alias", content_type="application/json; charset=utf-8")
    )
    assert places(broken.tolerant) == {("body", "invalid-json")}
    empty = check_request(request("POST", ONE, content_type="application/json"))
    # Every update argument is optional (DISCREPANCIES D25): an empty update is a valid request.
    assert places(empty.tolerant) == set()


@pytest.mark.parametrize(
    ("auth", "code"),
    [
        (AuthSeen(), "missing-auth"),
        (AuthSeen(scheme="Bearer"), "wrong-scheme"),
        (AuthSeen(scheme="Basic", malformed=True), "malformed-auth"),
        (AuthSeen(scheme="Basic", user="MAYYYYYYYYYYYYYYYYYY", token_matches=True), "user-mismatch"),
        (AuthSeen(scheme="Basic", user=AUTH_ID, token_matches=False), "token-mismatch"),
    ],
)
def test_basic_auth_must_be_present_and_match_the_path(auth: AuthSeen, code: str) -> None:
    result = check_request(request(auth=auth))
    assert ("auth", code) in places(result.tolerant)
    assert result.verdict == "does not conform"


def test_a_wrong_token_can_be_excused_for_a_deliberate_401() -> None:
    auth = AuthSeen(scheme="Basic", user=AUTH_ID, token_matches=False)
    assert check_request(request(auth=auth), credentials=False).verdict == "conforms"


def test_an_unchecked_token_is_not_a_violation() -> None:
    auth = AuthSeen(scheme="Basic", user=AUTH_ID, token_matches=None)
    assert check_request(request(auth=auth)).verdict == "conforms"


def test_reprs_say_what_was_checked() -> None:
    result = check_request(request(query="number_type=local"))
    assert isinstance(result, Conformance)
    assert "listNumbers: conforms tolerant, not strict" in repr(result)
    assert repr(result.documented[0]) == "<Violation violation query.number_type unknown-parameter>"
    assert str(result.documented[0]) == "query.number_type: not a parameter of listNumbers"
