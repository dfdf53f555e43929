"""Each rule on numbers shaped like the API's: what it flags, and what it leaves alone."""

from __future__ import annotations

import pytest

from audits.model import NumberRecord, Severity
from audits.rules import REGISTRY, Rule, rule_class, rule_ids
from audits.subject import Subject
from tests.audits.numbers import record, sdk_fixture, us_local, us_tollfree

ISSUE_IDS = [
    "tendlc-unregistered",
    "tendlc-pending",
    "tendlc-no-campaign",
    "tendlc-campaign-unknown",
    "tendlc-campaign-inactive",
    "tollfree-unverified",
    "tollfree-pending",
    "tollfree-verification-action-required",
    "profile-missing",
    "profile-unknown",
    "profile-not-approved",
    "caller-reputation-failed",
    "compliance-application-rejected",
    "data-unexpected-value",
    "data-missing-field",
]


def hits(rule_id: str, number: NumberRecord) -> list[str]:
    return [f.message for f in rule_class(rule_id)().check(Subject(number))]


def all_hits(number: NumberRecord) -> set[str]:
    return {rule_id for rule_id in rule_ids() if hits(rule_id, number)}


def test_registry_holds_exactly_the_issue_ids_in_order() -> None:
    assert rule_ids() == ISSUE_IDS


@pytest.mark.parametrize("rule_id", ISSUE_IDS)
def test_every_rule_states_its_facts(rule_id: str) -> None:
    rule = rule_class(rule_id)()
    facts = rule.describe()
    for key in ("title", "scope", "rationale", "remediation", "doc"):
        assert facts[key].strip(), key
    assert facts["doc"].startswith("https://")
    assert isinstance(rule.severity, Severity)
    assert repr(rule) == f"<Rule {rule_id} {rule.severity.label}>"
    assert repr(rule_class(rule_id)(Severity.INFO)) == f"<Rule {rule_id} info (overridden)>"


def test_a_second_rule_with_a_taken_id_is_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):

        class Duplicate(Rule):  # pragma: no cover - the class statement itself raises
            id = "tendlc-pending"

    assert REGISTRY["tendlc-pending"].__name__ == "TendlcPending"


def test_a_rule_without_its_facts_is_refused() -> None:
    with pytest.raises(TypeError, match="must declare"):

        class Bare(Rule):  # pragma: no cover - the class statement itself raises
            id = "bare-rule"

    assert "bare-rule" not in REGISTRY


def test_compliant_numbers_have_no_findings() -> None:
    assert all_hits(us_local()) == set()
    assert all_hits(us_tollfree()) == set()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"tendlc_registration_status": "UNREGISTERED"}, {"tendlc-unregistered"}),
        ({"tendlc_registration_status": None}, {"tendlc-unregistered"}),
        ({"tendlc_registration_status": "unregistered"}, {"tendlc-unregistered", "data-unexpected-value"}),
        ({"tendlc_registration_status": "PROCESSING"}, {"tendlc-pending"}),
        ({"tendlc_registration_status": "in_progress"}, {"tendlc-pending", "data-unexpected-value"}),
        ({"tendlc_campaign_id": None}, {"tendlc-no-campaign"}),
        ({"tendlc_campaign_id": ""}, {"tendlc-no-campaign"}),
        (
            {"tendlc_registration_status": "REGISTERED", "tendlc_campaign_id": None},
            {
                "tendlc-no-campaign",
                "data-unexpected-value",
            },
        ),
        ({"tendlc_registration_status": "REGISTERED"}, {"data-unexpected-value"}),
        ({"profile_uuid": None}, {"profile-missing"}),
        ({"caller_reputation_status": "FAILED"}, {"caller-reputation-failed"}),
        ({"tendlc_registration_status": "NONSENSE"}, {"data-unexpected-value"}),
    ],
)
def test_us_local_messaging_number(overrides: dict[str, object], expected: set[str]) -> None:
    assert all_hits(us_local(**overrides)) == expected


@pytest.mark.parametrize(
    "overrides",
    [
        {"sms_enabled": False, "mms_enabled": False},  # no messaging: 10DLC does not apply
        {"region": "London, UNITED KINGDOM", "number": "442071234567"},  # not US
        {"number_type": "mobile"},  # not a local long code
    ],
)
def test_tendlc_rules_stay_out_of_scope(overrides: dict[str, object]) -> None:
    number = us_local(tendlc_registration_status=None, profile_uuid=None, **overrides)
    assert all_hits(number) == set()


def test_mms_only_local_number_is_in_tendlc_scope() -> None:
    number = us_local(sms_enabled=False, mms_enabled=True, tendlc_registration_status="UNREGISTERED")
    assert "tendlc-unregistered" in all_hits(number)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"toll_free_sms_verification": "UNVERIFIED"}, {"tollfree-unverified"}),
        ({"toll_free_sms_verification": None}, {"tollfree-unverified"}),
        ({"toll_free_sms_verification": "unverified"}, {"tollfree-unverified", "data-unexpected-value"}),
        ({"toll_free_sms_verification": "PENDING_VERIFICATION"}, {"tollfree-pending"}),
        ({"toll_free_sms_verification": "verified"}, {"data-unexpected-value"}),
        ({"profile_uuid": None}, {"profile-missing"}),
        ({"region": "Ontario, CANADA"}, set()),
        ({"region": "Ontario, CANADA", "toll_free_sms_verification": "UNVERIFIED"}, {"tollfree-unverified"}),
        ({"sms_enabled": False, "toll_free_sms_verification": "UNVERIFIED", "profile_uuid": None}, set()),
    ],
)
def test_toll_free_number(overrides: dict[str, object], expected: set[str]) -> None:
    assert all_hits(us_tollfree(**overrides)) == expected


@pytest.mark.parametrize(
    ("status", "missing"), [("ACTIVE", True), ("PENDING", True), ("NOT_ENROLLED", False)]
)
def test_caller_reputation_needs_a_profile_when_enabled_or_pending(status: str, missing: bool) -> None:
    # A voice-only local number: neither 10DLC nor toll-free verification apply.
    number = us_local(
        sms_enabled=False, mms_enabled=False, caller_reputation_status=status, profile_uuid=None
    )
    assert ("profile-missing" in all_hits(number)) is missing


def test_profile_missing_says_why() -> None:
    number = us_local(profile_uuid=None, caller_reputation_status="PENDING")
    [message] = hits("profile-missing", number)
    assert "10DLC brand registration" in message
    assert "Caller Reputation (PENDING)" in message


def test_data_rule_reports_each_unexpected_field_separately() -> None:
    number = us_local(tendlc_registration_status="REGISTERED", caller_reputation_status="failed")
    findings = list(rule_class("data-unexpected-value")().check(Subject(number)))
    assert sorted(f.key for f in findings) == ["caller_reputation_status", "tendlc_registration_status"]
    registered = next(f for f in findings if f.key == "tendlc_registration_status")
    assert registered.details == {
        "field": "tendlc_registration_status",
        "value": "REGISTERED",
        "normalised": "COMPLETED",
    }
    # Normalised for the other rules: "failed" still counts as FAILED.
    assert "caller-reputation-failed" in all_hits(number)


def test_plivo_sdk_list_fixture_values_are_normalised_and_reported() -> None:
    page = sdk_fixture("python_numberListResponse.json")
    findings = {
        (obj["number"], f.key, f.details["value"])
        for obj in page["objects"]
        for f in rule_class("data-unexpected-value")().check(Subject(NumberRecord.from_api(obj)))
    }
    values = {value for _, _, value in findings}
    assert "REGISTERED" in values
    assert any(isinstance(v, str) and v.islower() for v in values), values


def test_findings_carry_number_subaccount_and_severity_override() -> None:
    number = us_local(sub_account="SAXXXXXXXXXXXXXXXXXX", tendlc_registration_status="PROCESSING")
    [finding] = rule_class("tendlc-pending")(Severity.HIGH).check(Subject(number))
    assert (finding.number, finding.subaccount, finding.severity) == (
        "14155550100",
        "SAXXXXXXXXXXXXXXXXXX",
        Severity.HIGH,
    )
    assert repr(finding) == "<Finding tendlc-pending 14155550100 high>"


def test_record_reads_plus_prefixed_numbers_and_main_account() -> None:
    number = record(number="+14155550100", sub_account=None)
    assert number.number == "14155550100"
    assert number.subaccount == "main"
    assert number.country == "US"
