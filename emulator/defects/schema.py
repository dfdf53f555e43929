"""Response schema defects: number objects with wrong types, formats, names or enum spellings."""

from __future__ import annotations

from typing import Any

from openapi.operations import GET, LIST

from .asgi import Incoming, Reply
from .base import Defect, register

FAMILY = "response schema"
RATES = ("monthly_rental_rate", "sms_rate", "mms_rate", "voice_rate")


class ObjectDefect(Defect):
    """Rewrites every number object a successful list or get answers."""

    family = FAMILY

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if reply.status != 200 or incoming.operation not in (LIST, GET):
            return reply
        body = reply.json()
        if not isinstance(body, dict):
            return reply
        if incoming.operation == LIST and isinstance(body.get("objects"), list):
            body["objects"] = [self.rewrite(dict(o)) if isinstance(o, dict) else o for o in body["objects"]]
        elif incoming.operation == GET:
            body = self.rewrite(body)
        return reply.with_json(body)


@register
class SmsEnabledAsString(ObjectDefect):
    name = "sms_enabled_as_string"
    description = 'sms_enabled is the string "true"/"false" instead of a JSON boolean'

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        if isinstance(obj.get("sms_enabled"), bool):
            obj["sms_enabled"] = "true" if obj["sms_enabled"] else "false"
        return obj


@register
class RatesAsNumbers(ObjectDefect):
    name = "rates_as_numbers"
    description = 'rates are JSON numbers (0.8) instead of decimal strings ("0.80000")'

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        for key in RATES:
            if isinstance(obj.get(key), str):
                obj[key] = float(obj[key])
        return obj


@register
class AddedOnWithTime(ObjectDefect):
    name = "added_on_with_time"
    description = 'added_on is a timestamp "2023-02-14 09:30:00" instead of a date YYYY-MM-DD'

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        if isinstance(obj.get("added_on"), str):
            obj["added_on"] = obj["added_on"] + " 09:30:00"
        return obj


@register
class RenewalDateUsFormat(ObjectDefect):
    name = "renewal_date_us_format"
    description = 'renewal_date is written MM/DD/YYYY ("05/10/2023") instead of YYYY-MM-DD'

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        day = obj.get("renewal_date")
        if isinstance(day, str) and len(day) == 10:
            obj["renewal_date"] = f"{day[5:7]}/{day[8:10]}/{day[0:4]}"
        return obj


@register
class SubAccountRenamed(ObjectDefect):
    name = "sub_account_renamed"
    description = "the object key sub_account is spelt subaccount, as the page's attribute table has it"

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        if "sub_account" in obj:
            obj["subaccount"] = obj.pop("sub_account")
        return obj


@register
class ResourceUriMissing(ObjectDefect):
    name = "resource_uri_missing"
    description = "number objects lack the required resource_uri"

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        obj.pop("resource_uri", None)
        return obj


@register
class NumberTypeUpperCase(ObjectDefect):
    name = "number_type_upper_case"
    description = 'number_type is spelt in upper case ("LOCAL") outside the enum'

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        if isinstance(obj.get("number_type"), str):
            obj["number_type"] = obj["number_type"].upper()
        return obj


@register
class TendlcInProgress(ObjectDefect):
    name = "tendlc_status_in_progress"
    description = 'objects say tendlc_registration_status "IN_PROGRESS" where the enum has PROCESSING'

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        if obj.get("tendlc_registration_status") == "PROCESSING":
            obj["tendlc_registration_status"] = "IN_PROGRESS"
        return obj


@register
class GetWithoutApiId(Defect):
    name = "get_without_api_id"
    family = FAMILY
    description = "getNumber answers the bare object, without the required api_id"

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if reply.status != 200 or incoming.operation != GET or not isinstance(body, dict):
            return reply
        body.pop("api_id", None)
        return reply.with_json(body)
