"""A target that cannot be tested stops the run at once: one line, exit status 4, no traceback.

Each case runs ``pytest contracts --base-url=...`` in a subprocess (the generous timeout
only catches a hang). Unroutable addresses are not dialled from here (this machine may
only talk to loopback): a loopback listener whose backlog is full drops the handshake the
same way, and stands in for one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import EmulatorConfig, create_app
from emulator.serve import serve

ROOT = Path(__file__).resolve().parents[2]
AUTH_ID = "MAUNREACHABLE0000001"
TOKEN = "unreachable-Secret-71c2"

pytestmark = pytest.mark.slow


def _run(base_url: str, reports: Path, token: str = TOKEN, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    env.update(PLIVO_AUTH_ID=AUTH_ID, PLIVO_AUTH_TOKEN=token)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "contracts",
            f"--base-url={base_url}",
            "--request-timeout=3",
            f"--reports-dir={reports}",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _assert_one_clear_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 4, output[-3000:]
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) <= 3, f"expected one line, got {len(lines)}:\n{output[-3000:]}"
    assert "Traceback" not in output
    assert TOKEN not in output
    line = next(line for line in lines if line.startswith("ERROR: "))
    for words in expected:
        assert words in line, f"{words!r} not in {line!r}"
    return line


def _assert_reports_say_so(reports: Path, line: str) -> None:
    # A stale green report from an earlier run must not outlive a run that could not start.
    xml = (reports / "contracts.xml").read_text(encoding="utf-8")
    html = (reports / "contracts.html").read_text(encoding="utf-8")
    assert 'errors="1"' in xml
    assert "cannot test" in xml
    assert "cannot test" in html
    assert line.removeprefix("ERROR: ").split(":")[0] in xml


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    app = create_app(EmulatorConfig(seed=2, numbers=20, auth_id=AUTH_ID, auth_token=TOKEN))
    with serve(app, host="127.0.0.1", port=0) as base_url:
        yield base_url


def test_a_refused_port(tmp_path: Path) -> None:
    (tmp_path / "contracts.xml").write_text("<testsuites><testsuite tests='99' failures='0'/></testsuites>")
    port = _free_port()
    result = _run(f"http://127.0.0.1:{port}", tmp_path)
    line = _assert_one_clear_line(result, "connection refused", f"127.0.0.1:{port}", "check --base-url")
    _assert_reports_say_so(tmp_path, line)


def test_an_unresolvable_host(tmp_path: Path) -> None:
    result = _run("http://nonexistent.invalid", tmp_path)
    _assert_one_clear_line(result, "nonexistent.invalid", "check --base-url")


def test_tls_to_a_plain_http_port(emulator: str, tmp_path: Path) -> None:
    result = _run(emulator.replace("http://", "https://"), tmp_path)
    _assert_one_clear_line(result, "TLS", "http://")


def test_wrong_credentials(emulator: str, tmp_path: Path) -> None:
    result = _run(emulator, tmp_path, "not-the-" + TOKEN)
    line = _assert_one_clear_line(result, "401", "PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN")
    assert "not-the-" not in line


def test_userinfo_in_the_base_url_is_refused_and_never_printed(emulator: str, tmp_path: Path) -> None:
    password = "hunter2-Pass-word"
    result = _run(emulator.replace("http://", f"http://bob:{password}@"), tmp_path)
    line = _assert_one_clear_line(result, "PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "user:password@")
    assert password not in result.stdout + result.stderr
    assert "bob" not in line
    # Refused before anything is sent.
    assert not (tmp_path / "contracts.xml").exists()


class _Silent:
    """A loopback server that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.held: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.held.append(conn)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        for conn in self.held:
            conn.close()
        self.sock.close()


def test_a_target_that_never_answers_is_cut_off_by_the_deadline(tmp_path: Path) -> None:
    silent = _Silent()
    try:
        started = time.monotonic()
        result = _run(silent.url, tmp_path)
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    _assert_one_clear_line(result, "no complete answer", "3 s", "--request-timeout")
    assert elapsed < 120, "the 3 s deadline should have ended the run long before"


def test_a_connect_that_never_completes(tmp_path: Path) -> None:
    # The kernel drops SYNs to a listener whose backlog is full, as to an unroutable address.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        result = _run(f"http://127.0.0.1:{port}", tmp_path)
    finally:
        filler.close()
        listener.close()
    _assert_one_clear_line(result, f"no connection to 127.0.0.1:{port} within 3 s", "check --base-url")
