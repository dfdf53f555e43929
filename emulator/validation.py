"""Request validation for the emulator: the spec's rules, applied by :mod:`openapi.requests`.

The rules themselves (parameter coercion, the integer and URI formats, body parsing,
schemas) live in ``openapi.requests``, the one implementation the SDK checker uses too.
What is the emulator's own is the server's policy, as Plivo's page describes it:

* names the spec does not declare (query parameters, body keys, a repeated unknown form
  field) are ignored, not refused;
* a body without a Content-Type is read as JSON, or as a form if it is not JSON;
* every other problem is a 400 whose message names the parameter or field and says what
  was wrong, e.g. ``limit: 50 is greater than the maximum of 20``; all problems of the
  request, joined with ``"; "``.

Whatever a client sends is refused with a 400 saying why, never a 500: a query string or
form that is not UTF-8 once percent-decoded, a declared parameter or field given twice,
JSON nested deeper than MAX_JSON_DEPTH, numbers beyond Python's integer text limit,
and text that is not valid Unicode (a JSON ``"\\ud800"``, which could be stored but
never written back out).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import openapi
from openapi.operations import OPERATION_IDS
from openapi.requests import (
    FORMAT_CHECKER,
    MAX_FIELDS,
    MAX_JSON_DEPTH,
    Body,
    Parameters,
    Problem,
    UnreadableText,
    json_depth,
    pairs,
    text_problems,
)

from .errors import ApiError

__all__ = [
    "FORMAT_CHECKER",
    "MAX_FIELDS",
    "MAX_JSON_DEPTH",
    "BodySchema",
    "OperationRules",
    "ParameterSet",
    "json_depth",
    "query_pairs",
    "rules_for",
    "text_problems",
]


def _refuse(problems: Iterable[Problem]) -> None:
    """ApiError 400 naming every problem a server does not ignore (see the module docstring)."""
    refused = [p.text for p in problems if p.severity == "violation" and not p.ignorable]
    if refused:
        raise ApiError(400, "; ".join(dict.fromkeys(refused)))


def query_pairs(raw: bytes | str) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of a raw query string; ApiError 400 if it cannot be read."""
    try:
        return pairs(raw, "query string")
    except UnreadableText as error:
        raise ApiError(400, str(error)) from None


class ParameterSet:
    """The query (or path) parameters of one operation, refusing what the spec does not allow."""

    def __init__(self, params: list[dict[str, Any]], operation_id: str = "") -> None:
        location = params[0]["in"] if params else "query"
        self._parameters = Parameters(location, params, operation_id)
        self.schemas = self._parameters.schemas
        self.required = self._parameters.required
        self.defaults = self._parameters.defaults

    def parse(self, raw: Mapping[str, str] | Sequence[tuple[str, str]]) -> dict[str, Any]:
        """Coerced, validated values of the declared parameters; undeclared ones are ignored.

        ``raw`` is a mapping (path parameters) or the query's ``(name, value)`` pairs, in
        which a declared parameter given twice is refused: which one was meant is a guess.
        """
        values, problems = self._parameters.check(raw)
        _refuse(problems)
        return values

    def __repr__(self) -> str:
        return f"<ParameterSet {list(self.schemas)}>"


class BodySchema:
    """An operation's request body: accepted media types and the schema of the decoded object."""

    def __init__(self, request_body: dict[str, Any], operation_id: str = "") -> None:
        self._body = Body(request_body, operation_id)
        self.required = self._body.required
        self.media_types = self._body.media_types

    def parse(self, content_type: str | None, body: bytes) -> dict[str, Any]:
        """The update as a dict; ApiError 400 naming every problem."""
        data, problems = self._body.check(content_type, body, sniff=True)
        _refuse(problems)
        return data or {}

    def __repr__(self) -> str:
        return f"<BodySchema {self.media_types} required={self.required}>"


class OperationRules:
    """Everything needed to validate one operation's requests."""

    def __init__(self, operation_id: str, level: openapi.Level) -> None:
        method, path, op = openapi.operation(operation_id, level)
        self.operation_id = operation_id
        self.method = method
        self.path = path
        params = op.get("parameters", [])
        self.query = ParameterSet([p for p in params if p["in"] == "query"], operation_id)
        self.path_params = ParameterSet([p for p in params if p["in"] == "path"], operation_id)
        self.body = BodySchema(op["requestBody"], operation_id) if "requestBody" in op else None

    def __repr__(self) -> str:
        return f"<OperationRules {self.operation_id} {self.method} {self.path}>"


def rules_for(level: openapi.Level) -> dict[str, OperationRules]:
    """OperationRules for each operation of the spec, by operationId."""
    return {operation_id: OperationRules(operation_id, level) for operation_id in OPERATION_IDS}
