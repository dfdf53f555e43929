"""audit.html: one self-contained page for people (no external files, scripts or fonts).

The summary, new/resolved lists and trend are rendered here, so they read even
with scripts off; the findings table is rendered by an inline script from the
embedded data so it can sort, filter and page through 100,000 findings quickly.
The page is openapi/templates/audit.html.j2 (the reports' shared look, autoescaped)
with its script in openapi/templates/audit.js; this module only shapes the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openapi import html

SEVERITIES = ("critical", "high", "medium", "low", "info")
LISTED = 200
"""Rows shown in the new/resolved lists; the findings table has them all (up to INLINE)."""
INLINE = 20_000
"""Findings embedded in the page whole; above it, the first PER_RULE of each rule (most severe
first) are, with counts, so a report of a million findings stays a page a browser opens.
audit.csv and audit.json hold every finding."""
PER_RULE = 500
FINDINGS_HEADERS = (
    "number",
    "rule",
    "severity",
    "subaccount",
    "first seen",
    "age (days)",
    "new",
    "waiver",
    "finding",
    "remediation",
)


def _summary(doc: dict[str, Any]) -> dict[str, Any]:
    summary = doc["summary"]
    by_severity = summary["by_severity"]
    cards = [
        ("numbers audited", doc["numbers_audited"], ""),
        ("numbers read / total_count", f"{doc['numbers_read']} / {doc['total_count']}", ""),
        ("findings", summary["findings"], ""),
        *[(s, by_severity.get(s, 0), f"sev-{s}") for s in SEVERITIES[:3]],
        ("new since last run", summary["new"], ""),
        ("resolved since last run", summary["resolved"], ""),
        ("waived", summary["waived"], ""),
    ]
    rules = {r["id"]: r for r in doc["run"]["rules"]}
    return {
        "cards": [{"label": label, "value": value, "cls": cls} for label, value, cls in cards],
        "rules": [
            {
                "id": rid,
                "title": rules[rid]["title"],
                "severity": rules[rid]["severity"],
                "findings": sum(counts.values()),
            }
            for rid, counts in summary["by_rule"].items()
        ],
        "severities": [(s, by_severity.get(s, 0)) for s in SEVERITIES],
        "subaccounts": [
            (sub, *[counts.get(s, 0) for s in SEVERITIES], sum(counts.values()))
            for sub, counts in summary["by_subaccount"].items()
        ],
        # A multi-account audit (audits.accounts): one row per account, its own status first.
        "accounts": [
            {
                "name": a["name"],
                "status": a["status"],
                "read": f"{a['numbers_read']} / {a['total_count']}",
                "audited": a["numbers_audited"],
                "severities": [a["summary"]["by_severity"].get(s, 0) for s in SEVERITIES],
                "findings": a["summary"]["findings"],
                "reasons": a["incomplete_reasons"],
            }
            for a in doc.get("accounts", [])
        ],
    }


class PageFindings:
    """What the page shows of the findings, fed one at a time (:meth:`add`): the first LISTED
    new ones and the findings table's rows, and the counts.

    Only that is kept: the findings may be a million rows streamed from disk (audits.spool),
    read once for every report (audits.report.write_all).
    """

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.whole = len(doc["findings"]) <= INLINE
        self.new: list[dict[str, Any]] = []
        self.new_count = 0
        self.per_rule: dict[str, int] = {}
        self.kept: list[dict[str, Any]] = []

    def add(self, f: dict[str, Any]) -> None:
        if f["new"] and not f["waived"]:
            self.new_count += 1
            if len(self.new) < LISTED:
                self.new.append(f)
        seen = self.per_rule[f["rule"]] = self.per_rule.get(f["rule"], 0) + 1
        if self.whole or seen <= PER_RULE:
            self.kept.append(f)

    def render(self) -> str:
        """The page, once every finding was added."""
        doc = self.doc
        changes = {
            "previous": doc["run"]["history"]["previous_run"],
            "new": self.new,
            "new_count": self.new_count,
            "resolved": doc["resolved"][:LISTED],
            "resolved_count": len(doc["resolved"]),
        }
        omitted = {rule: n - PER_RULE for rule, n in self.per_rule.items() if not self.whole and n > PER_RULE}
        return html.render(
            "audit.html.j2",
            doc=doc,
            severities=SEVERITIES,
            listed=LISTED,
            summary=_summary(doc),
            changes=changes,
            trend=_trend(doc),
            findings_headers=FINDINGS_HEADERS,
            data=_data(doc, self.kept, omitted),
            impact=doc.get("impact") or {},
        )


def _trend(doc: dict[str, Any]) -> dict[str, Any]:
    """The trend's points and its SVG geometry: stacked bars per run, '!' over incomplete runs, dates."""
    points = doc["trend"]
    width, height, pad = 720, 180, 24
    trend: dict[str, Any] = {"points": points, "width": width, "height": height, "pad": pad}
    if not points:
        return trend
    peak = max(max(p["findings"] for p in points), 1)
    step = min((width - 2 * pad) / len(points), 48.0)
    shapes: list[dict[str, Any]] = []  # in drawing order: each run's bars, then its marks
    for index, point in enumerate(points):
        x = pad + index * step
        y_base = height - pad
        for severity in reversed(SEVERITIES):
            count = point["by_severity"].get(severity, 0)
            if not count:
                continue
            h = (height - 2 * pad) * count / peak
            y_base -= h
            shapes.append(
                {
                    "kind": "rect",
                    "severity": severity,
                    "x": f"{x + 2:.1f}",
                    "y": f"{y_base:.1f}",
                    "width": f"{max(step - 4, 1):.1f}",
                    "height": f"{h:.1f}",
                    "title": f"{point['started_at']}: {count} {severity}",
                }
            )
        if not point["complete"]:
            shapes.append(
                {"kind": "text", "x": f"{x + step / 2:.1f}", "y": pad - 6, "cls": "inc", "text": "!"}
            )
        if index in (0, len(points) - 1) or len(points) <= 8:
            shapes.append(
                {
                    "kind": "text",
                    "x": f"{x + 2:.1f}",
                    "y": height - 8,
                    "cls": "tick",
                    "text": point["started_at"][5:10],
                }
            )
    return {**trend, "peak": peak, "baseline": height - pad, "shapes": shapes}


def linked_text(finding: dict[str, Any]) -> str:
    """The objects a finding was judged on, in one line: "campaign C1 (EXPIRED); brand B1 (FAILED)"."""
    parts = []
    for link in (finding.get("details") or {}).get("linked") or []:
        if not isinstance(link, dict):
            continue
        status = link.get("registration_status") or link.get("status")
        state = "not found" if link.get("state") == "unknown" else status
        parts.append(f"{link.get('object')} {link.get('id')}" + (f" ({state})" if state else ""))
    return "; ".join(parts)


def _message(finding: dict[str, Any]) -> str:
    linked = linked_text(finding)
    return f"{finding['message']} [judged on: {linked}]" if linked else finding["message"]


def _data(doc: dict[str, Any], kept: list[dict[str, Any]], omitted: dict[str, int]) -> dict[str, Any]:
    """What the findings table's script reads; the template embeds it with ``tojson``.

    Every finding up to INLINE of them; above, the first PER_RULE of each rule (``kept``) and
    ``omitted`` (findings of each rule left out, which the page names with their count).
    """
    rows = [
        [
            f["number"],
            f["rule"],
            f["severity"],
            f"{f['account']} / {f['subaccount']}" if "account" in f else f["subaccount"],
            (f["first_seen"] or "")[:10],
            f["age_days"],
            int(f["new"]),
            int(f["waived"]),
            _message(f),
            f["waiver"] or "",
        ]
        for f in kept
    ]
    rules = {
        r["id"]: {"remediation": r["remediation"], "doc": r["doc"], "title": r["title"]}
        for r in doc["run"]["rules"]
    }
    return {
        "rows": rows,
        "rules": rules,
        "total": len(doc["findings"]),
        "omitted": omitted,
        "per_rule": PER_RULE,
    }


def render_html(doc: dict[str, Any]) -> str:
    page = PageFindings(doc)
    for finding in doc["findings"]:
        page.add(finding)
    return page.render()


def write_html(document: dict[str, Any], path: Path) -> None:
    path.write_text(render_html(document), encoding="utf-8")
