"""``python -m audits --accounts FILE``: many accounts crawled concurrently into one report.

Two emulators over real HTTP on loopback hold three accounts: the first emulator's demo
account ("alpha") and its second, unrelated main account ("beta"), and the second
emulator's demo account ("gamma").
"""

from __future__ import annotations

import contextlib
import csv
import json
import socket
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from audits.accounts import AccountsError, load_accounts, looks_like_secret
from audits.cli import main
from audits.history import TrendPoint
from audits.merge import _trend
from audits.run import EXIT_INCOMPLETE, EXIT_OK, EXIT_THRESHOLD, EXIT_USAGE
from emulator import Faults
from emulator.hostile import serve_hostile
from openapi.redaction import forms
from tests.audits.fleet import NAMES, Fleet, Served, audit, fleet_fixture, load
from tests.audits.test_audits_cli import every_output

__all__ = ["fleet_fixture"]  # the fixture, used by name


def findings_of(doc: dict[str, Any], account: str | None = None) -> Counter[tuple[Any, ...]]:
    return Counter(
        (f["number"], f["rule"], f.get("key", ""), f["severity"], f["message"])
        for f in doc["findings"]
        if account is None or f.get("account") == account
    )


def test_every_account_is_audited_into_one_report_with_sections_and_totals(
    fleet: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "fleet"
    assert audit("--accounts", str(fleet.file), "--out", str(out)) == EXIT_THRESHOLD
    printed = capsys.readouterr().out
    doc = load(out)
    assert doc["complete"] is True
    assert doc["status"] == "FAILED"
    sections = {a["name"]: a for a in doc["accounts"]}
    assert list(sections) == NAMES
    assert {n: s["numbers_read"] for n, s in sections.items()} == {"alpha": 120, "beta": 40, "gamma": 60}
    assert all(s["complete"] and s["total_count"] == s["numbers_read"] for s in sections.values())
    # Totals are the sums of the sections.
    assert doc["numbers_read"] == doc["total_count"] == 220
    assert doc["summary"]["findings"] == sum(s["summary"]["findings"] for s in sections.values())
    assert doc["run"]["target"]["accounts"] == NAMES
    by_account = Counter(f["account"] for f in doc["findings"] if not f["waived"])
    assert {n: sum(c.values()) for n, c in doc["summary"]["by_account"].items()} == by_account
    assert all(sub.split(" / ")[0] in NAMES for sub in doc["summary"]["by_subaccount"])
    assert all(by_account[n] > 0 for n in NAMES)  # every demo inventory holds findings

    # Each account is judged exactly as a single-target run judges it.
    monkeypatch.setenv("PLIVO_AUTH_ID", fleet.env["BETA_ID"])
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", fleet.env["BETA_TOKEN"])
    single = tmp_path / "beta-alone"
    assert audit("--base-url", fleet.urls["beta"], "--out", str(single)) == EXIT_THRESHOLD
    assert findings_of(load(single)) == findings_of(doc, "beta")

    # One line per account, then the totals.
    for name in NAMES:
        assert f"  account {name}: FAILED; " in printed
    assert "audit FAILED: 3 account(s): alpha, beta, gamma" in printed
    # Every report says whose finding it is.
    with (out / "audit.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert Counter(r["account"] for r in rows if r["waived"] == "False") == by_account
    page = (out / "audit.html").read_text()
    assert 'class="by-account"' in page
    assert all(f'id="account-{n}"' in page for n in NAMES)
    root = ET.parse(out / "audit.xml").getroot()  # noqa: S314 - our own report
    failures = "\n".join(e.text or "" for e in root.iter("failure"))
    assert all(f"{n}  " in failures for n in NAMES)


def test_a_second_night_keeps_first_seen_per_account_and_one_trend(fleet: Fleet, tmp_path: Path) -> None:
    out = tmp_path / "fleet"
    assert audit("--accounts", str(fleet.file), "--out", str(out)) == EXIT_THRESHOLD
    first = load(out)
    assert audit("--accounts", str(fleet.file), "--out", str(out)) == EXIT_THRESHOLD
    again = load(out)
    assert again["summary"]["new"] == 0
    assert again["summary"]["resolved"] == 0
    assert [p["accounts"] for p in again["trend"]] == [3, 3]
    assert all(len(a["trend"]) == 2 for a in again["accounts"])
    assert {(f["account"], f["number"], f["rule"]): f["first_seen"] for f in again["findings"]} == {
        (f["account"], f["number"], f["rule"]): f["first_seen"] for f in first["findings"]
    }


def test_one_unreadable_account_makes_the_run_incomplete_without_hiding_the_others(
    fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    complete = tmp_path / "complete"
    assert audit("--accounts", str(fleet.file), "--out", str(complete)) == EXIT_THRESHOLD
    # gamma's token is refused (401); delta's server is not there at all.
    monkeypatch.setenv("GAMMA_TOKEN", "not-the-token-of-gamma")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
    monkeypatch.setenv("DELTA_ID", "MADELTA0000000000000")
    monkeypatch.setenv("DELTA_TOKEN", "delta-token-never-sent-anywhere")
    fleet.write({**fleet.urls, "delta": dead})
    out = tmp_path / "partial"
    code = audit("--accounts", str(fleet.file), "--out", str(out), "--attempts", "2", "--max-wait", "0.1")
    assert code == EXIT_INCOMPLETE
    doc = load(out)
    assert doc["status"] == "INCOMPLETE"
    assert doc["complete"] is False
    reasons = "\n".join(doc["incomplete_reasons"])
    assert "account gamma: page 1 (offset 0) could not be read: HTTP 401" in reasons
    assert "account delta: page 1 (offset 0) could not be read" in reasons
    assert not any(r.startswith(("account alpha", "account beta")) for r in doc["incomplete_reasons"])
    sections = {a["name"]: a for a in doc["accounts"]}
    assert [sections[n]["status"] for n in ("gamma", "delta")] == ["INCOMPLETE", "INCOMPLETE"]
    # alpha and beta are reported in full: the same findings as the complete run.
    before = load(complete)
    for name in ("alpha", "beta"):
        assert sections[name]["complete"] is True
        assert findings_of(doc, name) == findings_of(before, name)
    with (out / "audit.csv").open(encoding="utf-8") as handle:
        assert next(csv.DictReader(handle))["rule"] == "INCOMPLETE"
    assert "not-the-token-of-gamma" not in every_output(out)
    assert "delta-token-never-sent-anywhere" not in every_output(out)


def test_each_account_has_its_own_rate_budget(
    served: Served, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # slow's server allows 5 requests per second; fast's does not limit. A 429 slows the
    # pacer that drew it: slow's own, never fast's.
    with (
        served(seed=7, numbers=100, faults=Faults(rate_limit=5, rate_window=1.0)) as (slow, slow_target),
        served(seed=8, numbers=100) as (fast, fast_target),
    ):
        for name, app in (("SLOW", slow), ("FAST", fast)):
            monkeypatch.setenv(f"{name}_ID", app.state.demo.auth_id)
            monkeypatch.setenv(f"{name}_TOKEN", app.state.demo.auth_token)
        file = Fleet(tmp_path / "accounts.toml", {}, {}).write(
            {"slow": slow_target.base_url, "fast": fast_target.base_url}
        )
        out = tmp_path / "out"
        code = main(
            ["--no-progress", "--accounts", str(file), "--out", str(out), "--rate", "40", "--max-wait", "1"]
        )
    assert code == EXIT_THRESHOLD
    stats = {a["name"]: a["run"]["crawl"]["stats"] for a in load(out)["accounts"]}
    assert stats["slow"]["statuses"].get("429", 0) > 0
    assert stats["slow"]["final_rate"] < 40
    assert stats["fast"]["statuses"].get("429", 0) == 0
    assert stats["fast"]["final_rate"] == 40


def test_every_accounts_credentials_are_masked_in_every_output(
    fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = {
        "echoes": ("echo_authorization_500", "MAECHO00000000000000", "Echo-Token-0123456789-AbCdEfGhIj"),
        "fields": ("token_in_status", "MAFIELDS000000000000", "Fields-Token-9876543210-ZyXwVuTsRq"),
    }
    with contextlib.ExitStack() as stack:
        urls = dict(fleet.urls)
        for name, (behaviour, auth_id, token) in hostile.items():
            urls[name] = stack.enter_context(serve_hostile(behaviour, auth_id=auth_id, auth_token=token))
            monkeypatch.setenv(f"{name.upper()}_ID", auth_id)
            monkeypatch.setenv(f"{name.upper()}_TOKEN", token)
        fleet.write(urls)
        out = tmp_path / "out"
        code = audit("--accounts", str(fleet.file), "--out", str(out), "--attempts", "2", "--max-wait", "0.1")
    assert code == EXIT_INCOMPLETE  # the echoing server fails every page after the first
    printed = capsys.readouterr()
    text = every_output(out, printed.out, printed.err)
    secrets = [*fleet.tokens, *((a, t) for _, a, t in hostile.values())]
    for auth_id, token in secrets:
        for spelling in forms(token, auth_id):
            assert spelling.lower() not in text.lower(), f"a spelling of {auth_id}'s token leaked"
    assert "***" in text


def test_list_accounts_prints_the_ci_matrix_without_reading_credentials(
    fleet: Fleet, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALPHA_TOKEN")
    assert main(["--accounts", str(fleet.file), "--list-accounts"]) == EXIT_OK
    listed = json.loads(capsys.readouterr().out)
    assert [a["name"] for a in listed] == NAMES
    assert listed[0] == {
        "name": "alpha",
        "base_url": fleet.urls["alpha"],
        "auth_id_env": "ALPHA_ID",
        "auth_token_env": "ALPHA_TOKEN",
    }
    assert main(["--accounts", str(fleet.file), "--list-accounts", "--account", "beta"]) == EXIT_OK
    assert [a["name"] for a in json.loads(capsys.readouterr().out)] == ["beta"]


TOKEN_LIKE = "ZWQ4YjBmZjM2ZjYzMDE3ZWE0NmU0YzYxMDAwYzk5"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[accounts.a]\nauth_id_env = "A_ID"\nauth_token_env = \n',
            "is not valid TOML: Invalid value (at line 3, column 18)",
        ),
        ('[accounts.a]\nauth_id_env = "A_ID"\n', "accounts.a: auth_token_env is missing"),
        (
            f'[accounts.a]\nauth_id_env = "A_ID"\nauth_token_env = "{TOKEN_LIKE}"\n',
            "accounts.a.auth_token_env looks like a token value, not the name of an environment variable",
        ),
        (
            f'[accounts.a]\nauth_id_env = "A_ID"\nauth_token_env = "A_TOKEN"\nnote = "{TOKEN_LIKE}"\n',
            "accounts.a.note looks like a token value",
        ),
        (
            '[accounts.a]\nauth_id_env = "A_ID"\nauth_token_env = "A_TOKEN"\nauth_token = "x"\n',
            "accounts.a.auth_token would hold a credential",
        ),
        ('[accounts.a]\nauth_id_env = "A_ID"\nauth_token_env = "not a name"\n', "must be the name of an"),
        (
            '[accounts."a b"]\nauth_id_env = "A_ID"\nauth_token_env = "A_TOKEN"\n',
            "an account name is 1 to 64",
        ),
        (
            '[accounts.a]\nbase_url = "ftp://x"\nauth_id_env = "A_ID"\nauth_token_env = "A_TOKEN"\n',
            "is not an http(s) URL",
        ),
        (
            '[accounts.a]\nbase_url = "https://u:p@api.plivo.com"\nauth_id_env = "I"\nauth_token_env = "T"\n',
            "base_url must not carry credentials",
        ),
        ("[other]\nx = 1\n", "unknown top-level key(s) other"),
        ("", "names no account"),
    ],
)
def test_a_wrong_accounts_file_is_a_usage_error_that_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    file = tmp_path / "accounts.toml"
    file.write_text(text)
    assert main(["--accounts", str(file), "--out", str(tmp_path / "out")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err
    assert str(file) in err
    assert TOKEN_LIKE not in err  # a token typed into the file is never repeated


def test_unset_variables_are_named_with_their_account(
    fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BETA_TOKEN")
    monkeypatch.setenv("GAMMA_ID", "  ")
    assert audit("--accounts", str(fleet.file), "--out", str(tmp_path)) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "BETA_TOKEN (auth_token_env of account beta)" in err
    assert "GAMMA_ID (auth_id_env of account gamma)" in err
    assert "ALPHA" not in err


def test_the_same_account_twice_is_refused(
    fleet: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGAIN_ID", fleet.env["ALPHA_ID"])
    monkeypatch.setenv("AGAIN_TOKEN", fleet.env["ALPHA_TOKEN"])
    fleet.write({**fleet.urls, "again": fleet.urls["alpha"]})
    assert audit("--accounts", str(fleet.file), "--out", str(tmp_path)) == EXIT_USAGE
    assert "accounts alpha and again are the same account" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "nobody"], "--account nobody: not in the accounts file"),
        (["--base-url", "https://api.plivo.com"], "--accounts and --base-url: give one"),
    ],
)
def test_conflicting_options_are_usage_errors(
    fleet: Fleet, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with contextlib.suppress(SystemExit):
        assert main(["--accounts", str(fleet.file), *args]) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_account_without_accounts_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--account", "alpha"])
    assert exit_info.value.code == EXIT_USAGE
    assert (
        "--account, --list-accounts and --parallel-accounts need --accounts FILE" in capsys.readouterr().err
    )
    with pytest.raises(SystemExit):
        main(["--parallel-accounts", "2"])
    assert "need --accounts FILE" in capsys.readouterr().err


def test_token_shapes() -> None:
    assert looks_like_secret(TOKEN_LIKE)
    assert not looks_like_secret("EAST_PLIVO_AUTH_TOKEN")
    assert not looks_like_secret("https://api.plivo.com")
    assert not looks_like_secret("MAXXXXXXXXXXXXXXXXXX")  # an auth id is not secret (and upper case)


def test_the_default_base_url_is_plivos(tmp_path: Path) -> None:
    file = tmp_path / "a.toml"
    file.write_text('[accounts.a]\nauth_id_env = "A_ID"\nauth_token_env = "A_TOKEN"\n')
    assert load_accounts(file)[0].base_url == "https://api.plivo.com"
    with pytest.raises(AccountsError, match="does not exist"):
        load_accounts(tmp_path / "missing.toml")


def test_two_fleet_runs_within_one_second_stay_two_points_of_the_trend() -> None:
    # Start times are stored to the second; a quick rerun shares its start time with the run
    # before it. The fleet's trend joins accounts by start time, and must not join the reruns.
    def point(at: str, findings: int) -> TrendPoint:
        return TrendPoint(at, True, 10, findings, 0, {"high": findings}, findings, 0)

    same = "2026-12-03T02:00:00+00:00"
    earlier = "2026-12-02T02:00:00+00:00"
    alpha = [point(earlier, 1), point(same, 2), point(same, 3)]
    beta = [point(same, 20), point(same, 30)]
    trend = _trend([alpha, beta])
    assert [(p["started_at"], p["accounts"], p["findings"]) for p in trend] == [
        (earlier, 1, 1),
        (same, 2, 22),
        (same, 2, 33),
    ]


@pytest.mark.parametrize(("parallel", "most"), [("1", 1), ("2", 2), (None, 3)])
def test_at_most_parallel_accounts_are_crawled_at_once(
    fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: str | None, most: int
) -> None:
    import audits.accounts

    judge = audits.accounts._judge
    running, seen = [0], [0]

    async def counted(*args: Any) -> Any:
        running[0] += 1
        seen[0] = max(seen[0], running[0])
        try:
            return await judge(*args)
        finally:
            running[0] -= 1

    monkeypatch.setattr(audits.accounts, "_judge", counted)
    extra = ["--parallel-accounts", parallel] if parallel else []
    out = tmp_path / "out"
    assert audit("--accounts", str(fleet.file), "--out", str(out), *extra) == EXIT_THRESHOLD
    assert seen[0] == most  # the default (4) lets all three run at once
    assert [a["name"] for a in load(out)["accounts"]] == NAMES  # every account still audited
