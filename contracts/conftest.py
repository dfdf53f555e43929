"""Hooks of the contract suite itself: live-target gates, coverage recording, the end summary."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import Any

import pytest

from contracts import redacting, report
from contracts.run import settings
from contracts.target import Target

_WORKER_KEY = "contracts_report"


@pytest.fixture(scope="session", autouse=True)
def _record_coverage(target: Target) -> Iterator[None]:
    target.guard.listeners.append(report.COVERAGE.record)
    yield
    target.guard.listeners.remove(report.COVERAGE.record)


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
        workeroutput[_WORKER_KEY] = json.dumps(report.to_json())


def pytest_testnodedown(node: Any, error: Any) -> None:
    data = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if data:
        report.merge(json.loads(data))


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(
    prefix: list[str], summary: list[str], postfix: list[str], session: Any
) -> None:
    """The same coverage summary and verdict at the top of reports/contracts.html."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = getattr(reporter, "stats", {})
    outcome = report.Outcome.from_stats(stats, int(session.exitstatus))
    lines = [*report.summary_lines(settings().options.level, outcome), f"seed {settings().seed}"]
    text = redacting.redact(chr(10).join(lines))
    postfix.append(f"<h2>Contract coverage</h2><pre>{html.escape(text)}</pre>")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    terminalreporter.section("contracts")
    outcome = report.Outcome.from_stats(terminalreporter.stats, exitstatus)
    for line in report.summary_lines(settings().options.level, outcome):
        terminalreporter.write_line(redacting.redact(line))
    terminalreporter.write_line(f"seed {settings().seed}: replay with --hypothesis-seed={settings().seed}")
