"""Running the Node driver: skip reasons, the pinned version, and the driver's own refusals."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from sdkcheck.nodesdk import DRIVER, installed_version, node_unavailable, pinned_version

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(
    NODE is None, reason="Node.js is not on PATH: install it, then `make node-tools`"
)


def test_skip_reasons_say_how_to_install(tmp_path: Path) -> None:
    no_node = node_unavailable(ROOT, None)
    assert no_node is not None
    assert "make node-tools" in no_node
    no_sdk = node_unavailable(tmp_path, "/usr/bin/node")
    assert no_sdk is not None
    assert "node_modules/plivo is missing" in no_sdk
    assert "make node-tools" in no_sdk


def test_the_pin_is_read_from_package_json(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"devDependencies": {"plivo": "4.79.0"}}))
    assert pinned_version(tmp_path) == "4.79.0"
    assert pinned_version(tmp_path / "absent") is None
    assert installed_version(tmp_path) is None


def run_driver(
    stdin: str, cwd: Path, driver: Path = DRIVER, credential: str | None = "t"
) -> tuple[int, dict[str, str]]:
    env = {"PATH": "/usr/bin:/bin"}
    if credential:
        env["PLIVO_AUTH_TOKEN"] = credential
    done = subprocess.run(
        [str(NODE), str(driver)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=30,
        check=False,
    )
    return done.returncode, json.loads(done.stdout)


@needs_node
def test_the_driver_refuses_a_bad_plan() -> None:
    code, output = run_driver("not json", ROOT)
    assert code == 2
    assert "not JSON" in output["fatal"]
    code, output = run_driver(json.dumps({"steps": []}), ROOT)
    assert code == 2
    assert "base_url, auth_id and a steps list" in output["fatal"]


@needs_node
def test_the_driver_wants_the_token_in_the_environment() -> None:
    plan = json.dumps({"base_url": "http://127.0.0.1:9", "auth_id": "MAXXXXXXXXXXXXXXXXXX", "steps": []})
    code, output = run_driver(plan, ROOT, credential=None)
    assert code == 2
    assert "PLIVO_AUTH_TOKEN" in output["fatal"]


@needs_node
def test_the_driver_says_how_to_install_a_missing_sdk(tmp_path: Path) -> None:
    lonely = tmp_path / "node_driver.js"
    shutil.copy(DRIVER, lonely)
    code, output = run_driver("{}", tmp_path, driver=lonely)
    assert code == 3
    assert "make node-tools" in output["fatal"]
