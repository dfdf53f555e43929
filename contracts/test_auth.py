"""Authentication and account isolation.

No credentials or a wrong token: 401 with Plivo's error body (api_id optional). Another
account's auth_id in the path: 401. Another account cannot see our numbers, a subaccount
sees exactly the numbers assigned to it, and neither can read, update or unrent a number
that is not theirs.
"""

from __future__ import annotations

import httpx
import pytest

from contracts import provenance, restore
from contracts.checks import assert_error_body, refused
from contracts.crawl import crawl
from contracts.curl import describe_exchange
from contracts.target import Credentials, Target
from openapi.operations import GET, LIST

pytestmark = pytest.mark.live_safe

OTHER_MAIN = "MA" + "Z" * 18


def _some_number(target: Target) -> str:
    numbers = crawl(target).numbers
    return numbers[0] if numbers else "14155550100"


@pytest.mark.parametrize("credentials", ["none", "wrong-token", "unknown-account"])
@pytest.mark.parametrize("operation", [LIST, GET])
def test_bad_credentials_are_refused_with_401(target: Target, credentials: str, operation: str) -> None:
    auth = {
        "none": None,
        "wrong-token": httpx.BasicAuth(target.auth_id, "not-the-token"),
        "unknown-account": httpx.BasicAuth(OTHER_MAIN, "not-the-token"),
    }[credentials]
    path = target.numbers_path if operation == LIST else target.number_path(_some_number(target))
    response = target.http.get(path, auth=auth or httpx.USE_CLIENT_DEFAULT)
    refused(
        response,
        target,
        401,
        provenance.AUTH_REQUIRED,
        (
            f"{operation} with {credentials} credentials must be refused with 401\n"
            f"{describe_exchange(response, target)}"
        ),
    )
    assert target.auth_token not in response.text


@pytest.mark.writes
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_writes_without_credentials_are_refused(target: Target, method: str) -> None:
    if target.live and method == "DELETE":
        pytest.skip("live target: DELETE is only ever sent for the --unrent numbers")
    numbers = crawl(target).numbers
    if not numbers:
        pytest.skip("the target has no numbers")
    number = numbers[0]
    before = restore.snapshot(target, number)
    body = {"alias": "nobody"} if method == "POST" else None
    with restore.kept(target, number):
        response = target.http.request(method, target.number_path(number), json=body)
        after = restore.snapshot(target, number)
    assert response.status_code == 401, f"{method} without credentials\n{describe_exchange(response, target)}"
    assert_error_body(response, target)
    assert after == before, "a request refused for lack of credentials changed the number"


def test_another_accounts_path_is_refused(target: Target) -> None:
    other = target.other_account.auth_id if target.other_account else OTHER_MAIN
    auth = httpx.BasicAuth(*target.credentials.basic)
    for path in (f"/v1/Account/{other}/Number/", f"/v1/Account/{other}/Number/{_some_number(target)}/"):
        response = target.http.get(path, auth=auth)
        refused(
            response,
            target,
            401,
            provenance.AUTH_REQUIRED,
            "our credentials on another account's path must be refused with 401 (spec: Unauthorized)\n"
            f"{describe_exchange(response, target)}",
        )


def test_another_account_cannot_see_our_numbers(target: Target) -> None:
    other = target.other_account
    if other is None:
        pytest.skip("no second account: set PLIVO_OTHER_AUTH_ID / PLIVO_OTHER_AUTH_TOKEN")
    ours = crawl(target)
    theirs = crawl(target, as_=other)
    shared = set(ours.numbers) & set(theirs.numbers)
    assert not shared, f"numbers listed by both accounts: {sorted(shared)[:5]}"
    if ours.numbers:
        response = target.http.get(
            target.number_path(ours.numbers[0], auth_id=other.auth_id), auth=httpx.BasicAuth(*other.basic)
        )
        refused(
            response,
            target,
            404,
            provenance.ACCOUNT_ISOLATION,
            "another account reading our number through its own path must get 404\n"
            f"{describe_exchange(response, target)}",
            exact=provenance.GONE_IS_404,
        )


def test_subaccount_sees_exactly_its_numbers(target: Target) -> None:
    sub = target.subaccount
    if sub is None:
        pytest.skip("no subaccount credentials: set PLIVO_SUBACCOUNT_AUTH_ID / PLIVO_SUBACCOUNT_AUTH_TOKEN")
    main = crawl(target)
    expected = sorted(str(o["number"]) for o in main.objects if o.get("sub_account") == sub.auth_id)
    seen = crawl(target, as_=sub)
    assert sorted(seen.numbers) == expected, (
        f"subaccount {sub.auth_id} should see exactly the {len(expected)} numbers whose sub_account it is; "
        f"saw {len(seen.numbers)}: missing {sorted(set(expected) - set(seen.numbers))[:5]}, "
        f"extra {sorted(set(seen.numbers) - set(expected))[:5]}"
    )
    response = target.http.get(target.numbers_path, auth=httpx.BasicAuth(*sub.basic))
    refused(
        response,
        target,
        401,
        provenance.AUTH_REQUIRED,
        "a subaccount on its main account's path must be refused with 401\n"
        f"{describe_exchange(response, target)}",
    )


def test_subaccount_total_count_counts_its_own_numbers(target: Target) -> None:
    """ListMeta.total_count of a subaccount's list is the number of objects that list holds."""
    sub = target.subaccount
    if sub is None:
        pytest.skip("no subaccount credentials: set PLIVO_SUBACCOUNT_AUTH_ID / PLIVO_SUBACCOUNT_AUTH_TOKEN")
    seen = crawl(target, as_=sub)
    target.enforce(
        provenance.LIST_META,
        seen.total_count == len(seen.numbers),
        f"subaccount {sub.auth_id}: meta.total_count says {seen.total_count}, "
        f"its pages hold {len(seen.numbers)} numbers",
        strict=target.strict,
    )


def _principal(target: Target, who: str) -> Credentials:
    credentials = target.other_account if who == "other-account" else target.subaccount
    if credentials is None:
        variable = "PLIVO_OTHER_AUTH_ID" if who == "other-account" else "PLIVO_SUBACCOUNT_AUTH_ID"
        pytest.skip(f"no {who} credentials: set {variable} and its token")
    return credentials


def _all_not_theirs(target: Target, who: Credentials) -> list[str]:
    numbers = [str(o["number"]) for o in crawl(target).objects if o.get("sub_account") != who.auth_id]
    if not numbers:
        pytest.skip(f"every number on the target belongs to {who.auth_id}")
    return numbers


def _not_theirs(target: Target, who: Credentials) -> str:
    return _all_not_theirs(target, who)[0]


@pytest.mark.parametrize("who", ["other-account", "subaccount"])
def test_a_number_is_not_readable_through_another_principals_path(target: Target, who: str) -> None:
    principal = _principal(target, who)
    number = _not_theirs(target, principal)
    response = target.http.get(
        target.number_path(number, auth_id=principal.auth_id), auth=httpx.BasicAuth(*principal.basic)
    )
    refused(
        response,
        target,
        404,
        provenance.ACCOUNT_ISOLATION,
        (
            f"{who} {principal.auth_id} read number {number}, which is not its own, through its own path\n"
            f"{describe_exchange(response, target)}"
        ),
        exact=provenance.GONE_IS_404,
    )


@pytest.mark.writes
@pytest.mark.parametrize("who", ["other-account", "subaccount"])
def test_a_number_is_not_writable_through_another_principals_path(target: Target, who: str) -> None:
    principal = _principal(target, who)
    number = _not_theirs(target, principal)
    before = restore.snapshot(target, number)
    with restore.kept(target, number):
        response = target.http.post(
            target.number_path(number, auth_id=principal.auth_id),
            json={"alias": "not yours"},
            auth=httpx.BasicAuth(*principal.basic),
        )
        after = restore.snapshot(target, number)
    refused(
        response,
        target,
        404,
        provenance.ACCOUNT_ISOLATION,
        (
            f"{who} {principal.auth_id} updated number {number}, which is not its own\n"
            f"{describe_exchange(response, target)}"
        ),
        exact=provenance.GONE_IS_404,
    )
    assert after == before, f"{who} changed number {number}: before {before}, after {after}"


@pytest.mark.unrent
@pytest.mark.parametrize("who", ["other-account", "subaccount"])
def test_a_number_is_not_unrentable_through_another_principals_path(target: Target, who: str) -> None:
    principal = _principal(target, who)
    outside = _all_not_theirs(target, principal)
    # On a live target only a user-named number may ever go, should the target wrongly obey.
    candidates = [n for n in outside if n in target.unrentable] if target.live else outside[-1:]
    if not candidates:
        pytest.skip(f"none of the --unrent numbers is outside {who} {principal.auth_id}")
    number = candidates[0]
    response = target.http.delete(
        target.number_path(number, auth_id=principal.auth_id), auth=httpx.BasicAuth(*principal.basic)
    )
    refused(
        response,
        target,
        404,
        provenance.ACCOUNT_ISOLATION,
        (
            f"{who} {principal.auth_id} unrented number {number}, which is not its own\n"
            f"{describe_exchange(response, target)}"
        ),
        exact=provenance.GONE_IS_404,
    )
    assert restore.snapshot(target, number) is not None, f"a refused unrent removed {number}"
