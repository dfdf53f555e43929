"""One report over many accounts: how a multi-account run is assembled, and ``python -m audits merge``.

A multi-account run (audits.accounts) judges every account on its own, then
:func:`assemble` records each account's findings in the one history database and builds
the one audit document: totals at the top (the shape every report writer reads), one
section per account under ``accounts``, and every finding and resolved finding tagged
with its ``account``.

Fleets too large for one machine fan out: one CI job per account
(``--accounts FILE --account NAME``), each writing its own ``audit.json``. :func:`merge`
reads those documents back into the same per-account parts and hands them to the same
:func:`assemble`, so a merge is, by construction, the document a single run over all the
accounts would have written (only times and durations differ). For that, each account
section carries what history needs and the reports do not show: ``history_key`` (the
account's identity in history) and ``audited_numbers`` (the numbers every rule judged,
the only ones whose open findings may resolve).

Nothing is held whole, so a fleet fits in the memory one account's audit takes: each
account's findings stay in its own store on disk (audits.spool), and its audited numbers
in a :class:`NumberList`; history dates them in SQL, the fleet's counts are made in SQL,
its impact summary is merged from the accounts' own, and the document's ``findings``
stream from the stores merged in report order (:class:`FleetFindings`). A merge reads each
audit.json a line at a time (:class:`AuditFile`) into such stores.

Inputs that cannot be one audit are refused with a message naming the files: the same
account twice (by name or by identity), different policies, rule sets or tool versions,
a single-target document (no sections to merge). An input whose audit stopped before it
judged anything, or an account the accounts file names that no input holds, makes the
merged audit INCOMPLETE, as the missing account would have made a single run.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import os
import re
import sqlite3
import tempfile
import time
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audits.history import History, HistoryDelta, TrendPoint
from audits.model import Finding, Severity
from audits.output import Output
from audits.policy import NEVER
from audits.report.json_report import FINDINGS_OPEN
from audits.run import EXIT_INCOMPLETE, EXIT_OK, EXIT_THRESHOLD
from audits.spool import BATCH, FindingRows, FindingStore, scratch_directory

__all__ = [
    "AuditFile",
    "FleetFindings",
    "Head",
    "MergeError",
    "NothingToMerge",
    "NumberList",
    "Part",
    "assemble",
    "merge",
]

AUDIT_JSON = "audit.json"
TREND_POINTS = 30
"""Runs shown in the combined trend (as a single target's trend)."""
_RANK = {s.label: int(s) for s in Severity}


class MergeError(ValueError):
    """The inputs cannot be one audit; the message names the files and why."""


class NothingToMerge(MergeError):
    """Every input stopped before it judged a number: the merged audit is INCOMPLETE, with ``reasons``."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("no input holds an audited account: " + "; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Head:
    """What is one for the whole run: the tool, the rules and policy it ran, when and how long."""

    tool: str
    version: str
    rules: list[dict[str, Any]]
    policy: dict[str, Any]
    started_at: dt.datetime
    duration_s: float
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds of what ran before the assembly: ``accounts`` (every account crawled and judged,
    side by side) in a multi-account run, ``read`` (the inputs read) in a merge."""


class NumberList:
    """A list of numbers on disk (a section's ``audited_numbers``): re-iterable, sized, equal to
    the list it stands for, written to audit.json item by item (a JsonStream), never held whole.

    One line of JSON per number in a scratch file, removed when the list is collected.
    """

    def __init__(self) -> None:
        handle, name = tempfile.mkstemp(prefix="audited-numbers-", suffix=".jsonl", dir=scratch_directory())
        os.close(handle)
        self.path = Path(name)
        self._count = 0
        self._finalizer = weakref.finalize(self, self.path.unlink, True)

    @classmethod
    def of(cls, numbers: Iterable[str]) -> NumberList:
        made = cls()
        made.write(_encode(number) + "\n" for number in numbers)
        return made

    def write(self, lines: Iterable[str]) -> None:
        """Append ``lines``, each one number's JSON text and a newline."""
        with self.path.open("a", encoding="utf-8") as handle:
            for line in lines:
                handle.write(line)
                self._count += 1

    def json_items(self) -> Iterator[str]:
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                yield line.rstrip("\n")

    def __iter__(self) -> Iterator[str]:
        return (json.loads(item) for item in self.json_items())

    def __len__(self) -> int:
        return self._count

    def cleaned(self, output: Output) -> NumberList:
        """This list, or a copy with every number made safe by ``output`` if any needs it.

        Checked a batch of whole lines at a time: a spelling is never split between two checks.
        """
        with self.path.open(encoding="utf-8") as handle:
            while lines := handle.readlines(1 << 20):
                text = "".join(lines)
                if output.may_hold_secret(text) or _UNSAFE_JSON.search(text):
                    return NumberList.of(output.text(number) for number in self)
        return self

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NumberList | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<NumberList {self._count} numbers>"


_encode = json.JSONEncoder(ensure_ascii=True).encode
_UNSAFE_JSON = re.compile(r"\\u(00[0-1]|00[89]|007f|d[89a-f]|fff[ef])", re.IGNORECASE)
"""An escaped character the Output would replace (a control character or a lone surrogate):
the list was written with ASCII escapes, so these are the only spellings they can have."""


@dataclass
class Part:
    """One account's audit before history: its report section and its findings (on disk).

    ``section["audited_numbers"]`` lists the numbers every rule judged (what history needs,
    kept in the document so that a merge can read it back), a :class:`NumberList` on disk.
    """

    name: str
    section: dict[str, Any]
    findings: FindingStore
    safe: bool = False
    """Whether ``findings`` were made safe by the fleet's output already (a merge does as it reads)."""

    @classmethod
    def from_account_document(
        cls,
        name: str,
        history_key: str,
        document: dict[str, Any],
        findings: FindingStore,
        audited: Iterable[str],
        rules_settled: Sequence[str],
    ) -> Part:
        """From a single account's audit document (AuditResult.document()), its findings and
        what history needs; the document's own ``findings`` (a stream of ``findings``) are not read."""
        section = {k: v for k, v in document.items() if k not in ("tool", "version", "findings", "resolved")}
        section["run"] = {k: v for k, v in document["run"].items() if k not in ("rules", "policy")}
        section = {
            "name": name,
            "history_key": history_key,
            **section,
            "rules_settled": list(rules_settled),
            "audited_numbers": NumberList.of(audited),
        }
        return cls(name, section, findings)

    @property
    def history_key(self) -> str:
        return str(self.section["history_key"])

    @property
    def complete(self) -> bool:
        return bool(self.section["complete"])

    def __repr__(self) -> str:
        return f"<Part {self.name} {len(self.findings)} findings>"


def _finding(data: dict[str, Any]) -> Finding:
    """The Finding a document's finding dict was written from (what history records)."""
    return Finding(
        number=data["number"],
        rule=data["rule"],
        severity=Severity.parse(data["severity"]),
        subaccount=data["subaccount"],
        message=data["message"],
        number_type=data.get("number_type"),
        country=data.get("country", ""),
        key=data.get("key", ""),
        waiver=data.get("waiver"),
        details=dict(data.get("details") or {}),
    )


def _record(
    parts: list[Part], head: Head, history_path: str | Path, notes: list[str]
) -> dict[str, tuple[HistoryDelta, list[TrendPoint]]]:
    """Record every account in history, as its own target, at the run's one start time.

    Each part's findings are dated in their store (first_seen, age_days, new), in SQL.
    """
    every_rule = [r["id"] for r in head.rules]
    try:
        recorded = {}
        with History(history_path) as history:
            for part in parts:
                delta = history.record(
                    part.history_key,
                    head.started_at,
                    part.findings,
                    part.section["audited_numbers"],
                    # Only rules that made every judgement they could on this account may
                    # resolve its earlier findings (a rule that could not run may not).
                    part.section.get("rules_settled", every_rule),
                    part.complete,
                )
                recorded[part.name] = (delta, history.trend(part.history_key))
        return recorded
    except (sqlite3.Error, OSError) as error:
        notes.append(f"history not recorded in {history_path}: {error}")
        for part in parts:
            # Without history every finding is new, as a single run without history says.
            with part.findings.connection as db:
                db.execute("UPDATE findings SET first_seen = NULL, age_days = 0, new = 1")
        return {part.name: (HistoryDelta([], [], None), []) for part in parts}


def _trend(trends: list[list[TrendPoint]]) -> list[dict[str, Any]]:
    """The accounts' trends as one: runs recorded at the same start time are one run of the fleet.

    Start times are kept to the second, so two runs of the fleet within one second (a quick
    rerun) share a start time; within one account's trend they stay apart as its first and
    second run at that time, so the fleet's trend shows both.
    """
    runs: dict[tuple[str, int], dict[str, Any]] = {}
    for trend in trends:
        seen: Counter[str] = Counter()
        for point in trend:
            occurrence = seen[point.started_at]
            seen[point.started_at] += 1
            run = runs.setdefault(
                (point.started_at, occurrence),
                {
                    "started_at": point.started_at,
                    "complete": True,
                    "numbers_audited": 0,
                    "findings": 0,
                    "waived": 0,
                    "by_severity": Counter(),
                    "new": 0,
                    "resolved": 0,
                    "accounts": 0,
                },
            )
            run["complete"] = run["complete"] and point.complete
            for key in ("numbers_audited", "findings", "waived", "new", "resolved"):
                run[key] += getattr(point, key)
            run["by_severity"].update(point.by_severity)
            run["accounts"] += 1
    points = [runs[key] for key in sorted(runs)][-TREND_POINTS:]
    return [{**p, "by_severity": _by_severity(p["by_severity"])} for p in points]


def _by_severity(counts: Counter[str] | dict[str, int]) -> dict[str, int]:
    """Severity counts, worst first, without zeros (as a single target's summary has them)."""
    return {s.label: counts[s.label] for s in sorted(Severity, reverse=True) if counts.get(s.label)}


def _stats(parts: list[Part]) -> dict[str, Any]:
    """The crawls' totals: requests and pages add up; the run took as long as the longest crawl."""
    total: dict[str, Any] = {
        "requests": 0,
        "retries": 0,
        "pages_read": 0,
        "pages_failed": 0,
        "statuses": Counter(),
        "elapsed_s": 0.0,
    }
    for part in parts:
        stats = part.section["run"]["crawl"]["stats"]
        for key in ("requests", "retries", "pages_read", "pages_failed"):
            total[key] += stats.get(key, 0)
        total["statuses"].update(stats.get("statuses", {}))
        total["elapsed_s"] = max(total["elapsed_s"], stats.get("elapsed_s", 0.0))
    total["statuses"] = dict(sorted(total["statuses"].items()))
    return total


def _impact(parts: list[Part], head: Head) -> dict[str, Any]:
    """What cannot work today across the fleet (audits.impact), per "account / subaccount".

    Made from the accounts' own impact sections, not from their findings again: every count
    there is per subaccount, so the fleet's subaccounts are the accounts' renamed, its totals
    their sums, and its most urgent actions are among each account's most urgent listed
    (each account lists its first ACTIONS_LISTED in the same order of urgency). Actions as
    urgent as each other keep their account's order, accounts by name.
    """
    from audits.impact import ACTIONS_LISTED

    totals: Counter[str] = Counter()
    subaccounts: list[dict[str, Any]] = []
    actions: list[tuple[tuple[float, int, int, str], str, int, dict[str, Any]]] = []
    for part in parts:
        impact = part.section.get("impact") or {}
        totals.update(impact.get("totals") or {})
        for sub in impact.get("subaccounts") or []:
            subaccounts.append({**sub, "subaccount": f"{part.name} / {sub['subaccount']}"})
        for position, action in enumerate(impact.get("actions") or []):
            days = action.get("days_left")
            urgency = (
                float(days) if isinstance(days, int) else float("inf"),
                -_RANK.get(action.get("severity"), 0),
                -int(action.get("numbers") or 0),
                f"{action.get('rule')} {action.get('id')}",
            )
            renamed = {**action, "subaccount": f"{part.name} / {action['subaccount']}"}
            actions.append((urgency, part.name, position, renamed))
    subaccounts.sort(key=lambda s: s["subaccount"])
    subaccounts.sort(key=lambda s: -s["cannot_send_sms"]["numbers"] - s["calls_without_identity"]["numbers"])
    actions.sort(key=lambda a: a[:3])
    listed = [action for *_, action in actions[:ACTIONS_LISTED]]
    return {
        "as_of": head.started_at.date().isoformat(),
        "totals": {
            key: totals[key]
            for key in ("cannot_send_sms", "calls_without_identity", "needs_human", "overdue")
        },
        "subaccounts": subaccounts,
        "actions": listed,
        "actions_not_listed": max(0, totals["needs_human"] - len(listed)),
    }


def _cleaned(store: FindingStore, output: Output) -> FindingStore:
    """``store``, or a copy of it with every finding made safe by ``output`` if any needs it.

    Each account's findings were made safe for its own credentials (unsafe characters
    replaced, its token masked); a fleet's output masks every account's, since one account's
    server could echo another's token. The check reads the stored text as it is (no finding
    decoded); the usual store holds no spelling of any credential and is not copied.
    """
    cursor = store.connection.execute("SELECT rule, number, key, subaccount, data FROM findings")
    while batch := cursor.fetchmany(BATCH):
        if output.may_hold_secret("\n".join("\n".join(row) for row in batch)):
            break
    else:
        return store
    copy = FindingStore()
    for findings in _batches(store):
        output.findings(findings)
        copy.extend(findings)
    store.close()
    return copy


def _batches(findings: Iterable[Finding]) -> Iterator[list[Finding]]:
    batch: list[Finding] = []
    for finding in findings:
        batch.append(finding)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class _Tally:
    """The fleet's finding counts, from each account's store in SQL (nothing read whole)."""

    rules: list[str]
    fail_on: str

    def __post_init__(self) -> None:
        self.by_rule: dict[str, dict[str, int]] = {rule: {} for rule in self.rules}
        self.by_subaccount: dict[str, dict[str, int]] = {}
        self.by_account: dict[str, dict[str, int]] = {}
        self.by_severity: Counter[str] = Counter()
        self.findings = self.waived = self.new = self.counted = 0

    def add(self, account: str, store: FindingStore) -> None:
        by_account = self.by_account.setdefault(account, {})
        floor = None if self.fail_on == NEVER else _RANK[self.fail_on]
        # Worst first, so each count's severities are listed worst first, as in a single run.
        for rule, subaccount, severity, waived, new, count in store.tally():
            if waived:
                self.waived += count
                continue
            label = Severity(severity).label
            self.findings += count
            self.new += count if new else 0
            self.counted += count if floor is not None and severity >= floor else 0
            self.by_severity[label] += count
            for counts in (
                self.by_rule.setdefault(rule, {}),
                self.by_subaccount.setdefault(f"{account} / {subaccount}", {}),
                by_account,
            ):
                counts[label] = counts.get(label, 0) + count


class FleetFindings(FindingRows):
    """The fleet document's ``findings``: every account's, tagged with it, in report order.

    Streamed: each account's store is read in its report order (most severe first, then by
    rule, number and key) and the streams are merged on (severity, rule, account, number,
    key), so no pass holds more than a batch per account.
    """

    def __init__(self, parts: Sequence[Part]) -> None:
        self.parts = [(part.name, part.findings) for part in parts]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return heapq.merge(*(_tagged(name, store) for name, store in self.parts), key=_report_key)

    def __len__(self) -> int:
        return sum(len(store) for _, store in self.parts)

    def __bool__(self) -> bool:
        return any(store for _, store in self.parts)

    def __repr__(self) -> str:
        return f"<FleetFindings {len(self)} in {len(self.parts)} account(s)>"


def _tagged(account: str, store: FindingStore) -> Iterator[dict[str, Any]]:
    for row in store.report_rows():
        yield {"account": account, **row}


def _report_key(finding: dict[str, Any]) -> tuple[int, str, str, str, str]:
    return (
        -_RANK[finding["severity"]],
        finding["rule"],
        finding["account"],
        finding["number"],
        finding.get("key", ""),
    )


def assemble(
    parts: Sequence[Part],
    head: Head,
    history_path: str | Path,
    output: Output,
    problems: Sequence[str] = (),
) -> dict[str, Any]:
    """The one audit document over ``parts``, each account recorded in ``history_path``.

    ``problems`` are INCOMPLETE reasons beyond the accounts' own (an account no input holds).
    Everything passes through ``output`` before it reaches history or the document. The
    findings stay in the parts' stores: the document's ``findings`` stream from them
    (:class:`FleetFindings`) and every count is made in SQL, so a fleet of millions of
    numbers is never held whole.
    """
    clock = time.perf_counter()
    phases = dict(head.phases)
    parts = sorted(parts, key=lambda p: p.name)
    for part in parts:
        # Each part is already masked for its own account; this masks every other account too.
        part.section = output.document(part.section)
        audited = part.section["audited_numbers"]
        part.section["audited_numbers"] = (
            audited.cleaned(output) if isinstance(audited, NumberList) else [output.text(n) for n in audited]
        )
        if not part.safe:
            part.findings = _cleaned(part.findings, output)
    phases["masking"] = time.perf_counter() - clock
    notes: list[str] = []
    recorded = _record(parts, head, history_path, notes)
    phases["history"] = time.perf_counter() - clock - phases["masking"]
    clock = time.perf_counter()

    reasons: list[str] = []
    for part in parts:
        delta, trend = recorded[part.name]
        section = part.section
        section["summary"]["new"] = part.findings.count("new = 1 AND waived = 0")
        section["summary"]["resolved"] = len(delta.resolved)
        section["run"]["history"] = {"path": str(history_path), "previous_run": delta.previous_run}
        section["trend"] = [p.as_dict() for p in trend]
        # Kept last: the long list nobody reads, after what people do.
        section["audited_numbers"] = section.pop("audited_numbers")
        own = section["incomplete_reasons"] or ([] if part.complete else ["inventory INCOMPLETE"])
        reasons += [f"account {part.name}: {reason}" for reason in own]
    reasons += [output.text(p) for p in problems]
    complete = all(p.complete for p in parts) and not problems

    threshold = head.policy["threshold"]
    tally = _Tally([r["id"] for r in head.rules], threshold["fail_on"])
    for part in parts:
        tally.add(part.name, part.findings)
    crossed = tally.counted > threshold["max_findings"]
    if not complete:
        status, exit_code = "INCOMPLETE", EXIT_INCOMPLETE
    else:
        status, exit_code = ("FAILED", EXIT_THRESHOLD) if crossed else ("PASSED", EXIT_OK)

    resolved = sorted(
        ({"account": part.name, **r.as_dict()} for part in parts for r in recorded[part.name][0].resolved),
        key=lambda r: (r["account"], r["number"], r["rule"], r["key"]),
    )
    # A rule that could not run on some account (a resource it reads refused there) has no
    # verdict for the fleet either: never "passed" (audits.engine, not_run).
    not_run: dict[str, list[str]] = {}
    for part in parts:
        for rule_id, why in (part.section["run"].get("rules_not_run") or {}).items():
            not_run.setdefault(rule_id, []).append(f"account {part.name}: {why}")
    rules = [{**r, "not_run": "; ".join(not_run[r["id"]])} if r["id"] in not_run else r for r in head.rules]
    graph_read = any("rules_not_run" in p.section["run"] for p in parts)
    totals = [p.section["total_count"] for p in parts]
    previous = [d.previous_run for d, _ in recorded.values() if d.previous_run]
    names = [part.name for part in parts]
    base_urls = sorted({p.section["run"]["target"]["base_url"] for p in parts})
    document = {
        "tool": head.tool,
        "version": head.version,
        "status": status,
        "complete": complete,
        "incomplete_reasons": reasons,
        "notes": [f"account {p.name}: {note}" for p in parts for note in p.section["notes"]] + notes,
        "numbers_audited": sum(p.section["numbers_audited"] for p in parts),
        "numbers_read": sum(p.section["numbers_read"] for p in parts),
        "numbers_out_of_scope": sum(p.section["numbers_out_of_scope"] for p in parts),
        "total_count": None if None in totals else sum(totals),
        "exit_code": exit_code,
        "threshold": {**threshold, "crossed": crossed, "counted": tally.counted},
        "run": {
            "target": {
                "label": f"{len(names)} account(s): {', '.join(names)}",
                "base_url": ", ".join(base_urls),
                "accounts": names,
            },
            "started_at": head.started_at.isoformat(timespec="seconds"),
            "duration_s": round(head.duration_s, 3),
            # Where the time went (the reports add their own when they are written).
            "phases": {name: round(seconds, 3) for name, seconds in phases.items()},
            "rules": rules,
            "policy": head.policy,
            "crawl": {"stats": _stats(parts)},
            "history": {"path": str(history_path), "previous_run": max(previous, default=None)},
            **({"rules_not_run": {k: "; ".join(v) for k, v in not_run.items()}} if graph_read else {}),
        },
        **({"impact": _impact(parts, head)} if any("impact" in p.section for p in parts) else {}),
        "summary": {
            "findings": tally.findings,
            "waived": tally.waived,
            "new": tally.new,
            "resolved": len(resolved),
            "by_severity": _by_severity(tally.by_severity),
            "by_rule": tally.by_rule,
            "by_subaccount": dict(sorted(tally.by_subaccount.items())),
            "by_account": {name: tally.by_account.get(name, {}) for name in names},
        },
        "resolved": resolved,
        "trend": _trend([trend for _, trend in recorded.values()]),
        "accounts": [part.section for part in parts],
    }
    document["run"]["phases"]["summary"] = round(time.perf_counter() - clock, 3)
    # The findings were made safe as they were stored (and above, for every account).
    return {**output.document(document), "findings": FleetFindings(parts)}


# ---------------------------------------------------------------- merge


class AuditFile:
    """One input's audit.json: its head (everything but the findings) read whole, its findings streamed.

    audit.json as this tool writes it has the findings last, one per line, after a line of
    their own (``FINDINGS_OPEN``): a merge reads them one at a time into each account's store
    and never holds a job's findings whole. A file in any other layout (reformatted by a
    tool, say) is read whole instead, which costs the memory of its findings.
    """

    def __init__(self, where: str, head: dict[str, Any], whole: list[Any] | None) -> None:
        self.where, self.head, self._whole = where, head, whole

    @classmethod
    def read(cls, path: str | Path) -> AuditFile:
        """The head of the audit.json in ``path`` (a report directory, or the file itself)."""
        path = Path(path)
        file = path / AUDIT_JSON if path.is_dir() else path
        where = str(file)
        if not file.is_file():
            raise MergeError(
                f"{path} holds no {AUDIT_JSON}: give the report directory each account's job wrote"
            )
        try:
            head = _streamable_head(file)
            if head is not None:
                return cls(where, head, None)
            with file.open(encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise MergeError(f"{where} cannot be read as an audit document: {error}") from None
        if not isinstance(document, dict):
            raise MergeError(f"{where} is not an audit document (not a JSON object)")
        findings = document.pop("findings", [])
        if not isinstance(findings, list):
            raise MergeError(f"{where}: its findings are not a list")
        return cls(where, document, findings)

    def findings(self) -> Iterator[Any]:
        """Each finding as the file holds it, read one line at a time."""
        if self._whole is not None:
            yield from self._whole
            return
        read = 0
        try:
            with open(self.where, encoding="utf-8") as handle:
                opening = next((line for line in handle if line.startswith(FINDINGS_OPEN)), "")
                if opening.rstrip() == FINDINGS_OPEN + "]":
                    return
                if not opening:
                    raise MergeError(f"{self.where} changed while it was merged: it has no findings now")
                for line in handle:
                    text = line.strip()
                    if text == "]":
                        return
                    read += 1
                    yield json.loads(text.removesuffix(","))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise MergeError(f"{self.where}: finding {read} cannot be read: {error}") from None
        raise MergeError(
            f"{self.where} ends inside its findings (after finding {read}): the job's audit.json is "
            "cut short; rerun that job"
        )

    @property
    def stopped(self) -> bool:
        """An audit that stopped before it had a document (audits.report.write_stopped)."""
        return "run" not in self.head and self.head.get("status") == "INCOMPLETE"

    def __repr__(self) -> str:
        return f"<AuditFile {self.where}{' (read whole)' if self._whole is not None else ''}>"


_AUDITED_OPEN = re.compile(r'( *)"audited_numbers": \[\n')
_PLACEHOLDER = "\x00audited-numbers-"
"""What a section's number list stands as in the parsed head until it is put back (NUL never
survives the Output, so no text in a document can mimic it)."""


def _streamable_head(file: Path) -> dict[str, Any] | None:
    """The document without its findings, if ``file`` has this tool's layout; else None.

    Each section's ``audited_numbers`` (a line per number, as :func:`_write_head` lays them
    out) is read into a :class:`NumberList` as it goes, not into the head's text.
    """
    lines: list[str] = []
    lists: list[NumberList] = []
    with file.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith(FINDINGS_OPEN) and line.rstrip() in (FINDINGS_OPEN, FINDINGS_OPEN + "]"):
                break
            opening = _AUDITED_OPEN.fullmatch(line)
            if opening is None:
                lines.append(line)
                continue
            indent = opening.group(1)
            numbers = NumberList()
            closing = _read_numbers(handle, indent, numbers)
            if closing is None:
                return None
            lists.append(numbers)
            placeholder = json.dumps(f"{_PLACEHOLDER}{len(lists) - 1}")
            lines.append(f'{indent}"audited_numbers": {placeholder}{closing}\n')
        else:
            return None
    text = "".join(lines).rstrip()
    try:
        head = json.loads(text.removesuffix(",") + "\n}" if text != "{" else "{}")
    except json.JSONDecodeError:
        return None
    if not isinstance(head, dict):
        return None
    sections = head.get("accounts")
    for section in sections if isinstance(sections, list) else []:
        value = section.get("audited_numbers") if isinstance(section, dict) else None
        if isinstance(value, str) and value.startswith(_PLACEHOLDER):
            index = value.removeprefix(_PLACEHOLDER)
            if not index.isdigit() or int(index) >= len(lists):
                return None  # not what this tool wrote: read whole, and refused there
            section["audited_numbers"] = lists[int(index)]
    return head


def _read_numbers(handle: Iterable[str], indent: str, numbers: NumberList) -> str | None:
    """A number list's lines up to its closing bracket into ``numbers``; what follows the bracket
    (``,`` or nothing), or None if the lines are not such a list."""
    item_indent, end = indent + " ", indent + "]"
    batch: list[str] = []
    for line in handle:
        text = line.rstrip("\n")
        if text in (end, end + ","):
            numbers.write(batch)
            return text[len(end) :]
        item = text.removesuffix(",")
        if not (item.startswith(item_indent + '"') and item.endswith('"')):
            return None
        batch.append(item[len(item_indent) :] + "\n")
        if len(batch) >= BATCH:
            numbers.write(batch)
            batch.clear()
    return None


def _parts(file: AuditFile) -> list[Part]:
    """The per-account parts of a multi-account document, as :func:`assemble` was given them,
    their stores still empty (:func:`_load_findings` fills them)."""
    where, document = file.where, file.head
    sections = document.get("accounts")
    if not isinstance(sections, list) or "run" not in document:
        raise MergeError(
            f"{where} is a single-target audit (no per-account sections): run each fanned-out job "
            "with --accounts FILE --account NAME so its audit.json can be merged"
        )
    parts = []
    required = ("name", "history_key", "audited_numbers", "complete", "summary", "run", "incomplete_reasons")
    for section in sections:
        if not isinstance(section, dict) or any(key not in section for key in required):
            raise MergeError(
                f"{where}: an account section lacks {', '.join(required)}; written by another version?"
            )
        if not isinstance(section["audited_numbers"], list | NumberList):
            raise MergeError(f"{where}: account {section['name']}'s audited_numbers is not a list")
        section = {k: v for k, v in section.items() if k != "trend"}
        parts.append(Part(section["name"], section, FindingStore()))
    return parts


def _load_findings(file: AuditFile, parts: dict[str, Part], output: Output) -> None:
    """Each of ``file``'s findings into its account's store, a batch at a time, made safe by
    ``output`` (the merge's, masking every account's credentials) before it is stored."""
    pending: dict[str, list[Finding]] = {name: [] for name in parts}
    for position, data in enumerate(file.findings(), 1):
        account = data.get("account") if isinstance(data, dict) else None
        if not isinstance(account, str):
            raise MergeError(f"{file.where}: a finding names no account; it was not written by --accounts")
        if account not in parts:
            raise MergeError(f"{file.where}: findings of account {account} that has no section")
        try:
            finding = _finding(data)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise MergeError(
                f"{file.where}: finding {position} is not a finding ({type(error).__name__}: {error}); "
                "written by another version?"
            ) from None
        batch = pending[account]
        batch.append(finding)
        if len(batch) >= BATCH:
            output.findings(batch)
            parts[account].findings.extend(batch)
            batch.clear()
    for account, batch in pending.items():
        output.findings(batch)
        parts[account].findings.extend(batch)
    for part in parts.values():
        part.safe = True


def _same(documents: list[tuple[str, dict[str, Any]]], what: str, get: Any) -> Any:
    """The one value ``get`` reads from every document; MergeError naming two that differ."""
    first_where, first = documents[0]
    value = get(first)
    for where, document in documents[1:]:
        if get(document) != value:
            raise MergeError(
                f"{first_where} and {where} ran different {what}: one audit needs one; "
                "run every account's job with the same version, policy and rules"
            )
    return value


def merge(
    inputs: Sequence[str | Path],
    history_path: str | Path,
    output: Output | None = None,
    expected: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The audit document of ``inputs`` (report directories) as if one run had audited every account.

    ``expected``: the account names that must be there (the accounts file's); any missing
    makes the merge INCOMPLETE, any other is refused.
    """
    if not inputs:
        raise MergeError("nothing to merge: give the report directories of the accounts' jobs")
    output = output or Output()
    clock = time.perf_counter()
    files: list[AuditFile] = []
    problems: list[str] = []
    seen_files: set[Path] = set()
    for path in inputs:
        file = AuditFile.read(path)
        resolved = Path(file.where).resolve()
        if resolved in seen_files:
            raise MergeError(f"{file.where} is given twice")
        seen_files.add(resolved)
        if file.stopped:
            reasons = file.head.get("incomplete_reasons") or ["no reason recorded"]
            problems += [f"{file.where}: the audit stopped before it judged any number: {r}" for r in reasons]
            continue
        files.append(file)
    documents = [(file.where, file.head) for file in files]
    if not documents:
        raise NothingToMerge([output.text(p) for p in problems])
    tool = _same(documents, "tools", lambda d: (d.get("tool"), d.get("version")))
    # Which rules could not run is each account's own (it is in its section), not a difference.
    rules = _same(
        documents,
        "rules",
        lambda d: [{k: v for k, v in r.items() if k != "not_run"} for r in d["run"].get("rules") or []],
    )
    policy = _same(documents, "policies", lambda d: d["run"].get("policy"))

    parts: list[Part] = []
    names: dict[str, str] = {}
    keys: dict[str, tuple[str, str]] = {}
    by_file: list[tuple[AuditFile, dict[str, Part]]] = []
    for file in files:
        where = file.where
        mine: dict[str, Part] = {}
        by_file.append((file, mine))
        for part in _parts(file):
            if part.name in names:
                raise MergeError(
                    f"account {part.name} is in both {names[part.name]} and {where}: each account is "
                    "merged once (same account twice?)"
                )
            if part.history_key in keys:
                other_name, other_where = keys[part.history_key]
                raise MergeError(
                    f"account {part.name} ({where}) and account {other_name} ({other_where}) are the "
                    "same account: it would be counted twice"
                )
            names[part.name] = where
            keys[part.history_key] = (part.name, where)
            parts.append(part)
            mine[part.name] = part
    if expected is not None:
        unexpected = sorted(set(names) - set(expected))
        if unexpected:
            raise MergeError(
                f"account(s) {', '.join(unexpected)} ({', '.join(names[n] for n in unexpected)}) "
                "are not in the accounts file"
            )
        problems += [
            f"account {name}: no audit among the merged inputs (its job wrote no audit.json)"
            for name in expected
            if name not in names
        ]
    # The findings last, once every input is known to belong in one audit.
    for file, mine in by_file:
        _load_findings(file, mine, output)
    starts = [dt.datetime.fromisoformat(d["run"]["started_at"]) for _, d in documents]
    head = Head(
        tool=tool[0],
        version=tool[1],
        rules=rules,
        policy=policy,
        # The fleet's run started when its first job did; the jobs ran side by side.
        started_at=min(starts),
        duration_s=max(float(d["run"].get("duration_s", 0.0)) for _, d in documents),
        phases={"read": time.perf_counter() - clock},
    )
    return assemble(parts, head, history_path, output, problems)
