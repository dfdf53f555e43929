"""Status code defects: the right outcome under the wrong status."""

from __future__ import annotations

from dataclasses import replace

from openapi.operations import UNRENT, UPDATE

from .asgi import Incoming, Reply
from .base import Defect, register

FAMILY = "status codes"


# A 200 instead of 202 was once here; the page gives no status for an update, so that is a
# correct target (emulator.variants update_200_ok). The page does document the body.
@register
class UpdateAnswers204WithoutBody(Defect):
    name = "update_answers_204_without_body"
    family = FAMILY
    description = (
        'a successful update answers 204 with no body instead of the documented {"message": "changed"}'
    )

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if incoming.operation == UPDATE and 200 <= reply.status < 300:
            return replace(reply.with_status(204).with_header("content-type", None), body=b"")
        return reply


@register
class UnrentAnswers200WithBody(Defect):
    name = "unrent_answers_200_with_body"
    family = FAMILY
    description = 'unrent answers 200 {"message": "deleted"} instead of 204 with no body'

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if incoming.operation == UNRENT and reply.status == 204:
            return (
                reply.with_status(200)
                .with_header("content-type", "application/json")
                .with_json({"api_id": "0a1b2c3d-0000-4000-8000-000000000000", "message": "deleted"})
            )
        return reply


@register
class NotFoundAs400(Defect):
    name = "not_found_as_400"
    family = FAMILY
    description = "an unknown number is answered 400 instead of 404"

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if reply.status == 404 and incoming.number is not None:
            return reply.with_status(400)
        return reply


@register
class UnauthorizedAs403(Defect):
    name = "unauthorized_as_403"
    family = FAMILY
    description = "missing or wrong credentials are answered 403 instead of 401"

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        return reply.with_status(403) if reply.status == 401 else reply


@register
class UndeclaredMethod404(Defect):
    name = "undeclared_method_404"
    family = FAMILY
    description = "a method the resource does not have (PUT, PATCH, ...) is answered 404 instead of 405"

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if reply.status == 405:
            return reply.with_status(404).with_header("allow", None)
        return reply
