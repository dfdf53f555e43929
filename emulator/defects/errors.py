"""Defects in headers, content types and error bodies."""

from __future__ import annotations

from openapi.operations import LIST, UPDATE

from .asgi import Incoming, Reply
from .base import Defect, register

HEADERS = "headers and content types"
BODIES = "error bodies"


def _message(reply: Reply) -> str:
    body = reply.json()
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"]
    return "error"


@register
class ErrorsAsTextHtml(Defect):
    name = "errors_as_text_html"
    family = HEADERS
    description = "error answers carry their JSON body under Content-Type text/html"

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if reply.status >= 400:
            return reply.with_header("content-type", "text/html; charset=utf-8")
        return reply


@register
class ListWithoutContentType(Defect):
    name = "list_without_content_type"
    family = HEADERS
    description = "list answers have no Content-Type header (the JSON body is right)"

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if incoming.operation == LIST and reply.status == 200:
            return reply.with_header("content-type", None)
        return reply


@register
class UpdateResultAsTextPlain(Defect):
    name = "update_result_as_text_plain"
    family = HEADERS
    description = 'a successful update says "changed" in text/plain instead of the JSON UpdateResult'

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if incoming.operation == UPDATE and reply.status == 202:
            return Reply(202, (("content-type", "text/plain; charset=utf-8"),), b"changed")
        return reply


@register
class ErrorWithoutErrorKey(Defect):
    name = "error_without_error_key"
    family = BODIES
    description = 'error bodies say {"api_id", "message"}: the required "error" key is missing'

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if reply.status >= 400 and isinstance(body, dict) and "error" in body:
            body["message"] = body.pop("error")
            return reply.with_json(body)
        return reply


@register
class ErrorAsObject(Defect):
    name = "error_as_object"
    family = BODIES
    description = 'error is an object {"code", "message"} instead of a string'

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        body = reply.json()
        if reply.status >= 400 and isinstance(body, dict) and isinstance(body.get("error"), str):
            body["error"] = {"code": reply.status, "message": body["error"]}
            return reply.with_json(body)
        return reply


@register
class ErrorAsPlainText(Defect):
    name = "error_as_plain_text"
    family = BODIES
    description = "error bodies are the bare message in text/plain, not JSON"

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if reply.status >= 400:
            text = _message(reply).encode("utf-8")
            return Reply(reply.status, (("content-type", "text/plain; charset=utf-8"),), text)
        return reply
