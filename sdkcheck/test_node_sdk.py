"""Plivo's Node SDK (plivo on npm, pinned in package.json) driven through every Number method.

``node_driver.js`` runs one plan of steps per emulator (a fresh one, so the Python tests' changes do not
matter); each step's requests are checked against the spec here. The driver uses the parameter names
and values the SDK's own JSDoc gives (``tendlcRegistrationStatus: 'COMPLETED'``), as a user following
the SDK's documentation would. Skips, saying how to install, where Node or node_modules/plivo is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from emulator import Faults

from .findings import ObservedFinding
from .nodesdk import GET_SUFFIX, NodeResult, NodeRun, NodeSdk, pinned_version
from .scenarios import (
    assert_clean,
    assert_known,
    case_id,
    inventory,
    selects,
    updatable,
    value_from,
)
from .scenarios import observe as observe_finding
from .sdkrun import Exchange, SdkRun, camel_case, documented_properties
from .served import Served, served

pytestmark = pytest.mark.node

SDK = "node"
# The SDK's JSDoc names for the list filters (lodash snake-cases them back on the wire).
JSDOC_FILTERS = {
    "type": "type",
    "number_startswith": "numberStartswith",
    "subaccount": "subAccount",
    "alias": "alias",
    "services": "services",
    "cnam_lookup": "cnamLookup",
    "renewal_date": "renewal_date",
    "renewal_date__gt": "renewal_date__gt",
    "renewal_date__gte": "renewal_date__gte",
    "renewal_date__lt": "renewal_date__lt",
    "renewal_date__lte": "renewal_date__lte",
    "tendlc_registration_status": "tendlcRegistrationStatus",
    "tendlc_campaign_id": "tendlcCampaignId",
    "toll_free_sms_verification": "tollFreeSmsVerification",
    "limit": "limit",
    "offset": "offset",
}
NODE_FILTER_CASES: list[tuple[str, Any]] = [
    *[("type", t) for t in ("local", "mobile", "fixed", "national", "tollfree")],
    ("cnam_lookup", "enabled"),
    ("cnam_lookup", "disabled"),
    # The JSDoc's values for these two filters are the objects' upper-case vocabulary.
    *[("tendlc_registration_status", v) for v in ("UNREGISTERED", "PROCESSING", "COMPLETED")],
    ("tendlc_registration_status", "registered"),
    *[("toll_free_sms_verification", v) for v in ("UNVERIFIED", "PENDING_VERIFICATION", "VERIFIED")],
    ("toll_free_sms_verification", "verified"),
    *[("services", v) for v in ("sms", "voice", "mms", "sms,voice")],
    *[
        (name, None)
        for name in (
            "number_startswith",
            "subaccount",
            "alias",
            "tendlc_campaign_id",
            "renewal_date",
            "renewal_date__gt",
            "renewal_date__gte",
            "renewal_date__lt",
            "renewal_date__lte",
        )
    ],
]
COMBINATIONS: list[dict[str, Any]] = [
    {"type": "local", "services": "sms,voice", "tendlc_registration_status": "registered"},
    {"subaccount": None, "type": "local"},
    {"renewal_date__gte": "2026-01-01", "renewal_date__lt": "2026-07-01", "cnam_lookup": "enabled"},
]
PROFILE = "7c9d4c2a-2f3e-4b8a-9d1e-0c5a6b7e8f90"
# (label, JSDoc params, what the number shows afterwards, or None when the change is not visible)
UPDATES: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
    ("alias", {"alias": "Front desk"}, {"alias": "Front desk"}),
    ("appId", {"appId": "12345678901234567"}, None),
    ("subAccount", {"subAccount": None}, None),
    ("complianceApplicationId", {"complianceApplicationId": "1f0e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"}, None),
    ("cnamLookup", {"cnamLookup": "disabled"}, {"cnam_lookup": "disabled"}),
    ("cnam", {"cnam": "ACME INC"}, {"cnam": "ACME INC"}),
    ("cnamCallbackUrl", {"cnamCallbackUrl": "https://example.com/cnam"}, None),
    ("cnamCallbackMethod", {"cnamCallbackMethod": "GET"}, None),
    (
        "callerReputation",
        {"callerReputation": "enabled", "profileUuid": PROFILE},
        {"caller_reputation_status": "PENDING", "profile_uuid": PROFILE},
    ),
    ("profileUuid", {"profileUuid": PROFILE}, {"profile_uuid": PROFILE}),
    ("callerReputationCallbackUrl", {"callerReputationCallbackUrl": "https://example.com/rep"}, None),
    ("callerReputationCallbackMethod", {"callerReputationCallbackMethod": "POST"}, None),
]
# What lib/rest/axios.js maps each status to.
DOCUMENTED_ERRORS = {
    400: "InvalidRequestError",
    401: "AuthenticationError",
    404: "ResourceNotFoundError",
    429: "Error",
    500: "ServerError",
}
ABSENT = "19999999999"
TRANSPORT = "any call"


@dataclass(frozen=True)
class Step:
    """One driver step and how to record it."""

    name: str
    call: str
    method: str
    label: str
    args: dict[str, Any] = field(default_factory=dict)
    expected: tuple[str, ...] = ()

    def plan(self) -> dict[str, Any]:
        return {"name": self.name, "call": self.call, **self.args}


@dataclass
class NodeSession:
    """A driver run against one emulator: results and recorded exchanges by step name."""

    served: Served
    run: NodeRun
    numbers: list[dict[str, Any]]
    exchanges: dict[str, Exchange]
    steps: dict[str, Step]

    def __getitem__(self, name: str) -> tuple[NodeResult, Exchange]:
        return self.run[name], self.exchanges[name]


def observe(run: SdkRun, method: str, signature: str, evidence: str) -> ObservedFinding:
    return observe_finding(run, SDK, method, signature, evidence)


def outcome(result: NodeResult) -> str:
    if not result.ok:
        error = result.error or {}
        return f"rejected {error.get('class')} status={error.get('status')}: {error.get('message')}"[:240]
    value = result.value or {}
    if "objects" in value:
        return f"{value['class']} of {len(value['objects'])} {'/'.join(value['objectClasses']) or '-'}"
    if "pages" in value:
        return f"{len(value['pages'])} pages, {sum(p['count'] for p in value['pages'])} numbers"
    return f"{value.get('class')} {json.dumps(value.get('object'))[:160]}"


def run_steps(node: NodeSdk, sdk_run: SdkRun, running: Served, steps: list[Step]) -> NodeSession:
    numbers = inventory(running)
    result = node.run(running, [step.plan() for step in steps])
    exchanges = {
        step.name: sdk_run.record(
            SDK,
            step.method,
            step.label,
            result[step.name].requests,
            outcome(result[step.name]),
            step.expected,
        )
        for step in steps
    }
    for step in steps:
        # The get a resource.* step makes first is checked like any other get.
        fetched = result.by_label.get(step.name + GET_SUFFIX)
        if fetched:
            number = step.args["number"]
            exchanges[step.name + GET_SUFFIX] = sdk_run.record(
                SDK, "numbers.get", f"numbers.get({number!r})  # for {step.label}", fetched, "NumberResource"
            )
    unlabelled = [label for label in result.by_label if label not in exchanges]
    assert not unlabelled, f"requests outside any step: {unlabelled}"
    return NodeSession(running, result, numbers, exchanges, {s.name: s for s in steps})


def filter_value(running: Served, name: str, value: Any) -> Any:
    return value_from(running, name) if value is None else value


def list_step(running: Served, name: str, filters: dict[str, Any], expected: tuple[str, ...] = ()) -> Step:
    params = {JSDOC_FILTERS[k]: filter_value(running, k, v) for k, v in filters.items()}
    if "subAccount" in params and params["subAccount"] is None:
        params["subAccount"] = running.demo.subaccounts[0][0]
    shown = ", ".join(f"{k}: {v!r}" for k, v in params.items())
    return Step(name, "list", "numbers.list", f"numbers.list({{{shown}}})", {"params": params}, expected)


def main_plan(running: Served) -> list[Step]:
    numbers = inventory(running)
    steps = [list_step(running, "list", {})]
    steps += [list_step(running, f"list {case_id(c)}", {c[0]: c[1]}) for c in NODE_FILTER_CASES]
    steps += [list_step(running, f"combo {'+'.join(c)}", c) for c in COMBINATIONS]
    steps += [
        Step(
            f"paginate {limit}",
            "paginate",
            "numbers.list",
            f"numbers.list({{limit: {limit}}}) to the end",
            {"params": {"limit": limit}},
        )
        for limit in (20, 7)
    ]
    picks = {n["number_type"]: n["number"] for n in numbers}
    picks["subaccount"] = next(n["number"] for n in numbers if n.get("sub_account"))
    steps += [
        Step(f"get {label}", "get", "numbers.get", f"numbers.get({number!r})  # {label}", {"number": number})
        for label, number in picks.items()
    ]
    targets = updatable(running)
    for index, (label, params, _) in enumerate(UPDATES):
        number = targets[10 + index]["number"]
        params = {k: (running.demo.subaccounts[1][0] if v is None else v) for k, v in params.items()}
        shown = ", ".join(f"{k}: {v!r}" for k, v in params.items())
        steps.append(
            Step(
                f"update {label}",
                "update",
                "numbers.update",
                f"numbers.update({number!r}, {{{shown}}})",
                {"number": number, "params": params},
            )
        )
        steps.append(
            Step(f"after {label}", "get", "numbers.get", f"numbers.get({number!r})", {"number": number})
        )
    through = targets[len(UPDATES) + 10]["number"]
    steps += [
        Step(
            "resource update",
            "resource.update",
            "NumberResource.update",
            f"numbers.get({through!r}).update({through!r}, {{alias: 'Lobby'}})",
            {"number": through, "params": {"alias": "Lobby"}},
        ),
        Step("after resource update", "get", "numbers.get", f"numbers.get({through!r})", {"number": through}),
    ]
    gone, also_gone = numbers[-1]["number"], numbers[-2]["number"]
    steps += [
        Step("unrent", "unrent", "numbers.unrent", f"numbers.unrent({gone!r})", {"number": gone}),
        Step("after unrent", "get", "numbers.get", f"numbers.get({gone!r}) after unrent", {"number": gone}),
        Step(
            "resource unrent",
            "resource.unrent",
            "NumberResource.unrent",
            f"numbers.get({also_gone!r}).unrent({also_gone!r})",
            {"number": also_gone},
        ),
        Step(
            "after resource unrent",
            "get",
            "numbers.get",
            f"numbers.get({also_gone!r}) after unrent",
            {"number": also_gone},
        ),
    ]
    wrong = {"auth": {"auth_id": running.auth_id, "auth_token": "not-the-token"}}
    steps += [
        list_step(running, "400 list", {"limit": 50}, expected=("query.limit",)),
        Step("401 list", "list", "numbers.list", "numbers.list() with a wrong auth token", wrong, ("auth",)),
        Step(
            "401 get",
            "get",
            "numbers.get",
            f"numbers.get({numbers[0]['number']!r}) with a wrong auth token",
            {**wrong, "number": numbers[0]["number"]},
            ("auth",),
        ),
        Step("404 get", "get", "numbers.get", f"numbers.get({ABSENT!r})", {"number": ABSENT}),
        Step(
            "404 update",
            "update",
            "numbers.update",
            f"numbers.update({ABSENT!r}, {{alias: 'x'}})",
            {"number": ABSENT, "params": {"alias": "x"}},
        ),
        Step("404 unrent", "unrent", "numbers.unrent", f"numbers.unrent({ABSENT!r})", {"number": ABSENT}),
    ]
    return steps


@pytest.fixture(scope="module")
def node(node_sdk: NodeSdk, sdk_run: SdkRun) -> Iterator[NodeSession]:
    with served() as running:
        yield run_steps(node_sdk, sdk_run, running, main_plan(running))


@pytest.fixture(scope="module")
def node_faults(node_sdk: NodeSdk, sdk_run: SdkRun) -> dict[int, NodeSession]:
    sessions: dict[int, NodeSession] = {}
    with served(numbers=30, faults=Faults(rate_limit=1, rate_window=60.0)) as limited:
        number = inventory(limited)[0]["number"]
        sessions[429] = run_steps(
            node_sdk,
            sdk_run,
            limited,
            [
                Step("warm-up", "list", "numbers.list", "numbers.list() (the window's one request)"),
                Step("429 list", "list", "numbers.list", "numbers.list() over the rate limit"),
                Step(
                    "429 get",
                    "get",
                    "numbers.get",
                    f"numbers.get({number!r}) over the rate limit",
                    {"number": number},
                ),
            ],
        )
    with served(numbers=30, faults=Faults(error_rate=1.0, error_statuses=(500,))) as failing:
        number = inventory(failing)[0]["number"]
        sessions[500] = run_steps(
            node_sdk,
            sdk_run,
            failing,
            [
                Step("500 list", "list", "numbers.list", "numbers.list() on a failing server"),
                Step(
                    "500 get",
                    "get",
                    "numbers.get",
                    f"numbers.get({number!r}) on a failing server",
                    {"number": number},
                ),
                Step(
                    "500 update",
                    "update",
                    "numbers.update",
                    f"numbers.update({number!r}, {{alias: 'x'}})",
                    {"number": number, "params": {"alias": "x"}},
                ),
            ],
        )
    return sessions


def unreachable(node_object: dict[str, Any], raw: dict[str, Any]) -> list[str]:
    """Keys of the raw JSON object that the SDK's object does not carry, camel-cased, with the same value."""
    missing = object()
    return [key for key, value in raw.items() if node_object.get(camel_case(key), missing) != value]


def assert_list_parses(result: NodeResult, raw: dict[str, Any]) -> None:
    value = result.value
    assert value["isArray"], "list resolves to an array of NumberResource"
    assert unreachable(value["meta"], raw["meta"]) == []
    assert len(value["objects"]) == len(raw["objects"])
    if raw["objects"]:
        assert value["objectClasses"] == ["NumberResource"]
    for node_object, raw_object in zip(value["objects"], raw["objects"], strict=True):
        assert unreachable(node_object, raw_object) == [], raw_object["number"]
        assert node_object["id"] == raw_object["number"]


# --- the SDK itself ---------------------------------------------------------------------------------


def test_the_pinned_sdk_is_the_one_installed(node: NodeSession, pytestconfig: pytest.Config) -> None:
    pinned = pinned_version(Path(pytestconfig.rootpath))
    assert node.run.version == pinned, (
        f"node_modules has plivo {node.run.version} but package.json pins {pinned}: run `make node-tools`"
    )


def test_the_driver_never_prints_the_token(node: NodeSession, node_faults: dict[int, NodeSession]) -> None:
    for session in (node, *node_faults.values()):
        assert session.served.demo.auth_token not in session.run.stdout
    assert "not-the-token" not in node.run.stdout


def test_every_step_sent_its_requests(node: NodeSession) -> None:
    for name, result in node.run.results.items():
        assert result.requests, f"step {name!r} sent nothing the recorder saw"
        assert all(r.step == name for r in result.requests)
        assert all(r.auth.user == node.served.auth_id for r in result.requests)
    recorded = sum(len(requests) for requests in node.run.by_label.values())
    logged = [r.path for r in node.served.app.state.request_log]
    assert not [p for p in logged if p.startswith("/__sdkcheck")], "step markers never reach the emulator"
    assert len(logged) == recorded


def test_list_without_filters(node: NodeSession) -> None:
    result, exchange = node["list"]
    assert_clean(exchange)
    assert result.ok, result.error
    [request] = exchange.requests
    assert request.query == "", "the Node SDK sends no default page parameters"
    raw = exchange.response_json()
    assert_list_parses(result, raw)
    assert raw["meta"]["total_count"] == len(node.numbers)


@pytest.mark.parametrize("case", NODE_FILTER_CASES, ids=case_id)
def test_list_with_each_filter(node: NodeSession, case: tuple[str, Any]) -> None:
    name, value = case
    result, exchange = node[f"list {case_id(case)}"]
    assert_clean(exchange)
    [request] = exchange.requests
    sent = dict(part.split("=", 1) for part in request.query.split("&") if part)
    assert name in sent, f"{JSDOC_FILTERS[name]} should go out as {name}: {request.query}"
    if not result.ok:
        # The contract refuses what the SDK's JSDoc told the user to send: a reviewed finding.
        assert exchange.checks[0].verdict == "does not conform"
        assert request.status == 400
        return
    raw = exchange.response_json()
    assert_list_parses(result, raw)
    assert raw["objects"], f"{name}={value!r} should select numbers of the seeded inventory"
    wanted = node.steps[f"list {case_id(case)}"].args["params"][JSDOC_FILTERS[name]]
    assert [o["number"] for o in raw["objects"] if not selects(name, wanted)(o)] == []


@pytest.mark.parametrize("combination", COMBINATIONS, ids=lambda c: "+".join(c))
def test_list_with_filter_combinations(node: NodeSession, combination: dict[str, Any]) -> None:
    result, exchange = node[f"combo {'+'.join(combination)}"]
    assert_clean(exchange)
    assert result.ok, result.error
    raw = exchange.response_json()
    assert_list_parses(result, raw)
    sent = node.steps[f"combo {'+'.join(combination)}"].args["params"]
    params = {k: sent[JSDOC_FILTERS[k]] for k in combination}
    bad = [o["number"] for o in raw["objects"] if not all(selects(k, v)(o) for k, v in params.items())]
    assert bad == []


@pytest.mark.parametrize("limit", [20, 7])
def test_pagination_to_the_end(node: NodeSession, limit: int) -> None:
    result, exchange = node[f"paginate {limit}"]
    assert_clean(exchange)
    assert result.ok, result.error
    walked = [number for page in result.value["pages"] for number in page["numbers"]]
    assert walked == [n["number"] for n in node.numbers]
    assert len(exchange.requests) == -(-len(node.numbers) // limit)
    covered: set[str] = set()
    for index in range(len(exchange.checks)):
        for raw_object in exchange.response_json(index)["objects"]:
            covered |= set(raw_object)
    assert set(documented_properties()) <= covered


def test_get(node: NodeSession) -> None:
    for name in [n for n in node.steps if n.startswith("get ")]:
        result, exchange = node[name]
        assert_clean(exchange)
        assert result.ok, result.error
        raw = exchange.response_json()
        assert result.value["class"] == "NumberResource"
        assert unreachable(result.value["object"], raw) == []
        assert result.value["object"]["id"] == raw["number"]


@pytest.mark.parametrize("update", UPDATES, ids=[u[0] for u in UPDATES])
def test_update_with_each_field(node: NodeSession, update: tuple[str, dict[str, Any], Any]) -> None:
    label, params, visible = update
    result, exchange = node[f"update {label}"]
    assert_clean(exchange)
    assert result.ok, result.error
    [request] = exchange.requests
    assert request.status == 202
    body = json.loads(request.body)
    for key in params:
        wire = "subaccount" if key == "subAccount" else _snake(key)
        assert wire in body, f"{key} should go out as {wire}: {body}"
    assert result.value["class"] == "UpdateNumberResponse"
    raw = exchange.response_json()
    assert result.value["object"] == {"apiId": raw["api_id"], "message": raw["message"]}
    after, after_exchange = node[f"after {label}"]
    assert after.ok, after.error
    assert_clean(after_exchange)
    shown = after_exchange.response_json()
    if label == "subAccount":
        visible = {"sub_account": node.served.demo.subaccounts[1][0]}
    if label == "appId":
        assert shown["application"].endswith("/Application/12345678901234567/")
    for key, value in (visible or {}).items():
        assert shown[key] == value, f"{label} was not applied: {key}={shown[key]!r}"


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


@pytest.mark.parametrize("step", ["unrent", "resource unrent"])
def test_unrent(node: NodeSession, step: str) -> None:
    result, exchange = node[step]
    assert_clean(exchange)
    assert result.ok, result.error
    assert result.value["object"] is True
    assert [r.status for r in exchange.requests] == [204]
    assert [r.method for r in exchange.requests] == ["DELETE"]
    after, after_exchange = node[f"after {step}"]
    assert not after.ok
    assert [r.status for r in after_exchange.requests] == [404]


def test_update_through_the_number_resource(node: NodeSession) -> None:
    result, exchange = node["resource update"]
    assert_clean(exchange)
    assert result.ok, result.error
    assert result.value["resourceClass"] == "NumberResource"
    assert [(r.method, json.loads(r.body)) for r in exchange.requests] == [("POST", {"alias": "Lobby"})]
    assert result.value["class"] == "UpdateNumberResponse"
    assert_clean(node.exchanges["resource update" + GET_SUFFIX])
    after, after_exchange = node["after resource update"]
    assert after.ok, after.error
    assert after_exchange.response_json()["alias"] == "Lobby"


# --- errors --------------------------------------------------------------------------------------


def check_errors(run: SdkRun, session: NodeSession, status: int, names: list[str]) -> None:
    documented = DOCUMENTED_ERRORS[status]
    found = []
    for name in names:
        result, exchange = session[name]
        assert_clean(exchange)
        assert [r.status for r in exchange.requests] == [status], exchange.requests
        assert not result.ok, f"{name}: a {status} answer must reject"
        error = result.error or {}
        assert session.served.demo.auth_token not in json.dumps(error)
        # Every call rejects through the same code (lib/rest/axios.js), so these are findings of the
        # transport, not of one method.
        method = TRANSPORT
        if documented not in error.get("instanceOf", []):
            found.append(
                observe(
                    run,
                    method,
                    f"behaviour status-{status}-not-instanceof {documented}",
                    f"{exchange.call} answered {status}; rejected with a {error.get('class')} that is an "
                    f"instance of {error.get('instanceOf')}, not of the SDK's {documented}",
                )
            )
        api_error = exchange.response_json().get("error")
        lacks = [k for k, v in (("status", status), ("message", api_error)) if error.get(k) != v]
        if lacks:
            found.append(
                observe(
                    run,
                    method,
                    f"behaviour status-{status}-error-lacks {','.join(lacks)}",
                    f"{exchange.call} answered {status} {api_error!r}; the rejection has status="
                    f"{error.get('status')!r}, message={error.get('message')!r}",
                )
            )
    assert_known(run, *found)


def test_400_rejects_with_invalid_request_error(node: NodeSession, sdk_run: SdkRun) -> None:
    check_errors(sdk_run, node, 400, ["400 list"])


def test_401_rejects_with_authentication_error(node: NodeSession, sdk_run: SdkRun) -> None:
    check_errors(sdk_run, node, 401, ["401 list", "401 get"])


def test_404_rejects_with_resource_not_found(node: NodeSession, sdk_run: SdkRun) -> None:
    check_errors(sdk_run, node, 404, ["404 get", "404 update", "404 unrent"])


def test_429_rejects_with_error(node_faults: dict[int, NodeSession], sdk_run: SdkRun) -> None:
    warm, _ = node_faults[429]["warm-up"]
    assert warm.ok
    check_errors(sdk_run, node_faults[429], 429, ["429 list", "429 get"])


def test_500_rejects_with_server_error(node_faults: dict[int, NodeSession], sdk_run: SdkRun) -> None:
    check_errors(sdk_run, node_faults[500], 500, ["500 list", "500 get", "500 update"])
