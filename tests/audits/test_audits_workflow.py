"""The nightly workflow users copy: scheduled, read-only credentials from secrets, reports kept."""

from __future__ import annotations

from pathlib import Path

import yaml

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
