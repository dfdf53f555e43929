"""``python -m emulator``: help, validation of options, the start-up banner, options taking effect."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator import EmulatorConfig, create_app
from emulator.cli import build_parser, config_from, main
from emulator.process import READY_FIELDS, parse_ready, spawn
from openapi.redaction import forms

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
def _serving(*args: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Start the CLI on a free port; yield its base URL and its ready record."""
    with spawn(*args) as served:
        yield served.base_url, served.ready


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


# (argv, what the one error line must say). Every option of build_parser() with a value
# appears at least once (checked below); ranges come from emulator.config.
BAD_OPTIONS: list[tuple[list[str], str]] = [
    (["--host", "a\x00b"], "argument --host: 'a\\x00b' is not an address"),
    (
        ["--host", "256.256.256.256", "--port", "0"],
        "argument --host/--port: cannot listen on '256.256.256.256'",
    ),
    (
        ["--port", "70000"],
        "argument --port: '70000' is out of range; allowed: a whole number from 0 to 65535",
    ),
    (["--port", "-1"], "argument --port: '-1' is out of range"),
    (["--port", "80.5"], "argument --port: '80.5' is not a whole number"),
    (["--port", ""], "argument --port: '' is not a whole number"),
    (["--log-level", "verbose"], "argument --log-level: invalid choice: 'verbose'"),
    (["--seed", "seven"], "argument --seed: 'seven' is not a whole number"),
    (["--seed", str(2**64)], "argument --seed: '18446744073709551616' is out of range"),
    (
        ["--seed", "9" * 5000],
        "argument --seed: '9999999999999999999999999999999999999999...' is not a whole number",
    ),
    (
        ["--numbers", "-5"],
        "argument --numbers: '-5' is out of range; allowed: a whole number from 0 to 1000000",
    ),
    (["--numbers", "1000001"], "argument --numbers: '1000001' is out of range"),
    (["--inventory", "/nonexistent/numbers.json"], "inventory file /nonexistent/numbers.json does not exist"),
    (["--inventory", "/"], "cannot read inventory file '/'"),
    (
        ["--auth-id", "MAbad"],
        "auth_id 'MAbad' has the wrong shape: a main account's auth_id is 'MA' followed by 18",
    ),
    (["--auth-id", "SA" + "A" * 18], "has the wrong shape"),
    (["--auth-token", "x"], "auth_token needs auth_id"),
    (["--auth-id", "MA" + "A" * 18, "--auth-token", "has space"], "auth_token must be 1 to 128 printable"),
    (
        ["--subaccounts", "1"],
        "argument --subaccounts: '1' is out of range; allowed: a whole number from 2 to 100",
    ),
    (["--subaccounts", "101"], "argument --subaccounts: '101' is out of range"),
    (["--level", "loose"], "argument --level: invalid choice: 'loose'"),
    (["--latency", "soon"], "argument --latency: 'soon' is not a number; allowed: seconds from 0 to 60"),
    (["--latency", "-0.5"], "argument --latency: '-0.5' is out of range"),
    (["--latency", "61"], "argument --latency: '61' is out of range"),
    (["--latency", "nan"], "argument --latency: 'nan' is not a finite number"),
    (["--jitter", "inf"], "argument --jitter: 'inf' is not a finite number; allowed: seconds from 0 to 60"),
    (["--jitter", "1e400"], "argument --jitter: '1e400' is not a finite number"),
    (["--jitter", "-1"], "argument --jitter: '-1' is out of range"),
    (
        ["--rate-limit", "0"],
        "argument --rate-limit: '0' is out of range; allowed: a whole number of requests from 1",
    ),
    (["--rate-limit", "1000001"], "argument --rate-limit: '1000001' is out of range"),
    (["--rate-limit", "2.5"], "argument --rate-limit: '2.5' is not a whole number"),
    (["--rate-window", "0"], "argument --rate-window: '0' is out of range; allowed: seconds greater than 0"),
    (["--rate-window", "-5"], "argument --rate-window: '-5' is out of range"),
    (["--rate-window", "nan"], "argument --rate-window: 'nan' is not a finite number"),
    (["--rate-window", "86401"], "argument --rate-window: '86401' is out of range"),
    (["--error-rate", "2"], "argument --error-rate: '2' is out of range; allowed: a fraction from 0 to 1"),
    (["--error-rate", "-0.1"], "argument --error-rate: '-0.1' is out of range"),
    (["--error-rate", "nan"], "argument --error-rate: 'nan' is not a finite number"),
    (["--error-status", "404"], "argument --error-status: '404': error statuses must be 5xx"),
    (["--error-status", "500,x"], "argument --error-status: '500,x' is not a list of statuses"),
    (["--error-status", ",".join(["500"] * 101)], "argument --error-status: 101 statuses are too many"),
    (["--drop-rate", "1.5"], "argument --drop-rate: '1.5' is out of range; allowed: a fraction from 0 to 1"),
    (["--drop-rate", "inf"], "argument --drop-rate: 'inf' is not a finite number"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["--port"], "argument --port: expected one argument"),
]


@pytest.mark.parametrize(("args", "message"), BAD_OPTIONS, ids=[" ".join(a)[:50] for a, _ in BAD_OPTIONS])
def test_bad_options_are_refused_with_one_clear_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("python -m emulator: error: ")
    assert message in lines[0], lines[0]
    assert captured.out == ""


def test_every_option_with_a_value_has_bad_values_in_the_table() -> None:
    tested = {arg for args, _ in BAD_OPTIONS for arg in args if arg.startswith("--")}
    for action in build_parser()._actions:
        if action.option_strings and action.nargs != 0:
            assert set(action.option_strings) & tested, f"no bad value tested for {action.option_strings}"


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "65535", "--numbers", "0", "--subaccounts", "2"],
        ["--seed", str(-(2**63)), "--latency", "60", "--jitter", "0"],
        ["--rate-limit", "1", "--rate-window", "86400", "--error-rate", "1", "--drop-rate", "0"],
        ["--error-status", "599", "--subaccounts", "100", "--numbers", "1000000"],
    ],
)
def test_the_ends_of_every_range_are_accepted(args: list[str]) -> None:
    build_parser().parse_args(args)  # raises SystemExit if refused


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--auth-id", "MAbad"], "auth_id 'MAbad' has the wrong shape"),
        (["--port", "70000"], "argument --port: '70000' is out of range"),
        (["--jitter", "inf"], "argument --jitter: 'inf' is not a finite number"),
    ],
)
def test_bad_option_from_the_command_line_exits_2_without_traceback(args: list[str], message: str) -> None:
    result = _run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
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


def _first_stdout_line(*args: str) -> tuple[str, str]:
    """Start ``python -m <args> --port 0``, read one stdout line, stop it; return the line and stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", *args, "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        time.sleep(0.2)  # anything else it would print at start
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert out == "", "--ready-json prints exactly one line on stdout"
    return line, err


def test_ready_json_is_one_parseable_line_with_every_credential() -> None:
    line, _ = _first_stdout_line(
        "emulator", "--ready-json", "--seed", "9", "--numbers", "5", "--subaccounts", "2"
    )
    assert line.endswith("\n")
    assert line.count("\n") == 1
    record = json.loads(line)
    assert parse_ready(line) == record
    expected = create_app(EmulatorConfig(seed=9, numbers=5, subaccounts=2)).state.demo
    assert record.keys() >= READY_FIELDS
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", record["base_url"])
    assert (record["auth_id"], record["auth_token"]) == (expected.auth_id, expected.auth_token)
    assert [(s["auth_id"], s["auth_token"]) for s in record["subaccounts"]] == [
        tuple(pair) for pair in expected.subaccounts
    ]
    other = record["other_account"]
    assert (other["auth_id"], other["auth_token"]) == tuple(expected.other_account)
    assert isinstance(record["pid"], int)
    assert record["pid"] > 0
    assert (record["seed"], record["level"], record["defect"], record["variant"]) == (
        9,
        "tolerant",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("module", "option", "name"),
    [
        ("emulator.defects", "--defect", "offset_ignored"),
        ("emulator.variants", "--variant", "order_descending"),
    ],
)
def test_ready_json_names_the_defect_or_variant(module: str, option: str, name: str) -> None:
    line, _ = _first_stdout_line(module, "--ready-json", option, name, "--numbers", "5")
    record = json.loads(line)
    assert record[option.lstrip("-")] == name
    assert record.keys() >= READY_FIELDS


def test_the_human_banner_stays_without_ready_json() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--seed", "9", "--numbers", "5"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
    finally:
        process.terminate()
        process.communicate(timeout=30)
    banner = "".join(lines)
    expected = create_app(EmulatorConfig(seed=9, numbers=5)).state.demo
    assert re.search(r"^  base URL:\s+http://127\.0\.0\.1:\d+$", banner, re.MULTILINE), banner
    assert f"auth_id:      {expected.auth_id}" in banner
    assert f"auth_token:   {expected.auth_token}" in banner
    assert "{" not in banner.splitlines()[0]


def test_spawn_reports_the_emulators_own_message_when_it_cannot_start() -> None:
    with pytest.raises(RuntimeError, match="--numbers"), spawn("--numbers", "-1"):
        pass


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


def test_an_inventory_with_a_lone_surrogate_exits_2_naming_number_and_field(tmp_path: Path) -> None:
    app = create_app(EmulatorConfig(seed=2, numbers=4))
    numbers = app.state.store.snapshot(app.state.demo.auth_id)
    numbers[2]["alias"] = "__RAW__"
    inventory = tmp_path / "surrogate.json"
    inventory.write_text(json.dumps(numbers).replace('"__RAW__"', '"\\ud800"'))
    result = _run("--port", "0", "--inventory", str(inventory))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"[2].alias (number {numbers[2]['number']}): is not valid Unicode text" in result.stderr


@contextmanager
def _started(*args: str, stderr_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    """``python -m emulator --port 0 --ready-json ARGS``, stderr in a file; yields it and its ready record."""
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0", "--ready-json", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        fields = parse_ready(line)
        assert fields is not None, line + stderr_path.read_text()
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield process, fields
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_server_promptly_even_with_answers_held_back(
    tmp_path: Path, signal_number: int
) -> None:
    # Maximum latency and jitter: every answer waits 60 to 120 s. The server used to wait
    # for them all (for ever with --jitter inf) before exiting.
    with _started("--latency", "60", "--jitter", "60", stderr_path=tmp_path / "err") as (process, fields):
        outcomes: list[object] = []

        def held_back() -> None:
            try:
                outcomes.append(
                    httpx.get(
                        f"{fields['base_url']}/v1/Account/{fields['auth_id']}/Number/",
                        auth=(fields["auth_id"], fields["auth_token"]),
                        timeout=120,
                    )
                )
            except httpx.HTTPError as exc:
                outcomes.append(exc)

        client = threading.Thread(target=held_back, daemon=True)
        client.start()
        time.sleep(0.5)  # the request is in flight, sleeping in the latency fault
        process.send_signal(signal_number)
        # Generous: the held-back answer is woken at once (nothing else waits more than 2 s).
        process.wait(timeout=30)
        client.join(timeout=30)
        assert not client.is_alive()
        (outcome,) = outcomes
        assert isinstance(outcome, httpx.Response), outcome
        assert outcome.status_code == 503
        assert outcome.json()["error"] == "service unavailable: the emulator is stopping"
        assert "Traceback" not in (tmp_path / "err").read_text()


def test_log_level_info_prints_one_line_per_request_without_credentials(tmp_path: Path) -> None:
    err = tmp_path / "err"
    with _started("--log-level", "info", "--numbers", "5", stderr_path=err) as (process, fields):
        auth_id, token = fields["auth_id"], fields["auth_token"]
        with httpx.Client(base_url=fields["base_url"], auth=(auth_id, token)) as client:
            assert client.get(f"/v1/Account/{auth_id}/Number/", params={"limit": 2}).status_code == 200
            assert client.post(f"/v1/Account/{auth_id}/Number/1/", json={"alias": token}).status_code == 404
            # A token in the path and query still never reaches the log. It is no phone
            # number (the spec's path pattern), so it is refused with 400.
            assert client.get(f"/v1/Account/{auth_id}/Number/{token}/?t={token}").status_code == 400
            assert client.get(f"/v1/Account/{auth_id}/Number/", auth=(auth_id, "wrong")).status_code == 401
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    text = err.read_text()
    lines = re.findall(r"^INFO:\s+(\S+) (\S+) (\d{3}|-) (\d+\.\d) ms$", text, re.MULTILINE)
    assert [(method, path, status) for method, path, status, _ in lines] == [
        ("GET", f"/v1/Account/{auth_id}/Number/", "200"),
        ("POST", f"/v1/Account/{auth_id}/Number/1/", "404"),
        ("GET", f"/v1/Account/{auth_id}/Number/***/", "400"),
        ("GET", f"/v1/Account/{auth_id}/Number/", "401"),
    ], text
    for spelling in forms(token, auth_id):
        assert spelling not in text
    assert "authorization" not in text.lower()
