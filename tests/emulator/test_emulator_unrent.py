"""unrentNumber: 204 with no body, then the number is gone everywhere."""

from __future__ import annotations

from starlette.applications import Starlette

from emulator.accounts import DemoCredentials

from .conftest import Api, all_objects


def test_unrent_removes_the_number(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    before = main_api.page()["meta"]["total_count"]
    number = all_objects(app, demo.auth_id)[7]["number"]
    response = main_api.client.delete(main_api.number_path(number))
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    assert main_api.client.get(main_api.number_path(number)).status_code == 404
    assert main_api.page()["meta"]["total_count"] == before - 1
    assert number not in [o["number"] for o in main_api.list_all()]
    again = main_api.client.delete(main_api.number_path(number))
    assert again.status_code == 404
    assert again.json()["error"] == "not found"
    assert main_api.update(number, alias="x").status_code == 404


def test_unrent_keeps_the_order_of_the_rest(app: Starlette, main_api: Api, demo: DemoCredentials) -> None:
    numbers = [o["number"] for o in all_objects(app, demo.auth_id)]
    for number in (numbers[0], numbers[50], numbers[-1]):
        assert main_api.client.delete(main_api.number_path(number)).status_code == 204
    assert [o["number"] for o in main_api.list_all()] == [
        n for n in numbers if n not in (numbers[0], numbers[50], numbers[-1])
    ]


def test_subaccount_unrents_only_its_own(app: Starlette, sub_api: Api, demo: DemoCredentials) -> None:
    own = sub_api.page()["objects"][0]["number"]
    foreign = next(o["number"] for o in all_objects(app, demo.auth_id) if o["sub_account"] != sub_api.auth_id)
    assert sub_api.client.delete(sub_api.number_path(foreign)).status_code == 404
    assert sub_api.client.delete(sub_api.number_path(own)).status_code == 204
    assert sub_api.client.get(sub_api.number_path(own)).status_code == 404
