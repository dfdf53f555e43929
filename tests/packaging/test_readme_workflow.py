"""The workflow the README offers to copy is valid YAML and calls only options that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from audits.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def _workflow() -> dict[str, Any]:
    text = README.read_text(encoding="utf-8")
    section = text.split("### In your own CI, without a clone", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block, "the README's own-CI section lost its workflow"
    loaded: dict[str, Any] = yaml.safe_load(block.group(1))
    return loaded


def _runs() -> list[str]:
    return [step["run"] for step in _workflow()["jobs"]["contracts"]["steps"] if "run" in step]


def test_the_workflow_reads_credentials_from_secrets_only() -> None:
    env = _workflow()["jobs"]["contracts"]["env"]
    assert env == {
        "PLIVO_AUTH_ID": "${{ secrets.PLIVO_AUTH_ID }}",
        "PLIVO_AUTH_TOKEN": "${{ secrets.PLIVO_AUTH_TOKEN }}",
    }


def test_the_audit_step_uses_real_options() -> None:
    (audit,) = [run for run in _runs() if run.startswith("plivo-number-audit")]
    args = build_parser().parse_args(shlex.split(audit)[1:])
    assert args.base_url == "https://api.plivo.com"
    assert args.no_progress


def test_the_contract_step_names_options_the_plugin_declares(pytestconfig: pytest.Config) -> None:
    (suite,) = [run for run in _runs() if run.startswith("pytest --pyargs contracts")]
    options = [word.split("=", 1)[0] for word in shlex.split(suite) if word.startswith("--")]
    declared = {name for opt in pytestconfig._parser._anonymous.options for name in opt.names()}
    for group in pytestconfig._parser._groups:
        declared |= {name for opt in group.options for name in opt.names()}
    assert set(options) <= declared | {"--pyargs"}, set(options) - declared


def test_reports_are_uploaded_even_when_a_step_fails() -> None:
    steps = _workflow()["jobs"]["contracts"]["steps"]
    upload = [step for step in steps if step.get("uses", "").startswith("actions/upload-artifact")]
    assert upload
    assert upload[0]["if"] == "always()"
    assert upload[0]["with"]["path"] == "reports/"
