"""``python -m audits`` end to end: embedded emulator by default, a served emulator as a 'live' target."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from audits.cli import main
from audits.rules import rule_ids
from audits.run import EXIT_INCOMPLETE, EXIT_OK, EXIT_THRESHOLD, EXIT_USAGE

ROOT = Path(__file__).parents[2]
Served = Callable[..., Any]


def every_output(out: Path, *texts: str) -> str:
    """Everything a run left behind, as text (the SQLite history read as bytes)."""
    parts = [
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(out.iterdir())
        if p.suffix != ".sqlite"
    ]
    parts += [p.read_bytes().decode("latin-1") for p in out.glob("*.sqlite")]
    return "\n".join([*parts, *texts])


def test_default_run_audits_the_embedded_demo_inventory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    code = main(["--out", str(out), "--numbers", "120", "--no-progress"])
    printed = capsys.readouterr().out
    doc = json.loads((out / "audit.json").read_text())
    assert doc["complete"] is True
    assert doc["numbers_audited"] == doc["numbers_read"] == doc["total_count"] == 120
    assert doc["run"]["target"]["label"].startswith("embedded emulator demo inventory (seed 7")
    # The demo inventory is built to hold every status, critical ones included.
    assert doc["summary"]["by_severity"]["critical"] > 0
    assert code == EXIT_THRESHOLD
    assert "audit FAILED" in printed
    assert "(seed 7)" in printed
    assert {p.name for p in out.iterdir()} >= {"audit.html", "audit.json", "audit.xml", "audit.csv"}
    root = ET.parse(out / "audit.xml").getroot()  # noqa: S314 - our own report, not untrusted input
    assert [
        c.get("name") for c in root.iter("testcase") if c.get("classname") == "audits.rules"
    ] == rule_ids()

    # The next night: same findings, none new, first_seen kept; the trend has two points.
    assert main(["--out", str(out), "--numbers", "120", "--no-progress"]) == EXIT_THRESHOLD
    again = json.loads((out / "audit.json").read_text())
    assert again["summary"]["new"] == 0
    assert len(again["trend"]) == 2
    first_seen = {(f["number"], f["rule"]): f["first_seen"] for f in doc["findings"]}
    assert {(f["number"], f["rule"]): f["first_seen"] for f in again["findings"]} == first_seen


def test_policy_threshold_none_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text('[threshold]\nfail_on = "none"\n')
    code = main(["--out", str(tmp_path), "--numbers", "60", "--policy", str(policy), "--no-progress"])
    assert code == EXIT_OK
    doc = json.loads((tmp_path / "audit.json").read_text())
    assert doc["run"]["policy"]["source"] == str(policy)
    assert doc["threshold"]["crossed"] is False
    assert "audit PASSED" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--policy", "missing.toml"], {}, "policy file missing.toml does not exist"),
        (
            ["--base-url", "https://api.example.test"],
            {},
            "set PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN in the environment",
        ),
        (["--base-url", "http://127.0.0.1:9"], {"PLIVO_AUTH_ID": "MA" + "A" * 18}, "set PLIVO_AUTH_TOKEN"),
        (["--base-url", "http://MA:tok@127.0.0.1:9"], {}, "must not carry credentials"),
        (["--base-url", "api.plivo.com"], {}, "is not an http(s) URL"),
    ],
)
def test_usage_errors_say_what_and_how(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    monkeypatch.delenv("PLIVO_AUTH_ID", raising=False)
    monkeypatch.delenv("PLIVO_AUTH_TOKEN", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    assert main([*args, "--out", str(tmp_path / "out")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("plivo-number-audit: error: ")
    assert message in err
    assert not (tmp_path / "out" / "audit.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--concurrency", "0"], "--concurrency: must be a whole number >= 1, not 0"),
        (["--concurrency", "1.5"], "--concurrency: must be a whole number >= 1, not '1.5'"),
        (["--rate", "fast"], "--rate: must be a number > 0, not 'fast'"),
        (["--numbers", "-1"], "--numbers: must be a whole number >= 0, not -1"),
    ],
)
def test_bad_option_values_are_refused_by_the_parser(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_live_target_with_env_credentials_and_no_token_anywhere(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with served(numbers=100) as (app, target):
        monkeypatch.setenv("PLIVO_AUTH_ID", target.auth_id)
        monkeypatch.setenv("PLIVO_AUTH_TOKEN", target.auth_token)
        code = main(["--base-url", target.base_url + "/v1/Account/", "--out", str(tmp_path), "--no-progress"])
    printed = capsys.readouterr()
    doc = json.loads((tmp_path / "audit.json").read_text())
    assert doc["complete"] is True
    assert {f["number"] for f in doc["findings"]} <= set(app.state.store.numbers(target.auth_id))
    assert doc["run"]["target"]["base_url"] == target.base_url
    assert code in (EXIT_OK, EXIT_THRESHOLD)
    assert target.auth_token not in every_output(tmp_path, printed.out, printed.err)


def test_wrong_token_is_incomplete_and_never_printed(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = "definitely-wrong-token-4242"
    with served(numbers=40) as (_app, target):
        monkeypatch.setenv("PLIVO_AUTH_ID", target.auth_id)
        monkeypatch.setenv("PLIVO_AUTH_TOKEN", token)
        code = main(["--base-url", target.base_url, "--out", str(tmp_path), "--no-progress"])
    printed = capsys.readouterr()
    assert code == EXIT_INCOMPLETE
    assert "INCOMPLETE: page 1 (offset 0) could not be read: HTTP 401" in printed.out
    assert token not in every_output(tmp_path, printed.out, printed.err)


def test_unreachable_target_exits_incomplete_with_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("PLIVO_AUTH_ID", "MA" + "B" * 18)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "tok-unreachable-999")
    code = main(
        ["--base-url", f"http://127.0.0.1:{port}", "--out", str(tmp_path), "--attempts", "2", "--no-progress"]
    )
    assert code == EXIT_INCOMPLETE
    doc = json.loads((tmp_path / "audit.json").read_text())
    assert doc["complete"] is False
    assert doc["status"] == "INCOMPLETE"
    assert doc["findings"] == []
    assert "ConnectError" in doc["incomplete_reasons"][0]
    assert "tok-unreachable-999" not in every_output(tmp_path)


def test_python_dash_m_audits_runs_as_a_program(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "audits", "--out", str(tmp_path), "--numbers", "40", "--no-progress"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (EXIT_OK, EXIT_THRESHOLD), done.stderr
    assert "audit " in done.stdout
    assert done.stderr == ""
    assert (tmp_path / "audit.html").exists()


@pytest.mark.parametrize(
    ("base_url", "args", "warned"),
    [
        ("https://api.plivo.com", ["--no-rate-limit"], True),
        ("https://api.plivo.com", ["--rate", "80"], True),
        ("https://api.plivo.com", [], False),
        ("http://127.0.0.2:8765", ["--no-rate-limit"], False),
        ("http://localhost:8765", ["--rate", "500"], False),
    ],
)
def test_pacing_a_live_account_above_the_limit_is_warned_about(
    capsys: pytest.CaptureFixture[str], base_url: str, args: list[str], warned: bool
) -> None:
    from audits.cli import _warn_if_impolite, build_parser
    from audits.target import AuditTarget

    parsed = build_parser().parse_args(["--base-url", base_url, *args])
    _warn_if_impolite(parsed, AuditTarget("t", base_url, "MA" + "C" * 18, "tok", "t"))
    assert ("warning: pacing above Plivo's 300 requests per 5 s" in capsys.readouterr().err) is warned


def test_every_count_lists_its_severities_worst_first_night_after_night(tmp_path: Path) -> None:
    # Findings are stored in the order the crawl read the pages, which varies between runs;
    # the counts in audit.json must not (a nightly diff of it shows only what changed).
    rank = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
    for night in (1, 2):
        out = tmp_path / f"night{night}"
        main(["--out", str(out), "--numbers", "300", "--no-progress"])
        summary = json.loads((out / "audit.json").read_text())["summary"]
        counts = [*summary["by_rule"].values(), *summary["by_subaccount"].values()]
        assert any(len(c) > 1 for c in counts)
        for c in counts:
            assert [rank[s] for s in c] == sorted((rank[s] for s in c), reverse=True), c
