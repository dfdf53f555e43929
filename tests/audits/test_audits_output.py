"""audits.output: the one choke point every message, report and history row passes through."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

from audits.model import Finding, Severity
from audits.output import REPLACEMENT, Output
from openapi.redaction import forms

AUTH_ID = "MA" + "Q" * 18
TOKEN = "Output-Token-0123456789-AbCdEf"


def output() -> Output:
    return Output().with_credentials(AUTH_ID, TOKEN)


def test_every_spelling_of_the_token_is_masked_in_any_case() -> None:
    pair = base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
    texts = [
        TOKEN,
        TOKEN.lower(),
        TOKEN.swapcase(),
        f"Authorization: Basic {pair}",
        f"http://{AUTH_ID}:{TOKEN}@evil.example/",
        TOKEN.encode().hex(),
        base64.b64encode(b"xy:" + TOKEN.encode()).decode(),
    ]
    for text in texts:
        cleaned = output().text(f"before {text} after")
        assert not any(f.lower() in cleaned.lower() for f in forms(TOKEN, AUTH_ID)), cleaned
        assert cleaned.startswith("before ")


def test_unsafe_characters_become_the_replacement_character() -> None:
    cleaned = output().text("a\x00b\x1b[2Jc\x07d\ud800e\x9bf\ufffeg\th\ni")
    assert (
        cleaned
        == f"a{REPLACEMENT}b{REPLACEMENT}[2Jc{REPLACEMENT}d{REPLACEMENT}e{REPLACEMENT}f{REPLACEMENT}g\th\ni"
    )
    cleaned.encode("utf-8")  # no lone surrogate left
    ET.fromstring(f"<a>{cleaned}</a>")  # noqa: S314 - our own text; valid XML 1.0


def test_documents_are_cleaned_keys_and_all_without_changing_scalars() -> None:
    doc = {"a": [TOKEN, 1, 2.5, None, True], TOKEN: {"b": ("x\x00", TOKEN.upper())}}
    assert output().value(doc) == {"a": ["***", 1, 2.5, None, True], "***": {"b": [f"x{REPLACEMENT}", "***"]}}


def test_findings_are_cleaned_in_place() -> None:
    finding = Finding(
        number=f"1415{TOKEN}",
        rule="data-unexpected-value",
        severity=Severity.LOW,
        subaccount=TOKEN.lower(),
        message=f"status is '{TOKEN}\ud800'",
        number_type="local\x1b",
        key="tendlc_registration_status",
        details={"value": TOKEN},
    )
    output().findings([finding])
    assert finding.number == "1415***"
    assert finding.subaccount == "***"
    assert finding.message == f"status is '***{REPLACEMENT}'"
    assert finding.number_type == f"local{REPLACEMENT}"
    assert finding.details == {"value": "***"}


def test_an_output_without_credentials_still_neutralises() -> None:
    assert Output().text("ok\x00") == f"ok{REPLACEMENT}"
    assert Output().with_credentials(None, None).text(TOKEN) == TOKEN
    assert repr(output()) == "<Output 1 credential(s)>"
