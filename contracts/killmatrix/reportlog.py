"""A tiny pytest plugin: one JSON line per test report, with wall-clock timestamps.

The kill matrix runs ``pytest contracts -p contracts.killmatrix.reportlog
--killmatrix-log=FILE`` and times the first failure from these lines (pytest's own
structured reports), not from its ``-q`` progress text. Lines:

- ``{"event": "start", "time": T}`` when pytest has configured itself (its start);
- ``{"event": "report", "nodeid", "when", "outcome", "duration", "start", "stop", "time"}``
  for each setup, call and teardown report, as pytest makes them.

``time`` is ``time.time()`` when the line was written (comparable with the launcher's
clock: same machine); ``start``/``stop`` are pytest's own. Each line is flushed, so a
run stopped at its time-out still leaves what it did. No new dependency
(pytest-reportlog would do the same with more).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Any

import pytest

__all__ = ["OPTION", "read_log"]

OPTION = "--killmatrix-log"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION, metavar="FILE", help="write one JSON line per test report (with timestamps) to FILE"
    )


class _ReportLog:
    """Registered for the session when the option is given; writes and flushes each line."""

    def __init__(self, path: Path) -> None:
        self._sink: IO[str] = path.open("w", encoding="utf-8")
        self.write({"event": "start"})

    def write(self, record: dict[str, Any]) -> None:
        self._sink.write(json.dumps({**record, "time": time.time()}) + "\n")
        self._sink.flush()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.write(
            {
                "event": "report",
                "nodeid": report.nodeid,
                "when": report.when,
                "outcome": report.outcome,
                "duration": report.duration,
                "start": report.start,
                "stop": report.stop,
            }
        )

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self._sink.close()


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption(OPTION)
    # Under xdist the controller receives every worker's reports; the workers stay quiet.
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_ReportLog(Path(path)), "killmatrix-reportlog")


def read_log(path: Path) -> list[dict[str, Any]]:
    """The records of ``path`` (none if pytest never wrote it); a torn last line is left out."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records
