"""`--list-rules` prints the registry itself: every rule id, with what a reader acts on."""

from __future__ import annotations

import pytest

from audits.cli import main
from audits.rules import REGISTRY


def test_every_registered_rule_is_listed_with_its_facts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-rules"]) == 0
    printed = capsys.readouterr().out
    headers = [line.split()[0] for line in printed.splitlines() if line and not line.startswith(" ")]
    assert headers == list(REGISTRY)
    for rule in REGISTRY.values():
        block = printed.split(f"{rule.id}  [", 1)[1].split("\n\n", 1)[0]
        assert block.startswith(f"{rule.default_severity.label}]  {rule.title}")
        assert f"remediation: {rule.remediation}" in block
        assert f"source: {rule.doc}" in block


def test_the_graph_rules_are_in_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--list-rules"])
    printed = capsys.readouterr().out
    for rule_id in (
        "tendlc-campaign-unknown",
        "tendlc-campaign-inactive",
        "profile-unknown",
        "profile-not-approved",
        "tollfree-verification-action-required",
        "compliance-application-rejected",
    ):
        assert f"\n{rule_id}  [" in f"\n{printed}"


def test_listing_rules_reads_no_credentials_and_never_prints_them(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "Zx9TokenThatMustNotAppear1234567890"
    monkeypatch.setenv("PLIVO_AUTH_ID", "MAZZZZZZZZZZZZZZZZZZ")
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", token)
    assert main(["--list-rules"]) == 0
    captured = capsys.readouterr()
    assert token not in captured.out + captured.err
