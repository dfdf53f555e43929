"""One request to a live target before anything is collected: is it there, and is it the API?

An unreachable or misconfigured target used to cost a thousand lines of tracebacks
(schemathesis draws examples while collecting, every test repeats the failure) and then
a summary claiming the contract was met. :func:`probe` sends one authenticated
``GET /v1/Account/{auth_id}/Number/?limit=1`` through the target's guarded, bounded
transport, and turns whatever goes wrong into :class:`ProbeFailed`: one line saying what
failed, where (the URL without userinfo) and how to fix it. The root ``conftest.py``
makes that a usage error (exit status 4).

The probe runs in a daemon thread joined with a deadline, so nothing, not even a name
lookup that never returns, keeps it longer than its tries (a 429 is waited out as in the
run, each try within ``deadline_s``) plus a few seconds.
"""

from __future__ import annotations

import json
import ssl
import threading
from urllib.parse import urlsplit

import httpx

from contracts.target import RATE_LIMIT_MAX_WAIT_S, RATE_LIMIT_RETRIES, Target, shown_url
from openapi.bounded import BodyTooLarge, DeadlineExceeded
from openapi.redaction import Redactor

__all__ = ["CONNECT_TIMEOUT_S", "GRACE_S", "ProbeFailed", "probe"]

# How long past its own deadline the probe thread may take before it is abandoned.
GRACE_S = 5.0
CONNECT_TIMEOUT_S = 10.0

_DNS = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "no address associated",
    "getaddrinfo failed",
    "name does not resolve",
    "no such host",
)


class ProbeFailed(Exception):
    """The target cannot be tested; the message is one line: what, where, how to fix it."""


def probe(target: Target, deadline_s: float) -> None:
    """Raise :class:`ProbeFailed` unless ``target`` answers a one-number list page with JSON."""
    answer: list[httpx.Response | BaseException] = []

    def attempt() -> None:
        try:
            # An unroutable address shows as a connect that never completes: 10 s says enough.
            timeout = httpx.Timeout(deadline_s, connect=min(CONNECT_TIMEOUT_S, deadline_s))
            with target.client(timeout=timeout) as client:
                answer.append(client.get(target.numbers_path, params={"limit": 1}))
        except BaseException as error:  # every failure is reported, none raised here
            answer.append(error)

    thread = threading.Thread(target=attempt, name="contracts-probe", daemon=True)
    thread.start()
    # On a live target the guard waits out a 429 a few times, each try within the deadline.
    patience = (deadline_s * (RATE_LIMIT_RETRIES + 1) + RATE_LIMIT_MAX_WAIT_S) if target.live else deadline_s
    thread.join(patience + GRACE_S)
    redactor = target.redactor
    where = shown_url(target.base_url)
    if not answer:
        raise ProbeFailed(
            _line(
                redactor, where, f"no answer to the first request within {deadline_s:g} s", _FIX_URL_TIMEOUT
            )
        )
    outcome = answer[0]
    if isinstance(outcome, BaseException):
        what, fix = _explain_error(outcome, target, deadline_s)
    else:
        problem = _explain_response(outcome, target)
        if problem is None:
            return
        what, fix = problem
    raise ProbeFailed(_line(redactor, where, what, fix))


_FIX_URL = "check --base-url"
_FIX_URL_TIMEOUT = "check --base-url, or raise --request-timeout if the target is just slow"


def _line(redactor: Redactor, where: str, what: str, fix: str) -> str:
    text = f"cannot test {where}: {what}; {fix}"
    # One line, whatever the target said, and nothing secret in it.
    return redactor(" ".join(text.split()))


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _reason(error: BaseException) -> str:
    for item in _chain(error):
        text = str(item).strip()
        if text:
            return text[:200]
    return type(error).__name__


def _explain_error(error: BaseException, target: Target, deadline_s: float) -> tuple[str, str]:
    parts = urlsplit(target.base_url)
    host = parts.hostname or "?"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    reason = _reason(error)
    lowered = " ".join(str(item) for item in _chain(error)).lower()
    ssl_error = any(isinstance(item, ssl.SSLError) for item in _chain(error)) or "[ssl" in lowered
    if isinstance(error, BodyTooLarge):
        return (
            f"the answer to GET {target.numbers_path}?limit=1 was larger than "
            f"{target.limits.max_bytes} bytes (decompressed), far beyond a one-number page",
            f"is this the Number API? {_FIX_URL}",
        )
    if isinstance(error, DeadlineExceeded):
        return (
            f"it accepted the connection but sent no complete answer to GET {target.numbers_path}?limit=1 "
            f"within {target.limits.deadline_s:g} s (it stalls or drips)",
            _FIX_URL_TIMEOUT,
        )
    if isinstance(error, httpx.ConnectTimeout):
        return (
            f"no connection to {host}:{port} within {min(CONNECT_TIMEOUT_S, deadline_s):g} s "
            "(unroutable address, firewall, or down)",
            _FIX_URL,
        )
    if isinstance(error, httpx.TimeoutException):
        return f"no answer within {deadline_s:g} s ({reason})", _FIX_URL_TIMEOUT
    if isinstance(error, httpx.ConnectError) or ssl_error:
        if "certificate_verify_failed" in lowered or "certificate verify failed" in lowered:
            return (
                f"the TLS certificate of {host} is not trusted ({reason})",
                f"{_FIX_URL}; for a private CA, point SSL_CERT_FILE at its certificate",
            )
        if ssl_error:
            return (
                f"the TLS handshake with {host}:{port} failed ({reason})",
                f"does that port speak plain HTTP? then use http:// in --base-url; otherwise {_FIX_URL}",
            )
        if any(marker in lowered for marker in _DNS):
            return f"cannot resolve the host name {host!r}", f"{_FIX_URL} (a typo, or no DNS from here)"
        if "refused" in lowered:
            return f"connection refused by {host}:{port}", f"is the target running there? {_FIX_URL}"
        if "unreachable" in lowered or "no route" in lowered:
            return f"no route to {host}:{port} ({reason})", _FIX_URL
        return f"cannot connect to {host}:{port} ({reason})", _FIX_URL
    if isinstance(error, httpx.TransportError):
        return (
            f"the connection broke during GET {target.numbers_path}?limit=1 "
            f"({type(error).__name__}: {reason})",
            f"is it an HTTP server for the Number API? {_FIX_URL}",
        )
    return f"the first request failed ({type(error).__name__}: {reason})", _FIX_URL


def _explain_response(response: httpx.Response, target: Target) -> tuple[str, str] | None:
    status = response.status_code
    request = f"GET {target.numbers_path}?limit=1"
    if status in (401, 403):
        return (
            f"it refused the credentials of {target.auth_id} ({status} to {request})",
            "check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN (the auth_id and auth token of the account under test)",
        )
    if status == 404:
        return (
            f"{request} answered 404: no Number API for account {target.auth_id} there",
            f"{_FIX_URL} (the API root, e.g. https://api.plivo.com) and PLIVO_AUTH_ID",
        )
    if 300 <= status < 400:
        location = shown_url(response.headers.get("location", "(no Location)"))
        return (
            f"{request} is redirected ({status}) to {location}; the suite follows no redirect",
            "use the API root the target really answers at as --base-url",
        )
    if status == 429:
        return (
            f"it answered 429 Too Many Requests to {request}, still after waiting it out "
            f"{RATE_LIMIT_RETRIES} times",
            "wait for the account's rate limit to reset (another run or client may be using it), "
            "or lower --max-rate",
        )
    if status >= 500:
        return (
            f"it failed {request} with {status}: the target is down or broken, nothing can be checked",
            "retry later, or check the target's own logs",
        )
    if not 200 <= status < 300:
        return f"it answered {status} to {request}", f"is this the Number API? {_FIX_URL}"
    kind = response.headers.get("content-type", "")
    head = response.content[:512].lstrip().lower()
    if "html" in kind.lower() or head.startswith((b"<!doctype", b"<html", b"<")):
        return (
            "the target answered HTML, not the Number API "
            f"({status} {kind or 'no content-type'} to {request})",
            f"{_FIX_URL} (the API root, e.g. https://api.plivo.com, not a web page or a proxy's login)",
        )
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError) as error:
        # ValueError covers bad UTF-8 and integers past Python's digit limit; RecursionError
        # a document nested deeper than the parser goes.
        why = "nested too deeply to parse" if isinstance(error, RecursionError) else str(error)[:120]
        return (
            f"{request} answered {status} ({kind or 'no content-type'}) with a body that is not "
            f"usable JSON ({why})",
            f"is this the Number API? {_FIX_URL}",
        )
    if not isinstance(body, dict):
        return (
            f"{request} answered JSON that is not an object ({type(body).__name__}), "
            "not a Number API list page",
            f"is this the Number API? {_FIX_URL}",
        )
    return None
