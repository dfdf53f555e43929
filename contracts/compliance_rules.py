"""The rules ``contracts/test_compliance.py`` judges a target's compliance reads by, with their sources.

The same :class:`contracts.provenance.Constraint` as every other rule (documented rules fail
at every level, observed ones under ``--strict``), quoting the pages of
``openapi/COMPLIANCE-SOURCES.md``, registered in the one registry
(``contracts.provenance.CONSTRAINTS``) in a section of their own, which is their section of
``openapi/PROVENANCE.md`` (``python -m contracts.provenance`` prints the whole file). The
exact refusal statuses and the error body reuse ``status-codes``, ``error-body`` and
``invalid-input-refused``: Plivo's SDKs map statuses alike for every resource.

:func:`schema_errors` validates an answer against a schema of ``openapi/compliance.yaml``
at a level, as ``openapi.schema_errors`` does for number.yaml.
"""

from __future__ import annotations

from typing import Any

import openapi
from contracts.provenance import COMPLIANCE, Constraint, Kind, constraint, section

__all__ = [
    "AUTH",
    "FILTER",
    "ISOLATION",
    "LIST_META",
    "PAGINATION",
    "PAGINATION_SDK",
    "READABLE",
    "SCHEMA",
    "UNKNOWN_ID",
    "schema_errors",
]

section(
    COMPLIANCE,
    "Compliance reads (`contracts/test_compliance.py`)",
    "Defined in `contracts/compliance_rules.py`. Sources are the pages quoted in\n"
    "`openapi/COMPLIANCE-SOURCES.md`. The exact refusal statuses, the error body and `limit=21`\n"
    "refused with 400 are judged by `status-codes`, `error-body` and `invalid-input-refused` above.\n"
    "A family whose list answers 403 or 404 (not enabled on the account) is skipped with that\n"
    "reason.",
)


def _rule(id: str, kind: Kind, rule: str, source: str) -> Constraint:
    """A compliance rule, registered in the one registry (ids unique across every section)."""
    return constraint(id, kind, rule, source, section=COMPLIANCE)


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


_URI = "urn:plivo-number-contracts:compliance.yaml"


def schema_errors(instance: Any, name: str, level: openapi.Level) -> list[str]:
    """``"$.where: what"`` for each violation of compliance.yaml's schema ``name`` at ``level``."""
    return openapi.compliance_schema_errors(instance, name, level)
