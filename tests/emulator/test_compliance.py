"""The emulator's compliance graph: consistent with the numbers, every status, dangling refs, files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

import openapi
from contracts import provenance
from emulator import EmulatorConfig, create_app
from emulator.compliance import RESOURCES, ComplianceGraph, schema_errors
from emulator.inventory import InventoryError

from .conftest import AsgiClient, all_objects

SEED = 11
PATHS = {
    "brands": ("10dlc/Brand/", "brands", "BrandGet"),
    "campaigns": ("10dlc/Campaign/", "campaigns", "CampaignGet"),
    "profiles": ("Profile/", "profiles", "ProfileGet"),
    "tollfree_verifications": ("TollfreeVerification/", "objects", "TollfreeVerification"),
    "compliance_applications": ("ComplianceApplication/", "objects", "ComplianceApplication"),
    "phone_number_compliances": ("PhoneNumber/Compliance/", "compliances", "PhoneNumberComplianceGet"),
}
# Every status value compliance.yaml's file defines (the documented level's, for applications).
VOCABULARY = {
    ("brands", "registration_status"): {"COMPLETED", "PROCESSING", "FAILED"},
    ("campaigns", "registration_status"): {"ACTIVE", "EXPIRED", "FAILED", "PROCESSING"},
    ("tollfree_verifications", "status"): {"SUBMITTED", "APPROVED", "REJECTED", "UPDATE_REQUIRED"},
    ("compliance_applications", "status"): {"Draft", "Submitted", "Accepted", "Rejected"},
    ("phone_number_compliances", "status"): {
        "draft", "submitted", "accepted", "approved", "rejected", "pending", "suspended", "expired"
    },
}  # fmt: skip


def _app(seed: int = SEED, numbers: int = 300, **kwargs: Any) -> Starlette:
    return create_app(EmulatorConfig(seed=seed, numbers=numbers, **kwargs))


def _graph(app: Starlette, owner: str | None = None) -> ComplianceGraph:
    graph: ComplianceGraph = app.state.compliance.graph(owner or app.state.demo.auth_id)
    return graph


def _client(app: Starlette) -> AsgiClient:
    return AsgiClient(app, auth=(app.state.demo.auth_id, app.state.demo.auth_token))


def _read_all(app: Starlette, resource: str, **params: Any) -> list[dict[str, Any]]:
    path, array, _ = PATHS[resource]
    client = _client(app)
    found: list[dict[str, Any]] = []
    first = f"/v1/Account/{app.state.demo.auth_id}/{path}?limit=7"
    response = client.get(first, params=params) if params else client.get(first)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        found += body[array]
        link = body["meta"]["next"]
        if not isinstance(link, str):
            return found
        response = client.get(link)


@pytest.fixture(scope="module")
def demo_app() -> Starlette:
    return _app()


# ---------------------------------------------------------------- consistency


def test_every_pointer_leads_to_an_object_or_is_a_declared_dangling_one(demo_app: Starlette) -> None:
    graph = _graph(demo_app)
    numbers = all_objects(demo_app, demo_app.state.demo.auth_id)
    dangling = {kind: set(ids) for kind, ids in graph.dangling.items()}
    pointed = 0
    for obj in numbers:
        campaign = obj.get("tendlc_campaign_id")
        if campaign:
            pointed += 1
            if campaign in dangling["campaign"]:
                assert campaign not in graph.campaigns
            else:
                links = [link["number"] for link in graph.campaign_numbers[campaign]]
                assert obj["number"] in links, f"campaign {campaign} does not list {obj['number']}"
        profile = obj.get("profile_uuid")
        if profile:
            assert profile in graph.profiles or profile in dangling["profile"]
        request = obj.get("toll_free_sms_verification_id")
        if request:
            if request in graph.tollfree_verifications:
                assert graph.tollfree_verifications[request]["number"] == obj["number"]
            else:
                assert request in dangling["tollfree_verification"]
        application = obj.get("compliance_application_id")
        if application:
            known = (
                application in graph.compliance_applications or application in graph.phone_number_compliances
            )
            assert known or application in dangling["application"]
    assert pointed > 20


def test_campaign_links_point_back_and_statuses_follow_the_number(demo_app: Starlette) -> None:
    graph = _graph(demo_app)
    by_number = {o["number"]: o for o in all_objects(demo_app, demo_app.state.demo.auth_id)}
    left_behind = 0
    for campaign_id, links in graph.campaign_numbers.items():
        assert campaign_id in graph.campaigns
        for link in links:
            number = by_number.get(link["number"])
            if number is None:
                left_behind += 1  # a link left behind by a number the account no longer has
                continue
            assert number["tendlc_campaign_id"] == campaign_id
            if number["tendlc_registration_status"] == "COMPLETED":
                assert link["status"] == "COMPLETED"
            else:
                assert link["status"] in ("PROCESSING", "FAILED")
    assert left_behind >= 1


def test_numbers_keep_their_shape_and_us_numbers_need_no_application(demo_app: Starlette) -> None:
    for obj in all_objects(demo_app, demo_app.state.demo.auth_id):
        assert openapi.schema_errors(obj, "AccountPhoneNumber", "documented") == []
        if obj["region"].endswith("UNITED STATES"):
            assert obj["compliance_application_id"] is None
        else:
            assert obj["compliance_application_id"]
        if obj["tendlc_registration_status"] in (None, "UNREGISTERED"):
            assert obj["tendlc_campaign_id"] is None
        has_request_key = "toll_free_sms_verification_id" in obj
        assert has_request_key == (
            obj["number_type"] == "tollfree" and obj["toll_free_sms_verification"] is not None
        )


# ---------------------------------------------------------------- coverage


@pytest.mark.parametrize(("resource", "key"), list(VOCABULARY))
def test_every_status_value_is_served(demo_app: Starlette, resource: str, key: str) -> None:
    served = {obj[key] for obj in _read_all(demo_app, resource)}
    assert served == VOCABULARY[(resource, key)]


@pytest.mark.parametrize("numbers", [0, 1, 40])
def test_small_inventories_still_cover_every_status(numbers: int) -> None:
    app = _app(numbers=numbers)
    graph = _graph(app)
    for (resource, key), values in VOCABULARY.items():
        assert {o[key] for o in graph.resource(resource).values()} >= values, resource
    links = {link["status"] for links in graph.campaign_numbers.values() for link in links}
    assert links == {"COMPLETED", "PROCESSING", "FAILED"}


def test_profiles_cover_approved_and_not(demo_app: Starlette) -> None:
    graph = _graph(demo_app)
    brand_of = {b["profile_uuid"]: b for b in graph.brands.values()}
    kinds = {brand_of[p]["registration_status"] if p in brand_of else None for p in graph.profiles}
    assert kinds == {"COMPLETED", "PROCESSING", "FAILED", None}
    assert all(
        b.get("vetting_status") == "ACTIVE"
        for b in graph.brands.values()
        if b["registration_status"] == "COMPLETED"
    )
    # Numbers point at profiles of every kind.
    pointed = {o["profile_uuid"] for o in all_objects(demo_app, demo_app.state.demo.auth_id)} - {None}
    assert {
        brand_of[p]["registration_status"] if p in brand_of else None for p in pointed & set(graph.profiles)
    } == kinds


def test_numbers_point_at_every_campaign_status_and_tollfree_status(demo_app: Starlette) -> None:
    graph = _graph(demo_app)
    numbers = all_objects(demo_app, demo_app.state.demo.auth_id)
    campaigns = {graph.campaigns[o["tendlc_campaign_id"]]["registration_status"] for o in numbers
                 if o.get("tendlc_campaign_id") in graph.campaigns}  # fmt: skip
    assert campaigns == VOCABULARY[("campaigns", "registration_status")]
    requests = {graph.tollfree_verifications[o["toll_free_sms_verification_id"]]["status"] for o in numbers
                if o.get("toll_free_sms_verification_id") in graph.tollfree_verifications}  # fmt: skip
    assert requests == VOCABULARY[("tollfree_verifications", "status")]
    update_required = [r for r in graph.tollfree_verifications.values() if r["status"] == "UPDATE_REQUIRED"]
    assert all(r["error_message"] and r["last_modified"] for r in update_required)


def test_dangling_references_of_each_kind_are_present_and_unknown(demo_app: Starlette) -> None:
    graph = _graph(demo_app)
    assert set(graph.dangling) == {"campaign", "profile", "tollfree_verification", "application"}
    numbers = all_objects(demo_app, demo_app.state.demo.auth_id)
    field_of = {
        "campaign": "tendlc_campaign_id",
        "profile": "profile_uuid",
        "tollfree_verification": "toll_free_sms_verification_id",
        "application": "compliance_application_id",
    }
    client = _client(demo_app)
    base = f"/v1/Account/{demo_app.state.demo.auth_id}/"
    for kind, ids in graph.dangling.items():
        named = {o.get(field_of[kind]) for o in numbers}
        assert set(ids) <= named, f"no number names the dangling {kind} ids"
        paths = {
            "campaign": ["10dlc/Campaign/{}/"],
            "profile": ["Profile/{}/"],
            "tollfree_verification": ["TollfreeVerification/{}/"],
            "application": ["ComplianceApplication/{}/", "PhoneNumber/Compliance/{}/"],
        }[kind]
        for ident in ids:
            for path in paths:
                assert client.get(base + path.format(ident)).status_code == 404


def test_every_served_object_meets_the_strict_contract(demo_app: Starlette) -> None:
    client = _client(demo_app)
    base = f"/v1/Account/{demo_app.state.demo.auth_id}/"
    for resource, (path, _, get_schema) in PATHS.items():
        for obj in _read_all(demo_app, resource):
            ident = obj[RESOURCES[resource][1]]
            response = client.get(
                f"{base}{path}{ident}/", params={"expand": "end_user,documents,linked_numbers"}
            )
            assert response.status_code == 200
            assert schema_errors(response.json(), get_schema, "documented") == []
    for campaign_id in _graph(demo_app).campaigns:
        body = client.get(f"{base}10dlc/Campaign/{campaign_id}/Number/").json()
        assert schema_errors(body, "CampaignNumbers", "documented") == []


# ---------------------------------------------------------------- determinism


def test_same_seed_same_graph_and_other_seed_other_ids() -> None:
    first, second, other = _app(seed=5, numbers=120), _app(seed=5, numbers=120), _app(seed=6, numbers=120)
    assert repr(_graph(first)) == repr(_graph(second))
    for key in RESOURCES:
        assert _graph(first).resource(key) == _graph(second).resource(key)
    assert _graph(first).campaign_numbers == _graph(second).campaign_numbers
    assert set(_graph(first).campaigns).isdisjoint(_graph(other).campaigns)


def test_auth_id_override_keeps_the_graph() -> None:
    plain = _app(seed=5, numbers=120)
    overridden = _app(seed=5, numbers=120, auth_id="MA" + "Z" * 18, auth_token="t0ken")
    assert _graph(plain).campaigns == _graph(overridden, "MA" + "Z" * 18).campaigns


def test_the_other_account_has_its_own_graph(demo_app: Starlette) -> None:
    other_id, other_token = demo_app.state.demo.other_account
    ours, theirs = _graph(demo_app), _graph(demo_app, other_id)
    assert theirs.campaigns
    assert set(ours.campaigns).isdisjoint(theirs.campaigns)
    client = AsgiClient(demo_app, auth=(other_id, other_token))
    campaign = next(iter(ours.campaigns))
    assert client.get(f"/v1/Account/{other_id}/10dlc/Campaign/{campaign}/").status_code == 404


# ---------------------------------------------------------------- the API


def test_refusals_are_plivo_style(demo_app: Starlette) -> None:
    demo = demo_app.state.demo
    base = f"/v1/Account/{demo.auth_id}/10dlc/Campaign/"
    assert AsgiClient(demo_app).get(base).status_code == 401
    wrong = AsgiClient(demo_app, auth=(demo.auth_id, "nope")).get(base)
    assert wrong.status_code == 401
    assert set(wrong.json()) == {"api_id", "error"}
    client = _client(demo_app)
    assert (
        client.get(base, params={"limit": 21}).json()["error"]
        == "limit: 21 is greater than the maximum of 20"
    )
    assert client.get(base, params={"registration_status": "Gone"}).status_code == 400
    posted = client.post(base)
    assert (posted.status_code, posted.headers["allow"]) == (405, "GET")
    other_path = f"/v1/Account/{demo.other_account[0]}/10dlc/Campaign/"
    assert client.get(other_path).status_code == 401
    assert client.get(base.rstrip("/")).status_code == 200


def test_pages_filters_and_expand(demo_app: Starlette) -> None:
    client = _client(demo_app)
    base = f"/v1/Account/{demo_app.state.demo.auth_id}/"
    page = client.get(
        base + "10dlc/Campaign/", params={"limit": 2, "offset": 2, "campaign_source": "plivo"}
    ).json()
    assert page["meta"]["limit"] == 2
    assert page["meta"]["offset"] == 2
    assert "campaign_source=plivo" in page["meta"]["previous"]
    expired = _read_all(demo_app, "campaigns", registration_status="Expired")
    assert expired
    assert {c["registration_status"] for c in expired} == {"EXPIRED"}
    rejected = _read_all(demo_app, "tollfree_verifications", status="REJECTED")
    assert {r["status"] for r in rejected} == {"REJECTED"}
    number = rejected[0]["number"]
    assert [r["number"] for r in _read_all(demo_app, "tollfree_verifications", number="+" + number)] == [
        number
    ]
    compliance = _read_all(demo_app, "phone_number_compliances")[0]
    assert "linked_numbers" not in compliance
    one = client.get(
        base + f"PhoneNumber/Compliance/{compliance['compliance_id']}/", params={"expand": "linked_numbers"}
    )
    assert "linked_numbers" in one.json()["compliance"]
    assert "documents" not in one.json()["compliance"]


def test_list_answers_follow_each_requests_filters_and_account_in_any_order(demo_app: Starlette) -> None:
    # Matching lists are kept per (account, operation, filters) between pages; interleaved
    # requests must each get their own, and another account never sees ours.
    every = _read_all(demo_app, "tollfree_verifications")
    for status in ("REJECTED", "UPDATE_REQUIRED", "REJECTED"):
        chosen = _read_all(demo_app, "tollfree_verifications", status=status)
        assert chosen == [v for v in every if v["status"] == status]
        assert _read_all(demo_app, "tollfree_verifications") == every
    other_id, other_token = demo_app.state.demo.other_account
    theirs = AsgiClient(demo_app, auth=(other_id, other_token)).get(
        f"/v1/Account/{other_id}/TollfreeVerification/", params={"limit": 20}
    )
    assert theirs.status_code == 200
    ours = {v["uuid"] for v in every}
    assert not ours & {v["uuid"] for v in theirs.json()["objects"]}


def test_a_campaign_number_not_linked_is_404(demo_app: Starlette) -> None:
    graph = _graph(demo_app)
    campaign_id, links = next((c, links) for c, links in graph.campaign_numbers.items() if links)
    base = f"/v1/Account/{demo_app.state.demo.auth_id}/10dlc/Campaign/{campaign_id}/Number/"
    client = _client(demo_app)
    one = client.get(f"{base}{links[0]['number']}/").json()
    assert one["phone_numbers"] == [links[0]]
    missing = client.get(f"{base}19999999999/")
    assert missing.status_code == 404
    assert missing.json()["error"] == "The number 19999999999 is not linked to this campaign"


# ---------------------------------------------------------------- inventory files


def _document(app: Starlette) -> dict[str, Any]:
    graph = _graph(app)
    document: dict[str, Any] = {"numbers": all_objects(app, app.state.demo.auth_id)}
    for key in RESOURCES:
        document[key] = list(graph.resource(key).values())
    document["campaign_numbers"] = graph.campaign_numbers
    return document


def test_an_inventory_file_round_trips_the_graph(tmp_path: Path, demo_app: Starlette) -> None:
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(_document(demo_app)), encoding="utf-8")
    loaded = create_app(EmulatorConfig(seed=99, inventory=path))
    original, copy = _graph(demo_app), _graph(loaded)
    for key in RESOURCES:
        assert copy.resource(key) == original.resource(key), key
    assert copy.campaign_numbers == original.campaign_numbers
    assert {k: sorted(v) for k, v in copy.dangling.items()} == {
        k: sorted(v) for k, v in original.dangling.items()
    }
    for resource in PATHS:
        assert _read_all(loaded, resource) == _read_all(demo_app, resource)


def test_campaign_numbers_default_to_the_numbers_that_name_the_campaign(
    tmp_path: Path, demo_app: Starlette
) -> None:
    document = _document(demo_app)
    del document["campaign_numbers"]
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    graph = _graph(create_app(EmulatorConfig(inventory=path)))
    for campaign_id, links in graph.campaign_numbers.items():
        named = {o["number"] for o in document["numbers"] if o.get("tendlc_campaign_id") == campaign_id}
        assert {link["number"] for link in links} == named


def test_a_numbers_only_file_gets_objects_for_every_id_it_names(tmp_path: Path, demo_app: Starlette) -> None:
    numbers = all_objects(demo_app, demo_app.state.demo.auth_id)
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"api_id": "x", "meta": {}, "objects": numbers}), encoding="utf-8")
    graph = _graph(create_app(EmulatorConfig(inventory=path)))
    assert not graph.dangling
    assert {o["tendlc_campaign_id"] for o in numbers} - {None} == set(graph.campaigns)
    assert {o["profile_uuid"] for o in numbers} - {None} == set(graph.profiles)
    assert {c["registration_status"] for c in graph.campaigns.values()} <= {"ACTIVE", "PROCESSING"}
    for key in RESOURCES:
        for obj in graph.resource(key).values():
            assert schema_errors(obj, RESOURCES[key][0], "documented") == [], key


def _refused(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InventoryError) as caught:
        create_app(EmulatorConfig(inventory=path))
    return str(caught.value)


NUMBER = {"number": "14155550100", "tendlc_campaign_id": "CABC123", "tendlc_registration_status": "COMPLETED"}
CAMPAIGN = {"campaign_id": "CABC123", "brand_id": "B1", "registration_status": "ACTIVE"}


def _bad_inputs() -> Iterator[tuple[str, Any, str]]:
    yield "typo", {"objects": [NUMBER], "campaings": []}, "unknown top-level key(s) campaings"
    yield "both", {"objects": [NUMBER], "numbers": [NUMBER]}, 'both "objects" and "numbers"'
    yield (
        "status",
        {"numbers": [NUMBER], "campaigns": [{**CAMPAIGN, "registration_status": "GONE"}]},
        ("campaigns[0].registration_status: 'GONE' is not one of"),
    )
    yield (
        "no id",
        {"numbers": [NUMBER], "profiles": [{"profile_alias": "x"}]},
        "profiles[0].profile_uuid: missing",
    )
    yield (
        "twice",
        {"numbers": [NUMBER], "campaigns": [CAMPAIGN, CAMPAIGN]},
        ("campaigns[1].campaign_id: CABC123 appears more than once"),
    )
    yield "not a list", {"numbers": [NUMBER], "brands": {"brand_id": "B1"}}, "brands: must be a JSON list"
    yield (
        "link",
        {"numbers": [NUMBER], "campaign_numbers": {"CNOPE": []}},
        "campaign_numbers.CNOPE: no campaign",
    )
    yield "link status", {"numbers": [NUMBER], "campaigns": [CAMPAIGN],
                          "campaign_numbers": {"CABC123": [{"number": "1", "status": "DONE"}]}}, (
        "campaign_numbers.CABC123[0].status: 'DONE' is not one of"
    )  # fmt: skip
    yield (
        "surrogate",
        {"numbers": [NUMBER], "brands": [{"brand_id": "\ud800"}]},
        "brands[0].brand_id: is not valid",
    )


@pytest.mark.parametrize(
    ("case", "document", "message"), list(_bad_inputs()), ids=[c for c, _, _ in _bad_inputs()]
)
def test_bad_compliance_input_is_refused_saying_where(
    tmp_path: Path, case: str, document: Any, message: str
) -> None:
    assert message in _refused(tmp_path, document)


def test_a_file_may_name_ids_it_has_no_objects_for(tmp_path: Path) -> None:
    path = tmp_path / "dangling.json"
    path.write_text(json.dumps({"numbers": [NUMBER], "campaigns": []}), encoding="utf-8")
    graph = _graph(create_app(EmulatorConfig(inventory=path)))
    assert graph.dangling == {"campaign": ["CABC123"]}


def test_the_contract_rules_table_is_in_provenance_md() -> None:
    table = (openapi.SPEC_PATH.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    assert provenance.table(provenance.COMPLIANCE) in table, "regenerate: python -m contracts.provenance"
    assert all("page" in rule.source for rule in provenance.constraints(provenance.COMPLIANCE).values()
               if rule.kind == "documented")  # fmt: skip
