"""Conformance of every operation to the spec, through schemathesis' pytest integration.

Examples, coverage and fuzzing phases; positive and negative data; schemathesis' checks
plus ours (:mod:`contracts.checks`). Each case goes through :func:`contracts.conformance.run_case`.
"""

from __future__ import annotations

import pytest
from schemathesis import Case

from contracts.conformance import build_schema, only, run_case
from contracts.run import settings
from contracts.target import Target

_run = settings()
schema = build_schema(
    level=_run.options.level,
    seed=_run.seed,
    max_examples=_run.examples("max_examples"),
    max_steps=_run.examples("stateful_step_count"),
    live=_run.options.live,
    subaccounts_known=not _run.options.live,
)


@pytest.mark.live_safe
@only(schema, "listNumbers").parametrize()
def test_list_numbers(case: Case, target: Target, run_seed: int) -> None:
    run_case(case, target, run_seed)


@pytest.mark.live_safe
@only(schema, "getNumber").parametrize()
def test_get_number(case: Case, target: Target, run_seed: int) -> None:
    run_case(case, target, run_seed)


@pytest.mark.writes
@only(schema, "updateNumber").parametrize()
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
@only(schema, "unrentNumber").parametrize()
def test_unrent_number(case: Case, target: Target, run_seed: int) -> None:
    run_case(case, target, run_seed)
