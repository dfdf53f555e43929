"""End to end: a run whose observations differ from the reviewed list fails and says DIFFERENCE.

Runs ``pytest sdkcheck`` (the Python SDK module) in a subprocess with an edited copy of the reviewed
findings: one real finding removed (so it is NEW) and one invented (so it is GONE).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sdkcheck.findings import KNOWN_FINDINGS_PATH

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BOGUS = {
    "id": "PY-INVENTED",
    "sdk": "python",
    "method": "numbers.list",
    "signature": "behaviour never-happens",
    "description": "an invented finding no run observes",
    "evidence": "none",
}


def edited_findings(tmp_path: Path, drop: str) -> Path:
    document = yaml.safe_load(KNOWN_FINDINGS_PATH.read_text(encoding="utf-8"))
    document["findings"] = [f for f in document["findings"] if f["id"] != drop] + [BOGUS]
    path = tmp_path / "known.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def run_sdkcheck(tmp_path: Path, known: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    report = tmp_path / "sdk.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "sdkcheck/test_python_sdk.py",
            "sdkcheck/test_findings.py",
            f"--sdk-known-findings={known}",
            f"--sdk-report={report}",
            "-q",
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, report.read_text(encoding="utf-8") if report.exists() else ""


def test_new_and_gone_findings_fail_the_run(tmp_path: Path) -> None:
    done, report = run_sdkcheck(tmp_path, edited_findings(tmp_path, drop="PY-SERVICES-STRING-REFUSED"))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    assert "NEW finding 'behaviour services-comma-string-refused'" in output
    assert "GONE PY-INVENTED python numbers.list: 'behaviour never-happens' was not observed" in output
    assert "DIFFERENCE: 1 new, 1 no longer observed" in report
    assert "GONE (PY-INVENTED no longer observed)" in report


def test_a_partial_run_does_not_call_unrun_findings_gone(tmp_path: Path) -> None:
    done, report = run_sdkcheck(
        tmp_path,
        edited_findings(tmp_path, drop="none"),
        "-k",
        "test_list_without_filters or test_observed_findings",
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "partial run (not compared for GONE)" in report
    assert "not compared (SDK not run completely)" in report
