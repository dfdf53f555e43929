"""``reports/sdk.html``: per SDK and method, what was sent, whether it conformed, and the findings.

One self-contained file (inline CSS, no scripts, nothing fetched), rendered from
openapi/templates/sdk.html.j2, which escapes every value. Differences from the reviewed findings
list come first, marked DIFFERENCE. Requests are recorded with the Authorization header already reduced
to the claimed user; what an SDK raised or a server answered can still quote a token, so the whole page
passes the run's redactor (:mod:`contracts.redacting`) before it is written.
"""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path
from typing import Any

from contracts import redacting
from openapi import html

from .findings import KnownFinding, ObservedFinding
from .sdkrun import Exchange, SdkRun
from .served import SEED

__all__ = ["render", "write_report"]

SDK_TITLES = {"python": "Python SDK (plivo on PyPI)", "node": "Node SDK (plivo on npm)"}


def write_report(run: SdkRun, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redacting.redact(render(run)), encoding="utf-8")
    return path


def render(run: SdkRun) -> str:
    """The page, from openapi/templates/sdk.html.j2 (the reports' shared look; autoescaped)."""
    return html.render(
        "sdk.html.j2",
        generated=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        seed=SEED,
        reconciliation=run.reconciliation,
        summary_rows=_summary_rows(run),
        known_rows=[_known_row(run, known) for known in run.known],
        sections=[_sdk_section(run, sdk) for sdk in SDK_TITLES],
    )


def _summary_rows(run: SdkRun) -> list[dict[str, Any]]:
    rows = []
    for sdk, title in SDK_TITLES.items():
        exchanges = [e for e in run.exchanges if e.sdk == sdk]
        verdicts = Counter(c.verdict for e in exchanges if not e.deliberate for c in e.checks)
        if sdk in run.skipped and not exchanges:
            state = f"skipped: {run.skipped[sdk]}"
        else:
            state = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())) or "no requests"
        rows.append(
            {
                "title": title,
                "version": run.versions.get(sdk, "-"),
                "calls": len(exchanges),
                "requests": sum(len(e.checks) for e in exchanges),
                "state": state,
                "compared": "complete run" if sdk in run.complete else "partial run (not compared for GONE)",
            }
        )
    return rows


def _known_row(run: SdkRun, known: KnownFinding) -> dict[str, Any]:
    """A reviewed finding and what this run saw of it: status text, its CSS class, the observations."""
    reconciliation = run.reconciliation
    observed = [f for f in run.observed if f.key == known.key]
    if observed:
        status, css = "observed", "ok"
    elif reconciliation is not None and known in reconciliation.gone:
        status, css = "DIFFERENCE: no longer observed", "difference"
    else:
        status, css = "not compared (SDK not run completely)", "muted"
    return {"known": known, "status": status, "css": css, "observed": observed}


def _label(run: SdkRun, finding: ObservedFinding) -> dict[str, Any]:
    """A finding's badge: the reviewed id it matches, or NEW and its signature."""
    for known in run.known:
        if known.key == finding.key:
            return {"known": True, "text": known.id}
    return {"known": False, "text": finding.signature}


def _checks(exchange: Exchange) -> list[dict[str, Any]]:
    checks = []
    for check in exchange.checks:
        css = {"conforms": "conforms", "conforms tolerant, not strict": "tolerant"}.get(
            check.verdict, "fails"
        )
        text: str = check.verdict
        if exchange.deliberate and check.verdict != "conforms":
            text += " (deliberate)"
        documented = {d.key for d in check.documented}
        violations = [str(v) for v in check.documented]
        violations += [str(v) for v in check.tolerant if v.key not in documented]
        checks.append({"css": css, "text": text, "violations": violations})
    return checks


def _sent(exchange: Exchange) -> list[str]:
    """Each request as text: request line, content type, the body's first 500 characters, the status."""
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
        lines.append(line)
    return lines


def _sdk_section(run: SdkRun, sdk: str) -> dict[str, Any]:
    exchanges = [e for e in run.exchanges if e.sdk == sdk]
    behaviour = [f for f in run.observed if f.sdk == sdk and not f.signature.startswith("request ")]
    methods: dict[str, list[dict[str, Any]]] = {}
    for exchange in exchanges:
        methods.setdefault(exchange.method, []).append(
            {
                "exchange": exchange,
                "sent": _sent(exchange),
                "checks": _checks(exchange),
                "labels": [_label(run, f) for f in _unique(exchange.findings)],
            }
        )
    return {
        "title": SDK_TITLES[sdk],
        "version": run.versions.get(sdk, ""),
        "skipped": run.skipped.get(sdk),
        "behaviour": [{"label": _label(run, f), "finding": f} for f in behaviour],
        "methods": list(methods.items()),
    }


def _unique(findings: list[ObservedFinding]) -> list[ObservedFinding]:
    return list({f.key: f for f in findings}.values())
