"""The compliance graph: the objects an inventory's numbers point to, each read once.

A number object is a set of pointers (``tendlc_campaign_id``, ``profile_uuid``,
``toll_free_sms_verification_id``, ``compliance_application_id``; ``x-number-pointers`` in
``openapi/compliance.yaml``). The rules that follow them (audits/rules/graph_rules.py) need
the object behind each pointer; this module reads them after the number crawl, politely:

* **Once per object.** Every object is kept by its id; nothing is read twice.
* **Lists before gets.** 100,000 numbers may point to 1,000 campaigns: reading each by id
  would cost a request per distinct id, crawling the list a request per 20 objects. Page
  one of a list tells its ``total_count`` (where the API gives one); when the ids still
  missing are fewer than the pages left, they are read by id instead, so a small account
  costs a few gets and a large one a few percent of the number crawl.
* **Ids the list did not show are read by id**: a 404 there proves the number points to
  nothing (a dangling reference); an object found is kept like a listed one. This also
  covers the toll-free list's date window ("The default search window is seven days. The
  maximum search window is 30 days."): the list is walked back in 30-day windows only while
  that is cheaper than reading the remaining ids one by one.
* **The same rate budget.** Every request takes a slot of the number crawl's own pacer (the
  same instance: one budget per account), and is bounded (``openapi.bounded``: a total
  deadline and a body cap), retried on 429/5xx/transport errors after the pacer's pause,
  never redirected, and every message kept is redacted.
* **A resource the account cannot read** (403 or 404 on its list: not enabled on the
  account; 401) is *disabled*: the rules needing it cannot run, and the audit says so
  (audits.engine, ``not_run``) instead of passing them.

``compliance_application_id`` is ambiguous in Plivo's sources (C18 in
openapi/COMPLIANCE-SOURCES.md): it may name a regulatory ComplianceApplication or a Phone
Number Compliance record. Both are tried, ComplianceApplication first.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import json
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from audits.inventory import RETRYABLE_STATUS, USER_AGENT, CrawlSettings
from audits.model import NumberRecord, json_type
from openapi.bounded import BodyTooLarge, DeadlineExceeded, Limits, send_async
from openapi.pacing import Pacer
from openapi.retry_after import retry_after as _retry_after

__all__ = [
    "BRANDS",
    "CAMPAIGNS",
    "COMPLIANCE_APPLICATIONS",
    "PHONE_NUMBER_COMPLIANCES",
    "PROFILES",
    "RESOURCES",
    "TOLLFREE_VERIFICATIONS",
    "Graph",
    "GraphStats",
    "Lookup",
    "Resource",
    "State",
    "read_graph",
]

PAGE_SIZE = 20
"""Every list's documented maximum (brands, campaigns, toll-free verifications: "up to 20")."""
TF_WINDOW_DAYS = 30
"""The toll-free list's widest search window ("The maximum search window is 30 days.")."""
TF_FLOOR = dt.date(2022, 1, 1)
"""No toll-free verification request is older: windows are not walked back past it."""
QUOTED_CHARS = 200
IN_FLIGHT = 2
"""Graph requests in flight at once (retries included). Two keep about 40 requests/s at 50 ms
latency, and the graph of 100,000 numbers is a few hundred requests; more in flight would only
collide on a 429, which holds the whole account (the number crawl's workers included).
Against a server that allows 5 requests/s to a client paced at 40/s, 4 in flight gave up on an
object after six 429s in 1 run of 3, 2 in flight in none of 5."""
MAX_PAGES = 5_000
"""A list longer than this (100,000 objects) is not believed; the rest is read by id."""


@dataclass(frozen=True)
class Resource:
    """One readable resource family of openapi/compliance.yaml."""

    name: str
    """Key in the graph and in reports ("campaigns")."""
    label: str
    """What a reader calls it ("10DLC campaigns")."""
    path: str
    """List path under /v1/Account/{auth_id}/; the get path is ``path + id + "/"``."""
    list_key: str
    get_key: str | None
    """The get answer's wrapper key (``campaign``), or None when the object is the body."""
    id_key: str
    operations: tuple[str, str]
    """listX and getX operation ids of openapi/compliance.yaml."""

    def __repr__(self) -> str:
        return f"<Resource {self.name}>"


CAMPAIGNS = Resource(
    "campaigns", "10DLC campaigns", "10dlc/Campaign/", "campaigns", "campaign", "campaign_id",
    ("listCampaigns", "getCampaign"),
)  # fmt: skip
BRANDS = Resource(
    "brands", "10DLC brands", "10dlc/Brand/", "brands", "brand", "brand_id", ("listBrands", "getBrand")
)
PROFILES = Resource(
    "profiles", "business profiles", "Profile/", "profiles", "profile", "profile_uuid",
    ("listProfiles", "getProfile"),
)  # fmt: skip
TOLLFREE_VERIFICATIONS = Resource(
    "tollfree_verifications", "toll-free verification requests", "TollfreeVerification/", "objects", None,
    "uuid", ("listTollfreeVerifications", "getTollfreeVerification"),
)  # fmt: skip
COMPLIANCE_APPLICATIONS = Resource(
    "compliance_applications", "compliance applications", "ComplianceApplication/", "objects", None,
    "compliance_application_id", ("listComplianceApplications", "getComplianceApplication"),
)  # fmt: skip
PHONE_NUMBER_COMPLIANCES = Resource(
    "phone_number_compliances", "phone number compliance records", "PhoneNumber/Compliance/", "compliances",
    "compliance", "compliance_id", ("listPhoneNumberCompliances", "getPhoneNumberCompliance"),
)  # fmt: skip
RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        CAMPAIGNS,
        BRANDS,
        PROFILES,
        TOLLFREE_VERIFICATIONS,
        COMPLIANCE_APPLICATIONS,
        PHONE_NUMBER_COMPLIANCES,
    )
}

POINTERS: dict[str, tuple[str, ...]] = {
    "campaigns": ("tendlc_campaign_id",),
    "profiles": ("profile_uuid",),
    "tollfree_verifications": ("toll_free_sms_verification_id",),
    "compliance_applications": ("compliance_application_id",),
    "phone_number_compliances": ("compliance_application_id",),
}
"""Which number fields point into which resource (x-number-pointers); brands are reached from profiles."""


class State(enum.Enum):
    FOUND = "found"
    UNKNOWN = "unknown"
    """The account has no such object: its get answered 404."""
    UNREADABLE = "unreadable"
    """The object could not be read (errors after retries): nothing can be said about it."""
    DISABLED = "disabled"
    """The whole resource is refused (403/404 on its list, 401): not enabled on the account."""
    NOT_READ = "not read"
    """No rule that ran needed it."""


@dataclass(frozen=True, slots=True)
class Lookup:
    resource: str
    id: str
    state: State
    object: dict[str, Any] | None = None
    reason: str = ""

    @property
    def found(self) -> bool:
        return self.state is State.FOUND

    def __repr__(self) -> str:
        return f"<Lookup {self.resource} {self.id} {self.state.value}>"


@dataclass
class GraphStats:
    requests: Counter[str] = field(default_factory=Counter)
    """Resource -> requests sent (every attempt)."""
    list_pages: Counter[str] = field(default_factory=Counter)
    gets: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.total_requests,
            "by_resource": dict(sorted(self.requests.items())),
            "list_pages": dict(sorted(self.list_pages.items())),
            "gets": dict(sorted(self.gets.items())),
            "retries": self.retries,
            "statuses": dict(sorted(self.statuses.items())),
            "elapsed_s": round(self.elapsed_s, 3),
        }


@dataclass
class Graph:
    """What was read: objects by resource and id, ids known to be dangling, resources refused."""

    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    unknown: dict[str, set[str]] = field(default_factory=dict)
    unreadable: dict[str, dict[str, str]] = field(default_factory=dict)
    """Resource -> id -> why it could not be read."""
    disabled: dict[str, str] = field(default_factory=dict)
    """Resource -> why the whole resource could not be read."""
    read: set[str] = field(default_factory=set)
    """Resources this run tried to read (the others are NOT_READ)."""
    problems: list[str] = field(default_factory=list)
    """What makes the graph incomplete (objects that could not be read), redacted."""
    notes: list[str] = field(default_factory=list)
    stats: GraphStats = field(default_factory=GraphStats)
    brands_by_profile: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    brand_profiles_readable: bool = False
    """Every brand read names its profile_uuid, so a profile without a brand truly has none."""

    def lookup(self, resource: str, object_id: str) -> Lookup:
        if resource in self.disabled:
            return Lookup(resource, object_id, State.DISABLED, reason=self.disabled[resource])
        if resource not in self.read:
            return Lookup(resource, object_id, State.NOT_READ)
        found = self.objects.get(resource, {}).get(object_id)
        if found is not None:
            return Lookup(resource, object_id, State.FOUND, found)
        if object_id in self.unknown.get(resource, ()):
            return Lookup(resource, object_id, State.UNKNOWN)
        reason = self.unreadable.get(resource, {}).get(object_id, "not read")
        return Lookup(resource, object_id, State.UNREADABLE, reason=reason)

    def compliance(self, object_id: str) -> Lookup:
        """``compliance_application_id`` in either resource it may name (C18): found first, then known."""
        lookups = [self.lookup(r, object_id) for r in ("compliance_applications", "phone_number_compliances")]
        for lookup in lookups:
            if lookup.found:
                return lookup
        states = {lookup.state for lookup in lookups}
        if states == {State.UNKNOWN}:
            return lookups[0]
        readable = [lookup for lookup in lookups if lookup.state not in (State.DISABLED, State.NOT_READ)]
        if not readable:
            return lookups[0]
        # Unknown in one, disabled or unreadable in the other: not known either way.
        return Lookup(lookups[0].resource, object_id, State.UNREADABLE, reason="; ".join(
            f"{lookup.resource}: {lookup.state.value}" for lookup in lookups
        ))  # fmt: skip

    def brands_of(self, profile_uuid: str) -> list[dict[str, Any]]:
        return self.brands_by_profile.get(profile_uuid, [])

    def describe(self) -> dict[str, Any]:
        """The graph as audit.json shows it: counts, refusals and the requests it cost."""
        return {
            "resources": {
                name: {
                    "label": RESOURCES[name].label,
                    "read": name in self.read,
                    "objects": len(self.objects.get(name, {})),
                    "unknown_ids": len(self.unknown.get(name, ())),
                    "unreadable_ids": len(self.unreadable.get(name, {})),
                    **({"disabled": self.disabled[name]} if name in self.disabled else {}),
                }
                for name in RESOURCES
            },
            "problems": list(self.problems),
            "notes": list(self.notes),
            "stats": self.stats.as_dict(),
        }

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={len(v)}" for k, v in self.objects.items())
        return f"<Graph {counts} disabled={sorted(self.disabled)}>"


def referenced_ids(records: Iterable[NumberRecord], resources: Collection[str]) -> dict[str, set[str]]:
    """Resource -> the distinct ids the numbers point to in it."""
    wanted: dict[str, set[str]] = {name: set() for name in resources if name in POINTERS}
    for record in records:
        for name, ids in wanted.items():
            for pointer in POINTERS[name]:
                value = getattr(record, pointer, None)
                if isinstance(value, str) and value:
                    ids.add(value)
    return wanted


class _Refused(Exception):
    """The whole resource is refused (403/404 on its list, 401)."""


class _Failed(Exception):
    """One request could not be answered usefully, after retries where they help."""


@dataclass
class _Answer:
    status: int
    body: Any


class _Reader:
    """Bounded, paced, retried GETs on the account, in the number crawl's own pacer.

    Each attempt holds a slot of the pacer around its exchange (the slot's end anchors the
    pacer's window on the answer), and a retry waits the pacer's pause: a 429 slows and
    holds every caller of the pacer, the number crawl's included. This is the graph's one
    retry loop; nothing below it retries.
    """

    def __init__(
        self, settings: CrawlSettings, pacer: Pacer, client: httpx.AsyncClient, stats: GraphStats
    ) -> None:
        self.settings = settings
        self.pacer = pacer
        self.client = client
        self.stats = stats
        self.limits = Limits(deadline_s=settings.timeout, max_bytes=settings.max_page_bytes)
        self.gate = asyncio.Semaphore(IN_FLIGHT)

    async def get(self, resource: Resource, path: str, params: dict[str, Any] | None = None) -> _Answer:
        """One answer with a final status (2xx or 4xx); _Failed when none came, after retries."""
        async with self.gate:
            return await self._get(resource, path, params)

    def path(self, resource: Resource, object_id: str | None = None) -> str:
        base = f"/v1/Account/{self.settings.auth_id}/{resource.path}"
        return base if object_id is None else f"{base}{_segment(object_id)}/"

    def quote(self, text: str) -> str:
        redacted = self.settings.redact(text)
        return redacted if len(redacted) <= QUOTED_CHARS else redacted[:QUOTED_CHARS] + "..."

    async def _get(self, resource: Resource, path: str, params: dict[str, Any] | None) -> _Answer:
        last = ""
        for attempt in range(1, self.settings.attempts + 1):
            retry_after: float | None = None
            refused = False
            self.stats.requests[resource.name] += 1
            request = self.client.build_request("GET", path, params=params)
            try:
                async with self.pacer.slot():
                    response = await send_async(self.client, request, self.limits)
            except BodyTooLarge:
                self.stats.statuses["BodyTooLarge"] += 1
                raise _Failed(f"the answer's body exceeded {self.settings.max_page_bytes:,} bytes") from None
            except DeadlineExceeded:
                self.stats.statuses["DeadlineExceeded"] += 1
                last = f"no complete answer within {self.settings.timeout:g} s"
            except Exception as error:  # resets, truncation, protocol errors: worth another try
                self.stats.statuses[type(error).__name__] += 1
                last = f"{type(error).__name__}: {self.quote(str(error))}"
            else:
                status = response.status_code
                self.stats.statuses[str(status)] += 1
                if status not in RETRYABLE_STATUS:
                    if 300 <= status < 400:
                        raise _Failed(
                            f"HTTP {status} redirect (not followed: credentials stay on --base-url)"
                        )
                    try:
                        body = json.loads(response.content) if response.content else None
                    except (ValueError, RecursionError):
                        if status == 200:
                            last = "HTTP 200 with a body that is not JSON"
                            body = _RETRY
                        else:
                            body = None
                    if body is not _RETRY:
                        return _Answer(status, body)
                else:
                    last = f"HTTP {status}{_error_text(response, self.quote)}"
                    retry_after = _retry_after(response)
                    refused = status == 429
            if attempt < self.settings.attempts:
                self.stats.retries += 1
                await self.pacer.pause(attempt, retry_after, refused=refused)
        raise _Failed(f"{last} (gave up after {self.settings.attempts} attempts)")


_RETRY = object()


def _segment(object_id: str) -> str:
    from urllib.parse import quote

    return quote(object_id, safe="")


def _error_text(response: httpx.Response, quote: Any) -> str:
    try:
        error = json.loads(response.content).get("error")
    except (ValueError, AttributeError, RecursionError):
        error = None
    return f" ({quote(str(error))})" if error else ""


def _objects(resource: Resource, body: Any) -> list[dict[str, Any]] | None:
    if not isinstance(body, dict):
        return None
    items = body.get(resource.list_key)
    if items is None and resource.list_key != "objects":
        items = body.get("objects")  # C2: the pages' prose calls every list array `objects`
    if not isinstance(items, list):
        return None
    return [o for o in items if isinstance(o, dict) and isinstance(o.get(resource.id_key), str)]


def _total(body: Any) -> int | None:
    meta = body.get("meta") if isinstance(body, dict) else None
    total = meta.get("total_count") if isinstance(meta, dict) else None
    return total if type(total) is int and total >= 0 else None


def _more(body: Any, got: int, limit: int) -> bool:
    meta = body.get("meta") if isinstance(body, dict) else None
    if isinstance(meta, dict) and "next" in meta:
        return bool(meta["next"]) and got > 0
    return got >= limit


class _ResourceReader:
    """Reads the objects of one resource that ``wanted`` names (all of them when ``wanted`` is None)."""

    def __init__(self, reader: _Reader, resource: Resource, graph: Graph, wanted: set[str] | None) -> None:
        self.reader = reader
        self.resource = resource
        self.graph = graph
        self.wanted = wanted
        self.objects = graph.objects.setdefault(resource.name, {})
        graph.read.add(resource.name)

    @property
    def missing(self) -> set[str]:
        return set() if self.wanted is None else self.wanted - self.objects.keys()

    def keep(self, objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            self.objects.setdefault(obj[self.resource.id_key], obj)

    async def page(
        self, offset: int, extra: dict[str, str] | None = None
    ) -> tuple[list[dict[str, Any]], Any]:
        params = {**(extra or {}), "limit": PAGE_SIZE, "offset": offset}
        resource = self.resource
        answer = await self.reader.get(resource, self.reader.path(resource), params)
        self.reader.stats.list_pages[resource.name] += 1
        if answer.status in (401, 403, 404):
            raise _Refused(
                f"its list answered HTTP {answer.status}{_body_error(answer.body, self.reader.quote)}"
            )
        if answer.status != 200:
            raise _Failed(
                f"its list answered HTTP {answer.status}{_body_error(answer.body, self.reader.quote)}"
            )
        objects = _objects(resource, answer.body)
        if objects is None:
            raise _Failed(
                f"its list answered 200 without a `{resource.list_key}` list ({json_type(answer.body)})"
            )
        self.keep(objects)
        return objects, answer.body

    async def run(self, phase: str = "both") -> None:
        """``phase``: "list", "get" (the ids the list did not show) or "both"."""
        name = self.resource.name
        if name in self.graph.disabled:
            return
        try:
            if phase in ("list", "both"):
                await self.crawl()
            if phase in ("get", "both"):
                await self.get_missing()
        except _Refused as refused:
            self.graph.disabled[name] = (
                f"{self.resource.label} could not be read: {refused} (not enabled on this account, or not "
                "allowed for these credentials)"
            )
        except _Failed as failed:
            self.graph.problems.append(f"{self.resource.label} could not be listed: {failed}")
            for object_id in self.missing:
                self.graph.unreadable.setdefault(name, {})[object_id] = str(failed)

    async def crawl(self) -> None:
        """The list, page by page, while that is cheaper than reading the missing ids one by one."""
        objects, body = await self.page(0)
        # The wanted ids no page has shown yet, kept page by page: counting them afresh from
        # every wanted id on each page cost O(ids) per page, O(ids x pages) per list.
        unseen = self.missing
        total = _total(body)
        offset = PAGE_SIZE
        more = _more(body, len(objects), PAGE_SIZE)
        while more and offset < PAGE_SIZE * MAX_PAGES:
            if self.wanted is not None:
                missing = len(unseen)
                # Without a total, the pages left are unknown: stop once the pages read cost as
                # much as reading the missing ids would.
                pages_left = offset // PAGE_SIZE if total is None else -(-(total - offset) // PAGE_SIZE)
                if missing == 0 or missing <= pages_left:
                    return
            objects, body = await self.page(offset)
            unseen.difference_update(o[self.resource.id_key] for o in objects)
            offset += PAGE_SIZE
            more = _more(body, len(objects), PAGE_SIZE)
        if more:
            self.graph.notes.append(f"{self.resource.label}: the list was read for {MAX_PAGES:,} pages only")
        if self.resource is TOLLFREE_VERIFICATIONS:
            await self.windows()

    async def windows(self) -> None:
        """Older toll-free requests: walk back in 30-day windows while cheaper than gets."""
        day = dt.datetime.now(dt.UTC).date()
        while day > TF_FLOOR:
            missing = len(self.missing)
            windows_left = -(-(day - TF_FLOOR).days // TF_WINDOW_DAYS)
            if missing == 0 or missing <= windows_left:
                return
            start = day - dt.timedelta(days=TF_WINDOW_DAYS)
            window = {"created__gte": start.isoformat(), "created__lt": day.isoformat()}
            offset = 0
            while True:
                objects, body = await self.page(offset, window)
                if any(not _created_within(o, start, day) for o in objects):
                    # The server ignores the window: what the list holds was all on the first walk.
                    self.graph.notes.append(
                        f"{self.resource.label}: the list ignores created__gte/created__lt; "
                        "requests it did not list were read by id"
                    )
                    return
                offset += PAGE_SIZE
                if not _more(body, len(objects), PAGE_SIZE) or offset >= PAGE_SIZE * MAX_PAGES:
                    break
            day = start

    async def get_missing(self) -> None:
        """Each id the list did not show, by id: found, unknown (404) or unreadable."""
        if self.wanted is None:
            return
        pending = sorted(self.missing)
        workers = max(1, min(IN_FLIGHT, len(pending)))

        async def worker() -> None:
            while pending:
                try:
                    await self.get_one(pending.pop())
                except _Refused:
                    pending.clear()
                    raise

        await asyncio.gather(*(worker() for _ in range(workers)))

    async def get_one(self, object_id: str) -> None:
        resource, name = self.resource, self.resource.name
        self.reader.stats.gets[name] += 1
        try:
            answer = await self.reader.get(resource, self.reader.path(resource, object_id))
        except _Failed as failed:
            self.graph.unreadable.setdefault(name, {})[object_id] = str(failed)
            self.graph.problems.append(f"{resource.label}: {object_id} could not be read: {failed}")
            return
        if answer.status == 404:
            self.graph.unknown.setdefault(name, set()).add(object_id)
            return
        if answer.status in (401, 403):
            raise _Refused(
                f"a get answered HTTP {answer.status}{_body_error(answer.body, self.reader.quote)}"
            )
        obj = answer.body
        if resource.get_key is not None and isinstance(obj, dict):
            obj = obj.get(resource.get_key, obj if resource.id_key in obj else None)
        if answer.status == 200 and isinstance(obj, dict) and isinstance(obj.get(resource.id_key), str):
            self.objects.setdefault(object_id, obj)
            return
        if (
            answer.status == 200
            and isinstance(answer.body, dict)
            and isinstance(answer.body.get("error"), str)
        ):
            # Plivo's SDK tests record 200 with {"api_id", "error"} for what is not there (C8).
            self.graph.unknown.setdefault(name, set()).add(object_id)
            return
        why = f"HTTP {answer.status}{_body_error(answer.body, self.reader.quote)}"
        self.graph.unreadable.setdefault(name, {})[object_id] = why
        self.graph.problems.append(f"{resource.label}: {object_id} could not be read: {why}")


def _body_error(body: Any, quote: Any) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    return f" ({quote(str(error))})" if error else ""


def _created_within(obj: dict[str, Any], start: dt.date, end: dt.date) -> bool:
    created = obj.get("created") or obj.get("created_at")
    if not isinstance(created, str):
        return True
    try:
        day = dt.date.fromisoformat(created[:10])
    except ValueError:
        return True
    return start <= day < end


async def _compliance(reader: _Reader, graph: Graph, wanted: dict[str, set[str]]) -> None:
    """compliance_application_id in both resources it may name (C18), each id read once.

    Both lists first; then each id neither list showed is read by id from ComplianceApplication,
    and only those it does not know from the phone number compliance records.
    """
    names = ("compliance_applications", "phone_number_compliances")
    readers = {}
    for name in names:
        if wanted.get(name):
            readers[name] = _ResourceReader(reader, RESOURCES[name], graph, set(wanted[name]))
        elif name in wanted:
            graph.read.add(name)
    await asyncio.gather(*(r.run("list") for r in readers.values()))
    listed = set().union(*(graph.objects.get(name, {}).keys() for name in names))
    for r in readers.values():
        r.wanted = (r.wanted or set()) - listed
    if "compliance_applications" in readers:
        await readers["compliance_applications"].run("get")
    if "phone_number_compliances" in readers:
        found = graph.objects.get("compliance_applications", {}).keys()
        pnc = readers["phone_number_compliances"]
        pnc.wanted = (pnc.wanted or set()) - found
        await pnc.run("get")


async def read_graph(
    records: Iterable[NumberRecord],
    settings: CrawlSettings,
    resources: Collection[str],
    pacer: Pacer,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Graph:
    """Read what ``records`` point to in ``resources`` (see the module docstring).

    ``pacer`` must be the number crawl's own: the graph spends the same rate budget.
    ``resources`` names what the rules that run need (``audits.engine.resources_needed``);
    brands are read whole (they are found from profiles, not pointed to).
    """
    import time

    started = time.monotonic()
    graph = Graph()
    wanted = referenced_ids(records, resources)
    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(
            httpx.AsyncClient(
                base_url=settings.base_url,
                auth=httpx.BasicAuth(settings.auth_id, settings.auth_token),
                timeout=settings.timeout,
                limits=httpx.Limits(max_connections=settings.concurrency),
                transport=transport,
                headers={"User-Agent": USER_AGENT},
                follow_redirects=False,
            )
        )
        reader = _Reader(settings, pacer, client, graph.stats)
        tasks = []
        for name in RESOURCES:
            if name in ("brands", "compliance_applications", "phone_number_compliances"):
                continue
            if name in wanted:
                if wanted[name]:
                    tasks.append(_ResourceReader(reader, RESOURCES[name], graph, wanted[name]).run())
                else:
                    graph.read.add(name)  # nothing points there: nothing to read, nothing unknown
        if "compliance_applications" in wanted or "phone_number_compliances" in wanted:
            tasks.append(_compliance(reader, graph, wanted))
        if "brands" in resources and wanted.get("profiles"):
            tasks.append(_ResourceReader(reader, BRANDS, graph, None).run())
        try:
            async with asyncio.timeout(settings.deadline):
                await asyncio.gather(*tasks)
        except TimeoutError:
            graph.problems.append(
                f"reading the compliance objects passed the deadline of {settings.deadline:g} s"
            )
        except Exception as error:  # a bug must end in an INCOMPLETE report, not a traceback
            graph.problems.append(
                "reading the compliance objects stopped on an unexpected error: "
                f"{type(error).__name__}: {error}"
            )
    if "brands" in graph.read and "brands" not in graph.disabled:
        brands = graph.objects.get("brands", {}).values()
        graph.brand_profiles_readable = all(isinstance(b.get("profile_uuid"), str) for b in brands)
        for brand in brands:
            profile = brand.get("profile_uuid")
            if isinstance(profile, str):
                graph.brands_by_profile.setdefault(profile, []).append(brand)
    graph.problems = [settings.redact(p) for p in graph.problems]
    graph.notes = [settings.redact(n) for n in graph.notes]
    graph.disabled = {k: settings.redact(v) for k, v in graph.disabled.items()}
    graph.stats.elapsed_s = time.monotonic() - started
    return graph
