"""openapi.redaction: every spelling of a credential is masked, ordinary text is not."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from openapi.redaction import MASK, Redactor, forms, redact, strip_userinfo

AUTH_ID = "MAZZZZZZZZZZZZZZZZZZ"
TOKEN = "Zm9vYmFyU2VjcmV0VG9rZW4xMjM0NTY3ODkwYWJj"
REDACTOR = Redactor.for_credentials([(AUTH_ID, TOKEN)])


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


SPELLINGS = {
    "plain": TOKEN,
    "lower case": TOKEN.lower(),
    "upper case": TOKEN.upper(),
    "basic header": "Basic " + _b64(f"{AUTH_ID}:{TOKEN}".encode()),
    "basic header, lower case": ("Basic " + _b64(f"{AUTH_ID}:{TOKEN}".encode())).lower(),
    "base64 shifted by one": _b64(b"x" + TOKEN.encode() + b"y"),
    "base64 shifted by two": _b64(b"xy" + TOKEN.encode()),
    "url-safe base64": base64.urlsafe_b64encode(b"?" + TOKEN.encode()).decode(),
    "percent-encoded": quote(f"{AUTH_ID}:{TOKEN}", safe=""),
    "every byte percent-encoded": "".join(f"%{b:02x}" for b in TOKEN.encode()),
    "hex": TOKEN.encode().hex(),
    "json string": json.dumps({"echo": TOKEN}),
    "url userinfo": f"https://{AUTH_ID}:{TOKEN}@api.example.com/v1/",
}


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_every_spelling_is_masked(spelling: str) -> None:
    text = f"before {SPELLINGS[spelling]} after"
    out = REDACTOR(text)
    assert MASK in out
    assert REDACTOR.found(out) == []
    assert TOKEN.lower() not in out.lower()


def test_ordinary_text_and_the_auth_id_alone_are_left_alone() -> None:
    text = f"GET /v1/Account/{AUTH_ID}/Number/?limit=20 answered 200"
    assert REDACTOR(text) == text


def test_bytes_are_redacted_and_undecodable_bytes_never_pass_through() -> None:
    out = REDACTOR.bytes(b"\xff\xfe " + TOKEN.encode())
    assert TOKEN.encode() not in out
    assert out.startswith("\ufffd".encode())


def test_userinfo_password_is_masked_even_when_unknown() -> None:
    assert strip_userinfo("see http://bob:hunter2@host:8/x") == "see http://bob:***@host:8/x"
    assert strip_userinfo("mailto:bob@example.com") == "mailto:bob@example.com"


def test_short_secrets_are_ignored_rather_than_masking_words() -> None:
    assert redact("a cat sat", ["a"]) == "a cat sat"
    assert not Redactor(secrets=["abc"])


def test_forms_lists_longest_first_and_includes_the_pair() -> None:
    spellings = forms(TOKEN, AUTH_ID)
    assert spellings == sorted(spellings, key=len, reverse=True)
    assert _b64(f"{AUTH_ID}:{TOKEN}".encode()).rstrip("=") in spellings
    assert repr(REDACTOR).startswith("<Redactor 1 secrets")
