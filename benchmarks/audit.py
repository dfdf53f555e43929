"""Audit crawler figures against the emulator with 100,000 numbers (5,000 pages) and 50 ms latency.

    python -m benchmarks audit            (make benchmarks runs every benchmark)

(a) no rate limit anywhere, crawler concurrency raised: crawler vs the official
    Python SDK's sequential loop ``client.numbers.list(limit=20, offset=...)``.
    5,000 sequential pages at 50 ms take over four minutes, so the SDK loop is timed
    over a sample of pages and extrapolated (said so in the output). Also the ratio
    to the ideal pages x latency / concurrency.
(b) emulator enforcing Plivo's 300 requests per 5 s, crawler on its defaults, a full
    audit (crawl, rules, history, four reports): time vs the bound 5,000 / 60 s, 429s
    answered, peak memory (max RSS of the audit process), and audit.html's load time
    in headless Chromium.
(c) rate limit plus 5% of requests failing (5xx): the numbers found must be exactly
    the inventory's.

Each emulator is a separate ``python -m emulator`` process and each crawl a separate
Python process, so server, client and measurement do not share a GIL or a heap.
Environment: AUDIT_BENCH_NUMBERS (default 100000), AUDIT_BENCH_SDK_PAGES (200),
AUDIT_BENCH_CONCURRENCY for (a), comma-separated (default 10,20,40).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from emulator.process import spawn

ROOT = Path(__file__).parents[1]
AUTH_ID = "MABENCHAUDIT00000001"
AUTH_TOKEN = "bench-audit-token-not-secret"
SEED = 7
LATENCY = 0.05
PAGE = 20


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@contextlib.contextmanager
def emulator(numbers: int, *faults: str) -> Iterator[str]:
    """``python -m emulator`` on a free loopback port; yields its base URL."""
    args = ["--seed", str(SEED), "--numbers", str(numbers), "--auth-id", AUTH_ID, "--auth-token", AUTH_TOKEN]
    with spawn(*args, *faults) as served:
        yield served.base_url


def _child(base_url: str, mode: str, out_dir: Path, **options: Any) -> dict[str, Any]:
    """Run one crawl or audit in a fresh process and return its figures."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.audit",
        "--child",
        json.dumps({"base_url": base_url, "mode": mode, "out": str(out_dir), "options": options}),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_main(spec: dict[str, Any]) -> None:
    """In the child process: crawl (mode "crawl") or full audit with reports (mode "audit")."""
    import asyncio

    from audits.inventory import CrawlSettings, crawl
    from audits.policy import Policy
    from audits.report import write_all
    from audits.run import run_audit
    from audits.target import AuditTarget

    out = Path(spec["out"])
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    figures: dict[str, Any] = {}
    if spec["mode"] == "crawl":
        settings = CrawlSettings(spec["base_url"], AUTH_ID, AUTH_TOKEN, **spec["options"])
        inventory = asyncio.run(crawl(settings))
        figures["crawl_s"] = inventory.stats.elapsed_s
    else:
        target = AuditTarget("benchmark emulator", spec["base_url"], AUTH_ID, AUTH_TOKEN, "benchmark")
        result = run_audit(target, Policy(), out / "audit-history.sqlite", spec["options"])
        figures["rss_after_audit_mb"] = _max_rss_mb()
        inventory = result.inventory
        figures["crawl_s"] = inventory.stats.elapsed_s
        report_started = time.monotonic()
        document = result.document()
        figures["rss_after_document_mb"] = _max_rss_mb()
        write_all(document, out)
        figures["reports_s"] = time.monotonic() - report_started
        figures["findings"] = len(result.evaluation.findings)
    (out / "numbers.txt").write_text("\n".join(sorted(inventory.records)))
    figures.update(
        total_s=time.monotonic() - started,
        complete=inventory.complete,
        problems=inventory.problems,
        numbers=len(inventory),
        total_count=inventory.total_count,
        stats=inventory.stats.as_dict(),
        max_rss_mb=_max_rss_mb(),
    )
    print(json.dumps(figures))


def _max_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sdk_loop(base_url: str, pages: int) -> float:
    """Seconds per page of the official SDK's sequential paging loop."""
    import plivo
    import plivo.rest.client

    # The SDK resets its base URI from this module constant before every request.
    plivo.rest.client.PLIVO_API_BASE_URI = f"{base_url}/v1/Account"
    client = plivo.RestClient(AUTH_ID, AUTH_TOKEN)
    started = time.monotonic()
    seen = 0
    for page in range(pages):
        response = client.numbers.list(limit=PAGE, offset=page * PAGE)
        seen += len(response)
    elapsed = time.monotonic() - started
    if seen != pages * PAGE:
        raise RuntimeError(f"SDK loop read {seen} numbers from {pages} pages")
    return elapsed / pages


def expected_numbers(numbers: int) -> set[str]:
    from emulator import EmulatorConfig, create_app

    app = create_app(EmulatorConfig(seed=SEED, numbers=numbers, auth_id=AUTH_ID, auth_token=AUTH_TOKEN))
    return set(app.state.store.numbers(AUTH_ID))


def _found(out: Path) -> set[str]:
    return set((out / "numbers.txt").read_text().split())


def main() -> None:
    numbers = _env_int("AUDIT_BENCH_NUMBERS", 100_000)
    sdk_pages = _env_int("AUDIT_BENCH_SDK_PAGES", 200)
    concurrencies = [int(c) for c in os.environ.get("AUDIT_BENCH_CONCURRENCY", "10,20,40").split(",")]
    pages = -(-numbers // PAGE)
    print(f"inventory: {numbers} numbers = {pages} pages of {PAGE}; emulator latency {LATENCY * 1000:.0f} ms")
    expected = expected_numbers(numbers)
    work = Path(tempfile.mkdtemp(prefix="audit-bench-"))

    print("\n(a) no rate limit; crawler concurrency raised vs the SDK's sequential loop")
    with emulator(numbers, "--latency", str(LATENCY)) as base_url:
        per_page = sdk_loop(base_url, sdk_pages)
        sdk_total = per_page * pages
        print(
            f"  SDK loop: {per_page * 1000:.1f} ms per page over a sample of {sdk_pages} pages; "
            f"EXTRAPOLATED to {pages} pages: {sdk_total:.1f} s (not run in full)"
        )
        runs = [
            (c, _child(base_url, "crawl", work / f"a{c}", concurrency=c, rate=None)) for c in concurrencies
        ]
    for concurrency, a in runs:
        ideal = pages * LATENCY / concurrency
        print(
            f"  crawler, concurrency {concurrency}, no client rate limit: {a['crawl_s']:.2f} s "
            f"({a['numbers']} numbers, complete={a['complete']}); "
            f"{sdk_total / a['crawl_s']:.1f}x the SDK loop (goal >= 10x); "
            f"ideal {ideal:.2f} s, ratio {a['crawl_s'] / ideal:.2f} (goal <= 1.5)"
        )

    print("\n(b) emulator enforcing 300 requests / 5 s; crawler defaults; full audit with reports")
    with emulator(
        numbers, "--latency", str(LATENCY), "--rate-limit", "300", "--rate-window", "5"
    ) as base_url:
        b = _child(base_url, "audit", work / "b")
    bound = pages / 60
    statuses = b["stats"]["statuses"]
    print(f"  crawl: {b['crawl_s']:.1f} s for {b['stats']['requests']} requests; complete={b['complete']}")
    print(
        f"  rate-limit bound {pages} / 60 per s = {bound:.1f} s; ratio {b['crawl_s'] / bound:.3f} "
        "(goal <= 1.2)"
    )
    print(f"  429 answered: {statuses.get('429', 0)} (goal 0); statuses {statuses}")
    print(
        f"  findings {b['findings']}; reports written in {b['reports_s']:.1f} s; "
        f"peak memory (max RSS of the audit process) {b['max_rss_mb']:.0f} MB (goal <= 300; "
        f"{b['rss_after_audit_mb']:.0f} MB after crawl+rules+history, "
        f"{b['rss_after_document_mb']:.0f} MB after building the report document)"
    )
    html = work / "b" / "audit.html"
    print(f"  audit.html: {html.stat().st_size / 1e6:.1f} MB")
    from audits.chromium import chromium_path, load_page

    if chromium_path() is None:
        print("  Chromium load: SKIPPED (chromium not installed; Debian: apt-get install chromium)")
    else:
        load_page(html)  # warm the browser's on-disk caches once
        loads = [load_page(html) for _ in range(3)]
        page_ms = [p.loaded_ms for p in loads if p.loaded_ms is not None]
        print(
            f"  Chromium load (navigation start to table rendered, best of 3): {min(page_ms) / 1000:.2f} s "
            f"(goal <= 2 s); whole headless run incl. browser start: {min(p.wall_s for p in loads):.2f} s"
        )
    missing_b, extra_b = expected - _found(work / "b"), _found(work / "b") - expected
    print(f"  numbers found vs inventory: {len(missing_b)} missing, {len(extra_b)} extra")

    print("\n(c) rate limit 300 / 5 s plus 5% of requests failing (500/503); crawler defaults")
    faults = ("--latency", str(LATENCY), "--rate-limit", "300", "--rate-window", "5", "--error-rate", "0.05")
    with emulator(numbers, *faults) as base_url:
        c = _child(base_url, "crawl", work / "c")
    found = _found(work / "c")
    statuses = c["stats"]["statuses"]
    print(
        f"  crawl: {c['crawl_s']:.1f} s, {c['stats']['requests']} requests, {c['stats']['retries']} retries, "
        f"statuses {statuses}"
    )
    verdict = "EXACT" if found == expected and c["complete"] else "NOT EXACT"
    print(
        f"  numbers found {len(found)} vs inventory {len(expected)}: {len(expected - found)} missing, "
        f"{len(found - expected)} extra -> {verdict}; complete={c['complete']}"
    )
    print(f"\nwork files: {work}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child_main(json.loads(sys.argv[2]))
    else:
        main()
