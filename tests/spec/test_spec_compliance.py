"""openapi/compliance.yaml: the contract of the compliance objects a number points to.

It is valid OpenAPI 3.1 at both levels and read-only; Plivo's recorded bodies
(tests/fixtures/plivo-sdk/compliance/) and every example match it; every status value
it admits has a source; every value the recordings show is in its vocabulary; its
timestamps record their formats; and openapi/COMPLIANCE-SOURCES.md says the same.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import referencing.jsonschema
from openapi_spec_validator import validate

import openapi

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "plivo-sdk" / "compliance"
SOURCES_TABLE = ROOT / "openapi" / "COMPLIANCE-SOURCES.md"
URI = "urn:plivo-number-contracts:compliance.yaml"
REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"

OPERATIONS = {
    "listBrands": "/v1/Account/{auth_id}/10dlc/Brand/",
    "getBrand": "/v1/Account/{auth_id}/10dlc/Brand/{brand_id}/",
    "listCampaigns": "/v1/Account/{auth_id}/10dlc/Campaign/",
    "getCampaign": "/v1/Account/{auth_id}/10dlc/Campaign/{campaign_id}/",
    "listCampaignNumbers": "/v1/Account/{auth_id}/10dlc/Campaign/{campaign_id}/Number/",
    "getCampaignNumber": "/v1/Account/{auth_id}/10dlc/Campaign/{campaign_id}/Number/{number}/",
    "listProfiles": "/v1/Account/{auth_id}/Profile/",
    "getProfile": "/v1/Account/{auth_id}/Profile/{profile_uuid}/",
    "listTollfreeVerifications": "/v1/Account/{auth_id}/TollfreeVerification/",
    "getTollfreeVerification": "/v1/Account/{auth_id}/TollfreeVerification/{uuid}/",
    "listComplianceApplications": "/v1/Account/{auth_id}/ComplianceApplication/",
    "getComplianceApplication": "/v1/Account/{auth_id}/ComplianceApplication/{compliance_application_id}/",
    "listPhoneNumberCompliances": "/v1/Account/{auth_id}/PhoneNumber/Compliance/",
    "getPhoneNumberCompliance": "/v1/Account/{auth_id}/PhoneNumber/Compliance/{compliance_id}/",
}

# The only recorded values the documented level refuses, by fixture: plivo-node's mocks write
# phone number compliance timestamps as "2025-01-15 10:30:00+00:00" (COMPLIANCE-SOURCES C16).
STRICT_DEVIATIONS: dict[str, set[str]] = {
    "node_phoneNumberComplianceGetResponse.json": {"$.compliance.created_at", "$.compliance.updated_at"},
    "node_phoneNumberComplianceGetRejectedResponse.json": {
        "$.compliance.created_at",
        "$.compliance.updated_at",
    },
    "node_phoneNumberComplianceListResponse.json": {
        f"$.compliances[{i}].{field}" for i in (0, 1) for field in ("created_at", "updated_at")
    },
}

COMMIT_OF = {
    "plivo/plivo-python": "a0cd3237d2ce",
    "plivo/plivo-go": "273a8369467e",
    "plivo/plivo-ruby": "52737a894c1d",
    "plivo/plivo-java": "bc43922c9625",
    "plivo/plivo-php": "40a821fb43f7",
    "plivo/plivo-dotnet": "42174fd40dd1",
    "plivo/plivo-node": "4889b056e050",
}
SOURCE_CITATION = re.compile(r"@[0-9a-f]{12}|https?://")


# ---------------------------------------------------------------- helpers


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _at(spec: dict[str, Any], pointer: str) -> Any:
    node: Any = spec
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


@cache
def _registry(level: openapi.Level) -> referencing.Registry[Any]:
    resource = referencing.jsonschema.DRAFT202012.create_resource(openapi.load_compliance_spec(level))
    return referencing.Registry().with_resource(URI, resource)


def _validator(level: openapi.Level, pointer: str) -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(
        {"$ref": f"{URI}#{pointer}"},
        registry=_registry(level),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def _operations(level: openapi.Level) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(operationId, method, path, operation) for every operation of the spec at ``level``."""
    for path, item in openapi.load_compliance_spec(level)["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                yield operation["operationId"], method, path, operation


def _response_pointer(level: openapi.Level, operation_id: str, status: str) -> str:
    """JSON pointer to the JSON schema of one response of one operation (following a response $ref)."""
    spec = openapi.load_compliance_spec(level)
    for found, method, path, operation in _operations(level):
        if found != operation_id:
            continue
        response = operation["responses"][status]
        pointer = f"/paths/{_escape(path)}/{method}/responses/{_escape(status)}"
        if "$ref" in response:
            pointer = response["$ref"][1:]
            response = _at(spec, pointer)
        assert "application/json" in response["content"], (operation_id, status)
        return f"{pointer}/content/application~1json/schema"
    raise KeyError(operation_id)


def _where(path: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _errors(level: openapi.Level, pointer: str, instance: Any) -> list[tuple[str, str]]:
    return sorted(
        (_where(e.absolute_path), e.message) for e in _validator(level, pointer).iter_errors(instance)
    )


@cache
def _fixture_table() -> dict[str, tuple[str, str, str, str, str]]:
    """file -> (repository, path, commit, operationId, status) from the fixtures' README."""
    rows = {}
    row = re.compile(r"^\| `([^`]+\.json)` \| (\S+) \| `([^`]+)` \| ([0-9a-f]{12}) \| `(\w+) (\w+)` \|$")
    for line in (FIXTURES / "README.md").read_text(encoding="utf-8").splitlines():
        match = row.match(line)
        if match:
            name, repo, path, commit, operation_id, status = match.groups()
            assert name not in rows, f"{name} listed twice"
            rows[name] = (repo, path, commit, operation_id, status)
    return rows


def _fixture_names() -> list[str]:
    return sorted(p.name for p in FIXTURES.glob("*.json"))


def _body(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _walk(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping in ``node`` with its JSON pointer."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, f"{pointer}/{index}")
    elif isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{_escape(str(key))}")


def _field_name(pointer: str) -> str:
    """`Schema.prop`, `Schema.prop[].prop` for a schema pointer under components.schemas."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    assert parts[:2] == ["components", "schemas"], pointer
    name, rest = parts[2], parts[3:]
    out = name
    index = 0
    while index < len(rest):
        part = rest[index]
        if part == "properties":
            out += f".{rest[index + 1]}"
            index += 2
        elif part == "items":
            out += "[]"
            index += 1
        elif part == "anyOf":
            index += 2
        else:
            raise AssertionError(f"unexpected schema path {pointer}")
    return out


def _vocabularies(level: openapi.Level) -> dict[str, dict[str, Any]]:
    """field name -> the property schema carrying x-vocabulary, at ``level``."""
    spec = openapi.load_compliance_spec(level)
    return {
        _field_name(pointer): node
        for pointer, node in _walk(spec["components"]["schemas"], "/components/schemas")
        if "x-vocabulary" in node
    }


def _admits(schema: dict[str, Any], value: str) -> str:
    if "enum" not in schema:
        return "any string"
    return "admitted" if value in schema["enum"] else "refused"


def _co_walk(
    schema: Any, instance: Any, where: str, spec: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, property schema, value) for every instance value whose schema has x-vocabulary or x-date."""
    if isinstance(schema, dict) and "$ref" in schema:
        yield from _co_walk(_at(spec, schema["$ref"][1:]), instance, where, spec)
        return
    if not isinstance(schema, dict):
        return
    if "x-vocabulary" in schema or "x-date" in schema:
        yield where, schema, instance
    for branch in schema.get("anyOf", []):
        yield from _co_walk(branch, instance, where, spec)
    if isinstance(instance, dict):
        for key, value in instance.items():
            if key in schema.get("properties", {}):
                yield from _co_walk(schema["properties"][key], value, f"{where}.{key}", spec)
    if isinstance(instance, list) and "items" in schema:
        for index, item in enumerate(instance):
            yield from _co_walk(schema["items"], item, f"{where}[{index}]", spec)


def _table(heading: str) -> list[list[str]]:
    """The rows (cells) of the markdown table under ``## heading`` in COMPLIANCE-SOURCES.md."""
    text = SOURCES_TABLE.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows.append(cells)
    return rows[1:]  # the header row


# ---------------------------------------------------------------- the spec itself


@pytest.mark.parametrize("level", openapi.LEVELS)
def test_spec_is_valid_openapi_3_1(level: openapi.Level) -> None:
    spec = openapi.load_compliance_spec(level)
    assert spec["openapi"].startswith("3.1")
    validate(spec)


@pytest.mark.node
def test_spec_lints_clean_with_redocly() -> None:
    if shutil.which("node") is None or not REDOCLY.exists():
        pytest.skip("Redocly CLI not installed: run `make node-tools` (needs Node.js and npm)")
    result = subprocess.run(
        [str(REDOCLY), "lint", "--format=stylish", "openapi/compliance.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert " warning " not in output, output


def test_the_number_spec_loader_is_unchanged() -> None:
    # load_compliance_spec is a separate entry point; load_spec still serves number.yaml.
    assert openapi.load_spec("tolerant")["info"]["title"] == "Plivo Account Phone Numbers API"
    assert openapi.COMPLIANCE_SPEC_PATH.name == "compliance.yaml"
    with pytest.raises(ValueError, match="unknown strictness level 'lenient'"):
        openapi.load_compliance_spec("lenient")  # type: ignore[arg-type]
    first = openapi.load_compliance_spec()
    first["paths"].clear()
    assert openapi.load_compliance_spec()["paths"]


@pytest.mark.parametrize("level", openapi.LEVELS)
def test_operations_are_exactly_the_read_operations(level: openapi.Level) -> None:
    found = {op_id: (method, path) for op_id, method, path, _ in _operations(level)}
    assert found == {op_id: ("get", path) for op_id, path in OPERATIONS.items()}
    for item in openapi.load_compliance_spec(level)["paths"].values():
        assert set(item) <= {"get", "parameters"}, "write operations are out of scope"


def test_every_operation_is_tagged_with_a_declared_resource_family() -> None:
    spec = openapi.load_compliance_spec("documented")
    declared = {tag["name"] for tag in spec["tags"]}
    used = set()
    for _, _, _, operation in _operations("documented"):
        assert len(operation["tags"]) == 1, operation["operationId"]
        assert operation["tags"][0] in declared, operation["operationId"]
        used.add(operation["tags"][0])
    assert used == declared


def test_every_operation_answers_200_and_client_errors_with_json() -> None:
    for op_id, _, _, operation in _operations("documented"):
        assert set(operation["responses"]) == {"200", "4XX"}, op_id
        for status in ("200", "4XX"):
            _response_pointer("documented", op_id, status)


def test_number_pointers_name_number_fields_and_existing_operations() -> None:
    spec = openapi.load_compliance_spec("documented")
    number_fields = openapi.load_spec("documented")["components"]["schemas"]["AccountPhoneNumber"][
        "properties"
    ]
    pointers = {entry["field"]: entry for entry in spec["x-number-pointers"]}
    assert set(pointers) == {
        "tendlc_campaign_id",
        "profile_uuid",
        "toll_free_sms_verification_id",
        "compliance_application_id",
    }
    for field, entry in pointers.items():
        assert field in number_fields
        assert set(entry["operations"]) <= set(OPERATIONS), field
        assert SOURCE_CITATION.search(entry["source"]) or "number.yaml" in entry["source"], field


def test_levels_differ_only_by_x_strict_and_observed_parameters() -> None:
    documented = {op_id: op for op_id, _, _, op in _operations("documented")}
    tolerant = {op_id: op for op_id, _, _, op in _operations("tolerant")}
    raw_observed = {
        op_id: [p["name"] for p in op.get("x-observed-parameters", [])] for op_id, op in documented.items()
    }
    for op_id in OPERATIONS:
        strict_names = [p.get("name") or p["$ref"] for p in documented[op_id].get("parameters", [])]
        tolerant_names = [p.get("name") or p["$ref"] for p in tolerant[op_id].get("parameters", [])]
        assert tolerant_names == strict_names + raw_observed[op_id], op_id
    # Only documented parameters are offered at the documented level; e.g. the brand list's
    # `status` (C1) and the campaign numbers' limit/offset (C8) are tolerant-only.
    assert "status" in raw_observed["listBrands"]
    assert raw_observed["listCampaignNumbers"] == ["limit", "offset"]


def test_every_observation_has_a_source_and_a_note() -> None:
    spec = openapi.load_compliance_spec("documented")
    count = 0
    for _, node in _walk(spec):
        for entry in [*node.get("x-observed", []), *node.get("x-observed-parameters", [])]:
            assert SOURCE_CITATION.search(entry["source"]), entry
            assert entry["note"].strip(), entry
            count += 1
    assert count >= 50


def test_nothing_is_closed_beyond_its_sources() -> None:
    """Every object admits unknown keys, and the file itself requires no key (x-strict does)."""
    spec = openapi.load_compliance_spec("tolerant")
    for name, schema in spec["components"]["schemas"].items():
        for pointer, node in _walk(schema, f"/components/schemas/{name}"):
            if "/x-" in pointer:
                continue  # records about the schema, not schema keywords
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties", True) is True, pointer
            assert "required" not in node, pointer


def test_every_field_is_documented_or_observed() -> None:
    """Each property of each object is named by a documented or an observed x-fields group, or
    carries its own x-observed record."""
    spec = openapi.load_compliance_spec("documented")
    checked = 0
    for pointer, node in _walk(spec["components"]["schemas"], "/components/schemas"):
        if "/x-" in pointer or not isinstance(node.get("properties"), dict):
            continue
        grouped: dict[str, int] = {}
        for group in node.get("x-fields", []):
            if group.get("documented"):
                assert "https://" in group["documented"], (pointer, group)
                assert '"' in group["documented"], (pointer, group)
            else:
                assert SOURCE_CITATION.search(group["observed"]) or "number.yaml" in group["observed"], (
                    pointer
                )
            for name in group["names"]:
                grouped[name] = grouped.get(name, 0) + 1
        assert set(grouped) <= set(node["properties"]), (pointer, set(grouped) - set(node["properties"]))
        for name, schema in node["properties"].items():
            own = bool(schema.get("x-observed"))
            where = f"{pointer}/properties/{name}"
            assert grouped.get(name, 0) <= 1, where
            assert grouped.get(name, 0) + own >= 1, where
            checked += 1
    assert checked >= 120


# ---------------------------------------------------------------- recorded bodies


def test_the_readme_names_every_fixture_with_repository_path_and_commit() -> None:
    table = _fixture_table()
    assert sorted(table) == _fixture_names()
    assert len(table) >= 80
    for name, (repo, path, commit, operation_id, status) in table.items():
        assert COMMIT_OF[repo] == commit, name
        assert name.split("_", 1)[0] == repo.removeprefix("plivo/plivo-"), name
        if repo == "plivo/plivo-node":
            assert re.fullmatch(r"lib/rest/request-test\.js:\d+-\d+", path), name
        else:
            assert path.endswith("/" + name.split("_", 1)[1]), name
        assert operation_id in OPERATIONS, name
        assert status in {"200", "4XX"}, name


def test_every_read_operation_with_a_recording_is_covered() -> None:
    covered = {operation_id for _, _, _, operation_id, _ in _fixture_table().values()}
    # No SDK test records a regulatory compliance application (the README says so).
    assert covered == set(OPERATIONS) - {"listComplianceApplications", "getComplianceApplication"}


@pytest.mark.parametrize("name", _fixture_names())
def test_recorded_body_matches_the_file(name: str) -> None:
    _, _, _, operation_id, status = _fixture_table()[name]
    pointer = _response_pointer("tolerant", operation_id, status)
    assert _errors("tolerant", pointer, _body(name)) == []


@pytest.mark.parametrize("name", _fixture_names())
def test_recorded_body_fails_strict_exactly_where_it_deviates(name: str) -> None:
    _, _, _, operation_id, status = _fixture_table()[name]
    pointer = _response_pointer("documented", operation_id, status)
    errors = _errors("documented", pointer, _body(name))
    assert {where for where, _ in errors} == STRICT_DEVIATIONS.get(name, set()), errors
    assert all("is not a 'date-time'" in message for _, message in errors), errors


def test_the_deviating_fixtures_are_the_ones_we_know() -> None:
    assert set(STRICT_DEVIATIONS) <= set(_fixture_names())


# ---------------------------------------------------------------- examples


def _media_examples(level: openapi.Level) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, schema pointer, example object) for every example of every response."""
    for op_id, _, _, operation in _operations(level):
        for status in operation["responses"]:
            pointer = _response_pointer(level, op_id, status)
            media = _at(openapi.load_compliance_spec(level), pointer.rsplit("/schema", 1)[0])
            for name, example in media.get("examples", {}).items():
                yield f"{op_id} {status} {name}", pointer, example


def test_every_response_has_an_example() -> None:
    named = {where.rsplit(" ", 1)[0] for where, _, _ in _media_examples("documented")}
    for op_id, _, _, operation in _operations("documented"):
        for status in operation["responses"]:
            assert f"{op_id} {status}" in named, (op_id, status)


@pytest.mark.parametrize("level", openapi.LEVELS)
def test_every_media_type_example_matches_its_schema(level: openapi.Level) -> None:
    checked = 0
    for where, pointer, example in _media_examples(level):
        errors = _errors(level, pointer, example["value"])
        if level == "documented" and example.get("x-level") == "tolerant":
            # Marked examples carry an observed deviation: --strict must refuse them.
            assert errors, f"{where} is marked tolerant-only but passes --strict"
        else:
            assert errors == [], where
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize("level", openapi.LEVELS)
def test_every_schema_example_matches_its_schema(level: openapi.Level) -> None:
    schemas = openapi.load_compliance_spec(level)["components"]["schemas"]
    checked = 0
    for name, schema in schemas.items():
        for index, example in enumerate(schema.get("examples", [])):
            assert _errors(level, f"/components/schemas/{name}", example) == [], f"{name}.examples[{index}]"
            checked += 1
    assert checked >= 3


# ---------------------------------------------------------------- status vocabularies


def test_every_status_property_has_a_vocabulary() -> None:
    spec = openapi.load_compliance_spec("documented")
    for pointer, node in _walk(spec["components"]["schemas"], "/components/schemas"):
        for prop, schema in node.get("properties", {}).items():
            if prop.endswith("status") and isinstance(schema, dict) and "$ref" not in schema:
                assert "x-vocabulary" in schema, f"{pointer}/properties/{prop}"


def test_every_vocabulary_value_has_a_documented_or_observed_source() -> None:
    for field, schema in _vocabularies("documented").items():
        values = [entry["value"] for entry in schema["x-vocabulary"]]
        assert len(values) == len(set(values)), field
        for entry in schema["x-vocabulary"]:
            assert set(entry) <= {"value", "documented", "observed"}, (field, entry)
            assert entry.get("documented") or entry.get("observed"), (field, entry)
            if entry.get("documented"):
                # A page is cited by address and quoted.
                assert "https://" in entry["documented"], (field, entry)
                assert '"' in entry["documented"], (field, entry)
            if entry.get("observed"):
                assert re.search(r"@[0-9a-f]{12}", entry["observed"]), (field, entry)


@pytest.mark.parametrize("level", openapi.LEVELS)
def test_every_enum_value_is_in_the_vocabulary_with_a_source(level: openapi.Level) -> None:
    """A closed list admits exactly what its sources show (the file) or a sourced subset (--strict)."""
    for field, schema in _vocabularies(level).items():
        vocabulary = {entry["value"] for entry in schema["x-vocabulary"]}
        if "enum" in schema:
            assert set(schema["enum"]) <= vocabulary, (level, field)
            if level == "tolerant":
                assert set(schema["enum"]) == vocabulary, (
                    field,
                    "the file admits every value any source shows",
                )


def test_every_status_value_recorded_anywhere_is_in_its_vocabulary() -> None:
    spec = openapi.load_compliance_spec("tolerant")
    seen = 0
    for name in _fixture_names():
        _, _, _, operation_id, status = _fixture_table()[name]
        schema = _at(spec, _response_pointer("tolerant", operation_id, status))
        for where, prop, value in _co_walk(schema, _body(name), "$", spec):
            if "x-vocabulary" in prop and isinstance(value, str):
                values = {entry["value"] for entry in prop["x-vocabulary"]}
                assert value in values, (name, where, value)
                seen += 1
    assert seen >= 200


def test_documented_vocabularies_are_the_pages_lists() -> None:
    vocab = _vocabularies("documented")
    assert vocab["TollfreeVerification.status"]["enum"] == [
        "SUBMITTED",
        "APPROVED",
        "REJECTED",
        "UPDATE_REQUIRED",
    ]
    assert vocab["CampaignNumber.status"]["enum"] == ["FAILED", "PROCESSING", "COMPLETED"]
    assert vocab["Brand.registration_status"]["enum"] == ["COMPLETED", "FAILED", "PROCESSING"]
    assert vocab["ComplianceApplication.status"]["enum"] == ["Draft", "Submitted", "Accepted", "Rejected"]
    # No page lists these: open in the file; --strict knows the SDKs' list for one of them.
    assert "enum" not in vocab["Brand.vetting_status"]
    assert "enum" not in _vocabularies("tolerant")["PhoneNumberCompliance.status"]
    assert len(vocab["PhoneNumberCompliance.status"]["enum"]) == 8


# ---------------------------------------------------------------- dates


def _date_fields(level: openapi.Level) -> dict[str, dict[str, Any]]:
    spec = openapi.load_compliance_spec(level)
    return {
        _field_name(pointer): node
        for pointer, node in _walk(spec["components"]["schemas"], "/components/schemas")
        if "x-date" in node
    }


def test_every_date_field_says_what_it_dates_and_its_recorded_formats() -> None:
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    fields = _date_fields("documented")
    assert len(fields) >= 11
    for field, schema in fields.items():
        record = schema["x-date"]
        assert record["dates"].strip(), field
        for form in record["formats"]:
            assert SOURCE_CITATION.search(form["source"]), (field, form)
            rfc3339 = checker.conforms(form["example"], "date-time")
            assert rfc3339 == ("not RFC 3339" not in form["form"]), (field, form)
        # A recorded format is enforced under --strict only; the file takes any string.
        assert "format" not in _date_fields("tolerant")[field], field
        if record["formats"]:
            assert schema.get("format") == "date-time", field


def test_every_recorded_timestamp_has_a_recorded_form() -> None:
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    spec = openapi.load_compliance_spec("tolerant")
    seen = 0
    for name in _fixture_names():
        _, _, _, operation_id, status = _fixture_table()[name]
        schema = _at(spec, _response_pointer("tolerant", operation_id, status))
        for where, prop, value in _co_walk(schema, _body(name), "$", spec):
            if "x-date" in prop:
                seen += 1
                if not checker.conforms(value, "date-time"):
                    # Only plivo-node's space-separated form is outside RFC 3339, and it is recorded.
                    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00", value), (name, where, value)
                    assert any("not RFC 3339" in f["form"] for f in prop["x-date"]["formats"]), (name, where)
    assert seen >= 100


def test_the_update_required_deadline_is_recorded_without_a_field() -> None:
    schema = openapi.load_compliance_spec("documented")["components"]["schemas"]["TollfreeVerification"]
    (deadline,) = schema["x-deadlines"]
    assert deadline["status"] == "UPDATE_REQUIRED"
    assert "six days" in deadline["rule"]
    assert deadline["field"].startswith("none")


# ---------------------------------------------------------------- the source table


def test_the_vocabulary_table_and_the_spec_agree() -> None:
    tolerant, documented = _vocabularies("tolerant"), _vocabularies("documented")
    rows = {}
    for field, value, doc, obs, file_level, strict_level in _table("Status vocabularies"):
        key = (field.strip("`"), value.strip("`"))
        assert key not in rows, key
        rows[key] = (doc, obs, file_level, strict_level)
    expected = {
        (field, entry["value"]): entry
        for field, schema in documented.items()
        for entry in schema["x-vocabulary"]
    }
    assert set(rows) == set(expected)
    for (field, value), (doc, obs, file_level, strict_level) in rows.items():
        entry = expected[(field, value)]
        assert (doc != "—") == bool(entry.get("documented")), (field, value)
        assert (obs != "—") == bool(entry.get("observed")), (field, value)
        assert file_level == _admits(tolerant[field], value), (field, value)
        assert strict_level == _admits(documented[field], value), (field, value)


def test_the_dates_table_and_the_spec_agree() -> None:
    fields = _date_fields("documented")
    rows = {row[0].strip("`"): row for row in _table("Dates")}
    assert set(rows) == set(fields)
    for field, row in rows.items():
        assert row[3] == "any string", field
        assert row[4] == (
            "RFC 3339 date-time" if fields[field].get("format") == "date-time" else "any string"
        ), field
        for form in fields[field]["x-date"]["formats"]:
            assert form["example"] in row[2], (field, form["example"])


def test_the_paths_table_and_the_spec_agree() -> None:
    rows = {
        row[0].strip("`"): row[1].strip("`")
        for row in _table("Resource paths (all `GET`, all under `https://api.plivo.com`)")
    }
    assert rows == OPERATIONS


def test_every_observation_is_in_the_disagreements_table() -> None:
    text = SOURCES_TABLE.read_text(encoding="utf-8")
    spec = openapi.load_compliance_spec("documented")
    for pointer, node in _walk(spec):
        if node.get("x-observed") and pointer.startswith("/components/schemas/"):
            parts = pointer.split("/")
            named = parts[parts.index("properties") + 1] if "properties" in parts else parts[3]
            assert f"`{named}`" in text or f"{parts[3]}.properties.{named}" in text, pointer
        for parameter in node.get("x-observed-parameters", []):
            assert f"`{parameter['name']}`" in text, (pointer, parameter["name"])


def test_disagreement_rows_are_numbered_without_gaps() -> None:
    ids = [int(row[0].removeprefix("C")) for row in _table("Where the sources disagree")]
    assert ids == list(range(1, len(ids) + 1))
    assert len(ids) >= 15
