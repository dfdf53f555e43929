"""listNumbers: every filter's documented meaning, paging, meta links, limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from starlette.applications import Starlette

import openapi
from emulator import EmulatorConfig, create_app
from emulator.accounts import DemoCredentials

from .conftest import Api, all_objects

Obj = dict[str, Any]

TENDLC = {"unregistered": "UNREGISTERED", "in_progress": "PROCESSING", "registered": "COMPLETED"}
TOLL_FREE = {
    "unverified": "UNVERIFIED",
    "pending_verification": "PENDING_VERIFICATION",
    "verified": "VERIFIED",
}


def _pick(objects: list[Obj], key: str) -> Any:
    """A value of ``key`` that some but not all objects have, so the filter really narrows."""
    values = [o[key] for o in objects if o.get(key) not in (None, "")]
    assert values, key
    return values[len(values) // 2]


Case = Callable[[list[Obj]], tuple[dict[str, str], Callable[[Obj], bool]]]


def _mapped(name: str, value: str, object_value: str) -> Case:
    """A filter in its own vocabulary selecting objects with ``object_value``."""
    return lambda objs: ({name: value}, lambda o: o[name] == object_value)


# (query parameters from the objects, expected predicate) for each documented filter.
FILTER_CASES: dict[str, Case] = {
    "type": lambda objs: ({"type": "tollfree"}, lambda o: o["number_type"] == "tollfree"),
    "type=mobile": lambda objs: ({"type": "mobile"}, lambda o: o["number_type"] == "mobile"),
    "number_startswith": lambda objs: ({"number_startswith": "1"}, lambda o: o["number"].startswith("1")),
    "number_startswith=long": lambda objs: (
        {"number_startswith": objs[5]["number"][:6]},
        lambda o: o["number"].startswith(objs[5]["number"][:6]),
    ),
    "subaccount": lambda objs: (
        {"subaccount": _pick(objs, "sub_account")},
        lambda o: o["sub_account"] == _pick(objs, "sub_account"),
    ),
    "alias": lambda objs: ({"alias": _pick(objs, "alias")}, lambda o: o["alias"] == _pick(objs, "alias")),
    "services=voice": lambda objs: ({"services": "voice"}, lambda o: o["voice_enabled"]),
    "services=sms,mms": lambda objs: (
        {"services": "sms,mms"},
        lambda o: o["sms_enabled"] and o["mms_enabled"],
    ),
    "services=voice,sms": lambda objs: (
        {"services": "voice,sms"},
        lambda o: o["voice_enabled"] and o["sms_enabled"],
    ),
    "cnam_lookup": lambda objs: ({"cnam_lookup": "enabled"}, lambda o: o["cnam_lookup"] == "enabled"),
    "renewal_date": lambda objs: (
        {"renewal_date": objs[3]["renewal_date"]},
        lambda o: o["renewal_date"] == objs[3]["renewal_date"],
    ),
    "renewal_date__gt": lambda objs: (
        {"renewal_date__gt": "2026-06-01"},
        lambda o: o["renewal_date"] > "2026-06-01",
    ),
    "renewal_date__gte": lambda objs: (
        {"renewal_date__gte": objs[3]["renewal_date"]},
        lambda o: o["renewal_date"] >= objs[3]["renewal_date"],
    ),
    "renewal_date__lt": lambda objs: (
        {"renewal_date__lt": "2026-04-01"},
        lambda o: o["renewal_date"] < "2026-04-01",
    ),
    "renewal_date__lte": lambda objs: (
        {"renewal_date__lte": objs[3]["renewal_date"]},
        lambda o: o["renewal_date"] <= objs[3]["renewal_date"],
    ),
    "tendlc_campaign_id": lambda objs: (
        {"tendlc_campaign_id": _pick(objs, "tendlc_campaign_id")},
        lambda o: o["tendlc_campaign_id"] == _pick(objs, "tendlc_campaign_id"),
    ),
    **{
        f"tendlc_registration_status={v}": _mapped("tendlc_registration_status", v, TENDLC[v]) for v in TENDLC
    },
    **{
        f"toll_free_sms_verification={v}": _mapped("toll_free_sms_verification", v, TOLL_FREE[v])
        for v in TOLL_FREE
    },
    "combined": lambda objs: (
        {"type": "local", "services": "sms", "renewal_date__gte": "2026-03-01"},
        lambda o: o["number_type"] == "local" and o["sms_enabled"] and o["renewal_date"] >= "2026-03-01",
    ),
}


@pytest.mark.parametrize("case", sorted(FILTER_CASES))
def test_filter_selects_exactly_the_documented_numbers(
    case: str, app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    objects = all_objects(app, demo.auth_id)
    params, predicate = FILTER_CASES[case](objects)
    expected = [o["number"] for o in objects if predicate(o)]
    assert 0 < len(expected) < len(objects), f"{case} must narrow the inventory for the test to mean anything"
    listed = main_api.list_all(**params)
    assert [o["number"] for o in listed] == expected
    assert main_api.page(**params)["meta"]["total_count"] == len(expected)


def test_every_documented_filter_is_covered() -> None:
    _m, _p, op = openapi.operation("listNumbers", "documented")
    documented = {p["name"] for p in op["parameters"] if p["in"] == "query"} - {"limit", "offset"}
    covered = {name.split("=")[0] for name in FILTER_CASES}
    assert documented <= covered


def test_filters_with_no_match_give_an_empty_page(main_api: Api) -> None:
    page = main_api.page(alias="no such alias anywhere")
    assert page["objects"] == []
    assert page["meta"]["total_count"] == 0
    assert page["meta"]["next"] is None
    assert page["meta"]["previous"] is None


def test_empty_alias_filter_selects_empty_aliases(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    expected = [o["number"] for o in all_objects(app, demo.auth_id) if o["alias"] == ""]
    assert expected
    assert [o["number"] for o in main_api.list_all(alias="")] == expected


def test_tolerant_level_accepts_what_real_sdks_send(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    objects = all_objects(app, demo.auth_id)
    # plivo-go's number_type; the Node SDK's upper-case 10DLC values.
    assert [o["number"] for o in main_api.list_all(number_type="mobile")] == [
        o["number"] for o in objects if o["number_type"] == "mobile"
    ]
    assert [o["number"] for o in main_api.list_all(tendlc_registration_status="COMPLETED")] == [
        o["number"] for o in objects if o["tendlc_registration_status"] == "COMPLETED"
    ]


def test_documented_level_refuses_undocumented_values() -> None:
    app = create_app(EmulatorConfig(seed=11, numbers=60, level="documented"))
    api = Api(app, app.state.demo.auth_id, app.state.demo.auth_token)
    response = api.client.get(api.numbers_path, params={"tendlc_registration_status": "COMPLETED"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("tendlc_registration_status: 'COMPLETED' is not one of")
    # number_type is not a documented parameter: ignored like any unknown parameter.
    page = api.page(number_type="mobile")
    assert page["meta"]["total_count"] == 60


def test_unknown_query_parameters_are_ignored(main_api: Api) -> None:
    assert main_api.page(colour="blue")["meta"]["total_count"] == main_api.page()["meta"]["total_count"]


def test_default_page_is_twenty(main_api: Api) -> None:
    page = main_api.page()
    assert page["meta"]["limit"] == 20
    assert page["meta"]["offset"] == 0
    assert len(page["objects"]) == 20


def test_paging_walks_every_number_once_in_a_stable_order(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    numbers = [o["number"] for o in main_api.list_all()]
    assert numbers == [o["number"] for o in all_objects(app, demo.auth_id)]
    assert len(numbers) == len(set(numbers))
    assert [o["number"] for o in main_api.list_all()] == numbers


def test_meta_links_are_paths_that_keep_filters(main_api: Api, demo: DemoCredentials) -> None:
    page = main_api.page(limit=3, offset=3, type="local", services="voice,sms", colour="ignored")
    meta = page["meta"]
    assert meta["next"] == (
        f"/v1/Account/{demo.auth_id}/Number/?limit=3&offset=6&type=local&services=voice%2Csms"
    )
    assert meta["previous"] == (
        f"/v1/Account/{demo.auth_id}/Number/?limit=3&offset=0&type=local&services=voice%2Csms"
    )
    following = main_api.client.get(meta["next"]).json()
    assert following["meta"]["offset"] == 6
    assert dict(parse_qsl(urlsplit(meta["next"]).query))["services"] == "voice,sms"


def test_meta_on_first_and_last_pages(main_api: Api) -> None:
    total = main_api.page()["meta"]["total_count"]
    first = main_api.page(limit=7)
    assert first["meta"]["previous"] is None
    assert first["meta"]["next"] is not None
    last_offset = (total - 1) // 7 * 7
    last = main_api.page(limit=7, offset=last_offset)
    assert last["meta"]["next"] is None
    assert len(last["objects"]) == total - last_offset
    beyond = main_api.page(limit=7, offset=total + 50)
    assert beyond["objects"] == []
    assert beyond["meta"]["next"] is None
    assert beyond["meta"]["previous"] is not None


def test_previous_never_goes_below_zero(main_api: Api, demo: DemoCredentials) -> None:
    page = main_api.page(limit=10, offset=4)
    assert page["meta"]["previous"] == f"/v1/Account/{demo.auth_id}/Number/?limit=10&offset=0"


def test_list_pages_validate_strictly(main_api: Api) -> None:
    for params in ({}, {"limit": 1}, {"type": "tollfree"}, {"offset": 10_000}):
        page = main_api.page(**params)
        assert openapi.schema_errors(page, "NumberList", "documented") == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 50}, "limit: 50 is greater than the maximum of 20"),
        ({"limit": 0}, "limit: 0 is less than the minimum of 1"),
        ({"limit": "ten"}, "limit: 'ten' is not an integer"),
        ({"limit": ""}, "limit: '' is not an integer"),
        ({"limit": "2.5"}, "limit: '2.5' is not an integer"),
        ({"offset": -1}, "offset: -1 is less than the minimum of 0"),
        ({"type": "premium"}, "type: 'premium' is not one of"),
        ({"services": "voice,fax"}, "services: 'voice,fax' does not match"),
        ({"services": ""}, "services: '' does not match"),
        ({"cnam_lookup": "on"}, "cnam_lookup: 'on' is not one of"),
        ({"renewal_date__gt": "tomorrow"}, "renewal_date__gt: 'tomorrow' is not a 'date'"),
        ({"renewal_date": "2026-13-01"}, "renewal_date: '2026-13-01' is not a 'date'"),
        ({"toll_free_sms_verification": "VERIFIED"}, "toll_free_sms_verification: 'VERIFIED' is not one of"),
    ],
)
def test_bad_parameters_get_400_saying_what_was_wrong(main_api: Api, params: dict, message: str) -> None:
    response = main_api.client.get(main_api.numbers_path, params=params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"api_id", "error"}
    assert body["error"].startswith(message), body["error"]


def test_several_bad_parameters_are_all_reported(main_api: Api) -> None:
    response = main_api.client.get(main_api.numbers_path, params={"limit": 99, "type": "x"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert "limit: 99" in error
    assert "type: 'x'" in error


def test_cache_follows_writes(main_api: Api) -> None:
    before = main_api.page(type="mobile")
    number = before["objects"][0]["number"]
    assert main_api.client.delete(main_api.number_path(number)).status_code == 204
    after = main_api.page(type="mobile")
    assert after["meta"]["total_count"] == before["meta"]["total_count"] - 1
    assert number not in [o["number"] for o in after["objects"]]


def test_an_equality_filter_index_follows_updates(main_api: Api) -> None:
    # One equality (alias=..., type=...) is answered from an index of the property, built on
    # first use; an update must be seen by the next list as it is by a scan.
    assert main_api.page(alias="renamed-by-the-test")["meta"]["total_count"] == 0
    local = main_api.page(type="local")
    number = local["objects"][0]["number"]
    assert main_api.update(number, alias="renamed-by-the-test").status_code == 202
    renamed = main_api.page(alias="renamed-by-the-test")
    assert [o["number"] for o in renamed["objects"]] == [number]
    assert main_api.page(type="local")["meta"]["total_count"] == local["meta"]["total_count"]


def test_an_empty_prefix_filters_nothing(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    # The spec no longer requires a non-empty prefix (the page is silent); every number
    # starts with "".
    listed = main_api.list_all(number_startswith="")
    assert len(listed) == len(all_objects(app, demo.auth_id))
