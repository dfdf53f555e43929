"""No spelling of any credential leaves a run against a target that echoes them all.

``pytest contracts --base-url`` runs in a subprocess against :class:`tests.contracts.echoing.Echoing`:
the emulator with the Authorization header and the tokens echoed in error bodies (lower
and upper case, base64 at an odd alignment, percent, hex), in headers, in aliases and in
an enum field. The run fails a lot; stdout, stderr, contracts.html and contracts.xml must
not hold any of :func:`openapi.redaction.forms` of any of the three tokens, in any case.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from emulator import EmulatorConfig, create_app
from emulator.serve import serve
from openapi.redaction import MASK, forms
from tests.contracts.echoing import Echoing

ROOT = Path(__file__).resolve().parents[2]
AUTH_ID = "MAECHOINGTARGET00001"
TOKEN = "Echo-Me-Secret-4b1d9e7c"

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    html: str
    xml: str

    def outputs(self) -> dict[str, str]:
        return {
            "stdout": self.stdout,
            "stderr": self.stderr,
            "contracts.html": self.html,
            "contracts.xml": self.xml,
        }


@dataclass(frozen=True)
class Echo:
    base_url: str
    pairs: list[tuple[str, str]]

    def env(self) -> dict[str, str]:
        (main_id, main_token), (sub_id, sub_token), (other_id, other_token) = self.pairs
        return {
            "PLIVO_AUTH_ID": main_id,
            "PLIVO_AUTH_TOKEN": main_token,
            "PLIVO_SUBACCOUNT_AUTH_ID": sub_id,
            "PLIVO_SUBACCOUNT_AUTH_TOKEN": sub_token,
            "PLIVO_OTHER_AUTH_ID": other_id,
            "PLIVO_OTHER_AUTH_TOKEN": other_token,
        }


@pytest.fixture(scope="module")
def echo() -> Iterator[Echo]:
    app = create_app(EmulatorConfig(seed=11, numbers=40, auth_id=AUTH_ID, auth_token=TOKEN))
    demo = app.state.demo
    pairs = [(AUTH_ID, TOKEN), demo.subaccounts[0], demo.other_account]
    with serve(Echoing(app, AUTH_ID, TOKEN), host="127.0.0.1", port=0) as base_url:
        yield Echo(base_url, pairs)


def _run(echo: Echo, reports: Path, *selection: str) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    env.update(echo.env())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *selection,
            f"--base-url={echo.base_url}",
            "--max-rate=0",
            "--request-timeout=20",
            f"--reports-dir={reports}",
            "-p",
            "no:randomly",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    def read(name: str) -> str:
        path = reports / name
        return path.read_text(encoding="utf-8") if path.exists() else ""

    return Run(result.returncode, result.stdout, result.stderr, read("contracts.html"), read("contracts.xml"))


def leaked(text: str, pairs: list[tuple[str, str]]) -> list[str]:
    """The spellings of any of ``pairs``' tokens in ``text`` (case-insensitive)."""
    lowered = text.lower()
    return sorted({s for auth_id, token in pairs for s in forms(token, auth_id) if s.lower() in lowered})


@pytest.fixture(scope="module")
def failing_run(echo: Echo, tmp_path_factory: pytest.TempPathFactory) -> Run:
    # Conformance (schemathesis' failure text), auth (401s quoting the header), pagination
    # (hypothesis' falsifying examples), errors: every way a failure prints an exchange.
    return _run(
        echo,
        tmp_path_factory.mktemp("echo-reports"),
        "contracts/test_conformance.py",
        "contracts/test_auth.py",
        "contracts/test_pagination.py",
        "contracts/test_errors.py",
        "-k",
        "not test_update_number and not test_unrent_number",
    )


def test_the_echoing_target_makes_the_run_fail(failing_run: Run) -> None:
    assert failing_run.returncode == 1, failing_run.stdout[-3000:] + failing_run.stderr[-2000:]
    assert "did NOT meet the contract" in failing_run.stdout
    assert "met the documented contract" not in failing_run.stdout


def test_reports_were_written_and_show_the_masked_echoes(failing_run: Run) -> None:
    assert failing_run.html, "contracts.html must be written"
    assert failing_run.xml, "contracts.xml must be written"
    # The echoes reached the outputs (the test is not vacuous) and were masked there.
    assert MASK in failing_run.stdout
    assert MASK in failing_run.xml
    assert "$PLIVO_AUTH_TOKEN" in failing_run.xml, "failures still carry their curl repro"


def test_no_spelling_of_any_token_in_any_output(failing_run: Run, echo: Echo) -> None:
    for name, text in failing_run.outputs().items():
        assert not leaked(text, echo.pairs), f"{name} holds {leaked(text, echo.pairs)}"


def test_hypothesis_failing_examples_are_redacted_too(echo: Echo, tmp_path: Path) -> None:
    # test_filters draws an alias filter from the target's own data: the echoed alias,
    # token inside, is the drawn value hypothesis prints with the failing example.
    run = _run(
        echo,
        tmp_path,
        "contracts/test_filters.py",
        "-k",
        "test_filter_selects_exactly_the_matching_numbers and alias",
    )
    assert run.returncode == 1, run.stdout[-3000:]
    assert f"(alias): 'alias {MASK}'" in run.stdout, "hypothesis' drawn value should show, masked"
    for name, text in run.outputs().items():
        assert not leaked(text, echo.pairs), f"{name} holds {leaked(text, echo.pairs)}"
