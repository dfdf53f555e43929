"""Auth variants: 401 answers worded or shaped differently."""

from __future__ import annotations

from emulator.defects.asgi import Incoming, Reply

from .base import Variant, register

FAMILY = "auth"


@register
class UnauthorizedWithoutApiId(Variant):
    name = "unauthorized_without_api_id"
    family = FAMILY
    description = '401 bodies are {"error": ...} without api_id'
    allowed_by = (
        'tests/fixtures/plivo-sdk/README.md: error bodies seen in the wild include {"error": '
        '"authentication credentials were not provided"} with no api_id (401); '
        "openapi/DISCREPANCIES.md D15"
    )

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if reply.status != 401 or not isinstance(body, dict) or "api_id" not in body:
            return reply
        body.pop("api_id")
        return reply.with_json(body)


@register
class UnauthorizedReworded(Variant):
    name = "unauthorized_reworded"
    family = FAMILY
    description = '401 errors say "Authorization header missing" / "Invalid auth_id or auth_token"'
    allowed_by = "docs silent: the page documents no error wording at all"

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if reply.status != 401 or not isinstance(body, dict) or "error" not in body:
            return reply
        missing = incoming.header("authorization") is None
        body["error"] = "Authorization header missing" if missing else "Invalid auth_id or auth_token"
        return reply.with_json(body)
