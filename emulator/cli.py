"""``python -m emulator``: serve the emulator on loopback for SDK development and tests.

Extensions: each module named in EXTENSIONS that can be imported may define
``register(parser)`` to add options and ``hooks(args) -> dict`` returning keyword
arguments for create_app (``middleware``, ``store_wrapper``). This is how the
defect catalogue adds ``--defect`` without the core knowing any defect.

Every option's value is checked against its documented range before anything starts:
a bad one is a single line naming the option, the value and what is allowed, and exit
status 2 (no usage dump, no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import ipaddress
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from . import serve as serving
from .app import create_app
from .config import (
    DEFAULT_NUMBERS,
    MAX_DELAY_SECONDS,
    MAX_ERROR_STATUSES,
    MAX_NUMBERS,
    MAX_RATE_LIMIT,
    MAX_RATE_WINDOW_SECONDS,
    MAX_SUBACCOUNTS,
    MIN_SUBACCOUNTS,
    ConfigError,
    EmulatorConfig,
    Faults,
)
from .inventory import REFERENCE_DATE, InventoryError

EXTENSIONS = ("emulator.defects", "emulator.variants")

EPILOG = """\
examples:
  python -m emulator                                  # demo account on http://127.0.0.1:8765
  python -m emulator --port 0 --seed 42 --numbers 1000
  python -m emulator --inventory my-numbers.json --auth-id MAXXXXXXXXXXXXXXXXXX --auth-token secret
  python -m emulator --latency 0.05 --rate-limit 300 --rate-window 5

behaviour:
  Main credentials see every number of the account, subaccounts' included; subaccount
  credentials see only their own; another auth_id in the path is 401. Errors are
  Plivo-style JSON {"api_id", "error"}. Unknown query parameters and body keys are
  ignored, like Plivo. Paths are served with or without the trailing slash (Plivo
  documents it; the SDKs send it). State lives in memory and resets on restart.

limits:
  Whatever a client sends is answered with a JSON 4xx, never a 5xx (unless a fault
  option asks for one): a body over 1 MiB
  is 413, a path and query over 8 KiB 414, more than 100 header fields or 32 KiB of
  them 431, malformed credentials 401, anything unreadable 400. The request log keeps
  at most 10,000 requests and 16 MiB, 64 KiB per request. SIGTERM or Ctrl+C stops the
  server at once; answers held back by --latency/--jitter get a 503.

Point the official Python SDK at it by setting
  plivo.rest.client.PLIVO_API_BASE_URI = "<base URL>/v1/Account"
before each request (the SDK resets it), and use the printed auth_id and token.
"""


def _shown(text: str, limit: int = 40) -> str:
    """The value as typed, quoted and cut short: the message stays one readable line."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


@dataclass(frozen=True)
class _Bounded:
    """An argparse ``type``: a finite ``kind`` value in [low, high] (or (low, high] if ``low_open``).

    argparse prefixes the option's name, so a refusal reads
    ``argument --port: 70000 is out of range; allowed: a whole number from 0 to 65535``.
    """

    kind: Callable[[str], float]
    low: float
    high: float
    allowed: str  # the range in the option's terms, e.g. "seconds from 0 to 60, e.g. 0.05"
    low_open: bool = False

    def __call__(self, text: str) -> Any:
        noun = "a whole number" if self.kind is int else "a number"
        try:
            value = self.kind(text)
        except ValueError:  # also an int past Python's limit on digits
            raise argparse.ArgumentTypeError(
                f"{_shown(text)} is not {noun}; allowed: {self.allowed}"
            ) from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(
                f"{_shown(text)} is not a finite number; allowed: {self.allowed}"
            )
        below = value <= self.low if self.low_open else value < self.low
        if below or value > self.high:
            raise argparse.ArgumentTypeError(f"{_shown(text)} is out of range; allowed: {self.allowed}")
        return value

    def __repr__(self) -> str:
        # argparse names the type in its own messages.
        return self.kind.__name__


_port = _Bounded(int, 0, 65535, "a whole number from 0 to 65535 (0 picks a free port)")
_seed = _Bounded(int, -(2**63), 2**63 - 1, "a whole number from -2**63 to 2**63-1")
_numbers = _Bounded(int, 0, MAX_NUMBERS, f"a whole number from 0 to {MAX_NUMBERS}")
_subaccounts = _Bounded(
    int, MIN_SUBACCOUNTS, MAX_SUBACCOUNTS, f"a whole number from {MIN_SUBACCOUNTS} to {MAX_SUBACCOUNTS}"
)
_seconds = _Bounded(float, 0.0, MAX_DELAY_SECONDS, f"seconds from 0 to {MAX_DELAY_SECONDS:g}, e.g. 0.05")
_rate_limit = _Bounded(int, 1, MAX_RATE_LIMIT, f"a whole number of requests from 1 to {MAX_RATE_LIMIT}")
_window = _Bounded(
    float,
    0.0,
    MAX_RATE_WINDOW_SECONDS,
    f"seconds greater than 0 and at most {MAX_RATE_WINDOW_SECONDS:g}, e.g. 5",
    low_open=True,
)
_fraction = _Bounded(float, 0.0, 1.0, "a fraction from 0 to 1, e.g. 0.05")


def _statuses(text: str) -> tuple[int, ...]:
    allowed = f"allowed: 1 to {MAX_ERROR_STATUSES} comma-separated 5xx statuses, e.g. 500,503"
    parts = text.split(",")
    if len(parts) > MAX_ERROR_STATUSES:
        raise argparse.ArgumentTypeError(f"{len(parts)} statuses are too many; {allowed}")
    try:
        statuses = tuple(int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not a list of statuses; {allowed}") from None
    if not all(500 <= status <= 599 for status in statuses):
        raise argparse.ArgumentTypeError(f"{_shown(text)}: error statuses must be 5xx; {allowed}")
    return statuses


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose every refusal is one line (argparse adds the usage by default)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m emulator",
        description=(
            "A stateful emulator of Plivo's Account Phone Numbers API (list, get, update, unrent "
            "under /v1/Account/{auth_id}/Number/), validated against openapi/number.yaml. "
            "It serves a deterministic demo account; on start it prints the base URL and the "
            "demo credentials."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    net = parser.add_argument_group("serving")
    net.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s, loopback only)"
    )
    net.add_argument(
        "--port",
        type=_port,
        default=8765,
        help="TCP port, 0 to 65535; 0 picks a free one (default: %(default)s)",
    )
    net.add_argument(
        "--ready-json",
        action="store_true",
        help=(
            "for launchers: instead of the banner, print exactly one JSON object line on stdout once "
            "listening (base_url, auth_id, auth_token, subaccounts, other_account, pid, seed, level, "
            "defect or variant); it holds every credential, so read it through a pipe, never a log"
        ),
    )
    net.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help=(
            "log level; 'info' prints one line per request on stderr: method, path, status, "
            "milliseconds (never the query, headers or credentials) (default: %(default)s)"
        ),
    )
    data = parser.add_argument_group("accounts and inventory")
    data.add_argument(
        "--seed",
        type=_seed,
        default=7,
        help="seed of credentials and generated inventory; same seed, same account (default: %(default)s)",
    )
    data.add_argument(
        "--numbers",
        type=_numbers,
        default=DEFAULT_NUMBERS,
        help=(
            f"how many numbers the demo main account has, subaccounts' included, 0 to {MAX_NUMBERS} "
            "(default: %(default)s); "
            f"dates are counted from {REFERENCE_DATE.isoformat()}, so output does not depend on today"
        ),
    )
    data.add_argument(
        "--inventory",
        type=Path,
        metavar="FILE",
        help=(
            "load the demo account's numbers from FILE instead of generating them: a JSON list of "
            'number objects in the API\'s own shape (or a saved list page with "objects"); '
            'sub_account values become subaccounts. An object with the numbers under "numbers" may '
            "carry the compliance objects they point to next to them: brands, campaigns, "
            "campaign_numbers, profiles, tollfree_verifications, compliance_applications, "
            "phone_number_compliances (ids with no object are served as unknown); a file of numbers "
            "only gets objects in good standing for every id its numbers name"
        ),
    )
    data.add_argument(
        "--auth-id",
        metavar="ID",
        help="the demo main account's auth_id: 'MA' + 18 letters or digits (default: derived from --seed)",
    )
    data.add_argument(
        "--auth-token",
        metavar="TOKEN",
        help="the demo main account's auth token; needs --auth-id (default: derived from --seed)",
    )
    data.add_argument(
        "--subaccounts",
        type=_subaccounts,
        default=3,
        help=(
            f"subaccounts of the demo account, {MIN_SUBACCOUNTS} to {MAX_SUBACCOUNTS} (default: %(default)s)"
        ),
    )
    data.add_argument(
        "--level",
        choices=["tolerant", "documented"],
        default="tolerant",
        help=(
            "request validation: 'tolerant' also accepts what real SDKs send beyond the docs "
            "(plivo-go's number_type, the Node SDK's upper-case 10DLC values); 'documented' only "
            "the documented parameters (default: %(default)s)"
        ),
    )
    faults = parser.add_argument_group("faults (for testing clients; all off by default)")
    faults.add_argument(
        "--latency",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help=f"delay added to every answer, 0 to {MAX_DELAY_SECONDS:g}",
    )
    faults.add_argument(
        "--jitter",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help=f"extra random delay, uniform in [0, SECONDS); SECONDS from 0 to {MAX_DELAY_SECONDS:g}",
    )
    faults.add_argument(
        "--rate-limit",
        type=_rate_limit,
        metavar="N",
        help=(
            "answer 429 once an account sent N requests within --rate-window (Plivo: 300 per 5 s); "
            f"N from 1 to {MAX_RATE_LIMIT}"
        ),
    )
    faults.add_argument(
        "--rate-window",
        type=_window,
        default=5.0,
        metavar="SECONDS",
        help=f"rate limit window, > 0 and at most {MAX_RATE_WINDOW_SECONDS:g} (default: %(default)s)",
    )
    faults.add_argument(
        "--error-rate",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="fraction of requests answered with a 5xx, 0 to 1",
    )
    faults.add_argument(
        "--error-status",
        type=_statuses,
        default=(500, 503),
        metavar="S[,S]",
        help=f"statuses --error-rate picks from, 1 to {MAX_ERROR_STATUSES} 5xx statuses (default: 500,503)",
    )
    faults.add_argument(
        "--drop-rate",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="fraction of requests whose connection is closed after the status line, before the body, 0 to 1",
    )
    return parser


def _extensions() -> list[ModuleType]:
    found = []
    for name in EXTENSIONS:
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return found


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    """An EmulatorConfig from parsed options; raises ConfigError with a readable message."""
    faults = Faults(
        latency=args.latency,
        jitter=args.jitter,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        error_rate=args.error_rate,
        error_statuses=args.error_status,
        drop_rate=args.drop_rate,
    )
    return EmulatorConfig(
        seed=args.seed,
        numbers=args.numbers,
        inventory=args.inventory,
        auth_id=args.auth_id,
        auth_token=args.auth_token,
        subaccounts=args.subaccounts,
        level=args.level,
        faults=faults,
    )


def banner(url: str, app: Any) -> str:
    demo = app.state.demo
    config = app.state.config
    source = f"inventory {config.inventory}" if config.inventory else f"{config.numbers} numbers"
    lines = [
        f"Plivo Number API emulator: seed {config.seed}, {source}, level {config.level}, {config.faults!r}",
        f"  base URL:     {url}",
        f"  auth_id:      {demo.auth_id}",
        f"  auth_token:   {demo.auth_token}",
        f"  list numbers: {url}/v1/Account/{demo.auth_id}/Number/",
    ]
    for sub_id, token in demo.subaccounts:
        lines.append(f"  subaccount:   {sub_id}  token {token}")
    other_id, other_token = demo.other_account
    lines.append(f"  other account (cannot see the demo's numbers): {other_id}  token {other_token}")
    lines.append(f'  Python SDK:   plivo.rest.client.PLIVO_API_BASE_URI = "{url}/v1/Account"')
    lines.append("Press Ctrl+C to stop.")
    return "\n".join(lines)


def ready_record(url: str, app: Any, args: argparse.Namespace) -> dict[str, Any]:
    """What ``--ready-json`` prints: where the emulator listens and every credential it serves.

    The machine-readable twin of ``banner``, for launchers (emulator.process, the kill
    matrix). It holds auth tokens: meant for a pipe to the launcher, never for a log.
    ``defect`` and ``variant`` are set by the extensions' options (None without them).
    """
    demo = app.state.demo
    config = app.state.config
    other_id, other_token = demo.other_account
    return {
        "ready": True,
        "base_url": url,
        "auth_id": demo.auth_id,
        "auth_token": demo.auth_token,
        "subaccounts": [{"auth_id": sub_id, "auth_token": token} for sub_id, token in demo.subaccounts],
        "other_account": {"auth_id": other_id, "auth_token": other_token},
        "pid": os.getpid(),
        "seed": config.seed,
        "numbers": config.numbers,
        "level": config.level,
        "defect": getattr(args, "defect", None),
        "variant": getattr(args, "variant", None),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    extensions = _extensions()
    for extension in extensions:
        if hasattr(extension, "register"):
            extension.register(parser)
    args = parser.parse_args(argv)
    hooks: dict[str, Any] = {}
    try:
        config = config_from(args)
        for extension in extensions:
            if hasattr(extension, "hooks"):
                hooks.update(extension.hooks(args))
        app = create_app(config, **hooks)
    except (ConfigError, InventoryError) as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    try:
        sock = serving.bind(args.host, args.port)
    except OSError as exc:
        parser.exit(
            2,
            f"{parser.prog}: error: argument --host/--port: cannot listen on "
            f"{_shown(args.host)}:{args.port}: {exc.strerror or exc}; "
            "choose another --host or --port (0 picks a free one)\n",
        )
    except (ValueError, TypeError) as exc:  # e.g. a NUL or an over-long label in --host
        parser.exit(
            2, f"{parser.prog}: error: argument --host: {_shown(args.host)} is not an address: {exc}\n"
        )
    url = serving.base_url(sock)
    if not ipaddress.ip_address(sock.getsockname()[0]).is_loopback:
        print(
            f"warning: listening on {args.host}, not loopback: anyone who can reach this machine can use the "
            "demo credentials printed below",
            file=sys.stderr,
        )
    if args.ready_json:
        # One line, flushed: the launcher reads it as the signal that the port is open.
        print(json.dumps(ready_record(url, app, args)), flush=True)
    else:
        print(banner(url, app), flush=True)
    server = serving.server_for(serving.ServedApp(app), args.log_level)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
