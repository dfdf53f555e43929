"""The four report files written from one audit document."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from audits.policy import Policy, Threshold
from audits.report import REPORT_FILES, write_all
from audits.report.html_report import render_html
from audits.rules import rule_ids
from audits.run import EXIT_INCOMPLETE, EXIT_OK, EXIT_THRESHOLD
from audits.spool import FindingRows
from tests.audits.numbers import us_local, us_tollfree
from tests.audits.reporting import TOKEN, audit_result, document

NUMBERS = [
    us_local(number="14155550101", tendlc_registration_status="UNREGISTERED"),
    us_local(
        number="14155550102", tendlc_registration_status="PROCESSING", sub_account="SA1234567890ABCDEFGH"
    ),
    us_local(number="14155550103", tendlc_registration_status="REGISTERED"),
    us_tollfree(number="18005550101", toll_free_sms_verification="pending_verification"),
    us_local(number="14155550104"),
]


def test_json_holds_the_issue_fields(tmp_path: Path) -> None:
    paths = write_all(document(tmp_path, NUMBERS), tmp_path / "out")
    assert sorted(p.name for p in paths.values()) == sorted(REPORT_FILES)
    doc = json.loads(paths["audit.json"].read_text())
    assert doc["complete"] is True
    assert doc["numbers_audited"] == 5
    assert {"number", "rule", "severity", "subaccount", "first_seen"} <= set(doc["findings"][0])
    assert {(f["number"], f["rule"]) for f in doc["findings"]} == {
        ("14155550101", "tendlc-unregistered"),
        ("14155550102", "tendlc-pending"),
        ("14155550103", "data-unexpected-value"),
        ("18005550101", "tollfree-pending"),
        ("18005550101", "data-unexpected-value"),
    }
    run = doc["run"]
    assert run["target"]["base_url"] == "http://127.0.0.1:9"
    assert run["started_at"] == "2026-11-27T02:00:00+00:00"
    assert [r["id"] for r in run["rules"]] == rule_ids()
    assert run["policy"]["threshold"] == {"fail_on": "critical", "max_findings": 0}
    assert doc["summary"]["by_subaccount"]["SA1234567890ABCDEFGH"] == {"medium": 1}
    assert doc["status"] == "FAILED"
    assert doc["exit_code"] == EXIT_THRESHOLD


def test_exit_codes(tmp_path: Path) -> None:
    assert audit_result(tmp_path / "a", NUMBERS).exit_code == EXIT_THRESHOLD
    relaxed = Policy(threshold=Threshold(None))
    assert audit_result(tmp_path / "b", NUMBERS, policy=relaxed).exit_code == EXIT_OK
    incomplete = audit_result(tmp_path / "c", NUMBERS, policy=relaxed, problems=["page at offset 20 failed"])
    assert incomplete.exit_code == EXIT_INCOMPLETE
    assert incomplete.status == "INCOMPLETE"


def test_csv_has_one_row_per_finding_with_remediation(tmp_path: Path) -> None:
    doc = document(tmp_path, NUMBERS)
    paths = write_all(doc, tmp_path / "out")
    with paths["audit.csv"].open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(doc["findings"]) == 5
    pending = next(r for r in rows if r["rule"] == "tendlc-pending")
    assert pending["subaccount"] == "SA1234567890ABCDEFGH"
    assert "campaign" in pending["remediation"]


def cases(path: Path) -> dict[str, ET.Element]:
    root = ET.parse(path).getroot()  # noqa: S314 - our own report, not untrusted input
    return {c.get("name", ""): c for c in root.iter("testcase")}


def test_junit_has_one_case_per_rule_and_follows_the_threshold(tmp_path: Path) -> None:
    policy = Policy(rules=tuple(r for r in rule_ids() if r != "caller-reputation-failed"))
    paths = write_all(document(tmp_path, NUMBERS, policy=policy), tmp_path / "out")
    root = ET.parse(paths["audit.xml"]).getroot()  # noqa: S314 - our own report, not untrusted input
    rules_suite = root.find("testsuite[@name='plivo-number-audit.rules']")
    assert rules_suite is not None
    assert [c.get("name") for c in rules_suite.iter("testcase")] == rule_ids()
    by_name = cases(paths["audit.xml"])
    # The threshold is critical: only tendlc-unregistered fails; lower findings are listed, not failed.
    failure = by_name["tendlc-unregistered"].find("failure")
    assert failure is not None
    assert "14155550101" in (failure.text or "")
    assert by_name["tendlc-pending"].find("failure") is None
    assert "14155550102" in (by_name["tendlc-pending"].findtext("system-out") or "")
    assert by_name["caller-reputation-failed"].find("skipped") is not None
    assert rules_suite.get("failures") == "1"
    assert rules_suite.get("skipped") == "1"
    assert by_name["complete"].find("error") is None


def test_junit_never_shows_an_incomplete_inventory_as_passing(tmp_path: Path) -> None:
    doc = document(tmp_path, NUMBERS, problems=["page at offset 20 could not be read: HTTP 503"])
    paths = write_all(doc, tmp_path / "out")
    by_name = cases(paths["audit.xml"])
    assert by_name["tendlc-unregistered"].find("failure") is not None
    assert by_name["caller-reputation-failed"].find("error") is not None
    error = by_name["complete"].find("error")
    assert error is not None
    assert "offset 20" in (error.text or "")


def test_html_is_self_contained_and_escapes_data(tmp_path: Path) -> None:
    hostile = us_local(number="14155550105", tendlc_registration_status="</script><script>alert(1)</script>")
    doc = document(tmp_path, [*NUMBERS, hostile])
    paths = write_all(doc, tmp_path / "out")
    page = paths["audit.html"].read_text()
    assert "<script>alert(1)" not in page
    assert page.count("</script>") == 2  # the data block and the code block, nothing injected
    assert not re.search(r"""(src|href)=["']?(https?:)?//(?!www\.plivo|docs\.plivo|support\.plivo)""", page)
    assert '<section id="summary">' in page
    assert 'id="status">FAILED<' in page
    data = page.split('<script id="audit-data" type="application/json">')[1].split("</script>")[0]
    rows = json.loads(data)["rows"]
    assert len(rows) == len(doc["findings"])
    assert any("</script>" in r[8] for r in rows)


def test_html_says_incomplete(tmp_path: Path) -> None:
    doc = document(tmp_path, NUMBERS, problems=["page at offset 20 could not be read"])
    page = write_all(doc, tmp_path / "out")["audit.html"].read_text()
    assert 'id="status">INCOMPLETE<' in page
    assert "INCOMPLETE inventory" in page
    assert "page at offset 20 could not be read" in page


def test_no_report_carries_the_token(tmp_path: Path) -> None:
    paths = write_all(document(tmp_path, NUMBERS), tmp_path / "out")
    for path in paths.values():
        assert TOKEN not in path.read_text(), path.name
    assert TOKEN.encode() not in (tmp_path / "history.sqlite").read_bytes()


def test_streamed_json_is_valid_for_any_shape(tmp_path: Path) -> None:
    from audits.report.json_report import write_json

    path = tmp_path / "a.json"
    docs: list[dict[str, Any]] = [
        {"findings": []},
        {"a": 1, "findings": []},
        {"a": {"b": [1, 2]}, "findings": [{"x": 1}, {"y": "</script>"}]},
    ]
    for doc in docs:
        write_json(doc, path)
        assert json.loads(path.read_text()) == doc


def test_csv_cells_never_start_a_formula(tmp_path: Path) -> None:
    hostile = us_local(
        number="14155550106", sub_account="=SUM(A1:A9)", tendlc_registration_status="PROCESSING"
    )
    paths = write_all(document(tmp_path, [hostile]), tmp_path / "out")
    with paths["audit.csv"].open(newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["rule"] == "tendlc-pending"
    assert row["subaccount"] == "'=SUM(A1:A9)"
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@")), value


def test_csv_neutralises_formulas_behind_spaces_and_says_incomplete_first(tmp_path: Path) -> None:
    hostile = us_local(
        number="14155550107",
        sub_account='  =HYPERLINK("http://evil")',
        tendlc_registration_status="PROCESSING",
    )
    doc = document(tmp_path, [hostile], problems=["page at offset 20 could not be read: HTTP 503"])
    paths = write_all(doc, tmp_path / "out")
    with paths["audit.csv"].open(newline="") as handle:
        first, finding = list(csv.DictReader(handle))
    assert first["rule"] == "INCOMPLETE"
    assert "page at offset 20 could not be read" in first["message"]
    assert finding["subaccount"] == '\'  =HYPERLINK("http://evil")'


def test_reports_list_the_crawl_notes(tmp_path: Path) -> None:
    result = audit_result(tmp_path, NUMBERS)
    result.notes.append("the server asked to wait 1e+09 s before retrying (Retry-After); waits are capped")
    paths = write_all(result.document(), tmp_path / "out")
    assert "waits are capped" in paths["audit.html"].read_text()
    assert "note: the server asked to wait" in paths["audit.xml"].read_text()
    assert json.loads(paths["audit.json"].read_text())["notes"][0].startswith("the server asked")


HOSTILE = '<script>alert(1)</script> "onmouseover=alert(2) {{ 7*7 }}'


def _hostile(value: Any, key: str = "") -> Any:
    """Every string in an audit document replaced by HOSTILE (rule ids stay: they join the tables)."""
    if isinstance(value, dict):
        return {(HOSTILE + k if key == "by_subaccount" else k): _hostile(v, k) for k, v in value.items()}
    if isinstance(value, list | FindingRows):
        return [_hostile(v, key) for v in value]
    if isinstance(value, str) and key not in ("id", "rule", "severity", "default_severity", "status"):
        return HOSTILE
    return value


def test_a_hostile_string_in_any_field_comes_out_escaped(tmp_path: Path) -> None:
    result = audit_result(tmp_path, NUMBERS, problems=["page at offset 20 could not be read"])
    result.notes.append("a note")
    doc = _hostile(result.document())
    doc["resolved"] = [dict(doc["findings"][0], first_seen=HOSTILE)]
    page = render_html(doc)  # the HTML alone: the other reports parse some of these fields
    assert page.count("<script") == 2  # the data block and the code block, nothing injected
    assert page.count("</script>") == 2
    outside_scripts = page.split('<script id="audit-data"')[0]
    assert '"onmouseover' not in outside_scripts  # in the JSON data it is \"onmouseover: a string
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;onmouseover=alert(2) {{ 7*7 }}" in outside_scripts
    assert 'href="&lt;script&gt;' in outside_scripts  # the rule's doc link, escaped in an attribute
    data = page.split('<script id="audit-data" type="application/json">')[1].split("</script>")[0]
    assert json.loads(data)["rows"][0][8] == HOSTILE  # the script gets the text back exactly


def test_write_all_writes_what_each_writer_writes_alone(tmp_path: Path) -> None:
    """write_all reads the findings once for all four reports: the same files as four passes."""
    from audits.report.csv_report import write_csv
    from audits.report.json_report import write_json
    from audits.report.junit_report import write_junit

    failed = [us_local(number=f"1415555{i:04d}", tendlc_registration_status="FAILED") for i in range(9)]
    numbers = [*NUMBERS, *failed]
    complete = document(tmp_path / "a", numbers)
    incomplete = document(tmp_path / "b", numbers, problems=["page at offset 20 failed"])
    multi = {**complete, "accounts": [], "findings": [{**f, "account": "acme"} for f in complete["findings"]]}
    empty = {**complete, "findings": []}
    for index, doc in enumerate((complete, incomplete, multi, empty)):
        together = write_all(doc, tmp_path / f"all{index}")
        alone = tmp_path / f"alone{index}"
        alone.mkdir()
        write_json(doc, alone / "audit.json")
        write_csv(doc, alone / "audit.csv")
        write_junit(doc, alone / "audit.xml")
        (alone / "audit.html").write_text(render_html(doc), encoding="utf-8")
        for name, path in together.items():
            assert path.read_bytes() == (alone / name).read_bytes(), (index, name)
        assert json.loads(together["audit.json"].read_text()) == json.loads(
            json.dumps({**doc, "findings": list(doc["findings"])}, default=str)
        )
