"""updateNumber: each field's effect on the next get, business rules, body formats."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

import openapi
from emulator.accounts import DemoCredentials

from .conftest import Api, all_objects

PROFILE = "7c9d4c2a-2f3e-4b8a-9d1e-0c5a6b7e8f90"
COMPLIANCE = "0b7f3d1e-5a6c-4e2f-9d8b-1c2a3e4f5a6b"


def _find(app: Starlette, owner: str, **wanted: Any) -> dict[str, Any]:
    for obj in all_objects(app, owner):
        if all((obj.get(k) == v if not callable(v) else v(obj.get(k))) for k, v in wanted.items()):
            return obj
    raise AssertionError(f"no number with {wanted}")


def _us_local(app: Starlette, owner: str) -> dict[str, Any]:
    return _find(
        app, owner, number_type="local", region=lambda r: r.endswith("UNITED STATES"), sub_account=None
    )


def _accepted(response: Any) -> None:
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["message"] == "changed"
    assert openapi.schema_errors(body, "UpdateResult", "documented") == []


def test_alias_changes_and_other_fields_stay(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = _us_local(app, demo.auth_id)
    _accepted(main_api.update(obj["number"], alias="Main Line"))
    after = main_api.get(obj["number"])
    assert after["alias"] == "Main Line"
    assert {k: v for k, v in after.items() if k not in ("alias", "api_id")} == {
        k: v for k, v in obj.items() if k != "alias"
    }


def test_empty_alias_is_kept_as_empty(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = _us_local(app, demo.auth_id)
    _accepted(main_api.update(obj["number"], alias=""))
    assert main_api.get(obj["number"])["alias"] == ""


def test_app_id_sets_the_application_uri(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = _us_local(app, demo.auth_id)
    _accepted(main_api.update(obj["number"], app_id="12345678901234567"))
    assert (
        main_api.get(obj["number"])["application"]
        == f"/v1/Account/{demo.auth_id}/Application/12345678901234567/"
    )


def test_subaccount_transfer(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = _us_local(app, demo.auth_id)
    sub_id, sub_token = demo.subaccounts[1]
    _accepted(main_api.update(obj["number"], subaccount=sub_id))
    assert main_api.get(obj["number"])["sub_account"] == sub_id
    sub_api = Api(app, sub_id, sub_token)
    assert sub_api.get(obj["number"])["number"] == obj["number"]
    assert obj["number"] in [o["number"] for o in main_api.list_all(subaccount=sub_id)]
    # An empty subaccount gives it back to the main account.
    _accepted(main_api.update(obj["number"], subaccount=""))
    assert main_api.get(obj["number"])["sub_account"] is None
    assert sub_api.client.get(sub_api.number_path(obj["number"])).status_code == 404


def test_subaccount_transfer_only_to_own_subaccounts(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    obj = _us_local(app, demo.auth_id)
    response = main_api.update(obj["number"], subaccount="SA" + "Q" * 18)
    assert response.status_code == 400
    assert (
        response.json()["error"] == "subaccount: 'SAQQQQQQQQQQQQQQQQQQ' is not a subaccount of this account"
    )
    assert main_api.get(obj["number"])["sub_account"] is None


def test_a_subaccount_cannot_give_a_number_to_another(app: Starlette, demo: DemoCredentials) -> None:
    (sub_id, token), (other_sub, _) = demo.subaccounts[0], demo.subaccounts[1]
    sub_api = Api(app, sub_id, token)
    number = sub_api.page()["objects"][0]["number"]
    response = sub_api.update(number, subaccount=other_sub)
    assert response.status_code == 400
    assert "cannot move a number to another account" in response.json()["error"]
    assert sub_api.update(number, subaccount="").status_code == 400
    assert sub_api.get(number)["sub_account"] == sub_id


def test_cnam_and_cnam_lookup(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = _us_local(app, demo.auth_id)
    _accepted(main_api.update(obj["number"], cnam="ACME", cnam_lookup="disabled"))
    after = main_api.get(obj["number"])
    assert after["cnam"] == "ACME"
    assert after["cnam_lookup"] == "disabled"
    _accepted(
        main_api.update(obj["number"], cnam_lookup="enabled", cnam_callback_url="https://example.com/cnam")
    )
    assert main_api.get(obj["number"])["cnam_lookup"] == "enabled"


def test_cnam_is_us_only(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = _find(app, demo.auth_id, region=lambda r: not r.endswith("UNITED STATES"), sub_account=None)
    response = main_api.update(obj["number"], cnam_lookup="enabled")
    assert response.status_code == 400
    assert response.json()["error"].startswith("cnam_lookup: CNAM applies to US numbers only")


def test_caller_reputation_needs_profile_uuid(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = _us_local(app, demo.auth_id)
    response = main_api.update(obj["number"], caller_reputation="enabled")
    assert response.status_code == 400
    assert response.json()["error"] == "caller_reputation=enabled requires profile_uuid"


def test_caller_reputation_enabled_sets_pending(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = _find(app, demo.auth_id, number_type="tollfree", sub_account=None)
    _accepted(main_api.update(obj["number"], caller_reputation="enabled", profile_uuid=PROFILE))
    after = main_api.get(obj["number"])
    assert after["caller_reputation_status"] == "PENDING"
    assert after["profile_uuid"] == PROFILE
    _accepted(main_api.update(obj["number"], caller_reputation="disabled"))
    assert main_api.get(obj["number"])["caller_reputation_status"] == "NOT_ENROLLED"


def test_caller_reputation_only_for_us_local_and_tollfree(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    obj = _find(app, demo.auth_id, number_type="mobile", sub_account=None)
    response = main_api.update(obj["number"], caller_reputation="enabled", profile_uuid=PROFILE)
    assert response.status_code == 400
    assert "US local and toll-free numbers only" in response.json()["error"]


def test_compliance_application_only_while_pending(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    pending = _find(app, demo.auth_id, active=False, sub_account=None)
    active = _find(app, demo.auth_id, active=True, sub_account=None)
    _accepted(main_api.update(pending["number"], compliance_application_id=COMPLIANCE))
    _accepted(main_api.update(active["number"], compliance_application_id=COMPLIANCE))
    assert main_api.get(pending["number"])["compliance_application_id"] == COMPLIANCE
    assert main_api.get(active["number"])["compliance_application_id"] is None


def test_unknown_keys_are_ignored(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = _us_local(app, demo.auth_id)
    # The official Python SDK sends "number" in the body.
    _accepted(main_api.update(obj["number"], number=obj["number"], colour="blue", alias="x"))
    after = main_api.get(obj["number"])
    assert after["alias"] == "x"
    assert "colour" not in after


def test_form_encoded_body(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = _us_local(app, demo.auth_id)
    response = main_api.client.post(
        main_api.number_path(obj["number"]),
        data={"alias": "form alias", "caller_reputation": "enabled", "profile_uuid": PROFILE},
    )
    _accepted(response)
    after = main_api.get(obj["number"])
    assert after["alias"] == "form alias"
    assert after["caller_reputation_status"] == "PENDING"


def test_empty_form_is_an_empty_update(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = _us_local(app, demo.auth_id)
    response = main_api.client.post(
        main_api.number_path(obj["number"]),
        content=b"",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _accepted(response)
    assert {k: v for k, v in main_api.get(obj["number"]).items() if k != "api_id"} == obj


def test_a_refused_update_changes_nothing(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = _us_local(app, demo.auth_id)
    response = main_api.update(obj["number"], alias="should not stick", subaccount="SA" + "Q" * 18)
    assert response.status_code == 400
    assert main_api.get(obj["number"])["alias"] == obj["alias"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"json": {"alias": 5}}, "alias: 5 is not of type 'string'"),
        ({"json": {"cnam_lookup": "on"}}, "cnam_lookup: 'on' is not one of"),
        ({"json": {"profile_uuid": "not-a-uuid"}}, "profile_uuid: 'not-a-uuid' is not a 'uuid'"),
        ({"json": {"app_id": ""}}, "app_id: '' should be non-empty"),
        ({"json": {"cnam_callback_url": "not a url"}}, "cnam_callback_url: 'not a url' is not a 'uri'"),
        ({"json": {"cnam_callback_method": "PUT"}}, "cnam_callback_method: 'PUT' is not one of"),
        ({"json": ["alias"]}, "request body must be a JSON object"),
        (
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            "request body is not valid JSON",
        ),
        (
            {"content": b"alias=x", "headers": {"content-type": "text/plain"}},
            "unsupported Content-Type 'text/plain'",
        ),
        (
            {"content": b"\xff\xfe", "headers": {"content-type": "application/x-www-form-urlencoded"}},
            "form body",
        ),
    ],
)
def test_bad_bodies_get_400_saying_what_was_wrong(
    app: Starlette, main_api: Api, demo: DemoCredentials, kwargs: dict, message: str
) -> None:
    obj = _us_local(app, demo.auth_id)
    response = main_api.client.post(main_api.number_path(obj["number"]), **kwargs)
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith(message), response.json()["error"]


def test_update_of_unknown_number_is_404(main_api: Api) -> None:
    response = main_api.update("15550000000", alias="x")
    assert response.status_code == 404
    assert response.json()["error"] == "not found"


@pytest.mark.parametrize("headers", [{"content-type": "application/json"}, {}])
def test_an_empty_update_changes_nothing(
    app: Starlette, main_api: Api, demo: DemoCredentials, headers: dict[str, str]
) -> None:
    # The spec's update body is optional (every argument on the page is): an empty one is
    # a no-op.
    obj = _us_local(app, demo.auth_id)
    _accepted(main_api.client.post(main_api.number_path(obj["number"]), content=b"", headers=headers))
    assert {k: v for k, v in main_api.get(obj["number"]).items() if k != "api_id"} == obj
