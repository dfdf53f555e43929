"""One constraint registry: the Number API's rules and the compliance reads', one generated PROVENANCE.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from contracts import compliance_rules, provenance

ROOT = Path(__file__).resolve().parents[2]


def test_provenance_md_is_the_registry_whole() -> None:
    assert provenance.PROVENANCE_MD.read_text(encoding="utf-8") == provenance.document(), (
        "regenerate: python -m contracts.provenance --write"
    )


def test_every_section_has_its_heading_and_table_in_the_file() -> None:
    text = provenance.PROVENANCE_MD.read_text(encoding="utf-8")
    assert list(provenance.SECTIONS) == [provenance.NUMBERS, provenance.COMPLIANCE]
    for section in provenance.SECTIONS.values():
        assert f"## {section.title}\n" in text
        assert provenance.table(section.id) in text
    # Each section's table lists exactly its own rules.
    for section_id in provenance.SECTIONS:
        table = provenance.table(section_id)
        for rule in provenance.CONSTRAINTS.values():
            assert (f"| `{rule.id}` |" in table) == (rule.section == section_id), rule


def test_the_compliance_rules_are_in_the_one_registry() -> None:
    compliance = provenance.constraints(provenance.COMPLIANCE)
    assert compliance_rules.SCHEMA is provenance.CONSTRAINTS["compliance-schema"]
    assert {rule.id for rule in compliance.values()} >= {"compliance-schema", "compliance-filter"}
    assert all(rule.section == provenance.COMPLIANCE for rule in compliance.values())
    numbers = provenance.constraints(provenance.NUMBERS)
    assert provenance.SCHEMA_DOCUMENTED is numbers["schema"]
    assert len(numbers) + len(compliance) == len(provenance.CONSTRAINTS)
    # No second registry or table function is left beside the one.
    assert not hasattr(compliance_rules, "COMPLIANCE_CONSTRAINTS")
    assert not hasattr(compliance_rules, "table")


def test_an_id_is_unique_across_sections() -> None:
    before = dict(provenance.CONSTRAINTS)
    with pytest.raises(ValueError, match="defined twice"):
        provenance.constraint(
            "schema", "documented", "another rule", "page: elsewhere", section=provenance.COMPLIANCE
        )
    with pytest.raises(ValueError, match="defined twice"):
        provenance.constraint("compliance-schema", "observed", "another rule", "elsewhere")
    assert before == provenance.CONSTRAINTS


def test_a_rule_needs_a_known_section() -> None:
    with pytest.raises(ValueError, match="no section"):
        provenance.constraint("made-up", "ours", "a rule", "a source", section="nowhere")
    assert "made-up" not in provenance.CONSTRAINTS
    with pytest.raises(ValueError, match="no section"):
        provenance.constraints("nowhere")


@pytest.mark.parametrize(
    "first", ["contracts.provenance", "contracts.compliance_rules"], ids=["provenance", "compliance"]
)
def test_the_registry_is_whole_whichever_module_is_imported_first(first: str) -> None:
    code = (
        f"import {first}\n"
        "from contracts import provenance\n"
        "print(len(provenance.CONSTRAINTS), list(provenance.SECTIONS))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == f"{len(provenance.CONSTRAINTS)} {list(provenance.SECTIONS)}"


def test_the_command_prints_and_checks_the_file() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "contracts.provenance", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    printed = run()
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == provenance.document()
    checked = run("--check")
    assert checked.returncode == 0, checked.stderr
