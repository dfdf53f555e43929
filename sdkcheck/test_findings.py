"""Runs last: what this run observed against the reviewed findings list, and the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import complete_sdks
from .report import write_report
from .run import SdkRun


def test_observed_findings_match_the_reviewed_list(sdk_run: SdkRun, pytestconfig: pytest.Config) -> None:
    sdk_run.complete = complete_sdks()
    reconciliation = sdk_run.reconcile()
    path = write_report(sdk_run, Path(pytestconfig.rootpath) / "reports" / "sdk.html")
    assert reconciliation.ok, (
        f"DIFFERENCE from sdkcheck/known_findings.yaml (see {path}):\n{reconciliation.describe()}"
    )
