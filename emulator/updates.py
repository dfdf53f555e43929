"""What an update request does to a number: the business rules beyond the schema.

The body has already been validated against NumberUpdate; these rules need the
number and the account (which subaccounts exist, where the number is).
Either every field is applied or, if one is refused, none is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .accounts import Account, Principal
from .errors import ApiError

US_REGION_SUFFIX = ", UNITED STATES"
REPUTATION_TYPES = ("local", "tollfree")


def _is_us(fields: Mapping[str, Any]) -> bool:
    return str(fields.get("region", "")).endswith(US_REGION_SUFFIX)


def _country(fields: Mapping[str, Any]) -> str:
    return str(fields.get("region", "")).rpartition(", ")[2] or "an unknown country"


def plan(
    body: Mapping[str, Any], account: Account, principal: Principal
) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """A change function for NumberStore.modify: current object in, fields to set out."""

    def change(fields: Mapping[str, Any]) -> dict[str, Any]:
        updates: dict[str, Any] = {}
        number = fields.get("number")
        if "alias" in body:
            updates["alias"] = body["alias"]
        if "app_id" in body:
            updates["application"] = f"/v1/Account/{account.auth_id}/Application/{body['app_id']}/"
        if "subaccount" in body:
            target = body["subaccount"]
            if principal.is_subaccount and target != principal.auth_id:
                raise ApiError(
                    400, "subaccount: a subaccount's credentials cannot move a number to another account"
                )
            if target == "":
                # An empty subaccount hands the number back to the main account.
                updates["sub_account"] = None
            elif target not in account.subaccounts:
                raise ApiError(400, f"subaccount: {target!r} is not a subaccount of this account")
            else:
                updates["sub_account"] = target
        for key in ("cnam_lookup", "cnam"):
            if key in body:
                if not _is_us(fields):
                    raise ApiError(
                        400, f"{key}: CNAM applies to US numbers only; {number} is in {_country(fields)}"
                    )
                updates[key] = body[key]
        if "profile_uuid" in body:
            updates["profile_uuid"] = body["profile_uuid"]
        if "caller_reputation" in body:
            if not _is_us(fields) or fields.get("number_type") not in REPUTATION_TYPES:
                raise ApiError(
                    400,
                    f"caller_reputation: applies to US local and toll-free numbers only; {number} is a "
                    f"{fields.get('number_type')} number in {_country(fields)}",
                )
            if body["caller_reputation"] == "enabled":
                updates["caller_reputation_status"] = "PENDING"
            else:
                updates["caller_reputation_status"] = "NOT_ENROLLED"
        # Documented to take effect only while the number is pending activation; otherwise
        # Plivo accepts and ignores it.
        if "compliance_application_id" in body and fields.get("active") is False:
            updates["compliance_application_id"] = body["compliance_application_id"]
        return updates

    return change
