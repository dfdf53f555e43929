"""Numbers and findings on disk (audits.spool): what the stores keep, the history they feed, and the
reports that stay bounded when the findings are many."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from audits import verdict
from audits.engine import evaluate
from audits.history import History
from audits.model import Finding, Severity
from audits.policy import Policy
from audits.report import html_report
from audits.report.html_report import render_html
from audits.spool import FindingRows, FindingStore, RecordStore, finding_row
from tests.audits.numbers import record, us_local
from tests.audits.reporting import audit_result

DAY1 = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)


def finding(number: str, rule: str, severity: Severity, **extra: Any) -> Finding:
    return Finding(
        number=number, rule=rule, severity=severity, subaccount="main", message=f"m {number}", **extra
    )


def test_findings_come_back_as_stored_and_in_report_order() -> None:
    store = FindingStore()
    stored = [
        finding("2", "b-rule", Severity.LOW, details={"linked": [{"id": "C1"}]}),
        finding("1", "b-rule", Severity.CRITICAL, key="k", waiver="until May"),
        finding("3", "a-rule", Severity.CRITICAL, country="US", number_type="local"),
    ]
    store.extend(stored)
    assert len(store) == 3
    assert list(store) == stored
    assert [f.number for f in store.report_order()] == ["3", "1", "2"]
    rows = FindingRows(store)
    assert len(rows) == 3
    assert rows[0]["number"] == "3"
    assert [r["number"] for r in rows[1:]] == ["1", "2"]
    assert rows[1]["key"] == "k"
    assert rows[1]["waived"]
    assert rows[2]["details"] == {"linked": [{"id": "C1"}]}
    assert list(rows) == list(rows)  # iterable again and again
    assert list(rows) == [finding_row(f) for f in store.report_order()]
    path = store.path
    store.close()
    assert not Path(path).exists()


def test_records_read_like_a_dict_in_first_read_order() -> None:
    a, b = us_local(number="14155550101"), record(number="18005550100", number_type="tollfree")
    store = RecordStore([a, b])
    assert list(store) == ["14155550101", "18005550100"]
    assert store["14155550101"] == a
    assert len(store) == 2
    a_again = us_local(number="14155550101", tendlc_registration_status="FAILED")
    store.put([a_again])
    assert list(store.values()) == [a_again, b]  # replaced in place, as a dict would
    assert len(store) == 2
    assert store.of_type("TOLLFREE") == 1
    assert store.unreadable() == 0
    assert "14155550199" not in store
    broken = record(number="14155550102", sms_enabled="yes")
    store.put([broken])
    assert store.unreadable() == 1
    assert store["14155550102"].problems == broken.problems


def test_a_listing_counts_distinct_numbers_and_duplicates() -> None:
    store = RecordStore()
    main, tollfree = store.listing(), store.listing()
    assert main.add_page(["1", "2", "2"]) == 1
    assert main.add_page(["2", "3"]) == 1
    assert tollfree.add_page(["2"]) == 0  # another listing's set
    assert len(main) == 3
    assert len(tollfree) == 1
    assert "3" in main
    assert "3" not in tollfree


def test_a_crawls_pages_are_read_back_whole_across_commits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The record store commits every BATCH rows, not per page: what was written and not yet
    committed is read back all the same, and duplicates are counted across the boundary."""
    from audits import spool

    monkeypatch.setattr(spool, "BATCH", 5)
    store = RecordStore()
    listed = store.listing()
    numbers = [f"1415555{i:04d}" for i in range(12)]
    for start in range(0, 12, 3):  # pages of three: a commit falls inside the third page's rows
        page = [us_local(number=n) for n in numbers[start : start + 3]]
        assert listed.add_page(r.number for r in page) == 0
        store.put(page)
        assert len(store) == start + 3  # uncommitted rows are counted
        assert numbers[start + 2] in store
        assert numbers[start + 2] in listed
    assert listed.add_page([numbers[0], numbers[11], "14155559999"]) == 2  # read again: duplicates
    store.put([us_local(number=numbers[11], sub_account="SA1")])  # replaced in place
    assert list(store) == numbers
    assert len(store) == 12
    assert store[numbers[11]].subaccount == "SA1"
    assert store.of_type("local") == 12
    assert len(listed) == 13


def test_history_of_a_store_equals_history_of_a_list(tmp_path: Path) -> None:
    """The SQL path (findings on disk) and the list path give the same dates, news and resolutions."""
    a = us_local(number="14155550101", tendlc_registration_status="UNREGISTERED")
    b = us_local(number="14155550102", tendlc_registration_status="PROCESSING")
    b_fixed = us_local(number="14155550102")
    policy = Policy()
    outcomes = []
    for as_list in (True, False):
        with History(tmp_path / f"h{as_list}.sqlite") as history:
            nights = []
            for day, numbers in ((0, [a, b]), (7, [a, b_fixed]), (8, [a, b])):
                when = DAY1 + dt.timedelta(days=day)
                store = evaluate(numbers, policy, when.date()).findings
                findings: list[Finding] | FindingStore = list(store) if as_list else store
                delta = history.record("t", when, findings, [n.number for n in numbers], policy.rules, True)
                nights.append(
                    (
                        sorted((f.number, f.rule, f.first_seen, f.age_days, f.new) for f in findings),
                        sorted(f.number for f in delta.new),
                        [(r.number, r.rule, r.first_seen) for r in delta.resolved],
                    )
                )
            outcomes.append((nights, [p.as_dict() for p in history.trend("t")]))
    assert outcomes[0] == outcomes[1]
    nights = outcomes[1][0]
    assert nights[1][0] == [
        ("14155550101", "tendlc-unregistered", DAY1.isoformat(timespec="seconds"), 7, False)
    ]
    assert nights[1][2] == [("14155550102", "tendlc-pending", DAY1.isoformat(timespec="seconds"))]


def test_html_embeds_every_finding_up_to_its_limit_then_a_sample_per_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = [
        us_local(number=f"1415555{i:04d}", tendlc_registration_status="UNREGISTERED") for i in range(12)
    ]
    doc = audit_result(tmp_path, numbers).document()
    whole = json.loads(render_html(doc).split('type="application/json">')[1].split("</script>")[0])
    assert len(whole["rows"]) == len(doc["findings"])
    assert whole["omitted"] == {}
    monkeypatch.setattr(html_report, "INLINE", 5)
    monkeypatch.setattr(html_report, "PER_RULE", 3)
    page = render_html(doc)
    sample = json.loads(page.split('type="application/json">')[1].split("</script>")[0])
    per_rule: dict[str, int] = {}
    for listed in doc["findings"]:
        per_rule[listed["rule"]] = per_rule.get(listed["rule"], 0) + 1
    assert len(sample["rows"]) == sum(min(n, 3) for n in per_rule.values())
    assert sample["omitted"] == {rule: n - 3 for rule, n in per_rule.items() if n > 3}
    assert sample["total"] == len(doc["findings"])
    assert f"of {len(doc['findings'])} findings are in this page" in page


def test_a_verdict_keeps_a_sample_and_counts_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = [
        us_local(number=f"1415555{i:04d}", tendlc_registration_status="UNREGISTERED") for i in range(6)
    ]
    doc = audit_result(tmp_path, numbers).document()
    monkeypatch.setattr(verdict, "KEPT", 2)
    [pending] = [v for v in verdict.rule_verdicts(doc) if v.rule_id == "tendlc-unregistered"]
    assert len(pending.failing) == 6
    assert len(list(pending.failing)) == 2
    assert pending.outcome is verdict.Outcome.FAILED


def test_a_killed_process_leaves_no_scratch_files_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stores' directory is named after the process; a new process removes those of dead ones."""
    import subprocess
    import sys

    from audits import spool

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(spool.tempfile, "tempdir", None)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from audits.spool import RecordStore; s = RecordStore(); "
            "print(s.path, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert child.stdout is not None
    path = Path(child.stdout.readline().strip())
    child.kill()
    child.wait()
    assert path.exists()  # killed: nothing ran to remove it
    monkeypatch.setattr(spool, "_process_dir", None)
    store = RecordStore()
    assert not path.parent.exists()
    assert Path(store.path).parent.parent == tmp_path


def test_a_lone_surrogate_is_stored_not_a_crash(tmp_path: Path) -> None:
    # A hostile server's JSON can carry "\udfff"; SQLite only holds valid UTF-8.
    odd = "1415555\udfff"
    store = RecordStore([us_local(number=odd, region="x\udfffy")], directory=tmp_path)
    [stored] = list(store)
    assert stored == "1415555\\udfff"
    assert stored in store
    assert odd in store
    assert store[odd].region == "x\udfffy"
    listed = store.listing()
    assert listed.add_page([odd, odd]) == 1
    assert odd in listed


def test_audited_numbers_are_the_readable_in_scope_numbers_ascending_whatever_the_read_order() -> None:
    from audits.inventory import CrawlStats, Inventory
    from audits.output import Output
    from audits.policy import Scope
    from audits.run import AuditedNumbers

    read = [
        us_local(number="14155550103"),
        us_local(number="14155550101", sub_account="SA1"),
        record(number="14155550104", sms_enabled="yes"),  # unreadable: judged by no rule
        record(number="18005550100", number_type="tollfree"),
        us_local(number="14155550102"),
    ]
    store = RecordStore()
    for one in read:  # page by page, as a crawl reads them
        store.put([one])
    as_dict = {r.number: r for r in read}
    for records in (store, as_dict):
        inventory = Inventory(records, len(read), [], CrawlStats())
        everything = AuditedNumbers(inventory, Policy(), Output())
        assert list(everything) == ["14155550101", "14155550102", "14155550103", "18005550100"]
        assert list(everything) == list(everything)  # re-iterable
        local = AuditedNumbers(inventory, Policy(scope=Scope(number_types=frozenset({"local"}))), Output())
        assert list(local) == ["14155550101", "14155550102", "14155550103"]
        no_sa1 = Policy(scope=Scope(exclude_subaccounts=frozenset({"SA1"})))
        outside_sa1 = AuditedNumbers(inventory, no_sa1, Output())
        assert list(outside_sa1) == ["14155550102", "14155550103", "18005550100"]
    assert store.unreadable() == 1


def test_a_store_collected_on_another_thread_still_removes_its_file() -> None:
    # sqlite3 refuses to close a connection from another thread; the finalizer must not
    # raise there (an "Exception ignored" on stderr) and must still unlink the scratch file.
    import gc
    import threading

    made: dict[str, RecordStore] = {}
    thread = threading.Thread(target=lambda: made.setdefault("store", RecordStore()))
    thread.start()
    thread.join()
    path = Path(made["store"].path)
    assert path.exists()
    del made["store"]
    gc.collect()
    assert not path.exists()
