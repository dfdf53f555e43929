"""Tolerant and strict levels on a target that answers a recorded (x-observed) deviation.

The served emulator's inventory holds numbers whose tendlc_registration_status is
"REGISTERED" (seen in Plivo's own SDK fixtures, outside the documented enum). The default,
tolerant run passes and summarises them as warnings; --strict fails on them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from emulator import EmulatorConfig, create_app
from emulator.serve import serve

ROOT = Path(__file__).resolve().parents[2]
AUTH_ID = "MACONTRACTSLEVELS001"
TOKEN = "contracts-levels-token-5e1d"

pytestmark = pytest.mark.slow


def _inventory(tmp_path: Path) -> Path:
    app = create_app(EmulatorConfig(seed=9, numbers=40, auth_id=AUTH_ID, auth_token=TOKEN))
    objects = []
    with serve(app, host="127.0.0.1", port=0) as base_url:
        for offset in (0, 20):
            page = httpx.get(
                f"{base_url}/v1/Account/{AUTH_ID}/Number/",
                params={"limit": 20, "offset": offset},
                auth=(AUTH_ID, TOKEN),
            ).json()
            objects += page["objects"]
    for obj in objects:
        if obj.get("tendlc_registration_status") == "COMPLETED":
            obj["tendlc_registration_status"] = "REGISTERED"
    assert any(o.get("tendlc_registration_status") == "REGISTERED" for o in objects)
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(objects), encoding="utf-8")
    return path


def _suite(base_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    env.update(PLIVO_AUTH_ID=AUTH_ID, PLIVO_AUTH_TOKEN=TOKEN)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "contracts/test_conformance.py",
            "-k",
            "list or get",
            f"--base-url={base_url}",
            "--no-reports",
            "--max-rate=0",
            "-p",
            "no:randomly",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_observed_values_are_warnings_by_default_and_failures_with_strict(tmp_path: Path) -> None:
    app = create_app(EmulatorConfig(inventory=_inventory(tmp_path), auth_id=AUTH_ID, auth_token=TOKEN))
    with serve(app, host="127.0.0.1", port=0) as base_url:
        tolerant = _suite(base_url)
        strict = _suite(base_url, "--strict")
    assert tolerant.returncode == 0, tolerant.stdout[-3000:]
    assert "tolerated deviations (tolerant level" in tolerant.stdout
    assert "tendlc_registration_status" in tolerant.stdout
    assert strict.returncode == 1, strict.stdout[-3000:]
    assert "REGISTERED" in strict.stdout
