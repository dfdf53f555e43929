"""Plivo's Python SDK (plivo on PyPI) driven through every Number method against the served emulator.

Every request it sends is checked against the spec; a departure must be a reviewed finding. Responses
must parse into the SDK's objects with every attribute reachable, and each error status must raise the
exception the SDK documents for it.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterator
from typing import Any

import plivo
import pytest
from plivo import exceptions
from plivo.base import ListResponseObject, ResponseObject
from plivo.resources.numbers import Number

import openapi
from emulator import Faults

from .findings import ObservedFinding
from .pysdk import PythonSdk, describe, pointed_at
from .scenarios import (
    LIST_PARAMETERS,
    assert_clean,
    assert_known,
    case_id,
    filter_cases,
    inventory,
    selects,
    value_from,
)
from .scenarios import observe as observe_finding
from .sdkrun import SdkRun, documented_properties
from .served import Served, served

PINNED = "4.63.0"
SDK = "python"


def unreachable(sdk_object: Any, raw: dict[str, Any]) -> list[str]:
    """Keys of the raw JSON object that the SDK object does not expose with the same value."""
    missing = object()
    return [key for key, value in raw.items() if getattr(sdk_object, key, missing) != value]


def assert_list_parses(result: Any, raw: dict[str, Any]) -> None:
    assert isinstance(result, ListResponseObject), type(result)
    assert result.api_id == raw["api_id"]
    assert isinstance(result.meta, ResponseObject)
    assert unreachable(result.meta, raw["meta"]) == []
    assert len(result) == len(raw["objects"])
    for sdk_object, raw_object in zip(result.objects, raw["objects"], strict=True):
        assert isinstance(sdk_object, Number), type(sdk_object)
        assert unreachable(sdk_object, raw_object) == [], raw_object["number"]
        assert sdk_object.id == raw_object["number"]


def observe(run: SdkRun, method: str, signature: str, evidence: str) -> ObservedFinding:
    return observe_finding(run, SDK, method, signature, evidence)


# --- the SDK itself ---------------------------------------------------------------------------------


def test_the_pinned_sdk_is_the_one_installed(python_sdk: PythonSdk) -> None:
    assert python_sdk.version == PINNED, (
        f"plivo {python_sdk.version} is installed but the reviewed findings are for {PINNED}; "
        "run this suite, review its differences, then update PINNED and sdkcheck/known_findings.yaml"
    )


def test_the_base_url_constant_is_restored(emulator: Served) -> None:
    import plivo.rest.client as rest

    original = rest.PLIVO_API_BASE_URI
    with pointed_at(emulator.base_url):
        assert f"{emulator.base_url}/v1/Account" == rest.PLIVO_API_BASE_URI
    assert rest.PLIVO_API_BASE_URI == original == "https://api.plivo.com/v1/Account"


def test_list_without_filters(python_sdk: PythonSdk) -> None:
    client = python_sdk.client()
    with python_sdk.call("numbers.list", "numbers.list()") as pending:
        result = client.numbers.list()
        pending.outcome = describe(result)
    exchange = pending.done()
    assert_clean(exchange)
    [request] = exchange.requests
    assert request.query == "limit=20&offset=0", "the SDK always sends its default page"
    assert request.auth.user == python_sdk.served.auth_id
    assert request.auth.token_matches is True
    assert_list_parses(result, exchange.response_json())
    assert result.meta.total_count == len(inventory(python_sdk.served))


@pytest.mark.parametrize("case", list(filter_cases()), ids=case_id)
def test_list_with_each_filter(python_sdk: PythonSdk, case: tuple[str, Any]) -> None:
    name, value = case
    if value is None:
        value = value_from(python_sdk.served, name)
    with python_sdk.call("numbers.list", f"numbers.list({name}={value!r})") as pending:
        result = python_sdk.client().numbers.list(**{name: value})
        pending.outcome = describe(result)
    exchange = pending.done()
    assert_clean(exchange)
    raw = exchange.response_json()
    assert_list_parses(result, raw)
    assert raw["objects"], f"{name}={value!r} should select numbers of the seeded inventory"
    wrong = [o["number"] for o in raw["objects"] if not selects(name, value)(o)]
    assert wrong == [], f"the filter {name}={value!r} did not narrow the list (it reached the server?)"


COMBINATIONS = [
    {"type": "local", "services": ["sms", "voice"], "tendlc_registration_status": "registered"},
    {"type": "tollfree", "toll_free_sms_verification": "verified"},
    {"renewal_date__gte": "2026-01-01", "renewal_date__lt": "2026-07-01", "cnam_lookup": "enabled"},
    {"subaccount": None, "type": "local"},
    {"number_startswith": "1", "services": "mms", "limit": 5, "offset": 5},
]


@pytest.mark.parametrize("combination", COMBINATIONS, ids=lambda c: "+".join(c))
def test_list_with_filter_combinations(python_sdk: PythonSdk, combination: dict[str, Any]) -> None:
    params = {k: (value_from(python_sdk.served, k) if v is None else v) for k, v in combination.items()}
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
    with python_sdk.call("numbers.list", f"numbers.list({shown})") as pending:
        result = python_sdk.client().numbers.list(**params)
        pending.outcome = describe(result)
    exchange = pending.done()
    assert_clean(exchange)
    raw = exchange.response_json()
    assert_list_parses(result, raw)
    filters = {k: v for k, v in params.items() if k not in ("limit", "offset")}
    wrong = [o["number"] for o in raw["objects"] if not all(selects(k, v)(o) for k, v in filters.items())]
    assert wrong == []


@pytest.mark.parametrize("limit", [20, 7])
def test_pagination_to_the_end(python_sdk: PythonSdk, limit: int) -> None:
    expected = [n["number"] for n in inventory(python_sdk.served)]
    client = python_sdk.client()
    seen: list[str] = []
    offset, pages = 0, 0
    with python_sdk.call("numbers.list", f"numbers.list(limit={limit}, offset=...) to the end") as pending:
        while True:
            page = client.numbers.list(limit=limit, offset=offset)
            pages += 1
            seen += [n.number for n in page]
            if not page.meta.next:
                break
            offset = page.meta.offset + page.meta.limit
        pending.outcome = f"{pages} pages, {len(seen)} numbers"
    exchange = pending.done()
    assert_clean(exchange)
    assert seen == expected, "walking the pages must give every number once, in list order"
    assert len(exchange.requests) == pages == -(-len(expected) // limit)
    covered: set[str] = set()
    for index in range(len(exchange.checks)):
        for raw_object in exchange.response_json(index)["objects"]:
            covered |= set(raw_object)
    assert set(documented_properties()) <= covered, "the inventory should carry every documented attribute"


def test_the_sdk_iterator_walks_every_page(python_sdk: PythonSdk) -> None:
    expected = [n["number"] for n in inventory(python_sdk.served)]
    with python_sdk.call("iter(numbers)", "for number in client.numbers") as pending:
        walked = list(python_sdk.client().numbers)
        pending.outcome = f"{len(walked)} Number objects"
    exchange = pending.done()
    assert_clean(exchange)
    assert all(isinstance(n, Number) for n in walked)
    assert [n.number for n in walked] == expected


def test_get(python_sdk: PythonSdk) -> None:
    numbers = inventory(python_sdk.served)
    picks = {n["number_type"]: n for n in numbers}  # one of each type
    picks["subaccount"] = next(n for n in numbers if n.get("sub_account"))
    for label, raw_number in picks.items():
        number = raw_number["number"]
        with python_sdk.call("numbers.get", f"numbers.get({number!r})  # {label}") as pending:
            result = python_sdk.client().numbers.get(number)
            pending.outcome = describe(result)
        exchange = pending.done()
        assert_clean(exchange)
        raw = exchange.response_json()
        assert isinstance(result, Number)
        assert unreachable(result, raw) == []
        assert result.id == number
        assert result.api_id == raw["api_id"]


def test_list_limit_is_checked_before_sending(python_sdk: PythonSdk) -> None:
    for bad in ({"limit": 21}, {"limit": 0}, {"offset": -1}):
        with python_sdk.call("numbers.list", f"numbers.list({bad})") as pending:
            with pytest.raises(exceptions.ValidationError) as raised:
                python_sdk.client().numbers.list(**bad)
            pending.outcome = describe(raised.value)
        assert pending.done().requests == [], "the SDK refuses an out-of-range page before sending"


def test_a_comma_separated_services_string_is_refused(python_sdk: PythonSdk, sdk_run: SdkRun) -> None:
    with python_sdk.call("numbers.list", "numbers.list(services='sms,voice')") as pending:
        try:
            python_sdk.client().numbers.list(services="sms,voice")
        except exceptions.ValidationError as error:
            pending.outcome = describe(error)
        else:
            pending.outcome = "accepted"
    exchange = pending.done()
    if pending.outcome.startswith("raised") and not exchange.requests:
        found = observe(
            sdk_run,
            "numbers.list",
            "behaviour services-comma-string-refused",
            f"numbers.list(services='sms,voice') {pending.outcome}; nothing sent. The spec's services "
            "is a comma-separated string; the SDK only takes a list, which it joins with ','.",
        )
        assert_known(sdk_run, found)
    else:
        assert_clean(exchange)


def _update_parameters(function: Callable[..., Any]) -> set[str]:
    return {name for name in inspect.signature(function).parameters if name not in ("self", "number")}


def test_update_offers_the_documented_fields(python_sdk: PythonSdk, sdk_run: SdkRun) -> None:
    documented = set(openapi.load_spec("documented")["components"]["schemas"]["NumberUpdate"]["properties"])
    offered = _update_parameters(python_sdk.client().numbers.update)
    missing = sorted(documented - offered)
    extra = sorted(offered - documented)
    found = []
    if missing:
        found.append(
            observe(
                sdk_run,
                "numbers.update",
                f"surface update-lacks {','.join(missing)}",
                f"numbers.update(number, {', '.join(sorted(offered))}) "
                f"has no parameter for {', '.join(missing)}",
            )
        )
    if extra:
        found.append(
            observe(
                sdk_run,
                "numbers.update",
                f"surface update-extra {','.join(extra)}",
                f"numbers.update offers {', '.join(extra)}, which the spec's NumberUpdate does not list",
            )
        )
    assert_known(sdk_run, *found)
    for name in missing:
        with pytest.raises(TypeError):
            python_sdk.client().numbers.update("10000000000", **{name: "x"})
    resource = _update_parameters(Number.update)
    assert resource <= offered, "Number.update should forward to numbers.update"


def test_list_offers_the_documented_filters(python_sdk: PythonSdk, sdk_run: SdkRun) -> None:
    documented = set(LIST_PARAMETERS)
    offered = {n for n in inspect.signature(python_sdk.client().numbers.list).parameters if n != "self"}
    missing, extra = sorted(documented - offered), sorted(offered - documented)
    found = []
    if missing:
        found.append(
            observe(
                sdk_run,
                "numbers.list",
                f"surface list-lacks {','.join(missing)}",
                f"no parameter for {missing}",
            )
        )
    if extra:
        found.append(
            observe(
                sdk_run,
                "numbers.list",
                f"surface list-extra {','.join(extra)}",
                f"numbers.list offers {', '.join(extra)}, which listNumbers does not declare",
            )
        )
    assert_known(sdk_run, *found)


def test_list_with_the_sdk_only_filter(python_sdk: PythonSdk) -> None:
    with python_sdk.call(
        "numbers.list", "numbers.list(toll_free_sms_verification_order_status='APPROVED')"
    ) as pending:
        result = python_sdk.client().numbers.list(toll_free_sms_verification_order_status="APPROVED")
        pending.outcome = describe(result)
    exchange = pending.done()
    assert_clean(exchange)
    assert_list_parses(result, exchange.response_json())


UPDATES: list[tuple[str, Any, Callable[[dict[str, Any], Any], bool]]] = [
    ("alias", "Front desk", lambda o, v: o["alias"] == v),
    ("app_id", "12345678901234567", lambda o, v: str(o["application"]).endswith(f"/Application/{v}/")),
    ("cnam_lookup", "disabled", lambda o, v: o["cnam_lookup"] == v),
    ("cnam_lookup", "enabled", lambda o, v: o["cnam_lookup"] == v),
    ("subaccount", None, lambda o, v: o["sub_account"] == v),
    ("verification_info", {"business_name": "Acme"}, lambda o, v: True),
]


@pytest.mark.parametrize(
    ("index", "update"), list(enumerate(UPDATES)), ids=[f"{u[0]}={u[1]}" for u in UPDATES]
)
def test_update_with_each_field(python_sdk: PythonSdk, index: int, update: tuple[str, Any, Any]) -> None:
    name, value, took_effect = update
    if value is None:
        value = python_sdk.served.demo.subaccounts[1][0]
    numbers = [
        n for n in inventory(python_sdk.served) if n["number_type"] == "local" and not n.get("sub_account")
    ]
    number = numbers[10 + index]["number"]
    client = python_sdk.client()
    with python_sdk.call("numbers.update", f"numbers.update({number!r}, {name}={value!r})") as pending:
        result = client.numbers.update(number, **{name: value})
        pending.outcome = describe(result)
    exchange = pending.done()
    assert_clean(exchange)
    [request] = exchange.requests
    assert request.header("content-type") == "application/json"
    raw = exchange.response_json()
    assert request.status == 202
    assert unreachable(result, raw) == []
    assert result.message == "changed"
    after = client.numbers.get(number)
    assert took_effect(after.__dict__, value), f"{name}={value!r} was not applied: {after.__dict__}"


def test_update_through_the_number_object(python_sdk: PythonSdk) -> None:
    number = inventory(python_sdk.served)[40]["number"]
    client = python_sdk.client()
    resource = client.numbers.get(number)
    with python_sdk.call("Number.update", f"numbers.get({number!r}).update(alias='Lobby')") as pending:
        result = resource.update(alias="Lobby")
        pending.outcome = describe(result)
    assert_clean(pending.done())
    assert client.numbers.get(number).alias == "Lobby"


def test_delete(python_sdk: PythonSdk) -> None:
    numbers = inventory(python_sdk.served)
    client = python_sdk.client()
    number = numbers[-1]["number"]
    with python_sdk.call("numbers.delete", f"numbers.delete({number!r})") as pending:
        result = client.numbers.delete(number)
        pending.outcome = describe(result)
    exchange = pending.done()
    assert_clean(exchange)
    assert [r.status for r in exchange.requests] == [204]
    assert result is None, "a 204 has no body; the SDK returns None"
    with pytest.raises(exceptions.ResourceNotFoundError):
        client.numbers.get(number)

    other = numbers[-2]["number"]
    resource = client.numbers.get(other)
    with python_sdk.call("Number.delete", f"numbers.get({other!r}).delete()") as pending:
        resource.delete()
        pending.outcome = "deleted"
    assert_clean(pending.done())
    assert other not in [n["number"] for n in inventory(python_sdk.served)]


# --- errors: the exception each status raises --------------------------------------------------------

# What plivo/rest/client.py process_response documents for each status.
DOCUMENTED_EXCEPTIONS: dict[int, type[Exception]] = {
    400: exceptions.ValidationError,
    401: exceptions.AuthenticationError,
    404: exceptions.ResourceNotFoundError,
    429: exceptions.PlivoRestError,
    500: exceptions.PlivoServerError,
}

Case = tuple[str, str, Callable[[], Any]]


def attempt(action: Callable[[], Any]) -> BaseException | None:
    try:
        action()
    except Exception as error:
        return error
    return None


def check_error_cases(
    sdk: PythonSdk, run: SdkRun, status: int, cases: list[Case], expected: tuple[str, ...] = ()
) -> None:
    """Each case must be answered ``status`` and raise the documented exception, or be a known finding."""
    documented = DOCUMENTED_EXCEPTIONS[status]
    found = []
    for method, call, action in cases:
        with sdk.call(method, call, expected=expected) as pending:
            error = attempt(action)
            pending.outcome = describe(error) if error else "returned without raising"
        exchange = pending.done()
        assert_clean(exchange)
        assert [r.status for r in exchange.requests] == [status], exchange.requests
        assert error is not None, f"{call}: a {status} answer must raise"
        token = sdk.served.demo.auth_token
        assert token not in str(error), "an exception message must never carry the auth token"
        if type(error) is documented:
            if isinstance(error, exceptions.PlivoRestError) and status != 429:
                assert str(error) == exchange.response_json()["error"], "the API's message is the exception's"
            continue
        found.append(
            observe(
                run,
                method,
                f"behaviour status-{status}-raises {type(error).__name__}",
                f"{call} answered {status} {exchange.requests[0].response_body[:120]!r} raised "
                f"{type(error).__name__}: {str(error)[:120]}; the SDK maps {status} to {documented.__name__}",
            )
        )
    assert_known(run, *found)


def test_400_raises_validation_error(python_sdk: PythonSdk, sdk_run: SdkRun) -> None:
    client = python_sdk.client()
    number = inventory(python_sdk.served)[50]["number"]
    check_error_cases(
        python_sdk,
        sdk_run,
        400,
        [("numbers.list", "numbers.list(type='landline')", lambda: client.numbers.list(type="landline"))],
        expected=("query.type",),
    )
    check_error_cases(
        python_sdk,
        sdk_run,
        400,
        [
            (
                "numbers.update",
                f"numbers.update({number!r}, cnam_lookup='sometimes')",
                lambda: client.numbers.update(number, cnam_lookup="sometimes"),
            )
        ],
        expected=("body.cnam_lookup",),
    )


def test_401_raises_authentication_error(python_sdk: PythonSdk, sdk_run: SdkRun) -> None:
    wrong = python_sdk.client(auth_token="not-the-token")
    number = inventory(python_sdk.served)[0]["number"]
    check_error_cases(
        python_sdk,
        sdk_run,
        401,
        [
            ("numbers.list", "numbers.list() with a wrong auth token", lambda: wrong.numbers.list()),
            (
                "numbers.get",
                f"numbers.get({number!r}) with a wrong auth token",
                lambda: wrong.numbers.get(number),
            ),
        ],
        expected=("auth",),
    )


def test_404_raises_resource_not_found(python_sdk: PythonSdk, sdk_run: SdkRun) -> None:
    client = python_sdk.client()
    absent = "19999999999"
    check_error_cases(
        python_sdk,
        sdk_run,
        404,
        [
            ("numbers.get", f"numbers.get({absent!r})", lambda: client.numbers.get(absent)),
            (
                "numbers.update",
                f"numbers.update({absent!r}, alias='x')",
                lambda: client.numbers.update(absent, alias="x"),
            ),
            ("numbers.delete", f"numbers.delete({absent!r})", lambda: client.numbers.delete(absent)),
        ],
    )


@pytest.fixture
def faulty(sdk_run: SdkRun, request: pytest.FixtureRequest) -> Iterator[PythonSdk]:
    with served(numbers=30, faults=request.param) as running, pointed_at(running.base_url):
        yield PythonSdk(running, sdk_run)


@pytest.mark.parametrize(
    "faulty", [Faults(rate_limit=1, rate_window=60.0)], indirect=True, ids=["rate_limit"]
)
def test_429_raises_plivo_rest_error(faulty: PythonSdk, sdk_run: SdkRun) -> None:
    client = faulty.client()
    number = inventory(faulty.served)[0]["number"]
    client.numbers.list()  # the one request the window allows
    check_error_cases(
        faulty,
        sdk_run,
        429,
        [
            ("numbers.list", "numbers.list() over the rate limit", lambda: client.numbers.list()),
            (
                "numbers.get",
                f"numbers.get({number!r}) over the rate limit",
                lambda: client.numbers.get(number),
            ),
        ],
    )


@pytest.mark.parametrize(
    "faulty", [Faults(error_rate=1.0, error_statuses=(500,))], indirect=True, ids=["error_rate"]
)
def test_500_raises_plivo_server_error(faulty: PythonSdk, sdk_run: SdkRun) -> None:
    client = faulty.client()
    number = inventory(faulty.served)[0]["number"]
    check_error_cases(
        faulty,
        sdk_run,
        500,
        [
            ("numbers.list", "numbers.list() on a failing server", lambda: client.numbers.list()),
            (
                "numbers.get",
                f"numbers.get({number!r}) on a failing server",
                lambda: client.numbers.get(number),
            ),
            (
                "numbers.update",
                f"numbers.update({number!r}, alias='x') on a failing server",
                lambda: client.numbers.update(number, alias="x"),
            ),
        ],
    )


def test_an_invalid_auth_id_is_refused_before_sending(emulator: Served) -> None:
    before = emulator.capture.mark()
    with pytest.raises(exceptions.AuthenticationError):
        plivo.RestClient("XX123", "token")
    assert emulator.capture.since(before) == []


def test_the_recorder_agrees_with_the_emulator_log(emulator: Served) -> None:
    """The recorder in front of the emulator saw exactly what the emulator's own request log saw."""

    def lines() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        ours = [(r.method, r.path, r.query, r.body, r.status) for r in emulator.capture.records]
        log = emulator.app.state.request_log
        theirs = [(r.method, r.path, r.query, r.body, r.status) for r in log]
        return ours, theirs

    deadline = time.monotonic() + 2.0
    ours, theirs = lines()
    while ours != theirs and time.monotonic() < deadline:
        time.sleep(0.02)  # the emulator logs a request once its answer is out; the last may lag
        ours, theirs = lines()
    assert ours
    assert ours == theirs
    assert {r.headers.get("authorization") for r in emulator.app.state.request_log} == {"REDACTED"}
