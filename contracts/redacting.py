"""The one choke point between a run's secrets and everything pytest writes.

A hostile or careless target can echo a credential anywhere: in an error body that a
failure message quotes, in a header, in a number's alias that hypothesis prints as a
falsifying example, in a redirect URL. Rather than trusting every message builder to be
careful, every *report* passes through the shared :class:`openapi.redaction.Redactor`
before any reporter (terminal, JUnit XML, pytest-html, an xdist controller) sees it:

* each test and collection report: its ``longrepr`` (schemathesis' and hypothesis' text
  included), captured sections (stdout, stderr, log, hypothesis' "Falsifying example"),
  user properties, xfail reason and pytest-html extras;
* warnings, before the terminal reporter records them;
* the terminal itself: whatever pytest writes there (headers, summaries, our own coverage
  lines, internal errors) goes through a line-buffered redacting stream.

The secrets are every credential pair the run knows: ``PLIVO_AUTH_*``,
``PLIVO_SUBACCOUNT_*``, ``PLIVO_OTHER_*`` from the environment, and whatever a target or
an SDK check registers when it is built (:func:`register`). :mod:`contracts.plugin`
(loaded in every pytest session through its ``pytest11`` entry point) registers this
module as a plugin, so ``pytest contracts``, ``pytest sdkcheck`` and ``pytest tests`` all
get it.

The secrets are the one thing kept per *process* rather than per pytest session
(:class:`SecretRegistry`, one instance): a token must stay masked in every output the
process writes, also where no pytest config is reachable -- an exception message built
inside an httpx transport, a curl line in a check, ``sdkcheck``'s report written after
the session, a second session in the same process. Forgetting a secret because a
session ended would be the wrong default; remembering one too many costs nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any, TextIO

import pytest
from _pytest._code.code import ReprFileLocation, TerminalRepr
from _pytest._io import TerminalWriter

from openapi.redaction import Redactor

__all__ = [
    "ENV_CREDENTIALS",
    "SECRETS",
    "RedactedRepr",
    "RedactingStream",
    "SecretRegistry",
    "current",
    "redact",
    "register",
    "register_environment",
    "registered_pairs",
    "registered_secrets",
    "scrub_report",
]

# The credential pairs a run may hold, by environment variable.
ENV_CREDENTIALS = (
    ("PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN"),
    ("PLIVO_SUBACCOUNT_AUTH_ID", "PLIVO_SUBACCOUNT_AUTH_TOKEN"),
    ("PLIVO_OTHER_AUTH_ID", "PLIVO_OTHER_AUTH_TOKEN"),
)


class SecretRegistry:
    """Every credential pair and loose secret registered in this process, and their redactor."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pairs: set[tuple[str, str]] = set()
        self._secrets: set[str] = set()
        self._redactor = Redactor()

    def register(self, pairs: Iterable[tuple[str, str] | None] = (), secrets: Iterable[str] = ()) -> None:
        with self._lock:
            before = (len(self._pairs), len(self._secrets))
            self._pairs.update(p for p in pairs if p is not None and p[1])
            self._secrets.update(s for s in secrets if s)
            if (len(self._pairs), len(self._secrets)) != before:
                self._redactor = Redactor.for_credentials(sorted(self._pairs), sorted(self._secrets))

    @property
    def pairs(self) -> list[tuple[str, str]]:
        with self._lock:
            return sorted(self._pairs)

    @property
    def secrets(self) -> list[str]:
        with self._lock:
            return sorted(self._secrets)

    @property
    def redactor(self) -> Redactor:
        return self._redactor

    def __repr__(self) -> str:
        return f"<SecretRegistry {len(self._pairs)} pairs, {len(self._secrets)} loose secrets>"


# Process-wide on purpose: see the module docstring.
SECRETS = SecretRegistry()


def register(pairs: Iterable[tuple[str, str] | None] = (), secrets: Iterable[str] = ()) -> None:
    """Add ``(auth_id, token)`` pairs and loose secrets to what every output is scrubbed of."""
    SECRETS.register(pairs, secrets)


def register_environment(environ: os._Environ[str] | dict[str, str] | None = None) -> None:
    """Register every credential pair (and lone token) the environment holds."""
    env = os.environ if environ is None else environ
    pairs: list[tuple[str, str] | None] = []
    loose: list[str] = []
    for id_var, token_var in ENV_CREDENTIALS:
        token = env.get(token_var)
        if not token:
            continue
        auth_id = env.get(id_var)
        if auth_id:
            pairs.append((auth_id, token))
        else:
            loose.append(token)
    register(pairs, loose)


def registered_pairs() -> list[tuple[str, str]]:
    """The (auth_id, token) pairs registered so far."""
    return SECRETS.pairs


def registered_secrets() -> list[str]:
    """The loose secrets (a token without its auth_id) registered so far."""
    return SECRETS.secrets


def current() -> Redactor:
    """The redactor for every secret registered so far."""
    return SECRETS.redactor


def redact(text: str) -> str:
    """``text`` with every registered secret masked."""
    return current()(text)


class RedactedRepr(TerminalRepr):
    """A failure's text after redaction; keeps the crash line for short summaries and JUnit."""

    def __init__(self, text: str, reprcrash: ReprFileLocation | None) -> None:
        self.text = text
        self.reprcrash = reprcrash

    def toterminal(self, tw: TerminalWriter) -> None:
        for line in self.text.splitlines():
            tw.line(line, red=line.startswith("E "))

    def __str__(self) -> str:
        return self.text


def _scrub_longrepr(longrepr: Any, redactor: Redactor) -> Any:
    if longrepr is None:
        return None
    if isinstance(longrepr, str):
        return redactor(longrepr)
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, lineno, reason)
        path, lineno, reason = longrepr
        return (redactor(str(path)), lineno, redactor(str(reason)))
    if hasattr(longrepr, "toterminal"):
        text = _render(longrepr)
        if not redactor.found(text):
            return longrepr  # nothing secret: keep the structure (colours, xdist serialisation)
        crash = getattr(longrepr, "reprcrash", None)
        reprcrash = (
            ReprFileLocation(crash.path, crash.lineno, redactor(crash.message)) if crash is not None else None
        )
        return RedactedRepr(redactor(text), reprcrash)
    return redactor(str(longrepr))


def _render(longrepr: Any) -> str:
    import io

    out = io.StringIO()
    tw = TerminalWriter(out)
    tw.hasmarkup = False
    longrepr.toterminal(tw)
    return out.getvalue()


def _scrub_value(value: Any, redactor: Redactor) -> Any:
    if isinstance(value, str):
        return redactor(value)
    if isinstance(value, bytes):
        return redactor.bytes(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    scrubbed = redactor(text)
    return scrubbed if scrubbed != text else value


def scrub_report(report: pytest.TestReport | pytest.CollectReport, redactor: Redactor | None = None) -> None:
    """Take every registered secret out of ``report``, in place."""
    redactor = redactor or current()
    report.longrepr = _scrub_longrepr(report.longrepr, redactor)
    report.sections = [(redactor(title), redactor(content)) for title, content in report.sections]
    properties = getattr(report, "user_properties", None)
    if properties:
        report.user_properties = [(n, _scrub_value(v, redactor)) for n, v in properties]  # type: ignore[union-attr]
    if isinstance(getattr(report, "wasxfail", None), str):
        report.wasxfail = redactor(report.wasxfail)  # type: ignore[union-attr]
    extras = getattr(report, "extras", None)
    if extras:
        for extra in extras:
            if isinstance(extra, dict) and isinstance(extra.get("content"), str):
                if extra.get("format_type") not in ("image", "video"):
                    extra["content"] = redactor(extra["content"])
                if isinstance(extra.get("name"), str):
                    extra["name"] = redactor(extra["name"])


class RedactingStream:
    """A text stream that redacts whole lines before they reach ``inner``.

    Lines are held until their newline (or a flush), so a secret written in pieces is
    still seen whole; progress dots are flushed as pytest writes them.
    """

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            complete, _, self._pending = self._pending.rpartition("\n")
            self.inner.write(redact(complete + "\n"))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.inner.write(redact(self._pending))
            self._pending = ""
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# --- the plugin --------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    register_environment()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # The terminal reporter exists by now, and writes its header right after this.
    _redact_terminal(session.config)


def _redact_terminal(config: pytest.Config) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    writer = getattr(reporter, "_tw", None)
    stream = getattr(writer, "_file", None)
    if stream is not None and not isinstance(stream, RedactingStream):
        writer._file = RedactingStream(stream)  # type: ignore[union-attr]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    # Outermost wrapper: runs after hypothesis, pytest-html and the rest added their parts.
    report = yield
    scrub_report(report)
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    report = yield
    scrub_report(report)
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_warning_recorded(warning_message: Any, when: str, nodeid: str, location: Any) -> None:
    text = str(warning_message.message)
    if current().found(text):
        category = warning_message.category if isinstance(warning_message.category, type) else UserWarning
        try:
            warning_message.message = category(redact(text))
        except Exception:  # a warning class with another constructor
            warning_message.message = UserWarning(redact(text))


def scrub_file(path: Path, redactor: Redactor | None = None) -> bool:
    """Take every registered secret out of a written report file; whether it held one.

    The last net under the per-report scrubbing above: a library that renders a failure
    its own way (an older hypothesis printing an exception group as text inside the
    report's JSON blob, say) must still not leave a token in the file a user uploads.
    """
    redactor = redactor or current()
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return False
    if not redactor.found(text):
        return False
    path.write_text(redactor(text), encoding="utf-8", errors="surrogateescape")
    return True


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # After pytest-html and junitxml have written their files (both do at sessionfinish).
    for option in ("htmlpath", "xmlpath"):
        path = getattr(config.option, option, None)
        if path:
            scrub_file(Path(path))
