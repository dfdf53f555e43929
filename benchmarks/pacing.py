"""The audit crawl against the emulator's own rate limit: burst-aware bound vs measured (issue 13 §5).

    python -m benchmarks pacing            (make benchmarks runs every benchmark)

100,000 numbers (5,000 pages of 20) behind an emulator that enforces Plivo's 300
requests per 5 s (a sliding window: the strictest reading, emulator/faults.py) with 50 ms
latency; the crawler on its defaults (openapi.pacing: the whole budget in bursts, windows
anchored on the answers). Printed side by side, from one run:

* the burst-aware bound (a burst of 300, then 60/s: the token bucket reading) and the
  sliding-window bound (a burst of 300 every 5 s) for the requests the crawl made;
* the measured crawl time and its ratio to the burst-aware bound (goal <= 1.05);
* 429s answered (goal 0);
* on the server's clock (times the emulator admitted each request): the most requests in
  any 5 s, and the tightest spacing between request j and request j - 300 beyond the
  window (how close the crawl came to a 429).

The emulator runs in a child process of its own (this module with ``--serve``, so it can
record when it admitted each request) and so does the crawl (benchmarks.audit's child), so
server, client and measurement share no GIL. Environment: PACING_BENCH_NUMBERS (default
100000), PACING_BENCH_LATENCY (seconds, default 0.05), PACING_BENCH_CONCURRENCY (the
crawler's ``concurrency``; default: the crawler's own default).
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.audit import AUTH_ID, AUTH_TOKEN, ROOT, SEED, _child
from openapi.pacing import MARGIN_S, PLIVO

PAGE = 20


def serve_main(spec: dict[str, Any]) -> None:
    """In the emulator child: serve, print the base URL, and on stdin's end write admission times."""
    from starlette.middleware import Middleware
    from starlette.types import ASGIApp, Receive, Scope, Send

    from emulator import EmulatorConfig, Faults, create_app
    from emulator.serve import serve

    admitted: list[float] = []

    class AdmittedAt:
        """Inside the fault layer: when each request the rate limit let through got there."""

        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                admitted.append(time.monotonic())
            await self.app(scope, receive, send)

    faults = Faults(latency=spec["latency"], rate_limit=PLIVO.requests, rate_window=PLIVO.window_s)
    config = EmulatorConfig(
        seed=SEED, numbers=spec["numbers"], auth_id=AUTH_ID, auth_token=AUTH_TOKEN, faults=faults
    )
    app = create_app(config, middleware=[Middleware(AdmittedAt)])
    with serve(app, host="127.0.0.1", port=0) as base_url:
        print(json.dumps({"base_url": base_url}), flush=True)
        sys.stdin.read()
    Path(spec["times"]).write_text(json.dumps(admitted))


def server_view(times: list[float]) -> tuple[int, float | None, float | None, float | None]:
    """Most requests admitted in any window, the tightest (s_j - s_{j-N}) - W, and where the
    crawl's time went: when the last request's chain started (the opening burst) and the median
    (s_j - s_{j-N}) - W along it (what each window cost beyond W)."""
    times = sorted(times)
    n, window = PLIVO.requests, PLIVO.window_s
    busiest = max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)
    gaps = [times[j] - times[j - n] - window for j in range(n, len(times))]
    if not times:
        return busiest, None, None, None
    chain = list(range(len(times) - 1, -1, -n))[::-1]
    steps = [times[b] - times[a] - window for a, b in itertools.pairwise(chain)]
    start = times[chain[0]] - times[0]
    return busiest, min(gaps) if gaps else None, start, statistics.median(steps) if steps else None


def main() -> None:
    numbers = int(os.environ.get("PACING_BENCH_NUMBERS", 100_000))
    latency = float(os.environ.get("PACING_BENCH_LATENCY", 0.05))
    concurrency = os.environ.get("PACING_BENCH_CONCURRENCY", "")
    pages = -(-numbers // PAGE)
    work = Path(tempfile.mkdtemp(prefix="pacing-bench-"))
    times_file = work / "admitted.json"
    print(
        f"inventory: {numbers} numbers = {pages} pages of {PAGE}; emulator enforcing {PLIVO} "
        f"(sliding window), latency {latency * 1000:.0f} ms; crawler defaults"
    )
    spec = {"numbers": numbers, "latency": latency, "times": str(times_file)}
    command = [sys.executable, "-m", "benchmarks.pacing", "--serve", json.dumps(spec)]
    with subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as server:
        assert server.stdin is not None
        assert server.stdout is not None
        try:
            base_url = json.loads(server.stdout.readline())["base_url"]
            options = {"concurrency": int(concurrency)} if concurrency else {}
            crawl = _child(base_url, "crawl", work / "crawl", **options)
        finally:
            server.stdin.close()
            server.wait(timeout=60)
    stats = crawl["stats"]
    requests = stats["requests"]
    refused = stats["statuses"].get("429", 0)
    bound = PLIVO.bound_s(requests)
    window_bound = PLIVO.window_bound_s(requests)
    # What no client that keeps the sliding window whatever the latency can beat: each of
    # the windows after the first starts from an answer, and a request reaches the server a
    # latency after it was sent; the pacer's margin is paid per window too.
    windows = max(0, -(-requests // PLIVO.requests) - 1)
    provable = window_bound + windows * (latency + MARGIN_S)
    measured = crawl["crawl_s"]
    busiest, tightest, chain_start, step = server_view(json.loads(times_file.read_text()))
    rows = [
        ("requests made", f"{requests}"),
        ("burst-aware bound (300 at once, then 60/s)", f"{bound:.1f} s"),
        ("sliding-window bound (300 every 5 s)", f"{window_bound:.1f} s"),
        (
            f"answer-anchored floor (+ {windows} x (latency + margin))",
            f"{provable:.1f} s (the least a client safe at any latency can take)",
        ),
        ("measured crawl", f"{measured:.1f} s"),
        ("measured / burst-aware bound", f"{measured / bound:.3f} (goal <= 1.05)" if bound else "n/a"),
        ("measured / answer-anchored floor", f"{measured / provable:.3f}" if provable else "n/a"),
        ("429 answered", f"{refused} (goal 0)"),
        ("server: most requests in any 5 s", f"{busiest} (limit {PLIVO.requests})"),
        (
            "server: tightest request j vs j-300, beyond 5 s",
            "n/a" if tightest is None else f"{tightest * 1000:.0f} ms",
        ),
        (
            "server: the last request's chain",
            "n/a"
            if chain_start is None or step is None
            else f"starts {chain_start:.2f} s in (the opening burst), then {windows} windows of "
            f"W + {step * 1000:.0f} ms (median)",
        ),
        ("complete", f"{crawl['complete']} ({crawl['numbers']} numbers)"),
        ("pacer at the end", stats["pacer"]),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    print(f"\nwork files: {work}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve_main(json.loads(sys.argv[2]))
    else:
        main()
