"""One small probe per catalogued variant: a few in-process requests whose answers differ.

The mirror of tests/killmatrix/probes.py (whose ``Api`` client it reuses): the same probe
against the clean emulator and against the variant must see something different, or the
variant is not a variant. Observations are what a client sees: status, the headers that
matter to the variant, and the body (api_id values masked, except where the variant is
about api_id).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import httpx

from tests.killmatrix.probes import Api, Observation, _unknown, _unknown_subaccount, _update_alias

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
Probe = Callable[[Api], list[Any]]


def _headers(api: Api, method: str, path: str, *names: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    response = api.send(method, path, **kwargs)
    return response.status_code, {name: response.headers.get(name) for name in names}


def _page(api: Api) -> list[Observation]:
    number = str(api.first()["number"])
    return [api.list_page(limit=20), api.see("GET", api.number_path(number))]


def _sub_number(api: Api) -> tuple[str, str, str]:
    """A subaccount's credentials and one of its numbers."""
    sub_id, token = api.demo.subaccounts[0]
    response = api.send("GET", f"/v1/Account/{sub_id}/Number/", params={"limit": 1}, auth=(sub_id, token))
    return sub_id, token, str(response.json()["objects"][0]["number"])


def _api_id_shapes(api: Api) -> list[Any]:
    answers = [
        api.send("GET", api.numbers_path, params={"limit": 1}),
        api.send("GET", api.number_path("19999999999")),
    ]
    return [bool(UUID.match(str(a.json().get("api_id")))) for a in answers]


def _raw(api: Api) -> list[Any]:
    text = api.send("GET", api.numbers_path, params={"limit": 2}).text
    # The bytes as sent, but for the api_id value, which is new on every answer.
    return [re.sub(r'("api_id":\s*)"[^"]*"', r'\1"<api_id>"', text)]


def _burst(api: Api, count: int = 305) -> list[Any]:
    """Statuses (and Retry-After) of ``count`` list requests sent back to back on one account."""

    async def run() -> list[Any]:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as client:
            seen = []
            for _ in range(count):
                answer = await client.get(api.numbers_path, params={"limit": 1}, auth=api.main)
                seen.append((answer.status_code, answer.headers.get("retry-after")))
            return seen

    seen = asyncio.run(run())
    return [seen[0], seen[299], seen[300:]]


def _head(api: Api) -> list[Any]:
    return [
        _headers(api, "HEAD", api.numbers_path, "allow", "content-type"),
        _headers(api, "PUT", api.number_path(api.own_number()), "allow", json={}),
    ]


def _options(api: Api) -> list[Any]:
    return [
        _headers(api, "OPTIONS", api.numbers_path, "allow", auth=None),
        _headers(api, "OPTIONS", api.number_path(api.own_number()), "allow", auth=None),
    ]


def _plus_path(api: Api) -> list[Observation]:
    number = api.own_number()
    return [api.see("GET", api.number_path("+" + number))]


def _subaccount_self_transfer(api: Api) -> list[Observation]:
    sub_id, token, number = _sub_number(api)
    path = f"/v1/Account/{sub_id}/Number/{number}/"
    return [api.see("POST", path, json={"subaccount": sub_id}, auth=(sub_id, token))]


def _empty_subaccount(api: Api) -> list[Observation]:
    _sub_id, _token, number = _sub_number(api)
    path = api.number_path(number)
    return [api.see("POST", path, json={"subaccount": ""}), api.see("GET", path)]


def _empty_alias(api: Api) -> list[Observation]:
    number = api.own_number()
    api.send("POST", api.number_path(number), json={"alias": ""})
    return [api.see("GET", api.number_path(number))]


def _unknown_references(api: Api) -> list[Observation]:
    number = api.own_number()
    path = api.number_path(number)
    return [
        api.see("POST", path, json={"app_id": "12345"}),
        api.see("POST", path, json={"profile_uuid": "7c9d4c2a-2f3e-4b8a-9d1e-0c5a6b7e8f90"}),
        api.see("GET", path),
    ]


def _empty_updates(api: Api) -> list[Observation]:
    path = api.number_path(api.own_number())
    return [
        api.see("POST", path),
        api.see("POST", path, json={}),
        api.see("POST", path, content=b"", headers={"content-type": "application/x-www-form-urlencoded"}),
    ]


def _form_update(api: Api) -> list[Observation]:
    path = api.number_path(api.own_number())
    return [api.see("POST", path, data={"alias": "probe"}), api.see("GET", path)]


def _gzip(api: Api) -> list[Any]:
    return [
        _headers(api, "GET", api.numbers_path, "content-encoding", headers={"accept-encoding": "gzip"}),
        _headers(api, "GET", api.numbers_path, "content-encoding", headers={"accept-encoding": "identity"}),
    ]


PROBES: dict[str, Probe] = {
    # status codes
    "update_200_ok": _update_alias,
    "foreign_auth_id_403": lambda api: [
        api.see("GET", f"/v1/Account/{api.demo.other_account[0]}/Number/", params={"limit": 1})
    ],
    # auth
    "unauthorized_without_api_id": lambda api: [api.list_page(auth=None)],
    "unauthorized_reworded": lambda api: [
        api.list_page(auth=None),
        api.list_page(auth=(api.demo.auth_id, "not-the-token")),
    ],
    # error bodies
    "errors_reworded": _unknown,
    "errors_with_extra_fields": _unknown,
    # headers and methods
    "json_charset_content_type": lambda api: [api.list_page(limit=1), *_unknown(api)],
    "gzip_when_accepted": _gzip,
    "extra_response_headers": lambda api: [
        _headers(api, "GET", api.numbers_path, "server", "x-ratelimit-limit", "cache-control")
    ],
    "head_like_get": _head,
    "options_answered_204": _options,
    # response data
    "tendlc_registered_spelling": lambda api: [
        api.list_page(tendlc_registration_status="registered", limit=5)
    ],
    "toll_free_lower_case": lambda api: [
        api.list_page(toll_free_sms_verification="verified", limit=3),
        api.list_page(toll_free_sms_verification="unverified", limit=3),
    ],
    "alias_empty_when_unset": lambda api: [*_page(api), api.list_page(alias="", limit=1)],
    "cnam_lookup_absent": _page,
    "only_always_present_keys": _page,
    "extra_undocumented_fields": _page,
    "plus_prefixed_numbers": lambda api: [*_page(api), *_plus_path(api)],
    "api_id_not_uuid": _api_id_shapes,
    "pretty_printed_json": _raw,
    # paths
    "plus_accepted_in_path": _plus_path,
    "slashless_paths_404": lambda api: [api.see("GET", api.numbers_path.rstrip("/"), params={"limit": 1})],
    "malformed_number_400": lambda api: [api.see("GET", api.number_path("not-a-number"))],
    # pagination
    "order_descending": lambda api: [api.list_page(limit=5)],
    "order_by_added_on": lambda api: [api.list_page(limit=5)],
    "links_absolute_urls": lambda api: [api.list_page(limit=5, offset=5)],
    "links_reordered_extra_params": lambda api: [api.list_page(type="local", limit=5, offset=5, foo="bar")],
    "limit_above_max_clamped": lambda api: [api.list_page(limit=50)],
    "negative_offset_clamped": lambda api: [api.list_page(limit=2, offset=-1)],
    # list filters
    "type_defaults_to_local": lambda api: [api.list_page(limit=20)],
    "services_sms_only": lambda api: [api.list_page(services="sms", limit=20)],
    "empty_filter_values_ignored": lambda api: [
        api.list_page(number_startswith="", limit=1),
        api.list_page(alias="", limit=1),
    ],
    "filter_values_case_insensitive": lambda api: [
        api.list_page(type="LOCAL", limit=1),
        api.list_page(services="SMS,Voice", limit=1),
    ],
    "documented_filter_spellings_only": lambda api: [
        api.list_page(number_type="tollfree", limit=1),
        api.list_page(tendlc_registration_status="COMPLETED", limit=1),
    ],
    # update
    "empty_update_refused": _empty_updates,
    "unknown_subaccount_404": _unknown_subaccount,
    "unknown_references_refused": _unknown_references,
    "subaccount_transfer_main_only": _subaccount_self_transfer,
    "empty_subaccount_refused": _empty_subaccount,
    "empty_alias_stored_as_null": _empty_alias,
    "update_json_only": _form_update,
    # rate limits
    "rate_limited_429": _burst,
    "rate_limited_429_retry_after": _burst,
}
