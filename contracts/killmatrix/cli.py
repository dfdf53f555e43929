"""``python -m contracts.killmatrix``: the suite against the clean emulator, every defect and every variant.

Defects (emulator/defects) are subtly wrong APIs the suite must fail: killed ones measure
its sensitivity. Variants (emulator/variants) are correct APIs that differ from our
emulator: passed ones measure its specificity, and a failed one is a false alarm.

Exit status: 0 every defect killed and every variant passed; 1 a defect survived, a
variant was failed (a false alarm) or a run broke; 2 a usage error; 3 the matrix is void
(the suite is not green against the clean emulator).
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
from .runs import CLEAN, ROOT, VARIANT, Accounts, RunResult, RunSpec, run_one

AUTH_ID = "MAKILLMATRIX0000000A"
# Not a secret (the emulator is ours), but treated as one: it never reaches a report.
AUTH_TOKEN = "kill-matrix-token-7"
UNRENT_COUNT = 3
# A survivor and a false alarm fail the matrix alike.
EXIT_SURVIVORS = EXIT_FALSE_ALARMS = 1
EXIT_USAGE, EXIT_VOID = 2, 3


def build_parser() -> argparse.ArgumentParser:
    from emulator.defects import CATALOGUE
    from emulator.variants import CATALOGUE as VARIANTS

    parser = argparse.ArgumentParser(
        prog="python -m contracts.killmatrix",
        description=(
            "Run `pytest contracts` against the clean emulator, each catalogued defect "
            f"({len(CATALOGUE)}, which it must fail) and each catalogued variant ({len(VARIANTS)}, correct "
            "APIs unlike ours, which it must pass), each served on loopback, and write "
            "reports/kill-matrix.{json,html}."
        ),
        epilog=(
            "exit status: 0 all defects killed and all variants passed; 1 survivors, false alarms or "
            "broken runs; 2 usage error; 3 matrix void"
        ),
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
        "--only",
        metavar="NAME[,NAME]",
        help="run only these defects and/or variants (the clean run always runs)",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--defects-only", action="store_true", help="run the defects, not the variants (sensitivity only)"
    )
    which.add_argument(
        "--variants-only", action="store_true", help="run the variants, not the defects (specificity only)"
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
    from emulator.variants import CATALOGUE as VARIANTS

    if result.defect == CLEAN:
        result.family, result.description = "", "the emulator without any defect: must be green"
    elif result.kind == VARIANT:
        variant = VARIANTS[result.defect]
        result.family, result.description = variant.family, variant.description
        result.allowed_by = variant.allowed_by
    else:
        defect = CATALOGUE[result.defect]
        result.family, result.description = defect.family, defect.description
    return result


def _selected(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The defects and the variants to run, each family by family as its catalogue lists them."""
    from emulator.defects import CATALOGUE, FAMILIES
    from emulator.variants import CATALOGUE as VARIANTS
    from emulator.variants import FAMILIES as VARIANT_FAMILIES

    defects = [d.name for family in FAMILIES for d in CATALOGUE.values() if d.family == family]
    variants = [v.name for family in VARIANT_FAMILIES for v in VARIANTS.values() if v.family == family]
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in CATALOGUE and n not in VARIANTS]
        if unknown:
            parser.error(
                f"unknown defect(s) or variant(s) {', '.join(unknown)}; valid defects: "
                f"{', '.join(sorted(CATALOGUE))}; valid variants: {', '.join(sorted(VARIANTS))}"
            )
        defects = [n for n in names if n in CATALOGUE]
        variants = [n for n in names if n in VARIANTS]
        if args.defects_only and variants:
            parser.error(f"--defects-only, but --only names variants: {', '.join(variants)}")
        if args.variants_only and defects:
            parser.error(f"--variants-only, but --only names defects: {', '.join(defects)}")
    if args.defects_only:
        variants = []
    if args.variants_only:
        defects = []
    return defects, variants


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    defect_names, variant_names = _selected(parser, args)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    hypothesis_seed = args.seed if args.hypothesis_seed is None else args.hypothesis_seed
    accounts, unrent = accounts_and_unrent(args.seed, args.numbers)

    def spec(name: str) -> RunSpec:
        return RunSpec(
            defect=name,
            variant=name in variant_names,
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
        f"kill matrix: clean + {len(defect_names)} defects + {len(variant_names)} variants, "
        f"{args.jobs} at a time, seed {args.seed}, hypothesis seed {hypothesis_seed}, profile {args.profile}",
        flush=True,
    )
    started = time.monotonic()
    results: dict[str, RunResult] = {}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures: dict[str, Future[RunResult]] = {
            n: pool.submit(run_one, spec(n)) for n in [CLEAN, *defect_names, *variant_names]
        }
        for name, future in futures.items():
            result = _describe(future.result())
            results[name] = result
            first = (
                f", first failure after {result.first_failure_test_s:.1f} s in the tests"
                if result.first_failure_test_s is not None
                else ""
            )
            if result.first_failure_wall_s is not None:
                first += f" ({result.first_failure_wall_s:.1f} s after pytest start)"
            kind = "" if name == CLEAN else result.kind
            print(
                f"  {kind:7} {name:36} {result.verdict:11} {result.failures + result.errors:3} failed{first} "
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
        defects=[results[n] for n in defect_names if n in results],
        variants=[results[n] for n in variant_names if n in results],
        seed=args.seed,
        hypothesis_seed=hypothesis_seed,
        profile=args.profile,
        jobs=args.jobs,
        total_runtime_s=time.monotonic() - started,
        unrent=list(unrent),
    )
    json_path, html_path = write_reports(matrix, args.out)
    print(matrix.headline())
    if defect_names and variant_names and not matrix.void:
        # Side by side: what the suite catches, and what it wrongly catches.
        print(
            f"  sensitivity: {len(matrix.killed):3} of {len(matrix.defects):3} defects killed  "
            f"({matrix.kill_rate:6.1%}); {len(matrix.survived)} survived, {len(matrix.broken)} broken"
        )
        print(
            f"  specificity: {len(matrix.passed):3} of {len(matrix.variants):3} variants passed "
            f"({matrix.specificity:6.1%}); {len(matrix.false_alarms)} false alarms, "
            f"{len(matrix.broken_variants)} broken"
        )
    for run in matrix.survived:
        print(f"  survived:    {run.defect} -- {run.description}")
    for run in matrix.false_alarms:
        print(f"  false alarm: {run.defect} -- {run.description}; failed: {', '.join(run.failed_tests)}")
    for run in [*matrix.broken, *matrix.broken_variants]:
        print(f"  broken:      {run.defect} -- {run.problem}")
    print(f"reports: {html_path} {json_path}")
    if matrix.void:
        return EXIT_VOID
    return EXIT_SURVIVORS if matrix.failed else 0


if __name__ == "__main__":
    sys.exit(main())
