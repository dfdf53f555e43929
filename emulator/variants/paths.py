"""Path variants: which spellings of a number or of a path the API answers."""

from __future__ import annotations

import re
from dataclasses import replace

from emulator.defects.asgi import Incoming, Reply
from openapi.operations import ITEM_OPERATIONS

from .base import Variant, error_reply, principal_of, register

FAMILY = "paths"
DIGITS = re.compile(r"^[0-9]+$")


def without_plus(incoming: Incoming) -> Incoming:
    """The request with a leading "+" dropped from the number in its path, if it had one."""
    number = incoming.number
    if number is None or not number.startswith("+"):
        return incoming
    head, _, tail = incoming.path.partition(f"/Number/{number}")
    return replace(incoming, path=f"{head}/Number/{number[1:]}{tail}")


@register
class PlusAcceptedInPath(Variant):
    name = "plus_accepted_in_path"
    family = FAMILY
    description = 'a number in the path may carry a leading "+": +1415... is served as 1415...'
    allowed_by = (
        'docs silent: the page gives the {number} in its paths no format (the attribute is just "The '
        'phone number."); E.164 writes it with "+", and plivo-node\'s get mock answers "+919999999990" '
        "(tests/fixtures/plivo-sdk/node_numberGetResponse.json)"
    )

    def request(self, incoming: Incoming) -> Incoming:
        return without_plus(incoming)


@register
class SlashlessPaths404(Variant):
    name = "slashless_paths_404"
    family = FAMILY
    description = "paths without the trailing slash are answered 404 (only the documented form is served)"
    allowed_by = (
        "page: every path it documents ends in a slash (GET https://api.plivo.com/v1/Account/{auth_id}/"
        "Number/ and .../Number/{number}/); it documents no other form"
    )

    def answer(self, incoming: Incoming) -> Reply | None:
        if incoming.path_auth_id is None or incoming.path.endswith("/"):
            return None
        return error_reply(404, f"not found: no resource at {incoming.path}")


@register
class MalformedNumber400(Variant):
    name = "malformed_number_400"
    family = FAMILY
    description = "a number in the path that is not all digits is refused with 400 instead of 404"
    allowed_by = (
        "docs silent: the page does not say how a path that cannot name a phone number is answered; "
        "its numbers are digits (17609915566)"
    )

    def answer(self, incoming: Incoming) -> Reply | None:
        number = incoming.number
        if incoming.operation not in ITEM_OPERATIONS or number is None or DIGITS.match(number):
            return None
        if principal_of(incoming) is None:
            return None  # the API's own 401 comes first
        return error_reply(400, f"number: {number!r} is not a phone number (digits only, e.g. 14155550100)")
