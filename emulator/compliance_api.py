"""The 14 read operations of ``openapi/compliance.yaml`` as Starlette endpoints.

Same conventions as the Number API (emulator.api): checks in the order method (405 with
Allow), credentials and path auth_id (401, the Number API's own authentication), query
(400, validated from the spec's parameters by emulator.validation), then the id (404);
every error is Plivo's ``{"api_id", "error"}``. Paths are served with and without the
trailing slash.

Parameters are read at the tolerant level whatever the emulator's ``--level``: the
pagination and filters of the profile, compliance application and phone number
compliance lists are known only from the SDKs (``x-observed-parameters``), and a list
that ignored them would page wrongly for every real client. Lists page with
``limit``/``offset`` and answer ``meta`` (limit, next, offset, previous, total_count, the
toll-free page's example); a campaign's number list is not paginated (the page: "No
arguments need to be passed."; SDKs' limit/offset are accepted and not applied). The
toll-free list serves every request when no ``created`` filter is given: Plivo's
seven-day default window would make a fixed demo depend on today's date.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

import openapi

from .accounts import Principal
from .api import NumberApi, page_meta
from .compliance import EXPAND, ComplianceGraph, ComplianceStore, Obj
from .errors import ApiError, SafeJSONResponse, new_api_id
from .validation import ParameterSet, query_pairs

__all__ = ["OPERATIONS", "ComplianceApi", "routes"]

DEFAULT_LIMIT = 20
Predicate = Callable[[Obj, str], bool]


def _equals(key: str) -> Predicate:
    return lambda obj, value: obj.get(key) == value


def _same_word(key: str) -> Predicate:
    # The campaign filter's documented values are title case, the object's upper case (C4).
    return lambda obj, value: str(obj.get(key, "")).upper() == value.upper()


def _digits(key: str) -> Predicate:
    return lambda obj, value: str(obj.get(key, "")).lstrip("+") == value.lstrip("+")


def _created(op: str) -> Predicate:
    compare: dict[str, Callable[[str, str], bool]] = {
        "eq": lambda a, b: a == b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    # The filters take YYYY-MM-DD; the object's created is a timestamp: compare its date.
    return lambda obj, value: compare[op](str(obj.get("created") or obj.get("created_at") or "")[:10], value)


@dataclass(frozen=True)
class Operation:
    """One read operation: its path under the account, what it serves and how it filters."""

    operation_id: str
    path: str
    resource: str
    kind: str  # "list", "get", "campaign_numbers", "campaign_number"
    envelope: str = ""  # a list's array key, or the key a get wraps its object in ("" unwrapped)
    filters: Mapping[str, Predicate] = field(default_factory=dict)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "listBrands",
        "10dlc/Brand/",
        "brands",
        "list",
        "brands",
        {
            "registration_status": _equals("registration_status"),
            "status": _equals("registration_status"),  # plivo-python/ruby/go's name (C1)
            "type": _equals("brand_type"),
        },
    ),
    Operation("getBrand", "10dlc/Brand/{id}/", "brands", "get", "brand"),
    Operation(
        "listCampaigns",
        "10dlc/Campaign/",
        "campaigns",
        "list",
        "campaigns",
        {
            "usecase": _equals("usecase"),
            "brand_id": _equals("brand_id"),
            "registration_status": _same_word("registration_status"),
            "campaign_source": _equals("campaign_source"),
        },
    ),
    Operation("getCampaign", "10dlc/Campaign/{id}/", "campaigns", "get", "campaign"),
    Operation("listCampaignNumbers", "10dlc/Campaign/{id}/Number/", "campaigns", "campaign_numbers"),
    Operation("getCampaignNumber", "10dlc/Campaign/{id}/Number/{number}/", "campaigns", "campaign_number"),
    Operation(
        "listProfiles",
        "Profile/",
        "profiles",
        "list",
        "profiles",
        {
            "type": _equals("profile_type"),
            "entity_type": _equals("entity_type"),
            "vertical": _equals("vertical"),
        },
    ),
    Operation("getProfile", "Profile/{id}/", "profiles", "get", "profile"),
    Operation(
        "listTollfreeVerifications",
        "TollfreeVerification/",
        "tollfree_verifications",
        "list",
        "objects",
        {
            "number": _digits("number"),
            "status": _equals("status"),
            "profile_uuid": _equals("profile_uuid"),
            "usecase": _equals("usecase"),
            "created": _created("eq"),
            "created__gt": _created("gt"),
            "created__gte": _created("gte"),
            "created__lt": _created("lt"),
            "created__lte": _created("lte"),
        },
    ),
    Operation("getTollfreeVerification", "TollfreeVerification/{id}/", "tollfree_verifications", "get"),
    Operation(
        "listComplianceApplications",
        "ComplianceApplication/",
        "compliance_applications",
        "list",
        "objects",
        {
            name: _equals(key)
            for name, key in (
                ("status", "status"),
                ("end_user_type", "end_user_type"),
                ("number_type", "number_type"),
                ("country_iso2", "country_iso2"),
                ("country", "country_iso2"),  # plivo-go's name (C17)
                ("alias", "alias"),
                ("end_user_id", "end_user_id"),
            )
        },
    ),
    Operation("getComplianceApplication", "ComplianceApplication/{id}/", "compliance_applications", "get"),
    Operation(
        "listPhoneNumberCompliances",
        "PhoneNumber/Compliance/",
        "phone_number_compliances",
        "list",
        "compliances",
        {name: _equals(name) for name in ("status", "country_iso", "number_type", "user_type", "alias")},
    ),
    Operation(
        "getPhoneNumberCompliance",
        "PhoneNumber/Compliance/{id}/",
        "phone_number_compliances",
        "get",
        "compliance",
    ),
)


def _resolve(node: Any, spec: Mapping[str, Any]) -> Any:
    if isinstance(node, list):
        return [_resolve(item, spec) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part]
        return _resolve(target, spec)
    return {key: _resolve(value, spec) for key, value in node.items()}


def _query_rules() -> dict[str, ParameterSet]:
    """Each operation's query parameters (tolerant level: the SDK-only ones included)."""
    spec = openapi.load_compliance_spec("tolerant")
    rules = {}
    for item in spec["paths"].values():
        for method, op in item.items():
            if method == "get" and isinstance(op, dict):
                params = _resolve([*item.get("parameters", []), *op.get("parameters", [])], spec)
                rules[op["operationId"]] = ParameterSet([p for p in params if p["in"] == "query"])
    return rules


def _strip_expand(obj: Obj, expand: str | None) -> Obj:
    wanted = {part.strip() for part in (expand or "").split(",")}
    return {k: v for k, v in obj.items() if k not in EXPAND or k in wanted}


class ComplianceApi:
    """Handlers bound to the compliance store, authenticating through the Number API's rules."""

    LIST_CACHE = 64

    def __init__(self, store: ComplianceStore, numbers: NumberApi) -> None:
        self.store = store
        self.numbers = numbers
        self.rules = _query_rules()
        # The objects matching one list request's filters, per (account, operation, filters).
        # The store is read-only once built, so an entry never goes stale. Without it every
        # page copied and filtered the whole list: a list of n objects cost O(n^2 / limit), and
        # at a million numbers (58,286 toll-free requests) the audit's graph reads waited 125 s.
        self._matches: OrderedDict[tuple[Any, ...], list[Obj]] = OrderedDict()

    def __repr__(self) -> str:
        return f"<ComplianceApi {self.store!r}>"

    async def dispatch(self, request: Request, operation: Operation) -> Response:
        try:
            if request.method != "GET":
                raise ApiError(405, f"method {request.method} not allowed", {"Allow": "GET"})
            principal: Principal = self.numbers._authenticate(request)
            query = self.rules[operation.operation_id].parse(
                query_pairs(request.scope.get("query_string", b""))
            )
            graph = self.store.graph(principal.main_auth_id)
            return self._answer(operation, graph, principal, request.path_params, query)
        except ApiError as exc:
            return exc.response()

    def _answer(
        self,
        operation: Operation,
        graph: ComplianceGraph,
        principal: Principal,
        path: Mapping[str, str],
        query: dict[str, Any],
    ) -> Response:
        objects = graph.resource(operation.resource)
        if operation.kind == "list":
            return self._list(operation, objects, principal, query)
        ident = path["id"]
        found = objects.get(ident)
        if found is None:
            raise ApiError(404, "not found")
        if operation.kind == "get":
            obj = _strip_expand(found, query.get("expand"))
            body = {operation.envelope: obj} if operation.envelope else dict(obj)
            return SafeJSONResponse({"api_id": new_api_id(), **body})
        links = graph.campaign_numbers.get(ident, [])
        if operation.kind == "campaign_number":
            asked = path["number"].lstrip("+")
            links = [link for link in links if str(link["number"]).lstrip("+") == asked]
            if not links:
                raise ApiError(404, f"The number {asked} is not linked to this campaign")
        summary: dict[str, int] = {}
        for link in links:
            summary[link["status"]] = summary.get(link["status"], 0) + 1
        return SafeJSONResponse(
            {
                "api_id": new_api_id(),
                "campaign_id": ident,
                "campaign_alias": found.get("campaign_alias", ""),
                "usecase": found.get("usecase", ""),
                "phone_numbers": [dict(link) for link in links],
                "phone_numbers_summary": summary,
            }
        )

    def _list(
        self, operation: Operation, objects: Mapping[str, Obj], principal: Principal, query: dict[str, Any]
    ) -> Response:
        limit = int(query.get("limit", DEFAULT_LIMIT))
        offset = int(query.get("offset", 0))
        given = {name: str(query[name]) for name in operation.filters if name in query}
        key = (principal.main_auth_id, operation.operation_id, tuple(given.items()))
        matching = self._matches.get(key)
        if matching is None:
            matching = [
                obj for obj in objects.values() if all(operation.filters[n](obj, v) for n, v in given.items())
            ]
            self._matches[key] = matching
            if len(self._matches) > self.LIST_CACHE:
                self._matches.popitem(last=False)
        else:
            self._matches.move_to_end(key)
        total = len(matching)
        page = [_strip_expand(obj, query.get("expand")) for obj in matching[offset : offset + limit]]
        base = f"/v1/Account/{principal.auth_id}/{operation.path}"
        kept: list[tuple[str, Any]] = list(given.items())
        if "expand" in query:
            kept.append(("expand", str(query["expand"])))
        meta = page_meta(base, limit, offset, total, kept)
        return SafeJSONResponse({"api_id": new_api_id(), "meta": meta, operation.envelope: page})


class _Endpoint:
    """An ASGI endpoint for one operation; every method reaches it (undeclared ones get 405)."""

    def __init__(self, api: ComplianceApi, operation: Operation) -> None:
        self.api = api
        self.operation = operation

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.api.dispatch(Request(scope, receive), self.operation)
        await response(scope, receive, send)

    def __repr__(self) -> str:
        return f"<ComplianceEndpoint {self.operation.operation_id}>"


def routes(api: ComplianceApi) -> list[Route]:
    """Both path forms (with and without the trailing slash) of every operation."""
    found = []
    for operation in OPERATIONS:
        path = "/v1/Account/{auth_id}/" + operation.path
        endpoint = _Endpoint(api, operation)
        found.append(Route(path, endpoint))
        found.append(Route(path.rstrip("/"), endpoint))
    return found
