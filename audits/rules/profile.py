"""Business profile rule: the numbers whose compliance chain starts with a ``profile_uuid``.

Facts (compliance-rules.md, "Business profile"): a profile is required to create
a toll-free verification request, to register a 10DLC brand, and for Caller
Reputation (enabling it without ``profile_uuid`` is refused). STIR/SHAKEN does not
need one on Plivo and Plivo states no profile rule for CNAM, so neither is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from audits.graph import State
from audits.model import Finding, Severity
from audits.rules.base import Rule
from audits.subject import Subject

# Caller Reputation "enabled or pending": the statuses that mean it was switched on.
REPUTATION_ON = ("ACTIVE", "PENDING")


class ProfileMissing(Rule):
    id = "profile-missing"
    title = "No business profile where one is required"
    default_severity = Severity.HIGH
    scope = (
        "US/Canada toll-free SMS numbers, numbers with Caller Reputation ACTIVE or PENDING, and 10DLC "
        "numbers (US local with SMS or MMS)"
    )
    rationale = (
        "A business profile is required to create a toll-free verification request, to register a 10DLC "
        "brand, and for Caller Reputation; without profile_uuid none of these can be completed."
    )
    remediation = (
        "Create (or find) the business profile in the Plivo console and associate it with the number "
        "(updateNumber profile_uuid=...), then continue the verification or registration."
    )
    doc = "https://www.plivo.com/docs/messaging/a2p-10dlc/registration-process"

    def check(self, subject: Subject) -> Iterator[Finding]:
        if subject.record.profile_uuid:
            return
        needs = []
        if subject.in_tollfree_sms_scope:
            needs.append("toll-free SMS verification")
        if subject.in_tendlc_scope:
            needs.append("10DLC brand registration")
        reputation = subject.status("caller_reputation_status")
        if reputation.value in REPUTATION_ON:
            needs.append(f"Caller Reputation ({reputation.raw})")
        if needs:
            yield self.finding(subject, "profile_uuid is empty; needed for " + ", ".join(needs), needs=needs)


# ---------------------------------------------------------------- the profile itself
#
# ``profile_uuid`` names a business profile (getProfile). No source shows a status on a profile
# (openapi/COMPLIANCE-SOURCES.md): its standing for 10DLC is that of the brands registered from
# it (Brand.profile_uuid, "Unique identifier for the profile used to create brand"), whose
# ``registration_status`` is COMPLETED, FAILED or PROCESSING (the brand list page: "Allowed
# values: FAILED, PROCESSING, COMPLETED."). So "approved" is judged where a source allows it: a
# 10DLC number's profile is approved when a brand registered from it is COMPLETED.

PROFILE_DOC = "https://docs.plivo.com/docs/messaging/api/10dlc/profile"
BRAND_DOC = "https://www.plivo.com/docs/sms/api/10dlc/brand/retrieve-all-brands/"


def needs_of(subject: Subject) -> list[str]:
    """What the number needs a business profile for (compliance-rules.md, "Business profile")."""
    needs = []
    if subject.in_tollfree_sms_scope:
        needs.append("toll-free SMS verification")
    if subject.in_tendlc_scope:
        needs.append("10DLC brand registration")
    reputation = subject.status("caller_reputation_status")
    if reputation.value in REPUTATION_ON:
        needs.append(f"Caller Reputation ({reputation.raw})")
    return needs


def profile_link(uuid: str, profile: dict[str, Any] | None, state: str) -> dict[str, Any]:
    link: dict[str, Any] = {"object": "profile", "id": uuid, "state": state}
    if profile is not None:
        for key in ("profile_alias", "company_name", "profile_type", "entity_type", "created_at"):
            value = profile.get(key)
            if value not in (None, ""):
                link[key] = value
    return link


def brand_link(brand: dict[str, Any]) -> dict[str, Any]:
    link: dict[str, Any] = {"object": "brand", "id": brand.get("brand_id"), "state": "found"}
    for key in ("registration_status", "vetting_status", "brand_alias", "created_at"):
        value = brand.get(key)
        if value not in (None, ""):
            link[key] = value
    return link


class ProfileUnknown(Rule):
    id = "profile-unknown"
    title = "profile_uuid names no profile of the account"
    default_severity = Severity.HIGH
    scope = (
        "Numbers whose profile_uuid is set (any type: the profile serves 10DLC, toll-free and "
        "Caller Reputation)"
    )
    rationale = (
        "The number points to a business profile that getProfile does not know (404): it was deleted or "
        "belongs to another account. Whatever needs a profile (a 10DLC brand, a toll-free verification, "
        "Caller Reputation) is then missing its profile in every sense that matters."
    )
    remediation = (
        "Find the business profile this number should use in the Plivo console (Account > Profiles) and "
        "set it on the number (updateNumber profile_uuid=...); create one if none exists."
    )
    doc = PROFILE_DOC
    needs = ("profiles",)

    def check(self, subject: Subject) -> Iterator[Finding]:
        uuid = subject.record.profile_uuid
        if not uuid or subject.graph is None:
            return
        lookup = subject.graph.lookup("profiles", uuid)
        if lookup.state is State.UNKNOWN:
            needs = needs_of(subject)
            what = f"; needed for {', '.join(needs)}" if needs else ""
            yield self.finding(
                subject,
                f"profile_uuid {uuid} names no profile of this account (getProfile: 404){what}",
                linked=[profile_link(uuid, None, "unknown")],
                profile_uuid=uuid,
                needs=needs,
                caller_reputation=subject.record.caller_reputation_status,
            )


class ProfileNotApproved(Rule):
    id = "profile-not-approved"
    title = "Business profile not approved for 10DLC"
    default_severity = Severity.HIGH
    scope = (
        "10DLC numbers (US local with SMS or MMS) whose profile exists; judged by the brands registered "
        "from the profile (a profile carries no status of its own)"
    )
    rationale = (
        "A 10DLC campaign needs a brand registered with The Campaign Registry from the business profile. "
        "When no brand registered from the number's profile is COMPLETED (each is FAILED or PROCESSING, or "
        "none was registered), the profile's identity is not approved and no campaign of it can carry "
        "the number's traffic."
    )
    remediation = (
        "Open the profile's brand in the Plivo console (10DLC > Brands): fix and resubmit a FAILED brand "
        "(declined_reasons says why), follow a PROCESSING one, or register a brand from the profile."
    )
    doc = BRAND_DOC
    needs = ("profiles", "brands")
    blocks = "sms-10dlc"

    def check(self, subject: Subject) -> Iterator[Finding]:
        uuid = subject.record.profile_uuid
        graph = subject.graph
        if not uuid or graph is None or not subject.in_tendlc_scope:
            return
        lookup = graph.lookup("profiles", uuid)
        if not lookup.found:
            return
        brands = graph.brands_of(uuid)
        statuses = [b.get("registration_status") for b in brands]
        if any(isinstance(s, str) and s.strip().upper() == "COMPLETED" for s in statuses):
            return
        linked = [profile_link(uuid, lookup.object, "found"), *(brand_link(b) for b in brands)]
        if brands:
            shown = ", ".join(f"{b.get('brand_id')} {s}" for b, s in zip(brands, statuses, strict=True))
            yield self.finding(
                subject,
                f"profile {uuid} has no COMPLETED brand ({shown})",
                linked=linked,
                profile_uuid=uuid,
                brand_statuses=statuses,
            )
        elif graph.brand_profiles_readable and graph.lookup("brands", "").state is not State.DISABLED:
            yield self.finding(
                subject,
                f"profile {uuid} has no brand registered from it (listBrands names none)",
                linked=linked,
                profile_uuid=uuid,
                brand_statuses=[],
            )
