"""Who sees what: main vs subaccount vs another account; 401 for wrong credentials."""

from __future__ import annotations

import base64

import pytest
from starlette.applications import Starlette

import openapi
from emulator.accounts import DemoCredentials

from .conftest import Api, AsgiClient, all_objects


def test_main_account_sees_every_number_including_subaccounts(
    app: Starlette, main_api: Api, demo: DemoCredentials
) -> None:
    listed = main_api.list_all()
    assert len(listed) == len(all_objects(app, demo.auth_id))
    assert {o["sub_account"] for o in listed} == {None, *(s for s, _ in demo.subaccounts)}


def test_subaccount_sees_only_its_own(app: Starlette, sub_api: Api, demo: DemoCredentials) -> None:
    own = [o["number"] for o in all_objects(app, demo.auth_id) if o["sub_account"] == sub_api.auth_id]
    assert own
    assert [o["number"] for o in sub_api.list_all()] == own
    page = sub_api.page(limit=2)
    assert page["meta"]["next"].startswith(f"/v1/Account/{sub_api.auth_id}/Number/?")
    # resource_uri names the main account that owns the number.
    assert page["objects"][0]["resource_uri"].startswith(f"/v1/Account/{demo.auth_id}/Number/")
    main_only = next(o["number"] for o in all_objects(app, demo.auth_id) if o["sub_account"] is None)
    assert sub_api.client.get(sub_api.number_path(main_only)).status_code == 404


def test_other_account_is_isolated(
    app: Starlette, other_api: Api, main_api: Api, demo: DemoCredentials
) -> None:
    other_numbers = {o["number"] for o in other_api.list_all()}
    demo_numbers = {o["number"] for o in main_api.list_all()}
    assert other_numbers
    assert not other_numbers & demo_numbers
    some_demo_number = next(iter(demo_numbers))
    assert other_api.client.get(other_api.number_path(some_demo_number)).status_code == 404
    assert main_api.client.get(main_api.number_path(next(iter(other_numbers)))).status_code == 404


@pytest.mark.parametrize("who", ["other", "sub"])
def test_path_auth_id_of_someone_else_is_401(app: Starlette, demo: DemoCredentials, who: str) -> None:
    auth = demo.other_account if who == "other" else demo.subaccounts[0]
    client = AsgiClient(app, auth=auth)
    response = client.get(f"/v1/Account/{demo.auth_id}/Number/")
    assert response.status_code == 401
    assert "not the authenticated one" in response.json()["error"]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "authentication credentials were not provided"),
        ({"authorization": "Bearer abc"}, "malformed"),
        ({"authorization": "Basic !!!"}, "malformed"),
        ({"authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, "malformed"),
    ],
)
def test_missing_or_malformed_credentials_are_401(
    app: Starlette, demo: DemoCredentials, headers: dict, message: str
) -> None:
    response = AsgiClient(app).get(f"/v1/Account/{demo.auth_id}/Number/", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert message in body["error"]
    assert openapi.schema_errors(body, "Error", "documented") == []


def test_wrong_token_is_401_and_never_echoed(app: Starlette, demo: DemoCredentials) -> None:
    wrong = "wrong-token-" + demo.auth_token[:10]
    response = AsgiClient(app, auth=(demo.auth_id, wrong)).get(f"/v1/Account/{demo.auth_id}/Number/")
    assert response.status_code == 401
    assert wrong not in response.text
    assert demo.auth_token not in response.text


def test_unknown_auth_id_is_401(app: Starlette, demo: DemoCredentials) -> None:
    response = AsgiClient(app, auth=("MA" + "0" * 18, "x")).get(f"/v1/Account/{'MA' + '0' * 18}/Number/")
    assert response.status_code == 401


def test_subaccount_token_does_not_work_for_main(app: Starlette, demo: DemoCredentials) -> None:
    response = AsgiClient(app, auth=(demo.auth_id, demo.subaccounts[0][1])).get(
        f"/v1/Account/{demo.auth_id}/Number/"
    )
    assert response.status_code == 401


def test_unknown_number_is_404(main_api: Api) -> None:
    for number in ("15550000000", "+17609915566"):
        response = main_api.client.get(main_api.number_path(number))
        assert response.status_code == 404
        assert response.json()["error"] == "not found"


def test_a_path_number_that_is_no_phone_number_is_400(main_api: Api) -> None:
    """The spec's {number} is digits with an optional "+" ("The phone number.")."""
    response = main_api.client.get(main_api.number_path("abc"))
    assert response.status_code == 400
    assert "number" in response.json()["error"]


def test_get_answers_the_object_with_api_id(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    obj = all_objects(app, demo.auth_id)[0]
    body = main_api.get(obj["number"])
    assert openapi.schema_errors(body, "AccountPhoneNumberWithApiId", "documented") == []
    assert {k: v for k, v in body.items() if k != "api_id"} == obj
