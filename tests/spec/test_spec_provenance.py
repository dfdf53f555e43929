"""Every rule the suite enforces has a provenance, and openapi/PROVENANCE.md lists them all."""

from __future__ import annotations

import pytest

import openapi
from contracts import provenance

TABLE = (openapi.SPEC_PATH.parent / "PROVENANCE.md").read_text(encoding="utf-8")


def test_the_table_is_the_registry() -> None:
    assert provenance.table() in TABLE, "regenerate: python -m contracts.provenance (see PROVENANCE.md)"


RULES = sorted(provenance.CONSTRAINTS.values(), key=lambda rule: rule.id)


@pytest.mark.parametrize("rule", RULES, ids=repr)
def test_every_rule_names_a_source_and_a_kind(rule: provenance.Constraint) -> None:
    assert rule.kind in provenance.KINDS
    assert rule.source
    assert rule.rule
    if rule.kind == "documented":
        assert "page" in rule.source, f"{rule.id} is documented but quotes no page text"


def test_documented_rules_fail_everywhere_observed_only_when_strict_ours_never() -> None:
    kinds = {rule.kind: rule for rule in provenance.CONSTRAINTS.values()}
    assert kinds["documented"].fails(strict=False)
    assert kinds["documented"].fails(strict=True)
    assert not kinds["observed"].fails(strict=False)
    assert kinds["observed"].fails(strict=True)
    assert not kinds["ours"].fails(strict=False)
    assert not kinds["ours"].fails(strict=True)


def test_a_broken_ours_rule_warns_instead_of_failing() -> None:
    warnings: dict[str, int] = {}
    provenance.enforce(
        provenance.UPDATE_202, False, "updateNumber answered 200", strict=True, warnings=warnings
    )
    assert [k for k in warnings if k.startswith("update-status-202 (ours)")]


def test_a_broken_observed_rule_fails_under_strict_and_names_its_source() -> None:
    with pytest.raises(AssertionError, match=r"observed: SDK README"):
        provenance.enforce(provenance.GONE_IS_404, False, "get answered 400", strict=True)


def test_the_spec_file_holds_no_observed_constraint_that_strict_adds() -> None:
    """The file (what stock tools read) is looser than --strict exactly by its x-strict blocks."""
    raw = openapi._raw()
    strict = openapi.load_spec("documented")
    apn = raw["components"]["schemas"]["AccountPhoneNumber"]
    assert apn["required"] == ["number"]
    assert len(strict["components"]["schemas"]["AccountPhoneNumber"]["required"]) == 14
    update = raw["paths"]["/v1/Account/{auth_id}/Number/{number}/"]["post"]
    assert update["requestBody"]["required"] is False
    assert {"200", "202"} <= set(update["responses"])
