"""Run the policy's rules over an inventory: findings with severities and waivers applied.

Rules that follow a number's pointers (``Rule.needs``) read the compliance graph
(audits.graph). A rule whose resource the account refused cannot run: it is recorded in
``Evaluation.not_run`` (and in its ``run.rules`` entry as ``not_run``), its verdict is NOT RUN,
never PASSED, and when a graph was read the run is INCOMPLETE with the reason, as for an
unreadable inventory. A rule that ran on a graph with unreadable objects is not *settled*:
its findings stand, but none of its earlier findings may resolve (``rules_settled``).

Findings leave the rules in batches for a :class:`~audits.spool.FindingStore` on disk, each
batch cleaned by the run's Output first: an inventory of a million numbers is judged
without holding its findings in memory.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from audits.graph import Graph
from audits.impact import ImpactTally
from audits.model import Finding, NumberRecord
from audits.output import Output
from audits.policy import Policy
from audits.rules import Rule, rule_class
from audits.spool import BATCH, FindingStore
from audits.subject import Subject

__all__ = ["Evaluation", "evaluate", "resources_needed", "rules_for"]


def rules_for(policy: Policy) -> list[Rule]:
    """The policy's rules, instantiated with its severity overrides."""
    return [rule_class(rule_id)(policy.severities.get(rule_id)) for rule_id in policy.rules]


def resources_needed(policy: Policy) -> set[str]:
    """The compliance-graph resources the policy's rules read (audits.graph.RESOURCES)."""
    return {name for rule_id in policy.rules for name in rule_class(rule_id).needs}


def _not_run_reason(rule: Rule, graph: Graph | None) -> str | None:
    if not rule.needs:
        return None
    if graph is None:
        return "the compliance objects were not read in this evaluation"
    refused = [graph.disabled[name] for name in rule.needs if name in graph.disabled]
    if rule.needs_any and len(refused) < len(rule.needs):
        return None
    return "; ".join(refused) or None


ERRORS_LISTED = 5
"""Rule failures quoted per rule; the rest are counted."""


@dataclass
class Evaluation:
    rules: list[Rule]
    findings: FindingStore
    """Every finding, cleaned by the run's Output, on disk (audits.spool)."""
    numbers_in_scope: int
    numbers_out_of_scope: int
    errors: list[str] = field(default_factory=list)
    """Rules that raised on a number, rules that could not run, objects that could not be read:
    not every number was fully judged (the audit is INCOMPLETE)."""
    not_run: dict[str, str] = field(default_factory=dict)
    """Rule id -> why it could not run (a resource it reads was refused, or no graph was read)."""
    unsettled: set[str] = field(default_factory=set)
    """Rules that ran over a graph with objects that could not be read."""
    graph: Graph | None = None
    impact: dict[str, Any] = field(default_factory=dict)
    """Per-subaccount summary of what cannot work today (audits.impact)."""
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds spent judging (``rules``: every rule over every number, findings tallied for the
    impact and stored) and summarising the impact (``impact``): audit.json's ``run.phases``."""

    @property
    def rules_settled(self) -> list[str]:
        """Rules whose every judgement this run could make: only their earlier findings may resolve."""
        return [r.id for r in self.rules if r.id not in self.not_run and r.id not in self.unsettled]

    def graph_document(self) -> dict[str, Any]:
        """The compliance graph and the rules that could not run, as audit.json shows them."""
        return {
            "rules_not_run": dict(self.not_run),
            **({"graph": self.graph.describe()} if self.graph is not None else {}),
        }

    @property
    def unwaived(self) -> list[Finding]:
        return list(self.findings.select("waived = 0"))

    def __repr__(self) -> str:
        return f"<Evaluation {len(self.findings)} findings over {self.numbers_in_scope} numbers>"


def evaluate(
    records: Iterable[NumberRecord],
    policy: Policy,
    today: dt.date,
    graph: Graph | None = None,
    output: Output | None = None,
) -> Evaluation:
    """Judge ``records`` by the policy's rules; ``graph`` holds what their pointers name (audits.graph).

    ``output``: the run's choke point; every finding passes through it before it is stored.
    """
    all_rules = rules_for(policy)
    not_run: dict[str, str] = {}
    errors: list[str] = []
    for rule in all_rules:
        reason = _not_run_reason(rule, graph)
        if reason is not None:
            rule.not_run = not_run[rule.id] = reason
            if graph is not None:
                errors.append(f"rule {rule.id} could not run: {reason}")
    rules = [r for r in all_rules if r.id not in not_run]
    unsettled: set[str] = set()
    if graph is not None and graph.problems:
        errors.extend(graph.problems[:ERRORS_LISTED])
        if len(graph.problems) > ERRORS_LISTED:
            errors.append(
                f"{len(graph.problems) - ERRORS_LISTED} more compliance object(s) could not be read"
            )
        # Which rule an unreadable list or object would have touched is not always known: none
        # of the graph rules' earlier findings may resolve on this run.
        unsettled = {r.id for r in rules if r.needs}
    clock = time.perf_counter()
    store = FindingStore()
    # The impact summary is tallied batch by batch: a number's findings are made (and stored)
    # together, so they need not be read back from disk grouped by number (audits.impact).
    tally = ImpactTally(all_rules)
    batch: list[Finding] = []
    clean = (output or Output()).findings
    failures: Counter[str] = Counter()
    in_scope = out_of_scope = 0
    for record in records:
        if not policy.scope.includes(record):
            out_of_scope += 1
            continue
        in_scope += 1
        subject = Subject(record, graph, today)
        for rule in rules:
            try:
                found = list(rule.check(subject))
            except Exception as error:  # one odd value must not cost the whole audit its report
                failures[rule.id] += 1
                if failures[rule.id] <= ERRORS_LISTED:
                    errors.append(
                        f"rule {rule.id} failed on number {record.number}: {type(error).__name__}: {error}"
                    )
                continue
            for finding in found:
                _apply_waiver(finding, policy, today)
                batch.append(finding)
        if len(batch) >= BATCH:
            clean(batch)
            tally.add(batch)
            store.extend(batch)
            batch.clear()
    clean(batch)
    tally.add(batch)
    store.extend(batch)
    for rule_id, count in failures.items():
        if count > ERRORS_LISTED:
            errors.append(f"rule {rule_id} failed on {count - ERRORS_LISTED} more number(s)")
    judged = time.perf_counter()
    impact = tally.summary(today)
    return Evaluation(
        all_rules,
        store,
        in_scope,
        out_of_scope,
        errors,
        not_run=not_run,
        unsettled=unsettled,
        graph=graph,
        impact=impact,
        phases={"rules": judged - clock, "impact": time.perf_counter() - judged},
    )


def _apply_waiver(finding: Finding, policy: Policy, today: dt.date) -> None:
    waiver = policy.waiver_for(finding)
    if waiver is None:
        return
    if waiver.active_on(today):
        finding.waiver = f"{waiver.reason} (until {waiver.expires.isoformat()})"
    else:
        # An expired waiver reports the finding again, saying so.
        finding.details["waiver_expired"] = f"{waiver.reason} (expired {waiver.expires.isoformat()})"
