"""The spec is valid OpenAPI 3.1, lints clean, and every example in it matches its schema."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate

import openapi

ROOT = Path(__file__).resolve().parents[2]
REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"


@pytest.mark.parametrize("level", openapi.LEVELS)
def test_spec_is_valid_openapi_3_1(level: openapi.Level) -> None:
    spec = openapi.load_spec(level)
    assert spec["openapi"].startswith("3.1")
    validate(spec)


@pytest.mark.node
def test_spec_lints_clean_with_redocly() -> None:
    if shutil.which("node") is None or not REDOCLY.exists():
        pytest.skip("Redocly CLI not installed: run `make node-tools` (needs Node.js and npm)")
    result = subprocess.run(
        [str(REDOCLY), "lint", "--format=stylish", "openapi/number.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Warnings do not fail redocly's exit code, but they are defects in a handwritten spec.
    assert " warning " not in output, output


def test_operation_ids_and_paths_are_exact() -> None:
    found = {
        op["operationId"]: (method.upper(), path)
        for path, item in openapi.load_spec("documented")["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }
    assert found == {
        "listNumbers": ("GET", "/v1/Account/{auth_id}/Number/"),
        "getNumber": ("GET", "/v1/Account/{auth_id}/Number/{number}/"),
        "updateNumber": ("POST", "/v1/Account/{auth_id}/Number/{number}/"),
        "unrentNumber": ("DELETE", "/v1/Account/{auth_id}/Number/{number}/"),
    }


def test_every_operation_declares_every_error_status() -> None:
    spec = openapi.load_spec("documented")
    for operation_id in ("listNumbers", "getNumber", "updateNumber", "unrentNumber"):
        _, _, operation = openapi.operation(operation_id, "documented")
        statuses = set(operation["responses"])
        assert {"400", "401", "404", "405", "429", "500"} <= statuses, operation_id
        for status in ("400", "401", "404", "405", "429", "500"):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == openapi.resolve({"$ref": "#/components/schemas/Error"}, "documented")
    assert spec["security"] == [{"basicAuth": []}]
    assert spec["components"]["securitySchemes"]["basicAuth"] == {
        "type": "http",
        "scheme": "basic",
        "description": spec["components"]["securitySchemes"]["basicAuth"]["description"],
    }


def test_unrent_answers_204_without_a_body() -> None:
    _, _, operation = openapi.operation("unrentNumber", "documented")
    assert "content" not in operation["responses"]["204"]


def test_links_chain_list_get_update_get_unrent_get() -> None:
    chain: dict[str, set[str]] = {}
    for operation_id in ("listNumbers", "getNumber", "updateNumber", "unrentNumber"):
        _, _, operation = openapi.operation(operation_id, "documented")
        for response in operation["responses"].values():
            for link in response.get("links", {}).values():
                chain.setdefault(operation_id, set()).add(link["operationId"])
    assert chain == {
        "listNumbers": {"getNumber"},
        "getNumber": {"updateNumber", "unrentNumber"},
        "updateNumber": {"getNumber"},
        "unrentNumber": {"getNumber"},
    }


def _media_examples(level: openapi.Level) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example value) for every example attached to a media type."""
    for operation_id in ("listNumbers", "getNumber", "updateNumber", "unrentNumber"):
        _, _, operation = openapi.operation(operation_id, level)
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += [(status, response) for status, response in operation["responses"].items()]
        for where, holder in bodies:
            for media_type, media in holder.get("content", {}).items():
                for name, example in media.get("examples", {}).items():
                    yield f"{operation_id} {where} {media_type} {name}", media["schema"], example["value"]


def _schema_examples(level: openapi.Level) -> Iterator[tuple[str, str, Any]]:
    for name, schema in openapi.load_spec(level)["components"]["schemas"].items():
        for index, example in enumerate(schema.get("examples", [])):
            yield f"components.schemas.{name}.examples[{index}]", name, example


def test_every_response_and_request_has_an_example() -> None:
    named = {where.rsplit(" ", 1)[0] for where, _, _ in _media_examples("documented")}
    for operation_id in ("listNumbers", "getNumber", "updateNumber", "unrentNumber"):
        _, _, operation = openapi.operation(operation_id, "documented")
        for status, response in operation["responses"].items():
            for media_type in response.get("content", {}):
                assert f"{operation_id} {status} {media_type}" in named
        for media_type in operation.get("requestBody", {}).get("content", {}):
            assert f"{operation_id} request {media_type}" in named


@pytest.mark.parametrize("level", openapi.LEVELS)
def test_every_media_type_example_matches_its_schema(level: openapi.Level) -> None:
    checked = 0
    for where, schema, value in _media_examples(level):
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        errors = [e.message for e in validator.iter_errors(value)]
        assert errors == [], where
        checked += 1
    assert checked >= 12


@pytest.mark.parametrize("level", openapi.LEVELS)
def test_every_schema_example_matches_its_schema(level: openapi.Level) -> None:
    examples = list(_schema_examples(level))
    assert {name for _, name, _ in examples} >= set(openapi.SCHEMA_NAMES)
    for where, name, value in examples:
        assert openapi.schema_errors(value, name, level) == [], where


def test_the_seed_pages_example_object_is_in_the_spec_verbatim(seed_page: str) -> None:
    import json
    import re

    match = re.search(r"### Example Object\s+```json[^\n]*\n(.*?)```", seed_page, re.S)
    assert match, "the seed page's example object was not found"
    page_example = json.loads(match.group(1))
    schema = openapi.load_spec("documented")["components"]["schemas"]["AccountPhoneNumber"]
    assert page_example in schema["examples"]
    assert openapi.schema_errors(page_example, "AccountPhoneNumber", "documented") == []


def test_update_requires_profile_uuid_when_enabling_caller_reputation() -> None:
    validator = openapi.schema_validator("NumberUpdate", "documented")
    assert not validator.is_valid({"caller_reputation": "enabled"})
    assert validator.is_valid({"caller_reputation": "disabled"})
    assert validator.is_valid(
        {"caller_reputation": "enabled", "profile_uuid": "7c9d4c2a-2f3e-4b8a-9d1e-0c5a6b7e8f90"}
    )
    # The official SDK also sends "number"; unknown keys are ignored by Plivo.
    assert validator.is_valid({"alias": "Main Line", "number": "17609915566"})
    assert not validator.is_valid({"cnam_callback_method": "PUT"})


def test_update_body_is_json_and_the_tolerant_level_also_takes_a_form() -> None:
    """The page's example sends JSON; a form body is our emulator's convention (PROVENANCE.md)."""
    _, _, documented = openapi.operation("updateNumber", "documented")
    assert set(documented["requestBody"]["content"]) == {"application/json"}
    _, _, tolerant = openapi.operation("updateNumber", "tolerant")
    content = tolerant["requestBody"]["content"]
    assert set(content) == {"application/json", "application/x-www-form-urlencoded"}
    assert content["application/json"]["schema"] == content["application/x-www-form-urlencoded"]["schema"]
