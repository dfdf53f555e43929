"""audit.html: one self-contained page for people (no external files, scripts or fonts).

The summary, new/resolved lists and trend are rendered here, so they read even
with scripts off; the findings table is rendered by an inline script from the
embedded data so it can sort, filter and page through 100,000 findings quickly.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low", "info")
LISTED = 200
"""Rows shown in the new/resolved lists; the findings table has them all."""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], cls: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _sev(label: str) -> str:
    return f'<span class="sev sev-{_e(label)}">{_e(label)}</span>'


def _card(label: str, value: Any, cls: str = "") -> str:
    return (
        f'<div class="card {cls}"><div class="value">{_e(value)}</div>'
        f'<div class="label">{_e(label)}</div></div>'
    )


def _header(doc: dict[str, Any]) -> str:
    run = doc["run"]
    status = doc["status"]
    reasons = ""
    if not doc["complete"]:
        items = "".join(f"<li>{_e(r)}</li>" for r in doc["incomplete_reasons"])
        reasons = (
            '<div class="banner incomplete" id="incomplete"><strong>INCOMPLETE inventory.</strong> '
            "Not every number could be read, so this audit cannot call the account clean."
            f"<ul>{items}</ul></div>"
        )
    notes = ""
    if doc.get("notes"):
        items = "".join(f"<li>{_e(n)}</li>" for n in doc["notes"])
        notes = (
            f'<div class="banner notes" id="notes"><strong>Notes on the crawl.</strong><ul>{items}</ul></div>'
        )
    threshold = doc["threshold"]
    return f"""
<header>
  <h1>Plivo number compliance audit
    <span class="status status-{_e(status.lower())}" id="status">{_e(status)}</span></h1>
  <p class="meta">Target <strong>{_e(run["target"]["label"])}</strong> ({_e(run["target"]["base_url"])})
  &middot; started {_e(run["started_at"])} &middot; {_e(run["duration_s"])} s
  &middot; policy {_e(run["policy"]["source"])}
  &middot; threshold: fail on {_e(threshold["fail_on"])} (more than {_e(threshold["max_findings"])})</p>
  {reasons}
  {notes}
</header>"""


def _summary(doc: dict[str, Any]) -> str:
    summary = doc["summary"]
    by_severity = summary["by_severity"]
    cards = "".join(
        [
            _card("numbers audited", doc["numbers_audited"]),
            _card("numbers read / total_count", f"{doc['numbers_read']} / {doc['total_count']}"),
            _card("findings", summary["findings"]),
            *[_card(s, by_severity.get(s, 0), f"sev-{s}") for s in SEVERITIES[:3]],
            _card("new since last run", summary["new"]),
            _card("resolved since last run", summary["resolved"]),
            _card("waived", summary["waived"]),
        ]
    )
    rules = {r["id"]: r for r in doc["run"]["rules"]}
    rule_rows = [
        (
            f'<a href="#rule-{_e(rid)}">{_e(rid)}</a>',
            _e(rules[rid]["title"]),
            _sev(rules[rid]["severity"]),
            str(sum(counts.values())),
        )
        for rid, counts in summary["by_rule"].items()
    ]
    severity_rows = [(_sev(s), str(by_severity.get(s, 0))) for s in SEVERITIES]
    sub_rows = [
        (_e(sub), *[str(counts.get(s, 0)) for s in SEVERITIES], str(sum(counts.values())))
        for sub, counts in summary["by_subaccount"].items()
    ]
    return f"""
<section id="summary">
  <h2>Summary</h2>
  <div class="cards">{cards}</div>
  <div class="grid">
    <div><h3>By rule</h3>{_table(("rule", "title", "severity", "findings"), rule_rows, "by-rule")}</div>
    <div><h3>By severity</h3>{_table(("severity", "findings"), severity_rows, "by-severity")}</div>
  </div>
  <h3>By subaccount</h3>{_table(("subaccount", *SEVERITIES, "total"), sub_rows, "by-subaccount")}
</section>"""


def _changes(doc: dict[str, Any]) -> str:
    previous = doc["run"]["history"]["previous_run"]
    since = f"since the run of {_e(previous)}" if previous else "(first recorded run: every finding is new)"
    new = [f for f in doc["findings"] if f["new"] and not f["waived"]]
    new_rows = [
        (_e(f["number"]), _e(f["rule"]), _sev(f["severity"]), _e(f["subaccount"])) for f in new[:LISTED]
    ]
    resolved_rows = [
        (_e(r["number"]), _e(r["rule"]), _sev(r["severity"]), _e(r["subaccount"]), _e(r["first_seen"]))
        for r in doc["resolved"][:LISTED]
    ]
    more_new = (
        f"<p>... and {len(new) - LISTED} more (filter the table by 'new').</p>" if len(new) > LISTED else ""
    )
    more_resolved = (
        f"<p>... and {len(doc['resolved']) - LISTED} more (audit.json).</p>"
        if len(doc["resolved"]) > LISTED
        else ""
    )
    new_table = _table(("number", "rule", "severity", "subaccount"), new_rows, "new")
    resolved_table = _table(
        ("number", "rule", "severity", "subaccount", "first seen"), resolved_rows, "resolved"
    )
    return f"""
<section id="changes">
  <h2>Changes {since}</h2>
  <div class="grid">
    <div><h3>New ({len(new)})</h3><div class="scroll">{new_table}</div>{more_new}</div>
    <div><h3>Resolved ({len(doc["resolved"])})</h3>
    <div class="scroll">{resolved_table}</div>{more_resolved}</div>
  </div>
</section>"""


def _trend(doc: dict[str, Any]) -> str:
    points = doc["trend"]
    if not points:
        return '<section id="trend"><h2>Trend</h2><p>No runs recorded yet.</p></section>'
    width, height, pad = 720, 180, 24
    peak = max(max(p["findings"] for p in points), 1)
    step = min((width - 2 * pad) / len(points), 48.0)
    bars = []
    for index, point in enumerate(points):
        x = pad + index * step
        y_base = height - pad
        for severity in reversed(SEVERITIES):
            count = point["by_severity"].get(severity, 0)
            if not count:
                continue
            h = (height - 2 * pad) * count / peak
            y_base -= h
            bars.append(
                f'<rect class="bar sev-{severity}" x="{x + 2:.1f}" y="{y_base:.1f}" '
                f'width="{max(step - 4, 1):.1f}" '
                f'height="{h:.1f}"><title>{_e(point["started_at"])}: {count} {severity}</title></rect>'
            )
        if not point["complete"]:
            bars.append(f'<text x="{x + step / 2:.1f}" y="{pad - 6}" class="inc">!</text>')
        if index in (0, len(points) - 1) or len(points) <= 8:
            day = _e(point["started_at"][5:10])
            bars.append(f'<text x="{x + 2:.1f}" y="{height - 8}" class="tick">{day}</text>')
    svg = (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="findings per run">'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" class="axis"/>'
        f'<text x="2" y="{pad}" class="tick">{peak}</text>{"".join(bars)}</svg>'
    )
    rows = [
        (
            _e(p["started_at"]),
            "complete" if p["complete"] else '<span class="sev sev-critical">INCOMPLETE</span>',
            str(p["numbers_audited"]),
            str(p["findings"]),
            *[str(p["by_severity"].get(s, 0)) for s in SEVERITIES[:3]],
            str(p["new"]),
            str(p["resolved"]),
        )
        for p in reversed(points)
    ]
    table = _table(
        ("run", "inventory", "numbers", "findings", *SEVERITIES[:3], "new", "resolved"), rows, "trend"
    )
    return (
        f'<section id="trend"><h2>Trend across runs ({len(points)})</h2>{svg}'
        f"<details><summary>Runs</summary>{table}</details></section>"
    )


def _rules(doc: dict[str, Any]) -> str:
    items = []
    for rule in doc["run"]["rules"]:
        overridden = (
            ""
            if rule["severity"] == rule["default_severity"]
            else f" (default {_e(rule['default_severity'])})"
        )
        items.append(
            f'<div class="rule" id="rule-{_e(rule["id"])}">'
            f"<h3>{_e(rule['id'])} {_sev(rule['severity'])}{overridden}</h3>"
            f"<p><strong>{_e(rule['title'])}.</strong> Scope: {_e(rule['scope'])}.</p>"
            f"<p><em>Why:</em> {_e(rule['rationale'])}</p>"
            f"<p><em>Fix:</em> {_e(rule['remediation'])}</p>"
            f'<p><a href="{_e(rule["doc"])}">{_e(rule["doc"])}</a></p></div>'
        )
    return f'<section id="rules"><h2>Rules</h2>{"".join(items)}</section>'


def _data(doc: dict[str, Any]) -> str:
    rows = [
        [
            f["number"],
            f["rule"],
            f["severity"],
            f["subaccount"],
            (f["first_seen"] or "")[:10],
            f["age_days"],
            int(f["new"]),
            int(f["waived"]),
            f["message"],
            f["waiver"] or "",
        ]
        for f in doc["findings"]
    ]
    rules = {
        r["id"]: {"remediation": r["remediation"], "doc": r["doc"], "title": r["title"]}
        for r in doc["run"]["rules"]
    }
    payload = json.dumps({"rows": rows, "rules": rules}, separators=(",", ":"))
    # "</script>" inside the data would end the element early.
    return payload.replace("<", "\\u003c")


STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 24px 48px; color: #222 }
h1 { font-size: 22px }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 32px }
.meta { color: #555 }
.status { padding: 2px 10px; border-radius: 4px; color: #fff; font-size: 16px }
.status-passed { background: #2e7d32 }
.status-failed { background: #c62828 }
.status-incomplete { background: #6a1b9a }
.banner { padding: 10px 14px; border-radius: 4px; margin: 12px 0 }
.incomplete { background: #f3e5f5; border: 2px solid #6a1b9a }
.notes { background: #fffde7; border: 1px solid #f9a825 }
.cards { display: flex; flex-wrap: wrap; gap: 10px }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 110px }
.card .value { font-size: 22px; font-weight: 600 }
.card .label { color: #666; font-size: 12px }
.card[class*=sev-], .card[class*=sev-] .label { color: #fff }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 20px }
.scroll { max-height: 320px; overflow: auto }
table { border-collapse: collapse; width: 100% }
th, td { border-bottom: 1px solid #eee; padding: 4px 8px; text-align: left; vertical-align: top }
th { background: #fafafa }
#findings th { cursor: pointer; user-select: none }
#findings th.sorted-asc:after { content: " \\25B2" }
#findings th.sorted-desc:after { content: " \\25BC" }
.sev { padding: 1px 6px; border-radius: 3px; font-size: 12px; color: #fff; background: #777 }
.sev-critical { background: #b71c1c; fill: #b71c1c }
.sev-high { background: #e65100; fill: #e65100 }
.sev-medium { background: #f9a825; fill: #f9a825 }
.sev-low { background: #1565c0; fill: #1565c0 }
.sev-info { background: #607d8b; fill: #607d8b }
.axis { stroke: #999 }
.tick { font-size: 10px; fill: #666 }
.inc { fill: #6a1b9a; font-weight: bold }
.filters { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 }
.filters input, .filters select { padding: 4px }
.pager { margin: 8px 0 }
.rule { border-left: 3px solid #ddd; padding-left: 12px; margin: 10px 0 }
.rule h3 { margin: 4px 0 }
td.fix { color: #444; font-size: 12px; max-width: 420px }
"""

# Rows are arrays: [number, rule, severity, subaccount, first_seen, age_days, new, waived, message, waiver].
SCRIPT = """
(function () {
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById("audit-data").textContent);
  var ORDER = {critical: 4, high: 3, medium: 2, low: 1, info: 0};
  var SORTABLE = 9, PAGE = 100;
  var state = {key: 2, dir: -1, page: 0};
  var body = document.querySelector("#findings tbody");
  var info = document.getElementById("shown");
  var f = {};
  ["q", "rule", "sev", "sub", "state"].forEach(function (k) { f[k] = document.getElementById("f-" + k); });
  function options(select, values) {
    values.forEach(function (v) {
      var o = document.createElement("option"); o.value = v; o.textContent = v; select.appendChild(o);
    });
  }
  function distinct(i) {
    var seen = {}; D.rows.forEach(function (r) { seen[r[i]] = 1; }); return Object.keys(seen).sort();
  }
  options(f.rule, distinct(1));
  options(f.sev, ["critical", "high", "medium", "low", "info"]);
  options(f.sub, distinct(3));
  var ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"};
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return ENTITIES[c]; }); }
  var view = D.rows;
  function keep(r, q) {
    if (f.rule.value && r[1] !== f.rule.value) return false;
    if (f.sev.value && r[2] !== f.sev.value) return false;
    if (f.sub.value && r[3] !== f.sub.value) return false;
    var st = f.state.value;
    if ((st === "new" && !r[6]) || (st === "waived" && !r[7]) || (st === "open" && r[7])) return false;
    return !q || (r[0] + " " + r[8] + " " + r[9]).toLowerCase().indexOf(q) >= 0;
  }
  function apply() {
    var q = f.q.value.trim().toLowerCase(), k = state.key, d = state.dir;
    view = D.rows.filter(function (r) { return keep(r, q); });
    view.sort(function (a, b) {
      var x = a[k], y = b[k];
      if (k === 2) { x = ORDER[x]; y = ORDER[y]; }
      if (x < y) return -d;
      if (x > y) return d;
      return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
    });
    state.page = Math.min(state.page, Math.max(0, Math.ceil(view.length / PAGE) - 1));
    render();
  }
  function row(r) {
    var rule = D.rules[r[1]] || {};
    var cells = [
      esc(r[0]),
      '<a href="#rule-' + esc(r[1]) + '">' + esc(r[1]) + "</a>",
      '<span class="sev sev-' + esc(r[2]) + '">' + esc(r[2]) + "</span>",
      esc(r[3]), esc(r[4]), esc(r[5]), r[6] ? "new" : "", r[7] ? "waived: " + esc(r[9]) : "",
      esc(r[8])
    ];
    return "<tr><td>" + cells.join("</td><td>") + '</td><td class="fix">' + esc(rule.remediation || "") +
      "</td></tr>";
  }
  function render() {
    var start = state.page * PAGE, rows = view.slice(start, start + PAGE);
    body.innerHTML = rows.map(row).join("");
    info.textContent = view.length
      ? "showing " + (start + 1) + "-" + (start + rows.length) + " of " + view.length +
        " findings (" + D.rows.length + " in total)"
      : "no findings match";
    document.querySelectorAll("#findings th").forEach(function (th, i) {
      th.className = i === state.key ? (state.dir > 0 ? "sorted-asc" : "sorted-desc") : "";
    });
  }
  document.querySelectorAll("#findings th").forEach(function (th, i) {
    if (i >= SORTABLE) return;
    th.addEventListener("click", function () {
      if (state.key === i) { state.dir = -state.dir; } else { state.key = i; state.dir = i === 2 ? -1 : 1; }
      apply();
    });
  });
  Object.keys(f).forEach(function (k) {
    f[k].addEventListener("input", function () { state.page = 0; apply(); });
  });
  document.getElementById("prev").addEventListener("click", function () {
    if (state.page > 0) { state.page--; render(); }
  });
  document.getElementById("next").addEventListener("click", function () {
    if ((state.page + 1) * PAGE < view.length) { state.page++; render(); }
  });
  apply();
  document.body.setAttribute("data-render-ms", (performance.now() - t0).toFixed(1));
  document.body.setAttribute("data-loaded-ms", performance.now().toFixed(1));
  document.body.setAttribute("data-ready", "1");
})();
"""


def _findings_table() -> str:
    headers = (
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
    head = "".join(f"<th>{h}</th>" for h in headers)
    return f"""
<section id="findings-section">
  <h2>Findings</h2>
  <div class="filters">
    <input id="f-q" type="search" placeholder="search number or text" aria-label="search">
    <select id="f-rule" aria-label="rule"><option value="">all rules</option></select>
    <select id="f-sev" aria-label="severity"><option value="">all severities</option></select>
    <select id="f-sub" aria-label="subaccount"><option value="">all subaccounts</option></select>
    <select id="f-state" aria-label="state"><option value="">open and waived</option>
      <option value="open">open</option>
      <option value="new">new</option><option value="waived">waived</option></select>
  </div>
  <div class="pager"><button id="prev" type="button">&larr; previous</button>
    <span id="shown">the findings table needs JavaScript; audit.csv has every finding</span>
    <button id="next" type="button">next &rarr;</button></div>
  <table id="findings"><thead><tr>{head}</tr></thead><tbody></tbody></table>
</section>"""


def render_html(doc: dict[str, Any]) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plivo number audit: {_e(doc["status"])}</title>
<style>{STYLE}</style></head>
<body data-status="{_e(doc["status"])}">
{_header(doc)}
{_summary(doc)}
{_changes(doc)}
{_trend(doc)}
{_findings_table()}
{_rules(doc)}
<script id="audit-data" type="application/json">{_data(doc)}</script>
<script>{SCRIPT}</script>
</body></html>
"""


def write_html(document: dict[str, Any], path: Path) -> None:
    path.write_text(render_html(document), encoding="utf-8")
