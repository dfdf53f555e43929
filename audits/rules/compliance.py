"""Regulatory compliance rule: the number's compliance application must not be rejected or expired.

Facts: "Many of these phone numbers have compliance requirements put in place by the regional
regulatory body"; a requirement "is uniquely defined by the national regulatory body based on
the following parameters: Country of the Phone Number, Phone number type, End-User type", and
an approved compliance application "can be linked to a virtual phone number post which the
number is ready to be used for Voice and SMS services"
(https://www.plivo.com/docs/numbers/regulatory-compliance/overview/). So a number that carries
a ``compliance_application_id`` is one whose country (and type) requires one: Plivo links an
application only to a regulated number; the number update page calls the value "UUID of an
accepted compliance application".

``compliance_application_id`` may name a regulatory ComplianceApplication (status Draft,
Submitted, Accepted, Rejected) or a Phone Number Compliance record (draft, submitted, accepted,
approved, rejected, pending, suspended, expired: plivo-node's filter and the SDKs' records); both
are tried (C18 in openapi/COMPLIANCE-SOURCES.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from audits.model import Finding, Severity
from audits.rules.base import Rule
from audits.subject import Subject

DOC = "https://www.plivo.com/docs/numbers/regulatory-compliance/overview/"
REJECTED = {
    "compliance_applications": ("rejected",),
    "phone_number_compliances": ("rejected", "expired", "suspended"),
}
"""Statuses, lower-cased, in which the application no longer keeps the number compliant."""
CHANGED_AT = ("last_updated_at", "updated_at")


def compliance_link(resource: str, object_id: str, obj: dict[str, Any]) -> dict[str, Any]:
    kind = "compliance_application" if resource == "compliance_applications" else "phone_number_compliance"
    link: dict[str, Any] = {"object": kind, "id": object_id, "state": "found"}
    for key in (
        "status",
        "country_iso2",
        "country_iso",
        "number_type",
        "alias",
        "rejection_reason",
        *CHANGED_AT,
    ):
        value = obj.get(key)
        if value not in (None, ""):
            link[key] = value
    return link


class ComplianceApplicationRejected(Rule):
    id = "compliance-application-rejected"
    title = "Regulatory compliance application rejected or expired"
    default_severity = Severity.HIGH
    scope = (
        "Numbers whose compliance_application_id is set: Plivo links an application only to numbers whose "
        "country and type have a regulatory requirement"
    )
    rationale = (
        "The country of the number requires approved end-user documents before the number may be used for "
        "voice and SMS. The application linked to the number is rejected (or its record rejected, expired "
        "or suspended), so the number no longer meets its regulator's requirement and may be deactivated."
    )
    remediation = (
        "Open the application in the Plivo console (Phone Numbers > Compliance): read rejection_reason, "
        "upload corrected or current documents and resubmit, or link the number to another accepted "
        "application for the same country, number type and end-user type."
    )
    doc = DOC
    needs = ("compliance_applications", "phone_number_compliances")
    needs_any = True

    def check(self, subject: Subject) -> Iterator[Finding]:
        app_id = subject.record.compliance_application_id
        if not app_id or subject.graph is None:
            return
        lookup = subject.graph.compliance(app_id)
        if not lookup.found or lookup.object is None:
            return
        obj = lookup.object
        raw = obj.get("status")
        status = raw.strip().lower() if isinstance(raw, str) else None
        if status not in REJECTED[lookup.resource]:
            return
        changed = next((obj[k] for k in CHANGED_AT if isinstance(obj.get(k), str)), None)
        reason = obj.get("rejection_reason")
        why = f" ({reason})" if isinstance(reason, str) and reason else ""
        when = f", last updated {changed}" if changed else ""
        yield self.finding(
            subject,
            f"compliance application {app_id} is {raw}{why}{when}",
            linked=[compliance_link(lookup.resource, app_id, obj)],
            compliance_application_id=app_id,
            compliance_status=raw,
            status_changed_at=changed,
            country=obj.get("country_iso2") or obj.get("country_iso"),
        )
