"""Fixtures for the spec's own tests: the recorded SDK bodies and the seed page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures"
SDK_BODIES = sorted((FIXTURES / "plivo-sdk").glob("*.json"))
SEED_PAGE = FIXTURES / "seed" / "account-phone-numbers.md"


def schema_for(fixture: Path) -> str:
    """The spec schema a recorded body answers to, from its file name."""
    name = fixture.stem
    if name.endswith("ListResponse"):
        return "NumberList"
    if name.endswith("GetResponse"):
        return "AccountPhoneNumberWithApiId"
    # Create and update share the body {"message": "changed", "api_id": ...}.
    return "UpdateResult"


def load_body(fixture: Path) -> Any:
    return json.loads(fixture.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def seed_page() -> str:
    return SEED_PAGE.read_text(encoding="utf-8")
