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
default run. ``python -m contracts.provenance`` prints the table of every constraint;
``openapi/PROVENANCE.md`` is that table, checked against this registry by a test.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["CONSTRAINTS", "Constraint", "Kind", "constraint", "enforce"]

Kind = Literal["documented", "observed", "ours"]
KINDS: tuple[Kind, ...] = ("documented", "observed", "ours")


@dataclass(frozen=True)
class Constraint:
    """One rule a target is judged by: an id, its provenance and the source that says it."""

    id: str
    kind: Kind
    rule: str
    source: str

    def fails(self, strict: bool) -> bool:
        """Whether breaking this rule fails the run (otherwise it is a warning)."""
        return self.kind == "documented" or (self.kind == "observed" and strict)

    def __repr__(self) -> str:
        return f"<Constraint {self.id} ({self.kind})>"


CONSTRAINTS: dict[str, Constraint] = {}


def constraint(id: str, kind: Kind, rule: str, source: str) -> Constraint:
    """Register a constraint (once per id; a second, different definition is a programming error)."""
    if kind not in KINDS:
        raise ValueError(f"constraint {id}: kind {kind!r} is not one of {KINDS}")
    made = Constraint(id, kind, rule, source)
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


def table() -> str:
    """Every registered constraint as a Markdown table (what ``openapi/PROVENANCE.md`` holds)."""
    rows = [
        "| id | provenance | rule | source |",
        "|---|---|---|---|",
    ]
    for item in sorted(CONSTRAINTS.values(), key=lambda c: (KINDS.index(c.kind), c.id)):
        rows.append(f"| `{item.id}` | {item.kind} | {item.rule} | {item.source} |")
    return "\n".join(rows)


# --- The catalogue. Quotes are from tests/fixtures/seed/account-phone-numbers.md ("page");
# "SDK README" is tests/fixtures/plivo-sdk/README.md; D-numbers are rows of openapi/DISCREPANCIES.md.

PAGE = "page"

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


if __name__ == "__main__":
    print(table())
