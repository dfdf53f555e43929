"""Data rule: values outside the documented enums.

The other rules read such values normalised (case-insensitively and through the
list filter's synonyms, see audits.normalise); this rule reports them so the
source of the odd data can be fixed. Plivo's own SDK fixtures show
``REGISTERED`` and lower-case ``verified`` (compliance-rules.md).
"""

from __future__ import annotations

from collections.abc import Iterator

from audits.model import Finding, Severity
from audits.normalise import enum_fields, vocabulary
from audits.rules.base import Rule
from audits.subject import Subject


class DataUnexpectedValue(Rule):
    id = "data-unexpected-value"
    title = "Value outside the documented enum"
    default_severity = Severity.LOW
    scope = "Every number; every AccountPhoneNumber field the spec gives documented values for"
    rationale = (
        "A status spelled outside the documented values (e.g. REGISTERED, lower-case verified) may be "
        "misread by other tools and by filters; an unknown value hides the real compliance state."
    )
    remediation = (
        "Read the number in the Plivo console to learn its real status; report a documented-looking "
        "synonym to Plivo support, and treat an unknown value as needing manual review."
    )
    doc = "https://www.plivo.com/docs/numbers/api/account-phone-number"

    def check(self, subject: Subject) -> Iterator[Finding]:
        for field in enum_fields():
            status = subject.status(field)
            if status.documented:
                continue
            meaning = f"read as {status.value}" if status.recognised else "not recognised"
            documented = ", ".join(vocabulary(field).values)
            yield self.finding(
                subject,
                f"{field} is {status.raw!r}, outside {documented}; {meaning}",
                key=field,
                field=field,
                value=status.raw,
                normalised=status.value,
            )
