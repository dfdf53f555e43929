"""The compliance reads an audit follows a number's pointers with (openapi/compliance.yaml).

Brands, campaigns (and a campaign's numbers), profiles, toll-free verification requests,
compliance applications and phone number compliance records: every answer conforms to the
spec at the run's level, an id from a list is served by its get, an unknown id is not,
lists page by limit/offset where they have it, documented filters select what they name,
and nothing is served without the account's credentials or to another account. Read-only.

Each resource family is crawled once per module (politely: at most ``MAX_PAGES`` pages of
20). A family the account does not have enabled -- its list answers 403 or 404 -- is
skipped, saying so, not failed. Every rule is a :mod:`contracts.compliance_rules`
constraint with its source; observed ones fail only under ``--strict``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from contracts import compliance_rules as rules
from contracts import provenance
from contracts.checks import refused
from contracts.curl import describe_exchange
from contracts.target import Credentials, Target

pytestmark = pytest.mark.live_safe

MAX_PAGES = 50
GETS_PER_FAMILY = 5
UNKNOWN = {"id": "ZZUNKNOWN9", "uuid": "00000000-0000-4000-8000-000000000000"}
UNLINKED_NUMBER = "19999999999"

Matcher = Callable[[Any, str], bool]


def _same(value: Any, wanted: str) -> bool:
    return value == wanted


def _same_word(value: Any, wanted: str) -> bool:
    # The campaign filter's documented values are title case, the object's upper case (C4).
    return isinstance(value, str) and value.upper() == wanted.upper()


def _same_number(value: Any, wanted: str) -> bool:
    return isinstance(value, str) and value.lstrip("+") == wanted.lstrip("+")


@dataclass(frozen=True)
class Family:
    """One resource family: where its list and get are, and how its answers look."""

    name: str
    path: str  # under /v1/Account/{auth_id}/
    array: str  # the list answer's array
    id_key: str
    list_schema: str
    get_schema: str
    wrapper: str | None  # the key a get wraps its object in (None: unwrapped)
    status_key: str | None
    documented_paging: bool
    unknown: str  # an id shape the account cannot have
    # Documented filters: query name -> (object key, how a value matches).
    filters: dict[str, tuple[str, Matcher]] = field(default_factory=dict)

    @property
    def paging_rule(self) -> provenance.Constraint:
        return rules.PAGINATION if self.documented_paging else rules.PAGINATION_SDK


FAMILIES = (
    Family(
        "brands", "10dlc/Brand/", "brands", "brand_id", "BrandList", "BrandGet", "brand",
        "registration_status", True, UNKNOWN["id"],
        {"registration_status": ("registration_status", _same), "type": ("brand_type", _same)},
    ),
    Family(
        "campaigns", "10dlc/Campaign/", "campaigns", "campaign_id", "CampaignList", "CampaignGet", "campaign",
        "registration_status", True, UNKNOWN["id"],
        {
            "usecase": ("usecase", _same),
            "brand_id": ("brand_id", _same),
            "registration_status": ("registration_status", _same_word),
            "campaign_source": ("campaign_source", _same),
        },
    ),
    Family(
        "profiles", "Profile/", "profiles", "profile_uuid", "ProfileList", "ProfileGet", "profile",
        None, False, UNKNOWN["uuid"],
    ),
    Family(
        "tollfree_verifications", "TollfreeVerification/", "objects", "uuid", "TollfreeVerificationList",
        "TollfreeVerification", None, "status", True, UNKNOWN["uuid"],
        {
            "status": ("status", _same),
            "number": ("number", _same_number),
            "profile_uuid": ("profile_uuid", _same),
        },
    ),
    Family(
        "compliance_applications", "ComplianceApplication/", "objects", "compliance_application_id",
        "ComplianceApplicationList", "ComplianceApplication", None, "status", False, UNKNOWN["uuid"],
    ),
    Family(
        "phone_number_compliances", "PhoneNumber/Compliance/", "compliances", "compliance_id",
        "PhoneNumberComplianceList", "PhoneNumberComplianceGet", "compliance", "status", False,
        UNKNOWN["uuid"],
    ),
)  # fmt: skip
BY_NAME = {family.name: family for family in FAMILIES}
# Filter values tried per parameter at most (each costs a crawl of the filtered list).
VALUES_PER_FILTER = 3


@dataclass
class Listing:
    """A family's whole list as the target served it, or why it could not be read."""

    family: Family
    objects: list[dict[str, Any]] = field(default_factory=list)
    pages: list[httpx.Response] = field(default_factory=list)
    skip: str | None = None

    @property
    def ids(self) -> list[str]:
        return [str(o.get(self.family.id_key)) for o in self.objects if isinstance(o, dict)]


def _path(target: Target, family: Family, suffix: str = "", auth_id: str | None = None) -> str:
    return f"/v1/Account/{auth_id or target.auth_id}/{family.path}{suffix}"


def _get(
    target: Target, path: str, params: dict[str, Any] | None = None, as_: Credentials | None = None
) -> httpx.Response:
    credentials = as_ or target.credentials
    return target.http.get(path, params=params or {}, auth=httpx.BasicAuth(*credentials.basic))


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _walk(target: Target, family: Family, params: dict[str, Any], limit: int) -> Iterator[httpx.Response]:
    """The pages of one (filtered) list with ``limit``, until a short page or the total is reached."""
    offset = 0
    for _ in range(MAX_PAGES):
        response = _get(target, _path(target, family), {**params, "limit": limit, "offset": offset})
        yield response
        body = _body(response)
        if response.status_code != 200 or not isinstance(body, dict):
            return
        page = body.get(family.array)
        if not isinstance(page, list) or not page:
            return
        offset += limit
        meta = body["meta"] if isinstance(body.get("meta"), dict) else {}
        total = meta.get("total_count", meta.get("count", body.get("count")))
        if isinstance(total, int) and offset >= total:
            return
        if not isinstance(total, int) and (len(page) < limit or meta.get("next") is None):
            return


def _read(target: Target, family: Family, params: dict[str, Any] | None = None, limit: int = 20) -> Listing:
    listing = Listing(family)
    for response in _walk(target, family, params or {}, limit):
        listing.pages.append(response)
        if response.status_code in (403, 404) and not listing.objects:
            listing.skip = (
                f"{family.name}: the list answered {response.status_code}: this API is not enabled on the "
                "account (the audit's rules that read it cannot run)"
            )
            return listing
        target.enforce(
            provenance.NO_SERVER_ERROR,
            response.status_code < 500,
            f"listing {family.name} answered {response.status_code}\n{describe_exchange(response, target)}",
            strict=target.strict,
        )
        if response.status_code != 200:
            listing.skip = f"{family.name}: the list answered {response.status_code}; not judged"
            return listing
        body = _body(response)
        page = body.get(family.array) if isinstance(body, dict) else None
        if isinstance(page, list):
            listing.objects.extend(page)
    return listing


@pytest.fixture(scope="module")
def lists(target: Target) -> dict[str, Listing]:
    """Every family's list, read once for the module (the oracle the other tests compare with)."""
    return {family.name: _read(target, family) for family in FAMILIES}


def _listing(lists: dict[str, Listing], name: str) -> Listing:
    listing = lists[name]
    if listing.skip:
        pytest.skip(listing.skip)
    return listing


def _conforms(target: Target, response: httpx.Response, schema: str, what: str) -> None:
    problems = rules.schema_errors(_body(response), schema, target.level)
    target.enforce(
        rules.SCHEMA,
        not problems,
        f"{what} breaks {schema} at the {target.level} level: {problems[:5]}\n"
        f"{describe_exchange(response, target)}",
        strict=target.strict,
    )


def _spread(items: list[str], count: int) -> list[str]:
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


# ---------------------------------------------------------------- schema and gets


@pytest.mark.parametrize("name", list(BY_NAME))
def test_list_pages_conform(target: Target, lists: dict[str, Listing], name: str) -> None:
    listing = _listing(lists, name)
    for response in listing.pages:
        _conforms(target, response, listing.family.list_schema, f"a page of {name}")
    ids = listing.ids
    assert len(ids) == len(set(ids)), f"{name}: the list served some ids twice: {sorted(ids)[:5]}"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_listed_ids_are_served_by_their_get(target: Target, lists: dict[str, Listing], name: str) -> None:
    listing = _listing(lists, name)
    family = listing.family
    if not listing.objects:
        pytest.skip(f"{name}: the account has none, so no get can be judged")
    by_id = {str(o.get(family.id_key)): o for o in listing.objects if isinstance(o, dict)}
    for ident in _spread(list(by_id), GETS_PER_FAMILY):
        response = _get(target, _path(target, family, f"{ident}/"))
        target.enforce(
            rules.READABLE,
            200 <= response.status_code < 300,
            f"{name}: {ident} is on the list, but its get answered {response.status_code}\n"
            f"{describe_exchange(response, target)}",
            strict=target.strict,
        )
        _conforms(target, response, family.get_schema, f"the get of {name} {ident}")
        body = _body(response)
        got = body.get(family.wrapper) if family.wrapper and isinstance(body, dict) else body
        if not isinstance(got, dict):
            continue  # the schema check says what is wrong
        listed = by_id[ident]
        same = got.get(family.id_key) == ident and (
            family.status_key is None or got.get(family.status_key) == listed.get(family.status_key)
        )
        target.enforce(
            rules.READABLE,
            same,
            f"{name}: the get of {ident} answered {family.id_key}={got.get(family.id_key)!r}, "
            f"{family.status_key}={got.get(family.status_key or '')!r}; the list says "
            f"{listed.get(family.status_key or '')!r}\n{describe_exchange(response, target)}",
            strict=target.strict,
        )


@pytest.mark.parametrize("name", list(BY_NAME))
def test_an_unknown_id_is_not_served(target: Target, lists: dict[str, Listing], name: str) -> None:
    listing = _listing(lists, name)
    unknown = listing.family.unknown
    assert unknown not in listing.ids
    response = _get(target, _path(target, listing.family, f"{unknown}/"))
    refused(
        response,
        target,
        404,
        rules.UNKNOWN_ID,
        f"{name}: {unknown} is not on the account and must not be served\n"
        f"{describe_exchange(response, target)}",
    )


def test_campaign_numbers_conform_and_match(target: Target, lists: dict[str, Listing]) -> None:
    listing = _listing(lists, "campaigns")
    family = listing.family
    if not listing.objects:
        pytest.skip("campaigns: the account has none, so no campaign's numbers can be judged")
    for campaign_id in _spread(listing.ids, GETS_PER_FAMILY):
        response = _get(target, _path(target, family, f"{campaign_id}/Number/"))
        target.enforce(
            rules.READABLE,
            200 <= response.status_code < 300,
            f"campaign {campaign_id}'s numbers answered {response.status_code}\n"
            f"{describe_exchange(response, target)}",
            strict=target.strict,
        )
        _conforms(target, response, "CampaignNumbers", f"campaign {campaign_id}'s numbers")
        body = _body(response)
        links = body.get("phone_numbers") if isinstance(body, dict) else None
        for link in (links if isinstance(links, list) else [])[:3]:
            number = str(link.get("number", "")) if isinstance(link, dict) else ""
            one = _get(target, _path(target, family, f"{campaign_id}/Number/{number}/"))
            target.enforce(
                rules.READABLE,
                200 <= one.status_code < 300,
                f"campaign {campaign_id} lists {number}, but its get answered {one.status_code}\n"
                f"{describe_exchange(one, target)}",
                strict=target.strict,
            )
            _conforms(target, one, "CampaignNumbers", f"campaign {campaign_id}'s number {number}")
            got = _body(one)
            entries = got.get("phone_numbers") if isinstance(got, dict) else None
            statuses = [e.get("status") for e in entries or [] if isinstance(e, dict)]
            target.enforce(
                rules.READABLE,
                statuses == [link.get("status")],
                f"campaign {campaign_id}'s number {number}: the list says {link.get('status')!r}, its get "
                f"{statuses}\n{describe_exchange(one, target)}",
                strict=target.strict,
            )
        unlinked = _get(target, _path(target, family, f"{campaign_id}/Number/{UNLINKED_NUMBER}/"))
        # plivo-python records this refusal as a 200 with an error body (C8): judged by what it lists.
        shown = _body(unlinked)
        entries = shown.get("phone_numbers") if isinstance(shown, dict) else None
        listed = [
            e for e in entries or [] if isinstance(e, dict) and _same_number(e.get("number"), UNLINKED_NUMBER)
        ]
        target.enforce(
            rules.UNKNOWN_ID,
            unlinked.status_code >= 400 or not listed,
            f"campaign {campaign_id} answered {UNLINKED_NUMBER}, which it does not list, as linked\n"
            f"{describe_exchange(unlinked, target)}",
            strict=target.strict,
        )


def test_an_unknown_campaigns_numbers_are_not_served(target: Target, lists: dict[str, Listing]) -> None:
    listing = _listing(lists, "campaigns")
    response = _get(target, _path(target, listing.family, f"{UNKNOWN['id']}/Number/"))
    refused(
        response,
        target,
        404,
        rules.UNKNOWN_ID,
        f"campaign {UNKNOWN['id']} is not on the account; its numbers must not be served\n"
        f"{describe_exchange(response, target)}",
    )


# ---------------------------------------------------------------- pagination


@pytest.mark.parametrize("name", list(BY_NAME))
def test_small_pages_partition_the_list(target: Target, lists: dict[str, Listing], name: str) -> None:
    listing = _listing(lists, name)
    family = listing.family
    if len(listing.objects) < 2:
        pytest.skip(f"{name}: fewer than 2 objects, so pages cannot be told apart")
    limit = max(1, -(-len(listing.objects) // 20), min(3, len(listing.objects) - 1))
    seen: list[str] = []
    for index, response in enumerate(_walk(target, family, {}, limit)):
        body = _body(response)
        page = body.get(family.array) if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(page, list):
            target.enforce(
                family.paging_rule,
                False,
                f"{name}: page {index} with limit={limit} answered {response.status_code}\n"
                f"{describe_exchange(response, target)}",
                strict=target.strict,
            )
            return
        target.enforce(
            family.paging_rule,
            len(page) <= limit,
            f"{name}: limit={limit} answered {len(page)} objects\n{describe_exchange(response, target)}",
            strict=target.strict,
        )
        meta = body.get("meta") if isinstance(body, dict) else None
        if isinstance(meta, dict):
            offset = index * limit
            target.enforce(
                rules.LIST_META,
                meta.get("limit") == limit and meta.get("offset") == offset,
                f"{name}: meta says limit={meta.get('limit')!r}, offset={meta.get('offset')!r}; the request "
                f"asked limit={limit}, offset={offset}\n{describe_exchange(response, target)}",
                strict=target.strict,
            )
        seen += [str(o.get(family.id_key)) for o in page if isinstance(o, dict)]
    target.enforce(
        family.paging_rule,
        sorted(seen) == sorted(listing.ids) and len(seen) == len(set(seen)),
        f"{name}: pages of limit={limit} hold {len(seen)} ids ({len(set(seen))} distinct), the list of 20 "
        f"per page {len(listing.ids)}; differences: {sorted(set(seen) ^ set(listing.ids))[:5]}",
        strict=target.strict,
    )


@pytest.mark.parametrize("name", [f.name for f in FAMILIES if f.documented_paging])
def test_limit_above_20_is_refused(target: Target, lists: dict[str, Listing], name: str) -> None:
    listing = _listing(lists, name)
    response = _get(target, _path(target, listing.family), {"limit": 21})
    body = _body(response)
    if 200 <= response.status_code < 300 and isinstance(body, dict):
        page = body.get(listing.family.array)
        target.enforce(
            rules.PAGINATION,
            not isinstance(page, list) or len(page) <= 20,
            f"{name}: limit=21 answered {len(page or [])} objects; the page says at most 20\n"
            f"{describe_exchange(response, target)}",
            strict=target.strict,
        )
    refused(
        response,
        target,
        400,
        None,
        f"{name}: limit=21 is above the documented maximum of 20\n{describe_exchange(response, target)}",
        exact=provenance.INVALID_INPUT_REFUSED,
    )


# ---------------------------------------------------------------- filters


def _filter_cases() -> list[tuple[str, str]]:
    return [(family.name, parameter) for family in FAMILIES for parameter in family.filters]


@pytest.mark.parametrize(("name", "parameter"), _filter_cases())
def test_documented_filters_select_what_they_name(
    target: Target, lists: dict[str, Listing], name: str, parameter: str
) -> None:
    listing = _listing(lists, name)
    key, matches = listing.family.filters[parameter]
    values = sorted(
        {
            str(o[key])
            for o in listing.objects
            if isinstance(o, dict) and isinstance(o.get(key), str) and o[key]
        }
    )
    if not values:
        pytest.skip(f"{name}: no object shows {key}, so the {parameter} filter cannot be judged")
    if parameter == "registration_status" and name == "campaigns":
        values = [v.title() for v in values]  # the filter's documented spelling (C4)
    for value in _spread(values, VALUES_PER_FILTER):
        filtered = _read(target, listing.family, {parameter: value})
        if filtered.skip:
            target.enforce(
                rules.FILTER, False, f"{name}?{parameter}={value}: {filtered.skip}", strict=target.strict
            )
            continue
        wrong = [
            str(o.get(listing.family.id_key))
            for o in filtered.objects
            if isinstance(o, dict) and key in o and not matches(o.get(key), value)
        ]
        expected = sorted(
            str(o.get(listing.family.id_key))
            for o in listing.objects
            if isinstance(o, dict) and matches(o.get(key), value)
        )
        missing = sorted(set(expected) - set(filtered.ids))
        target.enforce(
            rules.FILTER,
            not wrong and not missing,
            f"{name}?{parameter}={value}: {len(wrong)} served without {key}={value!r} ({wrong[:5]}); "
            f"{len(missing)} with it left out ({missing[:5]})",
            strict=target.strict,
        )


# ---------------------------------------------------------------- auth and isolation


@pytest.mark.parametrize("credentials", ["none", "wrong-token"])
@pytest.mark.parametrize("name", list(BY_NAME))
def test_bad_credentials_are_refused(
    target: Target, lists: dict[str, Listing], name: str, credentials: str
) -> None:
    listing = _listing(lists, name)
    auth = httpx.BasicAuth(target.auth_id, "not-the-token") if credentials == "wrong-token" else None
    response = target.http.get(_path(target, listing.family), auth=auth or httpx.USE_CLIENT_DEFAULT)
    refused(
        response,
        target,
        401,
        rules.AUTH,
        f"listing {name} with {credentials} credentials must be refused with 401\n"
        f"{describe_exchange(response, target)}",
    )
    assert target.auth_token not in response.text


@pytest.mark.parametrize("name", list(BY_NAME))
def test_another_accounts_path_is_refused(target: Target, lists: dict[str, Listing], name: str) -> None:
    listing = _listing(lists, name)
    other = target.other_account.auth_id if target.other_account else "MA" + "Z" * 18
    response = _get(target, _path(target, listing.family, auth_id=other))
    refused(
        response,
        target,
        401,
        rules.AUTH,
        f"our credentials on another account's {name} path must be refused\n"
        f"{describe_exchange(response, target)}",
    )


@pytest.mark.parametrize("name", list(BY_NAME))
def test_another_account_cannot_read_our_objects(
    target: Target, lists: dict[str, Listing], name: str
) -> None:
    other = target.other_account
    if other is None:
        pytest.skip("no second account: set PLIVO_OTHER_AUTH_ID / PLIVO_OTHER_AUTH_TOKEN")
    listing = _listing(lists, name)
    if not listing.ids:
        pytest.skip(f"{name}: the account has none to hide")
    ident = listing.ids[0]
    response = _get(target, _path(target, listing.family, f"{ident}/", auth_id=other.auth_id), as_=other)
    refused(
        response,
        target,
        404,
        rules.ISOLATION,
        f"another account read our {name} {ident} through its own path\n"
        f"{describe_exchange(response, target)}",
        exact=provenance.GONE_IS_404,
    )
