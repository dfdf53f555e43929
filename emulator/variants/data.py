"""Response data variants: values, keys and encodings the documentation or Plivo's recordings allow."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from emulator.defects.asgi import Incoming, Reply
from emulator.defects.filters import FilterDefect, Swap
from emulator.defects.schema import ObjectDefect
from openapi.operations import GET, LIST

from .base import Variant, is_json, register, with_body
from .paths import without_plus

FAMILY = "response data"
# The keys every object recorded in Plivo's SDK fixtures carries (openapi/DISCREPANCIES.md D9).
ALWAYS_PRESENT = (
    "number",
    "alias",
    "sub_account",
    "added_on",
    "application",
    "carrier",
    "region",
    "number_type",
    "monthly_rental_rate",
    "sms_enabled",
    "sms_rate",
    "voice_enabled",
    "voice_rate",
    "resource_uri",
)


class ObjectVariant(Variant, ObjectDefect):
    """Rewrites every number object of successful list and get answers (the defects' ObjectDefect)."""

    family = FAMILY


@register
class TendlcRegisteredSpelling(ObjectVariant):
    name = "tendlc_registered_spelling"
    description = 'objects say tendlc_registration_status "REGISTERED" where we say COMPLETED'
    allowed_by = (
        'tests/fixtures/plivo-sdk/python_numberListResponse.json objects[1]: "REGISTERED" '
        "(openapi/number.yaml x-observed, DISCREPANCIES.md D4)"
    )

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        if obj.get("tendlc_registration_status") == "COMPLETED":
            obj["tendlc_registration_status"] = "REGISTERED"
        return obj


@register
class TollFreeLowerCase(ObjectVariant):
    name = "toll_free_lower_case"
    description = 'toll_free_sms_verification is spelt "verified" / "unverified" in lower case'
    allowed_by = (
        'tests/fixtures/plivo-sdk/python_numberListResponse.json ("verified"), go_numberGetResponse.json, '
        "go_numberListResponse.json (openapi/number.yaml x-observed, DISCREPANCIES.md D5)"
    )

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        value = obj.get("toll_free_sms_verification")
        if value in ("VERIFIED", "UNVERIFIED"):
            obj["toll_free_sms_verification"] = value.lower()
        return obj


def _alias_or_empty(value: Any) -> Any:
    return lambda fields: (fields.get("alias") if fields.get("alias") is not None else "") == value


@register
class AliasEmptyWhenUnset(ObjectVariant, FilterDefect):
    name = "alias_empty_when_unset"
    description = 'an unset alias is "" instead of null (and alias= finds those numbers)'
    allowed_by = (
        'tests/fixtures/plivo-sdk/python_numberListResponse.json: unset aliases are null or "" '
        "(tests/fixtures/plivo-sdk/README.md); the page types alias as a string"
    )
    swaps: ClassVar[Mapping[str, Swap]] = {"alias": _alias_or_empty}

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        if "alias" in obj and obj["alias"] is None:
            obj["alias"] = ""
        return obj


@register
class CnamLookupAbsent(ObjectVariant):
    name = "cnam_lookup_absent"
    description = "objects carry no cnam_lookup key (the filter still works)"
    allowed_by = (
        "tests/fixtures/plivo-sdk/node_numberListResponse.json and node_numberGetResponse.json: "
        "objects without cnam_lookup (DISCREPANCIES.md D9: not every object carries every key)"
    )

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        obj.pop("cnam_lookup", None)
        return obj


@register
class OnlyAlwaysPresentKeys(ObjectVariant):
    name = "only_always_present_keys"
    description = "objects carry only the 14 keys every recorded fixture carries (no renewal_date, mms_*)"
    allowed_by = (
        "tests/fixtures/plivo-sdk/node_numberListResponse.json: an object with only these keys "
        "(and sub_account_name); openapi/number.yaml requires only them (DISCREPANCIES.md D9)"
    )

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in obj.items() if key in ALWAYS_PRESENT or key == "api_id"}


@register
class ExtraUndocumentedFields(Variant):
    name = "extra_undocumented_fields"
    family = FAMILY
    description = "objects, meta and the list's top level carry keys the page does not document"
    allowed_by = (
        "tests/fixtures/plivo-sdk/ (go_numberGetResponse.json, python_numberGetResponse.json): objects "
        "carry sub_account_name, country, compliance_status, toll_free_sms_verification_id, ...; the page "
        "never says an object, meta or the list is closed (DISCREPANCIES.md D8)"
    )

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if reply.status != 200 or not isinstance(body, dict):
            return reply
        names = _subaccount_names(incoming)
        if incoming.operation == LIST and isinstance(body.get("objects"), list):
            body["objects"] = [_extra(o, names) if isinstance(o, dict) else o for o in body["objects"]]
            if isinstance(body.get("meta"), dict):
                body["meta"]["has_more"] = body["meta"].get("next") is not None
            body["api_version"] = "v1"
        elif incoming.operation == GET:
            body = {**_extra(body, names), "api_version": "v1"}
        else:
            return reply
        return reply.with_json(body)


def _subaccount_names(incoming: Incoming) -> dict[str, str]:
    state = incoming.state
    if state is None:
        return {}
    names: dict[str, str] = {}
    for account in state.directory.accounts.values():
        names.update(account.subaccounts)
    return names


def _extra(obj: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    sub = obj.get("sub_account")
    region = obj.get("region")
    return {
        **obj,
        "sub_account_name": names.get(sub) if isinstance(sub, str) else None,
        "country": region.rpartition(", ")[2] if isinstance(region, str) else None,
        "compliance_status": None,
        "toll_free_sms_verification_id": None,
        "toll_free_sms_verification_order_status": None,
        "number_pool_id": None,
    }


@register
class PlusPrefixedNumbers(ObjectVariant):
    name = "plus_prefixed_numbers"
    description = 'objects write number (and resource_uri) in E.164 with "+"; paths take either form'
    allowed_by = (
        'tests/fixtures/plivo-sdk/node_numberGetResponse.json: number "+919999999990" '
        "(openapi/number.yaml x-observed, DISCREPANCIES.md D11)"
    )

    def request(self, incoming: Incoming) -> Incoming:
        incoming = without_plus(incoming)
        prefix = incoming.query_value("number_startswith")
        if incoming.operation == LIST and prefix is not None and prefix.startswith("+"):
            return incoming.with_query(number_startswith=prefix[1:])
        return incoming

    def rewrite(self, obj: dict[str, Any]) -> dict[str, Any]:
        number = obj.get("number")
        if isinstance(number, str) and not number.startswith("+"):
            obj["number"] = "+" + number
            uri = obj.get("resource_uri")
            if isinstance(uri, str) and uri.endswith(f"/Number/{number}/"):
                obj["resource_uri"] = uri[: -len(number) - 1] + f"+{number}/"
        return obj


@register
class ApiIdNotUuid(Variant):
    name = "api_id_not_uuid"
    family = FAMILY
    description = "api_id is a 24-character hex id, not a UUID"
    allowed_by = (
        'docs silent: the page shows api_id values ("5a9fcb68-582d-11e1-86da-6ff39efcb949") but states '
        "no format; openapi/number.yaml types it as any non-empty string"
    )

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if not isinstance(body, dict) or "api_id" not in body:
            return reply
        body["api_id"] = uuid.uuid4().hex[:24]
        return reply.with_json(body)


@register
class PrettyPrintedJson(Variant):
    name = "pretty_printed_json"
    family = FAMILY
    description = "JSON bodies are indented, keys sorted, non-ASCII escaped as \\uXXXX"
    allowed_by = (
        "RFC 8259: insignificant whitespace, member order and \\u escapes carry no meaning; docs silent"
    )

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if body is None or not is_json(reply):
            return reply
        text = json.dumps(body, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
        return with_body(reply, text.encode("ascii"))
