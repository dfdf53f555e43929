"""Pagination: pages partition the list, links are followable, order is stable, limits hold.

Nothing here assumes an order beyond stability: pages are compared with the target's own
crawl, and repeated reads with each other.
"""

from __future__ import annotations

from typing import Any

import httpx
import hypothesis.strategies as st
import pytest
from hypothesis import given

from contracts import provenance
from contracts.checks import meta_problems, refused
from contracts.crawl import Crawl, crawl, get_page
from contracts.curl import describe_exchange
from contracts.target import Target

pytestmark = pytest.mark.live_safe


@pytest.fixture
def full(target: Target) -> Crawl:
    return crawl(target)


def _walk(target: Target, limit: int, params: dict[str, str] | None = None) -> list[list[str]]:
    pages: list[list[str]] = []
    offset = 0
    while True:
        response, body = get_page(target, {**(params or {}), "limit": limit, "offset": offset})
        problems = meta_problems(
            body["meta"],
            len(body["objects"]),
            {"limit": [str(limit)], "offset": [str(offset)], **{k: [v] for k, v in (params or {}).items()}},
            response.request.url.path,
        )
        _meta_holds(target, problems, response)
        pages.append([str(o["number"]) for o in body["objects"]])
        offset += limit
        if offset >= body["meta"]["total_count"] or not body["objects"]:
            return pages


def _meta_holds(target: Target, problems: list[str], response: httpx.Response) -> None:
    target.enforce(
        provenance.LIST_META,
        not problems,
        "\n".join(problems) + "\n" + describe_exchange(response, target),
        strict=target.strict,
    )


def _limits(full: Crawl) -> st.SearchStrategy[int]:
    # Small pages on a big account would mean thousands of requests; keep a walk under ~60 pages.
    return st.integers(min(20, max(1, -(-full.total_count // 60))), 20)


@given(data=st.data())
def test_pages_are_disjoint_and_cover_the_list(target: Target, full: Crawl, data: Any) -> None:
    limit = data.draw(_limits(full), label="limit")
    pages = _walk(target, limit)
    flat = [n for page in pages for n in page]
    assert len(flat) == len(set(flat)), f"with limit={limit} some numbers appear on two pages"
    assert sorted(flat) == sorted(full.numbers), (
        f"pages of limit={limit} hold {len(flat)} numbers, the crawl with limit=20 {len(full.numbers)}; "
        f"differences: {sorted(set(flat) ^ set(full.numbers))[:5]}"
    )
    assert full.total_count == len(full.numbers), (
        f"meta.total_count says {full.total_count}, the crawl found {len(full.numbers)} numbers"
    )


def test_order_is_stable_across_reads(target: Target, full: Crawl) -> None:
    again = crawl(target)
    assert again.numbers == full.numbers, "two reads of the same list returned different orders"


def _follow(target: Target, link: str | None, key: str) -> tuple[list[list[str]], list[str]]:
    pages, links = [], []
    auth = httpx.BasicAuth(*target.credentials.basic)
    while link:
        assert link not in links, f"meta.{key} loops: {link!r} was followed before"
        links.append(link)
        assert len(links) <= 1000, f"meta.{key} links never end"
        response = target.http.get(link, auth=auth)
        assert response.status_code == 200, (
            f"meta.{key} {link!r} is not followable\n{describe_exchange(response, target)}"
        )
        body = response.json()
        pages.append([str(o["number"]) for o in body["objects"]])
        link = body["meta"].get(key)
    return pages, links


@given(data=st.data())
def test_next_and_previous_links_are_followable_and_consistent(
    target: Target, full: Crawl, data: Any
) -> None:
    limit = data.draw(_limits(full), label="limit")
    _, first = get_page(target, {"limit": limit})
    forward, _ = _follow(target, first["meta"].get("next"), "next")
    pages = [[str(o["number"]) for o in first["objects"]], *forward]
    assert [n for p in pages for n in p] == full.numbers, (
        f"following meta.next from the first page (limit={limit}) does not read the list in its order"
    )
    # From the last page, previous links lead back through the same pages.
    last_offset = limit * (len(pages) - 1)
    _, last = get_page(target, {"limit": limit, "offset": last_offset})
    backward, _ = _follow(target, last["meta"].get("previous"), "previous")
    assert list(reversed(backward)) == pages[:-1], (
        f"following meta.previous from offset {last_offset} (limit={limit}) does not retrace the pages"
    )


@pytest.mark.parametrize("limit", [0, 21, 100, -1])
def test_limit_outside_1_to_20_is_refused(target: Target, limit: int) -> None:
    response = target.http.get(
        target.numbers_path, params={"limit": limit}, auth=httpx.BasicAuth(*target.credentials.basic)
    )
    if 200 <= response.status_code < 300:
        # Ignored or clamped: allowed by default, but never more than the documented 20 per page.
        objects = response.json().get("objects", [])
        assert len(objects) <= 20, (
            f"limit={limit} answered {len(objects)} numbers; the page says 'Max: 20'\n"
            f"{describe_exchange(response, target)}"
        )
    refused(
        response,
        target,
        400,
        None,
        f"limit={limit} is outside 1..20 (spec: listNumbers limit minimum 1, maximum 20) and must be "
        f"answered 400\n{describe_exchange(response, target)}",
        exact=provenance.INVALID_INPUT_REFUSED,
    )


def test_negative_offset_is_refused(target: Target) -> None:
    response = target.http.get(
        target.numbers_path, params={"offset": -1}, auth=httpx.BasicAuth(*target.credentials.basic)
    )
    refused(
        response,
        target,
        400,
        None,
        f"offset=-1 is below the minimum 0 and must be answered 400\n{describe_exchange(response, target)}",
        exact=provenance.INVALID_INPUT_REFUSED,
    )


def test_offset_past_the_end_is_an_empty_page(target: Target, full: Crawl) -> None:
    _, body = get_page(target, {"limit": 20, "offset": full.total_count + 40})
    assert body["objects"] == [], "a page past the end must be empty"
    target.enforce(
        provenance.LIST_META,
        body.get("meta", {}).get("next") is None,
        "a page past the end has no next page",
        strict=target.strict,
    )


def test_meta_fields_have_their_documented_meaning(target: Target, full: Crawl) -> None:
    offset = min(5, full.total_count)
    response, body = get_page(target, {"limit": 3, "offset": offset})
    meta: dict[str, Any] = body["meta"]
    problems = meta_problems(
        meta, len(body["objects"]), {"limit": ["3"], "offset": [str(offset)]}, response.request.url.path
    )
    _meta_holds(target, problems, response)


@pytest.mark.parametrize("limit", [1, 7, 20])
def test_an_exactly_full_last_page_has_no_next(target: Target, full: Crawl, limit: int) -> None:
    """ListMeta.next is null on the last page, also when that page is exactly full.

    Walking pages rarely lands on this boundary (only when the limit divides total_count),
    so it is asked for directly: offset = total_count - limit.
    """
    total = full.total_count
    if total < limit:
        pytest.skip(f"the target has fewer than {limit} numbers")
    response, body = get_page(target, {"limit": limit, "offset": total - limit})
    sent = {"limit": [str(limit)], "offset": [str(total - limit)]}
    problems = meta_problems(body["meta"], len(body["objects"]), sent, response.request.url.path)
    _meta_holds(target, problems, response)
