"""A server's Retry-After, read once for every client that retries (the audit crawler, the contract suite).

Plivo documents no Retry-After (openapi/number.yaml, 429), so a value is a hint from
whatever answers: a number of seconds or an HTTP date (RFC 9110 10.2.3). Nonsense
(``nan``, ``inf``, a negative number, an unparseable date, a date already past) is no
hint at all, so the caller's own backoff decides. How long a caller actually waits is not decided here:
:meth:`openapi.pacing.Backoff.delay` believes a hint up to its cap, so a hostile
``Retry-After: 1000000000`` costs at most the cap.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math

import httpx

__all__ = ["parse_retry_after", "retry_after"]


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """``value`` (a Retry-After header) in seconds from ``now`` (default: the current UTC time);
    None when absent or nonsense (nan, infinite, negative, not a date, a date already past)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - (now or dt.datetime.now(dt.UTC))).total_seconds()
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def retry_after(response: httpx.Response) -> float | None:
    """The Retry-After of ``response`` in seconds (see :func:`parse_retry_after`)."""
    return parse_retry_after(response.headers.get("retry-after"))
