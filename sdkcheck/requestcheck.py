"""Checking one recorded request against ``openapi/number.yaml``.

Everything comes from the spec through the :mod:`openapi` layer: the operation is found by
``openapi.match_path`` (the spec's path templates), and path, query and body are judged by
``openapi.validate_request`` (the one request validator, shared with the emulator: the same integer
and URI formats, the same body parsing), at both strictness levels. A request that only the tolerant
level admits (for example plivo-go's ``number_type`` or plivo-node's upper-case 10DLC values)
"conforms tolerant, not strict".

Two severities: a *violation* breaks the contract; an *advisory* is legal but notable (a documented-as-
ignored extra body field, a Content-Type on a request that has no body). Both are reported and both must
be reviewed findings when an SDK produces them; only violations decide the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import openapi
from openapi.requests import UnreadableText, pairs, request_rules

from .recording import RecordedRequest

__all__ = ["Conformance", "Violation", "check_request", "find_operation"]

Severity = Literal["violation", "advisory"]
Verdict = Literal["conforms", "conforms tolerant, not strict", "does not conform"]


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


def find_operation(
    method: str, path: str, level: openapi.Level = "tolerant"
) -> tuple[str | None, dict[str, str], list[Violation]]:
    """``(operationId, path parameters, violations)`` for a request line.

    Only the documented form of a path counts (``openapi.match_path(exact=True)``): a
    client that drops the trailing slash or adds a prefix departs from the page. The
    path templates are the same at both levels.
    """
    del level
    found = openapi.match_path(path, exact=True)
    if found is None:
        return None, {}, [Violation("path", "no-operation", f"{path} matches no path in the spec")]
    params = dict(found.params)
    operation_id = found.operation(method)
    if operation_id is None:
        allowed = ", ".join(sorted(found.methods))
        return (
            None,
            params,
            [
                Violation(
                    "method",
                    "method-not-allowed",
                    f"{method.upper()} is not an operation on {found.template} (spec has {allowed})",
                )
            ],
        )
    return operation_id, params, []


def _check(
    request: RecordedRequest, level: openapi.Level, credentials: bool
) -> tuple[str | None, list[Violation]]:
    operation_id, path_params, violations = find_operation(request.method, request.path, level)
    if operation_id is None:
        return None, violations
    try:
        query = pairs(request.query, "query string", strict=False)
    except UnreadableText as error:
        violations.append(Violation("query", "unreadable-query", str(error)))
        query = []
    # The one request validator (openapi.requests), which the emulator uses too; the SDK
    # checker reports every problem, including names the spec does not declare.
    problems = openapi.validate_request(
        level,
        operation_id,
        path_params=path_params,
        query=query,
        content_type=request.header("content-type"),
        body=request.body,
    )
    violations += [Violation(p.where, p.code, p.message, p.severity) for p in problems]
    if request_rules(operation_id, level).basic_auth:
        violations += _check_auth(request, path_params, credentials)
    return operation_id, _unique(violations)


def _unique(violations: list[Violation]) -> list[Violation]:
    return list({(v.key, v.message): v for v in violations}.values())


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
