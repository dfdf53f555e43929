"""What the run exercised and what it tolerated, summarised at the end.

* :class:`Coverage` -- operations x status codes x parameters actually sent, fed by a
  listener on the target's guarded transport (so it counts every request, whoever sent it).
* tolerant warnings -- responses that pass only because of an ``x-observed`` entry in
  the spec; with ``--strict`` they fail instead.

Both live in one :class:`Record` per session, kept in the pytest config's stash by
:mod:`contracts.plugin` (the target counts its warnings into the same record). Under
pytest-xdist each worker collects its own and the controller merges them.

The run's verdict (:func:`verdict`) is said only from what happened: the target "met the
contract" only when tests ran and all of them passed; errors, an empty run or one where
everything skipped say so instead.
"""

from __future__ import annotations

import datetime
import html
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import quoteattr

import httpx

import openapi
from openapi.operations import OPERATION_IDS, operation_for

__all__ = [
    "Coverage",
    "Outcome",
    "Record",
    "operation_of",
    "summary_lines",
    "verdict",
    "warn_observed",
    "write_unrunnable",
]

OPERATIONS = OPERATION_IDS


def operation_of(method: str, path: str) -> str:
    """The operationId of a request (:func:`openapi.operations.operation_for`), or what it was."""
    return operation_for(method, path) or f"{method.upper()} (undeclared)"


def _documented_parameters() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for operation_id in OPERATIONS:
        # The suite sends documented parameters only (see conformance.requests_as_documented).
        _, _, op = openapi.operation(operation_id, "documented")
        params = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        params |= set(body.get("properties", {}))
        names[operation_id] = params
    return names


@dataclass
class Coverage:
    """Counts of (operation, status) and (operation, parameter) over every exchange."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    parameters: Counter[tuple[str, str]] = field(default_factory=Counter)

    def record(self, request: httpx.Request, response: httpx.Response) -> None:
        operation = operation_of(request.method, request.url.path)
        self.statuses[(operation, response.status_code)] += 1
        for name in {k for k, _ in request.url.params.multi_items()}:
            self.parameters[(operation, name)] += 1
        for name in _body_keys(request):
            self.parameters[(operation, name)] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "statuses": [[op, status, n] for (op, status), n in self.statuses.items()],
            "parameters": [[op, name, n] for (op, name), n in self.parameters.items()],
        }

    def merge(self, data: dict[str, Any]) -> None:
        for op, status, n in data.get("statuses", []):
            self.statuses[(op, int(status))] += n
        for op, name, n in data.get("parameters", []):
            self.parameters[(op, name)] += n

    def lines(self) -> list[str]:
        documented = _documented_parameters()
        by_op: dict[str, Counter[int]] = defaultdict(Counter)
        for (op, status), n in self.statuses.items():
            by_op[op][status] += n
        out = []
        for op in [*OPERATIONS, *sorted(set(by_op) - set(OPERATIONS))]:
            statuses = by_op.get(op, Counter())
            total = sum(statuses.values())
            codes = ", ".join(f"{s}x{n}" for s, n in sorted(statuses.items())) or "none"
            out.append(f"{op:<24} {total:>6} requests  statuses: {codes}")
            if documented.get(op):
                used = {name for (o, name) in self.parameters if o == op}
                seen = sorted(documented[op] & used)
                missing = sorted(documented[op] - used)
                out.append(
                    f"{'':<24} parameters {len(seen)}/{len(documented[op])} exercised"
                    + (f"; never sent: {', '.join(missing)}" if missing else "")
                )
        return out

    def __repr__(self) -> str:
        return f"<Coverage {sum(self.statuses.values())} exchanges>"


def _body_keys(request: httpx.Request) -> Iterable[str]:
    if request.method.upper() not in ("POST", "PUT", "PATCH"):
        return ()
    content = request.read()
    if not content:
        return ()
    kind = request.headers.get("content-type", "")
    try:
        if "json" in kind:
            body = json.loads(content)
            return list(body) if isinstance(body, dict) else ()
        if "form" in kind:
            return [k for k, _ in parse_qsl(content.decode("utf-8", "replace"))]
    except ValueError:
        return ()
    return ()


@dataclass
class Record:
    """What one session saw: its coverage and its tolerated deviations ("rule: message" -> times)."""

    coverage: Coverage = field(default_factory=Coverage)
    warnings: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {"coverage": self.coverage.to_json(), "warnings": dict(self.warnings)}

    def merge(self, data: dict[str, Any]) -> None:
        """Add a worker's record (``to_json``) to this one."""
        self.coverage.merge(data.get("coverage", {}))
        self.warnings.update(data.get("warnings", {}))


def warn_observed(warnings: Counter[str], operation_id: str, error: str) -> None:
    """Count a tolerated deviation, folded over list indices so one kind reads as one line."""
    folded = re.sub(r"\[\d+\]", "[*]", error)
    warnings[f"{operation_id}: {folded}"] += 1


@dataclass(frozen=True)
class Outcome:
    """How the run went, counted from pytest's reports."""

    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    interrupted: bool = False

    @classmethod
    def from_stats(cls, stats: Mapping[str, list[Any]], exitstatus: int) -> Outcome:
        """From the terminal reporter's ``stats`` (outcome -> reports) and the exit status."""

        # The terminal reporter files a passing setup or teardown under "", a failing one
        # (and a collection error) under "error": each key counts tests, not phases.
        def count(key: str) -> int:
            return len(stats.get(key, []))

        return cls(
            passed=count("passed") + count("xpassed"),
            failed=count("failed"),
            errors=count("error"),
            skipped=count("skipped") + count("xfailed"),
            interrupted=int(exitstatus) in (2, 3, 4),
        )


def verdict(outcome: Outcome, warnings: Mapping[str, int] | None = None) -> str:
    """One line on what the run shows, never more than it does (``warnings``: the tolerated ones)."""
    counts = (
        f"{outcome.passed} passed, {outcome.failed} failed, {outcome.errors} errors, "
        f"{outcome.skipped} skipped"
    )
    if outcome.interrupted:
        return (
            f"verdict: the run was interrupted ({counts}); the target was NOT shown to meet the contract, "
            "see the errors above"
        )
    if outcome.failed or outcome.errors:
        return f"verdict: the target did NOT meet the contract ({counts}); see the failures above"
    if not outcome.passed:
        if outcome.skipped:
            return f"verdict: nothing was checked: every test was skipped ({counts})"
        return "verdict: nothing was checked: no test ran"
    if warnings:
        return f"verdict: the target met the contract with the tolerated deviations above ({counts})"
    return f"verdict: the target met the documented contract ({counts})"


def summary_lines(level: str, record: Record, outcome: Outcome | None = None) -> list[str]:
    warnings = record.warnings
    lines = ["coverage: operations x status codes x parameters exercised", *record.coverage.lines()]
    if warnings:
        lines.append("")
        # Observed constraints fail under --strict; "ours" (a reading of our own) never do.
        ours = [text for text in warnings if "(ours)" in text.split(":", 1)[0]]
        hint = "--strict makes these failures" if not ours else "--strict makes the observed ones failures"
        lines.append(
            f"tolerated deviations ({level} level; {hint}): {sum(warnings.values())} in {len(warnings)} kinds"
        )
        lines += [f"  {n:>5} x {text}" for text, n in warnings.most_common()]
    elif level == "tolerant":
        lines.append("no x-observed deviation was needed")
    if outcome is not None:
        lines.append(verdict(outcome, warnings))
    return lines


def write_unrunnable(html_path: str | None, xml_path: str | None, message: str) -> None:
    """Reports for a run that could not start: one error saying why, nothing else.

    Written over the last run's reports, which would otherwise still say what that run saw.
    """
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    if xml_path:
        path = Path(xml_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<testsuites name="pytest tests"><testsuite name="contracts" errors="1" failures="0" '
            f'skipped="0" tests="1" time="0" timestamp={quoteattr(now)}>'
            '<testcase classname="contracts" name="target probe" time="0">'
            f"<error message={quoteattr(message)}>{html.escape(message)}</error>"
            "</testcase></testsuite></testsuites>\n",
            encoding="utf-8",
        )
    if html_path:
        path = Path(html_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>contracts.html</title></head>'
            "<body><h1>Contract suite: the target could not be tested</h1>"
            f"<p>{html.escape(now)}</p><pre>{html.escape(message)}</pre>"
            "<p>verdict: nothing was checked: the run stopped before any test.</p></body></html>\n",
            encoding="utf-8",
        )
