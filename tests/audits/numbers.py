"""Numbers shaped like the API's objects, for the audits tests."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import openapi
from audits.model import NumberRecord

FIXTURES = Path(__file__).parents[1] / "fixtures"
TODAY = dt.date(2026, 11, 27)


def api_number(**overrides: Any) -> dict[str, Any]:
    """The documentation page's example object (from the spec) with ``overrides`` applied."""
    spec = openapi.load_spec("documented")
    obj = copy.deepcopy(spec["components"]["schemas"]["AccountPhoneNumber"]["examples"][0])
    obj.update(overrides)
    if "number" in overrides:
        obj["resource_uri"] = f"/v1/Account/MA2025RK4E639VJFZAGV/Number/{overrides['number']}/"
    return obj


def record(**overrides: Any) -> NumberRecord:
    return NumberRecord.from_api(api_number(**overrides))


def us_local(**overrides: Any) -> NumberRecord:
    """A US local SMS number, registered for 10DLC with a profile: compliant unless overridden."""
    base = {
        "number": "14155550100",
        "region": "California, UNITED STATES",
        "number_type": "local",
        "sms_enabled": True,
        "tendlc_registration_status": "COMPLETED",
        "tendlc_campaign_id": "CAMPAIGN1",
        "profile_uuid": "7c9d4c2a-2f3e-4b8a-9d1e-0c5a6b7e8f90",
    }
    return record(**{**base, **overrides})


def us_tollfree(**overrides: Any) -> NumberRecord:
    """A US toll-free SMS number, verified, with a profile: compliant unless overridden."""
    base = {
        "number": "18005550100",
        "region": "UNITED STATES",
        "number_type": "tollfree",
        "sms_enabled": True,
        "tendlc_registration_status": None,
        "tendlc_campaign_id": None,
        "toll_free_sms_verification": "VERIFIED",
        "profile_uuid": "7c9d4c2a-2f3e-4b8a-9d1e-0c5a6b7e8f90",
    }
    return record(**{**base, **overrides})


def sdk_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "plivo-sdk" / name).read_text(encoding="utf-8"))
