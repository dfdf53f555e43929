"""reports/sdk.html: per SDK and method, what was sent, verdicts, findings, and differences."""

from __future__ import annotations

import html
import re
from pathlib import Path

from sdkcheck.findings import KnownFinding, ObservedFinding
from sdkcheck.recording import AuthSeen, RecordedRequest
from sdkcheck.report import render, write_report
from sdkcheck.sdkrun import SdkRun

AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
NUMBER_SIG = "request updateNumber body.number undeclared-field advisory @documented+tolerant"


def update_request(body: bytes) -> RecordedRequest:
    return RecordedRequest(
        "POST",
        f"/v1/Account/{AUTH_ID}/Number/14155550100/",
        headers=(("content-type", "application/json"), ("authorization", "REDACTED")),
        body=body,
        auth=AuthSeen("Basic", AUTH_ID, True),
        status=202,
        response_body=b'{"message": "changed", "api_id": "x"}',
    )


def a_run(known: list[KnownFinding]) -> SdkRun:
    run = SdkRun(known)
    run.versions["python"] = "4.63.0"
    run.record(
        "python",
        "numbers.update",
        "numbers.update('14155550100', alias='<script>alert(1)</script>')",
        [update_request(b'{"number": "14155550100", "alias": "<script>alert(1)</script>"}')],
        outcome="ResponseObject message='changed'",
    )
    run.skipped["node"] = (
        "Node.js (node) is not on PATH: install Node.js with npm, then run `make node-tools`"
    )
    return run


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_a_clean_run_lists_calls_per_sdk_and_method() -> None:
    run = a_run(
        [KnownFinding("PY-1", "python", "numbers.update", NUMBER_SIG, "sends number", "to_param_dict")]
    )
    run.complete = {"python"}
    run.reconcile()
    page = render(run)
    text = text_of(page)
    assert "Observed findings match the reviewed list" in text
    assert "numbers.update (1 calls)" in text
    assert f"POST /v1/Account/{AUTH_ID}/Number/14155550100/" in text
    assert "-> 202" in text
    assert "&amp;" not in page, "escaped once, not twice"
    assert "conforms" in text
    assert "PY-1" in text
    assert "observed (1x)" in text
    assert "Skipped: Node.js (node) is not on PATH" in text
    assert "DIFFERENCE" not in text


def test_differences_come_first_and_say_difference() -> None:
    gone = KnownFinding("PY-GONE", "python", "numbers.list", "behaviour old", "used to", "before")
    run = a_run([gone])
    run.complete = {"python"}
    run.reconcile()
    page = render(run)
    differences = page.index("Differences from the reviewed findings")
    assert differences < page.index("Reviewed SDK-vs-contract findings")
    text = text_of(page[differences:])
    assert "NEW (not in the reviewed list)" in text
    assert NUMBER_SIG in text
    assert "GONE (PY-GONE no longer observed)" in text
    assert "DIFFERENCE: no longer observed" in text_of(page)


def test_the_report_is_self_contained_and_escapes_what_was_sent(tmp_path: Path) -> None:
    path = write_report(a_run([]), tmp_path / "deep" / "sdk.html")
    page = path.read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert page.startswith("<!DOCTYPE html>")


def test_behaviour_findings_are_shown_under_their_sdk() -> None:
    run = a_run([])
    run.observe(
        ObservedFinding("python", "numbers.list", "behaviour services-comma-string-refused", "refused")
    )
    text = text_of(render(run))
    assert "Behaviour and surface observations" in text
    assert "NEW behaviour services-comma-string-refused" in text


HOSTILE = '<script>alert(1)</script> "onmouseover=alert(2) {{ 7*7 }}'


def test_a_hostile_string_in_any_field_comes_out_escaped() -> None:
    known = KnownFinding(HOSTILE, "python", HOSTILE, HOSTILE, HOSTILE, HOSTILE)
    run = SdkRun([known])
    run.versions["python"] = HOSTILE
    run.record(
        "python",
        HOSTILE,
        HOSTILE,
        [update_request(HOSTILE.encode())],
        outcome=HOSTILE,
    )
    run.observe(ObservedFinding("python", HOSTILE, "behaviour " + HOSTILE, HOSTILE))
    run.skipped["node"] = HOSTILE
    run.complete = {"python"}
    run.reconcile()
    page = render(run)
    assert "<script" not in page
    assert '"onmouseover' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;onmouseover=alert(2) {{ 7*7 }}" in page
