"""Status code variants: the same outcome under another status the page does not rule out."""

from __future__ import annotations

from emulator.defects.asgi import Incoming, Reply
from openapi.operations import UPDATE

from .base import Variant, error_reply, register

FAMILY = "status codes"


@register
class Update200Ok(Variant):
    name = "update_200_ok"
    family = FAMILY
    description = "a successful update answers 200 (same body) instead of 202"
    allowed_by = (
        'page, "Update an Account Phone Number" > "Response": shows only the body '
        '{"message": "changed", "api_id": ...} and no status code (openapi/DISCREPANCIES.md D14); '
        "every SDK accepts any 2xx"
    )

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        if incoming.operation == UPDATE and reply.status == 202:
            return reply.with_status(200)
        return reply


@register
class ForeignAuthId403(Variant):
    name = "foreign_auth_id_403"
    family = FAMILY
    description = "valid credentials with another account's auth_id in the path are answered 403, not 401"
    allowed_by = (
        "docs silent: the page does not say how a request for another account's path is refused; "
        "the credentials are valid, so 403 Forbidden is the HTTP answer (plivo-python maps 403 to "
        "ForbiddenError, tests/fixtures/plivo-sdk/README.md)"
    )

    def response(self, incoming: Incoming, reply: Reply) -> Reply:
        creds, state = incoming.basic_auth, incoming.state
        if reply.status != 401 or creds is None or state is None or incoming.path_auth_id is None:
            return reply
        principal = state.directory.authenticate(*creds)
        if principal is None or principal.auth_id == incoming.path_auth_id:
            return reply
        who, whose = principal.auth_id, incoming.path_auth_id
        return error_reply(403, f"forbidden: {who} cannot access account {whose}")
