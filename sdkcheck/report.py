"""``reports/sdk.html``: per SDK and method, what was sent, whether it conformed, and the findings.

One self-contained file (inline CSS, no scripts, nothing fetched). Differences from the reviewed findings
list come first, marked DIFFERENCE. Requests are recorded with the Authorization header already reduced
to the claimed user; what an SDK raised or a server answered can still quote a token, so the whole page
passes the run's redactor (:mod:`contracts.redacting`) before it is written.
"""

from __future__ import annotations

import datetime
from collections import Counter
from html import escape
from pathlib import Path

from contracts import redacting

from .findings import KnownFinding, ObservedFinding
from .run import Exchange, SdkRun
from .served import SEED

__all__ = ["render", "write_report"]

SDK_TITLES = {"python": "Python SDK (plivo on PyPI)", "node": "Node SDK (plivo on npm)"}

CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d1d1f; }
h1 { font-size: 1.5em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; } h3 { margin-top: 1.2em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; }
th, td { border: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f5; }
code, pre { font: 12px/1.35 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
pre { margin: 0; }
.conforms { color: #106b21; } .tolerant { color: #8a5a00; } .fails { color: #b00020; font-weight: 600; }
.difference { background: #ffe8e8; color: #b00020; font-weight: 700; }
.ok { background: #e9f7ec; } .muted { color: #666; }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; background: #eee; margin: 1px; }
"""


def write_report(run: SdkRun, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redacting.redact(render(run)), encoding="utf-8")
    return path


def render(run: SdkRun) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Plivo SDK conformance</title>',
        f"<style>{CSS}</style></head><body>",
        "<h1>Plivo SDKs against the Account Phone Numbers contract</h1>",
        _summary(run),
        _differences(run),
        _findings_table(run),
    ]
    for sdk in SDK_TITLES:
        parts.append(_sdk_section(run, sdk))
    parts.append("</body></html>")
    return "\n".join(parts)


def _summary(run: SdkRun) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = []
    for sdk, title in SDK_TITLES.items():
        exchanges = [e for e in run.exchanges if e.sdk == sdk]
        verdicts = Counter(c.verdict for e in exchanges if not e.deliberate for c in e.checks)
        if sdk in run.skipped and not exchanges:
            state = f"skipped: {escape(run.skipped[sdk])}"
        else:
            state = ", ".join(f"{n} {escape(v)}" for v, n in sorted(verdicts.items())) or "no requests"
        compared = "complete run" if sdk in run.complete else "partial run (not compared for GONE)"
        rows.append(
            f"<tr><td>{escape(title)}</td><td>{escape(run.versions.get(sdk, '-'))}</td>"
            f"<td>{len(exchanges)}</td><td>{sum(len(e.checks) for e in exchanges)}</td>"
            f"<td>{state}</td><td>{compared}</td></tr>"
        )
    reconciliation = run.reconciliation
    if reconciliation is None:
        status = '<p class="muted">Findings were not reconciled in this run.</p>'
    elif reconciliation.ok:
        status = (
            '<p class="ok">Observed findings match the reviewed list: '
            f"{len(reconciliation.matched)} observed, {len(reconciliation.not_compared)} not compared.</p>"
        )
    else:
        status = (
            f'<p class="difference">DIFFERENCE: {len(reconciliation.new)} new, {len(reconciliation.gone)} '
            "no longer observed. The run fails until sdkcheck/known_findings.yaml is reviewed.</p>"
        )
    return (
        f'<p class="muted">Generated {now}; emulator seed {SEED}, served on loopback behind a request '
        "recorder; every request checked against openapi/number.yaml at the documented (strict) and "
        "tolerant levels.</p>"
        + status
        + "<table><tr><th>SDK</th><th>version</th><th>calls</th><th>requests</th>"
        "<th>verdicts (excluding deliberate error cases)</th><th>comparison</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _differences(run: SdkRun) -> str:
    reconciliation = run.reconciliation
    if reconciliation is None or reconciliation.ok:
        return ""
    rows = []
    for group in reconciliation.new:
        first = group[0]
        rows.append(
            f'<tr class="difference"><td>NEW (not in the reviewed list)</td><td>{escape(first.sdk)}</td>'
            f"<td>{escape(first.method)}</td><td><code>{escape(first.signature)}</code></td>"
            f"<td><code>{escape(first.evidence)}</code> ({len(group)}x)</td></tr>"
        )
    for known in reconciliation.gone:
        rows.append(
            f'<tr class="difference"><td>GONE ({escape(known.id)} no longer observed)</td>'
            f"<td>{escape(known.sdk)}</td><td>{escape(known.method)}</td>"
            f"<td><code>{escape(known.signature)}</code></td><td>{escape(known.evidence)}</td></tr>"
        )
    return (
        "<h2>Differences from the reviewed findings</h2>"
        "<table><tr><th>difference</th><th>SDK</th><th>method</th><th>signature</th><th>evidence</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _status(run: SdkRun, known: KnownFinding) -> tuple[str, str, list[ObservedFinding]]:
    reconciliation = run.reconciliation
    observed = [f for f in run.observed if f.key == known.key]
    if observed:
        return "observed", "ok", observed
    if reconciliation is not None and known in reconciliation.gone:
        return "DIFFERENCE: no longer observed", "difference", []
    return "not compared (SDK not run completely)", "muted", []


def _findings_table(run: SdkRun) -> str:
    rows = []
    for known in run.known:
        status, css, observed = _status(run, known)
        example = (
            f"<br><span class='muted'>this run: <code>{escape(observed[0].evidence)}</code></span>"
            if observed
            else ""
        )
        rows.append(
            f"<tr><td>{escape(known.id)}</td><td>{escape(known.sdk)}</td><td>{escape(known.method)}</td>"
            f"<td>{escape(known.description)}<br><code class='muted'>{escape(known.signature)}</code></td>"
            f"<td>{escape(known.evidence)}{example}</td><td class='{css}'>{escape(status)}"
            f"{f' ({len(observed)}x)' if observed else ''}</td></tr>"
        )
    return (
        "<h2>Reviewed SDK-vs-contract findings</h2>"
        "<table><tr><th>id</th><th>SDK</th><th>method</th><th>description</th><th>evidence</th>"
        "<th>this run</th></tr>" + "".join(rows) + "</table>"
    )


def _finding_label(run: SdkRun, finding: ObservedFinding) -> str:
    for known in run.known:
        if known.key == finding.key:
            return f'<span class="badge">{escape(known.id)}</span>'
    return f'<span class="badge difference">NEW {escape(finding.signature)}</span>'


def _verdict_cell(exchange: Exchange) -> str:
    if not exchange.checks:
        return '<span class="muted">nothing sent</span>'
    cells = []
    for check in exchange.checks:
        css = {"conforms": "conforms", "conforms tolerant, not strict": "tolerant"}.get(
            check.verdict, "fails"
        )
        text: str = check.verdict
        if exchange.deliberate and check.verdict != "conforms":
            text += " (deliberate)"
        details = "".join(f"<br><code>{escape(str(v))}</code>" for v in check.documented)
        extra = [v for v in check.tolerant if v.key not in {d.key for d in check.documented}]
        details += "".join(f"<br><code>{escape(str(v))}</code>" for v in extra)
        cells.append(f'<span class="{css}">{escape(text)}</span>{details}')
    return "<hr>".join(cells)


def _sent_cell(exchange: Exchange) -> str:
    lines = []
    for request in exchange.requests:
        body = request.body.decode("utf-8", "replace")
        content_type = request.header("content-type")
        line = f"{request.method} {request.target}"
        if content_type:
            line += f"\nContent-Type: {content_type}"
        if body:
            line += f"\n{body[:500]}"
        line += f"\n-> {request.status}"
        lines.append(f"<pre>{escape(line)}</pre>")
    return "".join(lines) or '<span class="muted">-</span>'


def _sdk_section(run: SdkRun, sdk: str) -> str:
    title = SDK_TITLES[sdk]
    exchanges = [e for e in run.exchanges if e.sdk == sdk]
    behaviour = [f for f in run.observed if f.sdk == sdk and not f.signature.startswith("request ")]
    out = [f"<h2>{escape(title)} {escape(run.versions.get(sdk, ''))}</h2>"]
    if sdk in run.skipped:
        out.append(f'<p class="difference">Skipped: {escape(run.skipped[sdk])}</p>')
    if behaviour:
        items = "".join(
            f"<li>{_finding_label(run, f)} {escape(f.method)}: {escape(f.evidence)}</li>" for f in behaviour
        )
        out.append(f"<h3>Behaviour and surface observations</h3><ul>{items}</ul>")
    methods: dict[str, list[Exchange]] = {}
    for exchange in exchanges:
        methods.setdefault(exchange.method, []).append(exchange)
    for method, group in methods.items():
        out.append(f"<h3>{escape(method)} ({len(group)} calls)</h3>")
        out.append(
            "<table><tr><th>call</th><th>sent</th><th>verdict</th><th>findings</th><th>outcome</th></tr>"
        )
        for exchange in group:
            labels = "".join(_finding_label(run, f) for f in _unique(exchange.findings)) or "-"
            out.append(
                f"<tr><td><code>{escape(exchange.call)}</code></td><td>{_sent_cell(exchange)}</td>"
                f"<td>{_verdict_cell(exchange)}</td><td>{labels}</td><td>{escape(exchange.outcome)}</td></tr>"
            )
        out.append("</table>")
    return "\n".join(out)


def _unique(findings: list[ObservedFinding]) -> list[ObservedFinding]:
    return list({f.key: f for f in findings}.values())
