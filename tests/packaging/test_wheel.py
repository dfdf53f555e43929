"""The project as a team outside this repository gets it: a wheel in a fresh virtual environment.

One wheel is built from this tree (``pip wheel --no-deps``, from a copy holding only what
the wheel is made of, so the checkout gets no ``build/``) and installed with its declared
dependencies into a new venv by that venv's own pip: the dependency ranges are resolved
the way a user's ``pip install`` resolves them (from the package index pip is configured
with; its cache makes a second run quick). Nothing of this checkout is importable there:
every command runs in an empty directory with a clean environment.

Then, as the README tells a team to do in its CI:

* ``plivo-number-emulator --port 0 --ready-json`` serves a target (its one JSON line says where);
* ``pytest --pyargs contracts --base-url URL`` runs the whole suite against it and writes
  ``./reports/contracts.{html,xml}``;
* ``pytest --pyargs contracts`` runs it against the embedded emulator (two of its modules
  here, to keep the test within a few minutes);
* ``plivo-number-audit --base-url URL`` audits it and writes ``./reports/audit.*``.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from emulator.process import parse_ready

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# What the wheel is built from (pyproject.toml's packages and readme).
SOURCES = ("pyproject.toml", "README.md", "openapi", "emulator", "contracts", "audits", "sdkcheck")
# Generous bounds that only a hang trips; the whole module takes about 3 minutes.
INSTALL_TIMEOUT = 600
RUN_TIMEOUT = 600
READY_TIMEOUT = 60


class Installed(NamedTuple):
    bin: Path
    env: dict[str, str]


def _clean_env(bin_dir: Path) -> dict[str, str]:
    """The environment of a user's shell with the venv activated: nothing of this run leaks in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "PLIVO_", "HYPOTHESIS_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(bin_dir.parent)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    wheels = work / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(source)],
        check=True,
        timeout=INSTALL_TIMEOUT,
    )
    (wheel,) = wheels.glob("plivo_number_contracts-*.whl")
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    env = _clean_env(bin_dir)
    subprocess.run(
        [
            str(bin_dir / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
        timeout=INSTALL_TIMEOUT,
        env=env,
        cwd=work,
    )
    return Installed(bin_dir, env)


def _run(installed: Installed, cwd: Path, *command: str, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [str(installed.bin / command[0]), *command[1:]],
        cwd=cwd,
        env=env or installed.env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[dict[str, Any]]:
    """The installed ``plivo-number-emulator``, on a free loopback port: its ready record."""
    process = subprocess.Popen(
        [str(installed.bin / "plivo-number-emulator"), "--port", "0", "--ready-json"],
        env=installed.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        record = None
        while record is None:
            line = lines.get(timeout=READY_TIMEOUT)
            if line is None:
                pytest.fail(f"plivo-number-emulator exited {process.wait()} before its ready line")
            record = parse_ready(line)
        yield record
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _credentials(record: dict[str, Any]) -> dict[str, str]:
    sub = record["subaccounts"][0]
    return {
        "PLIVO_AUTH_ID": record["auth_id"],
        "PLIVO_AUTH_TOKEN": record["auth_token"],
        "PLIVO_SUBACCOUNT_AUTH_ID": sub["auth_id"],
        "PLIVO_SUBACCOUNT_AUTH_TOKEN": sub["auth_token"],
        "PLIVO_OTHER_AUTH_ID": record["other_account"]["auth_id"],
        "PLIVO_OTHER_AUTH_TOKEN": record["other_account"]["auth_token"],
    }


def test_the_wheel_holds_the_plugin_and_the_data_files(installed: Installed, tmp_path: Path) -> None:
    script = (
        "import importlib.metadata as m, pathlib, contracts, openapi, sdkcheck, audits\n"
        "eps = [e.value for e in m.entry_points(group='pytest11') if e.name == 'contracts.plugin']\n"
        "print(eps)\n"
        "print(contracts.__file__)\n"
        "root = pathlib.Path(openapi.__file__).parent\n"
        "print(sorted(p.name for p in root.glob('*.yaml')))\n"
        "print((root / 'templates' / 'base.html.j2').is_file())\n"
        "print((pathlib.Path(sdkcheck.__file__).parent / 'known_findings.yaml').is_file())\n"
        "print((pathlib.Path(audits.__file__).parent / 'policy.example.toml').is_file())\n"
    )
    result = _run(installed, tmp_path, "python", "-c", script)
    assert result.returncode == 0, result.stderr
    entry_points, where, specs, template, findings, policy = result.stdout.splitlines()
    assert entry_points == "['contracts.plugin']"
    # The installed copy, not this checkout.
    assert Path(where).is_relative_to(installed.bin.parent), where
    assert "number.yaml" in specs
    assert (template, findings, policy) == ("True", "True", "True")


def test_the_installed_suite_runs_against_a_served_target_from_an_empty_directory(
    installed: Installed, served: dict[str, Any], tmp_path: Path
) -> None:
    env = {**installed.env, **_credentials(served)}
    result = _run(
        installed, tmp_path, "pytest", "--pyargs", "contracts", "--base-url", served["base_url"], env=env
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "contracts target: http://127.0.0.1" in output
    assert "verdict: the target met the documented contract" in output
    reports = tmp_path / "reports"
    assert (reports / "contracts.html").stat().st_size > 0
    assert "<testsuite" in (reports / "contracts.xml").read_text(encoding="utf-8")
    token = served["auth_token"]
    assert token not in output
    assert token not in (reports / "contracts.html").read_text(encoding="utf-8")


def test_the_installed_suite_runs_against_the_embedded_emulator(installed: Installed, tmp_path: Path) -> None:
    # Two modules, not all: the whole suite ran from the wheel against the served target
    # above; this shows the embedded target (no --base-url) works from the wheel, in time.
    result = _run(
        installed, tmp_path, "pytest", "--pyargs", "contracts.test_auth", "contracts.test_pagination"
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "contracts target: embedded emulator (asgi)" in output
    assert "verdict: the target met the documented contract" in output
    assert (tmp_path / "reports" / "contracts.xml").is_file()


def test_the_installed_audit_reports_on_a_served_target(
    installed: Installed, served: dict[str, Any], tmp_path: Path
) -> None:
    env = {**installed.env, **_credentials(served)}
    # The SDK's base (.../v1/Account) is accepted as well as the API root.
    base = f"{served['base_url']}/v1/Account"
    result = _run(installed, tmp_path, "plivo-number-audit", "--base-url", base, "--no-progress", env=env)
    output = result.stdout + result.stderr
    # 0: passed, 1: the policy's threshold was crossed (the demo inventory has findings).
    assert result.returncode in (0, 1), output[-4000:]
    reports = tmp_path / "reports"
    for name in ("audit.html", "audit.json", "audit.xml", "audit.csv"):
        assert (reports / name).stat().st_size > 0, name
    assert '"complete": true' in (reports / "audit.json").read_text(encoding="utf-8")
    assert served["auth_token"] not in output


def test_the_installed_plugin_stays_out_of_other_sessions(installed: Installed, tmp_path: Path) -> None:
    """Loaded in every session of the venv, the plugin neither validates nor starts anything elsewhere."""
    (tmp_path / "test_other.py").write_text("def test_other():\n    assert True\n", encoding="utf-8")
    result = _run(
        installed, tmp_path, "pytest", "test_other.py", "--base-url", "http://127.0.0.1:9/v1/Account"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "contracts target" not in result.stdout
    assert not (tmp_path / "reports").exists()
