"""Secrets never leave in repro commands, reprs or error messages."""

from __future__ import annotations

import base64

import httpx
import pytest

from contracts.curl import as_curl, describe_exchange
from contracts.target import Credentials, TargetError, live_credentials

TOKEN = "s3cr3t-T0ken-value-42"


def _request(auth: tuple[str, str], json: object = None) -> httpx.Request:
    header = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    return httpx.Request(
        "POST",
        "https://api.example.test/v1/Account/MAXXXXXXXXXXXXXXXXXX/Number/14155550100/",
        headers={"Authorization": header},
        json=json,
    )


class _FakeTarget:
    kind = "live"
    base_url = "https://api.example.test"
    auth_id = "MAXXXXXXXXXXXXXXXXXX"
    credentials = Credentials("MAXXXXXXXXXXXXXXXXXX", TOKEN)
    subaccount = Credentials("SAXXXXXXXXXXXXXXXXXX", "sub-" + TOKEN)
    other_account = None


def test_curl_uses_environment_variables_instead_of_the_token() -> None:
    command = as_curl(_request(("MAXXXXXXXXXXXXXXXXXX", TOKEN), json={"alias": "x"}), _FakeTarget())  # type: ignore[arg-type]
    assert '-u "$PLIVO_AUTH_ID:$PLIVO_AUTH_TOKEN"' in command
    assert TOKEN not in command
    assert "authorization" not in command.lower()
    assert "--data-raw" in command
    assert "alias" in command


def test_subaccount_credentials_get_their_own_variables() -> None:
    command = as_curl(_request(("SAXXXXXXXXXXXXXXXXXX", "sub-" + TOKEN)), _FakeTarget())  # type: ignore[arg-type]
    assert "$PLIVO_SUBACCOUNT_AUTH_TOKEN" in command
    assert TOKEN not in command


def test_unknown_credentials_are_masked() -> None:
    command = as_curl(_request(("MAOTHERXXXXXXXXXXXXX", "whatever-token")))
    assert "whatever-token" not in command
    assert "MAOTHERXXXXXXXXXXXXX:***" in command


def test_a_token_echoed_in_a_response_is_redacted() -> None:
    request = _request(("MAXXXXXXXXXXXXXXXXXX", TOKEN))
    response = httpx.Response(401, json={"error": f"bad token {TOKEN}"}, request=request)
    text = describe_exchange(response, _FakeTarget())  # type: ignore[arg-type]
    assert TOKEN not in text
    assert "***" in text
    assert "401" in text


def test_credentials_repr_hides_the_token() -> None:
    assert TOKEN not in repr(Credentials("MAXXXXXXXXXXXXXXXXXX", TOKEN))
    assert TOKEN not in str(Credentials("MAXXXXXXXXXXXXXXXXXX", TOKEN))


@pytest.mark.parametrize("missing", ["PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN"])
def test_missing_live_credentials_name_the_variable(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.setenv("PLIVO_AUTH_ID", "MAXXXXXXXXXXXXXXXXXX")
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", TOKEN)
    monkeypatch.delenv(missing)
    with pytest.raises(TargetError, match=missing) as error:
        live_credentials()
    assert TOKEN not in str(error.value)


def test_hypothesis_prints_targets_and_credentials_without_the_token() -> None:
    # Falsifying examples list the test's arguments, the `target` fixture among them.
    from hypothesis.vendor.pretty import pretty

    from contracts.target import TargetOptions, build_target

    target = build_target(TargetOptions())
    try:
        assert target.auth_token not in pretty(target)
        assert target.auth_token not in repr(target)
        assert TOKEN not in pretty(Credentials("MAXXXXXXXXXXXXXXXXXX", TOKEN))
    finally:
        target.close()
