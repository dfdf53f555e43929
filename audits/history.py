"""Finding history in an embedded SQLite database: first-seen dates, new/resolved, a trend across runs.

A finding's identity is ``(target, number, rule, key)``. It stays open from the
run that first saw it until a run that audited that number with that rule no
longer finds it; only then is it resolved (a number the crawl could not read
proves nothing). If it comes back later its first-seen date starts again.

An audit's findings arrive in a :class:`~audits.spool.FindingStore` (on disk): the store is
attached to the history database and matched against the open findings in SQL, so a
million findings and a million open rows are never held in memory. A plain list of
findings (a merge, a test) is matched in Python as before.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audits.model import Finding, Severity
from audits.spool import BATCH, FindingStore, FindingView

__all__ = ["History", "HistoryDelta", "TrendPoint"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    started_at TEXT NOT NULL,
    complete INTEGER NOT NULL,
    numbers_audited INTEGER NOT NULL,
    findings INTEGER NOT NULL,
    waived INTEGER NOT NULL,
    by_severity TEXT NOT NULL,
    new INTEGER NOT NULL,
    resolved INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS open_findings (
    target TEXT NOT NULL,
    number TEXT NOT NULL,
    rule TEXT NOT NULL,
    key TEXT NOT NULL,
    severity TEXT NOT NULL,
    subaccount TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (target, number, rule, key)
);
"""


@dataclass(frozen=True)
class ResolvedFinding:
    number: str
    rule: str
    key: str
    severity: str
    subaccount: str
    first_seen: str

    def as_dict(self) -> dict[str, str]:
        return {
            "number": self.number,
            "rule": self.rule,
            "key": self.key,
            "severity": self.severity,
            "subaccount": self.subaccount,
            "first_seen": self.first_seen,
        }


@dataclass(frozen=True)
class TrendPoint:
    started_at: str
    complete: bool
    numbers_audited: int
    findings: int
    waived: int
    by_severity: dict[str, int]
    new: int
    resolved: int

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class HistoryDelta:
    """What this run changed: findings seen for the first time and findings gone since the last run."""

    new: list[Finding] | FindingView
    """Findings seen for the first time (a view of the store when the run's findings are on disk)."""
    resolved: list[ResolvedFinding]
    previous_run: str | None

    def __repr__(self) -> str:
        return f"<HistoryDelta new={len(self.new)} resolved={len(self.resolved)} since={self.previous_run}>"


class History:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def previous_run(self, target: str) -> str | None:
        row = self._db.execute(
            "SELECT started_at FROM runs WHERE target = ? ORDER BY id DESC LIMIT 1", (target,)
        ).fetchone()
        return row[0] if row else None

    def record(
        self,
        target: str,
        started_at: dt.datetime,
        findings: list[Finding] | FindingStore,
        audited_numbers: Iterable[str],
        rules_run: Collection[str],
        complete: bool,
    ) -> HistoryDelta:
        """Store this run; fill each finding's first_seen, age_days and new; return new and resolved."""
        if isinstance(findings, FindingStore):
            return self._record_store(target, started_at, findings, audited_numbers, rules_run, complete)
        now = started_at.isoformat(timespec="seconds")
        today = started_at.date()
        previous = self.previous_run(target)
        open_rows = {
            (row[0], row[1], row[2]): row
            for row in self._db.execute(
                "SELECT number, rule, key, severity, subaccount, first_seen "
                "FROM open_findings WHERE target = ?",
                (target,),
            )
        }
        current = set()
        new = []
        for finding in findings:
            current.add(finding.identity)
            row = open_rows.get(finding.identity)
            finding.new = row is None
            finding.first_seen = now if row is None else row[5]
            finding.age_days = max(0, (today - dt.date.fromisoformat(finding.first_seen[:10])).days)
            if finding.new:
                new.append(finding)
        audited = set(audited_numbers)
        rules = set(rules_run)
        resolved = [
            ResolvedFinding(*row)
            for identity, row in open_rows.items()
            if identity not in current and identity[0] in audited and identity[1] in rules
        ]
        with self._db:
            self._db.executemany(
                "DELETE FROM open_findings WHERE target = ? AND number = ? AND rule = ? AND key = ?",
                [(target, r.number, r.rule, r.key) for r in resolved],
            )
            self._db.executemany(
                "INSERT INTO open_findings VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (target, number, rule, key) DO UPDATE SET "
                "severity = excluded.severity, subaccount = excluded.subaccount, "
                "last_seen = excluded.last_seen",
                [
                    (target, f.number, f.rule, f.key, f.severity.label, f.subaccount, f.first_seen, now)
                    for f in findings
                ],
            )
            by_severity = Counter(f.severity.label for f in findings if not f.waived)
            self._db.execute(
                "INSERT INTO runs (target, started_at, complete, numbers_audited, findings, waived, "
                "by_severity, new, resolved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    target,
                    now,
                    int(complete),
                    len(audited),
                    sum(by_severity.values()),
                    sum(1 for f in findings if f.waived),
                    json.dumps(dict(by_severity)),
                    len(new),
                    len(resolved),
                ),
            )
        return HistoryDelta(new, resolved, previous)

    def _record_store(
        self,
        target: str,
        started_at: dt.datetime,
        store: FindingStore,
        audited_numbers: Iterable[str],
        rules_run: Collection[str],
        complete: bool,
    ) -> HistoryDelta:
        """:meth:`record` in SQL over a store attached to this database (nothing held whole)."""
        now = started_at.isoformat(timespec="seconds")
        previous = self.previous_run(target)
        store.connection.execute(
            "CREATE INDEX IF NOT EXISTS findings_identity ON findings (number, rule, key)"
        )
        store.connection.commit()
        db = self._db
        db.execute("ATTACH DATABASE ? AS run", (store.path,))
        try:
            db.execute("DROP TABLE IF EXISTS temp.audited")
            db.execute("CREATE TEMP TABLE audited (number TEXT PRIMARY KEY) WITHOUT ROWID")
            db.execute("DROP TABLE IF EXISTS temp.rules_run")
            db.execute("CREATE TEMP TABLE rules_run (rule TEXT PRIMARY KEY) WITHOUT ROWID")
            db.executemany("INSERT OR IGNORE INTO temp.rules_run VALUES (?)", [(r,) for r in rules_run])
            batch: list[tuple[str]] = []
            for number in audited_numbers:
                batch.append((number,))
                if len(batch) >= BATCH:
                    db.executemany("INSERT OR IGNORE INTO temp.audited VALUES (?)", batch)
                    batch.clear()
            db.executemany("INSERT OR IGNORE INTO temp.audited VALUES (?)", batch)
            audited = db.execute("SELECT COUNT(*) FROM temp.audited").fetchone()[0]
            # Every finding new (first seen now, so 0 days old), then those already open keep
            # their first-seen date and count their age from it: one pass over every finding,
            # a second only over those already open.
            db.execute("UPDATE run.findings SET new = 1, first_seen = ?, age_days = 0", (now,))
            db.execute(
                "UPDATE run.findings AS f SET new = 0, first_seen = o.first_seen, age_days = "
                "MAX(0, CAST(julianday(?) - julianday(substr(o.first_seen, 1, 10)) AS INTEGER)) "
                "FROM main.open_findings AS o WHERE o.target = ? "
                "AND o.number = f.number AND o.rule = f.rule AND o.key = f.key",
                (started_at.date().isoformat(), target),
            )
            gone = (
                "FROM main.open_findings AS o WHERE o.target = ? "
                "AND o.rule IN (SELECT rule FROM temp.rules_run) "
                "AND o.number IN (SELECT number FROM temp.audited) "
                "AND NOT EXISTS (SELECT 1 FROM run.findings AS f "
                "WHERE f.number = o.number AND f.rule = o.rule AND f.key = o.key)"
            )
            resolved = [
                ResolvedFinding(*row)
                for row in db.execute(
                    f"SELECT o.number, o.rule, o.key, o.severity, o.subaccount, o.first_seen {gone}",
                    (target,),
                )
            ]
            labels = " ".join(f"WHEN {int(s)} THEN '{s.label}'" for s in Severity)
            db.executemany(
                "DELETE FROM open_findings WHERE target = ? AND number = ? AND rule = ? AND key = ?",
                [(target, r.number, r.rule, r.key) for r in resolved],
            )
            # The CASE labels are Severity's own names: no outside text reaches the SQL. In key
            # order (the findings_identity index): in the store's order (the crawl's, random
            # numbers) every row landed on a random page of open_findings' key index, which at
            # a million findings outgrows SQLite's cache: 5.7 s there against 3.9 s in order,
            # the same 0.25 s at 100,000 (benchmarks/scale.py's docstring).
            upsert = (
                "INSERT INTO open_findings SELECT ?, number, rule, key, "  # noqa: S608
                f"CASE severity {labels} END, subaccount, first_seen, ? FROM run.findings WHERE true "
                "ORDER BY number, rule, key "
                "ON CONFLICT (target, number, rule, key) DO UPDATE SET "
                "severity = excluded.severity, subaccount = excluded.subaccount, "
                "last_seen = excluded.last_seen"
            )
            db.execute(upsert, (target, now))
            by_severity = {
                Severity(severity).label: count
                for severity, count in db.execute(
                    "SELECT severity, COUNT(*) FROM run.findings WHERE waived = 0 "
                    "GROUP BY severity ORDER BY severity DESC"
                )
            }
            waived = db.execute("SELECT COUNT(*) FROM run.findings WHERE waived = 1").fetchone()[0]
            new = db.execute("SELECT COUNT(*) FROM run.findings WHERE new = 1").fetchone()[0]
            db.execute(
                "INSERT INTO runs (target, started_at, complete, numbers_audited, findings, waived, "
                "by_severity, new, resolved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    target,
                    now,
                    int(complete),
                    audited,
                    sum(by_severity.values()),
                    waived,
                    json.dumps(by_severity),
                    new,
                    len(resolved),
                ),
            )
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.execute("DETACH DATABASE run")
        return HistoryDelta(FindingView(store, "new = 1"), resolved, previous)

    def trend(self, target: str, limit: int = 30) -> list[TrendPoint]:
        """The last ``limit`` runs against ``target``, oldest first."""
        rows = self._db.execute(
            "SELECT started_at, complete, numbers_audited, findings, waived, by_severity, new, resolved "
            "FROM runs WHERE target = ? ORDER BY id DESC LIMIT ?",
            (target, limit),
        ).fetchall()
        return [
            TrendPoint(r[0], bool(r[1]), r[2], r[3], r[4], json.loads(r[5]), r[6], r[7])
            for r in reversed(rows)
        ]

    def __repr__(self) -> str:
        return f"<History {self.path}>"
