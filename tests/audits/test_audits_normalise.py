"""Status normalisation: documented values from the spec, case-insensitive, synonyms from the filter maps."""

from __future__ import annotations

import pytest

import openapi
from audits.normalise import enum_fields, normalise, vocabulary


def test_enum_fields_and_values_come_from_the_documented_spec() -> None:
    properties = openapi.load_spec("documented")["components"]["schemas"]["AccountPhoneNumber"]["properties"]
    expected = {name for name, schema in properties.items() if "enum" in schema}
    assert set(enum_fields()) == expected
    assert vocabulary("tendlc_registration_status").values == ("UNREGISTERED", "PROCESSING", "COMPLETED")
    assert "REGISTERED" not in vocabulary("tendlc_registration_status").values


@pytest.mark.parametrize(
    ("field", "raw", "value", "documented"),
    [
        ("tendlc_registration_status", "COMPLETED", "COMPLETED", True),
        ("tendlc_registration_status", "completed", "COMPLETED", False),
        # The SDK fixtures' REGISTERED is the filter vocabulary's "registered" -> COMPLETED.
        ("tendlc_registration_status", "REGISTERED", "COMPLETED", False),
        ("tendlc_registration_status", "in_progress", "PROCESSING", False),
        ("tendlc_registration_status", "Unregistered", "UNREGISTERED", False),
        ("toll_free_sms_verification", "verified", "VERIFIED", False),
        ("toll_free_sms_verification", "pending_verification", "PENDING_VERIFICATION", False),
        ("toll_free_sms_verification", " UNVERIFIED ", "UNVERIFIED", False),
        ("caller_reputation_status", "failed", "FAILED", False),
        ("number_type", "TOLLFREE", "tollfree", False),
        ("number_type", "local", "local", True),
    ],
)
def test_values_normalise_case_insensitively_and_through_synonyms(
    field: str, raw: str, value: str, documented: bool
) -> None:
    result = normalise(field, raw)
    assert result.value == value
    assert result.documented is documented
    assert result.recognised


def test_null_is_documented_and_maps_to_none() -> None:
    result = normalise("toll_free_sms_verification", None)
    assert result.value is None
    assert result.documented
    assert result.recognised


@pytest.mark.parametrize("raw", ["APPROVED", "", 3, "registered-ish"])
def test_unknown_values_are_not_recognised(raw: object) -> None:
    result = normalise("tendlc_registration_status", raw)
    assert result.value is None
    assert not result.recognised
    assert not result.documented


def test_unknown_field_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="tendlc_registration_status"):
        vocabulary("alias")
