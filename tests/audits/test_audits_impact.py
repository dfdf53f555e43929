"""Impact (audits.impact) on findings, and the whole graph audit against the emulator's demo."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audits.engine import evaluate
from audits.graph import Graph
from audits.impact import impact_summary
from audits.policy import Policy
from audits.report import write_all
from audits.rules import rule_class
from audits.run import run_audit
from audits.subject import Subject
from tests.audits.numbers import TODAY, us_local, us_tollfree
from tests.audits.test_audits_graph import campaign, verification

GRAPH_RULES = (
    "tendlc-campaign-unknown",
    "tendlc-campaign-inactive",
    "tollfree-verification-action-required",
    "profile-unknown",
    "profile-not-approved",
    "compliance-application-rejected",
)


def demo_graph() -> Graph:
    graph = Graph()
    graph.read.update({"campaigns", "tollfree_verifications", "profiles", "brands"})
    graph.objects["campaigns"] = {"C1": campaign("C1", "EXPIRED")}
    graph.objects["tollfree_verifications"] = {
        "tf-soon": verification("tf-soon", "18005550101", "UPDATE_REQUIRED", "2026-11-25T00:00:00Z"),
        "tf-later": verification("tf-later", "18005550102", "UPDATE_REQUIRED", "2026-11-27T00:00:00Z"),
        "tf-rejected": verification("tf-rejected", "18005550103", "REJECTED"),
    }
    graph.unknown["profiles"] = {"p-gone"}
    return graph


def test_impact_counts_per_subaccount_and_sorts_actions_by_urgency() -> None:
    numbers = [
        us_local(number="14155550101", tendlc_campaign_id="C1", profile_uuid=None),
        us_local(number="14155550102", tendlc_campaign_id="C1", profile_uuid=None, sub_account="SA1"),
        us_tollfree(number="18005550101", toll_free_sms_verification_id="tf-soon"),
        us_tollfree(number="18005550102", toll_free_sms_verification_id="tf-later"),
        us_tollfree(number="18005550103", toll_free_sms_verification_id="tf-rejected"),
        us_local(number="14155550104", profile_uuid="p-gone", caller_reputation_status="ACTIVE"),
        us_local(number="14155550105", caller_reputation_status="FAILED"),
    ]
    evaluation = evaluate(numbers, Policy(), TODAY, demo_graph())
    impact = evaluation.impact
    assert impact == impact_summary(evaluation.findings, evaluation.rules, TODAY)
    subs = {s["subaccount"]: s for s in impact["subaccounts"]}
    main = subs["main"]
    assert main["cannot_send_sms"]["10dlc"]["numbers"] == 1  # 14155550101 (campaign EXPIRED)
    assert main["cannot_send_sms"]["tollfree"]["numbers"] == 3
    assert subs["SA1"]["cannot_send_sms"]["10dlc"]["sample"] == ["14155550102"]
    # Calls without the registered identity: reputation FAILED, and reputation on with a dangling profile.
    assert main["calls_without_identity"]["sample"] == ["14155550104", "14155550105"]
    actions = impact["actions"]
    # Deadlines first, the nearest first (last_modified + 6 days: 12-01, then 12-03), then the rest.
    assert [a["id"] for a in actions[:2]] == ["tf-soon", "tf-later"]
    assert [a["days_left"] for a in actions[:2]] == [4, 6]
    rest = {(a["rule"], a["id"], a["subaccount"]) for a in actions[2:]}
    assert ("tendlc-campaign-inactive", "C1", "main") in rest
    assert ("tendlc-campaign-inactive", "C1", "SA1") in rest
    assert ("tollfree-verification-action-required", "tf-rejected", "main") in rest
    assert ("profile-unknown", "p-gone", "main") in rest
    assert impact["totals"]["needs_human"] == len(actions)
    assert main["next_deadline"].startswith("2026-12-01")


def test_waived_findings_cost_nothing() -> None:
    subject = Subject(us_local(tendlc_campaign_id="C1"), demo_graph(), TODAY)
    findings = list(rule_class("tendlc-campaign-inactive")().check(subject))
    assert findings
    for finding in findings:
        finding.waiver = "accepted"
    impact = impact_summary(findings, [rule_class("tendlc-campaign-inactive")()], TODAY)
    assert impact["totals"] == {
        "cannot_send_sms": 0,
        "calls_without_identity": 0,
        "needs_human": 0,
        "overdue": 0,
    }


def test_every_graph_rule_fires_on_the_emulator_demo(served: Callable[..., Any], tmp_path: Path) -> None:
    with served(seed=7, numbers=300) as (_app, target):
        result = run_audit(target, Policy(), tmp_path / "history.sqlite")
    doc = result.document()
    assert doc["complete"] is True, doc["incomplete_reasons"]
    assert doc["run"]["rules_not_run"] == {}
    rules = Counter(f["rule"] for f in doc["findings"])
    for rule_id in GRAPH_RULES:
        assert rules[rule_id] > 0, rule_id
    # Every graph finding links the objects it was judged on.
    for finding in doc["findings"]:
        if finding["rule"] in GRAPH_RULES:
            assert finding["details"]["linked"], finding
    graph = doc["run"]["graph"]
    assert all(not r.get("disabled") for r in graph["resources"].values())
    for name in ("campaigns", "profiles", "tollfree_verifications"):
        assert graph["resources"][name]["unknown_ids"] > 0, name  # the demo's dangling references
    # A few requests for the whole graph, far below one per number.
    assert graph["stats"]["requests"] < doc["numbers_read"] / 5
    impact = doc["impact"]
    assert impact["totals"]["cannot_send_sms"] > 0
    assert impact["totals"]["needs_human"] > 0
    assert any(a["deadline"] for a in impact["actions"])
    paths = write_all(doc, tmp_path / "out")
    page = paths["audit.html"].read_text()
    assert 'id="impact"' in page
    assert "judged on: campaign" in page
    header = paths["audit.csv"].read_text().splitlines()[0]
    assert "linked" in header.split(",")
    assert json.loads(paths["audit.json"].read_text())["impact"] == impact


def test_impact_tallied_in_crawl_order_equals_impact_read_in_number_order() -> None:
    """The engine tallies findings as the rules make them (numbers in crawl order, not sorted):
    the same summary as reading them grouped by number, ascending (samples, counts, the
    actions' fields, and equally urgent actions in the order of their smallest number)."""
    import random

    numbers = []
    for index in range(60):
        sub = ("SA1", "SA2", "SA3", None)[index % 4]
        numbers.append(
            us_local(
                number=f"1415555{index:04d}", tendlc_campaign_id="C1", profile_uuid=None, sub_account=sub
            )
        )
        numbers.append(us_tollfree(number=f"1800555{index:04d}", toll_free_sms_verification_id="tf-rejected"))
    random.Random(3).shuffle(numbers)
    evaluation = evaluate(numbers, Policy(), TODAY, demo_graph())
    assert evaluation.impact == impact_summary(evaluation.findings, evaluation.rules, TODAY)
    assert evaluation.impact == impact_summary(list(evaluation.findings), evaluation.rules, TODAY)
    subs = {s["subaccount"]: s for s in evaluation.impact["subaccounts"]}
    assert subs["SA1"]["cannot_send_sms"]["10dlc"]["sample"] == [f"1415555{i:04d}" for i in (0, 4, 8, 12, 16)]
    # Equally urgent (same campaign, 15 numbers each): listed by their smallest number.
    tied = [a["subaccount"] for a in evaluation.impact["actions"] if a["id"] == "C1"]
    assert tied == ["SA1", "SA2", "SA3", "main"]
