"""audit.html opened in headless Chromium: the summary renders and the findings table fills."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audits.chromium import chromium_path, load_page, screenshot
from audits.cli import main

ROOT = Path(__file__).parents[2]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None, reason="chromium not installed (Debian: apt-get install chromium)"
    ),
]


def test_report_renders_in_chromium(tmp_path: Path) -> None:
    main(["--out", str(tmp_path), "--numbers", "300", "--no-progress"])
    doc = json.loads((tmp_path / "audit.json").read_text())
    html = tmp_path / "audit.html"

    page = load_page(html)
    dom = page.dom
    assert 'data-ready="1"' in dom, "the report's script did not finish"
    summary = dom.split('<section id="summary">')[1].split("</section>")[0]
    assert re.search(r'<div class="value">300</div><div class="label">numbers audited</div>', summary)
    findings = doc["summary"]["findings"]
    assert re.search(rf'<div class="value">{findings}</div><div class="label">findings</div>', summary)
    for rule_id, counts in doc["summary"]["by_rule"].items():
        row = rf'#rule-{rule_id}">{rule_id}</a></td><td>[^<]*</td><td><span[^>]*>[a-z]+</span></td>'
        assert re.search(rf"{row}<td>{sum(counts.values())}</td>", summary), rule_id
    shown = min(findings, 100)
    table = dom.split('<table id="findings">')[1].split("</table>")[0]
    assert table.count("<tr>") == shown + 1  # header row + one page of findings
    assert f"showing 1-{shown} of {len(doc['findings'])} findings" in dom
    assert page.loaded_ms is not None

    kept = screenshot(html, ROOT / "reports" / "audit.png")
    assert kept.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert kept.stat().st_size > 10_000
