"""``python -m audits merge``: fanned-out runs (one per account) combined, exactly as one run.

The proof is a comparison: the same three accounts audited by one ``--accounts`` run and
by three ``--account NAME`` jobs merged give the same audit.json, night after night,
except for times, durations and the history file's path.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from audits.cli import main
from audits.report import write_stopped
from audits.run import EXIT_INCOMPLETE, EXIT_OK, EXIT_THRESHOLD, EXIT_USAGE
from benchmarks.fleet import NETWORK, TIMES
from openapi.redaction import forms
from tests.audits.fleet import NAMES, Fleet, audit, fleet_fixture, load
from tests.audits.test_audits_cli import every_output

__all__ = ["fleet_fixture"]  # the fixture, used by name

VOLATILE = TIMES
"""Times, durations and where the history file is: all that may differ between a run and a merge."""
# NETWORK: how the network behaved during one crawl. The single run and the fan-out jobs are
# separate crawls, so these are compared as the merge's sums of its own parts instead (below).


def normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "<volatile>" if k in VOLATILE | NETWORK else normalised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    return value


def fan_out(fleet: Fleet, root: Path, names: list[str] = NAMES, *extra: str) -> list[Path]:
    """One job per account, each with its own throwaway history, as the fan-out workflow runs them."""
    dirs = []
    for name in names:
        out = root / name
        code = audit(
            "--accounts",
            str(fleet.file),
            "--account",
            name,
            "--out",
            str(out),
            "--history",
            str(out / "job.sqlite"),
            *extra,
        )
        assert code in (EXIT_OK, EXIT_THRESHOLD, EXIT_INCOMPLETE)
        dirs.append(out)
    return dirs


def merge(*args: str | Path) -> int:
    return main(["merge", *map(str, args)])


@pytest.fixture
def parts(fleet: Fleet, tmp_path: Path) -> list[Path]:
    return fan_out(fleet, tmp_path / "parts")


def test_a_merge_equals_a_single_multi_account_run_night_after_night(
    fleet: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    single, merged = tmp_path / "single", tmp_path / "merged"
    for night in (1, 2):
        assert audit("--accounts", str(fleet.file), "--out", str(single)) == EXIT_THRESHOLD
        dirs = fan_out(fleet, tmp_path / f"parts-{night}")
        capsys.readouterr()
        assert merge(*dirs, "--out", merged) == EXIT_THRESHOLD
        printed = capsys.readouterr().out
        one, other = load(single), load(merged)
        assert normalised(other) == normalised(one), f"night {night}"
        assert len(other["trend"]) == night
        assert [a["name"] for a in other["accounts"]] == NAMES
        assert "audit FAILED: 3 account(s): alpha, beta, gamma" in printed
        # What the network did is not compared across crawls, but the merge adds its parts' up.
        jobs = [load(d)["run"]["crawl"]["stats"] for d in dirs]
        for key in ("requests", "retries"):
            assert other["run"]["crawl"]["stats"][key] == sum(job[key] for job in jobs), key
    assert other["summary"]["new"] == 0  # the merged history knew every finding from night 1
    # The other reports are written from the same document: the same rows, bar first-seen times.
    for name in ("audit.csv",):
        with (single / name).open() as a, (merged / name).open() as b:
            rows_a = [{k: v for k, v in r.items() if k != "first_seen"} for r in csv.DictReader(a)]
            rows_b = [{k: v for k, v in r.items() if k != "first_seen"} for r in csv.DictReader(b)]
        assert rows_a == rows_b
    # One history: every account recorded as its own target, once per night.
    with sqlite3.connect(merged / "audit-history.sqlite") as db:
        runs = db.execute("SELECT target, COUNT(*) FROM runs GROUP BY target").fetchall()
    assert sorted(n for _, n in runs) == [2, 2, 2]


def test_a_merge_resolves_what_a_run_would_resolve(fleet: Fleet, tmp_path: Path) -> None:
    # Night 2's beta job no longer reports one of night 1's findings (the number was fixed):
    # the merge resolves it, in beta's section and in the totals, as a single run would.
    merged = tmp_path / "merged"
    dirs = fan_out(fleet, tmp_path / "parts")
    assert merge(*dirs, "--out", merged) == EXIT_THRESHOLD
    doc = load(merged)
    victim = next(f for f in doc["findings"] if f["account"] == "beta")
    beta = json.loads((dirs[1] / "audit.json").read_text())
    kept = [
        f
        for f in beta["findings"]
        if (f["number"], f["rule"], f.get("key")) != (victim["number"], victim["rule"], victim.get("key"))
    ]
    beta["findings"] = kept
    (dirs[1] / "audit.json").write_text(json.dumps(beta))
    assert merge(*dirs, "--out", merged) == EXIT_THRESHOLD
    again = load(merged)
    assert [(r["account"], r["number"], r["rule"]) for r in again["resolved"]] == [
        ("beta", victim["number"], victim["rule"])
    ]
    assert again["summary"]["resolved"] == 1
    assert {a["name"]: a["summary"]["resolved"] for a in again["accounts"]} == {
        "alpha": 0,
        "beta": 1,
        "gamma": 0,
    }


def test_an_account_the_file_names_but_no_job_reported_makes_the_merge_incomplete(
    fleet: Fleet, tmp_path: Path, parts: list[Path]
) -> None:
    out = tmp_path / "merged"
    assert merge(*parts[:2], "--accounts", fleet.file, "--out", out) == EXIT_INCOMPLETE
    doc = load(out)
    assert doc["incomplete_reasons"] == [
        "account gamma: no audit among the merged inputs (its job wrote no audit.json)"
    ]
    assert [a["name"] for a in doc["accounts"]] == ["alpha", "beta"]
    # Without the file nothing says gamma was expected: the two accounts are simply merged.
    assert merge(*parts[:2], "--out", tmp_path / "two") == EXIT_THRESHOLD


def test_a_job_that_stopped_makes_the_merge_incomplete(tmp_path: Path, parts: list[Path]) -> None:
    stopped = tmp_path / "stopped"
    write_stopped("the audit stopped on an unexpected error (RuntimeError: boom)", stopped)
    out = tmp_path / "merged"
    assert merge(*parts, stopped, "--out", out) == EXIT_INCOMPLETE
    doc = load(out)
    assert len(doc["accounts"]) == 3
    assert any("boom" in r for r in doc["incomplete_reasons"])
    # Only stopped jobs: the reports still say INCOMPLETE, with the reasons.
    assert merge(stopped, "--out", tmp_path / "nothing") == EXIT_INCOMPLETE
    assert "boom" in load(tmp_path / "nothing")["incomplete_reasons"][0]


def _edited(source: Path, target: Path, edit: Any) -> Path:
    target.mkdir(parents=True)
    document = json.loads((source / "audit.json").read_text())
    edit(document)
    (target / "audit.json").write_text(json.dumps(document))
    return target


def test_inconsistent_inputs_are_refused_and_the_message_says_why(
    fleet: Fleet,
    tmp_path: Path,
    parts: list[Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alpha, beta, _ = parts
    policy = tmp_path / "policy.toml"
    policy.write_text('[threshold]\nfail_on = "none"\n')
    other_policy = fan_out(fleet, tmp_path / "other-policy", ["gamma"], "--policy", str(policy))[0]

    def renamed(d: dict[str, Any]) -> None:
        d["accounts"][0]["name"] = "alias"
        for f in d["findings"]:
            f["account"] = "alias"

    monkeypatch.setenv("PLIVO_AUTH_ID", fleet.env["ALPHA_ID"])
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", fleet.env["ALPHA_TOKEN"])
    single_target = tmp_path / "single-target"
    audit("--base-url", fleet.urls["alpha"], "--out", str(single_target))
    cases = [
        ([alpha, alpha], "is given twice"),
        ([alpha, _edited(alpha, tmp_path / "copy", lambda d: None)], "account alpha is in both"),
        ([alpha, _edited(alpha, tmp_path / "alias", renamed)], "are the same account"),
        ([alpha, other_policy], "ran different policies"),
        (
            [alpha, _edited(beta, tmp_path / "newer", lambda d: d.update(version="9.9"))],
            "ran different tools",
        ),
        (
            [alpha, _edited(beta, tmp_path / "rules", lambda d: d["run"]["rules"].pop())],
            "ran different rules",
        ),
        ([alpha, single_target], "is a single-target audit"),
        ([alpha, tmp_path / "empty"], "holds no audit.json"),
    ]
    (tmp_path / "empty").mkdir()
    for inputs, message in cases:
        capsys.readouterr()
        assert merge(*inputs, "--out", tmp_path / "refused") == EXIT_USAGE, message
        assert message in capsys.readouterr().err


def test_a_merge_masks_every_accounts_token_and_unsafe_text_in_what_it_reads(
    fleet: Fleet, tmp_path: Path, parts: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # A job's audit.json that quotes another account's token and a terminal escape (a hostile
    # server's text, or a tampered artifact): the merge makes each finding safe as it reads it.
    alpha, beta, gamma = parts
    gamma_id, gamma_token = fleet.env["GAMMA_ID"], fleet.env["GAMMA_TOKEN"]

    def quoting(d: dict[str, Any]) -> None:
        d["findings"][0]["message"] = f"status was {gamma_token} \x1b[2J"

    tampered = _edited(beta, tmp_path / "tampered", quoting)
    out = tmp_path / "merged"
    assert merge(alpha, tampered, gamma, "--accounts", fleet.file, "--out", out) == EXIT_THRESHOLD
    printed = capsys.readouterr()
    text = every_output(out, printed.out, printed.err)
    with sqlite3.connect(out / "audit-history.sqlite") as db:
        text += json.dumps(db.execute("SELECT * FROM open_findings").fetchall())
    for spelling in forms(gamma_token, gamma_id):
        assert spelling.lower() not in text.lower()
    # (The history file is binary: only the reports and the console are text.)
    assert not any("\x1b" in (out / name).read_text() for name in ("audit.json", "audit.csv", "audit.html"))
    assert "\x1b" not in printed.out + printed.err
    assert "status was ***" in text
