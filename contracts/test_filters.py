"""Every list filter means what the spec says, judged against the target's own full crawl.

For a filter and a value, the target's filtered list must hold exactly the objects of its
unfiltered list that satisfy the documented meaning (:mod:`contracts.semantics`): nothing
missing, nothing extra, and total_count agreeing. Values are drawn from the target's data.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Mapping
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given

from contracts.crawl import Crawl, crawl
from contracts.run import settings
from contracts.semantics import Filter, filters, matches_all
from contracts.target import Target

pytestmark = pytest.mark.live_safe

TABLE = filters(settings().options.level)
SERVICES = ("voice", "sms", "mms")


@pytest.fixture
def full(target: Target) -> Crawl:
    return crawl(target)


def _present(full: Crawl, prop: str) -> list[str]:
    return sorted({str(o[prop]) for o in full.objects if isinstance(o.get(prop), str) and o[prop]})


def _shift(day: str, days: int) -> str:
    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=days)).isoformat()


def values_for(flt: Filter, full: Crawl) -> st.SearchStrategy[str]:
    """Values worth asking: those the data has, boundaries next to them, and some it lacks."""
    if flt.values:
        return st.sampled_from(flt.values)
    if flt.source.startswith("x-filter-compares"):
        days = _present(full, "renewal_date") or ["2026-01-01"]
        return st.builds(_shift, st.sampled_from(days), st.sampled_from([-1, 0, 0, 1]))
    if flt.source.startswith("x-filter-semantics"):
        return st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3, unique=True).map(",".join)
    if flt.name == "number_startswith":
        numbers = [n.lstrip("+") for n in full.numbers] or ["1"]
        return st.builds(lambda n, k: n[:k], st.sampled_from(numbers), st.integers(1, 5)) | st.just("0")
    prop = {"subaccount": "sub_account"}.get(flt.name, flt.name)
    present = _present(full, prop)
    if flt.name == "subaccount":
        # An unknown subaccount may be refused with a 4xx; only real ones have a defined answer.
        return st.sampled_from(present) if present else st.nothing()
    absent = st.just("no-such-" + flt.name)
    if not present:
        return absent
    # Exact filters: a value's own prefix must not select it ("Sales" is not "Sales desk").
    truncated = st.builds(lambda v, k: v[: max(1, len(v) - k)], st.sampled_from(present), st.integers(1, 4))
    return st.sampled_from(present) | truncated | absent


def assert_filtered(
    target: Target, full: Crawl, chosen: Mapping[str, str], table: Mapping[str, Filter]
) -> None:
    got = crawl(target, chosen)
    expected = [o for o in full.objects if matches_all(o, chosen, table)]
    got_numbers, want = set(got.numbers), {str(o["number"]) for o in expected}
    meaning = "; ".join(f"{n}={v!r} per {table[n].source}" for n, v in chosen.items())
    missing, extra = sorted(want - got_numbers), sorted(got_numbers - want)
    assert missing == extra == [], (
        f"list filtered by {dict(chosen)} ({meaning}) disagrees with the unfiltered list of "
        f"{len(full.objects)} numbers: missing {len(missing)} {missing[:5]}, "
        f"unexpected {len(extra)} {extra[:5]}"
    )
    assert got.total_count == len(expected), (
        f"list filtered by {dict(chosen)}: meta.total_count is {got.total_count}, "
        f"but {len(expected)} numbers satisfy the filter"
    )
    assert len(got.numbers) == len(got_numbers), (
        f"list filtered by {dict(chosen)} repeats numbers across pages"
    )


@pytest.mark.parametrize("name", sorted(TABLE))
@given(data=st.data())
def test_filter_selects_exactly_the_matching_numbers(
    target: Target, full: Crawl, name: str, data: Any
) -> None:
    flt = TABLE[name]
    if name == "subaccount" and not _present(full, "sub_account"):
        pytest.skip("no number on the target belongs to a subaccount")
    value = data.draw(values_for(flt, full), label=name)
    assert_filtered(target, full, {name: value}, TABLE)


@given(data=st.data())
def test_filters_combine_with_and(target: Target, full: Crawl, data: Any) -> None:
    usable = [n for n in sorted(TABLE) if n != "subaccount" or _present(full, "sub_account")]
    names = data.draw(st.lists(st.sampled_from(usable), min_size=2, max_size=3, unique=True))
    chosen = {name: data.draw(values_for(TABLE[name], full), label=name) for name in names}
    assert_filtered(target, full, chosen, TABLE)


_VOCABULARY = [
    (name, value)
    for name, flt in sorted(TABLE.items())
    if flt.source == "x-filter-maps-to"
    for value in flt.values
]


@pytest.mark.parametrize(("name", "value"), _VOCABULARY)
def test_filter_vocabulary_maps_onto_object_values(
    target: Target, full: Crawl, name: str, value: str
) -> None:
    """in_progress selects PROCESSING, registered COMPLETED, and so on (x-filter-maps-to)."""
    assert_filtered(target, full, {name: value}, TABLE)


_COMBINATIONS = [
    ",".join(combo)
    for size in (1, 2, 3)
    for combo in itertools.permutations(SERVICES, size)
    if size < 3 or combo == SERVICES
]


@pytest.mark.parametrize("services", _COMBINATIONS)
def test_services_combination_means_all_of(target: Target, full: Crawl, services: str) -> None:
    assert_filtered(target, full, {"services": services}, TABLE)


_DATE_FILTERS = sorted(n for n, f in TABLE.items() if f.source == "x-filter-compares")


@pytest.mark.parametrize("name", _DATE_FILTERS)
def test_renewal_date_comparisons_at_the_boundary(target: Target, full: Crawl, name: str) -> None:
    days = _present(full, "renewal_date")
    if not days:
        pytest.skip("the target has no number with a renewal_date to compare with")
    boundary = days[len(days) // 2]
    for day in (_shift(boundary, -1), boundary, _shift(boundary, 1)):
        assert_filtered(target, full, {name: day}, TABLE)
