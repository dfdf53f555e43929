"""`pytest contracts` against a served emulator as a live target, in a subprocess.

Proves from the emulator's own request log that a live run without --allow-writes sends
nothing but GET/HEAD/OPTIONS, and that reports of a failing run never hold the token.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.restore import snapshot_differences
from emulator import EmulatorConfig, Faults, create_app
from emulator.serve import serve

ROOT = Path(__file__).resolve().parents[2]
AUTH_ID = "MACONTRACTSLIVE00001"
TOKEN = "contracts-live-Secret-9f3b2c"

pytestmark = pytest.mark.slow


def _run_suite(base_url: str, reports: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    env.update(PLIVO_AUTH_ID=AUTH_ID, PLIVO_AUTH_TOKEN=TOKEN)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *args,
            f"--base-url={base_url}",
            "--profile=ci",
            "--max-rate=0",
            f"--reports-dir={reports}",
            "-p",
            "no:randomly",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def served() -> Iterator[tuple[str, object]]:
    app = create_app(EmulatorConfig(seed=3, auth_id=AUTH_ID, auth_token=TOKEN))
    with serve(app, host="127.0.0.1", port=0) as base_url:
        yield base_url, app


def test_live_run_without_allow_writes_only_reads(served: tuple[str, object], tmp_path: Path) -> None:
    base_url, app = served
    result = _run_suite(base_url, tmp_path, "contracts")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    methods = Counter(record.method for record in app.state.request_log)  # type: ignore[attr-defined]
    assert sum(methods.values()) > 500, f"the suite hardly ran: {methods}"
    assert set(methods) <= {"GET", "HEAD", "OPTIONS"}, f"a read-only live run sent {methods}"
    assert "read-only" in result.stdout or "skipped" in result.stdout


def test_reports_of_a_failing_run_hold_no_token(tmp_path: Path) -> None:
    # A target that fails now and then makes failures, whose messages carry requests.
    app = create_app(
        EmulatorConfig(
            seed=5, auth_id=AUTH_ID, auth_token=TOKEN, faults=Faults(error_rate=0.2, error_statuses=(500,))
        )
    )
    with serve(app, host="127.0.0.1", port=0) as base_url:
        result = _run_suite(base_url, tmp_path, "contracts/test_conformance.py", "contracts/test_auth.py")
    assert result.returncode == 1, "the faulty target should have failed the run"
    html = (tmp_path / "contracts.html").read_text(encoding="utf-8")
    xml = (tmp_path / "contracts.xml").read_text(encoding="utf-8")
    assert "$PLIVO_AUTH_TOKEN" in html, "failures should carry curl repros"
    assert "$PLIVO_AUTH_TOKEN" in xml, "failures should carry curl repros"
    for text in (html, xml, result.stdout, result.stderr):
        assert TOKEN not in text


def _inventory(base_url: str) -> dict[str, dict[str, object]]:
    import httpx

    objects: dict[str, dict[str, object]] = {}
    offset = 0
    while True:
        page = httpx.get(
            f"{base_url}/v1/Account/{AUTH_ID}/Number/",
            params={"limit": 20, "offset": offset},
            auth=(AUTH_ID, TOKEN),
        ).json()
        objects.update({str(o["number"]): o for o in page["objects"]})
        offset += 20
        if offset >= page["meta"]["total_count"]:
            return objects


def test_live_run_with_allow_writes_leaves_every_number_as_it_was(
    served: tuple[str, object], tmp_path: Path
) -> None:
    base_url, app = served
    before = _inventory(base_url)
    result = _run_suite(base_url, tmp_path, "contracts", "--allow-writes")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    methods = Counter(record.method for record in app.state.request_log)  # type: ignore[attr-defined]
    assert methods["POST"] > 50, f"the updates did not run: {methods}"
    assert methods["DELETE"] == 0, "no --unrent was given, so nothing may be unrented"
    after = _inventory(base_url)
    assert after.keys() == before.keys()
    # The API cannot set alias back to null, only to "": the spec says both mean unset.
    changed = {n: d for n in before if (d := snapshot_differences(before[n], after[n]))}
    assert not changed, f"{len(changed)} numbers were not restored: {changed}"
