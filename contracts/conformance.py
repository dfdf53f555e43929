"""The spec as a schemathesis schema bound to the session's target, and how one case is run.

Generation is steered towards the target's real data: the path ``auth_id`` is the
target's own, ``plivo-*`` formats draw realistic values and mostly real numbers and
subaccounts from the target's inventory. On a live target updates send only ``alias``
(restorable) and every update is undone; unrent is left to ``test_unrent``.

The schema is built per session by :mod:`contracts.plugin` (its level, seed and example
counts are the session's options); test modules mark functions with :func:`parametrize`
and the plugin parametrizes them with that schema while collecting.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any, TypeVar

import hypothesis.strategies as st
import schemathesis
from schemathesis import Case, Response
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.schemas import OpenApiSchema

import openapi
from contracts import checks, restore
from contracts.crawl import known_numbers, known_subaccounts
from contracts.curl import describe_exchange
from contracts.target import Target
from contracts.transport import bind
from openapi.operations import LIST, OPERATION_IDS, UPDATE

__all__ = [
    "OPERATIONS",
    "OPERATIONS_ATTR",
    "ContractViolation",
    "build_schema",
    "marked_operations",
    "only",
    "parametrize",
    "register_formats",
    "run_case",
]

OPERATIONS = OPERATION_IDS
# The attribute :func:`parametrize` sets on a test function: the operations it is run for.
OPERATIONS_ATTR = "_contracts_operations"
F = TypeVar("F", bound=Callable[..., Any])

# How many real numbers the embedded emulator lends to conformance unrent cases; the rest
# of its inventory stays for the semantic tests.
EMBEDDED_UNRENT_POOL = 12


class ContractViolation(AssertionError):
    """A response broke the contract; the message has the rule, the exchange and the seed."""


def _digits(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=min_size, max_size=max_size)


def _real(values: Any) -> st.SearchStrategy[str]:
    return st.deferred(lambda: st.sampled_from(values()) if values() else st.nothing())


def register_formats(target: Callable[[], Target]) -> None:
    """``plivo-*`` formats are generation hints: realistic values, mostly ``target()``'s real ones.

    schemathesis keeps formats in one registry per process, so a format's strategy cannot
    ask which schema draws it; the plugin registers them once per session, for the
    session's target (one per process: each xdist worker has its own).
    """

    def numbers() -> list[str]:
        return known_numbers(target())

    def subaccounts() -> list[str]:
        return known_subaccounts(target())

    def prefixes() -> list[str]:
        return sorted({n[:k] for n in numbers() for k in (1, 2, 3, 4)})

    realistic_number = st.builds(
        lambda cc, rest: cc + rest, st.sampled_from(["1", "44", "91", "61"]), _digits(9, 10)
    )
    schemathesis.openapi.format("plivo-number", st.one_of(_real(numbers), _real(numbers), realistic_number))
    schemathesis.openapi.format("plivo-number-prefix", st.one_of(_real(prefixes), _digits(1, 4)))
    random_sub = st.builds(
        lambda s: "SA" + s, st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=18, max_size=18)
    )
    # Mostly real subaccounts, so transfers happen; now and then an unknown one, which a target
    # may refuse with a 4xx but must not accept and ignore (steer() keeps list filters real).
    schemathesis.openapi.format(
        "plivo-subaccount-auth-id", st.one_of(_real(subaccounts), _real(subaccounts), random_sub)
    )
    schemathesis.openapi.format(
        "plivo-auth-id",
        st.builds(
            lambda s: "MA" + s, st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=18, max_size=18)
        ),
    )


def _config(
    *, seed: int, max_examples: int, max_steps: int, live: bool, subaccounts_known: bool
) -> SchemathesisConfig:
    update_accepts = ["2XX", "400", "404"]  # a schema-valid update may name an unknown app or subaccount
    list_accepts = ["2XX"] if subaccounts_known else ["2XX", "400"]
    return SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "generation": {
                "mode": "all",
                "max-examples": max_examples,
                "with-security-parameters": False,
                "database": "none",
            },
            "phases": {
                "examples": {"enabled": True, "fill-missing": True},
                "coverage": {
                    "enabled": True,
                    # On a live target undeclared-method probes are limited to safe methods;
                    # the guard would refuse anything else anyway.
                    "unexpected-methods": ["OPTIONS"] if live else ["PUT", "PATCH", "DELETE", "POST"],
                },
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": max_steps},
            },
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2XX", "404"]}},
            "operations": [
                {
                    "include-operation-id": UPDATE,
                    "checks": {"positive_data_acceptance": {"expected-statuses": update_accepts}},
                },
                {
                    "include-operation-id": LIST,
                    "checks": {"positive_data_acceptance": {"expected-statuses": list_accepts}},
                },
            ],
        }
    )


def build_schema(
    *,
    target: Callable[[], Target],
    level: openapi.Level,
    seed: int,
    max_examples: int,
    max_steps: int,
    live: bool,
    subaccounts_known: bool,
) -> OpenApiSchema:
    """The spec at ``level`` as a schemathesis schema whose every request goes through ``target()``."""
    register_formats(target)
    raw = requests_as_documented(openapi.load_spec(level))
    config = _config(
        seed=seed,
        max_examples=max_examples,
        max_steps=max_steps,
        live=live,
        subaccounts_known=subaccounts_known,
    )
    schema = schemathesis.openapi.from_dict(raw, config=config)
    bind(schema, target)
    _install_hooks(schema)
    return schema


def parametrize(*operation_ids: str) -> Callable[[F], F]:
    """Run the decorated test once per generated case of ``operation_ids``.

    Like schemathesis' ``schema.parametrize()``, but the schema is the session's, which a
    module cannot know when it is imported: :mod:`contracts.plugin` applies it at collection.
    """
    unknown = set(operation_ids) - set(OPERATIONS)
    if unknown:
        raise ValueError(f"unknown operation ids {sorted(unknown)}; the spec has {OPERATIONS}")

    def mark(function: F) -> F:
        setattr(function, OPERATIONS_ATTR, tuple(operation_ids))
        return function

    return mark


def marked_operations(function: Any) -> tuple[str, ...] | None:
    """The operations :func:`parametrize` named on ``function``, or None."""
    found = getattr(function, OPERATIONS_ATTR, None)
    return found if isinstance(found, tuple) else None


def only(schema: OpenApiSchema, *operation_ids: str) -> OpenApiSchema:
    """The schema narrowed to ``operation_ids``.

    By exclusion: schemathesis ORs include filters with the per-operation config blocks,
    so ``include`` would let every operation through.
    """
    narrowed = schema.exclude(operation_id=[o for o in OPERATIONS if o not in operation_ids])
    assert isinstance(narrowed, OpenApiSchema)
    return narrowed


def requests_as_documented(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with every operation's parameters and body as documented.

    Tolerance is about what a target answers. What we send stays documented: an
    x-observed request value is one a target may accept, not one it must.
    """
    documented = openapi.load_spec("documented")
    for path, item in spec["paths"].items():
        for key, value in item.items():
            if isinstance(value, dict) and "operationId" in value:
                original = documented["paths"][path][key]
                value["parameters"] = original.get("parameters", [])
                if "requestBody" in original:
                    value["requestBody"] = original["requestBody"]
        if "parameters" in item:
            item["parameters"] = documented["paths"][path]["parameters"]
    return spec


def unrent_pool(target: Target) -> list[str]:
    """Numbers conformance unrent cases may draw: the user's on a live target, a few lent ones here."""
    if target.live:
        return sorted(target.unrentable)
    numbers = known_numbers(target)
    return numbers[-EMBEDDED_UNRENT_POOL:]


def _install_hooks(schema: OpenApiSchema) -> None:
    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy[Any]:
        # Fuzzed unrent cases draw from the pool of numbers that may go, so some really are unrented.
        operation = context.operation
        if operation is None or operation.method.upper() != "DELETE":
            return st.just(path_parameters)
        pool = unrent_pool(checks.target_of(operation))
        if not pool:
            return st.just(path_parameters)
        return st.sampled_from(pool).map(lambda number: {**(path_parameters or {}), "number": number})


def steer(case: Case, target: Target) -> None:
    """Point a generated case at the target's own data, whatever phase produced it.

    The path auth_id is the target's (another account's id is test_auth's job); on a live
    target an update only changes alias, which can always be put back.
    """
    if "{auth_id}" in case.operation.path:
        case.path_parameters = {**(case.path_parameters or {}), "auth_id": target.auth_id}
    query = case.query if isinstance(case.query, dict) else {}
    subaccount = query.get("subaccount")
    known = known_subaccounts(target)
    if (
        isinstance(subaccount, str)
        and re.fullmatch(r"SA\w{18}", subaccount)
        and subaccount not in known
        and known
    ):
        # An unknown subaccount filter may be refused; the list's answer is defined for real ones.
        case.query = {**query, "subaccount": known[len(subaccount) % len(known)]}
    if target.live and case.method.upper() == "POST" and isinstance(case.body, dict):
        alias = case.body.get("alias")
        case.body = {"alias": alias if isinstance(alias, str) else "contracts-suite"}


def _rules(group: BaseException) -> list[str]:
    failures: list[BaseException] = list(group.exceptions) if isinstance(group, FailureGroup) else [group]
    lines = []
    for failure in failures:
        if isinstance(failure, Failure):
            lines.append(f"- {failure.title}: {failure.message.strip()}")
        else:
            lines.append(f"- {failure}")
    return lines


def run_case(case: Case, target: Target, seed: int) -> Response:
    """Send ``case`` as the target's account, run every check, restore anything it changed."""
    auth = target.credentials.basic
    steer(case, target)
    with restore.around_update(target, case):
        response = case.call(auth=auth)
        try:
            case.validate_response(
                response,
                checks=[*checks.BUILTIN_CHECKS, *checks.CUSTOM_CHECKS],
                transport_kwargs={"auth": auth},
            )
        except FailureGroup as group:
            raise ContractViolation(_message(case, response, group, target, seed)) from None
    return response


def _current_test() -> str:
    current = os.environ.get("PYTEST_CURRENT_TEST", "contracts").split(" ")[0]
    return current.split("[")[0]


def _message(case: Case, response: Response, group: BaseException, target: Target, seed: int) -> str:
    import httpx

    request = response.request
    body = request.body
    sent = body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else b""
    exchange = httpx.Response(
        response.status_code,
        headers={k: v[0] for k, v in response.headers.items()},
        content=response.content,
        request=httpx.Request(
            request.method or "GET",
            request.url or "",
            headers={str(k): str(v) for k, v in request.headers.items()},
            content=sent,
        ),
    )
    phase = case.meta.phase.name.value if case.meta is not None else "?"
    mode = case.meta.generation.mode.value if case.meta is not None else "?"
    return "\n".join(
        [
            f"{case.operation.label} broke the contract ({phase} phase, {mode} data):",
            *_rules(group),
            describe_exchange(exchange, target),
            f"  replay:   pytest {_current_test()} --hypothesis-seed={seed}",
        ]
    )
