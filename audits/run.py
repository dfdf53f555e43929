"""One audit run: crawl, evaluate, record history, and the document every report is written from."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audits.engine import Evaluation, evaluate, resources_needed
from audits.graph import read_graph
from audits.history import History, HistoryDelta, TrendPoint
from audits.inventory import CrawlSettings, Inventory, crawl, new_pacer
from audits.model import Severity
from audits.output import Output
from audits.policy import Policy, Scope
from audits.progress import Progress
from audits.spool import FindingRows, RecordStore
from audits.target import AuditTarget

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
    target: AuditTarget
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
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds per phase of the run, in the order they ran (``crawl``, ``graph``, ``rules``,
    ``impact``, ``history``): audit.json's ``run.phases``, with ``summary`` (the document's
    counts) and each report but audit.json added as they are written (audits.report). Empty
    for an account section of a multi-account run: its timings would differ from a merge's."""
    phases_cpu: dict[str, float] = field(default_factory=dict)
    """This process's CPU seconds in the phases that wait on the server (``crawl``, ``graph``):
    the rest of their wall time was the server answering. audit.json's ``run.phases_cpu``."""

    @property
    def complete(self) -> bool:
        """The inventory is known to be whole and every number in it was judged."""
        return self.inventory.complete and not self.evaluation.errors

    @property
    def incomplete_reasons(self) -> list[str]:
        return [*self.inventory.problems, *self.evaluation.errors]

    @property
    def threshold_crossed(self) -> bool:
        """As ``Threshold.crossed_by``, counted in SQL."""
        return self._counted > self.policy.threshold.max_findings

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

        It leaves through the Output: credentials masked, unsafe characters replaced. Its
        ``findings`` are a :class:`~audits.spool.FindingRows` streamed from the store in report
        order (they were cleaned by the Output before they were stored); every summary is
        counted in SQL, so no step holds the findings whole.
        """
        clock = time.perf_counter()
        store = self.evaluation.findings
        by_rule: dict[str, dict[str, int]] = {r.id: {} for r in self.evaluation.rules}
        by_subaccount: dict[str, dict[str, int]] = {}
        severities: Counter[int] = Counter()
        unwaived = unwaived_new = 0
        # One scan for every count. Severity labels most severe first, as the report lists the
        # findings (the order they were stored in depends on which page the crawl read first:
        # not the same every night).
        for rule, sub, severity, waived, new, count in store.tally():
            if waived:
                continue
            label = Severity(severity).label
            for counts in (by_rule.setdefault(rule, {}), by_subaccount.setdefault(sub, {})):
                counts[label] = counts.get(label, 0) + count
            severities[severity] += count
            unwaived += count
            unwaived_new += count if new else 0
        phases = (
            {name: round(seconds, 3) for name, seconds in self.phases.items()}
            | {"summary": round(time.perf_counter() - clock, 3)}
            if self.phases
            else {}
        )
        settings = dataclasses.asdict(self.settings)
        settings.pop("auth_token")
        head = {
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
                "counted": self._counted,
            },
            "run": {
                "target": self.target.describe(),
                "started_at": self.started_at.isoformat(timespec="seconds"),
                "duration_s": round(self.duration_s, 3),
                # Where the time went, so a slow nightly run says which phase grew.
                **({"phases": phases} if phases else {}),
                **(
                    {"phases_cpu": {name: round(s, 3) for name, s in self.phases_cpu.items()}}
                    if phases and self.phases_cpu
                    else {}
                ),
                "rules": [r.describe() for r in self.evaluation.rules],
                "policy": self.policy.describe(),
                "crawl": {"settings": settings, "stats": self.inventory.stats.as_dict()},
                "history": {"path": self.history_path, "previous_run": self.delta.previous_run},
                **self.evaluation.graph_document(),
            },
            "impact": self.evaluation.impact,
            "summary": {
                "findings": unwaived,
                "waived": len(store) - unwaived,
                "new": unwaived_new,
                "resolved": len(self.delta.resolved),
                "by_severity": {
                    s.label: severities[int(s)]
                    for s in sorted(Severity, reverse=True)
                    if severities.get(int(s))
                },
                "by_rule": by_rule,
                "by_subaccount": dict(sorted(by_subaccount.items())),
            },
            "resolved": [r.as_dict() for r in self.delta.resolved],
            "trend": [p.as_dict() for p in self.trend],
        }
        return {**self.output.document(head), "findings": FindingRows(store)}

    @functools.cached_property
    def _counted(self) -> int:
        """Unwaived findings at the threshold's severity or worse (Threshold.counted, in SQL)."""
        threshold = self.policy.threshold
        if threshold.severity is None:
            return 0
        return self.evaluation.findings.count("waived = 0 AND severity >= ?", (int(threshold.severity),))

    def __repr__(self) -> str:
        findings = len(self.evaluation.findings)
        return f"<AuditResult {self.status} {len(self.inventory)} numbers {findings} findings>"


class AuditedNumbers:
    """The numbers every rule judged (read whole and in scope), made safe: re-iterable, never held whole.

    In ascending order, whatever order the crawl read them in: the same inventory gives the same
    list (a multi-account section's ``audited_numbers``, which a merge compares), and history
    fills its index of them in key order. A policy that audits every number needs only the
    readable records' numbers, none of the records decoded.
    """

    def __init__(self, inventory: Inventory, policy: Policy, output: Output) -> None:
        self._inventory, self._policy, self._output = inventory, policy, output

    def __iter__(self) -> Iterator[str]:
        scope, text, records = self._policy.scope, self._output.text, self._inventory.records
        if isinstance(records, RecordStore):
            if scope == Scope():
                return (text(n) for n in records.readable_numbers())
            return (text(n) for n, r in records.readable_by_number() if scope.includes(r))
        return (text(n) for n, r in sorted(records.items()) if not r.problems and scope.includes(r))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return "<AuditedNumbers>"


@dataclass
class Judged:
    """One account crawled and judged, before history: what a run and a merge both start from."""

    target: AuditTarget
    settings: CrawlSettings
    inventory: Inventory
    evaluation: Evaluation
    output: Output
    audited: Iterable[str]
    """Numbers judged by every rule (read whole and in scope): only their open findings may resolve."""
    duration_s: float
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds of ``crawl``, ``graph``, ``rules`` and ``impact`` (AuditResult.phases)."""
    phases_cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds of ``crawl`` and ``graph`` (AuditResult.phases_cpu)."""


async def judge_account(
    target: AuditTarget,
    policy: Policy,
    crawl_options: dict[str, Any] | None,
    progress: Progress | None,
    started: dt.datetime,
) -> Judged:
    """Crawl ``target`` and apply ``policy``: every finding made safe, nothing recorded yet.

    The one per-account step of a single-target run and of a multi-account run
    (audits.accounts), so both judge an account alike.
    """
    clock, cpu = time.monotonic(), time.process_time()
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
    crawled, crawled_cpu = time.monotonic(), time.process_time()
    graph = await read_graph(inventory.records.values(), settings, resources_needed(policy), pacer)
    graphed, graphed_cpu = time.monotonic(), time.process_time()
    # Findings reach the history database and every report: they go through the Output first.
    evaluation = evaluate(inventory.records.values(), policy, started.date(), graph, output)
    # A number whose fields could not be read proves nothing: its open findings stay open.
    audited = AuditedNumbers(inventory, policy, output)
    phases = {"crawl": crawled - clock, "graph": graphed - crawled, **evaluation.phases}
    phases_cpu = {"crawl": crawled_cpu - cpu, "graph": graphed_cpu - crawled_cpu}
    duration = time.monotonic() - clock
    return Judged(target, settings, inventory, evaluation, output, audited, duration, phases, phases_cpu)


async def run_audit_async(
    target: AuditTarget,
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
    recording = time.monotonic()
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
    phases = {**judged.phases, "history": time.monotonic() - recording}
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
        phases=phases,
        phases_cpu=judged.phases_cpu,
    )


def run_audit(
    target: AuditTarget,
    policy: Policy,
    history_path: str | Path,
    crawl_options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> AuditResult:
    """Crawl ``target``, apply ``policy``, record the run in ``history_path``."""
    return asyncio.run(run_audit_async(target, policy, history_path, crawl_options, progress, now))
