"""An in-process client for probing an emulator app, and one small probe per catalogued defect.

A probe sends a few requests and returns what a client would see (status, content type,
JSON body with api_id values masked). The same probe against the clean emulator and
against the defect must see something different: the defect really changes behaviour.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
from starlette.applications import Starlette

UNKNOWN_NUMBER = "19999999999"
Observation = tuple[int, str, Any]


def _mask(value: Any) -> Any:
    # api_id is a fresh uuid per answer: keep whether it is there, not its value.
    if isinstance(value, dict):
        return {k: ("<api_id>" if k == "api_id" else _mask(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


class Api:
    """Requests to one app as its demo account (or other credentials), answered in-process."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.demo = app.state.demo
        self.main = (self.demo.auth_id, self.demo.auth_token)

    @property
    def numbers_path(self) -> str:
        return f"/v1/Account/{self.demo.auth_id}/Number/"

    def number_path(self, number: str) -> str:
        return f"{self.numbers_path}{number}/"

    def send(
        self, method: str, path: str, *, auth: tuple[str, str] | str | None = "main", **kwargs: Any
    ) -> httpx.Response:
        credentials = self.main if auth == "main" else auth

        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as client:
                return await client.request(
                    method,
                    path,
                    auth=httpx.BasicAuth(*credentials) if isinstance(credentials, tuple) else None,
                    **kwargs,
                )

        return asyncio.run(call())

    def see(self, method: str, path: str, **kwargs: Any) -> Observation:
        response = self.send(method, path, **kwargs)
        try:
            body: Any = _mask(response.json())
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = response.text
        return (response.status_code, response.headers.get("content-type", "<none>"), body)

    def list_page(self, auth: Any = "main", **params: Any) -> Observation:
        return self.see("GET", self.numbers_path, params=params, auth=auth)

    def objects(self, **params: Any) -> list[dict[str, Any]]:
        response = self.send("GET", self.numbers_path, params={"limit": 20, **params})
        return list(response.json()["objects"])

    def first(self, **params: Any) -> dict[str, Any]:
        found = self.objects(**params)
        assert found, f"the demo inventory has no number with {params}"
        return found[0]

    def own_number(self, **wanted: Any) -> str:
        """A number of the main account itself (no subaccount) with the wanted field values."""
        for offset in range(0, 400, 20):
            for obj in self.objects(offset=offset):
                if obj.get("sub_account") is None and all(obj.get(k) == v for k, v in wanted.items()):
                    return str(obj["number"])
        raise AssertionError(f"the demo inventory has no own number with {wanted}")


Probe = Callable[[Api], list[Observation]]
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"


def _compliance(api: Api, path: str) -> str:
    return f"/v1/Account/{api.demo.auth_id}/{path}"


def _page(api: Api) -> list[Observation]:
    return [api.list_page(limit=20), api.see("GET", api.number_path(str(api.first()["number"])))]


def _unknown(api: Api) -> list[Observation]:
    return [api.see("GET", api.number_path(UNKNOWN_NUMBER))]


def _update_alias(api: Api) -> list[Observation]:
    number = api.own_number()
    return [
        api.see("POST", api.number_path(number), json={"alias": "probe"}),
        api.see("GET", api.number_path(number)),
    ]


def _total(api: Api) -> int:
    return int(api.send("GET", api.numbers_path, params={"limit": 1}).json()["meta"]["total_count"])


def _next_before_last(api: Api) -> list[Observation]:
    return [api.list_page(limit=5, offset=_total(api) - 10)]


def _exact_last_page(api: Api) -> list[Observation]:
    return [api.list_page(limit=5, offset=_total(api) - 5)]


def _transfer(api: Api) -> list[Observation]:
    subs = [sub for sub, _ in api.demo.subaccounts]
    for offset in range(0, 400, 20):
        for obj in api.objects(offset=offset):
            if obj.get("sub_account") in subs and obj.get("alias"):
                target = next(sub for sub in subs if sub != obj["sub_account"])
                path = api.number_path(str(obj["number"]))
                return [api.see("POST", path, json={"subaccount": target}), api.see("GET", path)]
    raise AssertionError("the demo inventory has no subaccount number with an alias")


def _update_clears_cnam(api: Api) -> list[Observation]:
    number = next(
        str(o["number"]) for o in api.objects(type="local") if o.get("cnam") and o.get("sub_account") is None
    )
    api.send("POST", api.number_path(number), json={"alias": "probe"})
    return [api.see("GET", api.number_path(number))]


def _update_then_list(api: Api) -> list[Observation]:
    number = api.own_number()
    api.send("GET", api.numbers_path, params={"number_startswith": number})
    api.send("POST", api.number_path(number), json={"alias": "probe"})
    return [api.list_page(number_startswith=number)]


def _refused_update(api: Api) -> list[Observation]:
    number = api.own_number()
    path = api.number_path(number)
    return [api.see("POST", path, json={"alias": "probe", "cnam_lookup": "sometimes"}), api.see("GET", path)]


def _app_id(api: Api) -> list[Observation]:
    number = api.own_number()
    api.send("POST", api.number_path(number), json={"app_id": "12345"})
    return [api.see("GET", api.number_path(number))]


def _reputation(api: Api) -> list[Observation]:
    number = api.own_number(number_type="local")
    return [api.see("POST", api.number_path(number), json={"caller_reputation": "enabled"})]


def _unknown_subaccount(api: Api) -> list[Observation]:
    number = api.own_number()
    return [api.see("POST", api.number_path(number), json={"subaccount": "SA" + "Z" * 18})]


def _unrent_then_list(api: Api) -> list[Observation]:
    number = api.own_number()
    api.send("DELETE", api.number_path(number))
    return [api.list_page(number_startswith=number), api.see("GET", api.number_path(number))]


def _unrent_twice(api: Api) -> list[Observation]:
    number = api.own_number()
    return [api.see("DELETE", api.number_path(number)), api.see("DELETE", api.number_path(number))]


def _unrent_then_count(api: Api) -> list[Observation]:
    before = api.list_page(limit=1)
    api.send("DELETE", api.number_path(api.own_number()))
    return [before, api.list_page(limit=1)]


def _as_subaccount(api: Api) -> list[Observation]:
    sub_id, token = api.demo.subaccounts[0]
    path = f"/v1/Account/{sub_id}/Number/"
    return [api.see("GET", path, params={"limit": 20}, auth=(sub_id, token))]


def _sub_gets_main_number(api: Api) -> list[Observation]:
    sub_id, token = api.demo.subaccounts[0]
    number = api.own_number()
    return [api.see("GET", f"/v1/Account/{sub_id}/Number/{number}/", auth=(sub_id, token))]


def _sub_writes_main_number(api: Api) -> list[Observation]:
    sub_id, token = api.demo.subaccounts[0]
    number = api.own_number()
    path = f"/v1/Account/{sub_id}/Number/{number}/"
    return [
        api.see("POST", path, json={"alias": "probe"}, auth=(sub_id, token)),
        api.see("DELETE", path, auth=(sub_id, token)),
        api.see("GET", api.number_path(number)),
    ]


def _other_writes_our_number(api: Api) -> list[Observation]:
    other_id, token = api.demo.other_account
    number = api.own_number()
    path = f"/v1/Account/{other_id}/Number/{number}/"
    return [
        api.see("POST", path, json={"alias": "probe"}, auth=(other_id, token)),
        api.see("GET", api.number_path(number)),
        api.see("DELETE", path, auth=(other_id, token)),
        api.see("GET", api.number_path(number)),
    ]


def _other_path(api: Api) -> list[Observation]:
    other_id, _ = api.demo.other_account
    return [api.see("GET", f"/v1/Account/{other_id}/Number/", params={"limit": 3})]


PROBES: dict[str, Probe] = {
    # response schema
    "sms_enabled_as_string": _page,
    "rates_as_numbers": _page,
    "added_on_with_time": _page,
    "renewal_date_us_format": _page,
    "sub_account_renamed": _page,
    "resource_uri_missing": _page,
    "number_type_upper_case": _page,
    "tendlc_status_in_progress": lambda api: [
        api.list_page(tendlc_registration_status="in_progress", limit=2)
    ],
    "get_without_api_id": _page,
    # status codes
    "update_answers_204_without_body": _update_alias,
    "unrent_answers_200_with_body": lambda api: [api.see("DELETE", api.number_path(api.own_number()))],
    "not_found_as_400": _unknown,
    "unauthorized_as_403": lambda api: [api.list_page(auth=None)],
    "undeclared_method_404": lambda api: [api.see("PUT", api.number_path(api.own_number()), json={})],
    # headers and content types
    "errors_as_text_html": _unknown,
    "list_without_content_type": lambda api: [api.list_page(limit=1)],
    "update_result_as_text_plain": _update_alias,
    # error bodies
    "error_without_error_key": _unknown,
    "error_as_object": _unknown,
    "error_as_plain_text": _unknown,
    # pagination
    "offset_ignored": lambda api: [api.list_page(limit=5, offset=5)],
    "offset_off_by_one": lambda api: [api.list_page(limit=5, offset=5)],
    "offset_ignored_when_filtered": lambda api: [api.list_page(type="local", limit=5, offset=5)],
    "limit_cap_25": lambda api: [api.list_page(limit=25)],
    "limit_ignored": lambda api: [api.list_page(limit=5)],
    "total_count_is_page_size": lambda api: [api.list_page(limit=5)],
    "next_drops_filters": lambda api: [api.list_page(type="local", limit=5)],
    "next_null_too_early": _next_before_last,
    "next_on_exact_last_page": _exact_last_page,
    "previous_to_first_page": lambda api: [api.list_page(limit=5, offset=15)],
    "unstable_order": lambda api: [api.list_page(limit=20), api.list_page(limit=20)],
    # list filters
    "type_filter_ignored": lambda api: [api.list_page(type="tollfree")],
    "startswith_matches_contains": lambda api: [api.list_page(number_startswith="55")],
    "services_any_of": lambda api: [api.list_page(services="voice,mms")],
    "in_progress_maps_to_unregistered": lambda api: [api.list_page(tendlc_registration_status="in_progress")],
    "renewal_gt_inclusive": lambda api: [api.list_page(renewal_date__gt=api.first()["renewal_date"])],
    "renewal_lte_exclusive": lambda api: [api.list_page(renewal_date__lte=api.first()["renewal_date"])],
    "alias_substring": lambda api: [api.list_page(alias="Campaign")],
    "subaccount_filter_ignored": lambda api: [api.list_page(subaccount=api.demo.subaccounts[0][0])],
    "cnam_lookup_filter_ignored": lambda api: [api.list_page(cnam_lookup="enabled")],
    "toll_free_pending_is_verified": lambda api: [
        api.list_page(toll_free_sms_verification="pending_verification")
    ],
    # update
    "alias_not_persisted": _update_alias,
    "update_clears_cnam": _update_clears_cnam,
    "subaccount_transfer_clears_alias": _transfer,
    "list_shows_stale_objects": _update_then_list,
    "refused_update_half_applied": _refused_update,
    "app_id_wrong_application_uri": _app_id,
    "caller_reputation_without_profile": _reputation,
    "unknown_subaccount_accepted": _unknown_subaccount,
    # unrent
    "unrent_keeps_listing": _unrent_then_list,
    "second_unrent_204": _unrent_twice,
    "unrent_total_count_unchanged": _unrent_then_count,
    # auth and isolation
    "subaccount_sees_main_numbers": _as_subaccount,
    "subaccount_get_sees_main_numbers": _sub_gets_main_number,
    "subaccount_total_count_is_main_accounts": _as_subaccount,
    "subaccount_writes_main_numbers": _sub_writes_main_number,
    "other_account_path_accepted": _other_path,
    "other_account_writes_by_number": _other_writes_our_number,
    "wrong_token_accepted": lambda api: [api.list_page(auth=(api.demo.auth_id, "not-the-token"))],
    "missing_auth_get_accepted": lambda api: [api.list_page(auth=None)],
    # compliance reads (emulator/defects/compliance.py)
    "campaign_limit_ignored": lambda api: [
        api.see("GET", _compliance(api, "10dlc/Campaign/"), params={"limit": 2})
    ],
    "unknown_profile_served": lambda api: [api.see("GET", _compliance(api, f"Profile/{UNKNOWN_UUID}/"))],
    "campaign_status_title_case": lambda api: [api.see("GET", _compliance(api, "10dlc/Campaign/"))],
    "tollfree_status_filter_ignored": lambda api: [
        api.see("GET", _compliance(api, "TollfreeVerification/"), params={"status": "REJECTED"})
    ],
    "compliance_without_credentials": lambda api: [api.see("GET", _compliance(api, "Profile/"), auth=None)],
}
