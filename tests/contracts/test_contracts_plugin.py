"""The contract suite as a pytest plugin: registered by its entry point, inert in other sessions,
its state per session (config.stash), not per process.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "PYTEST_"))}
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_plugin_is_registered_through_its_pytest11_entry_point() -> None:
    found = [ep for ep in importlib.metadata.entry_points(group="pytest11") if ep.name == "contracts.plugin"]
    assert [ep.value for ep in found] == ["contracts.plugin"], (
        "reinstall the project (pip install -e .) so its entry points are current"
    )


def test_another_session_ignores_the_contract_options_and_starts_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_other.py").write_text("def test_other():\n    assert True\n", encoding="utf-8")
    # Both would be usage errors in a contract session; here they are none of the plugin's business.
    result = _run(
        "-m", "pytest", "test_other.py", "-q", "--base-url=http://127.0.0.1:9/v1/Account", "--unrent=bad",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "contracts target" not in result.stdout
    assert "verdict:" not in result.stdout
    assert not (tmp_path / "reports").exists()


def test_pytest_audits_reads_base_url_the_audits_way(tmp_path: Path) -> None:
    # The SDK's base is an API root to the audit (python -m audits accepts it too).
    credentials = {"PLIVO_AUTH_ID": "MA" + "A" * 18, "PLIVO_AUTH_TOKEN": "audit-plugin-token"}
    base = "http://127.0.0.1:9/v1/Account"
    out = f"--audit-out={tmp_path}"
    collected = _run(
        "-m", "pytest", "audits", "--collect-only", "-q", out, f"--base-url={base}", env=credentials
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    missing = _run("-m", "pytest", "audits", "--collect-only", "-q", out, f"--base-url={base}")
    assert missing.returncode == 4, missing.stdout + missing.stderr
    assert "PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN" in missing.stderr


SESSIONS = """
import json, sys
import pytest
from contracts.plugin import record_of, session_schema
from contracts.settings import settings_of

seen = []

class Spy:
    def pytest_collection_finish(self, session):
        config = session.config
        run = settings_of(config)
        seen.append({
            "seed": run.seed, "level": run.level, "profile": run.profile,
            "record": id(record_of(config)), "schema": id(session_schema(config)),
        })

for extra in (["--hypothesis-seed=11"], ["--hypothesis-seed=22", "--strict", "--profile=nightly"]):
    code = pytest.main(
        ["contracts/test_conformance.py", "--collect-only", "-q", "--no-reports", *extra],
        plugins=[Spy()],
    )
    assert code == 0, code
print(json.dumps(seen))
"""


def test_two_sessions_in_one_process_keep_their_own_settings_and_record() -> None:
    result = _run("-c", SESSIONS)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    first, second = json.loads(result.stdout.strip().splitlines()[-1])
    assert (first["seed"], first["level"], first["profile"]) == (11, "tolerant", "ci")
    assert (second["seed"], second["level"], second["profile"]) == (22, "documented", "nightly")
    assert first["record"] != second["record"]
    assert first["schema"] != second["schema"]
