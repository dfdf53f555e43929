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


@dataclass(slots=True)
class NumberRecord:
    """The fields of one AccountPhoneNumber the rules and the policy read, and nothing more."""

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
    caller_reputation_status: str | None = None
    cnam_lookup: str | None = None

    @classmethod
    def from_api(cls, obj: dict[str, Any]) -> NumberRecord:
        """Build from one object of a listNumbers page (missing keys read as null)."""
        number = str(obj.get("number") or "").lstrip("+")
        return cls(
            number=number,
            subaccount=_interned(obj.get("sub_account") or MAIN_ACCOUNT),
            number_type=_interned(obj.get("number_type")),
            region=_interned(obj.get("region")),
            country=_interned(country_of(obj.get("region"), obj.get("country"))),
            sms_enabled=obj.get("sms_enabled") is True,
            mms_enabled=obj.get("mms_enabled") is True,
            voice_enabled=obj.get("voice_enabled") is True,
            carrier=_interned(obj.get("carrier")),
            tendlc_registration_status=_interned(obj.get("tendlc_registration_status")),
            tendlc_campaign_id=_interned(obj.get("tendlc_campaign_id") or None),
            toll_free_sms_verification=_interned(obj.get("toll_free_sms_verification")),
            profile_uuid=obj.get("profile_uuid") or None,
            caller_reputation_status=_interned(obj.get("caller_reputation_status")),
            cnam_lookup=_interned(obj.get("cnam_lookup")),
        )

    def raw(self, name: str) -> Any:
        """The value of an API field as listed (None when this record does not keep it)."""
        return getattr(self, name, None)

    def __repr__(self) -> str:
        return f"<NumberRecord {self.number} {self.number_type} {self.country} sub={self.subaccount}>"


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
