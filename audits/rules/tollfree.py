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

import datetime as dt
from collections.abc import Iterator
from typing import Any

from audits.graph import State
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

    blocks = "sms-tollfree"

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

    blocks = "sms-tollfree"

    def check(self, subject: Subject) -> Iterator[Finding]:
        if not subject.in_tollfree_sms_scope:
            return
        status = subject.status(FIELD)
        if status.value == "PENDING_VERIFICATION":
            yield self.finding(subject, f"{FIELD} is {status.raw}", status=status.raw)


# ---------------------------------------------------------------- the verification request itself
#
# The number's ``toll_free_sms_verification_id`` names a verification request (plivo-ruby
# numbers.rb:243, x-number-pointers). Its status is SUBMITTED, APPROVED, REJECTED or
# UPDATE_REQUIRED (https://plivo.com/docs/messaging/api/tf-verification/toll-free-verification-statuses):
# UPDATE_REQUIRED "If you do not provide details within six days from when the status is posted,
# the open request will be closed and the toll-free verification status will change to REJECTED";
# REJECTED "The use case cannot be submitted for verification anymore." No source gives the time
# the status was posted; ``last_modified`` (``updated_at`` in java's and dotnet's fixtures, C11) is
# the latest change of any kind, so the deadline is at the latest six days after it.

STATUSES_DOC = "https://www.plivo.com/docs/messaging/api/tf-verification/toll-free-verification-statuses"
UPDATE_DAYS = 6
ACTION_STATES = ("UPDATE_REQUIRED", "REJECTED")


def parse_time(value: Any) -> dt.datetime | None:
    """An RFC 3339 (or space-separated) timestamp as an aware datetime; None when unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def verification_link(uuid: str, request: dict[str, Any] | None, state: str) -> dict[str, Any]:
    link: dict[str, Any] = {"object": "tollfree_verification", "id": uuid, "state": state}
    if request is not None:
        for key in ("status", "number", "profile_uuid", "usecase", "created", "last_modified", "updated_at"):
            value = request.get(key)
            if value not in (None, ""):
                link[key] = value
        if request.get("error_message"):
            link["error_message"] = request["error_message"]
    return link


class TollfreeVerificationActionRequired(Rule):
    id = "tollfree-verification-action-required"
    title = "Toll-free verification request needs the customer to act"
    default_severity = Severity.HIGH
    scope = SCOPE + ", whose toll_free_sms_verification_id is set"
    rationale = (
        "The verification request the number points to is UPDATE_REQUIRED (the carrier asked for more "
        "data; left six days from when the status is posted it becomes REJECTED), REJECTED (the use case "
        "cannot be submitted anymore: a new request is needed), or does not exist (getTollfreeVerification "
        "404). Until a request is APPROVED the number cannot send SMS. The deadline is counted from "
        "last_modified, the latest time the API gives: the real deadline can only be earlier."
    )
    remediation = (
        "Open the request in the Plivo console (Messaging > Toll-free verification): for UPDATE_REQUIRED "
        "answer the carrier's request (error_message says what) before the deadline; for REJECTED or a "
        "missing request submit a new verification with the corrected use case; keep SMS off the number "
        "until it is APPROVED."
    )
    doc = STATUSES_DOC
    needs = ("tollfree_verifications",)
    blocks = "sms-tollfree"

    def check(self, subject: Subject) -> Iterator[Finding]:
        uuid = subject.record.toll_free_sms_verification_id
        if not uuid or subject.graph is None or not subject.in_tollfree_sms_scope:
            return
        lookup = subject.graph.lookup("tollfree_verifications", uuid)
        if lookup.state is State.UNKNOWN:
            yield self.finding(
                subject,
                f"toll_free_sms_verification_id {uuid} names no verification request of this account "
                "(getTollfreeVerification: 404); submit a new request",
                linked=[verification_link(uuid, None, "unknown")],
                verification_id=uuid,
                action="submit a new verification request",
            )
            return
        if not lookup.found or lookup.object is None:
            return
        request = lookup.object
        raw = request.get("status")
        status = raw.strip().upper() if isinstance(raw, str) else None
        if status not in ACTION_STATES:
            return
        changed = parse_time(request.get("last_modified") or request.get("updated_at"))
        details: dict[str, Any] = {
            "linked": [verification_link(uuid, request, "found")],
            "verification_id": uuid,
            "verification_status": raw,
            "status_changed_at": changed.isoformat() if changed else None,
        }
        other = request.get("number")
        if isinstance(other, str) and other.lstrip("+") != subject.record.number:
            details["verification_number"] = other
        if status == "REJECTED":
            reason = f" ({request['error_message']})" if request.get("error_message") else ""
            details["action"] = "submit a new verification request"
            yield self.finding(
                subject,
                f"verification request {uuid} is REJECTED{reason}: it cannot be resubmitted; a new request "
                "is needed before the number can send SMS",
                **details,
            )
            return
        details["action"] = "answer the carrier's request for more information"
        if changed is None:
            yield self.finding(
                subject,
                f"verification request {uuid} is UPDATE_REQUIRED: answer within {UPDATE_DAYS} days of the "
                "status being posted (the API gives no date for it) or it becomes REJECTED",
                deadline=None,
                days_left=None,
                **details,
            )
            return
        deadline = changed + dt.timedelta(days=UPDATE_DAYS)
        days_left = (deadline.date() - subject.today).days
        when = "overdue" if days_left < 0 else f"{days_left} day(s) left"
        modified = request.get("last_modified") or request.get("updated_at")
        yield self.finding(
            subject,
            f"verification request {uuid} is UPDATE_REQUIRED: answer by {deadline.date().isoformat()} at the "
            f"latest ({when}; {UPDATE_DAYS} days from last_modified {modified}) "
            "or it becomes REJECTED",
            deadline=deadline.isoformat(),
            days_left=days_left,
            **details,
        )
