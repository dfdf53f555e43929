"""Plivo's own recorded responses pass the tolerant level; those carrying an observed
deviation fail the documented level, naming the field and the value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import openapi
from tests.spec.conftest import SDK_BODIES, load_body, schema_for

PROPERTY_POINTER = "/components/schemas/AccountPhoneNumber/properties/"


def _observed_values() -> dict[str, list[openapi.Observation]]:
    by_field: dict[str, list[openapi.Observation]] = {}
    for observation in openapi.observations():
        if observation.pointer.startswith(PROPERTY_POINTER) and (
            observation.values or observation.alternative
        ):
            by_field.setdefault(observation.pointer.removeprefix(PROPERTY_POINTER), []).append(observation)
    return by_field


def _objects(body: Any) -> list[tuple[str, dict[str, Any]]]:
    if "objects" in body:
        return [(f"$.objects[{i}]", obj) for i, obj in enumerate(body["objects"])]
    return [("$", body)] if "number" in body else []


def expected_deviations(body: Any) -> set[tuple[str, str]]:
    """(where, value) of every value in ``body`` that only an x-observed record admits."""
    documented = openapi.load_spec("documented")["components"]["schemas"]["AccountPhoneNumber"]
    found = set()
    for where, obj in _objects(body):
        for field, observations in _observed_values().items():
            if field not in obj:
                continue
            value = obj[field]
            schema = documented["properties"][field]
            in_documented_enum = "enum" not in schema or value in schema["enum"]
            if any(value in o.values for o in observations) and not in_documented_enum:
                found.add((f"{where}.{field}", repr(value)))
            if any(o.alternative for o in observations) and not openapi.schema_validator(
                "AccountPhoneNumber", "documented"
            ).evolve(schema=schema).is_valid(value):
                found.add((f"{where}.{field}", repr(value)))
    return found


@pytest.mark.parametrize("fixture", SDK_BODIES, ids=lambda p: p.name)
def test_recorded_body_passes_tolerant(fixture: Path) -> None:
    assert openapi.schema_errors(load_body(fixture), schema_for(fixture), "tolerant") == []


@pytest.mark.parametrize("fixture", SDK_BODIES, ids=lambda p: p.name)
def test_recorded_body_fails_documented_exactly_where_it_deviates(fixture: Path) -> None:
    body = load_body(fixture)
    errors = openapi.schema_errors(body, schema_for(fixture), "documented")
    expected = expected_deviations(body)
    assert len(errors) == len(expected), errors
    for where, value in expected:
        assert any(e.startswith(f"{where}: {value}") for e in errors), (where, value, errors)


def test_the_deviating_fixtures_are_the_ones_we_know() -> None:
    deviating = {f.name for f in SDK_BODIES if expected_deviations(load_body(f))}
    assert deviating == {
        "python_numberListResponse.json",  # REGISTERED, "verified"
        "go_numberGetResponse.json",  # "verified"
        "go_numberListResponse.json",  # "verified", "unverified"
        "node_numberGetResponse.json",  # "+919999999990"
    }


def test_strict_message_names_field_and_value() -> None:
    body = load_body(next(f for f in SDK_BODIES if f.name == "python_numberListResponse.json"))
    errors = openapi.schema_errors(body, "NumberList", "documented")
    assert any(
        e.startswith("$.objects[1].tendlc_registration_status: 'REGISTERED' is not one of") for e in errors
    ), errors


@pytest.mark.parametrize("level", openapi.LEVELS)
def test_named_schemas_load_at_both_levels(level: openapi.Level) -> None:
    for name in openapi.SCHEMA_NAMES:
        assert openapi.schema_validator(name, level).schema == {
            "$ref": f"{openapi.SPEC_URI}#/components/schemas/{name}"
        }


def test_levels_differ_only_by_observations() -> None:
    documented = openapi.load_spec("documented")
    tolerant = openapi.load_spec("tolerant")
    doc_enum = documented["components"]["schemas"]["AccountPhoneNumber"]["properties"][
        "tendlc_registration_status"
    ]["enum"]
    tol_enum = tolerant["components"]["schemas"]["AccountPhoneNumber"]["properties"][
        "tendlc_registration_status"
    ]["enum"]
    assert set(tol_enum) - set(doc_enum) == {"REGISTERED"}
    assert documented["paths"].keys() == tolerant["paths"].keys()
    _, _, strict_list = openapi.operation("listNumbers", "documented")
    _, _, tolerant_list = openapi.operation("listNumbers", "tolerant")
    added = {p["name"] for p in tolerant_list["parameters"]} - {p["name"] for p in strict_list["parameters"]}
    assert added == {"number_type", "toll_free_sms_verification_order_status"}


def test_unknown_level_is_refused_clearly() -> None:
    with pytest.raises(
        ValueError, match="unknown strictness level 'lenient'; use one of documented, tolerant"
    ):
        openapi.load_spec("lenient")  # type: ignore[arg-type]


def test_load_spec_hands_out_copies() -> None:
    first = openapi.load_spec()
    first["paths"].clear()
    assert openapi.load_spec()["paths"]
