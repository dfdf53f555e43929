"""What the suite talks to, and the one place that decides which requests may reach it.

A :class:`Target` is an API root plus credentials: the embedded emulator (in-process over
ASGI, or served on loopback with uvicorn) or any live API named with ``--base-url``.
Every request the suite sends -- our own httpx calls, schemathesis' cases and the probes
its checks send on their own -- goes through :class:`GuardedTransport`, which asks the
target's :class:`WritePolicy` first. On a live target that policy admits only reads
unless the user opted in: ``--allow-writes`` for updates, ``--unrent`` for the named
numbers. Nothing else in the suite needs to be trusted to be careful.

The same transport bounds every exchange (:mod:`openapi.bounded`): a total deadline, the
headers included (:class:`DeadlineBackend` shortens every socket read to what is left of
it), and a cap on the decompressed body. A stalling, dripping or gzip-bombing target ends
in a clear error, never a hang or a MemoryError. Before a live run collects anything,
:func:`probe` asks the target once for one number and turns whatever goes wrong into one
line that says what, where and how to fix it.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import anyio.from_thread
import httpcore
import httpx

from contracts import provenance
from contracts.provenance import Constraint
from openapi import Level
from openapi.bounded import DeadlineExceeded, Limits, send
from openapi.operations import match_path
from openapi.pacing import PLIVO_WINDOW_S, Backoff, Pacer
from openapi.redaction import Redactor, strip_userinfo
from openapi.retry_after import retry_after

__all__ = [
    "DEFAULT_REQUEST_TIMEOUT",
    "RATE_LIMIT_MAX_WAIT_S",
    "RATE_LIMIT_RETRIES",
    "SAFE_METHODS",
    "BoundedHTTPTransport",
    "Credentials",
    "DeadlineBackend",
    "GuardedTransport",
    "InProcessASGITransport",
    "OffTarget",
    "Pacer",
    "Target",
    "TargetError",
    "TargetOptions",
    "WritePolicy",
    "WriteRefused",
    "build_target",
    "live_credentials",
    "parse_unrent",
    "rate_limit_backoff",
    "shown_url",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EmulatorMode = Literal["asgi", "http"]

# Loopback only: the suite never reaches out on its own. A user-named --base-url is the
# exception, and it is the user's choice.
EMBEDDED_HOST = "127.0.0.1"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_LIVE_RATE = 50.0
# The total time one exchange (connect, headers, whole body) may take, and the most a
# body may inflate to: a list page of 20 numbers is about 15 KiB.
DEFAULT_REQUEST_TIMEOUT = 30.0
MAX_BODY_BYTES = 8 * 1024 * 1024


class TargetError(ValueError):
    """The target options are wrong; the message says what and how to fix it."""


class WriteRefused(RuntimeError):
    """A request the live target's write policy forbids; it was not sent."""


class OffTarget(RuntimeError):
    """A request to another host than the target's (a hostile ``meta.next``, say); it was not sent.

    Every request carries the account's credentials: they go to ``--base-url`` and nowhere else.
    """


@dataclass(frozen=True)
class Credentials:
    """An auth_id and its token. The token never appears in a repr or message."""

    auth_id: str
    auth_token: str = field(repr=False)

    @property
    def basic(self) -> tuple[str, str]:
        return (self.auth_id, self.auth_token)

    def __repr__(self) -> str:
        return f"Credentials({self.auth_id!r}, token=***)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # hypothesis prints test arguments field by field, bypassing __repr__, unless told.
        printer.text(repr(self))


@dataclass(frozen=True)
class WritePolicy:
    """Which methods may reach the target. Embedded targets are ours: everything goes.

    On a live target: GET/HEAD/OPTIONS always; POST only to a number (an update, never
    the collection, where it would rent numbers) and only with ``allow_writes``; DELETE
    only of a number named in ``unrentable``; any other method never.
    """

    live: bool
    allow_writes: bool = False
    unrentable: frozenset[str] = frozenset()

    def refusal(self, method: str, path: str) -> str | None:
        """Why ``method path`` may not be sent, or None if it may."""
        method = method.upper()
        if not self.live or method in SAFE_METHODS:
            return None
        # The spec's own path templates decide what names one number (openapi.operations).
        found = match_path(path)
        number = found.number if found is not None else None
        if method == "POST":
            if not self.allow_writes:
                return "the live target is read-only; pass --allow-writes to send updates"
            if number is None:
                return "POST is allowed only to a number (an update), never to the collection"
            return None
        if method == "DELETE":
            if number is None:
                return "DELETE is allowed only of a number named with --unrent"
            if number.lstrip("+") not in self.unrentable:
                return f"number {number} is not named with --unrent; only those may be unrented"
            return None
        return f"{method} is never sent to a live target"

    def check(self, method: str, path: str) -> None:
        reason = self.refusal(method, path)
        if reason is not None:
            raise WriteRefused(f"refused to send {method.upper()} {path}: {reason}")

    def may_send(self, method: str, path: str) -> bool:
        return self.refusal(method, path) is None

    def __repr__(self) -> str:
        if not self.live:
            return "WritePolicy(embedded: all methods)"
        writes = "updates" if self.allow_writes else "read-only"
        return f"WritePolicy(live, {writes}, unrent={sorted(self.unrentable)})"


Listener = Callable[[httpx.Request, httpx.Response], None]


# Plivo answers 429 beyond 300 requests per 5 s and documents no Retry-After. On a live
# target a 429 is retried at most RATE_LIMIT_RETRIES times, each after the target pacer's
# pause (openapi.pacing: seeded exponential backoff with full jitter, up to 1, 2 and 4 s;
# a Retry-After believed up to RATE_LIMIT_CAP_S, so a hostile 10**9 s costs the cap; and
# every caller held and the pace 5% slower). The cap is one Plivo window: by then the
# requests that filled it have left it. Without a Retry-After the last retry waits at least
# what is left of one window since the first 429 (jitter alone may add up to less): the
# window that was full has then passed, so a 429 handed on to the checks is one a patient
# client would get too, not one the jitter drew (the rate-limit variants of the kill
# matrix, served unpaced on loopback, rely on it).
RATE_LIMIT_RETRIES = 3
RATE_LIMIT_BASE_S = 1.0
RATE_LIMIT_CAP_S = 5.0
RATE_LIMIT_MAX_WAIT_S = RATE_LIMIT_RETRIES * RATE_LIMIT_CAP_S
"""The longest a request waits out 429s in all (what the live probe allows for)."""


def rate_limit_backoff(seed: int = 0) -> Backoff:
    """The contract suite's backoff between 429 retries, seeded with the run's seed (replayable)."""
    return Backoff(seed, base=RATE_LIMIT_BASE_S, cap=RATE_LIMIT_CAP_S, attempts=RATE_LIMIT_RETRIES + 1)


_DEADLINE = threading.local()


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Every socket operation of this thread inside the block ends by ``seconds`` from now."""
    previous = getattr(_DEADLINE, "at", None)
    _DEADLINE.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _DEADLINE.at = previous


def _left(timeout: float | None, late: type[Exception]) -> float | None:
    at: float | None = getattr(_DEADLINE, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise late("the exchange's total deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, with every connect, read and write cut to the exchange's deadline.

    httpx's timeouts are per socket operation: a server sending one header byte a second
    never trips them. Here each operation gets at most what is left of the deadline that
    :class:`GuardedTransport` set for the exchange, so the headers are bounded too.
    """

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _left(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - the suite speaks TCP
        return _DeadlineStream(
            self._inner.connect_unix_socket(path, _left(timeout, httpcore.ConnectTimeout), socket_options)
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


KEEPALIVE_EXPIRY_S = 1.0
"""An idle pooled connection is not reused after this long: it is opened anew.

Below every common server's idle timeout (uvicorn and Node close after 5 s, gunicorn
after 2 s). A connection idle as long as the server's timeout is closed by the server
just as the client reuses it: the request then ends in a connection reset, a failure
that is the client's, not the target's. A 429 pause of 5 s (``Retry-After: 5``, the
backoff's cap) against a server closing after 5 s did that, measured: 5 resets in 60
reuses, none with this expiry."""


class BoundedHTTPTransport(httpx.HTTPTransport):
    """httpx's HTTP transport on a :class:`DeadlineBackend` (no retries, no proxies)."""

    def __init__(self) -> None:
        super().__init__(retries=0)
        # httpx builds its httpcore pool without a way to name the network backend; this
        # is the pool httpx would build (default TLS context, no retries), on ours, with
        # idle connections given up sooner (KEEPALIVE_EXPIRY_S).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            retries=0,
            keepalive_expiry=KEEPALIVE_EXPIRY_S,
            network_backend=DeadlineBackend(),
        )


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport that consults the write policy before anything leaves.

    On a live target it also paces requests and waits out a 429 up to
    :data:`RATE_LIMIT_RETRIES` times with the pacer's pause (``Pacer.pause_sync``), so the
    account's rate limit does not turn into test failures; each retry takes a pacer slot of
    its own. Only here: nothing else in the suite retries. Listeners see every exchange
    that was sent (the coverage report is one). Every exchange is bounded by ``limits``
    (:func:`openapi.bounded.send`): a total deadline and a cap on the decoded body.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: WritePolicy,
        pacer: Pacer | None = None,
        limits: Limits | None = None,
        origin: str | None = None,
    ) -> None:
        self.inner = inner
        self.policy = policy
        # scheme://host:port every request must go to (None: anywhere, for tests' mocks).
        self.origin = _origin(httpx.URL(origin)) if origin else None
        self.pacer = pacer or Pacer(0, backoff=rate_limit_backoff())
        self.limits = limits or Limits(deadline_s=DEFAULT_REQUEST_TIMEOUT, max_bytes=MAX_BODY_BYTES)
        self.listeners: list[Listener] = []
        # The inner transport behind a client of its own: openapi.bounded sends through a client.
        self._sender = httpx.Client(transport=_Unclosed(inner), follow_redirects=False)

    def _exchange(self, request: httpx.Request) -> httpx.Response:
        with _deadline(self.limits.deadline_s):
            started = time.monotonic()
            try:
                bounded = send(self._sender, request, self.limits)
            except httpx.ConnectTimeout:
                raise httpx.ConnectTimeout(
                    f"{request.method} {request.url.path}: no connection within "
                    f"{time.monotonic() - started:.0f} s",
                    request=request,
                ) from None
            except httpx.TimeoutException:
                raise DeadlineExceeded(
                    f"{request.method} {request.url.path}: no complete answer within "
                    f"{self.limits.deadline_s:g} s (the whole exchange, headers and body)",
                    request=request,
                ) from None
        # Handed on as a stream, as a transport should: the client reads it and records the
        # elapsed time (schemathesis reads response.elapsed).
        return httpx.Response(
            bounded.status_code,
            headers=bounded.headers,
            stream=httpx.ByteStream(bounded.content),
            extensions=bounded.extensions,
            request=request,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.origin is not None and _origin(request.url) != self.origin:
            raise OffTarget(
                f"refused to send {request.method} {shown_url(str(request.url))}: not the target "
                f"({shown_url(self.origin)}); the account's credentials go nowhere else "
                "(did a link in an answer, such as meta.next, point elsewhere?)"
            )
        self.policy.check(request.method, request.url.path)
        self.pacer.wait()
        response = self._exchange(request)
        if self.policy.live:
            waited = 0.0
            for attempt in range(1, RATE_LIMIT_RETRIES + 1):
                if response.status_code != 429:
                    break
                hint = retry_after(response)
                if hint is None and attempt == RATE_LIMIT_RETRIES:
                    # The last try comes a whole window after the first 429 (see RATE_LIMIT_RETRIES).
                    hint = max(PLIVO_WINDOW_S - waited, 0.0)
                response.close()
                # refused=True: the account's budget is spent for every caller, not only this one.
                waited += self.pacer.pause_sync(attempt, hint, refused=True)
                self.pacer.wait()
                response = self._exchange(request)
        if self.listeners:
            for listener in self.listeners:
                listener(request, response)
        return response

    def close(self) -> None:
        # The inner transport belongs to the target, which closes it once.
        pass

    def __repr__(self) -> str:
        return f"GuardedTransport({self.policy!r}, {self.pacer!r})"


def _origin(url: httpx.URL) -> str:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return f"{url.scheme}://{url.host}:{port}"


class _Unclosed(httpx.BaseTransport):
    """``inner`` for a client that must not close it (the target owns and closes it once)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)


class InProcessASGITransport(httpx.BaseTransport):
    """Synchronous httpx transport into an ASGI app, on one event loop kept for the session.

    httpx only offers ASGI to async clients; this runs ``httpx.ASGITransport`` in an anyio
    blocking portal so the whole suite can use one synchronous client type. An exception in
    the app is answered as a 500, as a server would.
    """

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._stack = contextlib.ExitStack()
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._portal.call(self._send, request)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        sent = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        answer = await self._asgi.handle_async_request(sent)
        content = await answer.aread()
        # A stream, not content=, so the client reads it and records the elapsed time.
        return httpx.Response(
            answer.status_code, headers=answer.headers, stream=httpx.ByteStream(content), request=request
        )

    def close(self) -> None:
        self._stack.close()


@dataclass(frozen=True)
class TargetOptions:
    """The target-selecting command line options, validated."""

    base_url: str | None = None
    emulator: EmulatorMode = "asgi"
    allow_writes: bool = False
    unrent: frozenset[str] = frozenset()
    strict: bool = False
    seed: int = 7
    # Requests per second on a live target; None: 50/s (well under Plivo's 300 per 5 s),
    # unlimited on loopback, where the target is a local emulator or double.
    max_rate: float | None = None
    # The total time one exchange may take, connect to last byte (also the live probe's).
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT

    @property
    def live(self) -> bool:
        return self.base_url is not None

    @property
    def rate(self) -> float:
        if self.max_rate is not None:
            return self.max_rate
        host = urlsplit(self.base_url or "").hostname or ""
        return 0.0 if host in LOOPBACK_HOSTS else DEFAULT_LIVE_RATE

    @property
    def level(self) -> Level:
        return "documented" if self.strict else "tolerant"

    def validate(self) -> None:
        if self.max_rate is not None and self.max_rate < 0:
            raise TargetError(
                f"--max-rate must be >= 0 requests per second (0: no limit), not {self.max_rate}"
            )
        if not 0 < self.request_timeout < float("inf"):
            raise TargetError(
                f"--request-timeout must be a positive number of seconds, not {self.request_timeout}"
            )
        if self.emulator not in ("asgi", "http"):
            raise TargetError(f"--emulator must be asgi or http, not {self.emulator!r}")
        if self.base_url is not None:
            parts = urlsplit(self.base_url)
            shown = shown_url(self.base_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise TargetError(
                    f"--base-url must be an http(s) URL of the API root, e.g. https://api.plivo.com, "
                    f"not {shown!r}"
                )
            if "@" in parts.netloc:
                # Never echo what came before the @: it is a password more often than not.
                raise TargetError(
                    f"--base-url must not carry credentials (user:password@): pass the API root "
                    f"alone, e.g. --base-url={shown}, and set PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN "
                    "in the environment"
                )
            try:
                parts.port  # noqa: B018 - raises on a port that is not a number
            except ValueError:
                raise TargetError(f"--base-url has an invalid port: {shown!r}") from None
            if "/v1/" in parts.path + "/":
                raise TargetError(
                    f"--base-url is the API root without /v1/Account/..., e.g. "
                    f"{parts.scheme}://{parts.netloc}, not {shown!r}"
                )


def shown_url(url: str) -> str:
    """``url`` fit to print: no userinfo at all (user names included), no query or fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return strip_userinfo(url.rsplit("@", 1)[-1])
    if not parts.scheme or not host:
        return strip_userinfo(url.rsplit("@", 1)[-1])
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    return f"{parts.scheme}://{netloc}{parts.path}"


def parse_unrent(value: str | None) -> frozenset[str]:
    """``--unrent=NUMBER[,NUMBER...]`` as digits; a clear error for anything else."""
    if value is None:
        return frozenset()
    numbers = [item.strip() for item in value.split(",")]
    if not any(numbers):
        raise TargetError("--unrent needs at least one number, e.g. --unrent=14155550100")
    bad = [n for n in numbers if not re.fullmatch(r"\+?[0-9]{5,15}", n)]
    if bad:
        raise TargetError(
            f"--unrent takes phone numbers as digits (E.164 without '+'), comma-separated; "
            f"not {', '.join(repr(b) for b in bad)}"
        )
    return frozenset(n.lstrip("+") for n in numbers)


@dataclass(repr=False)
class Target:
    """One API under test. ``client()`` is the only way the suite reaches it."""

    kind: Literal["embedded-asgi", "embedded-http", "live"]
    base_url: str
    credentials: Credentials
    policy: WritePolicy
    level: Level
    unrentable: frozenset[str]
    inner: httpx.BaseTransport
    pacer: Pacer = field(default_factory=lambda: Pacer(0, backoff=rate_limit_backoff()))
    limits: Limits = field(
        default_factory=lambda: Limits(deadline_s=DEFAULT_REQUEST_TIMEOUT, max_bytes=MAX_BODY_BYTES)
    )
    app: Any = None
    subaccount: Credentials | None = None
    other_account: Credentials | None = None
    # Tolerated deviations this run saw ("rule (kind): message" -> times): the plugin hands in
    # the session's counter (contracts.report.Record), so the summary sees them.
    warnings: Counter[str] = field(default_factory=Counter)
    # What the suite read once from this target and reuses (contracts.crawl's known numbers).
    memo: dict[str, Any] = field(default_factory=dict)
    _closers: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _guard: GuardedTransport | None = None
    _shared: httpx.Client | None = None

    def enforce(self, rule: Constraint, holds: bool, message: str, *, strict: bool | None = None) -> None:
        """:func:`contracts.provenance.enforce` at this run's level, its warnings counted here."""
        provenance.enforce(
            rule, holds, message, strict=self.strict if strict is None else strict, warnings=self.warnings
        )

    @property
    def strict(self) -> bool:
        """``--strict``: observed rules fail too, not only documented ones (contracts.provenance)."""
        return self.level == "documented"

    @property
    def auth_id(self) -> str:
        return self.credentials.auth_id

    @property
    def auth_token(self) -> str:
        return self.credentials.auth_token

    @property
    def live(self) -> bool:
        return self.policy.live

    @property
    def allow_writes(self) -> bool:
        return not self.live or self.policy.allow_writes

    @property
    def guard(self) -> GuardedTransport:
        if self._guard is None:
            self._guard = GuardedTransport(self.inner, self.policy, self.pacer, self.limits, self.base_url)
        return self._guard

    @property
    def credential_pairs(self) -> list[tuple[str, str]]:
        """Every (auth_id, token) this target holds: what outputs are scrubbed of."""
        accounts = (self.credentials, self.subaccount, self.other_account)
        return [c.basic for c in accounts if c is not None]

    @property
    def redactor(self) -> Redactor:
        return Redactor.for_credentials(self.credential_pairs)

    @property
    def numbers_path(self) -> str:
        return f"/v1/Account/{self.auth_id}/Number/"

    def number_path(self, number: str, auth_id: str | None = None) -> str:
        return f"/v1/Account/{auth_id or self.auth_id}/Number/{number}/"

    def client(self, credentials: Credentials | Literal["own"] | None = "own", **kwargs: Any) -> httpx.Client:
        """A new client through the guard; ``credentials=None`` sends no Authorization."""
        creds = self.credentials if credentials == "own" else credentials
        auth = httpx.BasicAuth(*creds.basic) if isinstance(creds, Credentials) else None
        return httpx.Client(
            base_url=self.base_url,
            transport=self.guard,
            auth=auth,
            # Per socket operation; the guard bounds the whole exchange by limits.deadline_s.
            timeout=kwargs.pop("timeout", min(30.0, self.limits.deadline_s)),
            follow_redirects=False,
            **kwargs,
        )

    @property
    def http(self) -> httpx.Client:
        """A shared client without credentials (each request passes its own ``auth``)."""
        if self._shared is None:
            self._shared = self.client(None)
        return self._shared

    def request_log(self) -> list[Any]:
        """The embedded emulator's request log (empty for other targets)."""
        if self.app is None:
            return []
        return list(self.app.state.request_log)

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()
        self.inner.close()
        self._closers.close()

    def __repr__(self) -> str:
        return (
            f"Target({self.kind} {self.base_url}, auth_id={self.auth_id!r}, level={self.level!r}, "
            f"{self.policy!r})"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # hypothesis prints test arguments field by field, bypassing __repr__, unless told.
        printer.text(repr(self))


def _env_credentials(id_var: str, token_var: str) -> Credentials | None:
    auth_id, token = os.environ.get(id_var), os.environ.get(token_var)
    if auth_id and token:
        return Credentials(auth_id, token)
    return None


def live_credentials() -> Credentials:
    """``PLIVO_AUTH_ID``/``PLIVO_AUTH_TOKEN``, or a clear error naming what is missing."""
    credentials = _env_credentials("PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN")
    if credentials is None:
        missing = [v for v in ("PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN") if not os.environ.get(v)]
        raise TargetError(
            f"--base-url needs credentials: set {' and '.join(missing)} in the environment "
            "(the auth_id and auth token of the account under test)"
        )
    return credentials


def _live_target(options: TargetOptions) -> Target:
    assert options.base_url is not None
    credentials = live_credentials()
    policy = WritePolicy(live=True, allow_writes=options.allow_writes, unrentable=options.unrent)
    return Target(
        kind="live",
        base_url=options.base_url.rstrip("/"),
        credentials=credentials,
        policy=policy,
        level=options.level,
        unrentable=options.unrent,
        inner=BoundedHTTPTransport(),
        pacer=Pacer(options.rate, backoff=rate_limit_backoff(options.seed)),
        limits=Limits(deadline_s=options.request_timeout, max_bytes=MAX_BODY_BYTES),
        subaccount=_env_credentials("PLIVO_SUBACCOUNT_AUTH_ID", "PLIVO_SUBACCOUNT_AUTH_TOKEN"),
        other_account=_env_credentials("PLIVO_OTHER_AUTH_ID", "PLIVO_OTHER_AUTH_TOKEN"),
    )


def _embedded_target(options: TargetOptions) -> Target:
    from emulator import EmulatorConfig, create_app

    app = create_app(EmulatorConfig(seed=options.seed))
    demo = app.state.demo
    closers = contextlib.ExitStack()
    inner: httpx.BaseTransport
    if options.emulator == "http":
        from emulator.serve import serve

        base_url = closers.enter_context(serve(app, host=EMBEDDED_HOST, port=0)).rstrip("/")
        inner = BoundedHTTPTransport()
    else:
        base_url = "http://emulator.invalid"
        inner = InProcessASGITransport(app)
    subaccount = Credentials(*demo.subaccounts[0]) if demo.subaccounts else None
    return Target(
        kind=f"embedded-{options.emulator}",  # type: ignore[arg-type]
        base_url=base_url,
        credentials=Credentials(demo.auth_id, demo.auth_token),
        policy=WritePolicy(live=False),
        level=options.level,
        unrentable=options.unrent,
        inner=inner,
        limits=Limits(deadline_s=options.request_timeout, max_bytes=MAX_BODY_BYTES),
        app=app,
        subaccount=subaccount,
        other_account=Credentials(*demo.other_account),
        _closers=closers,
    )


def build_target(options: TargetOptions, *, warnings: Counter[str] | None = None) -> Target:
    """The target the options describe, ready to use; ``close()`` it when done.

    ``warnings``: where its tolerated deviations are counted (the session's report record).
    """
    options.validate()
    target = _live_target(options) if options.live else _embedded_target(options)
    if warnings is not None:
        target.warnings = warnings
    return target
