"""Many accounts in one audit: memory and time of ``--accounts`` and of a fan-out and ``merge``.

    python -m benchmarks fleet            (make benchmarks runs every benchmark)

Issue 13 §4 and §5: resellers audit several accounts in one run (``--accounts FILE``), or
fan out one job per account and merge their ``audit.json`` files. Side by side in one run,
each in a child process of its own whose peak RSS is its own ``ru_maxrss`` (wait4; the
emulators are processes of their own and not counted):

* one account alone (``--base-url``), the baseline;
* every account in one ``--accounts`` run, and again with ``--parallel-accounts 1``;
* every account's fan-out job (``--accounts FILE --account NAME``) one after the other, and
  ``python -m audits merge`` of their report directories;

each on ``FLEET_BENCH_ACCOUNTS`` emulators (default 2) of ``FLEET_BENCH_NUMBERS`` numbers
(default 100,000), seeded differently, without latency or rate limit. The merged document
is compared with the ``--accounts`` run's (everything but times, durations and the network's
counters, as the test of merge does): ``merge equals --accounts: yes``.

Before (commit 85521ba; 2 accounts of 100,000): one account 118 MB, ``--accounts`` 940 MB:
every finding of every account was held as a dict (twice while it was masked), sorted, and
copied again for the impact summary; a merge read each audit.json whole. After: the findings
stay in each account's store on disk; the fleet's counts are made in SQL; its impact summary
is its accounts' impact sections merged (not their findings read again); its findings stream
to the reports merged from the accounts' stores in report order; each account's audited
numbers are a file (merge.NumberList) that audit.json writes item by item; a merge reads
each input's findings and audited numbers one line at a time into files of their own.
Measured (commit c993038, load about 2.4 from other work on the machine):

    run                            |   numbers | seconds | peak MB | findings | exit
    one account                    |   100,000 |    17.4 |     118 |  103,602 | 1
    2 accounts, --accounts         |   200,000 |    33.2 |     129 |  207,264 | 1
    fan-out job account1           |   100,000 |    23.8 |     108 |  103,602 | 1
    fan-out job account2           |   100,000 |    28.8 |     107 |  103,662 | 1
    merge of the jobs              |   200,000 |    12.6 |     103 |  207,264 | 1
    merge equals --accounts: yes

and one account of 300,000 (``FLEET_BENCH_ACCOUNTS=1 FLEET_BENCH_NUMBERS=300000``): alone
56.7 s and 149 MB, through ``--accounts`` 65.9 s and 130 MB, its merge 17.8 s and 94 MB.

A fleet of a million numbers, 4 accounts of 250,000 (``FLEET_BENCH_ACCOUNTS=4
FLEET_BENCH_NUMBERS=250000``). The first run (the audit at 9c6c959; a CI run shared the
machine from the fan-out jobs on) gave ``--accounts`` 281 MB with all four crawled at once and
276 MB with ``--parallel-accounts 1``: one at a time held nearly as much, because every
account's record store and its findings' page cache stayed open until the report. Each
account's part is now made as soon as it is judged, its record store closed and the page
cache released (commit 8aa9b7e; a CI run shared the machine throughout, so the seconds are
loaded):

    run                            |   numbers | seconds | peak MB | findings | exit
    one account                    |   250,000 |    60.7 |     141 |   258,854 | 1
    4 accounts, --accounts         | 1,000,000 |   278.9 |     263 | 1,035,724 | 1
    4 accounts, one at a time      | 1,000,000 |   286.0 |     141 | 1,035,724 | 1
    fan-out job account1..4        |   250,000 | 54 to 81 |     122-123 | ~259,000 | 1
    merge of the jobs              | 1,000,000 |    79.1 |     123 | 1,035,724 | 1
    merge equals --accounts: yes

So the peak grows with the accounts crawled at the same time (each holds its pages in flight,
its compliance graph and its impact tally), not with the fleet: one at a time, a million
numbers in four accounts take what one account of 250,000 takes. The first run's comparison
had said NO: one retried toll-free page (under the CI load) made an account's graph count 731
requests instead of 730, with every finding and every other figure equal; requests per
resource are the network's now (NETWORK).

Environment: FLEET_BENCH_NUMBERS (numbers per account), FLEET_BENCH_ACCOUNTS (how many).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Any

from audits.merge import AuditFile
from emulator.process import spawn

ROOT = Path(__file__).parents[1]
SEED = 7
TIMES = frozenset(
    {
        "started_at",
        "duration_s",
        "elapsed_s",
        "first_seen",
        "previous_run",
        "path",
        "peak_in_flight",
        "phases",
        "phases_cpu",
    }
)
"""Times, durations and where the history file is: all that may differ between a run and a merge."""
NETWORK = frozenset({"requests", "retries", "statuses", "pacer", "by_resource"})
"""How the network behaved during one crawl (a timeout retried on a loaded machine, the pacer's
state when it was read, the graph's requests per resource, every attempt counted): two crawls
of the same accounts may differ in these."""
VOLATILE = TIMES | NETWORK


@dataclass
class Run:
    label: str
    numbers: int
    wall_s: float
    peak_mb: float
    exit_code: int
    findings: int | None


def child(arguments: list[str], env: dict[str, str], log: Path) -> tuple[float, float, int]:
    """``python -m audits ARGUMENTS`` in a child process: wall seconds, peak RSS (MB), exit code."""
    started = time.monotonic()
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "audits", *arguments],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
    # ru_maxrss is in KiB on Linux; wait4 reports the child alone.
    return time.monotonic() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def findings_of(out: Path) -> int | None:
    try:
        summary = AuditFile.read(out).head.get("summary") or {}
    except Exception:  # a run that wrote no report: its exit code says so
        return None
    value = summary.get("findings")
    return value if isinstance(value, int) else None


def normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "<volatile>" if k in VOLATILE else normalised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    return value


def same_document(one: Path, other: Path) -> bool:
    """Whether two audit.json files say the same, but for times and the network (read one
    finding at a time: the documents may be larger than this process should hold)."""
    first, second = AuditFile.read(one), AuditFile.read(other)
    if normalised(first.head) != normalised(second.head):
        return False
    missing = object()
    return all(
        normalised(a) == normalised(b)
        for a, b in zip_longest(first.findings(), second.findings(), fillvalue=missing)
    )


def main() -> None:
    numbers = int(os.environ.get("FLEET_BENCH_NUMBERS", "100000"))
    count = int(os.environ.get("FLEET_BENCH_ACCOUNTS", "2"))
    work = Path(tempfile.mkdtemp(prefix="audit-fleet-"))
    names = [f"account{i + 1}" for i in range(count)]
    env: dict[str, str] = {}
    print(
        f"{count} accounts of {numbers:,} numbers each (emulators seeded {SEED}..{SEED + count - 1}, "
        "no latency or rate limit); peak RSS = each audit process's ru_maxrss, emulators not counted",
        flush=True,
    )
    runs: list[Run] = []
    first_url = ""
    with ExitStack() as stack:
        table = []
        for index, name in enumerate(names):
            auth_id = f"MAFLEET{index:013d}"
            token = f"fleet-bench-token-{index}-not-secret"
            served = stack.enter_context(
                spawn(
                    "--seed",
                    str(SEED + index),
                    "--numbers",
                    str(numbers),
                    "--auth-id",
                    auth_id,
                    "--auth-token",
                    token,
                    stop_timeout=30.0,
                )
            )
            env[f"{name.upper()}_ID"], env[f"{name.upper()}_TOKEN"] = auth_id, token
            table.append(
                f'[accounts.{name}]\nbase_url = "{served.base_url}"\n'
                f'auth_id_env = "{name.upper()}_ID"\nauth_token_env = "{name.upper()}_TOKEN"\n'
            )
            if index == 0:
                first_url = served.base_url
        accounts = work / "accounts.toml"
        accounts.write_text("\n".join(table))
        quiet = ["--no-rate-limit", "--no-progress"]

        def record(label: str, total: int, arguments: list[str], out: Path, extra: dict[str, str]) -> None:
            wall, peak, code = child(arguments, {**env, **extra}, work / f"{out.name}.log")
            runs.append(Run(label, total, wall, peak, code, findings_of(out)))
            print(f"  {label}: {wall:.1f} s, peak {peak:.0f} MB, exit {code}", flush=True)

        single = work / "single"
        record(
            "one account",
            numbers,
            ["--base-url", first_url, "--out", str(single), *quiet],
            single,
            {
                "PLIVO_AUTH_ID": env[f"{names[0].upper()}_ID"],
                "PLIVO_AUTH_TOKEN": env[f"{names[0].upper()}_TOKEN"],
            },
        )
        together = work / "together"
        record(
            f"{count} accounts, --accounts",
            numbers * count,
            ["--accounts", str(accounts), "--out", str(together), *quiet],
            together,
            {},
        )
        if count > 1:
            # The same run with the accounts crawled one after the other: what --parallel-accounts
            # trades (time for the memory of the crawls in flight at once).
            in_turn = work / "one-at-a-time"
            record(
                f"{count} accounts, one at a time",
                numbers * count,
                ["--accounts", str(accounts), "--parallel-accounts", "1", "--out", str(in_turn), *quiet],
                in_turn,
                {},
            )
        jobs = []
        for name in names:
            out = work / f"job-{name}"
            jobs.append(out)
            record(
                f"fan-out job {name}",
                numbers,
                ["--accounts", str(accounts), "--account", name, "--out", str(out), *quiet],
                out,
                {},
            )
    merged = work / "merged"
    record("merge of the jobs", numbers * count, ["merge", *map(str, jobs), "--out", str(merged)], merged, {})
    equal = same_document(together / "audit.json", merged / "audit.json")
    print(f"\n  {'run':<30} | {'numbers':>9} | {'seconds':>7} | {'peak MB':>7} | {'findings':>8} | exit")
    for run in runs:
        findings = f"{run.findings:,}" if run.findings is not None else "-"
        print(
            f"  {run.label:<30} | {run.numbers:>9,} | {run.wall_s:7.1f} | {run.peak_mb:7.0f} | "
            f"{findings:>8} | {run.exit_code}"
        )
    print(f"\n  merge equals --accounts: {'yes' if equal else 'NO'}  (reports in {work})")
