"""Error body variants: other words, more fields."""

from __future__ import annotations

from emulator.defects.asgi import Incoming, Reply

from .base import Variant, register

FAMILY = "error bodies"
WORDS = {
    400: "Invalid request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Resource not found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
}


@register
class ErrorsReworded(Variant):
    name = "errors_reworded"
    family = FAMILY
    description = 'every 4xx error says it in other words ("Resource not found", "Invalid request", ...)'
    allowed_by = "docs silent: the page documents no error wording at all"

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if not 400 <= reply.status < 500 or not isinstance(body, dict) or "error" not in body:
            return reply
        body["error"] = WORDS.get(reply.status, "Client error")
        return reply.with_json(body)


@register
class ErrorsWithExtraFields(Variant):
    name = "errors_with_extra_fields"
    family = FAMILY
    description = 'error bodies also carry "code" (the status) and "more_info"'
    allowed_by = (
        "docs silent: the page documents no error body; the recorded ones "
        '(tests/fixtures/plivo-sdk/README.md) show "api_id" and "error", not that nothing else may follow'
    )

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if reply.status < 400 or not isinstance(body, dict) or "error" not in body:
            return reply
        body["code"] = reply.status
        body["more_info"] = "https://www.plivo.com/docs/numbers/api/account-phone-number"
        return reply.with_json(body)
