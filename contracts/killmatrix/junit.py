"""Reading one contract run's JUnit XML: which tests failed, and when the first one did."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["JunitSummary", "parse_junit"]

PARAGRAPH_CHARS = 1000


@dataclass
class JunitSummary:
    """Counts, failing test ids in execution order, and time into the tests of the first failure.

    ``first_failure_s`` sums the ``time`` of every testcase up to and including the first
    failing one, in file order: pytest writes testcases in the order they ran (we run with
    ``-p no:randomly``), and each time covers setup, call and teardown. It leaves out start-up
    and collection, which the wall-clock figure of the runner (from the reportlog plugin) includes.
    """

    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)  # test id -> first paragraph of its message
    first_failure: str | None = None
    first_failure_s: float | None = None
    first_message: str = ""
    test_time_s: float = 0.0

    @property
    def red(self) -> bool:
        return bool(self.failures or self.errors)

    def __repr__(self) -> str:
        return (
            f"<JunitSummary {self.tests} tests, {self.failures} failed, {self.errors} errors, "
            f"{self.skipped} skipped, first={self.first_failure!r}>"
        )


def _test_id(case: ET.Element) -> str:
    classname, name = case.get("classname", ""), case.get("name", "")
    if not classname:
        return name
    # pytest writes "contracts.test_filters" + "test_x[param]"; show it as a node id.
    module = classname.replace(".", "/")
    return f"{module}.py::{name}"


def _paragraph(message: str, limit: int = PARAGRAPH_CHARS) -> str:
    """The first paragraph of a failure message (up to its first blank line), at most ``limit`` characters."""
    lines = []
    for line in message.strip().splitlines():
        if not line.strip():
            break
        lines.append(line.rstrip())
    text = "\n".join(lines)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_junit(path: Path) -> JunitSummary:
    """The summary of ``path``; an empty one if pytest never wrote it."""
    summary = JunitSummary()
    if not path.exists() or path.stat().st_size == 0:
        return summary
    root = ET.parse(path).getroot()  # noqa: S314 -- our own pytest's JUnit, not untrusted input
    elapsed = 0.0
    for case in root.iter("testcase"):
        summary.tests += 1
        with contextlib.suppress(ValueError):
            elapsed += float(case.get("time", "0") or 0)
        failure = case.find("failure")
        error = case.find("error")
        if case.find("skipped") is not None:
            summary.skipped += 1
        if failure is None and error is None:
            continue
        if failure is not None:
            summary.failures += 1
        else:
            summary.errors += 1
        test_id = _test_id(case)
        problem = failure if failure is not None else error
        assert problem is not None
        message = problem.get("message") or problem.text or ""
        if test_id not in summary.failed:
            summary.failed.append(test_id)
            summary.messages[test_id] = _paragraph(message)
        if summary.first_failure is None:
            summary.first_failure = test_id
            summary.first_failure_s = round(elapsed, 3)
            summary.first_message = message[:2000]
    summary.test_time_s = round(elapsed, 3)
    return summary
