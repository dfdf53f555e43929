"""One ``pytest sdkcheck`` run: every SDK call made, the requests it sent, and the findings seen.

An :class:`Exchange` is one SDK call (``numbers.list(type='local')``): the requests it put on the wire,
each checked against the spec, the outcome, and the findings those requests show. :class:`SdkRun` keeps
them all, plus behaviour and surface findings observed by the tests, and reconciles with the reviewed
list at the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import openapi

from .findings import KnownFinding, ObservedFinding, Reconciliation, load_known, reconcile, request_findings
from .recording import RecordedRequest
from .requestcheck import Conformance, check_request

__all__ = ["Exchange", "SdkRun", "camel_case", "documented_properties", "observed_only_properties"]


@dataclass
class Exchange:
    """One SDK call and what it sent.

    ``expected`` names the parts a deliberate error case broke on purpose (``query.limit``,
    ``auth``...): violations there are required, not findings.
    """

    sdk: str
    method: str
    call: str
    checks: list[Conformance] = field(default_factory=list)
    outcome: str = ""
    expected: tuple[str, ...] = ()
    findings: list[ObservedFinding] = field(default_factory=list)
    unknown: list[ObservedFinding] = field(default_factory=list)

    @property
    def deliberate(self) -> bool:
        return bool(self.expected)

    @property
    def requests(self) -> list[RecordedRequest]:
        return [check.request for check in self.checks]

    def response_json(self, index: int = -1) -> Any:
        """The JSON body the emulator answered request ``index`` with."""
        return json.loads(self.checks[index].request.response_body)

    def missing_expected(self) -> list[str]:
        """Deliberately broken parts that no request was flagged for (the checker missed them)."""
        flagged = {v.where for check in self.checks for v in (*check.documented, *check.tolerant)}
        return [where for where in self.expected if where not in flagged]

    def problems(self) -> str:
        """Why this exchange fails the run, in words; empty when it does not."""
        lines = [
            f"NEW finding {f.signature!r}: {f.evidence}\n"
            "  (review it; if understood, add it to sdkcheck/known_findings.yaml)"
            for f in self.unknown
        ]
        lines += [
            f"expected a violation at {where} but the checker flagged none"
            for where in self.missing_expected()
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Exchange {self.sdk} {self.call} {len(self.checks)} requests {len(self.findings)} findings>"


class SdkRun:
    """Everything one run observed, for assertions, the reconciliation and the report."""

    def __init__(self, known: list[KnownFinding] | None = None) -> None:
        self.known = load_known() if known is None else known
        self._known_keys = {k.key for k in self.known}
        self.exchanges: list[Exchange] = []
        self.observed: list[ObservedFinding] = []
        self.versions: dict[str, str] = {}
        self.skipped: dict[str, str] = {}
        self.complete: set[str] = set()
        self.reconciliation: Reconciliation | None = None

    def __repr__(self) -> str:
        complete = ",".join(sorted(self.complete)) or "-"
        return f"<SdkRun {len(self.exchanges)} exchanges {len(self.observed)} findings complete={complete}>"

    def is_known(self, finding: ObservedFinding) -> bool:
        return finding.key in self._known_keys

    def record(
        self,
        sdk: str,
        method: str,
        call: str,
        requests: Iterable[RecordedRequest],
        outcome: str = "",
        expected: Iterable[str] = (),
    ) -> Exchange:
        """Check each request, collect its findings, and keep the exchange."""
        expected = tuple(expected)
        exchange = Exchange(sdk=sdk, method=method, call=call, outcome=outcome, expected=expected)
        for request in requests:
            check = check_request(request)
            exchange.checks.append(check)
            exchange.findings += request_findings(sdk, method, check, expected)
        exchange.unknown = [f for f in exchange.findings if not self.is_known(f)]
        self.exchanges.append(exchange)
        self.observed += exchange.findings
        return exchange

    def observe(self, finding: ObservedFinding) -> None:
        """A behaviour or surface finding a test saw."""
        self.observed.append(finding)

    def reconcile(self) -> Reconciliation:
        self.reconciliation = reconcile(self.known, self.observed, self.complete)
        return self.reconciliation


def camel_case(name: str) -> str:
    """The Node SDK's key for a snake_case API field (it camel-cases every response key)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest if part)


def _properties() -> dict[str, Any]:
    schema = openapi.load_spec("documented")["components"]["schemas"]["AccountPhoneNumber"]
    return dict(schema["properties"])


def documented_properties() -> list[str]:
    """Attributes of a number that the documentation page states (not only recorded in x-observed)."""
    return [name for name, schema in _properties().items() if not _only_observed(schema)]


def observed_only_properties() -> list[str]:
    """Attributes known only from recorded responses (an x-observed entry with neither enum nor schema)."""
    return [name for name, schema in _properties().items() if _only_observed(schema)]


def _only_observed(schema: dict[str, Any]) -> bool:
    return any("enum" not in entry and "schema" not in entry for entry in schema.get("x-observed") or [])
