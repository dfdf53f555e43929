"""SDK checks against targets that echo credentials: sdk.html and outputs hold no token.

``pytest sdkcheck`` only ever drives the SDKs against an emulator of ours on loopback
(:func:`sdkcheck.served.served`); it has no ``--base-url``. So what is tested here is the
redaction on its way out: the official Python SDK is pointed at each hostile target that
echoes credentials, what it returns or raises is recorded as the SDK checks record it
(outcome and evidence), and ``sdk.html`` is written and read back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import plivo
import pytest

from contracts import redacting
from emulator.hostile import CATALOGUE, serve_hostile
from openapi.redaction import MASK, forms
from sdkcheck.findings import ObservedFinding
from sdkcheck.pysdk import describe, pointed_at
from sdkcheck.report import write_report
from sdkcheck.sdkrun import SdkRun
from sdkcheck.served import served

AUTH_ID = "MAHOSTILESDKCHECK001"
TOKEN = "Hostile-Sdk-Token-9a8b7c"

ECHOING = sorted(name for name, hostile in CATALOGUE.items() if hostile.family == "credentials echoed")

pytestmark = pytest.mark.slow


def _spellings() -> list[str]:
    return [s.lower() for s in forms(TOKEN, AUTH_ID)]


def _drive(base_url: str) -> list[tuple[str, str, str]]:
    """(method, call, outcome) of a few SDK calls: list pages, a get, a failing get."""
    client = plivo.RestClient(AUTH_ID, TOKEN)
    calls: list[tuple[str, str, Callable[[], Any]]] = [
        ("numbers.list", "numbers.list(limit=5)", lambda: client.numbers.list(limit=5)),
        ("numbers.list", "numbers.list(limit=5, offset=5)", lambda: client.numbers.list(limit=5, offset=5)),
        ("numbers.list", "numbers.list(limit=5, offset=10)", lambda: client.numbers.list(limit=5, offset=10)),
        ("numbers.get", "numbers.get('19999999999')", lambda: client.numbers.get("19999999999")),
    ]
    outcomes = []
    with pointed_at(base_url):
        for method, call, make in calls:
            try:
                outcomes.append((method, call, describe(make())))
            except Exception as error:  # the SDK's own exceptions quote what the server said
                outcomes.append((method, call, describe(error)))
    return outcomes


def test_every_echoing_entry_is_covered() -> None:
    assert len(ECHOING) >= 5, f"expected the credentials-echoed family, found {ECHOING}"


@pytest.mark.parametrize("name", ECHOING)
def test_sdk_report_holds_no_echoed_token(name: str, tmp_path: Path) -> None:
    redacting.register([(AUTH_ID, TOKEN)])
    with serve_hostile(name, auth_id=AUTH_ID, auth_token=TOKEN) as url:
        outcomes = _drive(str(url))
    run = SdkRun(known=[])
    for method, call, outcome in outcomes:
        run.record("python", method, call, [], outcome)
        run.observe(ObservedFinding("python", method, f"hostile {name}", outcome))
    run.versions["python"] = "hostile"
    path = write_report(run, tmp_path / "sdk.html")
    page = path.read_text(encoding="utf-8").lower()
    assert [s for s in _spellings() if s in page] == []
    assert "numbers.list(limit=5)" in page, "the report lists the calls"


def test_an_sdk_exception_quoting_the_token_is_masked_in_the_report(tmp_path: Path) -> None:
    # Not vacuous: this target's error holds the token in lower case, and the SDK raises with it.
    redacting.register([(AUTH_ID, TOKEN)])
    with serve_hostile("token_lowercase_in_error", auth_id=AUTH_ID, auth_token=TOKEN) as url:
        outcomes = _drive(str(url))
    raw = " ".join(outcome for _, _, outcome in outcomes).lower()
    assert TOKEN.lower() in raw, "the SDK should have quoted the echoed token"
    run = SdkRun(known=[])
    for method, call, outcome in outcomes:
        run.record("python", method, call, [], outcome)
    page = write_report(run, tmp_path / "sdk.html").read_text(encoding="utf-8")
    assert TOKEN.lower() not in page.lower()
    assert MASK in page


def test_served_emulators_register_their_credentials() -> None:
    # pytest sdkcheck's only targets: their tokens are known to the run's redactor.
    with served(numbers=5) as running:
        demo = running.demo
        for token in (demo.auth_token, demo.subaccounts[0][1], demo.other_account[1]):
            assert redacting.redact(f"x {token.upper()} y") == f"x {MASK} y"
