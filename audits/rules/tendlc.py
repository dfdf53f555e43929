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
