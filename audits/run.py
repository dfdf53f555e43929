"""One audit run: crawl, evaluate, record history, and the document every report is written from."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sqlite3
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audits.engine import Evaluation, evaluate, resources_needed
from audits.graph import read_graph
from audits.history import History, HistoryDelta, TrendPoint
from audits.inventory import CrawlSettings, Inventory, crawl, new_pacer
from audits.model import Severity
from audits.output import Output
from audits.policy import Policy
from audits.progress import Progress
from audits.target import Target

__all__ = [
    "EXIT_INCOMPLETE",
    "EXIT_OK",
    "EXIT_THRESHOLD",
    "EXIT_USAGE",
    "AuditResult",
    "Judged",
    "judge_account",
    "run_audit",
]

TOOL = "plivo-number-audit"
VERSION = "0.1.0"

EXIT_OK = 0
EXIT_THRESHOLD = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3
"""Distinct from a crossed threshold: the inventory was not read completely, so nothing is known clean."""


@dataclass
class AuditResult:
    target: Target
    settings: CrawlSettings
    policy: Policy
    inventory: Inventory
    evaluation: Evaluation
    delta: HistoryDelta
    trend: list[TrendPoint]
    started_at: dt.datetime
    duration_s: float
    history_path: str
    output: Output = field(default_factory=Output)
    """The choke point every report, message and history row passes through."""
    notes: list[str] = field(default_factory=list)
    """What went wrong around the audit without costing completeness (history not recorded)."""

    @property
    def complete(self) -> bool:
        """The inventory is known to be whole and every number in it was judged."""
        return self.inventory.complete and not self.evaluation.errors

    @property
    def incomplete_reasons(self) -> list[str]:
        return [*self.inventory.problems, *self.evaluation.errors]

    @property
    def threshold_crossed(self) -> bool:
        return self.policy.threshold.crossed_by(self.evaluation.findings)

    @property
    def exit_code(self) -> int:
        if not self.complete:
            return EXIT_INCOMPLETE
        return EXIT_THRESHOLD if self.threshold_crossed else EXIT_OK

    @property
    def status(self) -> str:
        if not self.complete:
            return "INCOMPLETE"
        return "FAILED" if self.threshold_crossed else "PASSED"

    def document(self) -> dict[str, Any]:
        """The audit.json document; the HTML, CSV and JUnit writers read this too.

        It leaves through the Output: credentials masked, unsafe characters replaced.
        """
        findings = self.evaluation.findings
        unwaived = [f for f in findings if not f.waived]
        by_rule: dict[str, Counter[str]] = {r.id: Counter() for r in self.evaluation.rules}
        by_subaccount: dict[str, Counter[str]] = defaultdict(Counter)
        for finding in unwaived:
            by_rule[finding.rule][finding.severity.label] += 1
            by_subaccount[finding.subaccount][finding.severity.label] += 1
        settings = dataclasses.asdict(self.settings)
        settings.pop("auth_token")
        document = {
            "tool": TOOL,
            "version": VERSION,
            "status": self.status,
            "complete": self.complete,
            "incomplete_reasons": self.incomplete_reasons,
            "notes": [*self.inventory.notes, *self.notes],
            "numbers_audited": self.evaluation.numbers_in_scope,
            "numbers_read": len(self.inventory),
            "numbers_out_of_scope": self.evaluation.numbers_out_of_scope,
            "total_count": self.inventory.total_count,
            "exit_code": self.exit_code,
            "threshold": {
                **self.policy.threshold.describe(),
                "crossed": self.threshold_crossed,
                "counted": len(self.policy.threshold.counted(findings)),
            },
            "run": {
                "target": self.target.describe(),
                "started_at": self.started_at.isoformat(timespec="seconds"),
                "duration_s": round(self.duration_s, 3),
                "rules": [r.describe() for r in self.evaluation.rules],
                "policy": self.policy.describe(),
                "crawl": {"settings": settings, "stats": self.inventory.stats.as_dict()},
                "history": {"path": self.history_path, "previous_run": self.delta.previous_run},
                **self.evaluation.graph_document(),
            },
            "impact": self.evaluation.impact,
            "summary": {
                "findings": len(unwaived),
                "waived": len(findings) - len(unwaived),
                "new": sum(1 for f in unwaived if f.new),
                "resolved": len(self.delta.resolved),
                "by_severity": {
                    s.label: n
                    for s in sorted(Severity, reverse=True)
                    if (n := sum(1 for f in unwaived if f.severity == s))
                },
                "by_rule": {rule: dict(counts) for rule, counts in by_rule.items()},
                "by_subaccount": {sub: dict(counts) for sub, counts in sorted(by_subaccount.items())},
            },
            "resolved": [r.as_dict() for r in self.delta.resolved],
            "trend": [p.as_dict() for p in self.trend],
            "findings": [
                {
                    "number": f.number,
                    "rule": f.rule,
                    "severity": f.severity.label,
                    "subaccount": f.subaccount,
                    "first_seen": f.first_seen,
                    "age_days": f.age_days,
                    "new": f.new,
                    "number_type": f.number_type,
                    "country": f.country,
                    "message": f.message,
                    "waived": f.waived,
                    "waiver": f.waiver,
                    # The identity history keeps (number, rule, key): a merge needs it back.
                    **({"key": f.key} if f.key else {}),
                    **({"details": f.details} if f.details else {}),
                }
                for f in sorted(findings, key=lambda f: (-f.severity, f.rule, f.number, f.key))
            ],
        }
        return self.output.document(document)

    def __repr__(self) -> str:
        findings = len(self.evaluation.findings)
        return f"<AuditResult {self.status} {len(self.inventory)} numbers {findings} findings>"


@dataclass
class Judged:
    """One account crawled and judged, before history: what a run and a merge both start from."""

    target: Target
    settings: CrawlSettings
    inventory: Inventory
    evaluation: Evaluation
    output: Output
    audited: list[str]
    """Numbers judged by every rule (read whole and in scope): only their open findings may resolve."""
    duration_s: float


async def judge_account(
    target: Target,
    policy: Policy,
    crawl_options: dict[str, Any] | None,
    progress: Progress | None,
    started: dt.datetime,
) -> Judged:
    """Crawl ``target`` and apply ``policy``: every finding made safe, nothing recorded yet.

    The one per-account step of a single-target run and of a multi-account run
    (audits.accounts), so both judge an account alike.
    """
    clock = time.monotonic()
    settings = CrawlSettings(
        base_url=target.base_url,
        auth_id=target.auth_id,
        auth_token=target.auth_token,
        **(crawl_options or {}),
    )
    output = Output().with_credentials(target.auth_id, target.auth_token)
    # One pacer per account: the number crawl and the compliance graph spend one rate budget.
    pacer = new_pacer(settings)
    inventory = await crawl(settings, progress=progress, pacer=pacer)
    graph = await read_graph(inventory.records.values(), settings, resources_needed(policy), pacer)
    evaluation = evaluate(inventory.records.values(), policy, started.date(), graph)
    # Findings reach the history database and every report: they go through the Output first.
    output.findings(evaluation.findings)
    # A number whose fields could not be read proves nothing: its open findings stay open.
    audited = [
        output.text(n) for n, r in inventory.records.items() if not r.problems and policy.scope.includes(r)
    ]
    return Judged(target, settings, inventory, evaluation, output, audited, time.monotonic() - clock)


async def run_audit_async(
    target: Target,
    policy: Policy,
    history_path: str | Path,
    crawl_options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> AuditResult:
    started = now or dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    judged = await judge_account(target, policy, crawl_options, progress, started)
    output, evaluation = judged.output, judged.evaluation
    complete = judged.inventory.complete and not evaluation.errors
    notes = []
    try:
        with History(history_path) as history:
            delta = history.record(
                output.text(target.history_key),
                started,
                evaluation.findings,
                judged.audited,
                evaluation.rules_settled,
                complete,
            )
            trend = history.trend(output.text(target.history_key))
    except (sqlite3.Error, OSError) as error:
        notes.append(f"history not recorded in {history_path}: {error}")
        delta, trend = HistoryDelta([], [], None), []
    return AuditResult(
        target=target,
        settings=judged.settings,
        policy=policy,
        inventory=judged.inventory,
        evaluation=evaluation,
        delta=delta,
        trend=trend,
        started_at=started,
        duration_s=time.monotonic() - clock,
        history_path=str(history_path),
        output=output,
        notes=notes,
    )


def run_audit(
    target: Target,
    policy: Policy,
    history_path: str | Path,
    crawl_options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> AuditResult:
    """Crawl ``target``, apply ``policy``, record the run in ``history_path``."""
    return asyncio.run(run_audit_async(target, policy, history_path, crawl_options, progress, now))
