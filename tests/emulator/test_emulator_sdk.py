"""The official plivo Python SDK (4.63.0), unchanged except for its base URL, against the served emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import plivo
import plivo.exceptions
import plivo.rest.client
import pytest
from starlette.applications import Starlette

from emulator import EmulatorConfig, create_app
from emulator.serve import serve

Obj = dict[str, Any]


class SdkTarget:
    """A served emulator, a plivo.RestClient aimed at it, and the store's view for expectations."""

    def __init__(self, app: Starlette, client: plivo.RestClient) -> None:
        self.app = app
        self.client = client
        self.demo = app.state.demo

    def objects(self) -> list[Obj]:
        snapshot: list[Obj] = self.app.state.store.snapshot(self.demo.auth_id)
        return snapshot

    def list_all(self, **filters: Any) -> list[str]:
        """Every number the SDK lists for ``filters``, paging with offset like SDK users do."""
        numbers: list[str] = []
        offset = 0
        while True:
            page = self.client.numbers.list(limit=20, offset=offset, **filters)
            numbers.extend(number.number for number in page)
            if page.meta["next"] is None:
                return numbers
            offset += 20

    def __repr__(self) -> str:
        return f"<SdkTarget {self.demo.auth_id}>"


@pytest.fixture
def sdk(monkeypatch: pytest.MonkeyPatch) -> Iterator[SdkTarget]:
    app = create_app(EmulatorConfig(seed=31, numbers=140))
    demo = app.state.demo
    with serve(app) as base_url:
        # The SDK reads this module constant before every request; monkeypatch restores it.
        monkeypatch.setattr(plivo.rest.client, "PLIVO_API_BASE_URI", f"{base_url}/v1/Account")
        yield SdkTarget(app, plivo.RestClient(demo.auth_id, demo.auth_token))


def _value(objects: list[Obj], key: str) -> Any:
    values = [o[key] for o in objects if o.get(key) not in (None, "")]
    return values[len(values) // 2]


# SDK keyword arguments -> the objects they must select, built from the store's objects.
FILTERS: dict[str, Callable[[list[Obj]], tuple[dict[str, Any], Callable[[Obj], bool]]]] = {
    "type": lambda objs: ({"type": "tollfree"}, lambda o: o["number_type"] == "tollfree"),
    "number_startswith": lambda objs: ({"number_startswith": "44"}, lambda o: o["number"].startswith("44")),
    "subaccount": lambda objs: (
        {"subaccount": _value(objs, "sub_account")},
        lambda o: o["sub_account"] == _value(objs, "sub_account"),
    ),
    "alias": lambda objs: ({"alias": _value(objs, "alias")}, lambda o: o["alias"] == _value(objs, "alias")),
    "services": lambda objs: (
        {"services": ["sms", "mms"]},
        lambda o: o["sms_enabled"] and o["mms_enabled"],
    ),
    "tendlc_registration_status": lambda objs: (
        {"tendlc_registration_status": "in_progress"},
        lambda o: o["tendlc_registration_status"] == "PROCESSING",
    ),
    "tendlc_campaign_id": lambda objs: (
        {"tendlc_campaign_id": _value(objs, "tendlc_campaign_id")},
        lambda o: o["tendlc_campaign_id"] == _value(objs, "tendlc_campaign_id"),
    ),
    "toll_free_sms_verification": lambda objs: (
        {"toll_free_sms_verification": "verified"},
        lambda o: o["toll_free_sms_verification"] == "VERIFIED",
    ),
    "renewal_date": lambda objs: (
        {"renewal_date": objs[9]["renewal_date"]},
        lambda o: o["renewal_date"] == objs[9]["renewal_date"],
    ),
    "renewal_date__lte": lambda objs: (
        {"renewal_date__lte": "2026-05-01"},
        lambda o: o["renewal_date"] <= "2026-05-01",
    ),
    "renewal_date__lt": lambda objs: (
        {"renewal_date__lt": "2026-05-01"},
        lambda o: o["renewal_date"] < "2026-05-01",
    ),
    "renewal_date__gte": lambda objs: (
        {"renewal_date__gte": "2026-09-01"},
        lambda o: o["renewal_date"] >= "2026-09-01",
    ),
    "renewal_date__gt": lambda objs: (
        {"renewal_date__gt": "2026-09-01"},
        lambda o: o["renewal_date"] > "2026-09-01",
    ),
    "cnam_lookup": lambda objs: ({"cnam_lookup": "disabled"}, lambda o: o["cnam_lookup"] == "disabled"),
}


def test_sdk_lists_with_every_filter(sdk: SdkTarget) -> None:
    objects = sdk.objects()
    for name, case in FILTERS.items():
        kwargs, predicate = case(objects)
        expected = [o["number"] for o in objects if predicate(o)]
        assert 0 < len(expected) < len(objects), name
        assert sdk.list_all(**kwargs) == expected, name
    assert sdk.list_all() == [o["number"] for o in objects]


def test_sdk_list_meta_and_objects(sdk: SdkTarget) -> None:
    page = sdk.client.numbers.list(limit=5, offset=5, type="local")
    assert page.meta["limit"] == 5
    assert page.meta["offset"] == 5
    assert page.meta["next"].endswith("limit=5&offset=10&type=local")
    first = page[0]
    assert first.resource_uri == f"/v1/Account/{sdk.demo.auth_id}/Number/{first.number}/"


def test_sdk_get_update_delete(sdk: SdkTarget) -> None:
    objects = sdk.objects()
    target = next(o for o in objects if o["region"].endswith("UNITED STATES") and o["sub_account"] is None)
    number = target["number"]
    got = sdk.client.numbers.get(number)
    assert got.number == number
    assert got.renewal_date == target["renewal_date"]
    sub_id = sdk.demo.subaccounts[0][0]
    result = sdk.client.numbers.update(
        number, app_id="55555555555555555", subaccount=sub_id, alias="via sdk", cnam_lookup="disabled"
    )
    assert result.message == "changed"
    after = sdk.client.numbers.get(number)
    assert after.alias == "via sdk"
    assert after.sub_account == sub_id
    assert after.cnam_lookup == "disabled"
    assert after.application == f"/v1/Account/{sdk.demo.auth_id}/Application/55555555555555555/"
    sdk.client.numbers.delete(number)
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        sdk.client.numbers.get(number)
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        sdk.client.numbers.delete(number)
    assert number not in sdk.list_all()


def test_sdk_sees_emulator_errors_as_its_exceptions(sdk: SdkTarget) -> None:
    number = sdk.objects()[0]["number"]
    with pytest.raises(plivo.exceptions.ValidationError, match="not a subaccount"):
        sdk.client.numbers.update(number, subaccount="SA" + "Q" * 18)
    wrong = plivo.RestClient(sdk.demo.auth_id, "wrong-token")
    with pytest.raises(plivo.exceptions.AuthenticationError, match="authentication failed"):
        wrong.numbers.get(number)
    with pytest.raises(plivo.exceptions.ValidationError, match=r"renewal_date: .not a date. is not a .date."):
        sdk.client.numbers.list(limit=20, renewal_date="not a date")


def test_sdk_4_63_list_errors_other_than_400_break_inside_the_sdk(sdk: SdkTarget) -> None:
    # plivo-python 4.63.0 builds a ListResponseObject from the error body and then calls
    # len() on it, which has no objects: a 401 on list surfaces as AttributeError, not as
    # AuthenticationError. The emulator's answer is a plain Plivo-style 401.
    wrong = plivo.RestClient(sdk.demo.auth_id, "wrong-token")
    with pytest.raises(AttributeError, match="objects"):
        wrong.numbers.list()
    assert sdk.app.state.request_log[-1].status == 401


def test_subaccount_credentials_through_the_sdk(sdk: SdkTarget) -> None:
    sub_id, token = sdk.demo.subaccounts[1]
    client = plivo.RestClient(sub_id, token)
    own = [o["number"] for o in sdk.objects() if o["sub_account"] == sub_id]
    numbers = [n.number for n in client.numbers.list(limit=20)]
    assert numbers == own[:20]
