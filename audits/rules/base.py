"""The Rule base class and the registry every rule class joins by defining an ``id``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from audits.model import Finding, Severity
from audits.subject import Subject

__all__ = ["REGISTRY", "Rule", "rule_class", "rule_ids"]

REGISTRY: dict[str, type[Rule]] = {}


class Rule:
    """One compliance check. Subclasses declare their facts and implement ``check``.

    A subclass registers itself under ``id`` when it is defined (as respx's
    patterns do), so adding a rule is adding a class.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    default_severity: ClassVar[Severity]
    scope: ClassVar[str]
    rationale: ClassVar[str]
    remediation: ClassVar[str]
    doc: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()
    """Compliance-graph resources the rule reads (audits.graph.RESOURCES); empty: the number alone."""
    needs_any: ClassVar[bool] = False
    """The rule can run when any one of ``needs`` is readable (not all of them)."""
    blocks: ClassVar[str | None] = None
    """What a finding of this rule says cannot work today (audits.impact): "sms-10dlc",
    "sms-tollfree", "voice-identity", or None."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        rule_id = cls.__dict__.get("id")
        if rule_id is None:
            return
        if rule_id in REGISTRY:
            raise ValueError(f"rule id {rule_id!r} is already registered by {REGISTRY[rule_id].__name__}")
        for attribute in ("title", "default_severity", "scope", "rationale", "remediation", "doc"):
            if not getattr(cls, attribute, None):
                raise TypeError(f"rule {rule_id!r} must declare {attribute}")
        REGISTRY[rule_id] = cls

    def __init__(self, severity: Severity | None = None) -> None:
        self.severity = self.default_severity if severity is None else severity
        self.not_run: str | None = None
        """Why the rule could not run in this evaluation (a resource it needs was refused)."""

    def check(self, subject: Subject) -> Iterator[Finding]:
        raise NotImplementedError

    def finding(self, subject: Subject, message: str, key: str = "", **details: Any) -> Finding:
        record = subject.record
        return Finding(
            number=record.number,
            rule=self.id,
            severity=self.severity,
            subaccount=record.subaccount,
            message=message,
            number_type=record.number_type,
            country=record.country,
            key=key,
            details=details,
        )

    def describe(self) -> dict[str, Any]:
        """The rule's facts as reports print them."""
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.label,
            "default_severity": self.default_severity.label,
            "scope": self.scope,
            "rationale": self.rationale,
            "remediation": self.remediation,
            "doc": self.doc,
            **({"reads": list(self.needs)} if self.needs else {}),
            **({"not_run": self.not_run} if self.not_run else {}),
        }

    def __repr__(self) -> str:
        override = "" if self.severity == self.default_severity else " (overridden)"
        return f"<Rule {self.id} {self.severity.label}{override}>"


def rule_ids() -> list[str]:
    return list(REGISTRY)


def rule_class(rule_id: str) -> type[Rule]:
    try:
        return REGISTRY[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule {rule_id!r}; known rules: {', '.join(REGISTRY)}") from None
