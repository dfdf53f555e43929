"""Emulator throughput: one list page over loopback, side by side with Stoplight Prism's mock.

    python -m benchmarks emulator            (make benchmarks runs every benchmark)

Both servers run as separate processes on loopback and answer the same request,
``GET /v1/Account/{auth_id}/Number/?limit=20&offset=0`` with Basic auth, sent
BENCH_REQUESTS times (default 3000) by one httpx.AsyncClient with BENCH_CONCURRENCY
requests in flight (default 16), after a warm-up. Prism (@stoplight/prism-cli 5.16.0)
serves openapi/number.yaml from its static examples, so it validates the request and
answers a canned page; the emulator authenticates, filters and pages real state,
so its answers are larger (sizes printed). Prism is installed once with npm into
~/.cache/plivo-number-contracts/; without npm it is skipped with a message.

Because one client process drives both servers on a shared machine, requests per
second are bounded by the client as much as by the server; so the server process's
own CPU time per request (user+system, from /proc, Linux only) is printed as well,
which does not depend on how busy the machine is.

Also printed: the in-process ASGI call rate (httpx.ASGITransport, as the contract
suite uses it), and a filtered page from a 100,000-number inventory (first scan,
then cached pages), the size the audit benchmark crawls.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from emulator import EmulatorConfig, create_app
from emulator.process import spawn

ROOT = Path(__file__).resolve().parents[1]
PRISM_VERSION = "5.16.0"
PRISM_PACKAGE = f"@stoplight/prism-cli@{PRISM_VERSION}"
PRISM_HOME = Path.home() / ".cache" / "plivo-number-contracts" / f"prism-{PRISM_VERSION}"
SEED = 7


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


REQUESTS = _env_int("BENCH_REQUESTS", 3000)
CONCURRENCY = _env_int("BENCH_CONCURRENCY", 16)
WARMUP = 100


def _cpu_seconds(pid: int) -> float | None:
    """User+system CPU seconds of a process so far (Linux /proc), None where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields after "(comm)": state is index 0, so utime and stime (14th/15th overall) are 11 and 12.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _process(command: list[str]) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _prism_binary() -> Path | None:
    """Prism's CLI, installed into the cache with npm on first use; None (and a message) if impossible."""
    binary = PRISM_HOME / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        print("  Prism: skipped, npm/node not found (install Node.js 18+ to compare with Prism)")
        return None
    print(f"  Prism: installing @stoplight/prism-cli@{PRISM_VERSION} into {PRISM_HOME} (once)...", flush=True)
    PRISM_HOME.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            npm,
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
            str(PRISM_HOME),
            f"@stoplight/prism-cli@{PRISM_VERSION}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode != 0 or not binary.exists():
        print(f"  Prism: skipped, npm install failed: {result.stderr.strip()[-500:]}")
        return None
    return binary


@contextmanager
def served_prism(binary: Path) -> Iterator[tuple[str, int]]:
    port = _free_port()
    command = [str(binary), "mock", "openapi/number.yaml", "-h", "127.0.0.1", "-p", str(port), "-v", "error"]
    with _process(command) as proc:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                output = proc.stdout.read() if proc.stdout else ""
                raise RuntimeError(f"Prism exited with {proc.returncode}:\n{output[-2000:]}")
            try:
                httpx.get(base_url + "/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError("Prism did not start within 90 s")
        yield base_url, proc.pid


async def _hammer(base_url: str, path: str, auth: tuple[str, str], count: int, pid: int) -> Measurement:
    """Send ``count`` GETs with CONCURRENCY in flight, after a warm-up."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base_url, auth=auth, limits=limits, timeout=30) as client:
        first = await client.get(path)

        async def worker(share: int) -> int:
            failures = 0
            for _ in range(share):
                response = await client.get(path)
                failures += response.status_code != 200
            return failures

        await asyncio.gather(*(worker(WARMUP // CONCURRENCY) for _ in range(CONCURRENCY)))
        shares = [count // CONCURRENCY + (1 if i < count % CONCURRENCY else 0) for i in range(CONCURRENCY)]
        cpu_before = _cpu_seconds(pid)
        started = time.perf_counter()
        bad = sum(await asyncio.gather(*(worker(share) for share in shares)))
        seconds = time.perf_counter() - started
        cpu_after = _cpu_seconds(pid)
        cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
        return Measurement(count, seconds, bad, len(first.content), cpu)


class Measurement:
    """One timed run against one server."""

    def __init__(self, count: int, seconds: float, bad: int, size: int, cpu: float | None) -> None:
        self.count = count
        self.seconds = seconds
        self.bad = bad
        self.size = size
        self.cpu = cpu

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    @property
    def cpu_ms_per_request(self) -> float | None:
        return None if self.cpu is None else self.cpu * 1000 / self.count

    def report(self, name: str) -> None:
        note = f", {self.bad} non-200 answers" if self.bad else ""
        cpu = self.cpu_ms_per_request
        cpu_text = f", server CPU {cpu:.2f} ms/request" if cpu is not None else ""
        print(
            f"  {name:<30} {self.rate:7.0f} req/s  ({self.count} requests in {self.seconds:.2f} s, "
            f"{self.size} B per answer{cpu_text}{note})"
        )

    def __repr__(self) -> str:
        return f"<Measurement {self.rate:.0f} req/s>"


def loopback() -> None:
    print(f"Loopback: {REQUESTS} x GET one list page (limit=20), {CONCURRENCY} in flight, one httpx client")
    path_of = "/v1/Account/{}/Number/?limit=20&offset=0"
    with spawn("--seed", str(SEED), "--numbers", "300", "--log-level", "error") as served:
        auth = (served.auth_id, served.auth_token)
        ours = asyncio.run(_hammer(served.base_url, path_of.format(auth[0]), auth, REQUESTS, served.pid))
    ours.report("emulator (python -m emulator)")
    binary = _prism_binary()
    if binary is None:
        return
    with served_prism(binary) as (base_url, pid):
        # Prism checks only that Basic credentials are present; it has no accounts.
        prism = asyncio.run(_hammer(base_url, path_of.format(auth[0]), auth, REQUESTS, pid))
    prism.report(f"Prism {PRISM_VERSION} mock")
    print(f"  ratio emulator / Prism, requests per second: {ours.rate / prism.rate:.2f}x")
    if ours.cpu_ms_per_request and prism.cpu_ms_per_request:
        print(
            f"  ratio Prism / emulator, server CPU per request: "
            f"{prism.cpu_ms_per_request / ours.cpu_ms_per_request:.2f}x (above 1: the emulator is cheaper)"
        )


def in_process() -> None:
    count = max(REQUESTS // 2, 200)
    app = create_app(EmulatorConfig(seed=SEED, numbers=300))
    demo = app.state.demo
    path = f"/v1/Account/{demo.auth_id}/Number/?limit=20&offset=0"

    async def run() -> float:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://emulator", auth=(demo.auth_id, demo.auth_token)
        ) as client:
            for _ in range(WARMUP):
                await client.get(path)
            started = time.perf_counter()
            for _ in range(count):
                response = await client.get(path)
                assert response.status_code == 200
            return time.perf_counter() - started

    seconds = asyncio.run(run())
    print("In-process (httpx.ASGITransport, sequential, same page):")
    print(f"  {'emulator ASGI calls':<34} {count / seconds:8.0f} calls/s ({count} calls in {seconds:.2f} s)")


def large_inventory() -> None:
    started = time.perf_counter()
    app = create_app(EmulatorConfig(seed=SEED, numbers=100_000))
    built = time.perf_counter() - started
    demo = app.state.demo

    async def run() -> tuple[float, float]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://emulator", auth=(demo.auth_id, demo.auth_token)
        ) as client:
            path = f"/v1/Account/{demo.auth_id}/Number/"
            params: dict[str, str | int] = {"type": "local", "services": "voice,sms", "limit": 20}
            started = time.perf_counter()
            first = await client.get(path, params=params)
            first_seconds = time.perf_counter() - started
            assert first.status_code == 200
            started = time.perf_counter()
            for page in range(1, 101):
                response = await client.get(path, params={**params, "offset": page * 20})
                assert response.status_code == 200
            return first_seconds, (time.perf_counter() - started) / 100

    first, cached = asyncio.run(run())
    print("100,000-number inventory (in-process):")
    print(
        f"  build {built:.2f} s; filtered page: first (full scan) {first * 1000:.0f} ms, "
        f"next pages (cached order) {cached * 1000:.2f} ms each"
    )


def main() -> None:
    loopback()
    in_process()
    large_inventory()


if __name__ == "__main__":
    main()
