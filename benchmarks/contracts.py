"""Test cases per second: `pytest contracts` next to the schemathesis CLI, same emulator, same run.

One emulator is served on loopback; first the suite runs against it as a live target
(``--base-url --allow-writes``), then ``st run openapi/number.yaml --url ...`` with the same
credentials, the same example budget and every phase. A test case is one request the
emulator answered (its request log counts them), so both sides are counted alike. The
embedded in-process run (the CI default) is timed too.

    python -m benchmarks contracts
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from emulator import EmulatorConfig, create_app
from emulator.serve import serve

ROOT = Path(__file__).resolve().parents[1]
AUTH_ID = "MABENCHMARKCONTRACTS"
TOKEN = "benchmark-token-not-secret"
SEED = 20260
MAX_EXAMPLES = 12  # the ci profile's fuzzing budget per operation


@dataclass
class Run:
    name: str
    seconds: float
    requests: int
    outcome: str

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (
            f"{self.name:<44} {self.seconds:7.1f} s  {self.requests:6d} test cases  "
            f"{self.per_second:7.0f} cases/s  ({self.outcome})"
        )


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    env.update(PLIVO_AUTH_ID=AUTH_ID, PLIVO_AUTH_TOKEN=TOKEN)
    return env


def _timed(name: str, command: list[str], log: list[object] | None) -> Run:
    before = len(log) if log is not None else 0
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=_env(), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    tail = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    requests = len(log) - before if log is not None else _requests_from_summary(result.stdout)
    return Run(name, seconds, requests, f"exit {result.returncode}: {tail[:70]}")


def _requests_from_summary(stdout: str) -> int:
    # The embedded run has no shared log; its coverage summary counts every request.
    return sum(int(n) for n in re.findall(r"^\S+(?: \(undeclared\))?\s+(\d+) requests", stdout, re.M))


def main() -> None:
    app = create_app(
        EmulatorConfig(
            seed=SEED, auth_id=AUTH_ID, auth_token=TOKEN, request_log_limit=10**7, request_log_max_bytes=2**30
        )
    )
    log = app.state.request_log
    runs = []
    with serve(app, host="127.0.0.1", port=0) as base_url, tempfile.TemporaryDirectory() as tmp:
        pytest = [
            sys.executable,
            "-m",
            "pytest",
            "contracts",
            "--profile=ci",
            "--no-reports",
            "-q",
            "-p",
            "no:randomly",
        ]
        runs.append(
            _timed(
                "pytest contracts --base-url (served emulator)",
                [
                    *pytest,
                    f"--base-url={base_url}",
                    "--allow-writes",
                    "--max-rate=0",
                    f"--hypothesis-seed={SEED}",
                ],
                log,
            )
        )
        config = Path(tmp, "schemathesis.toml")
        config.write_text(f'[parameters]\n"path.auth_id" = "{AUTH_ID}"\n', encoding="utf-8")
        st = Path(sys.executable).with_name("st")
        runs.append(
            _timed(
                "st run openapi/number.yaml (same emulator)",
                [
                    str(st),
                    "--config-file",
                    str(config),
                    "run",
                    "openapi/number.yaml",
                    "--url",
                    base_url,
                    "-a",
                    f"{AUTH_ID}:{TOKEN}",
                    "-n",
                    str(MAX_EXAMPLES),
                    "--seed",
                    str(SEED),
                    "-c",
                    "all",
                    "--phases",
                    "examples,coverage,fuzzing,stateful",
                    "--workers",
                    "1",
                ],
                log,
            )
        )
    runs.append(
        _timed("pytest contracts (embedded, in-process)", [*pytest, f"--hypothesis-seed={SEED}"], None)
    )
    print(
        f"seed {SEED}, ci profile ({MAX_EXAMPLES} examples per operation); "
        "a test case is one answered request"
    )
    for run in runs:
        print(run.line())
    suite, cli = runs[0], runs[1]
    if cli.per_second:
        print(f"suite / CLI throughput: {suite.per_second / cli.per_second:.2f}x")


if __name__ == "__main__":
    main()
