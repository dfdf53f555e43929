"""The compliance graph reader (audits.graph): each object read once, lists before gets, dangling
references found, a refused resource reported as rules not run, the account's own pacer.

The API is faked with httpx.MockTransport; its objects are Plivo's recorded SDK bodies
(tests/fixtures/plivo-sdk/compliance/) with ids and statuses varied.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from audits.engine import evaluate, resources_needed
from audits.graph import RESOURCES, Graph, State, _objects, read_graph
from audits.history import HistoryDelta
from audits.inventory import CrawlSettings, CrawlStats, Inventory
from audits.model import NumberRecord
from audits.policy import Policy
from audits.report import write_all
from audits.run import AuditResult
from audits.target import AuditTarget
from audits.verdict import Outcome, rule_verdicts
from openapi.pacing import Pacer
from tests.audits.numbers import FIXTURES, TODAY, us_local, us_tollfree

COMPLIANCE = FIXTURES / "plivo-sdk" / "compliance"
AUTH_ID = "MA" + "B" * 18
TOKEN = "graph-token-never-shown-42"
BASE = "http://graph.test"


def fixture(name: str) -> Any:
    return json.loads((COMPLIANCE / name).read_text())


def campaign(campaign_id: str, status: str = "ACTIVE") -> dict[str, Any]:
    body = copy.deepcopy(fixture("python_campaignGetResponse.json")["campaign"])
    return {**body, "campaign_id": campaign_id, "registration_status": status}


def profile(uuid: str) -> dict[str, Any]:
    return {**copy.deepcopy(fixture("python_profileGetResponse.json")["profile"]), "profile_uuid": uuid}


def brand(brand_id: str, profile_uuid: str, status: str = "COMPLETED") -> dict[str, Any]:
    body = copy.deepcopy(fixture("go_brandGetResponse.json")["brand"])
    return {**body, "brand_id": brand_id, "profile_uuid": profile_uuid, "registration_status": status}


def verification(
    uuid: str, number: str, status: str = "APPROVED", modified: str | None = None
) -> dict[str, Any]:
    body = copy.deepcopy(fixture("python_tollfreeVerificationGetResponse.json"))
    body.pop("api_id")
    body.update(uuid=uuid, number=number, status=status)
    if modified:
        body["last_modified"] = modified
    return body


class FakeAccount:
    """The compliance resources of one account, served page by page like Plivo's (limit/offset, meta)."""

    def __init__(
        self, objects: dict[str, list[dict[str, Any]]], refuse: dict[str, int] | None = None
    ) -> None:
        self.objects = objects
        self.refuse = refuse or {}
        self.requests: Counter[str] = Counter()
        self.fail_once: set[str] = set()

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests[str(request.url)] += 1
        assert request.headers["authorization"].startswith("Basic ")
        for name, resource in RESOURCES.items():
            prefix = f"/v1/Account/{AUTH_ID}/{resource.path}"
            if not path.startswith(prefix):
                continue
            if name in self.refuse:
                return httpx.Response(self.refuse[name], json={"api_id": "x", "error": "not enabled"})
            if path in self.fail_once:
                self.fail_once.discard(path)
                return httpx.Response(429, json={"error": "too many requests"})
            rest = path[len(prefix) :].strip("/")
            items = self.objects.get(name, [])
            if rest:
                found = [o for o in items if o[resource.id_key] == rest]
                if not found:
                    return httpx.Response(404, json={"api_id": "x", "error": "not found"})
                body = found[0] if resource.get_key is None else {resource.get_key: found[0]}
                return httpx.Response(200, json={"api_id": "x", **body})
            limit = int(request.url.params.get("limit", 20))
            offset = int(request.url.params.get("offset", 0))
            page = items[offset : offset + limit]
            more = offset + limit < len(items)
            meta = {
                "limit": limit,
                "offset": offset,
                "total_count": len(items),
                "next": f"{prefix}?limit={limit}&offset={offset + limit}" if more else None,
                "previous": None,
            }
            return httpx.Response(200, json={"api_id": "x", "meta": meta, resource.list_key: page})
        return httpx.Response(404, json={"error": "no such path"})

    def gets(self, name: str) -> Counter[str]:
        """Object id -> how often it was read by id."""
        prefix = f"/v1/Account/{AUTH_ID}/{RESOURCES[name].path}"
        counts: Counter[str] = Counter()
        for url, n in self.requests.items():
            path = httpx.URL(url).path
            if path.startswith(prefix) and path != prefix:
                counts[path[len(prefix) :].strip("/")] += n
        return counts

    def pages(self, name: str) -> int:
        prefix = f"/v1/Account/{AUTH_ID}/{RESOURCES[name].path}"
        return sum(n for url, n in self.requests.items() if httpx.URL(url).path == prefix)


def settings(**overrides: Any) -> CrawlSettings:
    return CrawlSettings(base_url=BASE, auth_id=AUTH_ID, auth_token=TOKEN, rate=None, **overrides)


def read(
    account: FakeAccount,
    numbers: list[NumberRecord],
    policy: Policy | None = None,
    pacer: Pacer | None = None,
    **overrides: Any,
) -> Graph:
    return asyncio.run(
        read_graph(
            numbers,
            settings(**overrides),
            resources_needed(policy or Policy()),
            pacer or Pacer(),
            transport=httpx.MockTransport(account.handler),
        )
    )


def local(i: int, **overrides: Any) -> NumberRecord:
    return us_local(number=f"1415555{i:04d}", **overrides)


# ---------------------------------------------------------------- every recorded list shape


@pytest.mark.parametrize(
    ("name", "files"),
    [
        ("campaigns", "*_campaignListResponse.json"),
        ("brands", "*_brandListResponse.json"),
        ("profiles", "*_profileListResponse.json"),
        ("tollfree_verifications", "*_tollfreeVerificationListResponse.json"),
        ("phone_number_compliances", "*_phoneNumberComplianceList*Response.json"),
    ],
)
def test_every_recorded_list_is_read(name: str, files: str) -> None:
    bodies = sorted(COMPLIANCE.glob(files))
    assert bodies
    for path in bodies:
        body = json.loads(path.read_text())
        objects = _objects(RESOURCES[name], body)
        assert objects is not None, path.name
        raw = body.get(RESOURCES[name].list_key) or []
        # Every object with a readable id is kept (node's camelCase mocks have none).
        assert len(objects) == sum(1 for o in raw if isinstance(o.get(RESOURCES[name].id_key), str)), (
            path.name
        )


# ---------------------------------------------------------------- read once, politely


def test_many_numbers_few_objects_each_object_read_once() -> None:
    campaigns = [campaign(f"C{i}") for i in range(3)]
    profiles = [profile(f"p-{i}") for i in range(2)]
    account = FakeAccount(
        {"campaigns": campaigns, "profiles": profiles, "brands": [brand("B0", "p-0"), brand("B1", "p-1")]}
    )
    numbers = [local(i, tendlc_campaign_id=f"C{i % 3}", profile_uuid=f"p-{i % 2}") for i in range(200)]
    graph = read(account, numbers)
    assert set(graph.objects["campaigns"]) == {"C0", "C1", "C2"}
    assert set(graph.objects["profiles"]) == {"p-0", "p-1"}
    # One list page each, no get: 200 numbers cost 3 requests.
    assert account.pages("campaigns") == account.pages("profiles") == account.pages("brands") == 1
    assert not account.gets("campaigns")
    assert not account.gets("profiles")
    assert graph.stats.total_requests == sum(account.requests.values()) == 3
    # Nothing points to toll-free verifications or applications: nothing read.
    assert "tollfree_verifications" not in {httpx.URL(u).path.split("/")[4] for u in account.requests}


def test_a_large_list_is_crawled_when_cheaper_than_gets() -> None:
    campaigns = [campaign(f"C{i:03d}") for i in range(100)]
    account = FakeAccount({"campaigns": campaigns})
    numbers = [local(i, tendlc_campaign_id=f"C{i % 60:03d}", profile_uuid=None) for i in range(300)]
    graph = read(account, numbers)
    assert len(graph.objects["campaigns"]) >= 60
    # 60 ids over 5 pages: the list (at most 5 pages), never a get.
    assert account.pages("campaigns") <= 5
    assert not account.gets("campaigns")


def test_few_ids_of_a_large_list_are_read_by_id() -> None:
    campaigns = [campaign(f"C{i:04d}") for i in range(1000)]
    account = FakeAccount({"campaigns": campaigns})
    numbers = [local(1, tendlc_campaign_id="C0500", profile_uuid=None), local(2, tendlc_campaign_id="C0900")]
    graph = read(account, numbers, policy=Policy(rules=("tendlc-campaign-inactive",)))
    assert graph.lookup("campaigns", "C0500").found
    assert graph.lookup("campaigns", "C0900").found
    # Page one told total_count 1,000 (49 more pages): two gets are cheaper.
    assert account.pages("campaigns") == 1
    assert account.gets("campaigns") == Counter({"C0500": 1, "C0900": 1})


def test_dangling_references_are_unknown_and_each_checked_once() -> None:
    account = FakeAccount({"campaigns": [campaign("C1")], "profiles": [profile("p-1")]})
    numbers = [
        local(i, tendlc_campaign_id="C-GONE" if i % 2 else "C1", profile_uuid="p-gone" if i % 3 else "p-1")
        for i in range(30)
    ]
    graph = read(account, numbers)
    assert graph.lookup("campaigns", "C-GONE").state is State.UNKNOWN
    assert graph.lookup("profiles", "p-gone").state is State.UNKNOWN
    assert graph.lookup("campaigns", "C1").found
    assert account.gets("campaigns") == Counter({"C-GONE": 1})
    assert account.gets("profiles") == Counter({"p-gone": 1})
    evaluation = evaluate(numbers, Policy(), TODAY, graph)
    rules = Counter(f.rule for f in evaluation.findings)
    assert rules["tendlc-campaign-unknown"] == 15
    assert rules["profile-unknown"] == sum(1 for i in range(30) if i % 3)
    assert not evaluation.errors
    assert not evaluation.not_run


def test_compliance_ids_are_tried_in_both_resources_once() -> None:
    application = {"compliance_application_id": "ca-1", "status": "Rejected", "country_iso2": "DE"}
    record = {"compliance_id": "pnc-1", "status": "expired", "country_iso": "IN"}
    account = FakeAccount({"compliance_applications": [application], "phone_number_compliances": [record]})
    numbers = [
        us_local(number="4930555000", region="Berlin, GERMANY", compliance_application_id="ca-1"),
        us_local(number="9180555000", region="INDIA", compliance_application_id="pnc-1"),
        us_local(number="4930555001", region="Berlin, GERMANY", compliance_application_id="gone"),
    ]
    graph = read(account, numbers)
    assert graph.compliance("ca-1").resource == "compliance_applications"
    assert graph.compliance("pnc-1").resource == "phone_number_compliances"
    assert graph.compliance("gone").state is State.UNKNOWN
    # Both lists, then the one id neither showed, once in each resource.
    assert account.gets("compliance_applications") == Counter({"gone": 1})
    assert account.gets("phone_number_compliances") == Counter({"gone": 1})
    found = {
        f.number
        for f in evaluate(numbers, Policy(), TODAY, graph).findings
        if f.rule.startswith("compliance")
    }
    assert found == {"4930555000", "9180555000"}


def test_the_graph_spends_the_accounts_own_pacer_and_waits_out_a_429() -> None:
    account = FakeAccount({"campaigns": [campaign("C1")]})
    account.fail_once.add(f"/v1/Account/{AUTH_ID}/10dlc/Campaign/")
    pacer = Pacer()
    graph = read(
        account, [local(1, tendlc_campaign_id="C1", profile_uuid=None)], pacer=pacer, backoff_base=0.01
    )
    assert graph.lookup("campaigns", "C1").found
    assert graph.stats.retries == 1
    assert graph.stats.statuses["429"] == 1
    assert pacer.granted == graph.stats.total_requests == 2


def test_no_token_in_anything_the_graph_keeps() -> None:
    account = FakeAccount({"campaigns": []}, refuse={"profiles": 403})
    account.objects["campaigns"] = []
    graph = read(account, [local(1, tendlc_campaign_id=TOKEN, profile_uuid="p")])
    assert TOKEN not in json.dumps(graph.describe())


# ---------------------------------------------------------------- a refused resource


def refused_result(tmp_path: Path) -> AuditResult:
    account = FakeAccount({"campaigns": [campaign("C1")]}, refuse={"tollfree_verifications": 403})
    numbers = [
        local(1, tendlc_campaign_id="C1"),
        us_tollfree(toll_free_sms_verification_id="tf-1"),
    ]
    policy = Policy()
    graph = read(account, numbers, policy)
    evaluation = evaluate(numbers, policy, TODAY, graph)
    target = AuditTarget("fake account", BASE, AUTH_ID, TOKEN, "fake")
    records = {n.number: n for n in numbers}
    inventory = Inventory(records, len(records), [], CrawlStats())
    return AuditResult(
        target,
        settings(),
        policy,
        inventory,
        evaluation,
        HistoryDelta([], [], None),
        [],
        dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC),
        0.1,
        str(tmp_path / "h.sqlite"),
    )


def test_a_refused_resource_leaves_its_rules_not_run_and_the_run_incomplete(tmp_path: Path) -> None:
    result = refused_result(tmp_path)
    graph = result.evaluation.graph
    assert graph is not None
    assert "tollfree_verifications" in graph.disabled
    assert "HTTP 403" in graph.disabled["tollfree_verifications"]
    assert result.evaluation.not_run.keys() == {"tollfree-verification-action-required"}
    assert "tollfree-verification-action-required" not in result.evaluation.rules_settled
    assert result.status == "INCOMPLETE"
    assert result.exit_code == 3
    doc = result.document()
    assert doc["complete"] is False
    assert any("tollfree-verification-action-required could not run" in r for r in doc["incomplete_reasons"])
    assert "tollfree-verification-action-required" in doc["run"]["rules_not_run"]
    rule = next(r for r in doc["run"]["rules"] if r["id"] == "tollfree-verification-action-required")
    assert "403" in rule["not_run"]
    verdicts = {v.rule_id: v.outcome for v in rule_verdicts(doc)}
    assert verdicts["tollfree-verification-action-required"] is Outcome.NOT_RUN
    assert verdicts["tendlc-campaign-inactive"] is not Outcome.PASSED  # the run is incomplete: no verdict
    paths = write_all(doc, tmp_path / "out")
    xml = paths["audit.xml"].read_text()
    assert re.search(
        r'name="tollfree-verification-action-required"[^>]*>\s*<error message="rule not run', xml
    )
    page = paths["audit.html"].read_text()
    assert 'id="not-run"' in page
    assert "tollfree-verification-action-required" in page
    assert TOKEN not in "".join(p.read_text() for p in paths.values())


def test_disabling_the_rules_of_a_refused_resource_does_not_read_it() -> None:
    account = FakeAccount({}, refuse={"tollfree_verifications": 403})
    policy = Policy(rules=("tollfree-unverified",))
    graph = read(account, [us_tollfree(toll_free_sms_verification_id="tf-1")], policy)
    assert not account.requests
    assert not graph.disabled
    evaluation = evaluate([us_tollfree(toll_free_sms_verification_id="tf-1")], policy, TODAY, graph)
    assert not evaluation.errors
    assert not evaluation.not_run


def test_without_a_graph_the_graph_rules_are_not_run_but_not_an_error() -> None:
    evaluation = evaluate([local(1)], Policy(), TODAY)
    assert "tendlc-campaign-inactive" in evaluation.not_run
    assert not evaluation.errors


class WindowedTollfree(FakeAccount):
    """The toll-free list as documented: seven days by default, created__gte/created__lt windows."""

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/TollfreeVerification/"):
            params = request.url.params
            today = dt.datetime.now(dt.UTC).date()
            start = dt.date.fromisoformat(
                params.get("created__gte", (today - dt.timedelta(days=7)).isoformat())
            )
            end = dt.date.fromisoformat(params.get("created__lt", (today + dt.timedelta(days=1)).isoformat()))
            every = self.objects["tollfree_verifications"]
            self.objects["tollfree_verifications"] = [
                o for o in every if start <= dt.date.fromisoformat(o["created"][:10]) < end
            ]
            try:
                return super().handler(request)
            finally:
                self.objects["tollfree_verifications"] = every
        return super().handler(request)


def test_old_tollfree_requests_are_found_by_walking_30_day_windows() -> None:
    today = dt.datetime.now(dt.UTC).date()
    requests = []
    for i in range(300):  # one a day, 300 days back: the default seven-day list shows 7
        created = today - dt.timedelta(days=i + 1)
        body = verification(f"tf-{i:03d}", f"1800555{i:04d}")
        body["created"] = f"{created.isoformat()}T08:00:00.000000Z"
        requests.append(body)
    account = WindowedTollfree({"tollfree_verifications": requests})
    numbers = [
        us_tollfree(number=f"1800555{i:04d}", toll_free_sms_verification_id=f"tf-{i:03d}") for i in range(300)
    ]
    graph = read(account, numbers, Policy(rules=("tollfree-verification-action-required",)))
    assert len(graph.objects["tollfree_verifications"]) == 300
    # Windows while the ids left outnumber the windows left back to 2022, then gets for the rest:
    # a few dozen requests, not 293 gets.
    assert sum(account.requests.values()) < 60
    assert len(account.gets("tollfree_verifications")) <= 60
    assert all(n == 1 for n in account.gets("tollfree_verifications").values())
