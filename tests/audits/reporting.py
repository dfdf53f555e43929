"""Build an audit document from numbers without a crawl, for the report tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from audits.engine import evaluate
from audits.history import History
from audits.inventory import CrawlSettings, CrawlStats, Inventory
from audits.model import NumberRecord
from audits.policy import Policy
from audits.run import AuditResult
from audits.target import AuditTarget

WHEN = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
TOKEN = "tok-never-shown-0123456789"


def audit_result(
    tmp_path: Path,
    numbers: list[NumberRecord],
    policy: Policy | None = None,
    problems: list[str] | None = None,
    when: dt.datetime = WHEN,
) -> AuditResult:
    policy = policy or Policy()
    target = AuditTarget("fixture inventory", "http://127.0.0.1:9", "MA" + "A" * 18, TOKEN, "fixture")
    settings = CrawlSettings(base_url=target.base_url, auth_id=target.auth_id, auth_token=TOKEN)
    records = {n.number: n for n in numbers}
    inventory = Inventory(records, len(records) + (1 if problems else 0), list(problems or []), CrawlStats())
    evaluation = evaluate(records.values(), policy, when.date())
    with History(tmp_path / "history.sqlite") as history:
        delta = history.record(
            target.history_key, when, evaluation.findings, list(records), policy.rules, inventory.complete
        )
        trend = history.trend(target.history_key)
    return AuditResult(
        target,
        settings,
        policy,
        inventory,
        evaluation,
        delta,
        trend,
        when,
        0.5,
        str(tmp_path / "history.sqlite"),
    )


def document(tmp_path: Path, numbers: list[NumberRecord], **kwargs: Any) -> dict[str, Any]:
    return audit_result(tmp_path, numbers, **kwargs).document()
