"""Runs last: what this run observed against the reviewed findings list, and the report."""

from __future__ import annotations

import pytest

from emulator import EmulatorConfig, create_app

from .conftest import complete_sdks, report_path
from .report import write_report
from .sdkrun import SdkRun
from .served import SEED


def test_observed_findings_match_the_reviewed_list(sdk_run: SdkRun, pytestconfig: pytest.Config) -> None:
    sdk_run.complete = complete_sdks()
    reconciliation = sdk_run.reconcile()
    path = write_report(sdk_run, report_path(pytestconfig))
    assert reconciliation.ok, (
        f"DIFFERENCE from sdkcheck/known_findings.yaml (see {path}):\n{reconciliation.describe()}"
    )


def test_the_report_never_carries_a_token(sdk_run: SdkRun, pytestconfig: pytest.Config) -> None:
    # The served emulators all use the seeded demo credentials; rebuild them to know what to look for.
    demo = create_app(EmulatorConfig(seed=SEED, numbers=0)).state.demo
    tokens = [demo.auth_token, *(token for _, token in demo.subaccounts)]
    page = write_report(sdk_run, report_path(pytestconfig)).read_text(encoding="utf-8")
    assert sdk_run.exchanges, "the report should describe this run's calls"
    assert not [t for t in tokens if t in page]
