"""``pytest contracts`` against every hostile target: it ends, never passes a broken one, never leaks.

Each :data:`emulator.hostile.CATALOGUE` entry is served on loopback and the contract suite
runs against it in a subprocess (``--base-url``, ``-x``, a 3 s request deadline), on a
reduced selection that can see what the entry breaks (:data:`SELECTIONS`). For every entry:

* the run ends (the subprocess timeout only catches a hang);
* its exit status is one :data:`EXPECTED` allows: 4 with one clear line where the target
  cannot be tested at all, 1 where it breaks the contract, 0 only where the hostility is
  outside the contract (rate limiting that a retry outwaits, credentials in headers);
* both reports are written, and a run that is not 0 never claims the contract was met;
* no spelling of the token (:func:`openapi.redaction.forms`, any case) is in stdout,
  stderr, contracts.html or contracts.xml.

Every catalogue entry needs a row in :data:`EXPECTED` (a test checks): a new hostile
behaviour gets a considered expectation, not a default.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from emulator.hostile import CATALOGUE, serve_hostile
from openapi.redaction import forms

ROOT = Path(__file__).resolve().parents[2]
AUTH_ID = "MAHOSTILECONTRACTS01"
TOKEN = "Hostile-Contracts-Token-7f3a9c"
# Generous: a run that ends is done in seconds; only a hang reaches this.
RUN_TIMEOUT_S = 240

pytestmark = pytest.mark.slow

SELECTIONS: dict[str, tuple[str, ...]] = {
    # Crawls and walks the list: metadata, links, duplicates, errors mid-crawl.
    "pagination": (
        "contracts/test_pagination.py",
        "-k",
        "meta_fields or offset_past or pages_are_disjoint or next_and_previous",
    ),
    # schemathesis' conformance of list answers: types, enums, missing fields.
    "schema": ("contracts/test_conformance.py", "-k", "test_list_numbers"),
    # A few requests only: for targets that cost a second per request, or that the probe refuses.
    "light": ("contracts/test_pagination.py", "-k", "meta_fields"),
    # Every filter against the crawl, the type default among them.
    "filters": ("contracts/test_filters.py",),
}


@dataclass(frozen=True)
class Expect:
    """What the contract suite must do against one hostile entry, and why."""

    statuses: frozenset[int]
    selection: str
    why: str
    strict: bool = False
    says: str = ""
    """Text the run's stdout or stderr must hold (the diagnosis, the deviation named)."""


def untestable(says: str, why: str) -> Expect:
    """The probe refuses the target: exit 4 and one line naming the problem."""
    return Expect(frozenset({4}), "light", why, says=says)


def broken(selection: str, why: str, *, strict: bool = False, says: str = "") -> Expect:
    """The target breaks the contract: exit 1 (a failure) and never a claim that it met it."""
    return Expect(frozenset({1}), selection, why, strict=strict, says=says)


def outside(selection: str, why: str, says: str = "") -> Expect:
    """Hostile, but within the contract: the run may pass; it must still leak nothing."""
    return Expect(frozenset({0}), selection, why, says=says)


NO_ANSWER = "no complete answer"
BROKE = "the connection broke"

EXPECTED: dict[str, Expect] = {
    # lying metadata
    "total_count_too_small": broken("pagination", "total_count disagrees with the pages"),
    "total_count_too_big": broken("pagination", "total_count disagrees with the pages"),
    "total_count_runaway_1e7": broken("pagination", "total_count disagrees with the pages"),
    "total_count_runaway_1e12": broken("pagination", "total_count disagrees with the pages"),
    "total_count_negative": broken("schema", "total_count below its minimum"),
    "total_count_string": broken("schema", "total_count is not an integer"),
    "total_count_5000_digits": untestable("not usable JSON", "past Python's integer-parsing limit"),
    "total_count_changes": broken("pagination", "total_count moves between reads"),
    "next_loops": broken("pagination", "following next does not read the list"),
    "next_missing": broken("pagination", "next is null before the end"),
    "next_elsewhere": broken("pagination", "next on another host is refused, unsent", says="not the target"),
    # duplicate and shifted pages
    "duplicate_pages": broken("pagination", "pages are not disjoint"),
    "shifted_pages": broken("pagination", "pages are not disjoint"),
    "duplicate_within_page": broken("pagination", "a number appears twice"),
    # slow headers, drips
    "slow_headers": untestable(NO_ANSWER, "the 3 s deadline covers the headers"),
    "no_answer": untestable(NO_ANSWER, "the 3 s deadline ends the wait"),
    "slow_headers_first_try": untestable(NO_ANSWER, "the probe's first try is the slow one"),
    "slow_drip_body": untestable(NO_ANSWER, "the 3 s deadline covers the body"),
    "slow_drip_first_try": untestable(NO_ANSWER, "the probe's first try is the slow one"),
    # connection resets, truncation
    "reset_before_answer": untestable(BROKE, "the probe's connection is reset"),
    "reset_mid_body": untestable(BROKE, "the probe's connection is reset"),
    "reset_first_try": untestable(BROKE, "the probe's first try is reset (the suite does not retry)"),
    "truncated_body": untestable(BROKE, "the probe's answer is cut short"),
    "truncated_first_try": untestable(BROKE, "the probe's first answer is cut short"),
    "content_length_too_long": untestable(BROKE, "the body ends before its Content-Length"),
    "content_length_too_short": untestable("not usable JSON", "half a JSON body"),
    # not JSON
    "html_200": untestable("answered HTML, not the Number API", "a maintenance page"),
    "invalid_json_200": untestable("not usable JSON", "JSON cut off"),
    "json_array_200": untestable("not an object", "a JSON array"),
    "deeply_nested_json": untestable("nested too deeply", "a recursive parser's limit"),
    "html_200_first_try": untestable("answered HTML, not the Number API", "the probe's first try"),
    # wrong types
    "region_int": broken("schema", "region is a string"),
    "sub_account_list": broken("schema", "sub_account is a string or null"),
    "booleans_as_strings": broken("schema", "sms_enabled is a boolean"),
    "status_as_object": broken("schema", "statuses are strings of an enum"),
    "number_int": broken("schema", "number is a string"),
    "objects_not_list": broken("schema", "objects is an array"),
    "meta_not_object": broken("schema", "meta is an object"),
    # missing fields: the page documents every field; the tolerant level requires only number
    "only_number": broken("schema", "documented fields are missing", strict=True),
    "missing_number_type": broken("schema", "number_type is missing", strict=True),
    "missing_region_some": broken("schema", "region is missing", strict=True),
    # unicode and injection: the statuses and number_type carrying them are enums
    "lone_surrogates": broken("schema", "a status outside its enum"),
    "invalid_utf8": untestable("not usable JSON", "bytes that are not UTF-8"),
    "control_characters": broken("schema", "statuses outside their enums"),
    "script_injection": broken("schema", "statuses and number_type outside their enums"),
    "formula_injection": broken("schema", "statuses and number_type outside their enums"),
    # oversized bodies
    "gzip_bomb": untestable("larger than", "the decompressed body passes the 8 MiB cap"),
    "oversized_body": untestable("larger than", "the body passes the 8 MiB cap"),
    "header_flood": untestable(BROKE, "httpx refuses 1 MiB of headers"),
    # redirects: never followed, credentials never sent on
    "redirect_other_host": untestable("is redirected (302)", "the suite follows no redirect"),
    "redirect_loop": untestable("is redirected (307)", "the suite follows no redirect"),
    "redirect_same_host": untestable("is redirected (301)", "the suite follows no redirect"),
    # auth
    "unauthorized_mid_crawl": broken("pagination", "a 401 for the right credentials"),
    "forbidden_mid_crawl": broken("pagination", "a 403 for the right credentials"),
    # rate limiting: Plivo's 429 is part of the contract; the guard waits and retries
    "rate_limited_retry_after": outside("light", "a 429 then the answer: waited out"),
    "rate_limited_no_retry_after": outside("light", "a 429 then the answer: waited out"),
    "rate_limited_absurd_retry_after": outside("light", "the 10**9 s Retry-After is not obeyed; 5 s is"),
    "rate_limited_nan_retry_after": outside("light", "the unparseable Retry-After is ignored"),
    "rate_limited_forever": untestable("429", "the probe reports the 429 at once"),
    # server errors
    "server_error_always": broken("pagination", "a 503 where a list page is due"),
    "server_error_first_try": untestable("with 500", "the probe's first try (the suite does not retry)"),
    # credentials echoed: failures quote them, the redactor masks them
    "echo_authorization_500": broken("pagination", "a 500 quoting the Authorization header"),
    "token_lowercase_in_error": broken("pagination", "a 400 for a valid list request"),
    "token_encoded_in_error": broken("pagination", "a 502 for a valid list request"),
    "token_in_fields": broken("schema", "the token as a status, outside its enum"),
    "token_in_header": outside("pagination", "headers are outside the contract; they must not leak"),
    "token_in_redirect_userinfo": untestable(
        "is redirected (302)", "not followed; the userinfo never printed"
    ),
    "token_in_status": broken("schema", "base64 as a status, outside its enum"),
    # type filter: the sources disagree on type's default; the suite judges where they agree
    "type_defaults_to_local": outside(
        "filters", "plivo-php and plivo-ruby document the default", says="unfiltered-is-everything"
    ),
}


def test_every_catalogue_entry_has_an_expectation() -> None:
    missing = sorted(set(CATALOGUE) - set(EXPECTED))
    assert not missing, f"add an expectation to tests/hostile/test_hostile_contracts.py for {missing}"
    stale = sorted(set(EXPECTED) - set(CATALOGUE))
    assert not stale, f"no such catalogue entries (renamed?): {stale}"
    for name, expect in EXPECTED.items():
        assert expect.selection in SELECTIONS, name
        assert expect.statuses <= {0, 1, 4}, name


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    html: str
    xml: str
    seconds: float

    def outputs(self) -> dict[str, str]:
        return {
            "stdout": self.stdout,
            "stderr": self.stderr,
            "contracts.html": self.html,
            "contracts.xml": self.xml,
        }

    def tail(self) -> str:
        ended = f"(exit {self.returncode} after {self.seconds:.0f} s)"
        return f"{ended}\n{self.stdout[-3000:]}\n{self.stderr[-1500:]}"


def _run(base_url: str, expect: Expect, reports: Path) -> Outcome:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    env.update(PLIVO_AUTH_ID=AUTH_ID, PLIVO_AUTH_TOKEN=TOKEN)
    # pytest caches its assertion-rewritten modules only where bytecode may be written;
    # without the cache each of these runs spends seconds rewriting its plugins again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        *SELECTIONS[expect.selection],
        f"--base-url={base_url}",
        "--request-timeout=3",
        "--max-rate=0",
        "-x",
        f"--reports-dir={reports}",
        "-p",
        "no:randomly",
        *(["--strict"] if expect.strict else []),
    ]
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )

    def read(name: str) -> str:
        path = reports / name
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    return Outcome(
        result.returncode,
        result.stdout,
        result.stderr,
        read("contracts.html"),
        read("contracts.xml"),
        time.monotonic() - started,
    )


def _leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [s for s in forms(TOKEN, AUTH_ID) if s.lower() in lowered]


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_the_contract_suite_against_a_hostile_target(name: str, tmp_path: Path) -> None:
    expect = EXPECTED.get(name)
    if expect is None:
        pytest.fail(f"no expectation for {name}: see test_every_catalogue_entry_has_an_expectation")
    with serve_hostile(name, auth_id=AUTH_ID, auth_token=TOKEN) as url:
        outcome = _run(str(url), expect, tmp_path)

    for where, text in outcome.outputs().items():
        assert not _leaks(text), f"{where} holds {_leaks(text)} {outcome.tail()}"
    assert outcome.returncode in expect.statuses, (
        f"expected {sorted(expect.statuses)}: {expect.why} {outcome.tail()}"
    )
    assert outcome.html, f"contracts.html was not written {outcome.tail()}"
    ET.fromstring(outcome.xml)  # noqa: S314 - our own report: written and well-formed
    said = outcome.stdout + outcome.stderr
    if expect.says:
        assert expect.says in said, f"the run should say {expect.says!r} {outcome.tail()}"
    if outcome.returncode == 4:
        lines = [line for line in said.splitlines() if line.strip()]
        assert len(lines) <= 3, f"one clear line, not {len(lines)} {outcome.tail()}"
        assert lines[0].startswith("ERROR: cannot test http://127.0.0.1:"), outcome.tail()
        assert "Traceback" not in said
        assert 'errors="1"' in outcome.xml, "the report says the run could not start"
    if outcome.returncode != 0:
        assert "met the documented contract" not in said, outcome.tail()
        assert "met the contract" not in outcome.html, "the HTML report must not claim a pass"
