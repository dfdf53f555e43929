"""The reviewed findings file and the reconciliation of a run's observations with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdkcheck.findings import (
    SDKS,
    FindingsFileError,
    KnownFinding,
    ObservedFinding,
    load_known,
    reconcile,
    request_findings,
)
from sdkcheck.recording import AuthSeen, RecordedRequest
from sdkcheck.requestcheck import check_request

AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
ENTRY = """
  - id: {id}
    sdk: python
    method: numbers.update
    signature: {signature}
    description: d
    evidence: e
"""


def known(identifier: str, signature: str, sdk: str = "python") -> KnownFinding:
    return KnownFinding(identifier, sdk, "numbers.update", signature, "d", "e")


def seen(signature: str, sdk: str = "python") -> ObservedFinding:
    return ObservedFinding(sdk, "numbers.update", signature, "evidence")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "known.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_repository_file_is_valid_and_covers_both_sdks() -> None:
    findings = load_known()
    assert len({f.id for f in findings}) == len(findings)
    assert {f.sdk for f in findings} == set(SDKS)
    assert all(f.signature.split(" ", 1)[0] in ("request", "behaviour", "surface") for f in findings)


def test_the_issue_s_example_findings_are_reviewed() -> None:
    signatures = {(f.sdk, f.signature) for f in load_known()}
    assert (
        "python",
        "request updateNumber body.number undeclared-field advisory @documented+tolerant",
    ) in signatures
    assert ("python", "behaviour services-comma-string-refused") in signatures
    lacks = next(s for sdk, s in signatures if s.startswith("surface update-lacks"))
    assert {"cnam", "caller_reputation", "profile_uuid"} <= set(lacks.split(" ", 2)[2].split(","))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("findings: {}", "a mapping with a 'findings:' list"),
        ("- just a list", "a mapping with a 'findings:' list"),
        ("findings: [unclosed", "cannot read"),
        ("findings:\n  - id: X\n    sdk: python\n", "lacks method, signature, description, evidence"),
        ("findings:\n  - 7\n", "is not a mapping"),
        (
            "findings:" + ENTRY.format(id="A", signature="s").replace("sdk: python", "sdk: ruby"),
            "'ruby' is not one of",
        ),
        ("findings:" + ENTRY.format(id="A", signature="s") + "    colour: red\n", "unknown keys colour"),
        (
            "findings:" + ENTRY.format(id="A", signature="s") + ENTRY.format(id="A", signature="t"),
            "repeats id 'A'",
        ),
        (
            "findings:" + ENTRY.format(id="A", signature="s") + ENTRY.format(id="B", signature="s"),
            "same sdk, method",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_what_to_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(FindingsFileError, match=r"known\.yaml") as raised:
        load_known(write(tmp_path, text))
    assert message in str(raised.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FindingsFileError, match="cannot read"):
        load_known(tmp_path / "nope.yaml")


def test_reconcile_sorts_matched_new_gone_and_not_compared() -> None:
    reviewed = [known("A", "sig-a"), known("B", "sig-b"), known("N", "sig-n", sdk="node")]
    observed = [seen("sig-a"), seen("sig-a"), seen("sig-c")]
    result = reconcile(reviewed, observed, compared={"python"})
    assert [(k.id, len(group)) for k, group in result.matched] == [("A", 2)]
    assert [[f.signature for f in group] for group in result.new] == [["sig-c"]]
    assert [k.id for k in result.gone] == ["B"]
    assert [k.id for k in result.not_compared] == ["N"]
    assert not result.ok
    text = result.describe()
    assert "NEW python numbers.update: 'sig-c'" in text
    assert "GONE B python numbers.update" in text
    assert "known_findings.yaml" in text


def test_an_sdk_that_did_not_run_completely_is_never_gone() -> None:
    result = reconcile([known("A", "sig-a")], [], compared=set())
    assert result.ok
    assert [k.id for k in result.not_compared] == ["A"]
    assert result.describe() == ""


def test_request_findings_name_the_operation_place_and_levels() -> None:
    request = RecordedRequest(
        "GET",
        f"/v1/Account/{AUTH_ID}/Number/",
        "number_type=local&limit=50",
        (("content-type", "application/json"),),
        auth=AuthSeen("Basic", AUTH_ID, True),
    )
    check = check_request(request)
    findings = request_findings("go", "numbers.list", check, expected=("query.limit",))
    assert sorted(f.signature for f in findings) == [
        "request listNumbers header.content-type content-type-without-body advisory @documented+tolerant",
        "request listNumbers query.number_type unknown-parameter @documented",
    ]
    assert all(f.evidence.startswith("GET /v1/Account/") for f in findings)
