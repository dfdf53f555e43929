"""``python -m emulator`` as a child process, the way an outside user runs it.

Benchmarks and the kill matrix need the emulator in a process of its own (no shared GIL
or heap with the client under test); this is the one place that starts it and reads
the banner it prints on start (``emulator.cli.banner``).
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BANNER_END", "ServedEmulator", "parse_banner", "spawn"]

ROOT = Path(__file__).resolve().parents[1]
BANNER_FIELD = re.compile(r"^\s+(base URL|auth_id|auth_token):\s+(\S+)$", re.MULTILINE)
BANNER_END = "Press Ctrl+C"


def parse_banner(text: str) -> dict[str, str]:
    """The ``base URL``, ``auth_id`` and ``auth_token`` fields found in (part of) a banner."""
    return dict(BANNER_FIELD.findall(text))


@dataclass(frozen=True)
class ServedEmulator:
    """A running ``python -m emulator`` child: where it listens and its demo main account."""

    base_url: str
    auth_id: str
    auth_token: str = field(repr=False)
    pid: int
    banner: str = field(repr=False)


@contextmanager
def spawn(*args: str, module: str = "emulator", stop_timeout: float = 10.0) -> Iterator[ServedEmulator]:
    """Run ``python -m <module> --port 0 <args>`` until the block ends; yield what it printed.

    Raises RuntimeError with the child's output if it exits before printing its banner
    (a bad option, say), so the caller sees the emulator's own message.
    """
    command = [sys.executable, "-m", module, "--port", "0", *args]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith(BANNER_END):
                break
        banner = "".join(lines)
        fields = parse_banner(banner)
        if set(fields) != {"base URL", "auth_id", "auth_token"}:
            raise RuntimeError(f"python -m {module} did not start (exit {process.poll()}):\n{banner}")
        # Keep reading what it prints later, or a full pipe would stall the server.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield ServedEmulator(
            base_url=fields["base URL"].rstrip("/"),
            auth_id=fields["auth_id"],
            auth_token=fields["auth_token"],
            pid=process.pid,
            banner=banner,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
