"""``python -m emulator`` as a child process, the way an outside user runs it.

Benchmarks, the stock-tool tests and the kill matrix need the emulator in a process of
its own (no shared GIL or heap with the client under test); ``spawn`` is the one place
that starts it for them. It passes ``--ready-json`` and reads the one JSON line the
emulator prints on stdout once it listens (``emulator.cli.ready_record``), never the
human banner. That line holds every credential the emulator serves: it stays in the
pipe between the two processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = ["READY_FIELDS", "ServedEmulator", "parse_ready", "spawn"]

ROOT = Path(__file__).resolve().parents[1]
# What every ready line carries (emulator.cli.ready_record); a launcher refuses less.
READY_FIELDS = frozenset(
    {"base_url", "auth_id", "auth_token", "subaccounts", "other_account", "pid", "seed", "level"}
)
STDERR_KEEP_CHARS = 8000


def parse_ready(line: str) -> dict[str, Any] | None:
    """The ready record in one line of the emulator's stdout, or None if the line is not one."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or not record.keys() >= READY_FIELDS:
        return None
    return record


@dataclass(frozen=True)
class ServedEmulator:
    """A running ``python -m emulator`` child: where it listens and its demo main account.

    ``ready`` is the whole ready record (subaccounts, the other account, seed, level...).
    """

    base_url: str
    auth_id: str
    auth_token: str = field(repr=False)
    pid: int
    ready: dict[str, Any] = field(repr=False, default_factory=dict)


class _Drain:
    """Reads a child's stream to its end in a thread, keeping the start (a full pipe stalls a server)."""

    def __init__(self, stream: IO[str]) -> None:
        self.kept = ""
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            if len(self.kept) < STDERR_KEEP_CHARS:
                self.kept += line

    def text(self, wait: float = 2.0) -> str:
        self._thread.join(timeout=wait)
        return self.kept


@contextmanager
def spawn(*args: str, module: str = "emulator", stop_timeout: float = 10.0) -> Iterator[ServedEmulator]:
    """Run ``python -m <module> --port 0 --ready-json <args>`` until the block ends.

    Raises RuntimeError with the child's stderr if it exits before its ready line (a bad
    option, say), so the caller sees the emulator's own message.
    """
    command = [sys.executable, "-m", module, "--port", "0", "--ready-json", *args]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        errors = _Drain(process.stderr)
        record = None
        for line in process.stdout:  # ends when the child exits without a ready line
            record = parse_ready(line)
            if record is not None:
                break
        if record is None:
            process.wait(timeout=stop_timeout)
            raise RuntimeError(f"python -m {module} did not start (exit {process.poll()}):\n{errors.text()}")
        _Drain(process.stdout)
        yield ServedEmulator(
            base_url=str(record["base_url"]).rstrip("/"),
            auth_id=str(record["auth_id"]),
            auth_token=str(record["auth_token"]),
            pid=process.pid,
            ready=record,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
