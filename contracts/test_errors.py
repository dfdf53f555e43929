"""Error answers: the documented status, application/json, and Plivo's error body.

The wording of ``error`` is never compared, and ``api_id`` is optional (a real 401 came
without it); only the shape the spec documents is required.
"""

from __future__ import annotations

import httpx
import pytest

from contracts import restore
from contracts.checks import assert_error_body
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
    assert response.status_code == 404, (
        f"get of a number not on the account\n{describe_exchange(response, target)}"
    )
    assert_error_body(response, target)


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
    assert response.status_code == 400, (
        f"{params} breaks a documented constraint of listNumbers and must be answered 400\n"
        f"{describe_exchange(response, target)}"
    )
    assert_error_body(response, target)


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
    assert response.status_code == 405, (
        f"{method} is not an operation of the API\n{describe_exchange(response, target)}"
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
    assert response.status_code == 400, (
        f"cnam_lookup must be enabled or disabled (spec: NumberUpdate)\n{describe_exchange(response, target)}"
    )
    assert_error_body(response, target)
