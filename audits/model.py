"""The audit's vocabulary: severities, one inventoried number, one finding."""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass, field
from typing import Any

MAIN_ACCOUNT = "main"
"""Label for numbers on the main account (``sub_account`` null), used in reports and policy scope."""


class Severity(enum.IntEnum):
    """Ordered so that a threshold reads as 'this severity or worse'."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r}; use one of {names}") from None

    @property
    def label(self) -> str:
        return self.name.lower()

    def __repr__(self) -> str:
        return f"<Severity {self.label}>"


# Reports of 100,000 numbers hold the same few strings (regions, statuses) many
# times; interning keeps the inventory far below the 300 MB budget.
def _interned(value: Any) -> Any:
    return sys.intern(value) if isinstance(value, str) else value


def country_of(region: str | None, country: str | None = None) -> str:
    """ISO code for the countries the rules care about, else the region's country name.

    Plivo's ``region`` ends with the country in upper case ("California, UNITED STATES").
    """
    name = (region or "").rsplit(",", 1)[-1].strip().upper() or (country or "").strip().upper()
    return {"UNITED STATES": "US", "USA": "US", "CANADA": "CA"}.get(name, name or "UNKNOWN")


# What the rules and the policy's scope read from each object, and the JSON types that are
# readable. REQUIRED fields are on every object the spec and Plivo's recorded answers show;
# without them no rule can tell whether a number is in its scope, so a number missing one,
# or carrying one of another type, is unreadable (data-missing-field) and the audit is
# INCOMPLETE. OPTIONAL fields may be absent (they read as null / false, as the spec allows),
# but a value of the wrong type is just as unreadable.
_NULL = type(None)
REQUIRED_FIELDS: dict[str, tuple[type, ...]] = {
    "number_type": (str,),
    "region": (str,),
    "sms_enabled": (bool,),
    "voice_enabled": (bool,),
    "sub_account": (str, _NULL),
}
OPTIONAL_FIELDS: dict[str, tuple[type, ...]] = {
    "mms_enabled": (bool, _NULL),
    "carrier": (str, _NULL),
    "tendlc_registration_status": (str, _NULL),
    "tendlc_campaign_id": (str, _NULL),
    "toll_free_sms_verification": (str, _NULL),
    "profile_uuid": (str, _NULL),
    "toll_free_sms_verification_id": (str, _NULL),
    "compliance_application_id": (str, _NULL),
    "caller_reputation_status": (str, _NULL),
    "cnam_lookup": (str, _NULL),
}
_JSON_NAMES = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    list: "a list",
    dict: "an object",
    _NULL: "null",
}


def json_type(value: Any) -> str:
    """How a decoded JSON value is named in messages ("a list", "an integer", ...)."""
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _read(
    obj: dict[str, Any], name: str, types: tuple[type, ...], required: bool, problems: list[str]
) -> Any:
    if name not in obj:
        if required:
            problems.append(f"{name} missing")
        return None
    value = obj[name]
    # bool is an int subclass; exact types keep True from passing as a number and 1 as a boolean.
    if type(value) in types:
        return value
    expected = " or ".join(_JSON_NAMES[t] for t in types)
    problems.append(f"{name} is {json_type(value)}, not {expected}")
    return None


@dataclass(slots=True)
class NumberRecord:
    """The fields of one AccountPhoneNumber the rules and the policy read, and nothing more.

    ``problems`` names every field the rules need that was missing or of the wrong type
    (such a field reads as None); a record with problems cannot be judged, see
    ``data-missing-field``.
    """

    number: str
    subaccount: str
    number_type: str | None
    region: str | None
    country: str
    sms_enabled: bool
    mms_enabled: bool
    voice_enabled: bool
    carrier: str | None = None
    tendlc_registration_status: str | None = None
    tendlc_campaign_id: str | None = None
    toll_free_sms_verification: str | None = None
    profile_uuid: str | None = None
    toll_free_sms_verification_id: str | None = None
    compliance_application_id: str | None = None
    caller_reputation_status: str | None = None
    cnam_lookup: str | None = None
    problems: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, obj: dict[str, Any]) -> NumberRecord:
        """Build from one object of a listNumbers page; never raises on what the server sent."""
        problems: list[str] = []
        number = obj.get("number")
        if not isinstance(number, str) or not number.strip("+"):
            problems.append(f"number is {json_type(number)}, not a non-empty string")
            number = str(number) if number is not None else ""
        fields = {name: _read(obj, name, types, True, problems) for name, types in REQUIRED_FIELDS.items()}
        fields |= {name: _read(obj, name, types, False, problems) for name, types in OPTIONAL_FIELDS.items()}
        country = obj.get("country")
        return cls(
            number=number.lstrip("+"),
            subaccount=_interned(fields["sub_account"] or MAIN_ACCOUNT),
            number_type=_interned(fields["number_type"]),
            region=_interned(fields["region"]),
            country=_interned(country_of(fields["region"], country if isinstance(country, str) else None)),
            sms_enabled=fields["sms_enabled"] is True,
            mms_enabled=fields["mms_enabled"] is True,
            voice_enabled=fields["voice_enabled"] is True,
            carrier=_interned(fields["carrier"]),
            tendlc_registration_status=_interned(fields["tendlc_registration_status"]),
            tendlc_campaign_id=_interned(fields["tendlc_campaign_id"] or None),
            toll_free_sms_verification=_interned(fields["toll_free_sms_verification"]),
            profile_uuid=fields["profile_uuid"] or None,
            # Pointers into the compliance graph (audits.graph); many numbers share one id.
            toll_free_sms_verification_id=_interned(fields["toll_free_sms_verification_id"] or None),
            compliance_application_id=_interned(fields["compliance_application_id"] or None),
            caller_reputation_status=_interned(fields["caller_reputation_status"]),
            cnam_lookup=_interned(fields["cnam_lookup"]),
            problems=tuple(problems),
        )

    @property
    def readable(self) -> bool:
        """Every field the rules need was there with a readable type."""
        return not self.problems

    def raw(self, name: str) -> Any:
        """The value of an API field as listed (None when this record does not keep it)."""
        return getattr(self, name, None)

    def __repr__(self) -> str:
        flag = f" unreadable={len(self.problems)}" if self.problems else ""
        return f"<NumberRecord {self.number} {self.number_type} {self.country} sub={self.subaccount}{flag}>"


@dataclass(slots=True)
class Finding:
    """One rule's verdict on one number.

    ``key`` tells findings of the same rule on the same number apart (the field
    for data-unexpected-value); ``(number, rule, key)`` is the identity kept in history.
    """

    number: str
    rule: str
    severity: Severity
    subaccount: str
    message: str
    number_type: str | None = None
    country: str = ""
    key: str = ""
    first_seen: str | None = None
    age_days: int = 0
    new: bool = True
    waiver: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.number, self.rule, self.key)

    @property
    def waived(self) -> bool:
        return self.waiver is not None

    def __repr__(self) -> str:
        flag = " waived" if self.waived else ""
        return f"<Finding {self.rule} {self.number} {self.severity.label}{flag}>"
