"""The rules ``contracts/test_compliance.py`` judges a target's compliance reads by, with their sources.

The same :class:`contracts.provenance.Constraint` as every other rule (documented rules fail
at every level, observed ones under ``--strict``), quoting the pages of
``openapi/COMPLIANCE-SOURCES.md``. They are kept in their own registry, listed in their own
section of ``openapi/PROVENANCE.md`` (``python -m contracts.compliance_rules`` prints it; a
test keeps the two equal), until they join ``contracts.provenance.CONSTRAINTS``. The exact
refusal statuses and the error body reuse ``status-codes``, ``error-body`` and
``invalid-input-refused``: Plivo's SDKs map statuses alike for every resource.

:func:`schema_errors` validates an answer against a schema of ``openapi/compliance.yaml``
at a level, as ``openapi.schema_errors`` does for number.yaml.
"""

from __future__ import annotations

from typing import Any

import openapi
from contracts.provenance import KINDS, Constraint

__all__ = ["COMPLIANCE_CONSTRAINTS", "schema_errors", "table"]

COMPLIANCE_CONSTRAINTS: dict[str, Constraint] = {}


def _rule(id: str, kind: Any, rule: str, source: str) -> Constraint:
    made = Constraint(id, kind, rule, source)
    if COMPLIANCE_CONSTRAINTS.setdefault(id, made) != made:
        raise ValueError(f"compliance constraint {id} is defined twice, differently")
    return made


SCHEMA = _rule(
    "compliance-schema",
    "documented",
    "brand, campaign, profile, toll-free verification and compliance reads answer what "
    "openapi/compliance.yaml describes at the run's level (the file: documented types and value lists, "
    "at most 20 per page; --strict adds its x-strict blocks)",
    'page: the Brand, Campaign, Profile and Toll-free Verification object pages; list pages "contains up '
    'to 20 brands" / "up to 20 campaigns" (openapi/COMPLIANCE-SOURCES.md)',
)
READABLE = _rule(
    "compliance-get-serves-listed",
    "documented",
    "an id from the account's own list is served by its get (2xx) with the same id and status",
    'page: "This API lets you fetch all the brands associated with an account."; the brand, campaign, '
    "profile and toll-free object pages (API Endpoint)",
)
UNKNOWN_ID = _rule(
    "compliance-unknown-id-not-served",
    "documented",
    "an id the account does not have is not served (no 2xx)",
    'page: "fetch all the campaigns associated with an account"; "get details of a single toll-free '
    "number's verification status\"",
)
PAGINATION = _rule(
    "compliance-pagination",
    "documented",
    "brand, campaign and toll-free lists: limit/offset pages hold at most limit objects, are disjoint "
    "and together hold the list",
    'page: limit "Denotes the number of results per page. The maximum number of results that can be '
    'fetched is 20."; offset "Denotes the number of value items by which the results should be offset."',
)
PAGINATION_SDK = _rule(
    "compliance-pagination-sdk",
    "observed",
    "profile, compliance application and phone number compliance lists page by limit/offset as the "
    "documented lists do",
    "SDKs send limit and offset: plivo-python profile.py:28-38, regulatory_compliance.py:116-121; "
    "plivo-node phoneNumberCompliance.js:248-249 (COMPLIANCE-SOURCES C10, C17, C21)",
)
LIST_META = _rule(
    "compliance-list-meta",
    "observed",
    "a list's meta echoes the limit and offset the request asked for",
    "every recorded list page with meta (tests/fixtures/plivo-sdk/compliance/)",
)
FILTER = _rule(
    "compliance-filter",
    "documented",
    "a documented list filter returns exactly the listed objects that have the value",
    'page: brands "Filter by registration_status", "Filter by registration type"; campaigns "Filter by '
    'use case.", "Filters results by a brand_id", "Filter by registration status of a campaign", '
    '"Filters results by campaign source"; toll-free "A single toll-free verification status.", '
    '"A single toll-free number.", "A single profile_uuid"',
)
AUTH = _rule(
    "compliance-auth-required",
    "documented",
    "a compliance read without the account's credentials, or on another account's path, is refused (4xx)",
    "page: every compliance endpoint is under https://api.plivo.com/v1/Account/{auth_id}/ and its "
    "examples authenticate with the account's auth_id and auth_token",
)
ISOLATION = _rule(
    "compliance-account-isolation",
    "documented",
    "another account cannot read this account's brands, campaigns, profiles, verifications or applications",
    'page: "This API lets you fetch all the brands associated with an account."; "initiated from your '
    'Plivo account"',
)


def table() -> str:
    """The compliance rules as a Markdown table (the section of ``openapi/PROVENANCE.md``)."""
    rows = ["| id | provenance | rule | source |", "|---|---|---|---|"]
    for item in sorted(COMPLIANCE_CONSTRAINTS.values(), key=lambda c: (KINDS.index(c.kind), c.id)):
        rows.append(f"| `{item.id}` | {item.kind} | {item.rule} | {item.source} |")
    return "\n".join(rows)


_URI = "urn:plivo-number-contracts:compliance.yaml"


def schema_errors(instance: Any, name: str, level: openapi.Level) -> list[str]:
    """``"$.where: what"`` for each violation of compliance.yaml's schema ``name`` at ``level``."""
    return openapi.compliance_schema_errors(instance, name, level)


if __name__ == "__main__":
    print(table())
