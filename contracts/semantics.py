"""The documented meaning of each list filter: kept in :mod:`openapi.filters`, the one home.

Re-exported here for the contract suite's existing imports.
"""

from __future__ import annotations

from openapi.filters import PROSE_FILTERS, SERVICE_PROPERTIES, Filter, filters, matches_all

__all__ = ["PROSE_FILTERS", "SERVICE_PROPERTIES", "Filter", "filters", "matches_all"]
