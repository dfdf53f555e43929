"""Caller Reputation rule.

Facts (compliance-rules.md and the Number API page): Caller Reputation registers
the business identity behind US local and toll-free numbers to reduce spam
flagging; ``caller_reputation_status`` is PENDING, ACTIVE, FAILED or NOT_ENROLLED.
"""

from __future__ import annotations

from collections.abc import Iterator

from audits.model import Finding, Severity
from audits.rules.base import Rule
from audits.subject import Subject


class CallerReputationFailed(Rule):
    id = "caller-reputation-failed"
    title = "Caller Reputation enrolment failed"
    default_severity = Severity.HIGH
    scope = "Any number whose caller_reputation_status is FAILED (offered for US local and toll-free)"
    rationale = (
        "The number asked for Caller Reputation but enrolment FAILED, so its calls go out without the "
        "registered business identity and are more likely to be flagged as spam."
    )
    remediation = (
        "Check the business profile linked by profile_uuid (it must be complete and approved), then "
        "disable and re-enable caller_reputation on the number to re-enrol."
    )
    doc = "https://www.plivo.com/docs/voice/concepts/caller-reputation"

    blocks = "voice-identity"

    def check(self, subject: Subject) -> Iterator[Finding]:
        status = subject.status("caller_reputation_status")
        if status.value == "FAILED":
            yield self.finding(subject, f"caller_reputation_status is {status.raw}", status=status.raw)
