"""openapi.requests: one request validator, so the emulator and the SDK checker agree on every value."""

from __future__ import annotations

import json

import pytest

import openapi
from emulator.errors import ApiError
from emulator.validation import OperationRules
from openapi.requests import FORMAT_CHECKER, Problem, coerce, is_uri, request_rules, validate_request
from sdkcheck.recording import AuthSeen, RecordedRequest
from sdkcheck.requestcheck import check_request

AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
ONE = f"/v1/Account/{AUTH_ID}/Number/14155550100/"
LIST = f"/v1/Account/{AUTH_ID}/Number/"
AUTH = AuthSeen(scheme="Basic", user=AUTH_ID, token_matches=True)


def _sdk_query_ok(query: str) -> bool:
    result = check_request(RecordedRequest(method="GET", path=LIST, query=query, auth=AUTH))
    return result.verdict != "does not conform"


def _emulator_query_ok(pairs: list[tuple[str, str]]) -> bool:
    try:
        OperationRules("listNumbers", "tolerant").query.parse(pairs)
    except ApiError:
        return False
    return True


def _sdk_body_ok(body: dict[str, object]) -> bool:
    headers = (("content-type", "application/json"),)
    request = RecordedRequest(
        method="POST", path=ONE, headers=headers, body=json.dumps(body).encode(), auth=AUTH
    )
    return check_request(request).verdict != "does not conform"


def _emulator_body_ok(body: dict[str, object]) -> bool:
    rules = OperationRules("updateNumber", "tolerant")
    assert rules.body is not None
    try:
        rules.body.parse("application/json", json.dumps(body).encode())
    except ApiError:
        return False
    return True


@pytest.mark.parametrize(
    ("text", "ok"),
    [("5", True), ("05", True), ("20", True), ("+5", False), (" 5", False), ("5 ", False), ("5.0", False),
     ("-1", False), ("1e1", False), ("", False), ("\uff15", False)],
)  # fmt: skip
def test_the_emulator_and_the_sdk_checker_read_integers_alike(text: str, ok: bool) -> None:
    assert _emulator_query_ok([("limit", text)]) is ok
    assert _sdk_query_ok("limit=" + text.replace("+", "%2B").replace(" ", "%20")) is ok


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/cnam", True),
        ("http://127.0.0.1:8080/cb?x=1", True),
        ("urn:example:callback", True),
        ("not a url", False),
        ("example.com/cnam", False),
        ("https://exa mple.com/", False),
        ("://missing-scheme", False),
        ("", False),
    ],
)
def test_the_emulator_and_the_sdk_checker_read_urls_alike(url: str, ok: bool) -> None:
    for field in ("cnam_callback_url", "caller_reputation_callback_url"):
        assert _emulator_body_ok({field: url}) is ok
        assert _sdk_body_ok({field: url}) is ok
    assert is_uri(url) is ok


def test_response_validation_uses_the_same_format_checker() -> None:
    assert getattr(openapi.schema_validator("NumberUpdate"), "format_checker", None) is FORMAT_CHECKER
    assert FORMAT_CHECKER.conforms("not a url", "uri") is False


def test_coerce_reads_text_as_the_schema_type() -> None:
    assert coerce("7", {"type": "integer"}) == 7
    assert coerce("+7", {"type": "integer"}) == "+7"
    assert coerce("9" * 5000, {"type": "integer"}) == "9" * 5000  # past int()'s digit limit
    assert coerce("1.5", {"type": "number"}) == 1.5
    assert coerce("true", {"type": "boolean"}) is True
    assert coerce("7", {"type": "string"}) == "7"


def test_problems_read_both_ways() -> None:
    problem = Problem("body", ("info", 0), "type", "5 is not of type 'string'")
    assert problem.where == "body.info[0]"
    assert problem.text == "info.0: 5 is not of type 'string'"
    assert Problem("body", (), "missing-body", "a body").text == "a body"


def test_policies_differ_only_where_said() -> None:
    rules = request_rules("updateNumber", "tolerant")
    assert rules.basic_auth
    assert rules.body is not None
    # A server reads a body without a Content-Type; a client must label it.
    sniffed, problems = rules.body.check(None, b'{"alias": "x"}', sniff=True)
    assert (sniffed, problems) == ({"alias": "x"}, [])
    _, problems = rules.body.check(None, b'{"alias": "x"}')
    assert [p.code for p in problems] == ["unsupported-media-type"]
    # An undeclared key is ignorable: the emulator ignores it, the SDK checker notes it.
    _, problems = rules.body.check("application/json", b'{"alias": "x", "number": "1"}')
    assert [(p.where, p.severity, p.ignorable) for p in problems] == [("body.number", "advisory", True)]


def test_validate_request_names_every_part() -> None:
    problems = validate_request(
        "documented",
        "getNumber",
        path_params={"auth_id": AUTH_ID, "number": "not-a-number"},
        query=[("limit", "5")],
        content_type="application/json",
        body=b"{}",
    )
    assert {(p.where, p.code) for p in problems} == {
        ("path.number", "pattern"),
        ("query.limit", "unknown-parameter"),
        ("body", "unexpected-body"),
        ("header.content-type", "content-type-without-body"),
    }


def test_a_repeated_value_is_judged_each_time() -> None:
    values, problems = request_rules("listNumbers").query.check([("limit", "50"), ("limit", "2")])
    assert values["limit"] == 2
    assert {(p.where, p.code) for p in problems} == {
        ("query.limit", "repeated-parameter"),
        ("query.limit", "maximum"),
    }


# --- the documented filter semantics, one home (openapi.filters) ------------------------------------


def test_the_sdk_checks_and_the_contract_suite_share_the_filter_oracle() -> None:
    from contracts import semantics
    from openapi import filters as openapi_filters
    from sdkcheck.scenarios import selects

    assert semantics.filters is openapi_filters.filters
    number = {"number": "+14155550100", "sms_enabled": True, "voice_enabled": 1, "number_type": "local"}
    # A leading "+" on the object's number is not part of the prefix (the page: digits, without "+").
    assert selects("number_startswith", "1415")(number)
    # services is all-of over values that are true (a truthy 1 is not true).
    assert selects("services", "sms")(number)
    assert not selects("services", ["sms", "voice"])(number)
    # The documented level matches object values exactly: no letter-case folding.
    assert selects("tendlc_registration_status", "registered")({"tendlc_registration_status": "COMPLETED"})
    assert not selects("tendlc_registration_status", "registered")(
        {"tendlc_registration_status": "completed"}
    )
    assert selects("type", "local")(number)
