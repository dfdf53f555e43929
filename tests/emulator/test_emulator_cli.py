"""``python -m emulator``: help, validation of options, the start-up banner, options taking effect."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from emulator import EmulatorConfig, create_app
from emulator.cli import build_parser, config_from, main
from emulator.process import parse_banner, spawn

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


@contextmanager
def _serving(*args: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Start the CLI on a free port; yield its base URL and the banner's fields."""
    with spawn(*args) as served:
        yield served.base_url, parse_banner(served.banner)


def test_help_explains_every_option() -> None:
    result = _run("--help")
    assert result.returncode == 0
    parser = build_parser()
    for action in parser._actions:
        for option in action.option_strings:
            assert option in result.stdout, option
        assert action.help, f"{action.option_strings} has no help text"
    for words in ("base URL", "PLIVO_API_BASE_URI", "Plivo: 300 per 5 s", "trailing", "0 picks a free one"):
        assert words.lower() in result.stdout.lower(), words


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--auth-id", "MAbad"],
            "auth_id 'MAbad' has the wrong shape: a main account's auth_id is 'MA' followed by 18",
        ),
        (["--auth-id", "SA" + "A" * 18], "has the wrong shape"),
        (["--auth-token", "x"], "auth_token needs auth_id"),
        (["--error-rate", "2"], "2 is not between 0 and 1"),
        (["--rate-limit", "0"], "must be at least 1"),
        (["--latency", "soon"], "is not a number of seconds"),
        (["--error-status", "404"], "error statuses must be 5xx"),
        (["--numbers", "-5"], "must be 0 or more"),
        (["--inventory", "/nonexistent/numbers.json"], "does not exist"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_option_from_the_command_line_exits_2_without_traceback() -> None:
    result = _run("--auth-id", "MAbad")
    assert result.returncode == 2
    assert "auth_id 'MAbad' has the wrong shape" in result.stderr
    assert "Traceback" not in result.stderr


def test_banner_and_serving() -> None:
    with _serving("--numbers", "30", "--seed", "9") as (base_url, fields):
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
        expected = create_app(EmulatorConfig(seed=9, numbers=30)).state.demo
        assert fields["auth_id"] == expected.auth_id
        assert fields["auth_token"] == expected.auth_token
        response = httpx.get(
            f"{base_url}/v1/Account/{fields['auth_id']}/Number/",
            auth=(fields["auth_id"], fields["auth_token"]),
        )
        assert response.status_code == 200
        assert response.json()["meta"]["total_count"] == 30


def test_auth_options_and_faults_take_effect(tmp_path: Path) -> None:
    app = create_app(EmulatorConfig(seed=2, numbers=12))
    numbers = app.state.store.snapshot(app.state.demo.auth_id)
    inventory = tmp_path / "mine.json"
    inventory.write_text(json.dumps(numbers))
    auth_id = "MA" + "B" * 18
    args = ["--inventory", str(inventory), "--auth-id", auth_id, "--auth-token", "tok", "--rate-limit", "3"]
    with _serving(*args) as (base_url, fields):
        assert fields["auth_id"] == auth_id
        assert fields["auth_token"] == "tok"
        with httpx.Client(base_url=base_url, auth=(auth_id, "tok")) as client:
            statuses = [client.get(f"/v1/Account/{auth_id}/Number/").status_code for _ in range(4)]
            assert statuses == [200, 200, 200, 429]


def test_config_from_arguments() -> None:
    args = build_parser().parse_args(
        [
            "--seed",
            "3",
            "--numbers",
            "10",
            "--level",
            "documented",
            "--latency",
            "0.05",
            "--jitter",
            "0.01",
            "--rate-limit",
            "300",
            "--rate-window",
            "5",
            "--error-rate",
            "0.1",
            "--error-status",
            "503",
            "--drop-rate",
            "0.02",
        ]
    )
    config = config_from(args)
    assert (config.seed, config.numbers, config.level) == (3, 10, "documented")
    faults = config.faults
    assert (faults.latency, faults.jitter, faults.rate_limit, faults.rate_window) == (0.05, 0.01, 300, 5.0)
    assert (faults.error_rate, faults.error_statuses, faults.drop_rate) == (0.1, (503,), 0.02)
