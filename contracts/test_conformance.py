"""Conformance of every operation to the spec, through schemathesis' pytest integration.

Examples, coverage and fuzzing phases; positive and negative data; schemathesis' checks
plus ours (:mod:`contracts.checks`). Each case goes through :func:`contracts.conformance.run_case`.
"""

from __future__ import annotations

import pytest
from schemathesis import Case

from contracts.conformance import parametrize, run_case
from contracts.target import Target
from openapi.operations import GET, LIST, UNRENT, UPDATE

# Each test is parametrized with the session's schema (contracts.plugin): one test per
# operation, one example per generated case, as ``schema.parametrize()`` does.


@pytest.mark.live_safe
@parametrize(LIST)
def test_list_numbers(case: Case, target: Target, run_seed: int) -> None:
    run_case(case, target, run_seed)


@pytest.mark.live_safe
@parametrize(GET)
def test_get_number(case: Case, target: Target, run_seed: int) -> None:
    run_case(case, target, run_seed)


@pytest.mark.writes
@parametrize(UPDATE)
def test_update_number(case: Case, target: Target, run_seed: int) -> None:
    run_case(case, target, run_seed)


@pytest.fixture
def _embedded_only(target: Target) -> None:
    if target.live:
        pytest.skip(
            "live target: conformance does not unrent; each --unrent number can go once, "
            "and test_unrent uses it to check the whole unrent lifecycle"
        )


@pytest.mark.unrent
@pytest.mark.usefixtures("_embedded_only")
@parametrize(UNRENT)
def test_unrent_number(case: Case, target: Target, run_seed: int) -> None:
    run_case(case, target, run_seed)
