"""``python -m audits`` / ``plivo-number-audit``: the nightly compliance audit from the command line.

    plivo-number-audit [--base-url URL]                 one account (default: the embedded emulator)
    plivo-number-audit --accounts FILE [--account NAME]  many accounts in one run (audits.accounts)
    plivo-number-audit merge DIR [DIR...] --out DIR     fanned-out runs as one report (audits.merge)

Exit codes: 0 passed, 1 threshold crossed, 2 usage error, 3 inventory INCOMPLETE.

Every line printed passes through the run's Output (audits.output), which masks every
spelling of the credentials, including on the error paths; the reports are written even
when the inventory is INCOMPLETE.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from audits.accounts import (
    PARALLEL_ACCOUNTS,
    AccountsError,
    credentials,
    load_accounts,
    run_accounts,
    select,
    targets,
)
from audits.inventory import CRAWL_DEADLINE_S, DEFAULT_RATE, MAX_NUMBERS
from audits.merge import MergeError, NothingToMerge, merge
from audits.output import Output
from audits.policy import PolicyError, load_policy
from audits.progress import Progress
from audits.report import write_all, write_stopped
from audits.rules import REGISTRY
from audits.run import EXIT_INCOMPLETE, EXIT_OK, EXIT_THRESHOLD, EXIT_USAGE, AuditResult, run_audit
from audits.target import (
    AUTH_ID_ENV,
    AUTH_TOKEN_ENV,
    AuditTarget,
    AuditTargetError,
    embedded_emulator,
    live_target,
)
from openapi.pacing import PLIVO_REQUESTS, PLIVO_WINDOW_S

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
            "Live credentials come from PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN. "
            "'plivo-number-audit merge --help': fanned-out runs as one report."
        ),
    )
    target = parser.add_argument_group("target")
    target.add_argument("--base-url", help="API root of a live target, e.g. https://api.plivo.com")
    target.add_argument(
        "--accounts",
        type=Path,
        metavar="FILE",
        help="audit every account FILE (TOML) names, concurrently, in one report; FILE names the "
        "environment variables holding each account's credentials, never the credentials",
    )
    target.add_argument(
        "--account",
        action="append",
        metavar="NAME",
        help="with --accounts: audit only this account (repeatable); one per job when fanning out",
    )
    target.add_argument(
        "--parallel-accounts",
        type=_positive,
        metavar="N",
        help=f"with --accounts: accounts crawled at the same time at most, each on its own rate budget "
        f"(default {PARALLEL_ACCOUNTS})",
    )
    target.add_argument(
        "--list-accounts",
        action="store_true",
        help="with --accounts: print the accounts as JSON (a CI matrix) and exit",
    )
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
        help=f"requests per second, spent in bursts: at most RATE x 5 in any 5 s (default {DEFAULT_RATE:g}, "
        "Plivo's 300 per 5 s)",
    )
    crawl.add_argument(
        "--no-rate-limit", action="store_true", help="do not pace requests (only for emulators or benchmarks)"
    )
    crawl.add_argument(
        "--attempts", type=_positive, default=6, help="tries per page before giving up (default 6)"
    )
    crawl.add_argument(
        "--timeout",
        type=_positive_float,
        default=10.0,
        help="total seconds per request, body included (default 10)",
    )
    crawl.add_argument(
        "--deadline",
        type=_positive_float,
        default=CRAWL_DEADLINE_S,
        help="total seconds for the whole crawl; past it the audit is INCOMPLETE "
        f"(default {CRAWL_DEADLINE_S:g})",
    )
    crawl.add_argument(
        "--max-wait",
        type=_positive_float,
        default=5.0,
        help="longest wait before a retry, a server's Retry-After included (default 5)",
    )
    crawl.add_argument(
        "--max-numbers",
        type=_positive,
        default=MAX_NUMBERS,
        help=f"largest total_count believed; above it the audit is INCOMPLETE (default {MAX_NUMBERS:,})",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    parser.add_argument(
        "--list-rules",
        action="store_true",
        help="print every rule (id, default severity, scope, remediation, source) and exit",
    )
    return parser


def rule_catalogue() -> str:
    """Every registered rule as a reader needs it, in the registry's order.

    Compliance people choose what to waive or disable from this list, so it comes from the
    rule classes themselves rather than a copy that could fall behind them.
    """
    blocks = []
    for rule_id, rule in REGISTRY.items():
        blocks.append(
            f"{rule_id}  [{rule.default_severity.label}]  {rule.title}\n"
            f"  scope: {rule.scope}\n"
            f"  remediation: {rule.remediation}\n"
            f"  source: {rule.doc}"
        )
    return "\n\n".join(blocks)


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
def _target(args: argparse.Namespace) -> Iterator[AuditTarget]:
    if args.base_url:
        yield live_target(args.base_url)
        return
    try:
        manager = embedded_emulator(seed=args.seed, numbers=args.numbers)
    except ImportError as error:  # pragma: no cover - the emulator ships with this package
        raise AuditTargetError(f"the embedded emulator is not available ({error}); give --base-url") from None
    with manager as target:
        yield target


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _warn_if_impolite(
    args: argparse.Namespace, target: AuditTarget, output: Output | None = None, live: bool | None = None
) -> None:
    """A live account shares its 300 requests per 5 s with everything else using it."""
    host = urlsplit(target.base_url).hostname or ""
    live = bool(args.base_url) if live is None else live
    if not live or _is_loopback(host):
        return
    if args.no_rate_limit or args.rate > PLIVO_REQUESTS / PLIVO_WINDOW_S:
        (output or Output()).error(
            f"plivo-number-audit: warning: pacing above Plivo's {PLIVO_REQUESTS} requests per "
            f"{PLIVO_WINDOW_S:g} s on {host}: expect 429s (retried, and the crawl slows down) and "
            "throttled requests for everything else on this account"
        )


def crawl_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "concurrency": args.concurrency,
        "rate": None if args.no_rate_limit else args.rate,
        "attempts": args.attempts,
        "timeout": args.timeout,
        "seed": args.seed,
        "deadline": args.deadline,
        "backoff_cap": args.max_wait,
        "max_numbers": args.max_numbers,
    }


def summarise(
    result: AuditResult, paths: dict[str, Path], out: TextIO, doc: dict[str, Any] | None = None
) -> None:
    """The run in a few lines; INCOMPLETE and its reasons first, so nobody misses them."""
    doc = doc if doc is not None else result.document()
    doc_summary = doc["summary"]
    inventory = result.inventory
    lines = [f"audit {doc['status']}: {doc['run']['target']['label']}"]
    if not doc["complete"]:
        lines.append("  INCOMPLETE: this audit cannot call the account clean, because:")
        lines += [f"  INCOMPLETE: {reason}" for reason in doc["incomplete_reasons"]]
    lines.append(
        f"  inventory: {doc['numbers_read']} numbers read of total_count {doc['total_count']}, "
        f"{doc['numbers_audited']} in scope; {inventory.stats.requests} requests, "
        f"{inventory.stats.retries} retries in {inventory.stats.elapsed_s:.1f} s "
        f"(seed {result.settings.seed})"
    )
    lines += [f"  note: {note}" for note in doc["notes"]]
    severities = _severities(doc_summary)
    lines.append(
        f"  findings: {doc_summary['findings']} ({severities}); {doc_summary['new']} new, "
        f"{doc_summary['resolved']} resolved, {doc_summary['waived']} waived"
    )
    lines += _closing_lines(doc, paths)
    for line in lines:
        result.output.print(line, out)


def _severities(summary: dict[str, Any]) -> str:
    return ", ".join(f"{n} {s}" for s, n in summary["by_severity"].items()) or "none"


def _closing_lines(doc: dict[str, Any], paths: dict[str, Path]) -> list[str]:
    """The threshold and where the reports are: the last lines of every console summary."""
    threshold = doc["threshold"]
    verdict = "crossed" if threshold["crossed"] else "not crossed"
    return [
        f"  threshold (fail on {threshold['fail_on']}, max {threshold['max_findings']}): {verdict}",
        f"  reports: {', '.join(str(p) for p in paths.values())}",
    ]


def summarise_document(doc: dict[str, Any], paths: dict[str, Path], out: TextIO, output: Output) -> None:
    """A multi-account (or merged) run in a few lines: INCOMPLETE first, then one line per account."""
    lines = [f"audit {doc['status']}: {doc['run']['target']['label']}"]
    if not doc["complete"]:
        lines.append("  INCOMPLETE: this audit cannot call every account clean, because:")
        lines += [f"  INCOMPLETE: {reason}" for reason in doc["incomplete_reasons"]]
    for section in doc["accounts"]:
        stats = section["run"]["crawl"]["stats"]
        severities = _severities(section["summary"])
        lines.append(
            f"  account {section['name']}: {section['status']}; {section['numbers_read']} numbers read "
            f"of total_count {section['total_count']}, {section['numbers_audited']} in scope; "
            f"{section['summary']['findings']} findings ({severities}); {stats['requests']} requests, "
            f"{stats['retries']} retries in {stats['elapsed_s']:.1f} s"
        )
    lines += [f"  note: {note}" for note in doc["notes"]]
    summary = doc["summary"]
    severities = _severities(summary)
    lines.append(
        f"  total: {doc['numbers_read']} numbers read, {doc['numbers_audited']} in scope; "
        f"findings: {summary['findings']} ({severities}); {summary['new']} new, "
        f"{summary['resolved']} resolved, {summary['waived']} waived"
    )
    lines += _closing_lines(doc, paths)
    for line in lines:
        output.print(line, out)


def _make_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AuditTargetError(
            f"--out {out} cannot be created ({error.strerror}); choose a writable directory"
        ) from None


def _write(document: dict[str, Any], out: Path, output: Output) -> int:
    """Write the reports of a multi-account or merged ``document``, summarise it; its exit code."""
    try:
        paths = write_all(document, out)
    except OSError as error:
        output.error(f"plivo-number-audit: error: the reports could not be written to {out}: {error}")
        return EXIT_INCOMPLETE if not document["complete"] else EXIT_USAGE
    summarise_document(document, paths, sys.stdout, output)
    return int(document["exit_code"])


def _stopped(output: Output, reason: str, out: Path) -> int:
    """The last resort: every report says INCOMPLETE with ``reason`` (already masked)."""
    output.error(f"plivo-number-audit: error: {reason}")
    try:
        paths = write_stopped(reason, out)
    except OSError:
        return EXIT_INCOMPLETE
    output.print(
        f"audit INCOMPLETE\n  INCOMPLETE: {reason}\n  reports: {', '.join(map(str, paths.values()))}"
    )
    return EXIT_INCOMPLETE


def _main_accounts(args: argparse.Namespace, parser: argparse.ArgumentParser, output: Output) -> int:
    """``--accounts FILE``: every account concurrently, one report (audits.accounts)."""
    if args.base_url:
        parser.error("--accounts and --base-url: give one (each account's base_url is in FILE)")
    try:
        specs = select(load_accounts(args.accounts), args.account)
        # Every account's credentials the environment holds, not only the selected ones':
        # one account's server could echo another's token.
        output = output.with_pairs(credentials(load_accounts(args.accounts)))
        if args.list_accounts:
            print(json.dumps([s.describe() for s in specs]))
            return EXIT_OK
        accounts = targets(specs)
        policy = load_policy(args.policy)
        out: Path = args.out
        _make_out(out)
        for _, target in accounts:
            _warn_if_impolite(args, target, output, live=True)
        document = run_accounts(
            accounts,
            policy,
            args.history or out / HISTORY_FILE,
            crawl_options(args),
            output=output,
            parallel=args.parallel_accounts or PARALLEL_ACCOUNTS,
        )
    except (AccountsError, PolicyError, AuditTargetError, ValueError) as error:
        output.error(f"plivo-number-audit: error: {output.text(error)}")
        return EXIT_USAGE
    except Exception as error:  # never a traceback: it could quote what a server sent
        reason = output.text(f"the audit stopped on an unexpected error ({type(error).__name__}: {error})")
        return _stopped(output, reason, args.out)
    return _write(document, out, output)


def build_merge_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plivo-number-audit merge",
        description=(
            "Combine the audit.json files of fanned-out runs (one per account, each run with "
            "--accounts FILE --account NAME) into one report set and one history, as if one run had "
            "audited every account."
        ),
        epilog=(
            f"Exit codes: {EXIT_OK} passed, {EXIT_THRESHOLD} threshold crossed, {EXIT_USAGE} usage error "
            f"(inputs that cannot be one audit), {EXIT_INCOMPLETE} INCOMPLETE."
        ),
    )
    parser.add_argument(
        "inputs", nargs="+", type=Path, metavar="DIR", help="report directories (or audit.json files)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("reports"), help="report directory (default reports/)"
    )
    parser.add_argument("--history", type=Path, help=f"history database (default OUT/{HISTORY_FILE})")
    parser.add_argument(
        "--accounts",
        type=Path,
        metavar="FILE",
        help="the accounts file the jobs ran: an account it names that no input holds makes the merge "
        "INCOMPLETE (a job that wrote no report is not silently left out)",
    )
    return parser


def main_merge(argv: Sequence[str]) -> int:
    """``plivo-number-audit merge DIR [DIR...] --out DIR``."""
    args = build_merge_parser().parse_args(argv)
    output = Output().with_credentials(os.environ.get(AUTH_ID_ENV), os.environ.get(AUTH_TOKEN_ENV))
    out: Path = args.out
    try:
        expected = None
        if args.accounts:
            specs = load_accounts(args.accounts)
            expected = [s.name for s in specs]
            output = output.with_pairs(credentials(specs))
        _make_out(out)
        document = merge(args.inputs, args.history or out / HISTORY_FILE, output, expected)
    except NothingToMerge as stopped:
        return _stopped(output, output.text("; ".join(stopped.reasons)), out)
    except (AccountsError, MergeError, AuditTargetError) as error:
        output.error(f"plivo-number-audit merge: error: {output.text(error)}")
        return EXIT_USAGE
    except Exception as error:  # never a traceback
        reason = output.text(f"the merge stopped on an unexpected error ({type(error).__name__}: {error})")
        return _stopped(output, reason, out)
    return _write(document, out, output)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["merge"]:
        return main_merge(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    # Built before anything can fail, so even a usage error cannot print the token.
    output = Output().with_credentials(os.environ.get(AUTH_ID_ENV), os.environ.get(AUTH_TOKEN_ENV))
    if args.list_rules:
        output.print(rule_catalogue())
        return EXIT_OK
    if args.accounts:
        return _main_accounts(args, parser, output)
    if args.account or args.list_accounts or args.parallel_accounts is not None:
        parser.error("--account, --list-accounts and --parallel-accounts need --accounts FILE")
    try:
        policy = load_policy(args.policy)
        out: Path = args.out
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise AuditTargetError(
                f"--out {out} cannot be created ({error.strerror}); choose a writable directory"
            ) from None
        history = args.history or out / HISTORY_FILE
        with _target(args) as target:
            _warn_if_impolite(args, target, output)
            progress = Progress(enabled=False if args.no_progress else None)
            result = run_audit(target, policy, history, crawl_options(args), progress)
    except (PolicyError, AuditTargetError, ValueError) as error:
        output.error(f"plivo-number-audit: error: {error}")
        return EXIT_USAGE
    except Exception as error:  # never a traceback: it could quote what a server sent
        reason = output.text(f"the audit stopped on an unexpected error ({type(error).__name__}: {error})")
        output.error(f"plivo-number-audit: error: {reason}")
        try:
            paths = write_stopped(reason, args.out)
        except OSError:
            return EXIT_INCOMPLETE
        output.print(
            f"audit INCOMPLETE\n  INCOMPLETE: {reason}\n  reports: {', '.join(map(str, paths.values()))}"
        )
        return EXIT_INCOMPLETE
    document = result.document()
    try:
        paths = write_all(document, out)
    except OSError as error:
        output.error(f"plivo-number-audit: error: the reports could not be written to {out}: {error}")
        return EXIT_INCOMPLETE if not result.complete else EXIT_USAGE
    summarise(result, paths, sys.stdout, document)
    return result.exit_code
