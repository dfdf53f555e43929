"""``python -m contracts.killmatrix``: the suite against the clean emulator and every defect.

Exit status: 0 every defect killed; 1 a defect survived or a run broke; 2 a usage error;
3 the matrix is void (the suite is not green against the clean emulator).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from .report import Matrix, write_reports
from .runs import CLEAN, ROOT, Accounts, RunResult, RunSpec, run_one

AUTH_ID = "MAKILLMATRIX0000000A"
# Not a secret (the emulator is ours), but treated as one: it never reaches a report.
AUTH_TOKEN = "kill-matrix-token-7"
UNRENT_COUNT = 3
EXIT_SURVIVORS, EXIT_USAGE, EXIT_VOID = 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    from emulator.defects import CATALOGUE

    parser = argparse.ArgumentParser(
        prog="python -m contracts.killmatrix",
        description=(
            "Run `pytest contracts` against the clean emulator and against each catalogued defect "
            f"({len(CATALOGUE)}), each served on loopback, and write reports/kill-matrix.{{json,html}}."
        ),
        epilog="exit status: 0 all killed; 1 survivors or broken runs; 2 usage error; 3 matrix void",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 2,
        help="runs in parallel, one per core (default: %(default)s here)",
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds per suite run (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=7, help="emulator seed (default: %(default)s)")
    parser.add_argument(
        "--hypothesis-seed", type=int, default=None, help="seed of the suite's generation (default: --seed)"
    )
    parser.add_argument(
        "--numbers", type=int, default=300, help="emulator inventory size (default: %(default)s)"
    )
    parser.add_argument(
        "--profile", choices=("ci", "nightly"), default="ci", help="suite profile (default: ci)"
    )
    parser.add_argument(
        "--only", metavar="NAME[,NAME]", help="run only these defects (the clean run always runs)"
    )
    parser.add_argument(
        "-k", dest="keyword", metavar="EXPR", help="only suite tests matching EXPR (a quick, partial matrix)"
    )
    parser.add_argument(
        "--fail-fast", action="store_true", help="stop each suite run at its first failure (-x)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "reports", help="directory of the reports (default: reports/)"
    )
    return parser


def accounts_and_unrent(seed: int, numbers: int) -> tuple[Accounts, tuple[str, ...]]:
    """The demo credentials the served emulators will have, and a few numbers they may unrent.

    Computed from an in-process emulator with the same settings: same seed, same accounts
    and inventory. Unrent numbers are the main account's own (no subaccount), taken from the
    end of the list so they rarely matter to other tests.
    """
    from emulator import EmulatorConfig, create_app

    app = create_app(EmulatorConfig(seed=seed, numbers=numbers, auth_id=AUTH_ID, auth_token=AUTH_TOKEN))
    demo = app.state.demo
    own = [f["number"] for f in app.state.store.snapshot(demo.auth_id) if not f.get("sub_account")]
    accounts = Accounts(
        auth_id=demo.auth_id,
        auth_token=demo.auth_token,
        subaccount=tuple(demo.subaccounts[0]) if demo.subaccounts else None,
        other_account=tuple(demo.other_account),
        other_tokens=tuple(token for _, token in demo.subaccounts),
    )
    return accounts, tuple(own[-UNRENT_COUNT:])


def _describe(result: RunResult) -> RunResult:
    from emulator.defects import CATALOGUE

    if result.defect == CLEAN:
        result.family, result.description = "", "the emulator without any defect: must be green"
    else:
        defect = CATALOGUE[result.defect]
        result.family, result.description = defect.family, defect.description
    return result


def main(argv: Sequence[str] | None = None) -> int:
    from emulator.defects import CATALOGUE, FAMILIES

    parser = build_parser()
    args = parser.parse_args(argv)
    # Family by family, as the catalogue lists them.
    names = [d.name for family in FAMILIES for d in CATALOGUE.values() if d.family == family]
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in CATALOGUE]
        if unknown:
            parser.error(f"unknown defect(s) {', '.join(unknown)}; valid: {', '.join(sorted(CATALOGUE))}")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    hypothesis_seed = args.seed if args.hypothesis_seed is None else args.hypothesis_seed
    accounts, unrent = accounts_and_unrent(args.seed, args.numbers)

    def spec(name: str) -> RunSpec:
        return RunSpec(
            defect=name,
            seed=args.seed,
            numbers=args.numbers,
            accounts=accounts,
            unrent=unrent,
            profile=args.profile,
            hypothesis_seed=hypothesis_seed,
            timeout_s=args.timeout,
            fail_fast=args.fail_fast,
            keyword=args.keyword,
        )

    print(
        f"kill matrix: clean + {len(names)} defects, {args.jobs} at a time, seed {args.seed}, "
        f"hypothesis seed {hypothesis_seed}, profile {args.profile}",
        flush=True,
    )
    started = time.monotonic()
    results: dict[str, RunResult] = {}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures: dict[str, Future[RunResult]] = {n: pool.submit(run_one, spec(n)) for n in [CLEAN, *names]}
        for name, future in futures.items():
            result = _describe(future.result())
            results[name] = result
            first = (
                f", first failure after {result.first_failure_test_s:.1f} s"
                if result.first_failure_test_s
                else ""
            )
            print(
                f"  {name:36} {result.verdict:9} {result.failures + result.errors:3} failed{first} "
                f"({result.duration_s:.0f} s)",
                flush=True,
            )
            if name == CLEAN and result.verdict != "green":
                # Nothing a defect run could show would count: stop what has not started.
                for other in futures.values():
                    other.cancel()
                break
    matrix = Matrix(
        clean=results[CLEAN],
        defects=[results[n] for n in names if n in results],
        seed=args.seed,
        hypothesis_seed=hypothesis_seed,
        profile=args.profile,
        jobs=args.jobs,
        total_runtime_s=time.monotonic() - started,
        unrent=list(unrent),
    )
    json_path, html_path = write_reports(matrix, args.out)
    print(matrix.headline())
    for run in matrix.survived:
        print(f"  survived: {run.defect} -- {run.description}")
    for run in matrix.broken:
        print(f"  broken:   {run.defect} -- {run.problem}")
    print(f"reports: {html_path} {json_path}")
    if matrix.void:
        return EXIT_VOID
    return EXIT_SURVIVORS if matrix.survived or matrix.broken else 0


if __name__ == "__main__":
    sys.exit(main())
