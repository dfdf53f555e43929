"""Stock schemathesis reads our spec with the shipped ``schemathesis.toml`` and cries no wolf.

``st run openapi/number.yaml --url URL`` with credentials in the environment, as the README
shows: green against the emulator and against every benign variant (a correct target
that differs from ours), red against broken ones, and read-only on a live account.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from emulator.process import ServedEmulator, spawn

ROOT = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).with_name("st")
# A quick pass per target keeps the sweep over every variant within a few minutes of
# `make test`: the coverage phase (about half of each run) is left to `make kill-matrix`,
# which runs this module with STOCK_SWEEP=full.
FULL_SWEEP = os.environ.get("STOCK_SWEEP") == "full"
QUICK = (
    ("--max-examples", "5")
    if FULL_SWEEP
    else ("--max-examples", "5", "--phases", "examples,fuzzing,stateful")
)
ST_TIMEOUT_S = 300

pytestmark = pytest.mark.skipif(not ST.exists(), reason=f"schemathesis CLI not found at {ST}")


def st_run(
    served: ServedEmulator, *extra: str, config: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PLIVO_AUTH_ID": served.auth_id,
        "PLIVO_AUTH_TOKEN": served.auth_token,
        "NO_COLOR": "1",
    }
    command = [str(ST)]
    if config:
        command += ["--config-file", config]
    command += ["run", "openapi/number.yaml", "--url", served.base_url, *extra]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=ST_TIMEOUT_S, check=False
    )


def _variants() -> list[str]:
    from emulator.variants import CATALOGUE

    return sorted(CATALOGUE)


def _snapshot(served: ServedEmulator) -> list[dict[str, object]]:
    objects: list[dict[str, object]] = []
    auth = (served.auth_id, served.auth_token)
    with httpx.Client(base_url=served.base_url, auth=auth, timeout=30) as client:
        offset = 0
        while True:
            page = client.get(f"/v1/Account/{served.auth_id}/Number/", params={"limit": 20, "offset": offset})
            body = page.json()
            objects += body["objects"]
            offset += 20
            if offset >= body["meta"]["total_count"]:
                return objects


@pytest.mark.slow
def test_the_shipped_config_is_green_against_the_emulator_and_leaves_it_unchanged() -> None:
    with spawn("--seed", "7") as served:
        before = _snapshot(served)
        result = st_run(served)
        after = _snapshot(served)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "No issues found" in result.stdout
    assert served.auth_token not in result.stdout + result.stderr
    # The default config only reads: nothing was updated, nothing unrented.
    assert after == before


@pytest.mark.slow
def test_the_writes_config_updates_and_never_unrents() -> None:
    with spawn("--seed", "7") as served:
        before = {o["number"] for o in _snapshot(served)}
        result = st_run(served, *QUICK, config="schemathesis.writes.toml")
        after = {o["number"] for o in _snapshot(served)}
    assert result.returncode == 0, result.stdout[-4000:]
    assert "updateNumber" in result.stdout or "3/4" in result.stdout
    assert after == before, "the writes config unrented numbers"


def _run_variant(name: str) -> tuple[str, int, str]:
    with spawn("--seed", "7", "--variant", name) as served:
        result = st_run(served, *QUICK)
    return name, result.returncode, result.stdout[-3000:]


@pytest.mark.slow
def test_the_shipped_config_is_green_against_every_benign_variant() -> None:
    names = _variants()
    assert len(names) >= 25
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(_run_variant, names))
    false_alarms = {name: tail for name, code, tail in outcomes if code != 0}
    assert not false_alarms, "st run failed correct targets:\n" + "\n\n".join(
        f"== {name}\n{tail}" for name, tail in false_alarms.items()
    )


# Broken targets whose answers break a documented constraint the stock run can see.
DEFECTS_STOCK_FINDS = ["sms_enabled_as_string", "rates_as_numbers", "added_on_with_time", "limit_cap_25"]


@pytest.mark.slow
@pytest.mark.parametrize("defect", DEFECTS_STOCK_FINDS)
def test_the_shipped_config_still_finds_broken_targets(defect: str) -> None:
    with spawn("--seed", "7", "--defect", defect) as served:
        result = st_run(served)
    assert result.returncode != 0, f"st run passed the defect {defect}:\n{result.stdout[-3000:]}"
    assert "failure" in result.stdout.lower()
