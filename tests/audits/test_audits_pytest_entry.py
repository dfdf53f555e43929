"""``pytest audits``: the same audit as a pytest session, one test per rule, with a pytest-html report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from audits.rules import rule_ids

ROOT = Path(__file__).parents[2]


def pytest_audits(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "audits",
            "-q",
            "--audit-out",
            str(out),
            "--audit-numbers",
            "80",
            "--junitxml",
            str(out / "pytest.xml"),
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_pytest_audits_fails_on_critical_findings_like_the_cli(tmp_path: Path) -> None:
    done = pytest_audits(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    doc = json.loads((tmp_path / "audit.json").read_text())
    failing_rules = {f["rule"] for f in doc["findings"] if f["severity"] == "critical"}
    root = ET.parse(tmp_path / "pytest.xml").getroot()  # noqa: S314 - our own report
    outcomes = {
        case.get("name"): "failed" if case.find("failure") is not None else "passed"
        for case in root.iter("testcase")
    }
    assert set(outcomes) == {"test_inventory_is_complete", *(f"test_rule[{r}]" for r in rule_ids())}
    assert outcomes["test_inventory_is_complete"] == "passed"
    assert {name for name, outcome in outcomes.items() if outcome == "failed"} == {
        f"test_rule[{r}]" for r in failing_rules
    }
    assert (tmp_path / "audit-pytest.html").stat().st_size > 0
    assert (tmp_path / "audit.html").exists()


def test_pytest_audits_follows_the_policy(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[rules]\ndisable = ["profile-missing"]\n[threshold]\nfail_on = "none"\n')
    done = pytest_audits(tmp_path, "--audit-policy", str(policy))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(rule_ids())} passed, 1 skipped" in done.stdout  # the rules but one, and completeness


def test_pytest_audits_refuses_a_bad_policy(tmp_path: Path) -> None:
    done = pytest_audits(tmp_path, "--audit-policy", str(tmp_path / "missing.toml"))
    assert done.returncode == 4  # pytest's usage error
    assert "missing.toml does not exist" in done.stderr


def test_pytest_audits_takes_a_live_base_url_with_env_credentials(tmp_path: Path, served: Any) -> None:
    with served(numbers=60) as (app, target):
        env = {**os.environ, "PLIVO_AUTH_ID": target.auth_id, "PLIVO_AUTH_TOKEN": target.auth_token}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "audits",
                "-q",
                "--base-url",
                target.base_url,
                "--audit-out",
                str(tmp_path),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    doc = json.loads((tmp_path / "audit.json").read_text())
    assert doc["run"]["target"]["base_url"] == target.base_url
    assert doc["numbers_read"] == len(app.state.store.numbers(target.auth_id))
    assert target.auth_token not in done.stdout + done.stderr
    assert target.auth_token not in (tmp_path / "audit-pytest.html").read_text()
