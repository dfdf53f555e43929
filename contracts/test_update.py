"""Update round-trips: every writable field shows on the next get, nothing else moves.

Each test snapshots its number first and puts back every changed field in a finalizer,
even when it fails half-way; the finalizer's second read proves the number matches its
snapshot. On a live target these tests need --allow-writes, and fields whose old value
cannot be written back are not changed at all.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

import openapi
from contracts import provenance, restore
from contracts.checks import assert_error_body, refused
from contracts.crawl import Crawl, crawl
from contracts.curl import describe_exchange
from contracts.target import Target

pytestmark = pytest.mark.writes


def _page_attributes() -> set[str]:
    """The object's attributes the page documents: undocumented ones (sub_account_name, ...)
    carry an x-observed record with no values, and may move with what they describe."""
    properties = openapi.load_spec("documented")["components"]["schemas"]["AccountPhoneNumber"]["properties"]
    return {
        name
        for name, prop in properties.items()
        if not any("enum" not in o and "schema" not in o for o in prop.get("x-observed", []))
    }


DOCUMENTED_FIELDS = _page_attributes()


def accepted(response: httpx.Response, target: Target, message: str) -> None:
    """A documented update is accepted with a 2xx (documented); 202 is our convention (a warning)."""
    assert 200 <= response.status_code < 300, (
        f"{message}: answered {response.status_code}, not a 2xx\n{describe_exchange(response, target)}"
        f"\n  rule: {provenance.DOCUMENTED_REQUEST_ACCEPTED.rule}"
    )
    target.enforce(
        provenance.UPDATE_202,
        response.status_code == 202,
        f"updateNumber answered {response.status_code}",
        strict=target.strict,
    )


def _is_us(obj: dict[str, Any]) -> bool:
    return str(obj.get("region", "")).endswith("UNITED STATES")


def _app_id(uri: Any) -> str | None:
    return uri.rstrip("/").rsplit("/", 1)[-1] if isinstance(uri, str) and uri else None


@dataclass(frozen=True)
class FieldUpdate:
    """One writable field: which number suits it, what to send, what must show afterwards."""

    name: str
    suits: Callable[[dict[str, Any]], bool]
    body: Callable[[dict[str, Any], Crawl, Target], dict[str, Any] | None]
    shows: Callable[[dict[str, Any], dict[str, Any]], str | None]  # (body, after) -> problem
    may_change: frozenset[str] = field(default_factory=frozenset)
    may_refuse: bool = False  # a proper 4xx is a legitimate answer (e.g. an unknown profile)

    def __repr__(self) -> str:
        return f"<FieldUpdate {self.name}>"


def _shows(prop: str, key: str) -> Callable[[dict[str, Any], dict[str, Any]], str | None]:
    def check(body: dict[str, Any], after: dict[str, Any]) -> str | None:
        if after.get(prop) != body[key]:
            return f"{prop} is {after.get(prop)!r} after updating {key} to {body[key]!r}"
        return None

    return check


def _other_app(obj: dict[str, Any], full: Crawl, target: Target) -> dict[str, Any] | None:
    current = _app_id(obj.get("application"))
    apps = sorted({a for o in full.objects if (a := _app_id(o.get("application"))) and a != current})
    return {"app_id": apps[0]} if apps else None


def _other_subaccount(obj: dict[str, Any], full: Crawl, target: Target) -> dict[str, Any] | None:
    subs = {str(o["sub_account"]) for o in full.objects if o.get("sub_account")}
    if target.subaccount is not None:
        subs.add(target.subaccount.auth_id)
    subs.discard(str(obj.get("sub_account")))
    return {"subaccount": sorted(subs)[0]} if subs else None


def _shows_app(body: dict[str, Any], after: dict[str, Any]) -> str | None:
    if _app_id(after.get("application")) != body["app_id"]:
        return f"application is {after.get('application')!r} after updating app_id to {body['app_id']!r}"
    return None


def _flip(value: Any) -> str:
    return "disabled" if value == "enabled" else "enabled"


def _reputation_suits(obj: dict[str, Any]) -> bool:
    return _is_us(obj) and obj.get("number_type") in ("local", "tollfree")


def _shows_reputation(body: dict[str, Any], after: dict[str, Any]) -> str | None:
    if after.get("profile_uuid") != body["profile_uuid"]:
        return f"profile_uuid is {after.get('profile_uuid')!r} after updating it to {body['profile_uuid']!r}"
    return None


def _nothing_visible(body: dict[str, Any], after: dict[str, Any]) -> str | None:
    return None


UPDATES = [
    FieldUpdate(
        "alias",
        lambda o: True,
        lambda o, f, t: {"alias": f"contracts {uuid.uuid4().hex[:8]}"},
        _shows("alias", "alias"),
        frozenset({"alias"}),
    ),
    FieldUpdate("app_id", lambda o: True, _other_app, _shows_app, frozenset({"application"})),
    FieldUpdate(
        "subaccount",
        lambda o: bool(o.get("sub_account")),
        _other_subaccount,
        _shows("sub_account", "subaccount"),
        frozenset({"sub_account", "resource_uri"}),
    ),
    FieldUpdate(
        "cnam_lookup",
        lambda o: _is_us(o) and o.get("cnam_lookup") in ("enabled", "disabled"),
        lambda o, f, t: {"cnam_lookup": _flip(o.get("cnam_lookup"))},
        _shows("cnam_lookup", "cnam_lookup"),
        frozenset({"cnam_lookup"}),
    ),
    FieldUpdate(
        "cnam",
        lambda o: _is_us(o) and isinstance(o.get("cnam"), str),
        lambda o, f, t: {"cnam": "CONTRACTS TEST"},
        _shows("cnam", "cnam"),
        frozenset({"cnam"}),
    ),
    FieldUpdate(
        "cnam_callback_url",
        _is_us,
        lambda o, f, t: {"cnam_callback_url": "https://example.com/cnam", "cnam_callback_method": "GET"},
        _nothing_visible,
    ),
    FieldUpdate(
        "caller_reputation",
        _reputation_suits,
        lambda o, f, t: {"caller_reputation": "enabled", "profile_uuid": str(uuid.uuid4())},
        _shows_reputation,
        frozenset({"profile_uuid", "caller_reputation_status"}),
        may_refuse=True,  # a profile the target does not know may be refused
    ),
    FieldUpdate(
        "caller_reputation_callback_url",
        _reputation_suits,
        lambda o, f, t: {
            "caller_reputation_callback_url": "https://example.com/reputation",
            "caller_reputation_callback_method": "POST",
        },
        _nothing_visible,
    ),
    FieldUpdate(
        "compliance_application_id",
        lambda o: True,
        lambda o, f, t: {"compliance_application_id": str(uuid.uuid4())},
        _nothing_visible,
        frozenset({"compliance_application_id", "compliance_status"}),
        may_refuse=True,  # an unknown compliance application may be refused
    ),
]


def _post(target: Target, number: str, body: dict[str, Any], form: bool = False) -> httpx.Response:
    auth = httpx.BasicAuth(*target.credentials.basic)
    path = target.number_path(number)
    if form:
        return target.http.post(path, data=body, auth=auth)
    return target.http.post(path, json=body, auth=auth)


@pytest.fixture
def restored(target: Target) -> Iterator[Callable[[str], dict[str, Any]]]:
    """Snapshot numbers on request; put every one back afterwards and prove it."""
    snapshots: dict[str, dict[str, Any]] = {}

    def take(number: str) -> dict[str, Any]:
        before = restore.snapshot(target, number)
        assert before is not None, f"number {number} vanished before the test could use it"
        snapshots.setdefault(number, before)
        return before

    yield take
    for number, before in snapshots.items():
        restore.put_back(target, number, before, strict=target.live)


def _set(value: Any) -> bool:
    return value not in (None, "")


def covering(candidates: list[dict[str, Any]], fields: set[str]) -> list[dict[str, Any]]:
    """A few of ``candidates`` that between them have every field set that any candidate has set.

    A side effect shows only on a field that had a value to lose: checking one number
    leaves blind every field it happens to have empty.
    """
    uncovered = {f for f in fields if any(_set(o.get(f)) for o in candidates)}
    chosen: list[dict[str, Any]] = candidates[:1] if candidates and not uncovered else []
    while uncovered:
        best = max(candidates, key=lambda o: sum(_set(o.get(f)) for f in uncovered))
        chosen.append(best)
        uncovered -= {f for f in fields if _set(best.get(f))}
    return chosen


def _candidates(full: Crawl, update: FieldUpdate, target: Target) -> list[dict[str, Any]]:
    """Numbers that suit ``update`` and between them have every field it must not touch set."""
    suitable = []
    for obj in full.objects:
        if not update.suits(obj):
            continue
        if target.live:
            # Only change what can be written back exactly.
            _, impossible = restore.restore_body(obj, set(update.may_change))
            if impossible:
                continue
        suitable.append(obj)
    if not suitable:
        pytest.skip(f"no number on the target suits an update of {update.name}")
    return covering(suitable, DOCUMENTED_FIELDS - update.may_change - {"number"})


def _side_effects(before: dict[str, Any], after: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    differences = restore.snapshot_differences(before, after)
    return {k: v for k, v in differences.items() if k in DOCUMENTED_FIELDS and k not in allowed}


@pytest.mark.parametrize("update", UPDATES, ids=lambda u: u.name)
def test_update_round_trips_without_side_effects(
    target: Target, restored: Callable[[str], dict[str, Any]], update: FieldUpdate
) -> None:
    """The update shows on the next get and changes no other documented field.

    A subaccount transfer, for one, moves the number (sub_account, and the resource_uri
    derived from it) and nothing else.
    """
    full = crawl(target)
    tried = 0
    for obj in _candidates(full, update, target):
        number = str(obj["number"])
        before = restored(number)
        body = update.body(before, full, target)
        if body is None:
            continue
        tried += 1
        response = _post(target, number, body)
        if update.may_refuse and 400 <= response.status_code < 500:
            assert_error_body(response, target)
            continue
        accepted(response, target, f"update of {update.name} of {number} with {body} should be accepted")
        problems = openapi.schema_errors(response.json(), "UpdateResult", target.level)
        assert not problems, (
            f"update answer breaks UpdateResult: {problems}\n{describe_exchange(response, target)}"
        )
        after = restore.snapshot(target, number)
        assert after is not None, f"number {number} disappeared after an update of {update.name}"
        problem = update.shows(body, after)
        assert problem is None, f"update of {update.name} of {number} did not show on the next get: {problem}"
        effects = _side_effects(before, after, update.may_change)
        assert not effects, f"update of {update.name} of {number} also changed other fields: {effects}"
    if not tried:
        pytest.skip(f"the target has no second value to set {update.name} to")


def test_unknown_keys_are_ignored(target: Target, restored: Callable[[str], dict[str, Any]]) -> None:
    """The spec: keys not listed are ignored (the Python SDK sends `number` too)."""
    full = crawl(target)
    if not full.objects:
        pytest.skip("the target has no numbers")
    for obj in covering(full.objects, DOCUMENTED_FIELDS - {"alias", "number"}):
        number = str(obj["number"])
        before = restored(number)
        alias = f"contracts {uuid.uuid4().hex[:8]}"
        response = _post(target, number, {"alias": alias, "number": number, "x_contracts_unknown": "1"})
        accepted(response, target, "unknown keys must be ignored")
        after = restore.snapshot(target, number) or {}
        assert after.get("alias") == alias
        effects = _side_effects(before, after, frozenset({"alias"}))
        assert not effects, f"an update with unknown keys also changed other fields of {number}: {effects}"


def test_form_encoded_update_is_accepted(target: Target, restored: Callable[[str], dict[str, Any]]) -> None:
    full = crawl(target)
    number = str(full.objects[-1]["number"]) if full.objects else pytest.skip("the target has no numbers")
    restored(number)
    alias = f"form {uuid.uuid4().hex[:8]}"
    response = _post(target, number, {"alias": alias}, form=True)
    target.enforce(
        provenance.UPDATE_FORM,
        200 <= response.status_code < 300,
        f"a form-encoded update answered {response.status_code}",
        strict=target.strict,
    )
    assert response.status_code < 500, describe_exchange(response, target)
    if 200 <= response.status_code < 300:
        # Accepted: then it is an update like any other, and must show.
        assert (restore.snapshot(target, number) or {}).get("alias") == alias


def test_update_of_a_number_not_on_the_account_is_404(target: Target) -> None:
    full = crawl(target)
    missing = next(n for n in (f"1999555{i:04d}" for i in range(10000)) if n not in set(full.numbers))
    response = _post(target, missing, {"alias": "nobody"})
    refused(
        response,
        target,
        404,
        provenance.MISSING_NUMBER_NOT_SERVED,
        f"updating a number not on the account\n{describe_exchange(response, target)}",
        exact=provenance.GONE_IS_404,
    )


def test_update_to_an_unknown_subaccount_is_refused_or_applied(target: Target) -> None:
    """A schema-valid but unknown subaccount may be refused (4xx); a 2xx must then show on the next get."""
    full = crawl(target)
    if not full.objects:
        pytest.skip("the target has no numbers")
    number = str(full.objects[0]["number"])
    unknown = "SA" + uuid.uuid4().hex[:18].upper()
    with restore.kept(target, number):
        response = _post(target, number, {"subaccount": unknown})
        if 200 <= response.status_code < 300:
            after = restore.snapshot(target, number) or {}
            assert after.get("sub_account") == unknown, (
                f"update to subaccount {unknown} answered {response.status_code} changed, "
                "but the number shows "
                f"sub_account={after.get('sub_account')!r}\n{describe_exchange(response, target)}"
            )
        else:
            assert 400 <= response.status_code < 500, describe_exchange(response, target)
            assert_error_body(response, target)


ENROLLED = ("PENDING", "ACTIVE")


def _reputation_candidate(target: Target) -> dict[str, Any]:
    objects = crawl(target).objects
    # Already enrolled, with a profile: a target that wrongly accepts changes nothing that shows.
    for obj in objects:
        if obj.get("caller_reputation_status") in ENROLLED and obj.get("profile_uuid"):
            return obj
    if target.live:
        pytest.skip("live target: no number already enrolled in Caller Reputation to try the refusal on")
    for obj in objects:
        if _reputation_suits(obj):
            return obj
    pytest.skip("the target has no US local or toll-free number")


@pytest.mark.parametrize("encoding", ["json", "form"])
def test_caller_reputation_enabled_without_profile_is_refused(target: Target, encoding: str) -> None:
    """NumberUpdate: `enabled` requires profile_uuid (a documented constraint): 400, nothing changes."""
    obj = _reputation_candidate(target)
    number = str(obj["number"])
    body = {"caller_reputation": "enabled"}
    auth = httpx.BasicAuth(*target.credentials.basic)
    before = restore.snapshot(target, number) or {}
    with restore.kept(target, number):
        if encoding == "json":
            response = target.http.post(target.number_path(number), json=body, auth=auth)
        else:
            response = target.http.post(target.number_path(number), data=body, auth=auth)
        after = restore.snapshot(target, number) or {}
    refused(
        response,
        target,
        400,
        provenance.CALLER_REPUTATION_NEEDS_PROFILE,
        "caller_reputation=enabled without profile_uuid breaks NumberUpdate "
        f"(then: required [profile_uuid]) and must be answered 400\n{describe_exchange(response, target)}",
    )
    assert after.get("profile_uuid") == obj.get("profile_uuid"), (
        f"a refused update changed profile_uuid from {obj.get('profile_uuid')!r} "
        f"to {after.get('profile_uuid')!r}"
    )
    effects = _side_effects(before, after, frozenset())
    assert not effects, f"an update refused with 400 still changed {number}: {effects}"


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
    refused(
        response,
        target,
        400,
        None,
        "cnam_lookup must be enabled or disabled (spec: NumberUpdate)\n"
        f"{describe_exchange(response, target)}",
        exact=provenance.INVALID_INPUT_REFUSED,
    )
    if not 400 <= response.status_code < 500:
        return  # accepted, invalid value ignored: allowed by default (reported above)
    assert after.get("alias") == before.get("alias"), (
        f"an update refused with 400 still changed the alias of {number} from {before.get('alias')!r} "
        f"to {after.get('alias')!r}\n{describe_exchange(response, target)}"
    )
    effects = _side_effects(before, after, frozenset())
    assert not effects, f"an update refused with 400 still changed {number}: {effects}"


# How long a change may take to reach the list on a target with replicas or caches.
LIST_CATCH_UP_S = 5.0


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
        accepted(response, target, f"alias update of {number}")
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
        f"after updating the alias of {number} to {alias!r} (accepted), the list still shows "
        f"{listed.get('alias')!r} after {LIST_CATCH_UP_S:.0f} s"
    )
