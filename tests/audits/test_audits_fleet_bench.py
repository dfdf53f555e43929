"""benchmarks/fleet.py at a tiny size: its runs are real audits and its merge check can fail.

What is asserted is the benchmark's machinery, never a duration or a memory figure.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.fleet import main, same_document

pytestmark = pytest.mark.slow


def test_a_tiny_fleet_is_audited_together_fanned_out_and_merged(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLEET_BENCH_NUMBERS", "150")
    monkeypatch.setenv("FLEET_BENCH_ACCOUNTS", "2")
    main()
    printed = capsys.readouterr().out
    rows = [line for line in printed.splitlines() if line.count("|") == 5 and "numbers" not in line]
    assert [row.split("|")[0].strip() for row in rows] == [
        "one account",
        "2 accounts, --accounts",
        "2 accounts, one at a time",
        "fan-out job account1",
        "fan-out job account2",
        "merge of the jobs",
    ]
    # Judged whole (PASSED 0 or FAILED 1, never INCOMPLETE 3), and the fleet is the sum of its jobs.
    assert {row.split("|")[-1].strip() for row in rows} <= {"0", "1"}
    findings = [int(row.split("|")[4].replace(",", "")) for row in rows]
    assert findings[1] == findings[2] == findings[3] + findings[4] == findings[5]
    assert "merge equals --accounts: yes" in printed


def test_two_documents_that_differ_in_a_finding_are_not_the_same(tmp_path: Path) -> None:
    head = '{\n "status": "FAILED",\n "run": {"started_at": "%s"},\n "findings": [\n  %s\n ]\n}\n'
    one, other, later = tmp_path / "one.json", tmp_path / "other.json", tmp_path / "later.json"
    one.write_text(head % ("a", json.dumps({"number": "1", "first_seen": "x"})))
    later.write_text(head % ("b", json.dumps({"number": "1", "first_seen": "y"})))
    other.write_text(head % ("a", json.dumps({"number": "2", "first_seen": "x"})))
    assert same_document(one, later)  # times differ only
    assert not same_document(one, other)
