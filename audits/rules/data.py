"""Data rules: values outside the documented enums, and fields missing or unreadable.

``data-unexpected-value``: the other rules read such values normalised (case-insensitively
and through the list filter's synonyms, see audits.normalise); this rule reports them so the
source of the odd data can be fixed. Plivo's own SDK fixtures show ``REGISTERED`` and
lower-case ``verified`` (compliance-rules.md).

``data-missing-field``: a number whose fields the rules need are absent or of another JSON
type (``NumberRecord.problems``) cannot be judged at all; it is reported once per number and
makes the inventory INCOMPLETE (see audits.inventory), whatever the policy does with the rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from audits.model import Finding, Severity
from audits.normalise import enum_fields, vocabulary
from audits.rules.base import Rule
from audits.subject import Subject


def _shown(value: object) -> str:
    # Quoted as is, not repr(): repr would escape a quote or backslash inside a credential the
    # server echoed into the field, and the escaped spelling would slip past redaction.
    return f"'{value}'" if isinstance(value, str) else repr(value)


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
                f"{field} is {_shown(status.raw)}, outside {documented}; {meaning}",
                key=field,
                field=field,
                value=status.raw,
                normalised=status.value,
            )


class DataMissingField(Rule):
    id = "data-missing-field"
    title = "Compliance fields missing or unreadable"
    default_severity = Severity.HIGH
    scope = (
        "Every number; the fields the rules and the policy's scope read: number, number_type, region, "
        "sms_enabled, voice_enabled and sub_account on every object, the statuses when present"
    )
    rationale = (
        "A number whose type, region, services or statuses are absent or of another JSON type cannot be "
        "judged: a rule reading it would have to guess, and the guess 'not in scope' hides exactly the "
        "numbers that need attention. Every such number also makes the audit INCOMPLETE (exit 3): its "
        "compliance state is unknown, so the account cannot be called clean."
    )
    remediation = (
        "Read the number with getNumber or in the Plivo console; if the API keeps answering without these "
        "fields (or with other types), report it to Plivo support with the api_id. Until then treat the "
        "number as unaudited."
    )
    doc = "https://www.plivo.com/docs/numbers/api/account-phone-number"

    def check(self, subject: Subject) -> Iterator[Finding]:
        problems = subject.record.problems
        if problems:
            yield self.finding(
                subject,
                "cannot be audited: " + "; ".join(problems),
                fields=[p.split(" ", 1)[0] for p in problems],
            )
