"""Plivo-specific checks, written as schemathesis checks, plus the list the suite runs.

Each check states one rule and says which in its message. Every check, schemathesis'
own included, is held to a :mod:`contracts.provenance` constraint: a documented rule
fails the run, an observed one fails under ``--strict`` and is a warning otherwise. They
look only at what the sources say: no order beyond stability, no data, no error wording,
no assumption about undocumented fields.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
import schemathesis
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.generation.meta import negated_parameters
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi import checks as builtin

import openapi
from contracts import provenance, report
from contracts.curl import describe_exchange
from contracts.provenance import Constraint
from contracts.target import Target
from contracts.transport import TargetTransport
from openapi.operations import GET, LIST, UPDATE

__all__ = [
    "BUILTIN_CHECKS",
    "CUSTOM_CHECKS",
    "HINT_FORMATS_PREFIX",
    "api_id_where_documented",
    "assert_error_body",
    "documented_negative_data_rejection",
    "list_meta_consistent",
    "observed_deviations",
    "resource_uri_names_number_and_account",
    "target_of",
    "update_visible_on_next_get",
]

HINT_FORMATS_PREFIX = "plivo-"
DEFAULT_LIMIT = 20


def _json(response: Response) -> Any:
    try:
        return response.json()
    except Exception:
        return None


def _operation_id(case: Case) -> str:
    """The operation a case was *sent as*: a coverage-phase probe with another method is none of them."""
    if case.method.upper() != case.operation.method.upper():
        return ""
    return str(case.operation.definition.raw.get("operationId", ""))


def _hinted_parameters() -> set[str]:
    """Parameters whose only constraints steer generation (a ``plivo-*`` format)."""
    names = set()
    for operation_id in openapi.OPERATION_IDS:
        _, _, op = openapi.operation(operation_id, "tolerant")
        for parameter in op.get("parameters", []):
            if str(parameter.get("schema", {}).get("format", "")).startswith(HINT_FORMATS_PREFIX):
                names.add(parameter["name"])
    return names


_HINTED = _hinted_parameters()
_LIST_FILTERS = {
    p["name"]
    for p in openapi.operation(LIST, "tolerant")[2].get("parameters", [])
    if p.get("in") == "query" and p["name"] not in ("limit", "offset")
}


def target_of(case: Case | APIOperation) -> Target:
    """The target a case's (or an operation's) schema sends to, bound by :func:`contracts.transport.bind`.

    Checks and schema hooks run where no fixture reaches: the operation knows its schema,
    and the schema's transport knows the session's target.
    """
    operation = case.operation if isinstance(case, Case) else case
    transport = operation.schema.transport
    if not isinstance(transport, TargetTransport):
        raise RuntimeError(
            f"{operation.label}: its schema is not bound to a target (contracts.conformance.build_schema)"
        )
    return transport.target()


def contract_check(check: Any) -> Any:
    """Register ``check`` with schemathesis, judging only schemas bound to this suite's target.

    schemathesis keeps one process-wide registry of checks, and the plugin is loaded in
    every pytest session of its environment: another schemathesis run in the same process
    (the emulator's own fuzz test, a user's suite) would otherwise run these checks with no
    target to read the run's level from. Such a run is not ours to judge.
    """

    @functools.wraps(check)
    def judged(ctx: CheckContext, response: Response, case: Case) -> bool | None:
        if not isinstance(case.operation.schema.transport, TargetTransport):
            return None
        return cast("bool | None", check(ctx, response, case))

    return schemathesis.check(judged)


def strict(case: Case) -> bool:
    """Whether this run enforces observed constraints (``--strict``)."""
    return target_of(case).strict


def _empty_values(case: Case) -> bool:
    """Whether the case sends an empty query value: the page never says what one means."""
    query = case.query if isinstance(case.query, dict) else {}
    return any(v == "" or (isinstance(v, list) and "" in v) for v in query.values())


def held_to(rule: Constraint, check: Any) -> Any:
    """``check`` failing only as hard as ``rule``'s provenance allows (a warning otherwise)."""

    def held(ctx: CheckContext, response: Response, case: Case) -> bool | None:
        try:
            return check(ctx, response, case)
        except AssertionError as failure:
            if rule.fails(strict(case)):
                raise
            title = getattr(failure, "title", None) or str(failure).splitlines()[0]
            where = _operation_id(case) or f"{case.method.upper()} {case.operation.path}"
            target_of(case).enforce(rule, False, f"{where}: {title}", strict=False)
            return None

    held.__name__ = getattr(check, "__name__", "check")
    held.__doc__ = f"{check.__doc__ or ''} [{rule.id}, {rule.kind}]"
    return held


@contract_check
def documented_negative_data_rejection(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """schemathesis' negative_data_rejection, for constraints a source states.

    A negative case that only broke a generation hint (a ``plivo-*`` format and the
    length bounds that come with it) proves nothing: a target may well be more lenient.
    Nor does one whose only oddity is an empty value, which the page never defines.
    """
    negated = {name for name, _ in negated_parameters(case.meta)}
    if negated and negated <= _HINTED:
        return None
    if _empty_values(case):
        return None
    if _tolerated_query(case):
        return None
    return builtin.negative_data_rejection(ctx, response, case)


def _tolerated_query(case: Case) -> bool:
    """Whether every query value is one real clients send (the tolerant level admits it).

    Negative data is generated from the documented requests; plivo-node's ``COMPLETED``
    breaks the documented enum, yet a target may accept it (DISCREPANCIES D3).
    """
    query = case.query if isinstance(case.query, dict) else {}
    if not query or _operation_id(case) != LIST:
        return False
    for name, value in query.items():
        schema = _TOLERANT_QUERY.get(name)
        values = value if isinstance(value, list) else [value]
        if schema is None or not all(_valid(schema, v) for v in values):
            return False
    return True


def _valid(schema: Mapping[str, Any], value: Any) -> bool:
    import jsonschema

    if schema.get("type") == "integer" and isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            return False
    return bool(jsonschema.Draft202012Validator(schema).is_valid(value))


_TOLERANT_QUERY = {
    p["name"]: p.get("schema", {})
    for p in openapi.operation(LIST, "tolerant")[2].get("parameters", [])
    if p.get("in") == "query"
}


@contract_check
def documented_positive_data_acceptance(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """schemathesis' positive_data_acceptance, except for empty values (the page never defines them)."""
    if _empty_values(case):
        return None
    return builtin.positive_data_acceptance(ctx, response, case)


@contract_check
def api_id_where_documented(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """list, get and update answers carry a non-empty ``api_id`` (errors may omit it).

    On an update the page's own response shows it (documented); on list and get it is
    recorded in every response (observed).
    """
    if not 200 <= response.status_code < 300 or _operation_id(case) not in (
        openapi.LIST,
        openapi.GET,
        openapi.UPDATE,
    ):
        return None
    body = _json(response)
    if not isinstance(body, dict):
        return None  # content-type and schema checks report this
    api_id = body.get("api_id")
    rule = provenance.UPDATE_RESULT if _operation_id(case) == UPDATE else provenance.API_ID
    target_of(case).enforce(
        rule,
        isinstance(api_id, str) and bool(api_id),
        f"{_operation_id(case)} answered {response.status_code} without a non-empty api_id; got {api_id!r}",
    )
    return None


def _resource_uri_problem(obj: Mapping[str, Any], auth_id: str) -> str | None:
    uri, number = obj.get("resource_uri"), obj.get("number")
    if not isinstance(uri, str) or not isinstance(number, str):
        return None  # the schema check reports missing or mistyped fields
    parts = uri.strip("/").split("/")
    if len(parts) != 5 or parts[0] != "v1" or parts[1] != "Account" or parts[3] != "Number":
        return f"resource_uri {uri!r} is not /v1/Account/{{auth_id}}/Number/{{number}}/"
    accounts = {auth_id}
    if obj.get("sub_account"):
        accounts.add(str(obj["sub_account"]))
    if parts[2] not in accounts:
        return f"resource_uri {uri!r} names account {parts[2]!r}, not {' or '.join(sorted(accounts))}"
    if unquote(parts[4]).lstrip("+") != number.lstrip("+"):
        return f"resource_uri {uri!r} names number {parts[4]!r}, but the object's number is {number!r}"
    return None


@contract_check
def resource_uri_names_number_and_account(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every object's resource_uri is /v1/Account/{auth_id}/Number/{number}/ for itself."""
    if response.status_code != 200 or _operation_id(case) not in (LIST, GET):
        return None
    body = _json(response)
    auth_id = str((case.path_parameters or {}).get("auth_id", ""))
    objects = body.get("objects") if isinstance(body, dict) and "objects" in body else [body]
    for index, obj in enumerate(objects if isinstance(objects, list) else []):
        if isinstance(obj, dict):
            problem = _resource_uri_problem(obj, auth_id)
            if problem:
                raise AssertionError(f"objects[{index}]: {problem}")
    if _operation_id(case) == GET and isinstance(body, dict):
        # Path values may arrive percent-encoded ("%2B1415..."): compare the numbers themselves.
        asked = unquote(str((case.path_parameters or {}).get("number", ""))).lstrip("+")
        got = str(body.get("number", "")).lstrip("+")
        if got and got != asked:
            raise AssertionError(f"get of number {asked} answered number {got}")
    return None


def _query_of(link: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(link)
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    return parts.path, query


def _last(values: list[str] | None) -> str | None:
    return values[-1] if values else None


def _int(value: Any, default: int) -> int | None:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return None


def meta_problems(meta: Mapping[str, Any], count: int, sent: Mapping[str, list[str]], path: str) -> list[str]:
    """What is inconsistent between ``meta``, the page size and the query that was sent."""
    problems: list[str] = []
    limit = _int(_last(sent.get("limit")), DEFAULT_LIMIT)
    offset = _int(_last(sent.get("offset")), 0)
    total = meta.get("total_count")
    if not isinstance(total, int) or limit is None or offset is None:
        return problems
    if meta.get("limit") != limit:
        problems.append(f"meta.limit is {meta.get('limit')!r}, the request asked for {limit}")
    if meta.get("offset") != offset:
        problems.append(f"meta.offset is {meta.get('offset')!r}, the request asked for {offset}")
    expected_count = max(0, min(limit, total - offset))
    if count != expected_count:
        problems.append(
            f"{count} objects on a page with limit={limit}, offset={offset}, total_count={total}; "
            f"expected {expected_count}"
        )
    # Only documented filters must be carried; values as sets, since a repeated filter
    # (type=local&type=local) may be echoed once.
    filters = {k: set(v) for k, v in sent.items() if k in _LIST_FILTERS}
    for name, expected_offset, present in (
        ("next", offset + limit, offset + limit < total),
        ("previous", max(0, offset - limit), offset > 0),
    ):
        link = meta.get(name)
        if not present:
            if link is not None:
                problems.append(f"meta.{name} should be null here (offset={offset}, total_count={total})")
            continue
        if not isinstance(link, str):
            problems.append(f"meta.{name} is {link!r}; a page exists there (offset {expected_offset})")
            continue
        link_path, query = _query_of(link)
        if link_path.rstrip("/") != path.rstrip("/"):
            problems.append(f"meta.{name} {link!r} does not point at the list {path}")
        if _int(_last(query.get("offset")), -1) != expected_offset:
            problems.append(f"meta.{name} {link!r} should have offset={expected_offset}")
        if _int(_last(query.get("limit")), -1) != limit:
            problems.append(f"meta.{name} {link!r} should keep limit={limit}")
        kept = {k: set(v) for k, v in query.items() if k in _LIST_FILTERS}
        if kept != filters:
            problems.append(f"meta.{name} {link!r} should keep the filters {filters}, has {kept}")
    return problems


@contract_check
def list_meta_consistent(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """meta.limit/offset echo the request; next/previous are followable and keep limit and filters."""
    if response.status_code != 200 or _operation_id(case) != LIST:
        return None
    body = _json(response)
    if not isinstance(body, dict) or not isinstance(body.get("meta"), dict):
        return None
    if not isinstance(body.get("objects"), list):
        return None
    request = response.request
    parts = urlsplit(str(request.url))
    sent: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        sent.setdefault(key, []).append(value)
    problems = meta_problems(body["meta"], len(body["objects"]), sent, parts.path)
    target_of(case).enforce(
        provenance.LIST_META,
        not problems,
        "list meta is inconsistent (spec: ListMeta):\n  " + "\n  ".join(problems),
    )
    return None


def _unset(value: Any) -> bool:
    return value in (None, "")


def _names_app(application: Any, app_id: str) -> bool:
    """Whether an application URI names ``app_id`` (which may itself contain slashes)."""
    if _unset(app_id):
        return _unset(application)
    if not isinstance(application, str):
        return False
    return application.rstrip("/").endswith(f"/Application/{app_id.rstrip('/')}") or application == app_id


# Update field -> how the next get shows it. Fields without an object counterpart (callback
# URLs, compliance applications that only apply while pending) are not followed.
_VISIBLE: dict[str, Any] = {
    "alias": lambda obj, v: obj.get("alias") == v or (_unset(v) and _unset(obj.get("alias"))),
    "app_id": lambda obj, v: _names_app(obj.get("application"), v),
    "subaccount": lambda obj, v: (
        obj.get("sub_account") == v or (_unset(v) and _unset(obj.get("sub_account")))
    ),
    "cnam_lookup": lambda obj, v: obj.get("cnam_lookup") == v,
    "cnam": lambda obj, v: obj.get("cnam") == v or (_unset(v) and _unset(obj.get("cnam"))),
    "profile_uuid": lambda obj, v: obj.get("profile_uuid") == v,
}


@contract_check
def update_visible_on_next_get(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 2xx "changed" means the change shows on the next get (spec link GetUpdatedNumber).

    Any 2xx: the page gives no status code. 202 is our convention (a warning otherwise).
    """
    if not 200 <= response.status_code < 300 or _operation_id(case) != UPDATE:
        return None
    target_of(case).enforce(
        provenance.UPDATE_202,
        response.status_code == 202,
        f"updateNumber answered {response.status_code}",
    )
    if not isinstance(case.body, dict):
        return None
    sent = {k: v for k, v in case.body.items() if k in _VISIBLE and isinstance(v, str)}
    if not sent:
        return None
    target = target_of(case)
    number = str((case.path_parameters or {}).get("number", ""))
    got = target.http.get(target.number_path(number), auth=httpx.BasicAuth(*target.credentials.basic))
    if got.status_code != 200:
        raise AssertionError(
            f"update of {number} answered {response.status_code}, but the next get answered {got.status_code}"
        )
    obj = got.json()
    wrong = {k: v for k, v in sent.items() if not _VISIBLE[k](obj, v)}
    if wrong:
        shown = {k: obj.get({"subaccount": "sub_account", "app_id": "application"}.get(k, k)) for k in wrong}
        raise AssertionError(
            f"update answered {response.status_code} changed, but the next get does not show {wrong}; "
            f"it shows {shown} "
            "(spec: updateNumber link GetUpdatedNumber, 'The change is visible on the next get')"
        )
    return None


_SCHEMA_OF = {
    (LIST, 200): "NumberList",
    (GET, 200): "AccountPhoneNumberWithApiId",
    (UPDATE, 200): "UpdateResult",
    (UPDATE, 202): "UpdateResult",
}


@contract_check
def observed_deviations(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Tolerant level: answers valid only thanks to an x-observed entry become warnings."""
    schema = _SCHEMA_OF.get((_operation_id(case), response.status_code))
    target = target_of(case)
    if schema is None or target.level != "tolerant":
        return None
    body = _json(response)
    if body is None:
        return None
    documented = openapi.schema_errors(body, schema, "documented")
    if documented and not openapi.schema_errors(body, schema, "tolerant"):
        for error in documented:
            report.warn_observed(target.warnings, _operation_id(case), error)
    return None


BUILTIN_CHECKS = [
    held_to(provenance.NO_SERVER_ERROR, not_a_server_error),
    held_to(provenance.STATUS_CODES, builtin.status_code_conformance),
    held_to(provenance.CONTENT_TYPE, builtin.content_type_conformance),
    held_to(provenance.SCHEMA_DOCUMENTED, builtin.response_headers_conformance),
    # The schema is the run's level already: the file (documented) or, under --strict, with
    # its x-strict blocks (observed); so this check fails whenever it finds anything.
    held_to(provenance.SCHEMA_DOCUMENTED, builtin.response_schema_conformance),
    held_to(provenance.DOCUMENTED_REQUEST_ACCEPTED, documented_positive_data_acceptance),
    held_to(provenance.AUTH_REQUIRED, builtin.ignored_auth),
    held_to(provenance.UNRENT, builtin.use_after_free),
    held_to(provenance.UNRENT, builtin.ensure_resource_availability),
    # Undeclared methods answer 405 with Allow. On a live target the coverage phase probes
    # with OPTIONS only (a 2xx preflight is fine there), and this check passes OPTIONS by.
    held_to(provenance.STATUS_CODES, builtin.unsupported_method),
]
CUSTOM_CHECKS = [
    held_to(provenance.INVALID_INPUT_REFUSED, documented_negative_data_rejection),
    api_id_where_documented,
    held_to(provenance.RESOURCE_URI, resource_uri_names_number_and_account),
    list_meta_consistent,
    update_visible_on_next_get,
    observed_deviations,
]


def assert_error_body(response: httpx.Response, target: Target, level: openapi.Level | None = None) -> None:
    """A 4xx answer is Plivo's JSON error: an object with a non-empty ``error`` (api_id optional).

    Observed, not documented (D15): fails under ``--strict``, a warning otherwise.
    """
    strict_now = (level or target.level) == "documented"
    kind = response.headers.get("content-type", "")
    if kind.split(";")[0].strip() != "application/json":
        target.enforce(
            provenance.ERROR_BODY,
            False,
            f"a {response.status_code} answer must be application/json (spec: Error responses), got {kind!r}"
            f"\n{describe_exchange(response, target)}",
            strict=strict_now,
        )
        return
    try:
        body = response.json()
    except ValueError:
        target.enforce(
            provenance.ERROR_BODY,
            False,
            f"a {response.status_code} error body is not JSON\n{describe_exchange(response, target)}",
            strict=strict_now,
        )
        return
    problems = openapi.schema_errors(body, "Error", "documented")
    target.enforce(
        provenance.ERROR_BODY,
        not problems,
        f"error body breaks the Error schema: {problems}\n{describe_exchange(response, target)}",
        strict=strict_now,
    )


def refused(
    response: httpx.Response,
    target: Target,
    status: int,
    rule: Constraint | None,
    message: str,
    *,
    exact: Constraint = provenance.STATUS_CODES,
) -> None:
    """A refusal, judged in two parts: a 4xx at all (``rule``), and exactly ``status`` (``exact``).

    ``rule`` is the documented reason the request must not succeed (None when even that is
    only observed, e.g. invalid input a target may ignore). The exact status is observed:
    the page documents none but 204, so it fails only under ``--strict``. A 5xx is never a
    refusal and always fails.
    """
    code = response.status_code
    strict_now = target.strict
    target.enforce(provenance.NO_SERVER_ERROR, code < 500, f"answered {code}: {message}", strict=strict_now)
    if rule is not None:
        target.enforce(rule, 400 <= code < 500, f"answered {code}, not a refusal: {message}", strict=True)
    target.enforce(exact, code == status, f"answered {code}, not {status}: {message}", strict=strict_now)
    if 400 <= code < 500:
        assert_error_body(response, target)
