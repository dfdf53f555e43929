"""The four Number API operations as Starlette endpoints, plus 404/405 answers.

Order of checks on every request: method (405), credentials (401), path auth_id
(401), parameters and body (400), the number (404). Paths are served with or
without the trailing slash Plivo documents (said in --help): the official SDKs always
send it, and refusing the other form would only hide the emulator's real answers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from openapi.operations import GET, LIST, UNRENT, UPDATE

from . import updates
from .accounts import Directory, Principal, basic_credentials
from .errors import ApiError, SafeJSONResponse, error_response, new_api_id
from .filters import FilterRule, ListFilter
from .store import NumberStore
from .validation import OperationRules, query_pairs

LIST_PATH = "/v1/Account/{auth_id}/Number/"


def page_meta(base: str, limit: int, offset: int, total: int, kept: list[tuple[str, Any]]) -> dict[str, Any]:
    """A list page's ``meta``: ``next``/``previous`` as paths that keep the page's filters.

    Every list the emulator serves (numbers and the compliance objects) pages alike, as
    Plivo's do, so one function writes them.
    """

    def link(to: int) -> str:
        return base + "?" + urlencode([("limit", limit), ("offset", to), *kept])

    return {
        "limit": limit,
        "next": link(offset + limit) if offset + limit < total else None,
        "offset": offset,
        "previous": link(max(offset - limit, 0)) if offset > 0 else None,
        "total_count": total,
    }


HANDLERS = {
    LIST: "list_numbers",
    GET: "get_number",
    UPDATE: "update_number",
    UNRENT: "unrent_number",
}


class NumberApi:
    """Handlers bound to one emulator's directory, store and validation rules."""

    def __init__(
        self,
        directory: Directory,
        store: NumberStore,
        rules: dict[str, OperationRules],
        filter_rules: dict[str, FilterRule],
    ) -> None:
        self.directory = directory
        self.store = store
        self.rules = rules
        self.filter_rules = filter_rules
        self.collection_methods = {rules[LIST].method: LIST}
        self.item_methods = {rules[op].method: op for op in (GET, UPDATE, UNRENT)}

    def __repr__(self) -> str:
        return f"<NumberApi {self.store!r}>"

    async def collection(self, request: Request) -> Response:
        return await self._dispatch(request, self.collection_methods)

    async def item(self, request: Request) -> Response:
        return await self._dispatch(request, self.item_methods)

    async def _dispatch(self, request: Request, methods: dict[str, str]) -> Response:
        try:
            operation = methods.get(request.method)
            if operation is None:
                allowed = ", ".join(sorted(methods))
                raise ApiError(405, f"method {request.method} not allowed", {"Allow": allowed})
            principal = self._authenticate(request)
            handler = getattr(self, HANDLERS[operation])
            response: Response = await handler(request, principal)
            return response
        except ApiError as exc:
            return exc.response()

    def _authenticate(self, request: Request) -> Principal:
        headers = request.headers.getlist("authorization")
        if not headers or not headers[0]:
            raise ApiError(401, "authentication credentials were not provided")
        # Two Authorization headers: which one speaks for the client is a guess.
        credentials = basic_credentials(headers[0]) if len(headers) == 1 else None
        if credentials is None:
            raise ApiError(
                401, "authentication credentials are malformed: use HTTP Basic with auth_id:auth_token"
            )
        auth_id, token = credentials
        principal = self.directory.authenticate(auth_id, token)
        if principal is None:
            raise ApiError(401, "authentication failed: unknown auth_id or wrong auth_token")
        path_id = request.path_params["auth_id"]
        if path_id != principal.auth_id:
            raise ApiError(401, f"the auth_id in the path is not the authenticated one ({principal.auth_id})")
        return principal

    def _path(self, request: Request, operation: str) -> dict[str, Any]:
        return self.rules[operation].path_params.parse(request.path_params)

    def _query(self, request: Request, operation: str) -> dict[str, Any]:
        # From the raw query string, not Starlette's query_params, which would silently
        # replace undecodable text and keep only one of a repeated parameter.
        return self.rules[operation].query.parse(query_pairs(request.scope.get("query_string", b"")))

    async def list_numbers(self, request: Request, principal: Principal) -> Response:
        self._path(request, LIST)
        params = self._query(request, LIST)
        limit, offset = params["limit"], params["offset"]
        number_filter = ListFilter(self.filter_rules, params)
        total, objects = self.store.page(principal, number_filter, offset, limit)
        base = LIST_PATH.format(auth_id=principal.auth_id)
        meta = page_meta(base, limit, offset, total, list(number_filter.params.items()))
        return SafeJSONResponse({"api_id": new_api_id(), "meta": meta, "objects": objects})

    async def get_number(self, request: Request, principal: Principal) -> Response:
        number = self._path(request, GET)["number"]
        self._query(request, GET)
        fields = self.store.get(principal, number)
        if fields is None:
            raise ApiError(404, "not found")
        return SafeJSONResponse({"api_id": new_api_id(), **fields})

    async def update_number(self, request: Request, principal: Principal) -> Response:
        number = self._path(request, UPDATE)["number"]
        self._query(request, UPDATE)
        body_rules = self.rules[UPDATE].body
        assert body_rules is not None  # the spec declares updateNumber's body
        body = body_rules.parse(request.headers.get("content-type"), await request.body())
        account = self.directory.account(principal.main_auth_id)
        if self.store.modify(principal, number, updates.plan(body, account, principal)) is None:
            raise ApiError(404, "not found")
        return SafeJSONResponse({"message": "changed", "api_id": new_api_id()}, status_code=202)

    async def unrent_number(self, request: Request, principal: Principal) -> Response:
        number = self._path(request, UNRENT)["number"]
        self._query(request, UNRENT)
        if not self.store.unrent(principal, number):
            raise ApiError(404, "not found")
        return Response(status_code=204)


async def not_found(request: Request, exc: Exception) -> Response:
    # The scope's path, not request.url: building a URL parses the Host header, which a
    # client may have filled with anything.
    return error_response(404, f"not found: no resource at {request.scope.get('path', '')}")


async def server_error(request: Request, exc: Exception) -> Response:
    return error_response(500, "internal server error")
