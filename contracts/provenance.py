"""Where each rule the suite can fail a target on comes from, and how hard it is enforced.

Every assertion the suite makes about a target names a :class:`Constraint` with one of
three provenances:

* ``documented`` -- Plivo's documentation page says it (the constraint quotes it). Fails
  at every level.
* ``observed`` -- recorded responses or SDK behaviour say it, and the page does not
  contradict it. Fails under ``--strict``; otherwise a warning in the run summary.
* ``ours`` -- a convention we chose where the sources are silent. Never fails; at most
  a warning in the run summary.

A correct target that differs from our emulator where the page allows it must pass the
default run.

:data:`CONSTRAINTS` is the one registry of every rule, in sections: the Number API's rules
(defined here) and the compliance reads' (:mod:`contracts.compliance_rules` defines them
and registers them here; importing this module imports that one, so the registry is
always whole). An id is unique across sections. ``openapi/PROVENANCE.md`` is generated
from it (:func:`document`): ``python -m contracts.provenance`` prints the file, ``--write``
rewrites it, ``--check`` says whether it is current; a test keeps the two equal.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "COMPLIANCE",
    "CONSTRAINTS",
    "NUMBERS",
    "PROVENANCE_MD",
    "SECTIONS",
    "Constraint",
    "Kind",
    "Section",
    "constraint",
    "constraints",
    "document",
    "enforce",
    "section",
    "table",
]

Kind = Literal["documented", "observed", "ours"]
KINDS: tuple[Kind, ...] = ("documented", "observed", "ours")


PROVENANCE_MD = Path(__file__).resolve().parents[1] / "openapi" / "PROVENANCE.md"
"""The generated file (:func:`document`)."""

NUMBERS = "numbers"
"""The Number API's rules (contracts/test_*.py but test_compliance.py)."""
COMPLIANCE = "compliance"
"""The compliance reads' rules (contracts/test_compliance.py, defined in contracts.compliance_rules)."""


@dataclass(frozen=True)
class Section:
    """A part of the registry with a section of ``openapi/PROVENANCE.md`` of its own."""

    id: str
    title: str
    intro: str
    """Markdown between the section's heading and its table (may be empty)."""


SECTIONS: dict[str, Section] = {}


def section(id: str, title: str, intro: str = "") -> Section:
    """Register a section (once per id), listed in PROVENANCE.md in the order registered."""
    made = Section(id, title, intro)
    known = SECTIONS.setdefault(id, made)
    if known != made:
        raise ValueError(f"section {id} is defined twice, differently")
    return known


@dataclass(frozen=True)
class Constraint:
    """One rule a target is judged by: an id, its provenance and the source that says it."""

    id: str
    kind: Kind
    rule: str
    source: str
    section: str = NUMBERS

    def fails(self, strict: bool) -> bool:
        """Whether breaking this rule fails the run (otherwise it is a warning)."""
        return self.kind == "documented" or (self.kind == "observed" and strict)

    def __repr__(self) -> str:
        return f"<Constraint {self.id} ({self.kind})>"


CONSTRAINTS: dict[str, Constraint] = {}


def constraint(id: str, kind: Kind, rule: str, source: str, *, section: str = NUMBERS) -> Constraint:
    """Register a constraint in ``section`` (once per id across every section; a second,
    different definition is a programming error)."""
    if kind not in KINDS:
        raise ValueError(f"constraint {id}: kind {kind!r} is not one of {KINDS}")
    if section not in SECTIONS:
        raise ValueError(f"constraint {id}: no section {section!r} (register it with section() first)")
    made = Constraint(id, kind, rule, source, section)
    known = CONSTRAINTS.setdefault(id, made)
    if known != made:
        raise ValueError(f"constraint {id} is defined twice, differently: {known} and {made}")
    return known


def enforce(
    rule: Constraint,
    holds: bool,
    message: str,
    *,
    strict: bool,
    warnings: MutableMapping[str, int] | None = None,
) -> None:
    """Fail (AssertionError) if ``rule`` is broken and enforced at this level, else warn once more.

    ``warnings`` is the run's tally ("rule (kind): message" -> times) the summary prints: the
    session's, through ``Target.enforce`` (contracts.report.Record); none is kept here.
    """
    if holds:
        return
    if rule.fails(strict):
        raise AssertionError(f"{message}\n  rule: {rule.rule} [{rule.kind}: {rule.source}]")
    folded = re.sub(r"\[\d+\]", "[*]", message.splitlines()[0] if message else rule.rule)
    key = f"{rule.id} ({rule.kind}): {folded}"
    if warnings is not None:
        warnings[key] = warnings.get(key, 0) + 1


def constraints(section: str = NUMBERS) -> dict[str, Constraint]:
    """The constraints of one section, by id (a view of :data:`CONSTRAINTS`, not a registry)."""
    if section not in SECTIONS:
        raise ValueError(f"no section {section!r}; there are {sorted(SECTIONS)}")
    return {id: c for id, c in CONSTRAINTS.items() if c.section == section}


def table(section: str = NUMBERS) -> str:
    """One section's constraints as a Markdown table (as ``openapi/PROVENANCE.md`` holds it)."""
    rows = [
        "| id | provenance | rule | source |",
        "|---|---|---|---|",
    ]
    for item in sorted(constraints(section).values(), key=lambda c: (KINDS.index(c.kind), c.id)):
        rows.append(f"| `{item.id}` | {item.kind} | {item.rule} | {item.source} |")
    return "\n".join(rows)


def document() -> str:
    """The whole of ``openapi/PROVENANCE.md``: the preamble, then each section's intro and table."""
    changes = "".join(f"| {was} | {now} | {why} |\n" for was, now, why in CHANGED_IN_ISSUE_10)
    head = "| was enforced as documented | now | why |\n|---|---|---|\n"
    parts = [_PREAMBLE.format(changes=(head + changes).rstrip("\n"))]
    for part in SECTIONS.values():
        parts.append(f"## {part.title}\n\n" + (f"{part.intro}\n\n" if part.intro else "") + table(part.id))
    return "\n\n".join(parts) + "\n"


# --- The catalogue. Quotes are from tests/fixtures/seed/account-phone-numbers.md ("page");
# "SDK README" is tests/fixtures/plivo-sdk/README.md; D-numbers are rows of openapi/DISCREPANCIES.md.

PAGE = "page"

# Rows of "Constraints whose provenance changed (issue 10)": (was enforced as documented, now, why).
CHANGED_IN_ISSUE_10: tuple[tuple[str, str, str], ...] = (
    (
        "update body required",
        "dropped (ours)",
        "every argument on the page is optional (D25)",
    ),
    (
        "`number_startswith` non-empty",
        "dropped (ours)",
        "the page says nothing of empty values (D26)",
    ),
    (
        "update answers 202",
        "ours: a warning; 200 and 202 declared",
        "the page gives no status code (D14)",
    ),
    (
        'error body `{"error": string}`, JSON content type',
        "observed (`--strict`)",
        "the page documents no error (D15)",
    ),
    (
        "401 / 404 / 400 / 405 exact statuses",
        "observed (`--strict`); the refusal itself (4xx) stays documented where the page implies it",
        "SDK status mapping only (D35)",
    ),
    (
        "invalid input refused rather than clamped or ignored",
        "observed (`--strict`)",
        "plivo-python validates client-side; the page does not say (D17)",
    ),
    (
        "list envelope, `meta` keys, `next`/`previous` as paths, meta echoes and counts",
        "observed (`--strict`)",
        "the page shows no list response (D34)",
    ),
    (
        "the 14 keys every object carries, `api_id` on get, decimal rates, digit-only numbers",
        "observed (`--strict`)",
        "recorded responses only (D9, D8, D11)",
    ),
    (
        "services all-of (numbers with more services included)",
        "observed (`--strict`); every listed service on each returned number stays documented",
        'SDK docstrings read "only" (D28)',
    ),
    (
        "the unfiltered list is every number",
        "ours: a warning; type filters judged against the per-type lists",
        "SDK docstrings say type defaults to local (D29)",
    ),
    (
        "updates accepted as a form",
        "ours: a warning; the file declares JSON only (form in `x-tolerated-content`)",
        "the page's example and every SDK send JSON",
    ),
    (
        "`number` in the path is any string",
        'documented pattern digits (optional "+"): a target may refuse anything else',
        '"The phone number."',
    ),
    (
        "a filter judged on objects that lack the property it reads",
        "not judged (neither expected nor unexpected); a skip when no object shows it",
        "D9: not every object carries every key",
    ),
    (
        "`registered` selects only COMPLETED",
        "at the default level also REGISTERED (`observed-synonyms`)",
        "D4",
    ),
)

_PREAMBLE = """\
# Provenance of every rule the contract suite can fail a target on

Generated from the one registry of `contracts/provenance.py` (the compliance rules are
defined in `contracts/compliance_rules.py` and register there) with
`python -m contracts.provenance --write`; a test keeps the two equal, so edit the
registry, not this file. Sources: **page** is Plivo's documentation page
(`tests/fixtures/seed/account-phone-numbers.md`), **SDK README** is
`tests/fixtures/plivo-sdk/README.md`, D-numbers are rows of `DISCREPANCIES.md`.

| provenance | default run | `--strict` |
|---|---|---|
| documented | fails | fails |
| observed | warning in the run summary | fails |
| ours | warning in the run summary | warning in the run summary |

The spec file follows the same rule: it holds only what every source allows (what stock
tools read), and `x-strict` blocks hold the observed constraints that `--strict` adds.
`x-provenance` beside a constraint in the spec says where it comes from.

## Constraints whose provenance changed (issue 10)

{changes}"""

section(NUMBERS, "Every constraint")

# Documented: the page states it.
SCHEMA_DOCUMENTED = constraint(
    "schema",
    "documented",
    "answers match the spec's schemas at the run's level (the file: documented types, value lists, "
    "formats and the 20-per-page maximum; --strict adds the x-strict blocks)",
    'page: attribute table types and "Values:" lists; "Format: YYYY-MM-DD"; limit "Max: 20"',
)
NO_SERVER_ERROR = constraint(
    "no-5xx",
    "documented",
    "a request the page documents is answered, not failed with a 5xx",
    "page: every operation documents its answer",
)
DOCUMENTED_REQUEST_ACCEPTED = constraint(
    "documented-request-accepted",
    "documented",
    "a request built from the page's parameters is answered 2xx (an unknown id may be refused with "
    "a 4xx; empty values are not judged)",
    "page: query parameter and argument tables",
)
AUTH_REQUIRED = constraint(
    "auth-required",
    "documented",
    "a request without the account's credentials is refused (4xx), never served",
    'page: every example authenticates with -u "{auth_id}:{auth_token}"',
)
ACCOUNT_ISOLATION = constraint(
    "account-isolation",
    "documented",
    "an account (or subaccount) reads, changes and unrents only its own numbers",
    'page: "Manage phone numbers in your Plivo account"; list "Returns all phone numbers in your account"',
)
FILTER_MEANING = constraint(
    "filter-meaning",
    "documented",
    "a filter selects exactly the numbers it names, and filters together narrow together",
    'page: "Filter by type", "Filter by prefix", "Filter by exact alias", "Filter by subaccount", '
    '"Filter by CNAM status", "Filter by campaign ID", renewal_date "Supports variants: __gt, __gte, '
    '__lt, __lte"',
)
FILTER_VOCABULARY = constraint(
    "filter-vocabulary",
    "documented",
    "the status filters' own words select the object values in the same order "
    "(unregistered/in_progress/registered -> UNREGISTERED/PROCESSING/COMPLETED; likewise toll-free)",
    "page: both value lists; compliance-rules.md pairs them (D2)",
)
SERVICES_EVERY_LISTED = constraint(
    "services-every-listed",
    "documented",
    "every number returned for services=X has every service in X (what all readings agree on)",
    'page: "Filter by services. Values: voice, sms, mms, or combinations."',
)
PAGINATION = constraint(
    "pagination",
    "documented",
    "limit/offset pages of one list are disjoint, in a stable order, and together hold the list",
    'page: limit "Results per page. Max: 20. Default: 20."; offset "Pagination offset."',
)
UPDATE_APPLIED = constraint(
    "update-applied",
    "documented",
    "an update answered 2xx shows on the next get and changes nothing it did not set",
    'page: "Change the application, subaccount, or alias for a phone number"; response "message": "changed"',
)
UPDATE_REFUSAL_CHANGES_NOTHING = constraint(
    "update-refusal-changes-nothing",
    "documented",
    "an update that is refused (4xx) has changed nothing",
    'page: the update answers "message": "changed" when it changes the number; a refusal is no change',
)
CALLER_REPUTATION_NEEDS_PROFILE = constraint(
    "caller-reputation-needs-profile",
    "documented",
    "caller_reputation=enabled without profile_uuid is refused (4xx)",
    'page: "When set to enabled, profile_uuid is required."',
)
UPDATE_RESULT = constraint(
    "update-result",
    "documented",
    'a successful update answers {"message": "changed", "api_id": ...}',
    "page: Update, Response block",
)
UNRENT = constraint(
    "unrent",
    "documented",
    "unrent answers 204 and the number is gone: not listed, not counted, never served again",
    'page: "Remove a phone number from your account. This operation cannot be undone."; '
    '"HTTP Status Code: 204"',
)
MISSING_NUMBER_NOT_SERVED = constraint(
    "missing-number-not-served",
    "documented",
    "a number that is not on the account is not served (no 2xx)",
    'page: get "Retrieve details of a specific phone number" of your account',
)
RESOURCE_URI = constraint(
    "resource-uri",
    "documented",
    "resource_uri is /v1/Account/{auth_id}/Number/{number}/ for the object itself",
    'page: resource_uri "URI to the number resource"; API Endpoint; the example object',
)

# Observed: recorded responses or SDK behaviour; enforced under --strict.
STATUS_CODES = constraint(
    "status-codes",
    "observed",
    "answers use the statuses the spec declares: 401 for bad credentials, 404 for a number not on "
    "the account, 400 for invalid input, 405 for undeclared methods",
    "SDK README: status-to-exception mapping (400, 401, 404, 405); errors seen in the wild (D15)",
)
ERROR_BODY = constraint(
    "error-body",
    "observed",
    'a 4xx is application/json {"error": "<words>"} (api_id optional; wording never compared)',
    "SDK README: error bodies seen in the wild (D15)",
)
CONTENT_TYPE = constraint(
    "content-type",
    "observed",
    "JSON answers say Content-Type: application/json",
    "recorded responses; SDK README",
)
INVALID_INPUT_REFUSED = constraint(
    "invalid-input-refused",
    "observed",
    "a value outside a documented list or bound (limit 21, type=satellite) is refused with 400, not "
    "ignored or clamped (empty values excepted: the page does not say)",
    "SDK README: plivo-python refuses 0 < limit <= 20 and unknown services itself and maps 400 to "
    "ValidationError",
)
LIST_META = constraint(
    "list-meta",
    "observed",
    "meta echoes limit and offset, total_count counts every match, next/previous point at the "
    "neighbouring pages with the same limit and filters (null at the ends)",
    "every recorded list page (SDK README: meta.next is a path with limit and offset)",
)
API_ID = constraint(
    "api-id",
    "observed",
    "list and get answers carry a non-empty api_id",
    "every recorded list and get (D8)",
)
GONE_IS_404 = constraint(
    "gone-is-404",
    "observed",
    "a number not on the account (or already unrented) answers 404",
    'SDK README: 404 -> ResourceNotFoundError; {"error": "not found"} seen in the wild',
)
SERVICES_ALL_OF = constraint(
    "services-all-of",
    "observed",
    "services=X selects every number that has all of X (no number with more services left out)",
    'D10: "combinations" read as all-of; plivo-php/plivo-ruby docstrings read "sms: numbers that '
    'provide only sms", so the default run enforces only services-every-listed',
)

# Ours: conventions where the sources are silent; a warning at most.
UPDATE_202 = constraint(
    "update-status-202",
    "ours",
    "a successful update answers 202 (200 is as correct: the page gives no status)",
    "D14: Plivo's convention for changes; the page shows only the body",
)
UPDATE_FORM = constraint(
    "update-form-encoded",
    "ours",
    "an update sent as application/x-www-form-urlencoded is accepted like JSON",
    "our emulator's convention; the page's example and every SDK send JSON",
)
UNFILTERED_IS_EVERYTHING = constraint(
    "unfiltered-is-everything",
    "ours",
    "the unfiltered list holds every number of the account, whatever its type",
    "our reading of 'Returns all phone numbers in your account'; plivo-php and plivo-ruby docstrings "
    "say type defaults to local",
)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m contracts.provenance [--write | --check]``."""
    parser = argparse.ArgumentParser(
        prog="python -m contracts.provenance",
        description="Print openapi/PROVENANCE.md as the constraint registry makes it.",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"rewrite {PROVENANCE_MD}")
    action.add_argument("--check", action="store_true", help="exit 1 if the file is not current")
    args = parser.parse_args(argv)
    text = document()
    if args.write:
        PROVENANCE_MD.write_text(text, encoding="utf-8")
        return 0
    if args.check:
        current = PROVENANCE_MD.read_text(encoding="utf-8") if PROVENANCE_MD.exists() else ""
        if current != text:
            print(f"{PROVENANCE_MD} is out of date: python -m contracts.provenance --write", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


# The compliance rules register into this registry when their module is imported: import it
# here, last (this module is whole by now), so whoever imports this module sees every rule.
from contracts import compliance_rules  # noqa: E402, F401

if __name__ == "__main__":
    # Run as a script this file is __main__, a second copy: the registry is the imported module's.
    from contracts.provenance import main as _main

    raise SystemExit(_main())
