"""Checking one recorded request against ``openapi/number.yaml``.

Everything comes from the spec through the :mod:`openapi` loader: the operation is found by matching
the path against the spec's path templates, and path, query and body are validated against the schemas
the operation declares, at both strictness levels. A request that only the tolerant level admits (for
example plivo-go's ``number_type`` or plivo-node's upper-case 10DLC values) "conforms tolerant, not
strict".

Two severities: a *violation* breaks the contract; an *advisory* is legal but notable (a documented-as-
ignored extra body field, a Content-Type on a request that has no body). Both are reported and both must
be reviewed findings when an SDK produces them; only violations decide the verdict.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote

import jsonschema

import openapi

from .recording import RecordedRequest

__all__ = ["Conformance", "Violation", "check_request", "find_operation"]

Severity = Literal["violation", "advisory"]
Verdict = Literal["conforms", "conforms tolerant, not strict", "does not conform"]
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class Violation:
    """One way a request departs from the contract.

    ``where`` names the part (``path``, ``method``, ``query.type``, ``body.alias``,
    ``header.content-type``, ``auth``); ``code`` is a stable slug (a JSON Schema keyword such as ``enum``,
    or ``unknown-parameter``, ``undeclared-field`` ...) so findings can be matched across runs without
    depending on message wording.
    """

    where: str
    code: str
    message: str
    severity: Severity = "violation"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.where, self.code, self.severity)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" + (" (advisory)" if self.severity == "advisory" else "")

    def __repr__(self) -> str:
        return f"<Violation {self.severity} {self.where} {self.code}>"


@dataclass(frozen=True)
class LeveledViolation:
    """A violation with the strictness levels that flag it."""

    violation: Violation
    levels: tuple[openapi.Level, ...]

    def __repr__(self) -> str:
        return f"<LeveledViolation {self.violation.where} {self.violation.code} @{'+'.join(self.levels)}>"


@dataclass(frozen=True)
class Conformance:
    """A request's standing against the spec at both levels."""

    request: RecordedRequest
    operation_id: str | None
    documented: tuple[Violation, ...]
    tolerant: tuple[Violation, ...]

    @property
    def verdict(self) -> Verdict:
        if _errors(self.tolerant):
            return "does not conform"
        if _errors(self.documented):
            return "conforms tolerant, not strict"
        return "conforms"

    @property
    def advisories(self) -> list[Violation]:
        seen = {v.key: v for v in (*self.documented, *self.tolerant) if v.severity == "advisory"}
        return list(seen.values())

    def leveled(self) -> list[LeveledViolation]:
        """Every violation or advisory once, with the levels that flag it."""
        out: dict[tuple[str, str, str], tuple[Violation, list[openapi.Level]]] = {}
        for level, violations in (("documented", self.documented), ("tolerant", self.tolerant)):
            for violation in violations:
                entry = out.setdefault(violation.key, (violation, []))
                if level not in entry[1]:
                    entry[1].append(level)  # type: ignore[arg-type]
        return [LeveledViolation(v, tuple(levels)) for v, levels in out.values()]

    def __repr__(self) -> str:
        return (
            f"<Conformance {self.request.method} {self.request.path} {self.operation_id}: {self.verdict}"
            f" ({len(self.documented)} documented, {len(self.tolerant)} tolerant)>"
        )


def _errors(violations: tuple[Violation, ...]) -> list[Violation]:
    return [v for v in violations if v.severity == "violation"]


def check_request(
    request: RecordedRequest,
    *,
    credentials: bool = True,
) -> Conformance:
    """Check ``request`` against the spec at both levels.

    ``credentials``: whether a token that did not match the account's (``request.auth.token_matches is
    False``) is a violation; pass False when checking a deliberately unauthorised request's shape only.
    """
    results = {level: _check(request, level, credentials) for level in openapi.LEVELS}
    operation_id = results["tolerant"][0] or results["documented"][0]
    return Conformance(
        request=request,
        operation_id=operation_id,
        documented=tuple(results["documented"][1]),
        tolerant=tuple(results["tolerant"][1]),
    )


@dataclass(frozen=True)
class _Route:
    template: str
    pattern: re.Pattern[str]
    methods: dict[str, str]  # METHOD -> operationId


@functools.cache
def _routes(level: openapi.Level) -> tuple[_Route, ...]:
    routes = []
    for template, item in openapi.load_spec(level)["paths"].items():
        regex = "".join(
            f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[^}]+\})", template)
            if part
        )
        methods = {
            method.upper(): op["operationId"]
            for method, op in item.items()
            if method in HTTP_METHODS and isinstance(op, dict)
        }
        routes.append(_Route(template, re.compile(f"^{regex}$"), methods))
    return tuple(routes)


def find_operation(
    method: str, path: str, level: openapi.Level = "tolerant"
) -> tuple[str | None, dict[str, str], list[Violation]]:
    """``(operationId, path parameters, violations)`` for a request line."""
    for route in _routes(level):
        match = route.pattern.match(path)
        if not match:
            continue
        params = {name: unquote(value) for name, value in match.groupdict().items()}
        if method.upper() not in route.methods:
            allowed = ", ".join(sorted(route.methods))
            return (
                None,
                params,
                [
                    Violation(
                        "method",
                        "method-not-allowed",
                        f"{method.upper()} is not an operation on {route.template} (spec has {allowed})",
                    )
                ],
            )
        return route.methods[method.upper()], params, []
    return None, {}, [Violation("path", "no-operation", f"{path} matches no path in the spec")]


def _check(
    request: RecordedRequest, level: openapi.Level, credentials: bool
) -> tuple[str | None, list[Violation]]:
    operation_id, path_params, violations = find_operation(request.method, request.path, level)
    if operation_id is None:
        return None, violations
    op = _operation(operation_id, level)
    violations += _check_path_params(op, path_params)
    violations += _check_query(op, request.query)
    violations += _check_body(op, operation_id, request)
    if _basic_auth_required(operation_id, level):
        violations += _check_auth(request, path_params, credentials)
    return operation_id, violations


@functools.cache
def _operation(operation_id: str, level: openapi.Level) -> dict[str, Any]:
    # Read-only here; the loader hands out a fresh resolved copy, worth doing once per operation.
    return openapi.operation(operation_id, level)[2]


@functools.cache
def _basic_auth_required(operation_id: str, level: openapi.Level) -> bool:
    spec = openapi.load_spec(level)
    requirements = _operation(operation_id, level).get("security", spec.get("security", []))
    schemes = spec.get("components", {}).get("securitySchemes", {})
    return any(
        schemes.get(name, {}).get("type") == "http" and schemes[name].get("scheme", "").lower() == "basic"
        for requirement in requirements
        for name in requirement
    )


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _schema_violations(where: str, value: Any, schema: dict[str, Any]) -> list[Violation]:
    out = []
    for error in sorted(_validator(schema).iter_errors(value), key=lambda e: list(e.absolute_path)):
        leaf = jsonschema.exceptions.best_match([error, *error.context]) if error.context else error
        suffix = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        out.append(Violation(where + suffix, str(leaf.validator), leaf.message))
    return out


def _parameters(op: dict[str, Any], location: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in op.get("parameters", []) if p.get("in") == location}


def _check_path_params(op: dict[str, Any], values: dict[str, str]) -> list[Violation]:
    out = []
    for name, param in _parameters(op, "path").items():
        if name not in values:
            out.append(Violation(f"path.{name}", "missing-parameter", "path parameter missing"))
            continue
        out += _schema_violations(f"path.{name}", values[name], param.get("schema", {}))
    return out


def _schema_types(schema: dict[str, Any]) -> set[str]:
    kinds = schema.get("type")
    found = set(kinds) if isinstance(kinds, list) else {kinds} if kinds else set()
    for branch in (*schema.get("anyOf", ()), *schema.get("oneOf", ())):
        found |= _schema_types(branch)
    return found


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    """A query string value as the schema's type, when it reads as one (else the string, to fail)."""
    kinds = _schema_types(schema)
    if kinds & {"integer", "number"} and re.fullmatch(r"-?[0-9]+", raw):
        return int(raw)
    if "number" in kinds and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", raw):
        return float(raw)
    if "boolean" in kinds and raw in ("true", "false"):
        return raw == "true"
    return raw


def _check_query(op: dict[str, Any], query: str) -> list[Violation]:
    declared = _parameters(op, "query")
    pairs = parse_qsl(query, keep_blank_values=True)
    out: list[Violation] = []
    seen: dict[str, int] = {}
    for name, _ in pairs:
        seen[name] = seen.get(name, 0) + 1
    for name, count in seen.items():
        if name not in declared:
            out.append(
                Violation(f"query.{name}", "unknown-parameter", f"not a parameter of {op['operationId']}")
            )
        elif count > 1 and _schema_types(declared[name].get("schema", {})) != {"array"}:
            out.append(Violation(f"query.{name}", "repeated-parameter", f"sent {count} times"))
    for name, raw in pairs:
        if name in declared:
            schema = declared[name].get("schema", {})
            out += _schema_violations(f"query.{name}", _coerce(raw, schema), schema)
    for name, param in declared.items():
        if param.get("required") and name not in seen:
            out.append(Violation(f"query.{name}", "missing-parameter", "required query parameter missing"))
    return _unique(out)


def _unique(violations: list[Violation]) -> list[Violation]:
    return list({(v.key, v.message): v for v in violations}.values())


def _media_type(request: RecordedRequest) -> str | None:
    value = request.header("content-type")
    return value.split(";", 1)[0].strip().lower() if value else None


def _check_body(op: dict[str, Any], operation_id: str, request: RecordedRequest) -> list[Violation]:
    media = _media_type(request)
    spec_body = op.get("requestBody")
    if not spec_body:
        out = []
        if request.body:
            out.append(Violation("body", "unexpected-body", f"{operation_id} takes no body"))
        if media is not None:
            out.append(
                Violation(
                    "header.content-type",
                    "content-type-without-body",
                    f"Content-Type {media} sent on {request.method}, which carries no body",
                    "advisory",
                )
            )
        return out
    content: dict[str, Any] = spec_body.get("content", {})
    if not request.body:
        return (
            [Violation("body", "missing-body", f"{operation_id} requires a body")]
            if spec_body.get("required")
            else []
        )
    if media not in content:
        accepted = " or ".join(content)
        return [
            Violation(
                "header.content-type",
                "unsupported-media-type",
                f"{media or 'no Content-Type'}; {operation_id} takes {accepted}",
            )
        ]
    parsed, problems = _parse_body(request.body, media)
    if problems:
        return problems
    schema = content[media].get("schema", {})
    out = _schema_violations("body", parsed, schema)
    properties = schema.get("properties")
    if (
        isinstance(parsed, dict)
        and properties is not None
        and schema.get("additionalProperties") is not False
    ):
        out += [
            Violation(
                f"body.{key}",
                "undeclared-field",
                f"{key!r} is not a field of {operation_id}; the spec says unknown keys are ignored",
                "advisory",
            )
            for key in parsed
            if key not in properties
        ]
    return out


def _parse_body(body: bytes, media: str) -> tuple[Any, list[Violation]]:
    if media == "application/json":
        try:
            return json.loads(body), []
        except (ValueError, UnicodeDecodeError) as error:
            return None, [Violation("body", "invalid-json", f"not valid JSON ({error})")]
    if media == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (ValueError, UnicodeDecodeError) as error:
            return None, [Violation("body", "invalid-form", f"not a valid form body ({error})")]
        form: dict[str, str] = {}
        repeated = []
        for key, value in pairs:
            if key in form:
                repeated.append(Violation(f"body.{key}", "repeated-field", "sent more than once"))
            form[key] = value
        return form, repeated
    return None, [Violation("body", "unsupported-media-type", f"cannot read {media}")]


def _check_auth(request: RecordedRequest, path_params: dict[str, str], credentials: bool) -> list[Violation]:
    auth = request.auth
    if auth.scheme is None:
        return [Violation("auth", "missing-auth", "no Authorization header; the API takes HTTP Basic")]
    if auth.scheme.lower() != "basic":
        return [Violation("auth", "wrong-scheme", f"Authorization scheme {auth.scheme}; the API takes Basic")]
    if auth.malformed:
        return [Violation("auth", "malformed-auth", "Basic credentials are not base64 of user:token")]
    out = []
    path_user = path_params.get("auth_id")
    if path_user is not None and auth.user != path_user:
        out.append(
            Violation(
                "auth", "user-mismatch", f"Basic user {auth.user} is not the auth_id in the path {path_user}"
            )
        )
    if credentials and auth.token_matches is False:
        out.append(
            Violation("auth", "token-mismatch", f"the token sent for {auth.user} is not the account's")
        )
    return out
