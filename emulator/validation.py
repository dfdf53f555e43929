"""Request validation built from the spec: no second copy of the parameter rules.

For each operation, query and path parameters become one JSON Schema object each
(integers are coerced from their query-string text first), and the update body is
checked against NumberUpdate. Messages name the parameter or body field and say
what was wrong, e.g. ``limit: 50 is greater than the maximum of 20``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema

import openapi

from .errors import ApiError

_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")

FORMAT_CHECKER = jsonschema.FormatChecker()
for _name, _check in jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers.items():
    FORMAT_CHECKER.checkers[_name] = _check


@FORMAT_CHECKER.checks("uri")
def _is_uri(value: object) -> bool:
    # jsonschema checks "uri" only with an optional package; callback URLs need a real check.
    if not isinstance(value, str):
        return True
    if any(ch.isspace() for ch in value):
        return False
    parts = urlsplit(value)
    return bool(_SCHEME.match(parts.scheme)) and bool(parts.netloc or parts.path)


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(schema, format_checker=FORMAT_CHECKER)


def _where(path: Any) -> str:
    return ".".join(str(part) for part in path)


def _message(error: jsonschema.ValidationError, root: dict[str, Any] | None = None) -> str:
    if error.context:
        error = jsonschema.exceptions.best_match([error, *error.context])
    if error.validator == "required" and "then" in error.schema_path:
        # The only conditional in the spec is "X=value requires Y"; say it that way.
        parent_if = _if_clause(error, root)
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        if parent_if and missing:
            return f"{parent_if} requires {missing[0]}"
    where = _where(error.absolute_path)
    return f"{where}: {error.message}" if where else error.message


def _if_clause(error: jsonschema.ValidationError, root: dict[str, Any] | None) -> str:
    # A failing root-level "then" has no parent error; its "if" is in the root schema.
    schema: Any = error.parent.schema if error.parent is not None else root
    if not isinstance(schema, dict) or "if" not in schema:
        return ""
    props = schema["if"].get("properties", {})
    consts = [f"{name}={spec['const']}" for name, spec in props.items() if "const" in spec]
    return " and ".join(consts)


class ParameterSet:
    """The query (or path) parameters of one operation as a validating schema."""

    def __init__(self, params: list[dict[str, Any]]) -> None:
        self.schemas = {p["name"]: p.get("schema", {}) for p in params}
        self.required = [p["name"] for p in params if p.get("required")]
        self.defaults = {name: s["default"] for name, s in self.schemas.items() if "default" in s}
        self._validator = _validator(
            {"type": "object", "properties": self.schemas, "required": self.required}
        )

    def parse(self, raw: Mapping[str, str]) -> dict[str, Any]:
        """Coerced, validated values of the declared parameters; undeclared ones are ignored."""
        values: dict[str, Any] = {}
        for name, schema in self.schemas.items():
            if name not in raw:
                continue
            text = raw[name]
            if schema.get("type") == "integer":
                if not _INTEGER.match(text.strip()):
                    raise ApiError(400, f"{name}: {text!r} is not an integer")
                values[name] = int(text)
            else:
                values[name] = text
        errors = sorted(self._validator.iter_errors(values), key=lambda e: list(e.absolute_path))
        if errors:
            raise ApiError(400, "; ".join(_message(error) for error in errors))
        return {**self.defaults, **values}

    def __repr__(self) -> str:
        return f"<ParameterSet {list(self.schemas)}>"


class BodySchema:
    """An operation's request body: accepted media types and the schema of the decoded object."""

    def __init__(self, request_body: dict[str, Any]) -> None:
        self.required = bool(request_body.get("required"))
        self.media_types = list(request_body.get("content", {}))
        schema = request_body["content"][self.media_types[0]]["schema"]
        self._schema = schema
        self._validator = _validator(schema)

    def parse(self, content_type: str | None, body: bytes) -> dict[str, Any]:
        media_type = (content_type or "").split(";")[0].strip().lower()
        if not body.strip() and media_type != "application/x-www-form-urlencoded":
            # An empty form is the encoding of {}; anything else empty is a missing body.
            if self.required:
                raise ApiError(
                    400, "a request body is required: send the fields to change as JSON or form data"
                )
            return {}
        if media_type in ("", "application/json") or media_type.endswith("+json"):
            try:
                data = json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                if media_type:
                    raise ApiError(400, f"request body is not valid JSON: {exc}") from None
                data = self._form(body)
        elif media_type == "application/x-www-form-urlencoded":
            data = self._form(body)
        else:
            raise ApiError(
                400,
                f"unsupported Content-Type {media_type!r}: send {' or '.join(self.media_types)}",
            )
        if not isinstance(data, dict):
            raise ApiError(400, f"request body must be a JSON object, not {type(data).__name__}")
        errors = sorted(self._validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            raise ApiError(400, "; ".join(_message(error, self._schema) for error in errors))
        return data

    @staticmethod
    def _form(body: bytes) -> dict[str, Any]:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "form body is not UTF-8") from None
        return dict(parse_qsl(text, keep_blank_values=True))

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
        self.query = ParameterSet([p for p in params if p["in"] == "query"])
        self.path_params = ParameterSet([p for p in params if p["in"] == "path"])
        self.body = BodySchema(op["requestBody"]) if "requestBody" in op else None

    def __repr__(self) -> str:
        return f"<OperationRules {self.operation_id} {self.method} {self.path}>"


def rules_for(level: openapi.Level) -> dict[str, OperationRules]:
    """OperationRules for each operation of the spec, by operationId."""
    ids = ("listNumbers", "getNumber", "updateNumber", "unrentNumber")
    return {operation_id: OperationRules(operation_id, level) for operation_id in ids}
