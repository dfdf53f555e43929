"""A fleet's findings are never held whole: each account's stay in its store, the document streams them.

audits.merge.assemble counts in SQL and merges the accounts' stores in report order
(FleetFindings); a merge reads each input's findings one line at a time (AuditFile). These
tests pin what that must keep: the order, the masking of every account's credentials, the
history dates, and the reading of audit.json in both layouts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from audits.merge import AuditFile, FleetFindings, Head, MergeError, NumberList, Part, assemble
from audits.model import Finding, Severity
from audits.output import Output
from audits.policy import Policy
from audits.report import write_all
from audits.report.json_report import write_json
from audits.rules import rule_class
from audits.spool import FindingStore, finding_row

STARTED = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
TOKEN_A = ("MAACCOUNTA0000000001", "Token-Of-Account-A-0123456789abcdef")
TOKEN_B = ("MAACCOUNTB0000000002", "Token-Of-Account-B-fedcba9876543210")


def head() -> Head:
    policy = Policy()
    return Head(
        tool="plivo-number-audit",
        version="test",
        rules=[rule_class(r)().describe() for r in policy.rules],
        policy=policy.describe(),
        started_at=STARTED,
        duration_s=1.0,
    )


def finding(number: str, rule: str, severity: Severity, message: str = "m", key: str = "") -> Finding:
    return Finding(number=number, rule=rule, severity=severity, subaccount="", message=message, key=key)


def part(name: str, findings: list[Finding], audited: list[str] | None = None) -> Part:
    store = FindingStore()
    store.extend(findings)
    numbers = sorted({f.number for f in findings}) if audited is None else audited
    section = {
        "name": name,
        "history_key": f"https://api.example/{name}",
        "status": "FAILED",
        "complete": True,
        "incomplete_reasons": [],
        "notes": [],
        "numbers_audited": len(numbers),
        "numbers_read": len(numbers),
        "numbers_out_of_scope": 0,
        "total_count": len(numbers),
        "summary": {
            "findings": len(findings),
            "by_severity": dict(Counter(f.severity.label for f in findings)),
            "by_rule": {},
            "by_subaccount": {},
        },
        "run": {"target": {"base_url": "https://api.example"}, "crawl": {"stats": {}}},
        "audited_numbers": numbers,
    }
    return Part(name, section, store)


FINDINGS_A = [
    finding("+14155550102", "tendlc-unregistered", Severity.HIGH),
    finding("+14155550101", "tendlc-unregistered", Severity.HIGH),
    finding("+14155550101", "profile-missing", Severity.MEDIUM),
    finding("+18005550100", "tollfree-unverified", Severity.CRITICAL),
]
FINDINGS_B = [
    # The same number in both accounts (two emulators seeded alike): ordered by account.
    finding("+14155550101", "tendlc-unregistered", Severity.HIGH),
    finding("+14155550100", "tendlc-unregistered", Severity.HIGH),
    finding("+18005550199", "tollfree-unverified", Severity.CRITICAL),
]


def test_the_fleet_findings_stream_in_report_order_tagged_with_their_account(tmp_path: Path) -> None:
    document = assemble(
        [part("beta", list(FINDINGS_B)), part("alpha", list(FINDINGS_A))],
        head(),
        tmp_path / "history.sqlite",
        Output(),
    )
    rows = document["findings"]
    assert isinstance(rows, FleetFindings)
    assert len(rows) == 7
    listed = [(f["severity"], f["rule"], f["account"], f["number"]) for f in rows]
    rank = {s.label: int(s) for s in Severity}
    assert listed == sorted(listed, key=lambda t: (-rank[t[0]], t[1], t[2], t[3]))
    assert listed[:2] == [
        ("critical", "tollfree-unverified", "alpha", "+18005550100"),
        ("critical", "tollfree-unverified", "beta", "+18005550199"),
    ]
    assert list(rows) == list(rows)  # re-iterable: every report reads it
    assert rows[:1] == [next(iter(rows))]
    summary = document["summary"]
    assert summary["findings"] == 7
    assert summary["new"] == 7
    assert summary["by_severity"] == {"critical": 2, "high": 4, "medium": 1}
    assert summary["by_account"] == {
        "alpha": {"critical": 1, "high": 2, "medium": 1},
        "beta": {"critical": 1, "high": 2},
    }
    assert summary["by_rule"]["tendlc-unregistered"] == {"high": 4}
    assert document["threshold"]["counted"] == 2  # the default policy fails on critical


def test_a_second_night_dates_the_findings_from_history_per_account(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite"
    assemble([part("alpha", list(FINDINGS_A)), part("beta", list(FINDINGS_B))], head(), history, Output())
    night2 = dataclasses.replace(head(), started_at=STARTED + dt.timedelta(days=3))
    # One of alpha's findings is gone (its number was fixed); beta has a new one.
    document = assemble(
        [
            part("alpha", list(FINDINGS_A[1:]), audited=sorted({f.number for f in FINDINGS_A})),
            part("beta", [*FINDINGS_B, finding("+14155550103", "tendlc-unregistered", Severity.HIGH)]),
        ],
        night2,
        history,
        Output(),
    )
    rows = list(document["findings"])
    new = {(f["account"], f["number"]) for f in rows if f["new"]}
    assert new == {("beta", "+14155550103")}
    assert {f["age_days"] for f in rows if not f["new"]} == {3}
    assert [(r["account"], r["number"]) for r in document["resolved"]] == [("alpha", "+14155550102")]
    assert document["summary"]["new"] == 1
    assert {a["name"]: a["summary"]["new"] for a in document["accounts"]} == {"alpha": 0, "beta": 1}


def test_without_history_every_finding_is_new_and_the_note_says_why(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    document = assemble([part("alpha", list(FINDINGS_A))], head(), blocked / "history.sqlite", Output())
    assert any("history not recorded" in note for note in document["notes"])
    assert {(f["new"], f["first_seen"], f["age_days"]) for f in document["findings"]} == {(True, None, 0)}


def test_one_accounts_token_in_anothers_findings_is_masked_everywhere(tmp_path: Path) -> None:
    # Account A's server echoed account B's token into a field the audit quotes: A's own
    # output could not know it, the fleet's output masks it in the findings and in history.
    echoed = finding("+14155550109", "data-unexpected-value", Severity.LOW, f"status was {TOKEN_B[1]}")
    history = tmp_path / "history.sqlite"
    document = assemble(
        [part("alpha", [*FINDINGS_A, echoed]), part("beta", list(FINDINGS_B))],
        head(),
        history,
        Output([TOKEN_A, TOKEN_B]),
    )
    paths = write_all(document, tmp_path / "out")
    written = "".join(p.read_text(encoding="utf-8") for p in paths.values())
    with sqlite3.connect(history) as db:
        written += json.dumps(db.execute("SELECT * FROM open_findings").fetchall())
    assert TOKEN_B[1].lower() not in written.lower()
    assert "status was ***" in written


def test_a_clean_store_is_not_copied(tmp_path: Path) -> None:
    alpha = part("alpha", list(FINDINGS_A))
    store = alpha.findings
    assemble([alpha], head(), tmp_path / "history.sqlite", Output([TOKEN_A, TOKEN_B]))
    assert alpha.findings is store


def _document(findings: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": "FAILED", "run": {"started_at": "x"}, "accounts": [], "findings": findings}


def _rows() -> list[dict[str, Any]]:
    rows = [{"account": "alpha", **finding_row(f)} for f in FINDINGS_A]
    rows[0]["message"] = 'quotes " and \\ and\na newline, and ] alone'
    return rows


def test_audit_json_is_read_line_by_line_and_equals_the_whole_read(tmp_path: Path) -> None:
    ours, compact = tmp_path / "ours.json", tmp_path / "compact.json"
    write_json(_document(_rows()), ours)
    compact.write_text(json.dumps(_document(_rows())))
    streamed, whole = AuditFile.read(ours), AuditFile.read(compact)
    assert "read whole" not in repr(streamed)
    assert "read whole" in repr(whole)
    assert streamed.head == whole.head == {k: v for k, v in _document([]).items() if k != "findings"}
    assert list(streamed.findings()) == list(whole.findings()) == _rows()
    empty = tmp_path / "empty.json"
    write_json(_document([]), empty)
    assert list(AuditFile.read(empty).findings()) == []


def test_an_audit_json_cut_short_is_refused_with_where_it_ends(tmp_path: Path) -> None:
    ours = tmp_path / "audit.json"
    write_json(_document(_rows()), ours)
    lines = ours.read_text().splitlines(keepends=True)
    head_lines = next(i for i, line in enumerate(lines) if line.startswith(' "findings": ['))
    ours.write_text("".join(lines[: head_lines + 3]))  # the head and two findings, then nothing
    with pytest.raises(MergeError, match=r"ends inside its findings \(after finding 2\).*cut short"):
        list(AuditFile.read(ours).findings())
    ours.write_text("".join(lines[: head_lines + 2]) + '  {"number": \n')
    with pytest.raises(MergeError, match="finding 2 cannot be read"):
        list(AuditFile.read(ours).findings())


def _action(sub: str, rule: str, days: int | None, numbers: int, ident: str) -> dict[str, Any]:
    return {
        "subaccount": sub,
        "rule": rule,
        "severity": "high",
        "object": "campaign",
        "id": ident,
        "status": "EXPIRED",
        "action": "do it",
        "deadline": None,
        "days_left": days,
        "numbers": numbers,
        "sample": [],
    }


def _impact(actions: list[dict[str, Any]], listed: int, sms: int) -> dict[str, Any]:
    count = {"numbers": sms, "sample": []}
    return {
        "as_of": "2026-12-03",
        "totals": {
            "cannot_send_sms": sms,
            "calls_without_identity": 0,
            "needs_human": listed,
            "overdue": sum(1 for a in actions if a["days_left"] is not None and a["days_left"] < 0),
        },
        "subaccounts": [
            {
                "subaccount": "",
                "cannot_send_sms": {"numbers": sms, "10dlc": count, "tollfree": {"numbers": 0, "sample": []}},
                "calls_without_identity": {"numbers": 0, "sample": []},
                "needs_human": listed,
                "next_deadline": None,
            }
        ],
        "actions": actions,
        "actions_not_listed": listed - len(actions),
    }


def test_the_fleets_impact_is_its_accounts_impact_renamed_summed_and_merged_by_urgency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("audits.impact.ACTIONS_LISTED", 3)
    alpha, beta = part("alpha", list(FINDINGS_A)), part("beta", list(FINDINGS_B))
    # Each account lists its most urgent first, at most 3; alpha holds 5 actions in all.
    alpha.section["impact"] = _impact(
        [_action("", "r", -2, 1, "C1"), _action("", "r", 5, 9, "C2"), _action("", "r", 5, 1, "C3")], 5, 10
    )
    beta.section["impact"] = _impact([_action("", "r", 0, 1, "C9"), _action("", "r", 5, 1, "C3")], 2, 30)
    impact = assemble([alpha, beta], head(), tmp_path / "history.sqlite", Output())["impact"]
    assert [(a["subaccount"], a["id"], a["days_left"]) for a in impact["actions"]] == [
        ("alpha / ", "C1", -2),
        ("beta / ", "C9", 0),
        ("alpha / ", "C2", 5),  # more numbers wait on it than on the C3s
    ]
    assert impact["actions_not_listed"] == 4
    assert impact["totals"] == {
        "cannot_send_sms": 40,
        "calls_without_identity": 0,
        "needs_human": 7,
        "overdue": 1,
    }
    assert [s["subaccount"] for s in impact["subaccounts"]] == ["beta / ", "alpha / "]  # most numbers first


def test_audited_numbers_are_written_and_read_back_as_a_stream_in_the_lists_own_layout(
    tmp_path: Path,
) -> None:
    numbers = ["+14155550100", "+14155550101", 'odd "quoted" \\ ]']
    streamed = {
        "status": "FAILED",
        "run": {"started_at": "x"},
        "accounts": [
            {"name": "alpha", "audited_numbers": NumberList.of(numbers), "after": [1]},
            {"name": "beta", "audited_numbers": NumberList.of([])},
        ],
        "findings": _rows(),
    }
    as_lists = {
        **streamed,
        "accounts": [
            {"name": "alpha", "audited_numbers": numbers, "after": [1]},
            {"name": "beta", "audited_numbers": []},
        ],
    }
    write_json(streamed, tmp_path / "streamed.json")
    write_json(as_lists, tmp_path / "lists.json")
    # Byte for byte what json.dumps(indent=1) writes for the lists.
    assert (tmp_path / "streamed.json").read_text() == (tmp_path / "lists.json").read_text()
    read = AuditFile.read(tmp_path / "streamed.json")
    alpha, beta = read.head["accounts"]
    assert isinstance(alpha["audited_numbers"], NumberList)
    assert alpha["audited_numbers"] == numbers
    assert len(alpha["audited_numbers"]) == 3
    assert beta["audited_numbers"] == []
    assert alpha["after"] == [1]
    assert list(read.findings()) == _rows()


def test_a_number_list_is_masked_only_when_it_needs_it() -> None:
    clean = NumberList.of(["+14155550100", "+14155550101"])
    assert clean.cleaned(Output([TOKEN_A, TOKEN_B])) is clean
    dirty = NumberList.of(["+14155550100", f"+1{TOKEN_B[1]}", "bell\x07"])
    cleaned = dirty.cleaned(Output([TOKEN_A, TOKEN_B]))
    assert cleaned == ["+14155550100", "+1***", "bell\ufffd"]


def test_a_token_across_the_boundary_of_two_reads_is_still_masked() -> None:
    # The list is checked a megabyte of lines at a time: a number that straddles the first
    # megabyte must not fall between two checks.
    filler = [f"+1{n:010d}" for n in range(((1 << 20) // 15) - 1)]  # 15 bytes a line
    assert len(f'"{filler[0]}"\n') == 15
    offset = 15 * len(filler)
    dirty = f"+1{TOKEN_B[1]}"
    assert offset < 1 << 20 < offset + len(dirty)
    numbers = NumberList.of([*filler, dirty])
    cleaned = numbers.cleaned(Output([TOKEN_A, TOKEN_B]))
    assert cleaned is not numbers
    assert list(cleaned)[-1] == "+1***"
