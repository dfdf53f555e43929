"""The audit policy: an optional TOML file (see audits/policy.example.toml).

It chooses which rules run, overrides severities, narrows the scope by
subaccount, number type or country, waives findings per number or subaccount
(with a reason and an expiry date; an expired waiver reports the finding again)
and sets the exit threshold (default: fail on any critical finding).
Numbers of the main account are in subaccount "main" (audits.model.MAIN_ACCOUNT).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audits.model import Finding, NumberRecord, Severity, country_of
from audits.rules import rule_ids

__all__ = ["Policy", "PolicyError", "Scope", "Threshold", "Waiver", "load_policy"]

NEVER = "none"


class PolicyError(ValueError):
    """The policy file is wrong; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class Waiver:
    """Accepts the findings of one number or one subaccount (optionally for one rule) until ``expires``."""

    reason: str
    expires: dt.date
    number: str | None = None
    subaccount: str | None = None
    rule: str | None = None

    def matches(self, finding: Finding) -> bool:
        if self.rule is not None and self.rule != finding.rule:
            return False
        if self.number is not None:
            return self.number == finding.number
        return self.subaccount == finding.subaccount

    def active_on(self, day: dt.date) -> bool:
        return day <= self.expires

    def __repr__(self) -> str:
        who = f"number {self.number}" if self.number else f"subaccount {self.subaccount}"
        what = self.rule or "all rules"
        return f"<Waiver {who} {what} until {self.expires.isoformat()}>"


@dataclass(frozen=True)
class Scope:
    """Which numbers are audited; an empty set means no restriction on that axis."""

    subaccounts: frozenset[str] = frozenset()
    exclude_subaccounts: frozenset[str] = frozenset()
    number_types: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()

    def includes(self, record: NumberRecord) -> bool:
        if self.subaccounts and record.subaccount not in self.subaccounts:
            return False
        if record.subaccount in self.exclude_subaccounts:
            return False
        if self.number_types and (record.number_type or "").lower() not in self.number_types:
            return False
        return not (self.countries and record.country not in self.countries)

    def describe(self) -> dict[str, list[str]]:
        return {
            "subaccounts": sorted(self.subaccounts),
            "exclude_subaccounts": sorted(self.exclude_subaccounts),
            "number_types": sorted(self.number_types),
            "countries": sorted(self.countries),
        }

    def __repr__(self) -> str:
        parts = [f"{k}={v}" for k, v in self.describe().items() if v]
        return f"<Scope {' '.join(parts) or 'everything'}>"


@dataclass(frozen=True)
class Threshold:
    """The run fails when more than ``max_findings`` unwaived findings are at ``severity`` or worse."""

    severity: Severity | None = Severity.CRITICAL
    max_findings: int = 0

    def crossed_by(self, findings: Iterable[Finding]) -> bool:
        return len(self.counted(findings)) > self.max_findings

    def counted(self, findings: Iterable[Finding]) -> list[Finding]:
        if self.severity is None:
            return []
        return [f for f in findings if not f.waived and f.severity >= self.severity]

    def describe(self) -> dict[str, Any]:
        fail_on = NEVER if self.severity is None else self.severity.label
        return {"fail_on": fail_on, "max_findings": self.max_findings}

    def __repr__(self) -> str:
        fail_on = NEVER if self.severity is None else self.severity.label
        return f"<Threshold fail_on={fail_on} max_findings={self.max_findings}>"


@dataclass(frozen=True)
class Policy:
    rules: tuple[str, ...] = field(default_factory=lambda: tuple(rule_ids()))
    severities: dict[str, Severity] = field(default_factory=dict)
    scope: Scope = Scope()
    waivers: tuple[Waiver, ...] = ()
    threshold: Threshold = Threshold()
    source: str = "default policy (every rule, fail on any critical finding)"
    digest: str = ""

    def waiver_for(self, finding: Finding) -> Waiver | None:
        """The first matching waiver, active or expired (the caller decides what expiry means)."""
        matching = [w for w in self.waivers if w.matches(finding)]
        matching.sort(key=lambda w: w.expires, reverse=True)
        return matching[0] if matching else None

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sha256": self.digest,
            "rules": list(self.rules),
            "severity_overrides": {k: v.label for k, v in self.severities.items()},
            "scope": self.scope.describe(),
            "waivers": [
                {
                    "number": w.number,
                    "subaccount": w.subaccount,
                    "rule": w.rule,
                    "reason": w.reason,
                    "expires": w.expires.isoformat(),
                }
                for w in self.waivers
            ],
            "threshold": self.threshold.describe(),
        }

    def __repr__(self) -> str:
        return (
            f"<Policy {self.source!r} rules={len(self.rules)} waivers={len(self.waivers)} {self.threshold!r}>"
        )


# ---------------------------------------------------------------- loading

_TOP_KEYS = {"rules", "scope", "threshold", "waiver"}
_RULES_KEYS = {"enable", "disable", "severity"}
_SCOPE_KEYS = {"subaccounts", "exclude_subaccounts", "number_types", "countries"}
_THRESHOLD_KEYS = {"fail_on", "max_findings"}
_WAIVER_KEYS = {"number", "subaccount", "rule", "reason", "expires"}


def load_policy(path: str | Path | None) -> Policy:
    """The policy in ``path``, or the default policy when ``path`` is None."""
    if path is None:
        return Policy()
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError(
            f"policy file {path} does not exist; check --policy (example: audits/policy.example.toml)"
        ) from None
    except OSError as error:
        raise PolicyError(f"policy file {path} cannot be read: {error.strerror}") from None
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise PolicyError(f"policy file {path} is not valid TOML: {error}") from None
    return _Parser(str(path)).policy(document, hashlib.sha256(data).hexdigest())


class _Parser:
    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, message: str) -> PolicyError:
        return PolicyError(f"policy file {self.where}: {message}")

    def table(self, document: dict[str, Any], key: str, allowed: set[str]) -> dict[str, Any]:
        value = document.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{key}] must be a table")
        unknown = set(value) - allowed
        if unknown:
            raise self.fail(f"unknown key(s) {sorted(unknown)} in [{key}]; allowed: {sorted(allowed)}")
        return value

    def strings(self, value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f'{where} must be a list of strings, e.g. {where.split(".")[-1]} = ["..."]')
        return value

    def rule_id(self, value: str, where: str) -> str:
        if value not in rule_ids():
            raise self.fail(f"{where}: unknown rule {value!r}; known rules: {', '.join(rule_ids())}")
        return value

    def severity(self, value: Any, where: str) -> Severity:
        try:
            return Severity.parse(str(value))
        except ValueError as error:
            raise self.fail(f"{where}: {error}") from None

    def policy(self, document: dict[str, Any], digest: str) -> Policy:
        unknown = set(document) - _TOP_KEYS
        if unknown:
            raise self.fail(f"unknown section(s) {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
        rules_table = self.table(document, "rules", _RULES_KEYS)
        enabled = [
            self.rule_id(r, "rules.enable")
            for r in self.strings(rules_table.get("enable", rule_ids()), "rules.enable")
        ]
        disabled = {
            self.rule_id(r, "rules.disable")
            for r in self.strings(rules_table.get("disable", []), "rules.disable")
        }
        severity_table = rules_table.get("severity", {})
        if not isinstance(severity_table, dict):
            raise self.fail('[rules.severity] must be a table of rule = "severity"')
        severities = {
            self.rule_id(rule, "rules.severity"): self.severity(value, f"rules.severity.{rule}")
            for rule, value in severity_table.items()
        }
        return Policy(
            rules=tuple(r for r in rule_ids() if r in enabled and r not in disabled),
            severities=severities,
            scope=self.scope(self.table(document, "scope", _SCOPE_KEYS)),
            waivers=tuple(self.waiver(w, i) for i, w in enumerate(self.waiver_list(document))),
            threshold=self.threshold(self.table(document, "threshold", _THRESHOLD_KEYS)),
            source=self.where,
            digest=digest,
        )

    def scope(self, table: dict[str, Any]) -> Scope:
        countries = {
            country_of(c) if len(c) > 2 else c.upper()
            for c in self.strings(table.get("countries", []), "scope.countries")
        }
        return Scope(
            subaccounts=frozenset(self.strings(table.get("subaccounts", []), "scope.subaccounts")),
            exclude_subaccounts=frozenset(
                self.strings(table.get("exclude_subaccounts", []), "scope.exclude_subaccounts")
            ),
            number_types=frozenset(
                t.lower() for t in self.strings(table.get("number_types", []), "scope.number_types")
            ),
            countries=frozenset(countries),
        )

    def threshold(self, table: dict[str, Any]) -> Threshold:
        fail_on = table.get("fail_on", "critical")
        severity = None if str(fail_on).lower() == NEVER else self.severity(fail_on, "threshold.fail_on")
        max_findings = table.get("max_findings", 0)
        if not isinstance(max_findings, int) or isinstance(max_findings, bool) or max_findings < 0:
            raise self.fail("threshold.max_findings must be a whole number >= 0")
        return Threshold(severity, max_findings)

    def waiver_list(self, document: dict[str, Any]) -> list[Any]:
        waivers = document.get("waiver", [])
        if not isinstance(waivers, list):
            raise self.fail("waivers are written as [[waiver]] tables (an array of tables)")
        return waivers

    def waiver(self, table: Any, index: int) -> Waiver:
        where = f"waiver #{index + 1}"
        if not isinstance(table, dict):
            raise self.fail(f"{where} must be a [[waiver]] table")
        unknown = set(table) - _WAIVER_KEYS
        if unknown:
            raise self.fail(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_WAIVER_KEYS)}")
        number, subaccount = table.get("number"), table.get("subaccount")
        if (number is None) == (subaccount is None):
            raise self.fail(f'{where}: give exactly one of number = "..." or subaccount = "..."')
        reason = table.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise self.fail(f'{where}: a waiver needs a reason = "why this is accepted"')
        expires = table.get("expires")
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                expires = None
        if isinstance(expires, dt.datetime):
            expires = expires.date()
        if not isinstance(expires, dt.date):
            raise self.fail(f"{where}: a waiver needs expires = YYYY-MM-DD (a TOML date)")
        rule = table.get("rule")
        if rule is not None:
            rule = self.rule_id(str(rule), f"{where}.rule")
        return Waiver(
            reason=reason.strip(),
            expires=expires,
            number=str(number).lstrip("+") if number is not None else None,
            subaccount=str(subaccount) if subaccount is not None else None,
            rule=rule,
        )
