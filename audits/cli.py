"""``python -m audits`` / ``plivo-number-audit``: the nightly compliance audit from the command line.

Exit codes: 0 passed, 1 threshold crossed, 2 usage error, 3 inventory INCOMPLETE.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from audits.policy import PolicyError, load_policy
from audits.progress import Progress
from audits.ratelimit import DEFAULT_RATE, PLIVO_REQUESTS, PLIVO_WINDOW_S
from audits.report import write_all
from audits.run import EXIT_INCOMPLETE, EXIT_OK, EXIT_THRESHOLD, EXIT_USAGE, AuditResult, run_audit
from audits.target import Target, TargetError, embedded_emulator, live_target

__all__ = ["build_parser", "main"]

HISTORY_FILE = "audit-history.sqlite"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plivo-number-audit",
        description=(
            "Audit every number of a Plivo account against the 10DLC, toll-free verification, business "
            "profile and Caller Reputation rules. Without --base-url the embedded emulator's demo "
            "inventory is audited."
        ),
        epilog=(
            f"Exit codes: {EXIT_OK} passed, {EXIT_THRESHOLD} threshold crossed, {EXIT_USAGE} usage error, "
            f"{EXIT_INCOMPLETE} inventory INCOMPLETE. "
            "Live credentials come from PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN."
        ),
    )
    target = parser.add_argument_group("target")
    target.add_argument("--base-url", help="API root of a live target, e.g. https://api.plivo.com")
    target.add_argument(
        "--seed", type=int, default=7, help="seed of the embedded emulator and of retry jitter (default 7)"
    )
    target.add_argument(
        "--numbers",
        type=_positive_or_zero,
        default=300,
        help="size of the embedded emulator's demo inventory (default 300)",
    )
    parser.add_argument("--policy", type=Path, help="policy TOML file (example: audits/policy.example.toml)")
    parser.add_argument(
        "--out", type=Path, default=Path("reports"), help="report directory (default reports/)"
    )
    parser.add_argument("--history", type=Path, help=f"history database (default OUT/{HISTORY_FILE})")
    crawl = parser.add_argument_group("crawl")
    crawl.add_argument(
        "--concurrency", type=_positive, default=20, help="requests in flight at most (default 20)"
    )
    crawl.add_argument(
        "--rate",
        type=_positive_float,
        default=DEFAULT_RATE,
        help=f"requests per second (default {DEFAULT_RATE:.1f}, inside 300 per 5 s)",
    )
    crawl.add_argument(
        "--no-rate-limit", action="store_true", help="do not pace requests (only for emulators or benchmarks)"
    )
    crawl.add_argument(
        "--attempts", type=_positive, default=6, help="tries per page before giving up (default 6)"
    )
    crawl.add_argument(
        "--timeout", type=_positive_float, default=10.0, help="seconds per request (default 10)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    return parser


def _number(text: str, kind: type[int] | type[float], what: str) -> int | float:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, not {text!r}") from None


def _positive(text: str) -> int:
    value = int(_number(text, int, "a whole number >= 1"))
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, not {text}")
    return value


def _positive_or_zero(text: str) -> int:
    value = int(_number(text, int, "a whole number >= 0"))
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, not {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(_number(text, float, "a number > 0"))
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, not {text}")
    return value


@contextlib.contextmanager
def _target(args: argparse.Namespace) -> Iterator[Target]:
    if args.base_url:
        yield live_target(args.base_url)
        return
    try:
        manager = embedded_emulator(seed=args.seed, numbers=args.numbers)
    except ImportError as error:  # pragma: no cover - the emulator ships with this package
        raise TargetError(f"the embedded emulator is not available ({error}); give --base-url") from None
    with manager as target:
        yield target


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _warn_if_impolite(args: argparse.Namespace, target: Target) -> None:
    """A live account shares its 300 requests per 5 s with everything else using it."""
    host = urlsplit(target.base_url).hostname or ""
    if not args.base_url or _is_loopback(host):
        return
    if args.no_rate_limit or args.rate > PLIVO_REQUESTS / PLIVO_WINDOW_S:
        print(
            f"plivo-number-audit: warning: pacing above Plivo's {PLIVO_REQUESTS} requests per "
            f"{PLIVO_WINDOW_S:g} s on {host}: expect 429s (retried, and the crawl slows down) and "
            "throttled requests for everything else on this account",
            file=sys.stderr,
        )


def crawl_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "concurrency": args.concurrency,
        "rate": None if args.no_rate_limit else args.rate,
        "attempts": args.attempts,
        "timeout": args.timeout,
        "seed": args.seed,
    }


def summarise(result: AuditResult, paths: dict[str, Path], out: TextIO) -> None:
    doc_summary = result.document()["summary"]
    inventory = result.inventory
    print(f"audit {result.status}: {result.target.label}", file=out)
    print(
        f"  inventory: {len(inventory)} numbers read of total_count {inventory.total_count}, "
        f"{result.evaluation.numbers_in_scope} in scope; {inventory.stats.requests} requests, "
        f"{inventory.stats.retries} retries in {inventory.stats.elapsed_s:.1f} s "
        f"(seed {result.settings.seed})",
        file=out,
    )
    for problem in inventory.problems:
        print(f"  INCOMPLETE: {problem}", file=out)
    severities = ", ".join(f"{n} {s}" for s, n in doc_summary["by_severity"].items()) or "none"
    print(
        f"  findings: {doc_summary['findings']} ({severities}); {doc_summary['new']} new, "
        f"{doc_summary['resolved']} resolved, {doc_summary['waived']} waived",
        file=out,
    )
    threshold = result.policy.threshold.describe()
    verdict = "crossed" if result.threshold_crossed else "not crossed"
    print(
        f"  threshold (fail on {threshold['fail_on']}, max {threshold['max_findings']}): {verdict}", file=out
    )
    print(f"  reports: {', '.join(str(p) for p in paths.values())}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        policy = load_policy(args.policy)
        out: Path = args.out
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise TargetError(
                f"--out {out} cannot be created ({error.strerror}); choose a writable directory"
            ) from None
        history = args.history or out / HISTORY_FILE
        with _target(args) as target:
            _warn_if_impolite(args, target)
            progress = Progress(enabled=False if args.no_progress else None)
            result = run_audit(target, policy, history, crawl_options(args), progress)
    except (PolicyError, TargetError, ValueError) as error:
        print(f"plivo-number-audit: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    paths = write_all(result.document(), out)
    summarise(result, paths, sys.stdout)
    return result.exit_code
