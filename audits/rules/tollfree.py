"""Toll-free SMS verification rules (US and Canada toll-free numbers).

Facts (compliance-rules.md, "Toll-free SMS verification"): unverified toll-free
numbers have been unable to send SMS since 2023-11-08; since 2024-01-31 the
industry also blocks numbers whose verification is still pending
(docs.plivo.com toll-free verification; Twilio error 30032). Review can take up
to six weeks; a number must be re-verified after its message content changes or
it is ported. ``toll_free_sms_verification`` is UNVERIFIED, PENDING_VERIFICATION
or VERIFIED (SDK fixtures show lower case too).
"""

from __future__ import annotations

from collections.abc import Iterator

from audits.model import Finding, Severity
from audits.rules.base import Rule
from audits.subject import Subject

FIELD = "toll_free_sms_verification"
DOC = "https://docs.plivo.com/docs/messaging/api/toll-free-verification"
SCOPE = "US and Canada toll-free numbers (number starts with 1) with SMS enabled"


class TollfreeUnverified(Rule):
    id = "tollfree-unverified"
    title = "Toll-free number not verified for SMS"
    default_severity = Severity.CRITICAL
    scope = SCOPE
    rationale = (
        "Unverified toll-free numbers have been unable to send SMS since 2023-11-08. A null status on an "
        "SMS-enabled toll-free number is treated as unverified."
    )
    remediation = (
        "Submit a toll-free verification request (it needs a business profile); review can take up to "
        "six weeks, so start now and keep SMS off this number until it is VERIFIED."
    )
    doc = DOC

    def check(self, subject: Subject) -> Iterator[Finding]:
        if not subject.in_tollfree_sms_scope:
            return
        status = subject.status(FIELD)
        if status.raw is None:
            yield self.finding(subject, f"{FIELD} is null on an SMS-enabled toll-free number", status=None)
        elif status.value == "UNVERIFIED":
            yield self.finding(subject, f"{FIELD} is {status.raw}", status=status.raw)


class TollfreePending(Rule):
    id = "tollfree-pending"
    title = "Toll-free verification pending (SMS blocked until approved)"
    default_severity = Severity.HIGH
    scope = SCOPE
    rationale = (
        "Since 2024-01-31 the industry blocks SMS from toll-free numbers whose verification is still "
        "pending; review can take up to six weeks and UPDATE_REQUIRED left 6 days becomes REJECTED."
    )
    remediation = (
        "Check the verification request in the Plivo console and answer any UPDATE_REQUIRED within 6 "
        "days; route SMS through a verified number until this one is approved."
    )
    doc = DOC

    def check(self, subject: Subject) -> Iterator[Finding]:
        if not subject.in_tollfree_sms_scope:
            return
        status = subject.status(FIELD)
        if status.value == "PENDING_VERIFICATION":
            yield self.finding(subject, f"{FIELD} is {status.raw}", status=status.raw)
