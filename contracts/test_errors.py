"""Error answers: the documented status, application/json, and Plivo's error body.

The wording of ``error`` is never compared, and ``api_id`` is optional (a real 401 came
without it); only the shape the spec documents is required.
"""

from __future__ import annotations

import httpx
import pytest

from contracts import provenance, restore
from contracts.checks import assert_error_body, refused
from contracts.crawl import crawl
from contracts.curl import describe_exchange
from contracts.target import Target


def _first_number(target: Target) -> str:
    numbers = crawl(target).numbers
    if not numbers:
        pytest.skip("the target has no numbers")
    return numbers[0]


def _missing_number(target: Target) -> str:
    numbers = set(crawl(target).numbers)
    return next(n for n in (f"1999555{i:04d}" for i in range(10000)) if n not in numbers)


@pytest.mark.live_safe
def test_get_of_a_number_not_on_the_account_is_404(target: Target) -> None:
    response = target.http.get(
        target.number_path(_missing_number(target)), auth=httpx.BasicAuth(*target.credentials.basic)
    )
    refused(
        response,
        target,
        404,
        provenance.MISSING_NUMBER_NOT_SERVED,
        (f"get of a number not on the account\n{describe_exchange(response, target)}"),
        exact=provenance.GONE_IS_404,
    )


@pytest.mark.live_safe
@pytest.mark.parametrize(
    "params",
    [
        {"type": "satellite"},
        {"services": "fax"},
        {"services": "voice,,sms"},
        {"cnam_lookup": "maybe"},
        {"limit": "many"},
        {"renewal_date__gt": "next tuesday"},
    ],
    ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()),
)
def test_documented_constraint_violations_are_400(target: Target, params: dict[str, str]) -> None:
    response = target.http.get(
        target.numbers_path, params=params, auth=httpx.BasicAuth(*target.credentials.basic)
    )
    refused(
        response,
        target,
        400,
        None,
        (
            f"{params} breaks a documented constraint of listNumbers and must be answered 400\n"
            f"{describe_exchange(response, target)}"
        ),
        exact=provenance.INVALID_INPUT_REFUSED,
    )


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_undeclared_methods_are_405(target: Target, method: str) -> None:
    if target.live:
        pytest.skip(f"live target: {method} is never sent (the write guard refuses it)")
    response = target.http.request(
        method,
        target.number_path(_first_number(target)),
        json={"alias": "x"},
        auth=httpx.BasicAuth(*target.credentials.basic),
    )
    refused(
        response,
        target,
        405,
        None,
        (f"{method} is not an operation of the API\n{describe_exchange(response, target)}"),
    )


@pytest.mark.live_safe
@pytest.mark.parametrize("where", ["list", "number"])
def test_options_on_an_existing_resource_is_not_answered_as_missing(target: Target, where: str) -> None:
    """OPTIONS is no operation of the API: 405 (spec: MethodNotAllowed), or 2xx as a CORS preflight.

    OPTIONS is the one undeclared method the suite may send to a live target (the write
    guard refuses PUT and PATCH). Whatever a target does with it, the resource exists: a 404
    would tell clients it does not, and a 405 is Plivo's JSON error with an Allow header.
    """
    numbers = crawl(target).numbers
    if where == "number" and not numbers:
        pytest.skip("the target has no numbers")
    path = target.numbers_path if where == "list" else target.number_path(numbers[0])
    response = target.http.request("OPTIONS", path, auth=httpx.BasicAuth(*target.credentials.basic))
    strict = target.strict
    target.enforce(
        provenance.STATUS_CODES,
        response.status_code == 405 or 200 <= response.status_code < 300,
        f"OPTIONS on an existing {where} must be 405 Method Not Allowed (or a 2xx preflight), "
        f"not {response.status_code}\n{describe_exchange(response, target)}",
        strict=strict,
    )
    if response.status_code == 405:
        target.enforce(
            provenance.STATUS_CODES,
            bool(response.headers.get("allow")),
            "a 405 names the allowed methods in Allow (RFC 9110 15.5.6)\n"
            f"{describe_exchange(response, target)}",
            strict=strict,
        )
        assert_error_body(response, target)


@pytest.mark.writes
def test_invalid_update_body_is_400(target: Target) -> None:
    number = _first_number(target)
    with restore.kept(target, number):
        response = target.http.post(
            target.number_path(number),
            json={"cnam_lookup": "sometimes"},
            auth=httpx.BasicAuth(*target.credentials.basic),
        )
    refused(
        response,
        target,
        400,
        None,
        (
            "cnam_lookup must be enabled or disabled (spec: NumberUpdate)\n"
            f"{describe_exchange(response, target)}"
        ),
        exact=provenance.INVALID_INPUT_REFUSED,
    )
