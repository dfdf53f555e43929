"""Business profile rule: the numbers whose compliance chain starts with a ``profile_uuid``.

Facts (compliance-rules.md, "Business profile"): a profile is required to create
a toll-free verification request, to register a 10DLC brand, and for Caller
Reputation (enabling it without ``profile_uuid`` is refused). STIR/SHAKEN does not
need one on Plivo and Plivo states no profile rule for CNAM, so neither is checked.
"""

from __future__ import annotations

from collections.abc import Iterator

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
