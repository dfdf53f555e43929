"""Complete only when proven whole: the crawler's evidence checks, bounds and data checks, one at a time.

The hostile catalogue (emulator.hostile) supplies the misbehaving servers; these tests
look inside the Inventory where tests/hostile only sees the CLI's outputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from audits.inventory import CrawlSettings, Inventory, _retry_after, crawl, documented_types
from audits.model import NumberRecord
from audits.policy import Policy
from audits.rules import rule_class
from audits.run import EXIT_INCOMPLETE, run_audit
from audits.subject import Subject
from audits.target import AuditTarget
from emulator.hostile import CONTROL, serve_hostile
from tests.audits.numbers import record, us_local

ROOT = Path(__file__).parents[2]
AUTH_ID = "MACOMPLETENESS0TEST0"
TOKEN = "Completeness-Token-9876543210-QwErTy"


def crawl_hostile(name: str, numbers: int = 60, **options: Any) -> Inventory:
    with serve_hostile(name, auth_id=AUTH_ID, auth_token=TOKEN, numbers=numbers) as base_url:
        settings = CrawlSettings(
            base_url=base_url, auth_id=AUTH_ID, auth_token=TOKEN, rate=None, backoff_base=0.01, **options
        )
        return asyncio.run(crawl(settings))


def test_a_total_count_that_is_too_small_is_followed_past_and_never_complete() -> None:
    # 100 numbers, total_count says 66, meta.next keeps pointing on: all 100 are read and audited.
    inventory = crawl_hostile("total_count_too_small", numbers=100)
    assert len(inventory) == 100
    assert not inventory.complete
    assert any("total_count says 66" in p and "(100 distinct in all" in p for p in inventory.problems)


def test_a_runaway_count_stops_at_the_first_empty_page_even_when_believed() -> None:
    inventory = crawl_hostile("total_count_runaway_1e7", max_numbers=10**8, concurrency=4)
    assert not inventory.complete
    assert len(inventory) == 60
    assert any("came back empty although total_count is 10000000" in p for p in inventory.problems)
    # Pages past the real end are never requested by the hundred thousand: at most one round of
    # workers (and the per-type totals, which the workers ask for first).
    assert inventory.stats.requests <= 3 + 1 + 4 + len(documented_types())


def test_an_absurd_count_sizes_nothing() -> None:
    inventory = crawl_hostile("total_count_runaway_1e12")
    assert not inventory.complete
    assert inventory.stats.requests == 1
    assert inventory.total_count is None
    assert "total_count is 1000000000000, outside 0 to 1,000,000 (--max-numbers)" in inventory.problems[0]


def test_a_list_that_hides_a_type_is_united_with_a_per_type_crawl() -> None:
    inventory = crawl_hostile("type_defaults_to_local")
    assert inventory.complete, inventory.problems
    assert len(inventory) == inventory.total_count == 60
    assert sum(inventory.stats.type_totals.values()) == 60
    assert any("did not show 6 tollfree number(s)" in n for n in inventory.notes)


def test_the_clean_server_is_complete_with_no_notes() -> None:
    inventory = crawl_hostile(CONTROL)
    assert inventory.complete
    assert inventory.notes == []


def test_unreadable_numbers_make_the_inventory_incomplete_and_skip_the_type_check() -> None:
    inventory = crawl_hostile("only_number")
    assert len(inventory) == 60
    assert not inventory.complete
    assert inventory.stats.type_totals == {}  # nothing to prove on an inventory known incomplete
    assert all(r.problems for r in inventory.records.values())


def test_a_refused_redirect_is_fatal_and_never_followed() -> None:
    with serve_hostile("redirect_other_host", auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        settings = CrawlSettings(base_url=base_url, auth_id=AUTH_ID, auth_token=TOKEN, rate=None)
        inventory = asyncio.run(crawl(settings))
        assert base_url.decoy_requests == []
    assert inventory.stats.requests == 1
    assert "(another host): redirects are not followed" in inventory.problems[0]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("2", 2.0), ("0", 0.0), ("nan", None), ("-5", None), ("inf", None), ("soon", None), ("", None)],
)
def test_retry_after_is_believed_only_when_it_makes_sense(header: str, seconds: float | None) -> None:
    response = httpx.Response(429, headers={"retry-after": header} if header else {})
    assert _retry_after(response) == seconds


def test_retry_after_as_an_http_date() -> None:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    response = httpx.Response(429, headers={"retry-after": when.strftime("%a, %d %b %Y %H:%M:%S GMT")})
    seconds = _retry_after(response)
    assert seconds is not None
    assert 20 < seconds <= 31


# ------------------------------------------------------------------ reading one object


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"region": 12345}, "region is an integer, not a string"),
        ({"sub_account": ["SA1"]}, "sub_account is a list, not a string or null"),
        ({"sms_enabled": "true"}, "sms_enabled is a string, not a boolean"),
        ({"voice_enabled": 1}, "voice_enabled is an integer, not a boolean"),
        ({"number_type": None}, "number_type is null, not a string"),
        ({"tendlc_registration_status": {"value": "COMPLETED"}}, "tendlc_registration_status is an object"),
        ({"mms_enabled": 0}, "mms_enabled is an integer, not a boolean or null"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_problem_not_a_crash(overrides: dict[str, Any], problem: str) -> None:
    number = us_local(**overrides)
    assert any(p.startswith(problem) for p in number.problems), number.problems
    [finding] = rule_class("data-missing-field")().check(Subject(number))
    assert problem in finding.message
    assert finding.severity.label == "high"


def test_an_object_with_only_its_number_names_every_missing_field() -> None:
    number = NumberRecord.from_api({"number": "14155550100"})
    assert number.problems == (
        "number_type missing",
        "region missing",
        "sms_enabled missing",
        "voice_enabled missing",
        "sub_account missing",
    )
    [finding] = rule_class("data-missing-field")().check(Subject(number))
    assert finding.details["fields"] == [
        "number_type",
        "region",
        "sms_enabled",
        "voice_enabled",
        "sub_account",
    ]


def test_absent_optional_fields_are_readable_as_the_spec_allows() -> None:
    obj = {
        "number": "14155550100",
        "number_type": "local",
        "region": "California, UNITED STATES",
        "sms_enabled": True,
        "voice_enabled": True,
        "sub_account": None,
    }
    assert NumberRecord.from_api(obj).problems == ()
    assert record().problems == ()


# ------------------------------------------------------------------ history and the CLI


def target_for(base_url: str) -> AuditTarget:
    return AuditTarget("hostile", base_url, AUTH_ID, TOKEN, "hostile|same-account")


def test_numbers_that_could_not_be_read_prove_nothing_in_history(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite"
    with serve_hostile(CONTROL, auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        first = run_audit(target_for(base_url), Policy(), history, {"rate": None})
    assert first.complete
    open_before = len(first.evaluation.findings)
    with serve_hostile("only_number", auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        second = run_audit(target_for(base_url), Policy(), history, {"rate": None})
    assert second.exit_code == EXIT_INCOMPLETE
    assert second.delta.resolved == []  # every number was read, none could be judged
    with contextlib.closing(sqlite3.connect(history)) as db:
        [(count,)] = db.execute("SELECT COUNT(*) FROM open_findings WHERE rule != 'data-missing-field'")
    assert count == open_before


def test_the_crawl_deadline_ends_a_drip_that_retries_would_prolong(tmp_path: Path) -> None:
    env = {**os.environ, "PLIVO_AUTH_ID": AUTH_ID, "PLIVO_AUTH_TOKEN": TOKEN}
    with serve_hostile("slow_drip_body", auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        done = subprocess.run(
            [sys.executable, "-m", "audits", "--base-url", base_url, "--out", str(tmp_path),
             "--timeout", "5", "--attempts", "50", "--deadline", "4", "--no-progress"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=90, check=False,
        )  # fmt: skip
    assert done.returncode == EXIT_INCOMPLETE, done.stderr
    doc = json.loads((tmp_path / "audit.json").read_text())
    assert any("the crawl's deadline of 4 s (--deadline) passed" in r for r in doc["incomplete_reasons"])
    assert "INCOMPLETE: the crawl's deadline of 4 s" in done.stdout


def test_a_drip_is_cut_at_the_request_deadline_not_per_read(tmp_path: Path) -> None:
    # The case: one byte every 2 s with --timeout 5 ran for 150 s and more.
    env = {**os.environ, "PLIVO_AUTH_ID": AUTH_ID, "PLIVO_AUTH_TOKEN": TOKEN}
    with serve_hostile("slow_drip_body", auth_id=AUTH_ID, auth_token=TOKEN) as base_url:
        done = subprocess.run(
            [sys.executable, "-m", "audits", "--base-url", base_url, "--out", str(tmp_path),
             "--timeout", "5", "--attempts", "2", "--no-progress"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=90, check=False,
        )  # fmt: skip
    assert done.returncode == EXIT_INCOMPLETE
    assert "no complete answer within 5 s (--timeout: the whole exchange, body included)" in done.stdout


def test_an_unexpected_error_still_writes_incomplete_reports_without_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import audits.cli

    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(f"bug while quoting {TOKEN.lower()}")

    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", TOKEN)
    monkeypatch.setattr(audits.cli, "run_audit", explode)
    code = audits.cli.main(["--base-url", "http://127.0.0.1:9", "--out", str(tmp_path), "--no-progress"])
    printed = capsys.readouterr()
    assert code == EXIT_INCOMPLETE
    doc = json.loads((tmp_path / "audit.json").read_text())
    assert doc["status"] == "INCOMPLETE"
    assert doc["incomplete_reasons"] == [
        "the audit stopped on an unexpected error (RuntimeError: bug while quoting ***)"
    ]
    assert 'id="status">INCOMPLETE<' in (tmp_path / "audit.html").read_text()
    assert "INCOMPLETE" in (tmp_path / "audit.csv").read_text()
    assert "inventory INCOMPLETE" in (tmp_path / "audit.xml").read_text()
    everything = printed.out + printed.err + "".join(p.read_text() for p in tmp_path.iterdir())
    assert TOKEN.lower() not in everything.lower()
    assert printed.out.startswith("audit INCOMPLETE")
