"""The rules that follow a number's pointers, over every status value openapi/compliance.yaml defines.

Each status vocabulary is read from the spec (``x-vocabulary`` of the status property), so a
value added there is judged here too; the objects are Plivo's recorded SDK bodies with the
status replaced.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import openapi
from audits.graph import Graph
from audits.model import Finding, NumberRecord
from audits.rules import rule_class
from audits.subject import Subject
from tests.audits.numbers import TODAY, us_local, us_tollfree
from tests.audits.test_audits_graph import brand, campaign, profile, verification

SCHEMAS = openapi.load_compliance_spec()["components"]["schemas"]


def vocabulary(schema: str, prop: str = "status") -> list[str]:
    return [entry["value"] for entry in SCHEMAS[schema]["properties"][prop]["x-vocabulary"]]


CAMPAIGN_STATES = vocabulary("Campaign", "registration_status")
BRAND_STATES = vocabulary("Brand", "registration_status")
TF_STATES = vocabulary("TollfreeVerification")
APPLICATION_STATES = vocabulary("ComplianceApplication")
RECORD_STATES = vocabulary("PhoneNumberCompliance")


def graph_of(**resources: list[dict[str, Any]]) -> Graph:
    from audits.graph import RESOURCES

    graph = Graph()
    for name, objects in resources.items():
        key = RESOURCES[name].id_key
        graph.objects[name] = {o[key]: o for o in objects}
        graph.read.add(name)
    for name in RESOURCES:
        graph.read.add(name)
    brands = graph.objects.get("brands", {}).values()
    graph.brand_profiles_readable = True
    for b in brands:
        graph.brands_by_profile.setdefault(b["profile_uuid"], []).append(b)
    return graph


def judge(rule_id: str, number: NumberRecord, graph: Graph, today: dt.date = TODAY) -> list[Finding]:
    return list(rule_class(rule_id)().check(Subject(number, graph, today)))


def test_the_vocabularies_are_the_specs() -> None:
    assert CAMPAIGN_STATES == ["ACTIVE", "FAILED", "PROCESSING", "EXPIRED"]
    assert set(TF_STATES) == {"SUBMITTED", "APPROVED", "REJECTED", "UPDATE_REQUIRED"}
    assert {"Rejected", "Accepted"} <= set(APPLICATION_STATES)
    assert {"rejected", "expired", "suspended", "approved"} <= set(RECORD_STATES)


# ---------------------------------------------------------------- 10DLC campaigns


@pytest.mark.parametrize("status", CAMPAIGN_STATES)
def test_tendlc_campaign_inactive_on_every_campaign_status(status: str) -> None:
    graph = graph_of(campaigns=[campaign("C1", status)])
    findings = judge("tendlc-campaign-inactive", us_local(tendlc_campaign_id="C1"), graph)
    if status == "ACTIVE":
        assert findings == []
        return
    (finding,) = findings
    assert status in finding.message
    assert finding.details["campaign_status"] == status
    assert finding.details["status_changed_at"] is None  # the API gives no date for it
    (link,) = finding.details["linked"]
    assert link["object"] == "campaign"
    assert link["id"] == "C1"
    assert link["registration_status"] == status


def test_an_undocumented_campaign_status_is_inactive_and_said_so() -> None:
    graph = graph_of(campaigns=[campaign("C1", "SUSPENDED")])
    (finding,) = judge("tendlc-campaign-inactive", us_local(tendlc_campaign_id="C1"), graph)
    assert "not a documented campaign status" in finding.message


def test_tendlc_campaign_unknown_on_a_dangling_id() -> None:
    graph = graph_of(campaigns=[campaign("C1")])
    graph.unknown["campaigns"] = {"C-GONE"}
    (finding,) = judge("tendlc-campaign-unknown", us_local(tendlc_campaign_id="C-GONE"), graph)
    assert finding.details["linked"][0]["state"] == "unknown"
    assert judge("tendlc-campaign-unknown", us_local(tendlc_campaign_id="C1"), graph) == []
    # Outside 10DLC scope (SMS off), or an id that could not be read: nothing is said.
    assert (
        judge("tendlc-campaign-unknown", us_local(tendlc_campaign_id="C-GONE", sms_enabled=False), graph)
        == []
    )
    assert judge("tendlc-campaign-unknown", us_local(tendlc_campaign_id="C-UNREAD"), graph) == []


# ---------------------------------------------------------------- profiles


def test_profile_unknown_on_a_dangling_uuid_says_what_needs_it() -> None:
    graph = graph_of(profiles=[profile("p-1")])
    graph.unknown["profiles"] = {"p-gone"}
    number = us_local(profile_uuid="p-gone", caller_reputation_status="ACTIVE")
    (finding,) = judge("profile-unknown", number, graph)
    assert "10DLC brand registration" in finding.details["needs"]
    assert "Caller Reputation (ACTIVE)" in finding.details["needs"]
    assert judge("profile-unknown", us_local(profile_uuid="p-1"), graph) == []


@pytest.mark.parametrize("status", BRAND_STATES)
def test_profile_not_approved_on_every_brand_status(status: str) -> None:
    graph = graph_of(profiles=[profile("p-1")], brands=[brand("B1", "p-1", status)])
    findings = judge("profile-not-approved", us_local(profile_uuid="p-1"), graph)
    if status == "COMPLETED":
        assert findings == []
        return
    (finding,) = findings
    assert finding.details["brand_statuses"] == [status]
    assert [link["object"] for link in finding.details["linked"]] == ["profile", "brand"]


def test_a_profile_with_one_completed_brand_is_approved() -> None:
    brands = [brand("B1", "p-1", "FAILED"), brand("B2", "p-1", "COMPLETED")]
    graph = graph_of(profiles=[profile("p-1")], brands=brands)
    assert judge("profile-not-approved", us_local(profile_uuid="p-1"), graph) == []


def test_a_profile_without_a_brand_is_not_approved_only_when_brands_name_their_profiles() -> None:
    graph = graph_of(profiles=[profile("p-1")], brands=[brand("B9", "p-other")])
    (finding,) = judge("profile-not-approved", us_local(profile_uuid="p-1"), graph)
    assert "no brand" in finding.message
    graph.brand_profiles_readable = False  # a brand without profile_uuid: the link is unknown
    assert judge("profile-not-approved", us_local(profile_uuid="p-1"), graph) == []
    # A toll-free number's profile has no 10DLC brand to judge it by.
    graph.brand_profiles_readable = True
    assert judge("profile-not-approved", us_tollfree(profile_uuid="p-1"), graph) == []


# ---------------------------------------------------------------- toll-free verification


@pytest.mark.parametrize("status", TF_STATES)
def test_tollfree_action_required_on_every_verification_status(status: str) -> None:
    number = us_tollfree(toll_free_sms_verification_id="tf-1")
    modified = "2026-11-24T10:00:00.000000Z"
    graph = graph_of(tollfree_verifications=[verification("tf-1", number.number, status, modified)])
    findings = judge("tollfree-verification-action-required", number, graph)
    if status in ("SUBMITTED", "APPROVED"):
        assert findings == []
        return
    (finding,) = findings
    assert finding.details["verification_status"] == status
    assert finding.details["linked"][0]["status"] == status
    assert finding.details["status_changed_at"].startswith("2026-11-24T10:00")
    if status == "UPDATE_REQUIRED":
        # Six days from last_modified (2026-11-24): 2026-11-30 at the latest, 3 days after TODAY.
        assert finding.details["deadline"].startswith("2026-11-30")
        assert finding.details["days_left"] == 3
        assert "3 day(s) left" in finding.message
    else:
        assert "deadline" not in finding.details


def test_an_overdue_update_and_a_dangling_verification() -> None:
    number = us_tollfree(toll_free_sms_verification_id="tf-1")
    graph = graph_of(
        tollfree_verifications=[
            verification("tf-1", number.number, "UPDATE_REQUIRED", "2026-11-01T00:00:00Z")
        ]
    )
    (finding,) = judge("tollfree-verification-action-required", number, graph)
    assert finding.details["days_left"] < 0
    assert "overdue" in finding.message
    graph.unknown["tollfree_verifications"] = {"tf-gone"}
    (gone,) = judge(
        "tollfree-verification-action-required", us_tollfree(toll_free_sms_verification_id="tf-gone"), graph
    )
    assert gone.details["linked"][0]["state"] == "unknown"


# ---------------------------------------------------------------- compliance applications


@pytest.mark.parametrize("status", APPLICATION_STATES)
def test_compliance_application_rejected_on_every_application_status(status: str) -> None:
    application = {
        "compliance_application_id": "ca-1",
        "status": status,
        "country_iso2": "DE",
        "rejection_reason": "document unreadable",
    }
    graph = graph_of(compliance_applications=[application])
    number = us_local(number="4930555000", region="Berlin, GERMANY", compliance_application_id="ca-1")
    findings = judge("compliance-application-rejected", number, graph)
    if status.lower() != "rejected":
        assert findings == []
        return
    (finding,) = findings
    assert "document unreadable" in finding.message
    assert finding.details["linked"][0]["object"] == "compliance_application"


@pytest.mark.parametrize("status", RECORD_STATES)
def test_compliance_application_rejected_on_every_record_status(status: str) -> None:
    record = {
        "compliance_id": "pnc-1",
        "status": status,
        "country_iso": "IN",
        "updated_at": "2026-04-06T10:44:17Z",
    }
    graph = graph_of(phone_number_compliances=[record])
    graph.unknown["compliance_applications"] = {"pnc-1"}
    number = us_local(number="9180555000", region="INDIA", compliance_application_id="pnc-1")
    findings = judge("compliance-application-rejected", number, graph)
    if status not in ("rejected", "expired", "suspended"):
        assert findings == []
        return
    (finding,) = findings
    assert finding.details["status_changed_at"] == "2026-04-06T10:44:17Z"
    assert finding.details["linked"][0]["object"] == "phone_number_compliance"


def test_the_graph_rules_need_a_graph() -> None:
    for rule_id in (
        "tendlc-campaign-unknown",
        "tendlc-campaign-inactive",
        "profile-unknown",
        "profile-not-approved",
        "tollfree-verification-action-required",
        "compliance-application-rejected",
    ):
        assert rule_class(rule_id).needs
        assert list(rule_class(rule_id)().check(Subject(us_local()))) == []
