"""Request validation built from the spec: no second copy of the parameter rules.

For each operation, query and path parameters become one JSON Schema object each
(integers are coerced from their query-string text first), and the update body is
checked against NumberUpdate. Messages name the parameter or body field and say
what was wrong, e.g. ``limit: 50 is greater than the maximum of 20``.

Whatever a client sends is refused with a 400 saying why, never a 500: a query string or
form that is not UTF-8 once percent-decoded, a declared parameter or field given twice,
JSON nested deeper than MAX_JSON_DEPTH, numbers beyond Python's integer text limit,
and text that is not valid Unicode (a JSON ``"\ud800"``, which could be stored but
never written back out).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema

import openapi

from .errors import ApiError

_INTEGER = re.compile(r"[+-]?[0-9]+")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_SURROGATE = re.compile("[\ud800-\udfff]")

# An update body is one flat object; anything deeper is refused before it is validated,
# so no recursive step (validation, error messages) can exhaust the stack.
MAX_JSON_DEPTH = 32
# More pairs than this in one query string or form is not a request for this API.
MAX_FIELDS = 1000

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


def text_problems(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """``(where, what)`` for every string in ``value`` that is not valid Unicode text and
    every number JSON cannot hold (NaN, infinities); keys are checked too. Iterative, so
    any depth is safe.
    """
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            found = _SURROGATE.search(item)
            if found:
                code = f"U+{ord(found.group()):04X}"
                yield path, f"is not valid Unicode text (it holds a lone surrogate, {code})"
        elif isinstance(item, float) and not math.isfinite(item):
            yield path, f"is not a finite number ({item!r})"
        elif isinstance(item, dict):
            for key, child in item.items():
                name = _printable_key(key)
                child_path = f"{path}.{name}" if path else name
                if isinstance(key, str) and _SURROGATE.search(key):
                    yield child_path, "is a key that is not valid Unicode text (it holds a lone surrogate)"
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{index}]", child) for index, child in enumerate(item))


def _printable_key(key: Any) -> str:
    return _SURROGATE.sub("\ufffd", str(key))


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0); iterative."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def query_pairs(raw: bytes | str) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of a raw query string; ApiError 400 if it cannot be read.

    Unlike a lenient parser, text that is not UTF-8 after percent-decoding is refused, not
    replaced, and so is a query of more than MAX_FIELDS pairs.
    """
    return _pairs(raw, "query string")


def _pairs(raw: bytes | str, what: str) -> list[tuple[str, str]]:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise ApiError(400, f"{what} is not UTF-8") from None
    if not text:
        return []
    try:
        return parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise ApiError(400, f"{what} is not UTF-8 once percent-decoded") from None
    except ValueError:  # max_num_fields
        raise ApiError(400, f"{what} has more than {MAX_FIELDS} fields") from None


_SCALAR_TYPES = {"string", "integer", "number", "boolean"}


def _is_scalar(schema: Any) -> bool:
    types = schema.get("type") if isinstance(schema, dict) else None
    types = [types] if isinstance(types, str) else types or []
    return bool(types) and set(types) - {"null"} <= _SCALAR_TYPES


def _no_repeats(pairs: Sequence[tuple[str, str]], schemas: Mapping[str, Any], what: str) -> dict[str, Any]:
    """``pairs`` as a dict; ApiError 400 if a declared single-valued name appears twice.

    Which of two values was meant is a guess, so neither is taken. A repeated name whose
    schema admits a list (a form's way of sending one) becomes a list; undeclared names,
    ignored anyway, keep their last value.
    """
    values: dict[str, Any] = {}
    for name, value in pairs:
        if name in values and name in schemas:
            if _is_scalar(schemas[name]):
                raise ApiError(400, f"{name}: given more than once in the {what}; give it once")
            before = values[name]
            values[name] = [*(before if isinstance(before, list) else [before]), value]
        else:
            values[name] = value
    return values


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

    def parse(self, raw: Mapping[str, str] | Sequence[tuple[str, str]]) -> dict[str, Any]:
        """Coerced, validated values of the declared parameters; undeclared ones are ignored.

        ``raw`` is a mapping (path parameters) or the query's ``(name, value)`` pairs, in
        which a declared parameter given twice is refused: which one was meant is a guess.
        """
        if not isinstance(raw, Mapping):
            raw = _no_repeats(raw, self.schemas, "query string")
        values: dict[str, Any] = {}
        for name, schema in self.schemas.items():
            if name not in raw:
                continue
            text = raw[name]
            if schema.get("type") == "integer":
                try:
                    if not _INTEGER.fullmatch(text.strip()):
                        raise ValueError(text)
                    values[name] = int(text)
                except ValueError:  # also past Python's limit on digits in int()
                    raise ApiError(400, f"{name}: {text!r} is not an integer") from None
            else:
                values[name] = text
        errors = sorted(self._validator.iter_errors(values), key=lambda e: list(e.absolute_path))
        if errors:
            raise ApiError(400, "; ".join(_message(error) for error in errors))
        return {**self.defaults, **values}

    def __repr__(self) -> str:
        return f"<ParameterSet {list(self.schemas)}>"


class _NotJson(ApiError):
    """The body does not parse as JSON at all (as opposed to JSON this API refuses)."""


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
                data = self._json(body)
            except _NotJson:
                # Without a Content-Type, a body that is not JSON is read as a form.
                if media_type:
                    raise
                data = self._form(body)
        elif media_type == "application/x-www-form-urlencoded":
            data = self._form(body)
        else:
            raise ApiError(
                400,
                f"unsupported Content-Type {media_type!r}: send {' or '.join(self.media_types)}",
            )
        if not isinstance(data, dict):
            kind = "null" if data is None else type(data).__name__
            raise ApiError(400, f"request body must be a JSON object, not {kind}")
        for where, what in text_problems(data):
            raise ApiError(400, f"{where}: {what}")
        errors = sorted(self._validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            raise ApiError(400, "; ".join(_message(error, self._schema) for error in errors))
        return data

    def _json(self, body: bytes) -> Any:
        def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            data: dict[str, Any] = {}
            for key, value in pairs:
                if key in data:
                    raise ApiError(400, f"{_printable_key(key)}: given more than once in the request body")
                data[key] = value
            return data

        def constant(name: str) -> Any:
            # Python reads NaN and Infinity; JSON has neither.
            raise _NotJson(400, f"request body is not valid JSON: {name} is not a JSON value")

        try:
            data = json.loads(body, object_pairs_hook=unique, parse_constant=constant)
        except RecursionError:
            raise ApiError(400, f"request body nests deeper than {MAX_JSON_DEPTH} levels") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _NotJson(400, f"request body is not valid JSON: {exc}") from None
        except ValueError as exc:  # an integer past Python's limit on digits
            raise ApiError(400, f"request body is not JSON this API can read: {exc}") from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ApiError(400, f"request body nests deeper than {MAX_JSON_DEPTH} levels")
        return data

    def _form(self, body: bytes) -> dict[str, Any]:
        pairs = _pairs(body, "form body")
        return _no_repeats(pairs, self._schema.get("properties", {}), "form body")

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
