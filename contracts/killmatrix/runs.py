"""One row of the matrix: serve an emulator (clean, one defect or one variant) and run the suite at it.

Both run as an outside user would run them: ``python -m emulator.defects`` (the same
command line as ``python -m emulator``, plus ``--defect``) or ``python -m emulator.variants``
(plus ``--variant``) on a free loopback port, and
``pytest contracts --base-url=... --allow-writes --unrent=...`` in a separate process with
the credentials in the environment.

The processes speak JSON to each other: the emulator is started with ``--ready-json`` and
its one stdout line (base URL and credentials; it stays in a private temporary file) says
it listens; the suite runs with the ``contracts.killmatrix.reportlog`` plugin, whose JSON
lines (one per test report, timestamped) time the first failure, and its JUnit XML gives
the counts, failing tests and messages. No display text is parsed.

Verdicts: the clean run is green or red; a defect is killed (the suite failed it, as it
must) or survived; a variant -- a correct API that differs from ours -- is passed (as it
must) or a false alarm. Any run that did not complete is broken, which counts as neither.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from emulator.process import parse_ready
from openapi.redaction import redact  # every spelling of every secret: the one redact

from .junit import parse_junit
from .reportlog import OPTION as REPORTLOG_OPTION
from .reportlog import read_log

__all__ = ["CLEAN", "DEFECT", "VARIANT", "Accounts", "Kind", "RunResult", "RunSpec", "run_one"]

CLEAN = "clean"
DEFECT, VARIANT = "defect", "variant"
Kind = Literal["clean", "defect", "variant"]
# The verdict of a completed run whose suite was (green, red), in each kind's words.
VERDICTS: dict[str, tuple[str, str]] = {
    "clean": ("green", "red"),
    DEFECT: ("survived", "killed"),
    VARIANT: ("passed", "false_alarm"),
}
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0
LOG_TAIL_CHARS = 4000


@dataclass(frozen=True)
class Accounts:
    """The emulator's demo credentials, as the runner hands them to the suite."""

    auth_id: str
    auth_token: str = field(repr=False)
    subaccount: tuple[str, str] | None = field(default=None, repr=False)
    other_account: tuple[str, str] | None = field(default=None, repr=False)
    # Every other token the emulator knows (it prints them on start): never in a report.
    other_tokens: tuple[str, ...] = field(default=(), repr=False)

    @property
    def secrets(self) -> list[str]:
        tokens = [self.auth_token, *self.other_tokens]
        tokens += [pair[1] for pair in (self.subaccount, self.other_account) if pair]
        return tokens

    def env(self) -> dict[str, str]:
        env = {"PLIVO_AUTH_ID": self.auth_id, "PLIVO_AUTH_TOKEN": self.auth_token}
        if self.subaccount:
            env["PLIVO_SUBACCOUNT_AUTH_ID"], env["PLIVO_SUBACCOUNT_AUTH_TOKEN"] = self.subaccount
        if self.other_account:
            env["PLIVO_OTHER_AUTH_ID"], env["PLIVO_OTHER_AUTH_TOKEN"] = self.other_account
        return env


@dataclass(frozen=True)
class RunSpec:
    """What one run serves and how the suite is pointed at it."""

    defect: str  # the defect's or variant's name; CLEAN for the emulator as it is
    seed: int
    numbers: int
    accounts: Accounts
    unrent: tuple[str, ...]
    profile: str = "ci"
    hypothesis_seed: int = 7
    timeout_s: float = 600.0
    fail_fast: bool = False
    keyword: str | None = None  # pytest -k: a quick partial matrix; a real one runs everything
    python: str = sys.executable
    variant: bool = False  # ``defect`` names a variant (emulator.variants), not a defect

    @property
    def kind(self) -> Kind:
        if self.defect == CLEAN:
            return "clean"
        return "variant" if self.variant else "defect"

    @property
    def strict(self) -> bool:
        """Defects (and the clean run) are judged under ``--strict``; variants at the default level.

        ``--strict`` enforces documented and observed rules (openapi/PROVENANCE.md): a
        defect breaks one of them. A variant is a correct target the default run, which
        fails only documented rules, must pass; some variants (REGISTERED, lower-case
        values, absolute links) deviate from what is observed, which --strict is for.
        """
        return self.kind != VARIANT

    def emulator_command(self) -> list[str]:
        module = "emulator.variants" if self.kind == VARIANT else "emulator.defects"
        command = [
            self.python, "-m", module, "--host", "127.0.0.1", "--port", "0", "--ready-json",
            "--seed", str(self.seed), "--numbers", str(self.numbers),
            "--auth-id", self.accounts.auth_id, "--auth-token", self.accounts.auth_token,
        ]  # fmt: skip
        if self.kind == DEFECT:
            command += ["--defect", self.defect]
        elif self.kind == VARIANT:
            command += ["--variant", self.defect]
        return command

    def pytest_command(self, base_url: str, junit: Path, reportlog: Path | None = None) -> list[str]:
        command = [
            self.python, "-m", "pytest", "contracts",
            f"--base-url={base_url}", "--allow-writes", f"--unrent={','.join(self.unrent)}",
            f"--profile={self.profile}", f"--hypothesis-seed={self.hypothesis_seed}",
            "-p", "no:randomly", "--no-reports", f"--junitxml={junit}", "-q",
        ]  # fmt: skip
        if reportlog is not None:
            command += ["-p", "contracts.killmatrix.reportlog", f"{REPORTLOG_OPTION}={reportlog}"]
        if self.strict:
            command.append("--strict")
        if self.fail_fast:
            command.append("-x")
        if self.keyword:
            command += ["-k", self.keyword]
        return command


@dataclass
class RunResult:
    """The outcome of one run. ``verdict``: clean green / red; defect killed / survived;
    variant passed / false_alarm; any of them broken (the run did not complete).

    ``defect`` is the row's name (a defect's, a variant's, or CLEAN), kept under that key
    for the JSON report's readers; ``kind`` says which.
    """

    defect: str
    verdict: str
    kind: Kind = "defect"
    family: str = ""
    description: str = ""
    allowed_by: str = ""  # variants: the source that allows the behaviour
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    failed_tests: list[str] = field(default_factory=list)
    # The first paragraph of each failing test's message, by test id (what a false alarm says).
    failure_messages: dict[str, str] = field(default_factory=dict)
    first_failure: str | None = None
    first_failure_message: str = ""
    first_failure_test_s: float | None = None
    first_failure_wall_s: float | None = None
    duration_s: float = 0.0
    returncode: int | None = None
    problem: str = ""
    emulator_command: str = ""
    pytest_command: str = ""
    log_tail: str = ""

    @property
    def name(self) -> str:
        return self.defect

    @property
    def killed(self) -> bool:
        return self.verdict == "killed"

    @property
    def passed(self) -> bool:
        return self.verdict == "passed"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def __repr__(self) -> str:
        failed = self.failures + self.errors
        return f"<RunResult {self.defect}: {self.verdict}, {failed} failed, {self.duration_s}s>"


def _shell(command: list[str], secrets: list[str]) -> str:
    import shlex

    return redact(" ".join(shlex.quote(part) for part in command), secrets)


class _Output:
    """Reads a child's stdout to its end in a thread (a full pipe would stall it): the log tail."""

    def __init__(self, stream: Any) -> None:
        self.chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        while data := os.read(stream.fileno(), 65536):
            self.chunks.append(data)

    def join(self) -> str:
        self._thread.join(timeout=10)
        return b"".join(self.chunks).decode("utf-8", "replace")


def first_failure_wall_s(records: list[dict[str, Any]], started_at: float) -> float | None:
    """Seconds from ``started_at`` (the launcher's ``time.time()`` when it started pytest) to
    the end of the first failing report (setup, call or teardown) in the plugin's lines."""
    for record in records:
        if record.get("event") == "report" and record.get("outcome") == "failed":
            stop = record.get("stop", record.get("time"))
            if isinstance(stop, int | float):
                return round(max(0.0, stop - started_at), 3)
    return None


def _stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for_ready(process: subprocess.Popen[Any], out: Path, deadline: float) -> dict[str, Any]:
    """The emulator's ready record: the first complete line of its stdout (``--ready-json``)."""
    while time.monotonic() < deadline:
        text = out.read_text(errors="replace")
        if "\n" in text:
            record = parse_ready(text.split("\n", 1)[0])
            if record is None:
                raise RuntimeError("the emulator's first stdout line is not its --ready-json record")
            return record
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("the emulator did not print its ready line")


def _tokens(ready: dict[str, Any]) -> list[str]:
    """Every token in a ready record (main, subaccounts, the other account): secrets to mask."""
    pairs = [ready, *ready.get("subaccounts", []), ready.get("other_account") or {}]
    return [str(pair["auth_token"]) for pair in pairs if isinstance(pair, dict) and pair.get("auth_token")]


def run_one(spec: RunSpec, workdir: Path | None = None) -> RunResult:
    """Serve ``spec``'s emulator, run the suite at it, and judge the outcome."""
    secrets = spec.accounts.secrets
    started = time.monotonic()
    result = RunResult(defect=spec.defect, verdict="broken", kind=spec.kind)
    result.emulator_command = _shell(spec.emulator_command(), secrets)
    with tempfile.TemporaryDirectory(prefix=f"killmatrix-{spec.defect}-", dir=workdir) as tmp:
        tmpdir = Path(tmp)
        ready_out, emulator_err = tmpdir / "ready.json", tmpdir / "emulator.log"
        junit, reportlog = tmpdir / "junit.xml", tmpdir / "reportlog.jsonl"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for name in list(env):
            if name.startswith("PLIVO_"):
                del env[name]
        # The ready line holds every token: it goes to a private temporary file, never a log.
        with ready_out.open("wb") as out, emulator_err.open("wb") as err:
            emulator = subprocess.Popen(
                spec.emulator_command(),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        try:
            try:
                ready = _wait_for_ready(emulator, ready_out, time.monotonic() + START_TIMEOUT_S)
                secrets = [*secrets, *_tokens(ready)]
                if ready["auth_id"] != spec.accounts.auth_id:
                    raise RuntimeError("the emulator serves another main account than the one asked for")
            except RuntimeError as exc:
                problem = f"{exc}; its output:\n{emulator_err.read_text(errors='replace')[-LOG_TAIL_CHARS:]}"
                result.problem = result.log_tail = redact(problem, secrets)
                return result
            command = spec.pytest_command(str(ready["base_url"]), junit, reportlog)
            result.pytest_command = _shell(command, secrets)
            pytest_started_at = time.time()  # the plugin's timestamps are time.time() too
            suite = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**env, **spec.accounts.env()},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            output = _Output(suite.stdout)
            try:
                suite.wait(timeout=spec.timeout_s)
            except subprocess.TimeoutExpired:
                _stop(suite)
                result.problem = f"the suite did not finish within {spec.timeout_s:.0f} s and was stopped"
            result.returncode = suite.returncode
            result.first_failure_wall_s = first_failure_wall_s(read_log(reportlog), pytest_started_at)
            result.log_tail = redact(output.join()[-LOG_TAIL_CHARS:], secrets)
        finally:
            _stop(emulator)
        _judge(result, parse_junit(junit), secrets)
    result.duration_s = round(time.monotonic() - started, 2)
    return result


def _judge(result: RunResult, junit: Any, secrets: list[str]) -> None:
    result.tests, result.failures, result.errors, result.skipped = (
        junit.tests,
        junit.failures,
        junit.errors,
        junit.skipped,
    )
    result.failed_tests = list(junit.failed)
    result.first_failure = junit.first_failure
    result.first_failure_test_s = junit.first_failure_s
    result.first_failure_message = redact(junit.first_message, secrets)
    result.failure_messages = {test: redact(text, secrets) for test, text in junit.messages.items()}
    green, red = VERDICTS["clean" if result.defect == CLEAN else result.kind]
    if result.problem:
        result.verdict = "broken"
    elif result.returncode == 0 and not junit.red and junit.tests:
        result.verdict = green
    elif result.returncode in (1, 2) and junit.red:
        # 1: tests failed; 2: interrupted, e.g. by an error while collecting against the target.
        result.verdict = red
    else:
        result.verdict = "broken"
        result.problem = (
            f"pytest exited {result.returncode} with {junit.tests} tests in its JUnit report; "
            "see the log tail"
        )
