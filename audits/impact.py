"""Impact, not only status: per subaccount, what cannot work today and what needs a human first.

Built from the open (unwaived) findings of one evaluation:

* **cannot send SMS/MMS**: distinct numbers with a finding of a rule whose ``blocks`` is
  ``sms-10dlc`` (unregistered, pending, campaign unknown or inactive, profile not approved)
  or ``sms-tollfree`` (unverified, pending, verification needing action);
* **calls without the registered identity**: numbers whose Caller Reputation FAILED, or
  whose Caller Reputation is on but whose profile is missing or unknown;
* **needs a human**: one action per object a graph rule judged (a verification request, a
  campaign, a profile, a compliance application), with the numbers it holds back, sorted
  by urgency: a deadline first (fewest days left), then severity, then how many numbers wait.

Only counts, a few sample numbers and the actions are kept, so the summary stays small for
a million numbers: the findings arrive grouped by number (all of one number's findings one
after the other), so a count of distinct numbers needs only the last number it counted, and
its sample is the smallest few. The engine tallies each batch as the rules make it
(:class:`ImpactTally`; a number's findings are made together), so a million findings are not
read back and sorted on disk for this; :func:`impact_summary` sorts what it is given by
number first. Either way the summary is the same: each action takes its fields from its
finding on the smallest number, and actions that are equally urgent keep that number's order.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from audits.model import Finding
from audits.spool import FindingStore

if TYPE_CHECKING:
    from audits.rules.base import Rule

__all__ = ["ACTIONS_LISTED", "SAMPLES", "ImpactTally", "impact_summary"]

SAMPLES = 5
"""Sample numbers kept per count and per action."""
ACTIONS_LISTED = 200
"""Actions listed across all subaccounts (the most urgent first); each subaccount keeps its count."""

_VOICE_PROFILE_RULES = ("profile-missing", "profile-unknown")


@dataclass
class _Count:
    """Distinct numbers, fed grouped by number: a count, the last one and the smallest few."""

    count: int = 0
    last: str | None = None
    sample: list[str] = field(default_factory=list)

    def add(self, number: str) -> None:
        if number == self.last:
            return
        self.last = number
        self.count += 1
        sample = self.sample
        if len(sample) < SAMPLES or number < sample[-1]:
            bisect.insort(sample, number)
            del sample[SAMPLES:]

    def as_dict(self) -> dict[str, Any]:
        return {"numbers": self.count, "sample": list(self.sample)}


@dataclass
class _Action:
    subaccount: str
    rule: str
    severity: Any
    object: str
    id: str
    status: str | None
    action: str
    deadline: str | None
    days_left: int | None
    origin: tuple[str, int]
    """(number, position) of the finding it was made from: the smallest number's, the first of
    its findings. Equally urgent actions are listed in this order."""
    numbers: _Count = field(default_factory=_Count)

    def urgency(self) -> tuple[float, int, int, str, tuple[str, int]]:
        days = float(self.days_left) if self.days_left is not None else float("inf")
        return (days, -int(self.severity), -self.numbers.count, f"{self.rule} {self.id}", self.origin)

    def as_dict(self) -> dict[str, Any]:
        return {
            "subaccount": self.subaccount,
            "rule": self.rule,
            "severity": self.severity.label,
            "object": self.object,
            "id": self.id,
            "status": self.status,
            "action": self.action,
            "deadline": self.deadline,
            "days_left": self.days_left,
            "numbers": self.numbers.count,
            "sample": list(self.numbers.sample),
        }


_ACTIONS = {
    "tendlc-campaign-unknown": "link the numbers to an ACTIVE campaign of this account",
    "tendlc-campaign-inactive": "reactivate, resubmit or replace the campaign",
    "profile-unknown": "set an existing business profile on the numbers",
    "profile-not-approved": "get a brand of the profile registered (COMPLETED)",
    "compliance-application-rejected": "resubmit the compliance application with corrected documents",
}


def _blocked(finding: Finding, blocks: dict[str, str | None]) -> str | None:
    kind = blocks.get(finding.rule)
    if kind is not None:
        return kind
    if finding.rule in _VOICE_PROFILE_RULES:
        needs = finding.details.get("needs") or []
        if any(isinstance(n, str) and n.startswith("Caller Reputation") for n in needs):
            return "voice-identity"
    return None


def impact_summary(findings: Iterable[Finding], rules: Iterable[Rule], today: dt.date) -> dict[str, Any]:
    """The impact section of audit.json (see the module docstring), from findings in any order."""
    tally = ImpactTally(rules)
    # Grouped by number, ascending: what _Count relies on.
    if isinstance(findings, FindingStore):
        tally.add(findings.select(order="number, id"))
    else:
        tally.add(sorted(findings, key=lambda f: f.number))
    return tally.summary(today)


class ImpactTally:
    """The impact summary, fed findings grouped by number (every finding of a number in one
    run, in any order of numbers): what the engine keeps as the rules judge each number."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.blocks = {r.id: r.blocks for r in rules}
        self.sms: dict[str, dict[str, _Count]] = defaultdict(lambda: defaultdict(_Count))
        self.voice: dict[str, _Count] = defaultdict(_Count)
        self.actions: dict[tuple[str, str, str], _Action] = {}
        self.subaccounts: set[str] = set()
        self.position = 0

    def add(self, findings: Iterable[Finding]) -> None:
        blocks, sms, voice, actions, subaccounts = (
            self.blocks,
            self.sms,
            self.voice,
            self.actions,
            self.subaccounts,
        )
        for finding in findings:
            self.position += 1
            if finding.waived:
                continue
            sub = finding.subaccount
            kind = _blocked(finding, blocks)
            if kind in ("sms-10dlc", "sms-tollfree"):
                subaccounts.add(sub)
                sms[sub]["all"].add(finding.number)
                sms[sub]["10dlc" if kind == "sms-10dlc" else "tollfree"].add(finding.number)
            elif kind == "voice-identity":
                subaccounts.add(sub)
                voice[sub].add(finding.number)
            linked = finding.details.get("linked")
            if not linked or not isinstance(linked, list):
                continue
            subaccounts.add(sub)
            first = linked[0]
            key = (sub, finding.rule, str(first.get("id")))
            origin = (finding.number, self.position)
            action = actions.get(key)
            if action is None or origin < action.origin:
                # The finding on the smallest number describes the action (as if read in order).
                made = _Action(
                    subaccount=sub,
                    rule=finding.rule,
                    severity=finding.severity,
                    object=str(first.get("object")),
                    id=str(first.get("id")),
                    status=_status(first),
                    action=finding.details.get("action") or _ACTIONS.get(finding.rule, "see the finding"),
                    deadline=finding.details.get("deadline"),
                    days_left=finding.details.get("days_left"),
                    origin=origin,
                )
                if action is not None:
                    made.numbers = action.numbers
                action = actions[key] = made
            action.numbers.add(finding.number)

    def summary(self, today: dt.date) -> dict[str, Any]:
        """The impact section of audit.json."""
        sms, voice = self.sms, self.voice
        ordered = sorted(self.actions.values(), key=_Action.urgency)
        per_sub: list[dict[str, Any]] = []
        for sub in sorted(self.subaccounts):
            mine = [a for a in ordered if a.subaccount == sub]
            per_sub.append(
                {
                    "subaccount": sub,
                    "cannot_send_sms": {
                        "numbers": sms[sub]["all"].count,
                        "10dlc": sms[sub]["10dlc"].as_dict(),
                        "tollfree": sms[sub]["tollfree"].as_dict(),
                    },
                    "calls_without_identity": voice[sub].as_dict(),
                    "needs_human": len(mine),
                    "next_deadline": next((a.deadline for a in mine if a.deadline), None),
                }
            )
        per_sub.sort(key=lambda s: -s["cannot_send_sms"]["numbers"] - s["calls_without_identity"]["numbers"])
        return {
            "as_of": today.isoformat(),
            "totals": {
                "cannot_send_sms": sum(c["all"].count for c in sms.values()),
                "calls_without_identity": sum(c.count for c in voice.values()),
                "needs_human": len(ordered),
                "overdue": sum(1 for a in ordered if a.days_left is not None and a.days_left < 0),
            },
            "subaccounts": per_sub,
            "actions": [a.as_dict() for a in ordered[:ACTIONS_LISTED]],
            "actions_not_listed": max(0, len(ordered) - ACTIONS_LISTED),
        }


def _status(link: dict[str, Any]) -> str | None:
    if link.get("state") == "unknown":
        return "unknown (404)"
    for key in ("registration_status", "status"):
        value = link.get(key)
        if isinstance(value, str):
            return value
    return None
