"""The compliance graph's reads against the number crawl, side by side in one run (issue 13 §5).

    python -m benchmarks graph            (make benchmarks runs every benchmark)
    GRAPH_BENCH_QUICK=1 python -m benchmarks graph     (10,000 numbers, the same proportions)

The issue's shape: 100,000 numbers that point to 1,000 10DLC campaigns, 200 business
profiles and 3,000 toll-free verification requests. The emulator's demo at 100,000 numbers
already has 1,000 campaigns and 200 profiles, but one verification request per toll-free
SMS number (about 5,800); so the benchmark writes the demo to an ``--inventory`` file
(emulator/inventory.py) with the extra requests folded into the first 3,000: a number whose
request was dropped points at a kept one of the same status instead (several numbers then
share a request, which the rules allow: the request names its own number). Everything else
is the demo's, dangling references included (2 unknown ids per pointer kind), and brands,
compliance applications and phone number compliance records come along (the graph reads
them too, so they are counted).

One emulator process serves that file at 50 ms latency under Plivo's 300 requests per 5 s
(a sliding window, emulator/faults.py). Two audits run against it, one after the other,
each in a process of its own with the audit's defaults (``audits.run.run_audit``, one pacer
per account shared by the crawl and the graph):

* **number-only**: a policy without the six rules that follow pointers (the rules whose
  ``needs`` is empty), so ``audits.engine.resources_needed`` is empty and the graph reads
  nothing;
* **full**: every rule, so the graph reads campaigns, profiles, brands, toll-free requests,
  compliance applications and phone number compliance records (audits/graph.py).

The emulator records every request it answers (resource, id, query, status, and the ids of
the compliance objects each 200 carried), so the figures are the server's, not only the
client's: number requests and graph requests per resource (list pages + gets), the graph's
extra as a percentage of the number crawl (the goal: a few percent, not one per number),
429s answered, and how many compliance objects were served more than once (goal 0).
Seconds are the audits' own (crawl, graph, whole audit), next to two bounds for the requests
made: burst-aware (a burst of 300, then 60/s) and sliding-window (300 every 5 s, what this
emulator enforces). On the server's clock: the pause between the crawl's last request and the
graph's first, and how long the graph's requests took to arrive (and at what rate).

Environment: GRAPH_BENCH_QUICK=1 (10,000 numbers, 100 campaigns, 20 profiles, 300 toll-free
requests), GRAPH_BENCH_LATENCY (seconds, default 0.05). tests/audits/test_audits_graph_bench.py
runs ``compare`` at 8,000 numbers without latency and asserts behaviour only.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from openapi.pacing import PLIVO

ROOT = Path(__file__).resolve().parents[1]
AUTH_ID = "MABENCHGRAPH00000001"
AUTH_TOKEN = "bench-graph-token-not-secret"
SEED = 7
LATENCY = 0.05
CHILD_TIMEOUT_S = 1800.0
"""Generous: only a hang should reach it (the full audit takes about 90 s)."""


@dataclass(frozen=True)
class Shape:
    """How many numbers, and how many objects of each kind they point to."""

    numbers: int
    campaigns: int
    profiles: int
    tollfree_verifications: int

    def __str__(self) -> str:
        return (
            f"{self.numbers:,} numbers -> {self.campaigns:,} campaigns, {self.profiles:,} profiles, "
            f"{self.tollfree_verifications:,} toll-free verifications"
        )


FULL = Shape(100_000, 1_000, 200, 3_000)
"""Issue 13 §5's shape."""
QUICK = Shape(10_000, 100, 20, 300)
"""The same proportions at a tenth of the size, for the unit test and a quick look."""


# ----------------------------------------------------------------- the inventory file


def _fold(
    objects: dict[str, dict[str, Any]], keep: int, kind: Callable[[dict[str, Any]], Any]
) -> dict[str, str]:
    """Keep the first ``keep`` objects; map each other id to a kept one of the same kind, in turn."""
    ids = list(objects)
    kept, dropped = ids[:keep], ids[keep:]
    by_kind: dict[Any, list[str]] = defaultdict(list)
    for object_id in kept:
        by_kind[kind(objects[object_id])].append(object_id)
    turns: Counter[Any] = Counter()
    mapping = {}
    for object_id in dropped:
        key = kind(objects.pop(object_id))
        pool = by_kind.get(key, kept)  # no kept object of its kind: any kept one
        mapping[object_id] = pool[turns[key] % len(pool)]
        turns[key] += 1
    return mapping


def write_inventory(shape: Shape, path: Path) -> dict[str, int]:
    """The emulator's demo for ``shape.numbers``, folded to ``shape``, as an inventory file.

    Returns the counts written: numbers, each resource's objects, and the distinct ids the
    numbers name per pointer (dangling ones included).
    """
    from emulator import EmulatorConfig, demo
    from emulator.compliance import RESOURCES

    world = demo.build(
        EmulatorConfig(seed=SEED, numbers=shape.numbers, auth_id=AUTH_ID, auth_token=AUTH_TOKEN)
    )
    numbers = world.store.snapshot(AUTH_ID)
    graph = world.compliance.graph(AUTH_ID)
    targets = {
        "campaigns": ("tendlc_campaign_id", shape.campaigns, lambda o: o.get("registration_status")),
        "profiles": ("profile_uuid", shape.profiles, lambda o: None),
        "tollfree_verifications": (
            "toll_free_sms_verification_id",
            shape.tollfree_verifications,
            lambda o: o.get("status"),
        ),
    }
    for key, (pointer, keep, kind) in targets.items():
        objects = graph.resource(key)
        if len(objects) < keep:
            raise ValueError(f"the demo of {shape.numbers} numbers has only {len(objects)} {key}, not {keep}")
        mapping = _fold(objects, keep, kind)
        if not mapping:
            continue
        for fields in numbers:
            if fields.get(pointer) in mapping:
                fields[pointer] = mapping[fields[pointer]]
        if key == "profiles":  # brands and toll-free requests name their profile too
            for other in (graph.brands, graph.tollfree_verifications):
                for obj in other.values():
                    if obj.get("profile_uuid") in mapping:
                        obj["profile_uuid"] = mapping[obj["profile_uuid"]]
        if key == "campaigns":
            for old, new in mapping.items():
                graph.campaign_numbers[new].extend(graph.campaign_numbers.pop(old, []))
    document: dict[str, Any] = {"numbers": numbers}
    for key in RESOURCES:
        document[key] = list(graph.resource(key).values())
    document["campaign_numbers"] = graph.campaign_numbers
    path.write_text(json.dumps(document, separators=(",", ":")))
    counts = {"numbers": len(numbers), **{key: len(graph.resource(key)) for key in RESOURCES}}
    for key, (pointer, _, _) in targets.items():
        counts[f"{key} named"] = len({f[pointer] for f in numbers if f.get(pointer)})
    return counts


# ----------------------------------------------------------------- the emulator child


def _resource_of(path: str) -> tuple[str, str | None]:
    """``(resource, id)`` of a request path: "numbers", a graph resource, or "other"; id None for a list."""
    from audits.graph import RESOURCES

    prefix = f"/v1/Account/{AUTH_ID}/"
    if not path.startswith(prefix):
        return "other", None
    rest = path[len(prefix) :]
    if rest.startswith("Number"):
        return "numbers", None
    # Longest path first: "PhoneNumber/Compliance/" must not be read as something shorter.
    for resource in sorted(RESOURCES.values(), key=lambda r: -len(r.path)):
        base = resource.path.rstrip("/")
        if rest == base or rest == resource.path:
            return resource.name, None
        if rest.startswith(resource.path):
            tail = rest[len(resource.path) :].strip("/")
            return (resource.name, unquote(tail)) if tail and "/" not in tail else ("other", None)
    return "other", None


def _served_ids(resource: str, body: bytes) -> list[str]:
    """Ids of the compliance objects a 200 answer carried (a list page's or a get's)."""
    from audits.graph import RESOURCES

    spec = RESOURCES[resource]
    try:
        data = json.loads(body)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    items = data.get(spec.list_key, data.get("objects"))
    if isinstance(items, list):
        return [str(o[spec.id_key]) for o in items if isinstance(o, dict) and spec.id_key in o]
    obj = data.get(spec.get_key, data) if spec.get_key else data
    return [str(obj[spec.id_key])] if isinstance(obj, dict) and spec.id_key in obj else []


def serve_main(spec: dict[str, Any]) -> None:
    """In the emulator child: serve the inventory file, record every answer, dump on request.

    stdin takes one command a line: ``dump PATH`` writes the requests recorded since the
    last dump to PATH (JSON) and answers ``ok`` on stdout; end of input stops the server.
    """
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from emulator import EmulatorConfig, Faults, create_app
    from emulator.serve import serve

    records: list[dict[str, Any]] = []

    class Recorder:
        """Outermost: every request with its final status, 429s from the rate limit included."""

        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return
            resource, object_id = _resource_of(scope["path"])
            record: dict[str, Any] = {
                "t": time.monotonic(),
                "resource": resource,
                "id": object_id,
                "query": scope["query_string"].decode("latin-1"),
                "status": None,
            }
            body = bytearray()

            async def recording(message: Message) -> None:
                if message["type"] == "http.response.start":
                    record["status"] = message["status"]
                elif message["type"] == "http.response.body" and resource not in ("numbers", "other"):
                    body.extend(message.get("body", b""))
                await send(message)

            try:
                await self.app(scope, receive, recording)
            finally:
                if record["status"] == 200 and body:
                    record["served"] = _served_ids(resource, bytes(body))
                records.append(record)

    faults = Faults(latency=spec["latency"], rate_limit=PLIVO.requests, rate_window=PLIVO.window_s)
    config = EmulatorConfig(
        seed=SEED, inventory=Path(spec["inventory"]), auth_id=AUTH_ID, auth_token=AUTH_TOKEN, faults=faults
    )
    app = Recorder(create_app(config))
    with serve(app, host="127.0.0.1", port=0) as base_url:
        print(json.dumps({"base_url": base_url}), flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "dump":
                Path(argument).write_text(json.dumps(records))
                records.clear()
                print("ok", flush=True)


# ----------------------------------------------------------------- the audit child


def number_only_rules() -> tuple[str, ...]:
    """Every rule that reads nothing but the number objects (``Rule.needs`` empty)."""
    from audits.rules import rule_class, rule_ids

    return tuple(r for r in rule_ids() if not rule_class(r).needs)


def audit_main(spec: dict[str, Any]) -> None:
    """In the audit child: one audit with the audit's defaults; prints its figures as JSON."""
    from audits.engine import resources_needed
    from audits.policy import Policy
    from audits.run import run_audit
    from audits.target import AuditTarget

    policy = Policy(rules=number_only_rules()) if spec["mode"] == "numbers" else Policy()
    target = AuditTarget("graph benchmark emulator", spec["base_url"], AUTH_ID, AUTH_TOKEN, "graph-benchmark")
    result = run_audit(target, policy, Path(spec["out"]) / "audit-history.sqlite")
    evaluation = result.evaluation
    graph = evaluation.graph
    print(
        json.dumps(
            {
                "mode": spec["mode"],
                "resources_needed": sorted(resources_needed(policy)),
                "complete": result.inventory.complete,
                "numbers": len(result.inventory),
                "errors": list(evaluation.errors),
                "not_run": dict(evaluation.not_run),
                "crawl": result.inventory.stats.as_dict(),
                "graph": graph.describe() if graph is not None else None,
                "duration_s": result.duration_s,
            }
        )
    )


# ----------------------------------------------------------------- the parent


@dataclass
class Side:
    """One audit's figures: the client's own and the server's record of what it sent."""

    mode: str
    client: dict[str, Any]
    requests: list[dict[str, Any]]
    by_resource: Counter[str] = field(init=False)
    lists: Counter[str] = field(init=False)
    gets: Counter[str] = field(init=False)
    refused: int = field(init=False)
    served_twice: dict[str, int] = field(init=False)
    """Resource -> compliance objects served in 200 answers more than once."""
    repeated: int = field(init=False)
    """Graph requests (resource, id, query) answered 200 or 404 more than once."""

    def __post_init__(self) -> None:
        self.by_resource = Counter(r["resource"] for r in self.requests)
        self.lists = Counter(r["resource"] for r in self.requests if r["id"] is None)
        self.gets = Counter(r["resource"] for r in self.requests if r["id"] is not None)
        self.refused = sum(1 for r in self.requests if r["status"] == 429)
        served: dict[str, Counter[str]] = defaultdict(Counter)
        asked: Counter[tuple[str, str | None, str]] = Counter()
        for r in self.requests:
            if r["resource"] in ("numbers", "other"):
                continue
            served[r["resource"]].update(r.get("served", []))
            if r["status"] in (200, 404):
                asked[(r["resource"], r["id"], r["query"])] += 1
        self.served_twice = {k: sum(1 for n in c.values() if n > 1) for k, c in served.items()}
        self.repeated = sum(1 for n in asked.values() if n > 1)

    @property
    def number_requests(self) -> int:
        return self.by_resource["numbers"]

    @property
    def graph_requests(self) -> int:
        return sum(n for k, n in self.by_resource.items() if k not in ("numbers", "other"))

    @property
    def extra_percent(self) -> float:
        return 100 * self.graph_requests / self.number_requests if self.number_requests else 0.0

    def span(self, graph: bool) -> tuple[float, float] | None:
        """First and last time (server clock) the number crawl's or the graph's requests arrived."""
        times = [r["t"] for r in self.requests if (r["resource"] not in ("numbers", "other")) is graph]
        return (min(times), max(times)) if times else None

    @property
    def objects_read_twice(self) -> int:
        return sum(self.served_twice.values())

    def __repr__(self) -> str:
        return f"<Side {self.mode} numbers={self.number_requests} graph={self.graph_requests}>"


@dataclass
class Comparison:
    shape: Shape
    inventory: dict[str, int]
    numbers_only: Side
    full: Side

    def __repr__(self) -> str:
        return f"<Comparison {self.shape} {self.numbers_only!r} {self.full!r}>"


class _Server:
    """The emulator child: its base URL, and the requests it answered since the last dump."""

    def __init__(self, process: subprocess.Popen[str], base_url: str, work: Path) -> None:
        self.process, self.base_url, self.work = process, base_url, work
        self.dumps = 0

    def requests(self) -> list[dict[str, Any]]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.dumps += 1
        path = self.work / f"requests-{self.dumps}.json"
        self.process.stdin.write(f"dump {path}\n")
        self.process.stdin.flush()
        if self.process.stdout.readline().strip() != "ok":
            raise RuntimeError("the emulator child did not dump its request record")
        found: list[dict[str, Any]] = json.loads(path.read_text())
        return found


@contextlib.contextmanager
def _served(inventory: Path, latency: float, work: Path) -> Iterator[_Server]:
    spec = json.dumps({"inventory": str(inventory), "latency": latency})
    command = [sys.executable, "-m", "benchmarks.graph", "--serve", spec]
    with subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"the emulator child exited ({process.wait(timeout=60)}) before serving")
            yield _Server(process, json.loads(line)["base_url"], work)
        finally:
            assert process.stdin is not None
            process.stdin.close()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _audit(base_url: str, mode: str, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    spec = json.dumps({"base_url": base_url, "mode": mode, "out": str(out)})
    command = [sys.executable, "-m", "benchmarks.graph", "--audit", spec]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {mode} audit child failed: {done.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def compare(shape: Shape, latency: float = LATENCY, work: Path | None = None) -> Comparison:
    """Both audits of ``shape`` against one emulator at ``latency`` under 300 requests per 5 s."""
    work = work or Path(tempfile.mkdtemp(prefix="graph-bench-"))
    inventory_file = work / "inventory.json"
    counts = write_inventory(shape, inventory_file)
    with _served(inventory_file, latency, work) as server:
        sides: list[Side] = []
        for mode in ("numbers", "full"):
            if sides:
                # Let the server's sliding window empty, so this audit starts as the last one did.
                time.sleep(PLIVO.window_s + 1)
            client = _audit(server.base_url, mode, work / mode)
            sides.append(Side(mode, client, server.requests()))
    return Comparison(shape, counts, sides[0], sides[1])


def _seconds(value: float) -> str:
    return f"{value:.1f} s"


def _server_clock(side: Side) -> list[tuple[str, str, str]]:
    """When the graph's requests came, on the server's clock: after the crawl, and how fast."""
    numbers, graph = side.span(graph=False), side.span(graph=True)
    if numbers is None or graph is None:
        return []
    seconds = graph[1] - graph[0]
    rate = f", {side.graph_requests / seconds:.0f}/s" if seconds > 0 else ""
    return [
        ("  server: last number request -> first graph request", "-", _seconds(graph[0] - numbers[1])),
        ("  server: first -> last graph request", "-", _seconds(seconds) + rate),
    ]


def report(result: Comparison) -> list[tuple[str, str, str]]:
    """Rows of the side-by-side table: label, number-only, full."""
    a, b = result.numbers_only, result.full
    graph = b.client["graph"] or {}
    graph_s = float(graph.get("stats", {}).get("elapsed_s", 0.0))
    rows = [
        ("number requests (server)", f"{a.number_requests:,}", f"{b.number_requests:,}"),
        (
            "graph requests (server; the audit's own count)",
            f"{a.graph_requests:,}",
            f"{b.graph_requests:,} ({graph.get('stats', {}).get('requests', 0):,})",
        ),
    ]
    for name in sorted(k for k in b.by_resource if k not in ("numbers", "other")):
        rows.append(
            (
                f"  {name}: list pages + gets",
                "-",
                f"{b.lists[name]:,} + {b.gets[name]:,}"
                + f" ({(graph.get('resources', {}).get(name, {}).get('objects', 0)):,} objects)",
            )
        )
    rows += [
        (
            "extra, % of the number crawl",
            f"{a.extra_percent:.1f} %",
            f"{b.extra_percent:.1f} % (goal: a few)",
        ),
        ("429 answered (server)", f"{a.refused}", f"{b.refused} (goal 0)"),
        ("objects served more than once", f"{a.objects_read_twice}", f"{b.objects_read_twice} (goal 0)"),
        ("graph requests asked twice", f"{a.repeated}", f"{b.repeated} (goal 0)"),
        ("number crawl", _seconds(a.client["crawl"]["elapsed_s"]), _seconds(b.client["crawl"]["elapsed_s"])),
        ("graph reads (the audit's clock)", "-", _seconds(graph_s)),
        *_server_clock(b),
        (
            "whole audit (crawl, graph, rules, history)",
            _seconds(a.client["duration_s"]),
            _seconds(b.client["duration_s"]),
        ),
        (
            "bound for the requests made: burst-aware",
            _seconds(PLIVO.bound_s(a.number_requests + a.graph_requests)),
            _seconds(PLIVO.bound_s(b.number_requests + b.graph_requests)),
        ),
        (
            "  sliding window (300 every 5 s)",
            _seconds(PLIVO.window_bound_s(a.number_requests + a.graph_requests)),
            _seconds(PLIVO.window_bound_s(b.number_requests + b.graph_requests)),
        ),
        ("complete", f"{a.client['complete']}", f"{b.client['complete']}"),
        ("rules not run", f"{len(a.client['not_run'])}", f"{len(b.client['not_run'])}"),
    ]
    return rows


def main() -> None:
    quick = os.environ.get("GRAPH_BENCH_QUICK", "") not in ("", "0")
    latency = float(os.environ.get("GRAPH_BENCH_LATENCY", LATENCY))
    shape = QUICK if quick else FULL
    print(
        f"shape: {shape}; emulator (separate process) at {latency * 1000:.0f} ms latency enforcing "
        f"{PLIVO} (sliding window); audits on their defaults, each in its own process"
    )
    work = Path(tempfile.mkdtemp(prefix="graph-bench-"))
    started = time.monotonic()
    result = compare(shape, latency, work)
    print(
        "inventory file: "
        + ", ".join(f"{k} {v:,}" for k, v in result.inventory.items())
        + f" (built and run in {time.monotonic() - started:.0f} s)"
    )
    rows = report(result)
    width = max(len(label) for label, _, _ in rows)
    left = max(len("number-only"), *(len(a) for _, a, _ in rows))
    print(f"  {'':<{width}}  {'number-only':>{left}}  full audit")
    for label, a, b in rows:
        print(f"  {label:<{width}}  {a:>{left}}  {b}")
    print(f"\nwork files: {work}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve_main(json.loads(sys.argv[2]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--audit":
        audit_main(json.loads(sys.argv[2]))
    else:
        main()
