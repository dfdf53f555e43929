"""Hooks of the contract suite itself: live-target gates, coverage recording, the end summary.

A target that fails below HTTP (resets, truncation, a deadline or body cap passed, a
link to another host) is not a contract rule broken, and its traceback runs through
httpx, httpcore and schemathesis for hundreds of lines. Such a failure is reported in a
few lines (what failed, on which request), and :data:`TRANSPORT_STREAK` of them in a
row stop the run: a target that stopped answering is not tested any further.
"""

from __future__ import annotations

import html
import json
from collections.abc import Generator, Iterator
from typing import Any

import httpx
import pytest
from _pytest._code.code import ReprFileLocation

from contracts import redacting, report
from contracts.plugin import record_of
from contracts.settings import settings_of
from contracts.target import OffTarget, Target, shown_url

# Tests failing in a row at the transport level before the run stops.
TRANSPORT_STREAK = 3
# Transport failures in a row so far, in the session's stash.
_STREAK = pytest.StashKey[int]()

_WORKER_KEY = "contracts_report"


@pytest.fixture(scope="session", autouse=True)
def _record_coverage(target: Target, pytestconfig: pytest.Config) -> Iterator[None]:
    record = record_of(pytestconfig).coverage.record
    target.guard.listeners.append(record)
    yield
    target.guard.listeners.remove(record)


@pytest.fixture(autouse=True)
def _live_gate(request: pytest.FixtureRequest, target: Target) -> None:
    """Writes and unrents on a live target need the user's explicit opt-in."""
    if not target.live:
        return
    if request.node.get_closest_marker("writes") and not target.policy.allow_writes:
        pytest.skip(
            "live target is read-only: pass --allow-writes to run update tests (changes are restored)"
        )
    if request.node.get_closest_marker("unrent") and not target.unrentable:
        pytest.skip("live target: unrent is irreversible; name the numbers that may go with --unrent=NUMBER")


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_WORKER_KEY] = json.dumps(record_of(session.config).to_json())


def pytest_testnodedown(node: Any, error: Any) -> None:
    data = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if data:
        record_of(node.config).merge(json.loads(data))


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(
    prefix: list[str], summary: list[str], postfix: list[str], session: Any
) -> None:
    """The same coverage summary and verdict at the top of reports/contracts.html."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = getattr(reporter, "stats", {})
    outcome = report.Outcome.from_stats(stats, int(session.exitstatus))
    run = settings_of(session.config)
    lines = [*report.summary_lines(run.level, record_of(session.config), outcome), f"seed {run.seed}"]
    text = redacting.redact(chr(10).join(lines))
    postfix.append(f"<h2>Contract coverage</h2><pre>{html.escape(text)}</pre>")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    terminalreporter.section("contracts")
    outcome = report.Outcome.from_stats(terminalreporter.stats, exitstatus)
    run = settings_of(config)
    for line in report.summary_lines(run.level, record_of(config), outcome):
        terminalreporter.write_line(redacting.redact(line))
    terminalreporter.write_line(f"seed {run.seed}: replay with --hypothesis-seed={run.seed}")


def transport_failure(error: BaseException | None) -> BaseException | None:
    """The transport-level failure (an httpx transport error, an off-target refusal) behind ``error``."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, httpx.TransportError | OffTarget):
            return current
        pending += [current.__cause__, current.__context__]
        pending += list(getattr(current, "exceptions", ()))  # exception groups (hypothesis, schemathesis)
    return None


def _short(
    where: str, location: tuple[str, int | None], error: BaseException, streak_note: str = ""
) -> redacting.RedactedRepr:
    message = " ".join(str(error).split()) or type(error).__name__
    headline = f"{type(error).__name__}: {message}"
    lines = [f"E   the target failed below HTTP {where}: {headline}"]
    try:
        request = error.request  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):  # httpx raises RuntimeError when no request was attached
        request = None
    if isinstance(request, httpx.Request):
        lines.append(
            f"    request: {request.method} {shown_url(str(request.url))}?{request.url.query.decode()}"
        )
    lines.append(f"    (not a contract rule: the exchange itself failed{streak_note})")
    path, lineno = location
    return redacting.RedactedRepr("\n".join(lines), ReprFileLocation(path, lineno or 0, headline))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    result: pytest.TestReport = yield
    if call.when == "teardown":
        return result
    error = transport_failure(call.excinfo.value) if call.excinfo is not None and result.failed else None
    stash = item.config.stash
    if error is None:
        if call.when == "call" and result.passed:
            stash[_STREAK] = 0
        return result
    note = f"; {TRANSPORT_STREAK} such failures in a row stop the run"
    result.longrepr = _short(f"in {call.when}", (result.location[0], result.location[1]), error, note)
    stash[_STREAK] = streak = stash.get(_STREAK, 0) + 1
    if streak >= TRANSPORT_STREAK:
        item.session.shouldstop = (
            f"the target failed below HTTP in {streak} tests in a row (last: {type(error).__name__}); "
            "stopping: check the target and --base-url, then run again"
        )
    return result


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    result: pytest.CollectReport = yield
    call = result.__dict__.get("call")
    if result.failed and call is not None and call.excinfo is not None:
        error = transport_failure(call.excinfo.value)
        if error is not None:
            result.longrepr = _short(
                "while collecting (schemathesis draws examples then)", (collector.nodeid, None), error
            )
    return result
