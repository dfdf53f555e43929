"""10DLC rules: US local long codes that send SMS/MMS must be linked to a registered campaign.

Facts (compliance-rules.md, "10DLC"): the chain is business profile -> brand
registered with The Campaign Registry -> vetted campaign -> number linked to the
campaign; "Messages sent from numbers that are not associated with registered
campaigns will not be delivered" (support.plivo.com A2P-10DLC); Twilio blocks
unregistered traffic fully since 2023-09-01 (error 30034) and still bills it;
carriers surcharge unregistered traffic; Plivo recommends a monthly audit.
On the number object ``tendlc_registration_status`` is UNREGISTERED, PROCESSING
or COMPLETED, and null unless the number is a US local SMS-enabled number.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from audits.graph import State
from audits.model import Finding, Severity
from audits.rules.base import Rule
from audits.subject import Subject

FIELD = "tendlc_registration_status"
REGISTRATION_DOC = "https://www.plivo.com/docs/messaging/a2p-10dlc/registration-process"
SUPPORT_DOC = "https://support.plivo.com/hc/en-us/articles/360054871572-A2P-10DLC"
SCOPE = "US local numbers (region ends in UNITED STATES, number starts with 1) with SMS or MMS enabled"


class TendlcUnregistered(Rule):
    id = "tendlc-unregistered"
    title = "10DLC number not registered"
    default_severity = Severity.CRITICAL
    scope = SCOPE
    rationale = (
        "Messages sent from numbers that are not associated with registered campaigns will not be "
        "delivered (Plivo support, A2P 10DLC); carriers also surcharge unregistered traffic. A null "
        "status on a number in scope is itself inconsistent data and is treated as unregistered."
    )
    remediation = (
        "Register a brand and a campaign with The Campaign Registry (business profile -> brand -> "
        "campaign) and link this number to the campaign; until then do not send A2P SMS/MMS from it."
    )
    doc = SUPPORT_DOC

    blocks = "sms-10dlc"

    def check(self, subject: Subject) -> Iterator[Finding]:
        if not subject.in_tendlc_scope:
            return
        status = subject.status(FIELD)
        if status.raw is None:
            yield self.finding(subject, f"{FIELD} is null on a US local messaging number", status=None)
        elif status.value == "UNREGISTERED":
            yield self.finding(subject, f"{FIELD} is {status.raw}", status=status.raw)


class TendlcPending(Rule):
    id = "tendlc-pending"
    title = "10DLC registration still processing"
    default_severity = Severity.MEDIUM
    scope = SCOPE
    rationale = (
        "A number whose campaign link is PROCESSING is not yet linked to a registered campaign, so its "
        "A2P traffic is not delivered until the registration completes."
    )
    remediation = (
        "Follow the campaign's vetting in the Plivo console; hold A2P traffic from this number until "
        "the status is COMPLETED, and answer any request for more information from the registry."
    )
    doc = REGISTRATION_DOC

    blocks = "sms-10dlc"

    def check(self, subject: Subject) -> Iterator[Finding]:
        if not subject.in_tendlc_scope:
            return
        status = subject.status(FIELD)
        if status.value == "PROCESSING":
            yield self.finding(subject, f"{FIELD} is {status.raw}", status=status.raw)


class TendlcNoCampaign(Rule):
    id = "tendlc-no-campaign"
    title = "10DLC registered without a campaign id"
    default_severity = Severity.HIGH
    scope = SCOPE
    rationale = (
        "A number links to one campaign at a time; a COMPLETED registration with no "
        "tendlc_campaign_id means the link the carriers check cannot be shown, so delivery is at risk."
    )
    remediation = (
        "Look the number up in the 10DLC console; re-link it to its campaign (or register it anew) so "
        "the number object carries the campaign id."
    )
    doc = REGISTRATION_DOC

    def check(self, subject: Subject) -> Iterator[Finding]:
        if not subject.in_tendlc_scope:
            return
        status = subject.status(FIELD)
        if status.value == "COMPLETED" and not subject.record.tendlc_campaign_id:
            yield self.finding(subject, f"{FIELD} is {status.raw} but tendlc_campaign_id is empty")


# ---------------------------------------------------------------- rules that follow the pointer
#
# The number's ``tendlc_campaign_id`` names a campaign (x-number-pointers in
# openapi/compliance.yaml); the campaign's ``registration_status`` is ACTIVE, FAILED, PROCESSING
# or EXPIRED (the campaign list page: "Allowed values:Active,Failed,Processing,Expired", spelled
# in upper case by every recorded campaign, C4). Only ACTIVE lets traffic flow: "Messages sent
# from numbers that are not associated with registered campaigns will not be delivered."

CAMPAIGN_DOC = "https://docs.plivo.com/docs/messaging/api/10dlc/campaign"
CAMPAIGN_SCOPE = SCOPE + ", whose tendlc_campaign_id is set"
ACTIVE = "ACTIVE"
CAMPAIGN_STATES = ("ACTIVE", "FAILED", "PROCESSING", "EXPIRED")
"""The spec's Campaign.registration_status values; only ACTIVE carries traffic."""


def campaign_link(campaign_id: str, campaign: dict[str, Any] | None, state: str) -> dict[str, Any]:
    """The campaign as a finding links it: enough to act on without opening the console."""
    link: dict[str, Any] = {"object": "campaign", "id": campaign_id, "state": state}
    if campaign is not None:
        for key in ("registration_status", "brand_id", "usecase", "created_at", "error_code", "error_reason"):
            value = campaign.get(key)
            if value not in (None, ""):
                link[key] = value
    return link


class TendlcCampaignUnknown(Rule):
    id = "tendlc-campaign-unknown"
    title = "10DLC number names a campaign the account does not have"
    default_severity = Severity.HIGH
    scope = CAMPAIGN_SCOPE
    rationale = (
        "The number says it is linked to a campaign, but getCampaign answers 404 for that id: the campaign "
        "was deleted or never belonged to this account, so the number is not associated with a registered "
        "campaign and its messages are not delivered, whatever tendlc_registration_status says."
    )
    remediation = (
        "Find the number's real campaign in the Plivo console (10DLC > Campaigns); link the number to an "
        "ACTIVE campaign of this account, or register one. If the campaign belongs to another account "
        "(a parent or reseller), audit that account too."
    )
    doc = CAMPAIGN_DOC
    needs = ("campaigns",)
    blocks = "sms-10dlc"

    def check(self, subject: Subject) -> Iterator[Finding]:
        campaign_id = subject.record.tendlc_campaign_id
        if not campaign_id or subject.graph is None or not subject.in_tendlc_scope:
            return
        lookup = subject.graph.lookup("campaigns", campaign_id)
        if lookup.state is State.UNKNOWN:
            yield self.finding(
                subject,
                f"tendlc_campaign_id {campaign_id} names no campaign of this account (getCampaign: 404)",
                linked=[campaign_link(campaign_id, None, "unknown")],
                campaign_id=campaign_id,
            )


class TendlcCampaignInactive(Rule):
    id = "tendlc-campaign-inactive"
    title = "10DLC campaign not active"
    default_severity = Severity.HIGH
    scope = CAMPAIGN_SCOPE + ", and whose campaign exists"
    rationale = (
        "Only an ACTIVE campaign carries traffic. A campaign that is EXPIRED, FAILED or still PROCESSING "
        "(or in any state the API does not document) leaves its numbers without a registered campaign, so "
        "their messages are not delivered even where the number still says COMPLETED. The API gives no "
        "date for a campaign's status change; the finding shows the campaign's created_at."
    )
    remediation = (
        "Open the campaign in the Plivo console: resubmit a FAILED campaign (its error_reason says why), "
        "renew or re-register an EXPIRED one, answer the registry on a PROCESSING one; or link the number "
        "to another ACTIVE campaign. Hold A2P traffic from the number until then."
    )
    doc = CAMPAIGN_DOC
    needs = ("campaigns",)
    blocks = "sms-10dlc"

    def check(self, subject: Subject) -> Iterator[Finding]:
        campaign_id = subject.record.tendlc_campaign_id
        if not campaign_id or subject.graph is None or not subject.in_tendlc_scope:
            return
        lookup = subject.graph.lookup("campaigns", campaign_id)
        if not lookup.found or lookup.object is None:
            return
        raw = lookup.object.get("registration_status")
        status = raw.strip().upper() if isinstance(raw, str) else None
        if status == ACTIVE:
            return
        documented = "" if status in CAMPAIGN_STATES else " (not a documented campaign status)"
        created = lookup.object.get("created_at")
        since = f"; created {created}, no status-change date given" if isinstance(created, str) else ""
        yield self.finding(
            subject,
            f"campaign {campaign_id} is {raw if isinstance(raw, str) else 'without a registration_status'}"
            f"{documented}, not ACTIVE{since}",
            linked=[campaign_link(campaign_id, lookup.object, "found")],
            campaign_id=campaign_id,
            campaign_status=raw,
            status_changed_at=None,
        )
