"""The nightly workflows users copy: scheduled, credentials from secrets, reports and history kept.

The fan-out variant's step scripts are also run, in order, against emulators.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from tests.audits.fleet import NAMES, Fleet, fleet_fixture

__all__ = ["fleet_fixture"]  # the fixture, used by name

WORKFLOW = Path(__file__).parents[2] / ".github" / "workflows" / "nightly-audit.yml"


def test_nightly_workflow_is_scheduled_and_keeps_history_and_reports() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key "on" as True
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]
    steps = workflow["jobs"]["audit"]["steps"]
    audit = next(s for s in steps if s.get("id") == "audit")
    assert "plivo-number-audit --base-url" in audit["run"]
    assert audit["env"]["PLIVO_AUTH_TOKEN"] == "${{ secrets.PLIVO_AUTH_TOKEN }}"
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/cache/restore") for u in uses)
    assert any(u.startswith("actions/upload-artifact") for u in uses)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    for name in ("audit.html", "audit.json", "audit.xml", "audit.csv"):
        assert f"reports/{name}" in upload["with"]["path"]


# ---------------------------------------------------------------- fan-out variant

FANOUT = WORKFLOW.with_name("nightly-audit-fanout.yml")


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def _step(job: dict[str, Any], uses: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if s.get("uses", "").startswith(uses))


def test_fanout_workflow_runs_one_job_per_account_then_one_merge() -> None:
    workflow = yaml.safe_load(FANOUT.read_text())
    assert workflow[True]["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]
    jobs = workflow["jobs"]
    # The matrix is the accounts file, listed (and checked) by the tool itself.
    listing = next(s for s in jobs["accounts"]["steps"] if s.get("id") == "list")
    assert "--accounts audit-accounts.toml --list-accounts" in listing["run"]
    audit = jobs["audit"]
    assert audit["needs"] == "accounts"
    assert audit["strategy"]["fail-fast"] is False
    assert audit["strategy"]["matrix"]["account"] == "${{ fromJSON(needs.accounts.outputs.matrix) }}"
    run = next(s for s in audit["steps"] if s.get("id") == "audit")
    assert '--accounts audit-accounts.toml --account "$ACCOUNT"' in run["run"]
    # Each job gets only its own account's two secrets, named by the accounts file.
    assert run["env"]["ACCOUNT_AUTH_TOKEN"] == "${{ secrets[matrix.account.auth_token_env] }}"
    assert run["env"]["ACCOUNT_AUTH_ID"] == "${{ secrets[matrix.account.auth_id_env] }}"
    assert "secrets.PLIVO_AUTH_TOKEN" not in FANOUT.read_text()
    part = _step(audit, "actions/upload-artifact")
    assert part["with"]["name"] == "audit-part-${{ matrix.account.name }}"
    assert part["with"]["path"] == "reports/${{ matrix.account.name }}/audit.json"

    merge = jobs["merge"]
    assert set(merge["needs"]) == {"accounts", "audit"}
    assert merge["if"].startswith("always()")  # a failed account job still gets a merged report
    assert _step(merge, "actions/download-artifact")["with"]["pattern"] == "audit-part-*"
    merging = next(s for s in merge["steps"] if s.get("id") == "merge")
    assert "plivo-number-audit merge" in merging["run"]
    assert "--accounts audit-accounts.toml" in merging["run"]  # a missing job is INCOMPLETE
    assert _step(merge, "actions/cache/restore")["with"]["path"] == "reports/audit-history.sqlite"
    assert _step(merge, "actions/cache/save")["with"]["path"] == "reports/audit-history.sqlite"
    upload = _step(merge, "actions/upload-artifact")
    for name in ("audit.html", "audit.json", "audit.xml", "audit.csv"):
        assert f"reports/{name}" in upload["with"]["path"]
    assert "exit 1" in merge["steps"][-1]["run"]


def _bash(script: str, cwd: Path, env: dict[str, str], hidden: Iterable[str] = ()) -> dict[str, str]:
    """Run one step's script as Actions would (bash -e); its $GITHUB_OUTPUT as a dict."""
    output = cwd / f"github-output-{len(list(cwd.glob('github-output-*')))}"
    output.touch()
    full = {
        **{k: v for k, v in os.environ.items() if k not in set(hidden)},
        **env,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(cwd / "summary.md"),
        "RUNNER_TEMP": str(cwd / "runner-temp"),
    }
    (cwd / "runner-temp").mkdir(exist_ok=True)
    done = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)


def test_fanout_workflow_scripts_audit_each_account_and_merge_them(fleet: Fleet, tmp_path: Path) -> None:
    """The workflow's own step scripts, run in order against emulators, as the matrix would."""
    jobs = yaml.safe_load(FANOUT.read_text())["jobs"]
    work = tmp_path / "checkout"
    work.mkdir()
    fleet.write(fleet.urls)
    shutil.copy(fleet.file, work / "audit-accounts.toml")
    listing = _bash(next(s for s in jobs["accounts"]["steps"] if s.get("id") == "list")["run"], work, {})
    matrix = json.loads(listing["matrix"])
    assert [a["name"] for a in matrix] == NAMES
    step = next(s for s in jobs["audit"]["steps"] if s.get("id") == "audit")
    parts = work / "parts"
    for account in matrix:
        # What ${{ ... }} expands to in this account's job; its secrets under neutral names only.
        env = {
            "ACCOUNT": account["name"],
            "ID_VARIABLE": account["auth_id_env"],
            "TOKEN_VARIABLE": account["auth_token_env"],
            "ACCOUNT_AUTH_ID": fleet.env[account["auth_id_env"]],
            "ACCOUNT_AUTH_TOKEN": fleet.env[account["auth_token_env"]],
        }
        # Only this account's two secrets reach the job, under neutral names.
        assert (
            _bash(step["run"], work, env, hidden=fleet.env)["code"] == "1"
        )  # every demo account crosses the default threshold
        # upload-artifact + download-artifact with pattern audit-part-*
        target = parts / f"audit-part-{account['name']}"
        target.mkdir(parents=True)
        shutil.copy(work / "reports" / account["name"] / "audit.json", target / "audit.json")
    shutil.rmtree(work / "reports")
    merging = next(s for s in jobs["merge"]["steps"] if s.get("id") == "merge")
    assert _bash(merging["run"], work, {})["code"] == "1"
    doc = json.loads((work / "reports" / "audit.json").read_text())
    assert [a["name"] for a in doc["accounts"]] == NAMES
    assert doc["complete"] is True
    summary = (work / "summary.md").read_text()
    assert "## Number audit: FAILED (3 account(s): alpha, beta, gamma)" in summary
    assert all(f"- {name}: FAILED" in summary for name in NAMES)
