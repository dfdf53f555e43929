"""SDK-vs-contract findings: the reviewed list, what a run observed, and the difference.

A *finding* is something an SDK does that the contract does not say, identified by
``(sdk, method, signature)``. Signatures are stable strings built from what was observed, never from
message wording:

* ``request <operationId> <where> <code>[ advisory] @<levels>`` — from :mod:`sdkcheck.requestcheck`,
  e.g. ``request updateNumber body.number undeclared-field advisory @documented+tolerant``;
* ``behaviour <name>`` — client-side behaviour a test observed (a refusal before sending, an exception
  class);
* ``surface <name>`` — what the SDK's method signature offers compared with the spec.

``known_findings.yaml`` holds the reviewed ones. A run compares: an observed finding that is not in the
file is NEW, a reviewed one that a complete run of its SDK did not observe is GONE; both are differences
and fail the run, so a new SDK release that changes behaviour is a visible difference, not noise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .requestcheck import Conformance, LeveledViolation

__all__ = [
    "KNOWN_FINDINGS_PATH",
    "SDKS",
    "FindingsFileError",
    "KnownFinding",
    "ObservedFinding",
    "Reconciliation",
    "load_known",
    "reconcile",
    "request_findings",
    "request_signature",
]

KNOWN_FINDINGS_PATH = Path(__file__).with_name("known_findings.yaml")
SDKS = ("python", "node")
_FIELDS = ("id", "sdk", "method", "signature", "description", "evidence")


class FindingsFileError(ValueError):
    """The reviewed findings file is malformed; the message names the entry and what to fix."""


@dataclass(frozen=True)
class KnownFinding:
    """One reviewed finding from ``known_findings.yaml``."""

    id: str
    sdk: str
    method: str
    signature: str
    description: str
    evidence: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.sdk, self.method, self.signature)

    def __repr__(self) -> str:
        return f"<KnownFinding {self.id} {self.sdk} {self.method} {self.signature!r}>"


@dataclass(frozen=True)
class ObservedFinding:
    """A finding as one run observed it, with the evidence that showed it."""

    sdk: str
    method: str
    signature: str
    evidence: str
    description: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.sdk, self.method, self.signature)

    def __repr__(self) -> str:
        return f"<ObservedFinding {self.sdk} {self.method} {self.signature!r}>"


def request_signature(operation_id: str | None, leveled: LeveledViolation) -> str:
    violation = leveled.violation
    advisory = " advisory" if violation.severity == "advisory" else ""
    levels = "+".join(leveled.levels)
    return f"request {operation_id or '-'} {violation.where} {violation.code}{advisory} @{levels}"


def request_findings(
    sdk: str, method: str, conformance: Conformance, expected: Iterable[str] = ()
) -> list[ObservedFinding]:
    """The findings one checked request shows, leaving out violations at ``expected`` places
    (the parts a deliberate error case broke on purpose)."""
    skip = set(expected)
    request = conformance.request
    body = request.body.decode("utf-8", "replace")
    evidence = f"{request.method} {request.target}" + (f" body={body[:300]}" if body else "")
    out = []
    for leveled in conformance.leveled():
        if leveled.violation.where in skip:
            continue
        out.append(
            ObservedFinding(
                sdk=sdk,
                method=method,
                signature=request_signature(conformance.operation_id, leveled),
                evidence=f"{evidence} -> {leveled.violation}",
                description=str(leveled.violation),
            )
        )
    return out


def load_known(path: Path = KNOWN_FINDINGS_PATH) -> list[KnownFinding]:
    """The reviewed findings, validated: every field present, ids and keys unique, SDK known."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise FindingsFileError(f"{path}: cannot read the reviewed findings ({error})") from error
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise FindingsFileError(f"{path}: expected a mapping with a 'findings:' list at the top")
    known: list[KnownFinding] = []
    ids: set[str] = set()
    keys: dict[tuple[str, str, str], str] = {}
    for index, entry in enumerate(entries):
        known.append(_entry(path, index, entry))
        finding = known[-1]
        if finding.id in ids:
            raise FindingsFileError(
                f"{path}: finding #{index + 1} repeats id {finding.id!r}; ids must be unique"
            )
        if finding.key in keys:
            raise FindingsFileError(
                f"{path}: finding {finding.id} has the same sdk, method and signature as {keys[finding.key]}"
            )
        ids.add(finding.id)
        keys[finding.key] = finding.id
    return known


def _entry(path: Path, index: int, entry: Any) -> KnownFinding:
    where = f"{path}: finding #{index + 1}"
    if not isinstance(entry, dict):
        raise FindingsFileError(f"{where} is not a mapping of {', '.join(_FIELDS)}")
    missing = [name for name in _FIELDS if not isinstance(entry.get(name), str) or not entry[name].strip()]
    if missing:
        label = entry.get("id", "?")
        raise FindingsFileError(f"{where} ({label}) lacks {', '.join(missing)} (each a non-empty string)")
    extra = sorted(set(entry) - set(_FIELDS))
    if extra:
        raise FindingsFileError(f"{where} ({entry['id']}) has unknown keys {', '.join(extra)}")
    if entry["sdk"] not in SDKS:
        raise FindingsFileError(
            f"{where} ({entry['id']}): sdk {entry['sdk']!r} is not one of {', '.join(SDKS)}"
        )
    return KnownFinding(**{name: entry[name].strip() for name in _FIELDS})


@dataclass
class Reconciliation:
    """Observed findings against the reviewed list.

    ``compared`` are the SDKs whose complete run makes "no longer observed" meaningful; known findings
    of other SDKs are listed as not compared, never as gone.
    """

    matched: list[tuple[KnownFinding, list[ObservedFinding]]] = field(default_factory=list)
    new: list[list[ObservedFinding]] = field(default_factory=list)
    gone: list[KnownFinding] = field(default_factory=list)
    not_compared: list[KnownFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.new and not self.gone

    def describe(self) -> str:
        """The differences in words, with what to do about each."""
        lines = []
        for group in self.new:
            first = group[0]
            lines.append(
                f"NEW {first.sdk} {first.method}: {first.signature!r} ({len(group)}x), e.g. {first.evidence}"
            )
        lines += [f"GONE {k.id} {k.sdk} {k.method}: {k.signature!r} was not observed" for k in self.gone]
        if lines:
            lines.append(
                "Review each difference; if the SDK's behaviour is understood, add or remove the entry in "
                "sdkcheck/known_findings.yaml."
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<Reconciliation matched={len(self.matched)} new={len(self.new)} gone={len(self.gone)}"
            f" not_compared={len(self.not_compared)}>"
        )


def reconcile(
    known: Iterable[KnownFinding], observed: Iterable[ObservedFinding], compared: Iterable[str]
) -> Reconciliation:
    grouped: dict[tuple[str, str, str], list[ObservedFinding]] = {}
    for seen in observed:
        grouped.setdefault(seen.key, []).append(seen)
    compared_sdks = set(compared)
    result = Reconciliation()
    known_keys = set()
    for finding in known:
        known_keys.add(finding.key)
        if finding.key in grouped:
            result.matched.append((finding, grouped[finding.key]))
        elif finding.sdk in compared_sdks:
            result.gone.append(finding)
        else:
            result.not_compared.append(finding)
    result.new = [group for key, group in grouped.items() if key not in known_keys]
    return result
