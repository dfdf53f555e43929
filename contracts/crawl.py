"""A full read of the target's list, page by page: the oracle semantic tests compare against.

Semantic tests never assume what data a target holds. They crawl it, apply the documented
meaning of a filter to the crawl, and compare with what the target answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from contracts.curl import describe_exchange
from contracts.target import Credentials, Target

__all__ = ["Crawl", "CrawlError", "crawl", "get_page", "known_numbers", "known_subaccounts"]

PAGE_LIMIT = 20
# A target whose total_count grows without end must not hang the suite.
MAX_PAGES = 500


class CrawlError(AssertionError):
    """The list could not be read page by page; the message has the failing exchange."""


@dataclass
class Crawl:
    """Every object the list returned for one set of filters, in the order served."""

    params: dict[str, str]
    objects: list[dict[str, Any]] = field(default_factory=list)
    total_count: int = 0
    pages: int = 0

    @property
    def numbers(self) -> list[str]:
        return [str(o.get("number")) for o in self.objects]

    def __repr__(self) -> str:
        what = self.params or "unfiltered"
        return f"<Crawl {what}: {len(self.objects)} of {self.total_count} in {self.pages} pages>"


def get_page(
    target: Target, params: Mapping[str, Any], as_: Credentials | None = None
) -> tuple[httpx.Response, dict[str, Any]]:
    """One list request, as the target's account or as ``as_`` on its own path.

    A JSON 200 or a clear failure (a 429 that outlasts the transport's waits is a failure).
    """
    credentials = as_ or target.credentials
    path = f"/v1/Account/{credentials.auth_id}/Number/"
    # A 429 is waited out in one place only, the target's guarded transport (issue 12:
    # stacked retries once cost one page 16 requests and 40 s).
    response = target.http.get(path, params=dict(params), auth=httpx.BasicAuth(*credentials.basic))
    if response.status_code != 200:
        raise CrawlError(f"listing numbers failed\n{describe_exchange(response, target)}")
    try:
        body = response.json()
    except ValueError:
        raise CrawlError(f"list answered non-JSON\n{describe_exchange(response, target)}") from None
    if not isinstance(body, dict) or not isinstance(body.get("objects"), list):
        raise CrawlError(f"list answered without an objects array\n{describe_exchange(response, target)}")
    return response, body


def crawl(target: Target, params: Mapping[str, Any] | None = None, as_: Credentials | None = None) -> Crawl:
    """All pages for ``params`` (filters only), walking offsets of ``PAGE_LIMIT``."""
    result = Crawl(params={k: str(v) for k, v in (params or {}).items()})
    offset = 0
    while result.pages < MAX_PAGES:
        _, body = get_page(target, {**result.params, "limit": PAGE_LIMIT, "offset": offset}, as_)
        result.pages += 1
        meta = body.get("meta") or {}
        result.total_count = int(meta.get("total_count", 0))
        page = body["objects"]
        result.objects.extend(page)
        offset += PAGE_LIMIT
        if not page or offset >= result.total_count:
            break
    return result


_KNOWN = "crawl.known"


def _remember(target: Target) -> tuple[list[str], list[str]]:
    """The numbers and subaccounts of the first crawl, kept on the target (one per session)."""
    known: tuple[list[str], list[str]] | None = target.memo.get(_KNOWN)
    if known is None:
        try:
            everything = crawl(target)
        except CrawlError:
            # Only a source of realistic values: a failing list is for the tests to report,
            # not a reason to stop generating.
            everything = Crawl(params={})
        numbers = sorted({n.lstrip("+") for n in everything.numbers})
        subs = {str(o["sub_account"]) for o in everything.objects if o.get("sub_account")}
        if target.subaccount is not None:
            subs.add(target.subaccount.auth_id)
        known = (numbers, sorted(subs))
        target.memo[_KNOWN] = known
    return known


def known_numbers(target: Target) -> list[str]:
    """The numbers the target listed when first asked (a generation source, not an oracle)."""
    return _remember(target)[0]


def known_subaccounts(target: Target) -> list[str]:
    """Subaccount auth_ids seen on the target's numbers or given as credentials."""
    return _remember(target)[1]
