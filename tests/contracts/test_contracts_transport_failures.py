"""A target that stops answering mid-run: a few lines per failure, and the run stops soon.

The server here answers the probe's first request with an empty list page, then closes
every later connection without a word. Before, each test printed a few hundred lines of
httpx, httpcore and schemathesis frames and the run went on to the end.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AUTH_ID = "MATRANSPORTFAILS0001"
TOKEN = "transport-Fails-Secret-55"

pytestmark = pytest.mark.slow

PAGE = json.dumps(
    {
        "api_id": "x",
        "meta": {"limit": 1, "offset": 0, "next": None, "previous": None, "total_count": 0},
        "objects": [],
    }
).encode()


HEAD = (
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
    f"content-length: {len(PAGE)}\r\nconnection: close\r\n\r\n"
).encode()


class _AnswersOnce:
    """Answers the first request with ``PAGE``; closes every later connection at once."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.answered = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    if self.answered == 0:
                        conn.sendall(HEAD + PAGE)
                    self.answered += 1
                except OSError:
                    pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def answers_once() -> Iterator[_AnswersOnce]:
    server = _AnswersOnce()
    yield server
    server.close()


def test_a_target_that_stops_answering_ends_the_run_in_a_few_lines(
    answers_once: _AnswersOnce, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    env.update(PLIVO_AUTH_ID=AUTH_ID, PLIVO_AUTH_TOKEN=TOKEN)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "contracts/test_pagination.py",
            "contracts/test_errors.py",
            "contracts/test_auth.py",
            f"--base-url={answers_once.url}",
            "--request-timeout=5",
            f"--reports-dir={tmp_path}",
            "-p",
            "no:randomly",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode not in (0, 4), output[-3000:]
    assert "in 3 tests in a row" in output, "three transport failures in a row stop the run"
    assert output.count("E   the target failed below HTTP") == 3, output[-3000:]
    assert "httpcore" not in output, "no frames of the HTTP stack"
    assert "Traceback" not in output
    assert len(output.splitlines()) < 80, f"{len(output.splitlines())} lines:\n{output[-3000:]}"
    assert "met the documented contract" not in output
    assert "NOT shown to meet the contract" in output or "did NOT meet the contract" in output
    xml = (tmp_path / "contracts.xml").read_text(encoding="utf-8")
    assert "the target failed below HTTP" in xml
    assert TOKEN not in output + xml
