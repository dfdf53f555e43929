"""The redaction choke point (contracts.redacting) and the run's verdict line, in-process."""

from __future__ import annotations

import base64
import io

import pytest
from _pytest._code.code import ExceptionInfo

from contracts import redacting
from contracts.report import Outcome, verdict
from openapi.redaction import MASK, forms

AUTH_ID = "MACHOKEPOINT00000001"
TOKEN = "choke-Point-Secret-8e2f"


@pytest.fixture(autouse=True)
def _registered() -> None:
    redacting.register([(AUTH_ID, TOKEN)])


def _failure(message: str) -> pytest.TestReport:
    try:
        raise AssertionError(message)
    except AssertionError:
        info = ExceptionInfo.from_current()
    return pytest.TestReport(
        nodeid="contracts/test_x.py::test_y",
        location=("contracts/test_x.py", 1, "test_y"),
        keywords={},
        outcome="failed",
        longrepr=info.getrepr(),
        when="call",
        sections=[("Captured stdout call", f"echo {TOKEN.upper()}\n")],
        user_properties=[("curl", f"curl -u {AUTH_ID}:{TOKEN}"), ("count", 3)],
    )


def _leaks(text: str) -> list[str]:
    return [s for s in forms(TOKEN, AUTH_ID) if s.lower() in text.lower()]


def test_a_failure_quoting_the_basic_header_is_masked_everywhere() -> None:
    header = base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
    report = _failure(f"401 body: Authorization: Basic {header}; token {TOKEN.lower()}")
    redacting.scrub_report(report)
    assert not _leaks(report.longreprtext)
    assert MASK in report.longreprtext
    assert not _leaks(report.longrepr.reprcrash.message)  # type: ignore[union-attr]
    assert report.longrepr.reprcrash.message.startswith("AssertionError: 401 body")  # type: ignore[union-attr]
    assert not _leaks(str(report.sections))
    assert report.user_properties[0] == ("curl", f"curl -u {AUTH_ID}:{MASK}")
    assert report.user_properties[1] == ("count", 3)


def test_a_clean_failure_keeps_its_structure() -> None:
    report = _failure("nothing secret here")
    original = report.longrepr
    redacting.scrub_report(report)
    assert report.longrepr is original


def test_skip_reasons_and_xfail_reasons_are_masked() -> None:
    report = pytest.TestReport(
        nodeid="n",
        location=("f.py", 1, "t"),
        keywords={},
        outcome="skipped",
        longrepr=("f.py", 1, f"Skipped: {TOKEN}"),
        when="setup",
    )
    report.wasxfail = f"reason {TOKEN}"
    redacting.scrub_report(report)
    assert report.longrepr == ("f.py", 1, f"Skipped: {MASK}")
    assert report.wasxfail == f"reason {MASK}"


def test_a_report_survives_xdist_serialisation_masked() -> None:
    report = _failure(f"echo {TOKEN}")
    redacting.scrub_report(report)
    data = report._to_json()
    assert TOKEN not in str(data)
    again = pytest.TestReport._from_json(data)
    assert MASK in again.longreprtext


def test_the_terminal_stream_masks_a_secret_written_in_pieces() -> None:
    out = io.StringIO()
    stream = redacting.RedactingStream(out)
    stream.write("token: " + TOKEN[:5])
    stream.write(TOKEN[5:] + " end\nnext ")
    stream.flush()
    assert out.getvalue() == f"token: {MASK} end\nnext "


def test_environment_credentials_are_registered() -> None:
    redacting.register_environment(
        {
            "PLIVO_SUBACCOUNT_AUTH_ID": "SACHOKEPOINT00000001",
            "PLIVO_SUBACCOUNT_AUTH_TOKEN": "sub-Choke-Secret-1",
            "PLIVO_OTHER_AUTH_TOKEN": "other-Choke-Secret-2",
        }
    )
    pair = base64.b64encode(b"SACHOKEPOINT00000001:sub-Choke-Secret-1").decode()
    masked = redacting.redact(f"{pair} OTHER-CHOKE-SECRET-2")
    assert masked.startswith(MASK)
    assert masked.endswith(f" {MASK}")
    assert pair.rstrip("=") not in masked


@pytest.mark.parametrize(
    ("outcome", "says"),
    [
        (Outcome(passed=10), "the target met the documented contract"),
        (Outcome(passed=9, failed=1), "did NOT meet the contract"),
        (Outcome(passed=9, errors=2), "did NOT meet the contract"),
        (Outcome(errors=4, interrupted=True), "interrupted"),
        (Outcome(), "nothing was checked: no test ran"),
        (Outcome(skipped=7), "nothing was checked: every test was skipped"),
        (Outcome(passed=3, interrupted=True), "interrupted"),
    ],
)
def test_the_verdict_claims_only_what_ran(outcome: Outcome, says: str) -> None:
    line = verdict(outcome)
    assert says in line
    if says != "the target met the documented contract":
        assert "met the documented contract" not in line


def test_outcome_counts_the_terminal_reporters_stats() -> None:
    stats: dict[str, list[object]] = {"passed": [1, 2], "failed": [3], "error": [4], "skipped": [5], "": [6]}
    assert Outcome.from_stats(stats, 1) == Outcome(passed=2, failed=1, errors=1, skipped=1)
    assert Outcome.from_stats({}, 2).interrupted


def test_a_warning_quoting_a_token_is_masked_before_reporters_see_it() -> None:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn(f"retrying with {TOKEN}", UserWarning, stacklevel=1)
    record = caught[0]
    redacting.pytest_warning_recorded(record, "runtest", "n", None)
    assert str(record.message) == f"retrying with {MASK}"
    assert isinstance(record.message, UserWarning)
