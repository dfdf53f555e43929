"""The kill matrix's JUnit reading, verdicts, JSON and HTML reports, and token redaction."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

from contracts.killmatrix.junit import PARAGRAPH_CHARS, parse_junit
from contracts.killmatrix.report import Matrix, write_reports
from contracts.killmatrix.reportlog import OPTION as REPORTLOG_OPTION
from contracts.killmatrix.reportlog import read_log
from contracts.killmatrix.runs import (
    CLEAN,
    VARIANT,
    Accounts,
    RunResult,
    RunSpec,
    _judge,
    first_failure_wall_s,
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "secret-token-123"
JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="2" skipped="1" tests="6" time="9.0">
<testcase classname="contracts.test_conformance" name="test_list_numbers" time="1.5"/>
<testcase classname="contracts.test_pagination" name="test_limit[21]" time="0.25">
  <failure message="assert 200 == 400">limit=21 must be answered 400</failure></testcase>
<testcase classname="contracts.test_pagination" name="test_skip" time="0.1"><skipped message="no"/></testcase>
<testcase classname="contracts.test_filters" name="test_filter[type]" time="2.0">
  <failure message="missing 3">details</failure></testcase>
<testcase classname="contracts.test_auth" name="test_wrong_token" time="0.5">
  <error message="fixture broke">trace</error></testcase>
<testcase classname="contracts.test_unrent" name="test_unrent" time="1.0"/>
</testsuite></testsuites>
"""


def _junit(tmp_path: Path, text: str = JUNIT) -> Path:
    path = tmp_path / "junit.xml"
    path.write_text(text)
    return path


def test_junit_failures_in_execution_order_with_time_to_first(tmp_path: Path) -> None:
    summary = parse_junit(_junit(tmp_path))
    assert (summary.tests, summary.failures, summary.errors, summary.skipped) == (6, 2, 1, 1)
    assert summary.failed == [
        "contracts/test_pagination.py::test_limit[21]",
        "contracts/test_filters.py::test_filter[type]",
        "contracts/test_auth.py::test_wrong_token",
    ]
    assert summary.first_failure == "contracts/test_pagination.py::test_limit[21]"
    assert summary.first_failure_s == pytest.approx(1.75)
    assert summary.first_message == "assert 200 == 400"
    assert summary.messages == {
        "contracts/test_pagination.py::test_limit[21]": "assert 200 == 400",
        "contracts/test_filters.py::test_filter[type]": "missing 3",
        "contracts/test_auth.py::test_wrong_token": "fixture broke",
    }
    assert summary.red


def test_junit_message_is_the_first_paragraph(tmp_path: Path) -> None:
    long = "first line\nsecond line\n\nthe traceback, which is not wanted\n" + "x" * 5000
    # pytest writes newlines in the message attribute as character references.
    text = (
        '<testsuite><testcase classname="contracts.test_x" name="t">'
        f"<failure message={quoteattr(long, {chr(10): '&#10;'})}>trace</failure></testcase></testsuite>"
    )
    summary = parse_junit(_junit(tmp_path, text))
    assert summary.messages == {"contracts/test_x.py::t": "first line\nsecond line"}
    endless = parse_junit(_junit(tmp_path, text.replace("&#10;&#10;the", "&#10;the")))
    message = endless.messages["contracts/test_x.py::t"]
    assert len(message) == PARAGRAPH_CHARS
    assert message.endswith("...")


def test_junit_missing_or_green(tmp_path: Path) -> None:
    assert parse_junit(tmp_path / "absent.xml").tests == 0
    green = parse_junit(
        _junit(tmp_path, '<testsuites><testsuite><testcase name="t" time="1"/></testsuite></testsuites>')
    )
    assert (green.tests, green.red, green.first_failure) == (1, False, None)


GREEN = '<testsuite><testcase name="t"/></testsuite>'


@pytest.mark.parametrize(
    ("defect", "kind", "returncode", "junit_text", "verdict"),
    [
        ("services_any_of", "defect", 1, JUNIT, "killed"),
        ("services_any_of", "defect", 0, GREEN, "survived"),
        ("services_any_of", "defect", 4, "", "broken"),
        ("services_any_of", "defect", 0, "", "broken"),  # exit 0 without any test ran proves nothing
        (CLEAN, "clean", 0, GREEN, "green"),
        (CLEAN, "clean", 1, JUNIT, "red"),
        # A variant is a correct API: green passes it, red is a false alarm.
        ("order_descending", VARIANT, 0, GREEN, "passed"),
        ("order_descending", VARIANT, 1, JUNIT, "false_alarm"),
        ("order_descending", VARIANT, 4, "", "broken"),
        ("order_descending", VARIANT, 0, "", "broken"),
    ],
)
def test_verdicts(
    tmp_path: Path, defect: str, kind: str, returncode: int, junit_text: str, verdict: str
) -> None:
    result = RunResult(defect=defect, verdict="broken", kind=kind, returncode=returncode)  # type: ignore[arg-type]
    _judge(result, parse_junit(_junit(tmp_path, junit_text)), [TOKEN])
    assert result.verdict == verdict


def test_a_timed_out_run_is_broken_not_killed(tmp_path: Path) -> None:
    result = RunResult(defect="x", verdict="broken", returncode=-15, problem="did not finish within 600 s")
    _judge(result, parse_junit(_junit(tmp_path)), [TOKEN])
    assert result.verdict == "broken"


def _run(defect: str, verdict: str, **extra: object) -> RunResult:
    red = verdict in ("killed", "false_alarm")
    return RunResult(
        defect=defect,
        verdict=verdict,
        family="pagination",
        description=f"{defect} <does> things",
        failures=1 if red or verdict == "red" else 0,
        failed_tests=["contracts/test_pagination.py::test_limit[21]"] if red else [],
        first_failure_test_s=1.5 if red else None,
        emulator_command="python -m emulator.defects --auth-token ***",
        **extra,  # type: ignore[arg-type]
    )


def _variant(name: str, verdict: str) -> RunResult:
    run = _run(name, verdict, kind=VARIANT, allowed_by="docs <silent>")
    run.family = "list filters"
    if verdict == "false_alarm":
        run.failure_messages = {"contracts/test_pagination.py::test_limit[21]": "assert 200 == 400"}
    return run


def _matrix(clean: str = "green", variants: list[RunResult] | None = None) -> Matrix:
    return Matrix(
        clean=_run(CLEAN, clean),
        defects=[
            _run("offset_ignored", "killed"),
            _run("limit_ignored", "killed"),
            _run("next_drops_filters", "survived"),
        ],
        seed=7,
        hypothesis_seed=7,
        profile="ci",
        jobs=2,
        total_runtime_s=123.4,
        unrent=["14155550100"],
        variants=variants or [],
    )


def test_matrix_json_and_html(tmp_path: Path) -> None:
    json_path, html_path = write_reports(_matrix(), tmp_path)
    data = json.loads(json_path.read_text())
    assert data["kill_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert (data["killed"], data["total"], data["void"]) == (2, 3, False)
    assert data["survived"] == ["next_drops_filters"]
    assert data["families"] == {"pagination": {"killed": 2, "total": 3}}
    assert data["defects"][0]["failed_tests"] == ["contracts/test_pagination.py::test_limit[21]"]
    assert data["total_runtime_s"] == 123.4
    page = html_path.read_text()
    assert page.startswith("<!DOCTYPE html>")
    for name in ("offset_ignored", "limit_ignored", "next_drops_filters"):
        assert f'id="{name}"' in page
    assert "&lt;does&gt;" in page  # escaped, not markup
    # Self-contained: nothing is loaded from elsewhere.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<link" not in page
    assert "<script" not in page


def test_matrix_without_variants_reports_defects_as_before(tmp_path: Path) -> None:
    matrix = _matrix()
    assert matrix.headline().startswith("kill rate 66.7%: 2 of 3 defects killed, 1 survived, 0 broken runs;")
    assert "specificity" not in matrix.headline()
    data = json.loads(write_reports(matrix, tmp_path)[0].read_text())
    assert (data["variants_total"], data["variants"], data["false_alarms"]) == (0, [], [])
    assert "Specificity" not in (tmp_path / "kill-matrix.html").read_text()


def test_variants_are_reported_beside_the_defects(tmp_path: Path) -> None:
    matrix = _matrix(
        variants=[
            _variant("order_descending", "passed"),
            _variant("services_sms_only", "false_alarm"),
            _variant("head_like_get", "passed"),
            _variant("gzip_when_accepted", "broken"),
        ]
    )
    assert [r.defect for r in matrix.false_alarms] == ["services_sms_only"]
    assert [r.defect for r in matrix.broken_variants] == ["gzip_when_accepted"]
    assert matrix.specificity == pytest.approx(0.5)
    assert matrix.failed
    headline = matrix.headline()
    assert "2 of 3 defects killed" in headline
    assert "specificity 50.0%: 2 of 4 variants passed, 1 false alarms, 1 broken runs" in headline
    json_path, html_path = write_reports(matrix, tmp_path)
    data = json.loads(json_path.read_text())
    assert (data["sensitivity"], data["specificity"]) == (pytest.approx(2 / 3, abs=1e-4), 0.5)
    assert (data["variants_passed"], data["variants_total"]) == (2, 4)
    assert data["false_alarms"] == ["services_sms_only"]
    assert data["broken_variants"] == ["gzip_when_accepted"]
    assert data["variant_families"] == {"list filters": {"passed": 2, "total": 4}}
    # The defects' half is unchanged.
    assert (data["killed"], data["total"], data["survived"]) == (2, 3, ["next_drops_filters"])
    alarm = next(v for v in data["variants"] if v["defect"] == "services_sms_only")
    assert alarm["kind"] == "variant"
    assert alarm["allowed_by"] == "docs <silent>"
    assert alarm["failure_messages"] == {"contracts/test_pagination.py::test_limit[21]": "assert 200 == 400"}
    page = html_path.read_text()
    assert "Sensitivity: defects killed" in page
    assert "Specificity: variants passed" in page
    for name in ("order_descending", "services_sms_only", "head_like_get", "gzip_when_accepted"):
        assert f'id="{name}"' in page
    assert "docs &lt;silent&gt;" in page  # allowed_by, escaped
    assert 'class="false_alarm"' in page
    assert '<p class="void headline fail">' in page


def test_all_variants_passed_and_all_defects_killed_is_ok(tmp_path: Path) -> None:
    matrix = _matrix(variants=[_variant("order_descending", "passed")])
    matrix.defects = [d for d in matrix.defects if d.verdict == "killed"]
    assert not matrix.failed
    assert '<p class="ok headline pass">' in write_reports(matrix, tmp_path)[1].read_text()


def test_a_red_clean_run_voids_the_matrix(tmp_path: Path) -> None:
    matrix = _matrix(clean="red")
    assert matrix.void
    assert matrix.headline().startswith("MATRIX VOID")
    json_path, html_path = write_reports(matrix, tmp_path)
    assert json.loads(json_path.read_text())["void"] is True
    assert "MATRIX VOID" in html_path.read_text()


def test_tokens_never_reach_commands_or_reprs(tmp_path: Path) -> None:
    accounts = Accounts(
        "MAKILLMATRIX0000000A", TOKEN, ("SAX", "sub-secret"), ("MAY", "other-secret"), ("extra-secret",)
    )
    assert TOKEN not in repr(accounts)
    spec = RunSpec(defect="limit_ignored", seed=7, numbers=50, accounts=accounts, unrent=("14155550100",))
    assert TOKEN not in repr(spec)
    # The suite gets credentials through the environment, never the command line.
    assert not any(TOKEN in part for part in spec.pytest_command("http://127.0.0.1:1", tmp_path / "j.xml"))
    assert set(accounts.secrets) >= {TOKEN, "sub-secret", "other-secret", "extra-secret"}
    assert accounts.env()["PLIVO_SUBACCOUNT_AUTH_TOKEN"] == "sub-secret"
    assert accounts.env()["PLIVO_OTHER_AUTH_ID"] == "MAY"
    result = RunResult(defect="x", verdict="broken", returncode=1)
    junit = _junit(tmp_path, JUNIT.replace("assert 200 == 400", f"Authorization: {TOKEN}"))
    _judge(result, parse_junit(junit), accounts.secrets)
    assert TOKEN not in result.first_failure_message


PLUGGED_TESTS = """
import pytest

def test_passes():
    pass

def test_fails():
    assert 1 == 2

@pytest.fixture
def broken():
    raise RuntimeError("setup broke")

def test_errors(broken):
    pass
"""


def test_the_reportlog_plugin_writes_one_json_line_per_report(tmp_path: Path) -> None:
    (tmp_path / "test_plugged.py").write_text(PLUGGED_TESTS)
    log = tmp_path / "log.jsonl"
    started_at = time.time()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-p",
            "contracts.killmatrix.reportlog",
            f"{REPORTLOG_OPTION}={log}",
            "test_plugged.py",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = log.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert records == read_log(log)
    assert records[0]["event"] == "start"
    reports = [(r["nodeid"], r["when"], r["outcome"]) for r in records[1:]]
    assert reports == [
        ("test_plugged.py::test_passes", "setup", "passed"),
        ("test_plugged.py::test_passes", "call", "passed"),
        ("test_plugged.py::test_passes", "teardown", "passed"),
        ("test_plugged.py::test_fails", "setup", "passed"),
        ("test_plugged.py::test_fails", "call", "failed"),
        ("test_plugged.py::test_fails", "teardown", "passed"),
        ("test_plugged.py::test_errors", "setup", "failed"),
        ("test_plugged.py::test_errors", "teardown", "passed"),
    ]
    for record in records:
        assert started_at <= record["time"] <= time.time()
    wall = first_failure_wall_s(records, started_at)
    assert wall is not None
    assert wall >= records[5]["duration"]


def test_first_failure_wall_time_is_the_first_failed_report_of_any_phase() -> None:
    records = [
        {"event": "start", "time": 100.0},
        {"event": "report", "nodeid": "a", "when": "call", "outcome": "passed", "stop": 101.0},
        {"event": "report", "nodeid": "b", "when": "setup", "outcome": "failed", "stop": 102.5},
        {"event": "report", "nodeid": "c", "when": "call", "outcome": "failed", "stop": 103.0},
    ]
    assert first_failure_wall_s(records, 100.0) == 2.5
    assert first_failure_wall_s(records[:2], 100.0) is None
    assert first_failure_wall_s([], 100.0) is None


def test_a_torn_last_line_is_left_out(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text('{"event": "start", "time": 1.0}\n{"event": "rep')
    assert read_log(log) == [{"event": "start", "time": 1.0}]
    assert read_log(tmp_path / "never-written.jsonl") == []


HOSTILE = '<script>alert(1)</script> "onmouseover=alert(2) {{ 7*7 }}'


def test_a_hostile_string_in_any_field_comes_out_escaped(tmp_path: Path) -> None:
    def hostile(run: RunResult) -> RunResult:
        for name, value in vars(run).items():
            if isinstance(value, str) and name not in ("verdict", "kind"):
                setattr(run, name, HOSTILE)
        run.failed_tests = [HOSTILE]
        run.failure_messages = {HOSTILE: HOSTILE}
        return run

    matrix = _matrix(variants=[hostile(_variant("order_descending", "false_alarm"))])
    matrix.clean = hostile(matrix.clean)
    matrix.defects = [hostile(run) for run in matrix.defects]
    matrix.profile, matrix.unrent, matrix.started_at = HOSTILE, [HOSTILE], HOSTILE
    page = write_reports(matrix, tmp_path)[1].read_text()
    assert "<script" not in page
    assert '"onmouseover' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;onmouseover=alert(2) {{ 7*7 }}" in page
    assert 'id="&lt;script&gt;' in page  # in attributes too
