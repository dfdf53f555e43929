"""The generated inventory: deterministic, covering every documented value, valid by construction."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from starlette.applications import Starlette

import openapi
from emulator import ConfigError, EmulatorConfig, create_app
from emulator.inventory import REFERENCE_DATE, InventoryError

from .conftest import all_objects


def _objects(seed: int = 3, numbers: int = 300) -> tuple[list[dict], Starlette]:
    app = create_app(EmulatorConfig(seed=seed, numbers=numbers))
    return all_objects(app, app.state.demo.auth_id), app


def test_same_seed_same_accounts_and_inventory() -> None:
    first, app1 = _objects(seed=5)
    second, app2 = _objects(seed=5)
    assert first == second
    assert app1.state.demo.auth_id == app2.state.demo.auth_id
    assert app1.state.demo.auth_token == app2.state.demo.auth_token


def test_other_seed_other_inventory() -> None:
    first, _ = _objects(seed=5)
    second, _ = _objects(seed=6)
    assert [o["number"] for o in first] != [o["number"] for o in second]


def test_auth_id_override_keeps_the_inventory_numbers() -> None:
    plain, _ = _objects(seed=5)
    app = create_app(EmulatorConfig(seed=5, numbers=300, auth_id="MA" + "Z" * 18, auth_token="t0ken"))
    overridden = all_objects(app, "MA" + "Z" * 18)
    assert [o["number"] for o in overridden] == [o["number"] for o in plain]
    assert all(o["resource_uri"].startswith("/v1/Account/MAZZZZZZZZZZZZZZZZZZ/Number/") for o in overridden)


def test_accounts_have_the_documented_shapes() -> None:
    _, app = _objects()
    demo = app.state.demo
    assert demo.auth_id.startswith("MA")
    assert len(demo.auth_id) == 20
    assert len(demo.subaccounts) >= 2
    for sub_id, token in demo.subaccounts:
        assert sub_id.startswith("SA")
        assert len(sub_id) == 20
        assert token
    other_id, other_token = demo.other_account
    assert other_id.startswith("MA")
    assert other_id != demo.auth_id
    assert other_token
    assert all_objects(app, other_id), "the other account has numbers of its own"


def test_every_object_validates_against_the_documented_schema() -> None:
    objects, app = _objects(numbers=400)
    other = all_objects(app, app.state.demo.other_account[0])
    for obj in objects + other:
        assert openapi.schema_errors(obj, "AccountPhoneNumber", "documented") == [], obj


def test_numbers_are_unique_and_sorted() -> None:
    objects, _ = _objects(numbers=500)
    numbers = [o["number"] for o in objects]
    assert len(set(numbers)) == len(numbers) == 500
    assert numbers == sorted(numbers)


def test_inventory_covers_every_value_a_client_must_handle() -> None:
    objects, app = _objects(numbers=300)
    demo = app.state.demo
    seen = {key: Counter(o.get(key) for o in objects) for key in objects[0]}
    assert set(seen["number_type"]) == {"local", "mobile", "fixed", "national", "tollfree"}
    assert set(seen["tendlc_registration_status"]) == {"UNREGISTERED", "PROCESSING", "COMPLETED", None}
    assert set(seen["toll_free_sms_verification"]) == {"UNVERIFIED", "PENDING_VERIFICATION", "VERIFIED", None}
    assert set(seen["caller_reputation_status"]) == {"PENDING", "ACTIVE", "FAILED", "NOT_ENROLLED", None}
    assert set(seen["cnam_lookup"]) == {"enabled", "disabled", None}
    assert None in seen["profile_uuid"]
    assert len(seen["profile_uuid"]) > 2
    assert None in seen["alias"]
    assert "" in seen["alias"]
    assert len(seen["alias"]) > 2
    assert None in seen["cnam"]
    assert len(seen["cnam"]) > 2
    assert set(seen["sub_account"]) == {None, *(s for s, _ in demo.subaccounts)}
    assert None in seen["application"]
    assert len(seen["application"]) > 2
    assert set(seen["mms_enabled"]) == {True, False}
    assert seen["active"][False] >= 1
    assert seen["active"][True] > seen["active"][False]
    regions = {o["region"].rpartition(", ")[2] for o in objects}
    assert "UNITED STATES" in regions
    assert len(regions) >= 4
    services = {(o["voice_enabled"], o["sms_enabled"], o["mms_enabled"]) for o in objects}
    assert {(True, True, True), (True, True, False), (True, False, False), (False, True, True)} <= services
    renewals = sorted(dt.date.fromisoformat(o["renewal_date"]) for o in objects)
    assert (renewals[-1] - renewals[0]).days > 300, "renewal dates spread over about a year"
    assert renewals[0] >= REFERENCE_DATE
    assert all(o["added_on"] < o["renewal_date"] for o in objects)


def test_status_fields_are_null_exactly_where_they_do_not_apply() -> None:
    objects, _ = _objects(numbers=300)
    for obj in objects:
        us = obj["region"].endswith(", UNITED STATES")
        assert us == obj["number"].startswith("1")
        us_local_sms = us and obj["number_type"] == "local" and obj["sms_enabled"]
        assert (obj["tendlc_registration_status"] is not None) == us_local_sms, obj
        tollfree_sms = obj["number_type"] == "tollfree" and obj["sms_enabled"]
        assert (obj["toll_free_sms_verification"] is not None) == tollfree_sms, obj
        if not us:
            assert obj["caller_reputation_status"] is None
            assert obj["cnam_lookup"] is None
        if obj["caller_reputation_status"] in ("PENDING", "ACTIVE", "FAILED"):
            assert obj["profile_uuid"] is not None
        if obj["mms_enabled"]:
            assert obj["sms_enabled"]


def test_small_inventories_work() -> None:
    objects, _ = _objects(numbers=0)
    assert objects == []
    objects, _ = _objects(numbers=1)
    assert len(objects) == 1


def test_large_inventory_builds() -> None:
    app = create_app(EmulatorConfig(numbers=100_000))
    assert len(app.state.store.numbers(app.state.demo.auth_id)) == 100_000


def test_inventory_file_round_trip(tmp_path: Path) -> None:
    objects, _ = _objects(numbers=40)
    for obj in objects:
        obj["resource_uri"] = obj["resource_uri"].replace("/Account/", "/Account/X")  # another account's URIs
    path = tmp_path / "numbers.json"
    path.write_text(json.dumps({"api_id": "x", "objects": objects}))
    app = create_app(EmulatorConfig(inventory=path, auth_id="MA" + "A" * 18, auth_token="tok"))
    loaded = all_objects(app, "MA" + "A" * 18)
    assert [o["number"] for o in loaded] == [o["number"] for o in objects]
    assert all(o["resource_uri"] == f"/v1/Account/{'MA' + 'A' * 18}/Number/{o['number']}/" for o in loaded)
    file_subs = {o["sub_account"] for o in objects if o["sub_account"]}
    assert file_subs <= {s for s, _ in app.state.demo.subaccounts}


def test_inventory_file_keeps_values_outside_the_generator(tmp_path: Path) -> None:
    obj = {
        "number": "17609915566",
        "alias": "",
        "sub_account": "SAXXXXXXXXXXXXXXXXXX",
        "added_on": "2014-02-14",
        "application": None,
        "carrier": "Plivo",
        "region": "California, UNITED STATES",
        "number_type": "local",
        "monthly_rental_rate": "0.80000",
        "sms_enabled": True,
        "sms_rate": "0.00000",
        "voice_enabled": True,
        "voice_rate": "0.00850",
        "resource_uri": "/v1/Account/MANWVLYTK4ZWU1YTY4ZT/Number/17609915566/",
        "toll_free_sms_verification": "verified",
        "api_id": "dropped",
    }
    path = tmp_path / "one.json"
    path.write_text(json.dumps([obj]))
    app = create_app(EmulatorConfig(inventory=path))
    (loaded,) = all_objects(app, app.state.demo.auth_id)
    assert loaded["toll_free_sms_verification"] == "verified"
    assert "api_id" not in loaded
    assert "SAXXXXXXXXXXXXXXXXXX" in dict(app.state.demo.subaccounts)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('{"a": 1}', "must hold a JSON list"),
        ('[{"number": "1"}]', "[0]"),
        ('[{"number": 5}]', "problem"),
    ],
)
def test_bad_inventory_files_say_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InventoryError, match=message.replace("[", r"\[")):
        create_app(EmulatorConfig(inventory=path))


def test_missing_inventory_file(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="does not exist"):
        create_app(EmulatorConfig(inventory=tmp_path / "nope.json"))


def test_duplicate_numbers_in_inventory_file(tmp_path: Path) -> None:
    objects, _ = _objects(numbers=2)
    path = tmp_path / "dup.json"
    path.write_text(json.dumps([objects[0], objects[0]]))
    with pytest.raises(InventoryError, match="more than once"):
        create_app(EmulatorConfig(inventory=path))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"auth_id": "MAshort"}, "wrong shape"),
        ({"auth_id": "SA" + "A" * 18}, "wrong shape"),
        ({"auth_token": "x"}, "needs auth_id"),
        ({"auth_id": "MA" + "A" * 18, "auth_token": "has space"}, "printable"),
        ({"numbers": -1}, "numbers"),
        ({"subaccounts": 1}, "subaccounts"),
        ({"level": "loose"}, "level"),
    ],
)
def test_bad_config_is_refused_clearly(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        EmulatorConfig(**kwargs)


def test_bad_token_is_never_echoed() -> None:
    secret = "super secret token"
    with pytest.raises(ConfigError) as info:
        EmulatorConfig(auth_id="MA" + "A" * 18, auth_token=secret)
    assert secret not in str(info.value)


def _with_raw_value(objects: list[dict], index: int, key: str, raw_json: str) -> str:
    """The objects as JSON text with ``objects[index][key]`` written as ``raw_json`` verbatim."""
    marked = [dict(obj) for obj in objects]
    marked[index][key] = "__RAW__"
    return json.dumps(marked).replace('"__RAW__"', raw_json, 1)


@pytest.mark.parametrize(
    ("key", "raw", "what"),
    [
        ("alias", '"\\ud800"', "is not valid Unicode text (it holds a lone surrogate, U+D800)"),
        ("cnam", '"ACME \\udfff"', "is not valid Unicode text (it holds a lone surrogate, U+DFFF)"),
        ("x_extra", '["\\udc00"]', "is not valid Unicode text"),
        ("x_rate", "NaN", "is not a finite number (nan)"),
    ],
)
def test_inventory_values_that_cannot_be_served_are_refused_at_load(
    tmp_path: Path, key: str, raw: str, what: str
) -> None:
    # They used to load, then break every list page holding them with a 500.
    objects, _ = _objects(numbers=3)
    path = tmp_path / "bad.json"
    path.write_text(_with_raw_value(objects, 1, key, raw))
    with pytest.raises(InventoryError) as refused:
        create_app(EmulatorConfig(inventory=path))
    message = str(refused.value)
    assert f"[1].{key}" in message
    assert f"(number {objects[1]['number']})" in message
    assert what in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nests JSON too deeply"),
        ("[" + "9" * 5_000 + "]", "not JSON the emulator can read"),
        ('[{"number": "\\ud800"}]', "[0].number (an object without a readable number): is not valid Unicode"),
        ('["\\ud800"]', "[0] (a JSON str): is not valid Unicode text"),
        ("[[[[[[[[[[[[1]]]]]]]]]]]]", "nests objects or lists deeper"),
    ],
)
def test_inventory_files_no_number_object_could_come_from(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InventoryError) as refused:
        create_app(EmulatorConfig(inventory=path))
    assert message in str(refused.value)
