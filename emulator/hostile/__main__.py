"""``python -m emulator.hostile``: list the hostile catalogue, or serve one entry until interrupted.

    python -m emulator.hostile --list
    python -m emulator.hostile slow_drip_body --port 0 --auth-id MA... --auth-token ...

Prints the base URL on stdout (the first line, flushed) and says on stderr that the target
is HOSTILE. Without --auth-id/--auth-token the seed's demo credentials are used and printed.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from emulator.catalogue import catalogue_text as listing

from . import CATALOGUE, FAMILIES, UnknownHostile, serve_hostile


def catalogue_text() -> str:
    return listing(
        f"{len(CATALOGUE)} hostile behaviours in {len(FAMILIES)} families (audit expects):",
        [family for family in FAMILIES if any(h.family == family for h in CATALOGUE.values())],
        CATALOGUE.values(),
        lambda h: [f"  {h.name:34} [{h.audit_expects:10}] {h.description}"],
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m emulator.hostile",
        description="Serve the emulator behind one hostile behaviour (for testing clients), or list them.",
    )
    parser.add_argument("name", nargs="?", help="the behaviour to serve (see --list)")
    parser.add_argument("--list", action="store_true", help="print the catalogue and exit")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument("--seed", type=int, default=7, help="the emulator's seed (default 7)")
    parser.add_argument("--numbers", type=int, default=60, help="numbers on the account (default 60)")
    parser.add_argument("--auth-id", help="main account auth id (MA + 18 letters or digits)")
    parser.add_argument("--auth-token", help="its token (default: the seed's demo credentials)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list:
        print(catalogue_text())
        return 0
    if not args.name:
        parser.error("give a behaviour NAME to serve, or --list")
    if args.name not in CATALOGUE:
        parser.error(str(UnknownHostile(args.name)))
    if (args.auth_id is None) != (args.auth_token is None):
        parser.error("give both --auth-id and --auth-token, or neither (the seed's demo credentials)")
    auth_id, auth_token, printed = args.auth_id, args.auth_token, False
    if auth_id is None:
        from emulator import EmulatorConfig, create_app

        demo = create_app(EmulatorConfig(seed=args.seed, numbers=0)).state.demo
        auth_id, auth_token, printed = demo.auth_id, demo.auth_token, True
    hostile = CATALOGUE[args.name]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with serve_hostile(
        args.name,
        auth_id=auth_id,
        auth_token=auth_token,
        numbers=args.numbers,
        seed=args.seed,
        host=args.host,
        port=args.port,
    ) as base_url:
        print(base_url, flush=True)
        if printed:
            print(f"auth_id {auth_id}\nauth_token {auth_token}", flush=True)
        print(
            f"HOSTILE emulator: {hostile.name} ({hostile.family}): {hostile.description}. "
            f"Not a faithful emulator: it attacks its clients. Ctrl-C stops it.",
            file=sys.stderr,
            flush=True,
        )
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
