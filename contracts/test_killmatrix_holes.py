"""Holes the kill matrix found: documented properties no other contract test judged on a live target.

Each test states the rule of the spec it checks and stays within what a correct target, ours
or another, must do (contracts issue point 4); see reports/kill-matrix.html for the defects
that slipped through before these existed.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

import openapi
from contracts import restore
from contracts.checks import assert_error_body, meta_problems
from contracts.crawl import crawl, get_page
from contracts.curl import describe_exchange
from contracts.target import Credentials, Target

ENROLLED = ("PENDING", "ACTIVE")


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
    assert response.status_code == 405 or 200 <= response.status_code < 300, (
        f"OPTIONS on an existing {where} must be 405 Method Not Allowed (or a 2xx preflight), "
        f"not {response.status_code}\n{describe_exchange(response, target)}"
    )
    if response.status_code == 405:
        assert response.headers.get("allow"), (
            "a 405 names the allowed methods in Allow (RFC 9110 15.5.6)\n"
            f"{describe_exchange(response, target)}"
        )
        assert_error_body(response, target)


def _reputation_candidate(target: Target) -> dict[str, Any]:
    objects = crawl(target).objects
    # Already enrolled, with a profile: a target that wrongly accepts changes nothing that shows.
    for obj in objects:
        if obj.get("caller_reputation_status") in ENROLLED and obj.get("profile_uuid"):
            return obj
    if target.live:
        pytest.skip("live target: no number already enrolled in Caller Reputation to try the refusal on")
    for obj in objects:
        if str(obj.get("region", "")).endswith("UNITED STATES") and obj.get("number_type") in (
            "local",
            "tollfree",
        ):
            return obj
    pytest.skip("the target has no US local or toll-free number")


@pytest.mark.writes
@pytest.mark.parametrize("encoding", ["json", "form"])
def test_caller_reputation_enabled_without_profile_is_refused(target: Target, encoding: str) -> None:
    """NumberUpdate: `enabled` requires profile_uuid (a documented constraint): 400, nothing changes."""
    obj = _reputation_candidate(target)
    number = str(obj["number"])
    body = {"caller_reputation": "enabled"}
    auth = httpx.BasicAuth(*target.credentials.basic)
    with restore.kept(target, number):
        if encoding == "json":
            response = target.http.post(target.number_path(number), json=body, auth=auth)
        else:
            response = target.http.post(target.number_path(number), data=body, auth=auth)
        after = restore.snapshot(target, number) or {}
    assert response.status_code == 400, (
        "caller_reputation=enabled without profile_uuid breaks NumberUpdate "
        f"(then: required [profile_uuid]) and must be answered 400\n{describe_exchange(response, target)}"
    )
    assert_error_body(response, target)
    assert after.get("profile_uuid") == obj.get("profile_uuid"), (
        f"a refused update changed profile_uuid from {obj.get('profile_uuid')!r} "
        f"to {after.get('profile_uuid')!r}"
    )


def _outside_subaccount(target: Target) -> tuple[Credentials, list[str]]:
    """The subaccount credentials and the account's numbers that are not the subaccount's."""
    sub = target.subaccount
    if sub is None:
        pytest.skip("no subaccount credentials: set PLIVO_SUBACCOUNT_AUTH_ID / PLIVO_SUBACCOUNT_AUTH_TOKEN")
    outside = [str(o["number"]) for o in crawl(target).objects if o.get("sub_account") != sub.auth_id]
    if not outside:
        pytest.skip(f"every number of the account belongs to subaccount {sub.auth_id}")
    return sub, outside


def _refused_as_not_its_own(response: httpx.Response, target: Target, what: str) -> None:
    # Not on the subaccount's account: 404 (spec: NotFound), or 401 for a refused scope.
    assert response.status_code in (401, 404), (
        f"a subaccount {what} a number that is not its own must be refused with 404 (or 401)\n"
        f"{describe_exchange(response, target)}"
    )
    assert_error_body(response, target)


@pytest.mark.live_safe
def test_subaccount_cannot_get_a_number_that_is_not_its_own(target: Target) -> None:
    """A subaccount sees only its numbers: not in its list, and not by get either."""
    sub, outside = _outside_subaccount(target)
    response = target.http.get(
        target.number_path(outside[0], auth_id=sub.auth_id), auth=httpx.BasicAuth(*sub.basic)
    )
    _refused_as_not_its_own(response, target, "reading")


@pytest.mark.writes
def test_subaccount_cannot_update_a_number_that_is_not_its_own(target: Target) -> None:
    sub, outside = _outside_subaccount(target)
    number = outside[0]
    before = restore.snapshot(target, number) or {}
    with restore.kept(target, number):
        response = target.http.post(
            target.number_path(number, auth_id=sub.auth_id),
            json={"alias": f"not yours {uuid.uuid4().hex[:6]}"},
            auth=httpx.BasicAuth(*sub.basic),
        )
        after = restore.snapshot(target, number) or {}
    _refused_as_not_its_own(response, target, "updating")
    assert after.get("alias") == before.get("alias"), "a refused update changed the alias"


@pytest.mark.unrent
def test_subaccount_cannot_unrent_a_number_that_is_not_its_own(target: Target) -> None:
    sub, outside = _outside_subaccount(target)
    # On a live target only a user-named number may ever go, should the target wrongly obey.
    candidates = [n for n in outside if n in target.unrentable] if target.live else outside[-1:]
    if not candidates:
        pytest.skip("none of the --unrent numbers is outside the subaccount")
    number = candidates[0]
    response = target.http.delete(
        target.number_path(number, auth_id=sub.auth_id), auth=httpx.BasicAuth(*sub.basic)
    )
    _refused_as_not_its_own(response, target, "unrenting")
    assert restore.snapshot(target, number) is not None, f"a refused unrent removed {number}"


# How long a change may take to reach the list on a target with replicas or caches.
LIST_CATCH_UP_S = 5.0


@pytest.mark.writes
def test_an_update_shows_in_the_list_too(target: Target) -> None:
    """The list answers the numbers as they are: an alias that get shows, the list shows too.

    A target may take a moment to catch up (replicas, caches), so the list is read again
    for a few seconds before this fails.
    """
    full = crawl(target)
    if not full.objects:
        pytest.skip("the target has no numbers")
    number = str(full.objects[len(full.objects) // 3]["number"])
    alias = f"contracts list {uuid.uuid4().hex[:8]}"
    listed: Any = None
    with restore.kept(target, number):
        response = target.http.post(
            target.number_path(number), json={"alias": alias}, auth=httpx.BasicAuth(*target.credentials.basic)
        )
        assert response.status_code == 202, describe_exchange(response, target)
        deadline = time.monotonic() + LIST_CATCH_UP_S
        while True:
            page = crawl(target, {"number_startswith": number.lstrip("+")})
            listed = next(
                (o for o in page.objects if str(o.get("number")).lstrip("+") == number.lstrip("+")), None
            )
            if (listed or {}).get("alias") == alias or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    assert listed is not None, f"number {number} is not in the list filtered by its own digits"
    assert listed.get("alias") == alias, (
        f"after updating the alias of {number} to {alias!r} (202), the list still shows "
        f"{listed.get('alias')!r} after {LIST_CATCH_UP_S:.0f} s"
    )


@pytest.mark.live_safe
def test_subaccount_total_count_counts_its_own_numbers(target: Target) -> None:
    """ListMeta.total_count of a subaccount's list is the number of objects that list holds."""
    sub = target.subaccount
    if sub is None:
        pytest.skip("no subaccount credentials: set PLIVO_SUBACCOUNT_AUTH_ID / PLIVO_SUBACCOUNT_AUTH_TOKEN")
    seen = crawl(target, as_=sub)
    assert seen.total_count == len(seen.numbers), (
        f"subaccount {sub.auth_id}: meta.total_count says {seen.total_count}, "
        f"its pages hold {len(seen.numbers)} numbers"
    )


@pytest.mark.writes
def test_a_refused_update_changes_nothing(target: Target) -> None:
    """A 400 says the request was invalid: none of its fields, valid or not, may have been applied."""
    full = crawl(target)
    if not full.objects:
        pytest.skip("the target has no numbers")
    number = str(full.objects[len(full.objects) // 2]["number"])
    before = restore.snapshot(target, number) or {}
    alias = f"refused {uuid.uuid4().hex[:8]}"
    with restore.kept(target, number):
        response = target.http.post(
            target.number_path(number),
            json={"alias": alias, "cnam_lookup": "sometimes"},
            auth=httpx.BasicAuth(*target.credentials.basic),
        )
        after = restore.snapshot(target, number) or {}
    assert response.status_code == 400, (
        f"cnam_lookup must be enabled or disabled (spec: NumberUpdate)\n{describe_exchange(response, target)}"
    )
    assert after.get("alias") == before.get("alias"), (
        f"an update refused with 400 still changed the alias of {number} from {before.get('alias')!r} "
        f"to {after.get('alias')!r}\n{describe_exchange(response, target)}"
    )


MOVED = frozenset({"sub_account", "resource_uri"})


def _set(value: Any) -> bool:
    return value not in (None, "")


def _covering(candidates: list[dict[str, Any]], fields: set[str]) -> list[dict[str, Any]]:
    """A few numbers that between them have every field set that any candidate has set."""
    uncovered = {f for f in fields if any(_set(o.get(f)) for o in candidates)}
    chosen: list[dict[str, Any]] = []
    while uncovered:
        best = max(candidates, key=lambda o: sum(_set(o.get(f)) for f in uncovered))
        chosen.append(best)
        uncovered -= {f for f in fields if _set(best.get(f))}
    return chosen


@pytest.mark.writes
def test_a_subaccount_transfer_changes_nothing_else(target: Target) -> None:
    """A transfer moves the number (sub_account, and the resource_uri derived from it); nothing else.

    Numbers are chosen so that every field set on some subaccount number is set on one of
    them: a transfer that resets any field shows.
    """
    full = crawl(target)
    subs = {str(o["sub_account"]) for o in full.objects if o.get("sub_account")}
    if target.subaccount is not None:
        subs.add(target.subaccount.auth_id)
    candidates = [o for o in full.objects if o.get("sub_account")]
    if len(subs) < 2 or not candidates:
        pytest.skip("the target needs numbers on a subaccount and a second subaccount to move one to")
    schemas = openapi.load_spec("documented")["components"]["schemas"]
    documented = set(schemas["AccountPhoneNumber"]["properties"])
    for obj in _covering(candidates, documented - MOVED - {"number"}):
        number = str(obj["number"])
        to = sorted(subs - {str(obj["sub_account"])})[0]
        before = restore.snapshot(target, number) or {}
        with restore.kept(target, number):
            response = target.http.post(
                target.number_path(number),
                json={"subaccount": to},
                auth=httpx.BasicAuth(*target.credentials.basic),
            )
            after = restore.snapshot(target, number) or {}
        assert response.status_code == 202, (
            f"moving {number} to subaccount {to}, which the account has\n"
            f"{describe_exchange(response, target)}"
        )
        differences = restore.snapshot_differences(before, after)
        effects = {k: v for k, v in differences.items() if k in documented and k not in MOVED}
        assert not effects, f"moving {number} to subaccount {to} also changed {effects}"


@pytest.mark.live_safe
@pytest.mark.parametrize("limit", [1, 7, 20])
def test_an_exactly_full_last_page_has_no_next(target: Target, limit: int) -> None:
    """ListMeta.next is null on the last page, also when that page is exactly full.

    Walking pages rarely lands on this boundary (only when the limit divides total_count),
    so it is asked for directly: offset = total_count - limit.
    """
    total = crawl(target).total_count
    if total < limit:
        pytest.skip(f"the target has fewer than {limit} numbers")
    response, body = get_page(target, {"limit": limit, "offset": total - limit})
    sent = {"limit": [str(limit)], "offset": [str(total - limit)]}
    problems = meta_problems(body["meta"], len(body["objects"]), sent, response.request.url.path)
    assert not problems, "\n".join(problems) + "\n" + describe_exchange(response, target)
