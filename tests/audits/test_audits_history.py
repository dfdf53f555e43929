"""SQLite history: first-seen dates survive runs, new and resolved are computed, trend accumulates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from audits.engine import evaluate
from audits.history import History, HistoryDelta
from audits.model import Finding, NumberRecord
from audits.policy import Policy
from tests.audits.numbers import us_local

DAY1 = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)
TARGET = "test-target"


def run(
    history: History, numbers: list[NumberRecord], when: dt.datetime, complete: bool = True
) -> tuple[list[Finding], HistoryDelta]:
    policy = Policy()
    findings = evaluate(numbers, policy, when.date()).findings
    delta = history.record(TARGET, when, findings, [n.number for n in numbers], policy.rules, complete)
    return list(findings), delta


def test_first_seen_age_new_and_resolved(tmp_path: Path) -> None:
    a = us_local(number="14155550101", tendlc_registration_status="UNREGISTERED")
    b = us_local(number="14155550102", tendlc_registration_status="PROCESSING")
    with History(tmp_path / "h.sqlite") as history:
        first, delta = run(history, [a, b], DAY1)
        assert all(f.new and f.age_days == 0 for f in first)
        assert {f.number for f in delta.new} == {"14155550101", "14155550102"}

    # A week later, in a new process: a is still open, b is fixed.
    b_fixed = us_local(number="14155550102")
    with History(tmp_path / "h.sqlite") as history:
        [finding], delta = run(history, [a, b_fixed], DAY1 + dt.timedelta(days=7))
        assert not finding.new
        assert finding.first_seen == DAY1.isoformat(timespec="seconds")
        assert finding.age_days == 7
        assert delta.new == []
        assert [(r.number, r.rule) for r in delta.resolved] == [("14155550102", "tendlc-pending")]
        assert delta.previous_run == DAY1.isoformat(timespec="seconds")

        # b regresses: it is new again, with a new first-seen date.
        third, _ = run(history, [a, b], DAY1 + dt.timedelta(days=8))
        again = next(f for f in third if f.number == "14155550102")
        assert again.new
        assert again.age_days == 0

        trend = history.trend(TARGET)
        assert [p.findings for p in trend] == [2, 1, 2]
        assert [p.resolved for p in trend] == [0, 1, 0]
        assert trend[0].by_severity == {"critical": 1, "medium": 1}


def test_unread_numbers_are_not_resolved_by_an_incomplete_run(tmp_path: Path) -> None:
    a = us_local(number="14155550101", tendlc_registration_status="UNREGISTERED")
    b = us_local(number="14155550102", tendlc_registration_status="UNREGISTERED")
    with History(tmp_path / "h.sqlite") as history:
        run(history, [a, b], DAY1)
        # The crawl could only read a: b's finding is unknown, not resolved.
        _, delta = run(history, [a], DAY1 + dt.timedelta(days=1), complete=False)
        assert delta.resolved == []
        findings, _ = run(history, [a, b], DAY1 + dt.timedelta(days=2))
        assert all(f.age_days == 2 and not f.new for f in findings)
        assert [p.complete for p in history.trend(TARGET)] == [True, False, True]


def test_targets_are_kept_apart(tmp_path: Path) -> None:
    a = us_local(number="14155550101", tendlc_registration_status="UNREGISTERED")
    with History(tmp_path / "h.sqlite") as history:
        findings = evaluate([a], Policy(), DAY1.date()).findings
        history.record("one", DAY1, findings, [a.number], Policy().rules, True)
        findings = evaluate([a], Policy(), DAY1.date()).findings
        delta = history.record("two", DAY1 + dt.timedelta(days=1), findings, [a.number], Policy().rules, True)
        assert len(delta.new) == 1
        assert delta.previous_run is None
