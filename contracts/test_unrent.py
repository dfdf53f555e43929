"""Unrent: 204 without a body, then the number is gone everywhere, and a second unrent is 404.

On a live target only the numbers named with --unrent are ever unrented (and the write
guard refuses anything else); without --unrent these tests skip and say why.
"""

from __future__ import annotations

import httpx
import pytest

from contracts import provenance
from contracts.checks import refused
from contracts.crawl import crawl
from contracts.curl import describe_exchange
from contracts.target import Target

pytestmark = pytest.mark.unrent


def _unrent(target: Target, number: str) -> httpx.Response:
    return target.http.delete(target.number_path(number), auth=httpx.BasicAuth(*target.credentials.basic))


def _victim(target: Target, numbers: list[str]) -> str:
    if target.live:
        named = [n for n in sorted(target.unrentable) if n in set(numbers)]
        if not named:
            pytest.skip(
                f"none of the --unrent numbers {sorted(target.unrentable)} is on the account (any more)"
            )
        return named[0]
    if not numbers:
        pytest.skip("the target has no numbers left to unrent")
    # The middle of the list, so page boundaries move for the numbers after it.
    return numbers[len(numbers) // 2]


def test_unrent_lifecycle(target: Target) -> None:
    before = crawl(target)
    number = _victim(target, before.numbers)

    response = _unrent(target, number)
    assert response.status_code == 204, (
        f"unrenting {number} must answer 204\n{describe_exchange(response, target)}"
    )
    assert response.content == b"", f"a 204 has no body\n{describe_exchange(response, target)}"

    got = target.http.get(target.number_path(number), auth=httpx.BasicAuth(*target.credentials.basic))
    refused(
        got,
        target,
        404,
        provenance.UNRENT,
        f"an unrented number must be gone (get 404)\n{describe_exchange(got, target)}",
        exact=provenance.GONE_IS_404,
    )

    after = crawl(target)
    assert number not in after.numbers, f"unrented number {number} is still listed"
    target.enforce(
        provenance.LIST_META,
        after.total_count == before.total_count - 1,
        f"total_count went from {before.total_count} to {after.total_count} after one unrent",
        strict=target.strict,
    )
    assert sorted(after.numbers) == sorted(n for n in before.numbers if n != number), (
        "unrenting one number changed which other numbers are listed"
    )

    again = _unrent(target, number)
    # The page does not say what a second unrent answers (DELETE is idempotent in HTTP);
    # that a gone number answers 404 is observed, so only --strict requires it.
    refused(
        again,
        target,
        404,
        None,
        f"a second unrent of {number} must be 404\n{describe_exchange(again, target)}",
        exact=provenance.GONE_IS_404,
    )


def test_unrent_of_a_number_not_on_the_account_is_404(target: Target) -> None:
    if target.live:
        pytest.skip("live target: DELETE is only ever sent for the --unrent numbers")
    numbers = set(crawl(target).numbers)
    missing = next(n for n in (f"1999555{i:04d}" for i in range(10000)) if n not in numbers)
    response = _unrent(target, missing)
    refused(
        response,
        target,
        404,
        provenance.MISSING_NUMBER_NOT_SERVED,
        f"unrenting a number not on the account\n{describe_exchange(response, target)}",
        exact=provenance.GONE_IS_404,
    )
