"""Every list filter means what the spec says, judged against the target's own full crawl.

For a filter and a value, the target's filtered list must hold exactly the objects of its
unfiltered list that satisfy the documented meaning (:mod:`contracts.semantics`): nothing
missing, nothing extra, and total_count agreeing. Values are drawn from the target's data.

Two readings the sources leave open are judged only where they agree:

* the unfiltered list may not be everything: plivo-php and plivo-ruby document that
  ``type`` defaults to local. The suite compares the unfiltered total with the per-type
  totals, and if they differ judges ``type`` filters against the union of the per-type
  lists (and says so in the run summary) instead of calling the other types unexpected;
* ``services=sms``: the page says "combinations", we read all-of (D10), plivo-php and
  plivo-ruby read "numbers that provide only sms". Every reading agrees that a returned
  number has every listed service; that numbers with more services are included is
  enforced under ``--strict`` only.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Mapping
from typing import Any

import httpx
import hypothesis.strategies as st
import pytest
from hypothesis import given

from contracts import provenance
from contracts.crawl import Crawl, crawl
from contracts.curl import describe_exchange
from contracts.semantics import Filter, filters, matches_all
from contracts.target import Target

pytestmark = pytest.mark.live_safe

# Filters, their sources and their values are the documented ones at every level (see
# contracts.semantics.filters), so tests are parametrized from this table; the level only
# decides which object values match, and each test judges with its run's `table`.
TABLE = filters("documented")
SERVICES = ("voice", "sms", "mms")


@pytest.fixture(scope="module")
def table(target: Target) -> dict[str, Filter]:
    """Every filter, judging objects at the run's level."""
    return filters(target.level)


@pytest.fixture
def full(target: Target) -> Crawl:
    return crawl(target)


TYPES = tuple(TABLE["type"].values)


@pytest.fixture(scope="module")
def universe(target: Target) -> Crawl:
    """Every number of the account: the unfiltered list, or the union of the per-type lists
    when the unfiltered one holds fewer (a target whose ``type`` defaults to something)."""
    unfiltered = crawl(target)
    per_type = {kind: crawl(target, {"type": kind}) for kind in TYPES}
    union = {n.lstrip("+") for c in per_type.values() for n in c.numbers}
    missing = union - {n.lstrip("+") for n in unfiltered.numbers}
    target.enforce(
        provenance.UNFILTERED_IS_EVERYTHING,
        not missing,
        f"the unfiltered list holds {len(unfiltered.numbers)} numbers, the per-type lists "
        f"{len(union)}: types {sorted(k for k, c in per_type.items() if set(c.numbers) & missing)} are "
        "left out by default; type filters are judged against the per-type lists",
        strict=target.strict,
    )
    if not missing:
        return unfiltered
    seen: dict[str, dict[str, Any]] = {}
    for part in (unfiltered, *per_type.values()):
        for obj in part.objects:
            seen.setdefault(str(obj.get("number")).lstrip("+"), obj)
    return Crawl(params={}, objects=list(seen.values()), total_count=len(seen), pages=0)


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


def _matching(
    objects: list[dict[str, Any]], chosen: Mapping[str, str], table: Mapping[str, Filter]
) -> set[str]:
    return {str(o["number"]) for o in objects if matches_all(o, chosen, table)}


def assert_filtered(
    target: Target,
    full: Crawl,
    chosen: Mapping[str, str],
    table: Mapping[str, Filter],
    universe: Crawl | None = None,
) -> None:
    """The filtered list against the documented meaning applied to the target's own data.

    With a ``universe`` wider than ``full`` (``type`` defaults to something), a filter
    naming ``type`` is judged against the universe, and any other against either.
    """
    strict = target.strict
    everything = (universe or full).objects
    if not everything:
        pytest.skip("the account has no numbers: a filter cannot be judged on an empty list")
    got = crawl(target, chosen)
    # Objects that do not show a property the filters read cannot be judged either way.
    unknowable = {
        str(o.get("number"))
        for o in everything
        if not all(table[name].judgeable(o, value) for name, value in chosen.items())
    }
    if unknowable and len(unknowable) == len(everything):
        pytest.skip(f"no object shows what {sorted(chosen)} read: the filter cannot be judged on this target")
    got_numbers = set(got.numbers) - unknowable
    candidates = [_matching(full.objects, chosen, table) - unknowable]
    if universe is not None and len(universe.objects) > len(full.objects):
        wide = _matching(universe.objects, chosen, table) - unknowable
        candidates = [wide] if "type" in chosen else [*candidates, wide]
    want = min(candidates, key=lambda c: len(c ^ got_numbers))
    meaning = "; ".join(f"{n}={v!r} per {table[n].source}" for n, v in chosen.items())
    missing, extra = sorted(want - got_numbers), sorted(got_numbers - want)
    what = (
        f"list filtered by {dict(chosen)} ({meaning}) disagrees with the unfiltered list of "
        f"{len(full.objects)} numbers: missing {len(missing)} {missing[:5]}, "
        f"unexpected {len(extra)} {extra[:5]}"
    )
    assert not extra, what
    if "services" in chosen and missing:
        # A number with services beyond the listed ones is left out under the "only" reading
        # (plivo-php/plivo-ruby docstrings) and kept under all-of: only --strict decides. A
        # number with exactly the listed services is selected by every reading.
        by_number = {str(o.get("number")): o for o in everything}
        listed = set(chosen["services"].split(","))
        beyond = [n for n in missing if _has_more_services(by_number.get(n, {}), listed)]
        if beyond:
            target.enforce(provenance.SERVICES_ALL_OF, False, what, strict=strict)
        missing = [n for n in missing if n not in set(beyond)]
        what = f"{what}; of those, {len(missing)} have exactly the listed services"
    assert not missing, what
    target.enforce(
        provenance.LIST_META,
        got.total_count == len(set(got.numbers)),
        f"list filtered by {dict(chosen)}: meta.total_count is {got.total_count}, "
        f"but its pages hold {len(got_numbers)} numbers",
        strict=strict,
    )
    assert len(got.numbers) == len(got_numbers), (
        f"list filtered by {dict(chosen)} repeats numbers across pages"
    )


def _has_more_services(obj: Mapping[str, Any], listed: set[str]) -> bool:
    return any(obj.get(f"{service}_enabled") is True for service in SERVICES if service not in listed)


@pytest.mark.parametrize("name", sorted(TABLE))
@given(data=st.data())
def test_filter_selects_exactly_the_matching_numbers(
    target: Target, table: dict[str, Filter], full: Crawl, universe: Crawl, name: str, data: Any
) -> None:
    flt = table[name]
    if name == "subaccount" and not _present(full, "sub_account"):
        pytest.skip("no number on the target belongs to a subaccount")
    value = data.draw(values_for(flt, universe), label=name)
    assert_filtered(target, full, {name: value}, table, universe)


@given(data=st.data())
def test_filters_combine_with_and(
    target: Target, table: dict[str, Filter], full: Crawl, universe: Crawl, data: Any
) -> None:
    usable = [n for n in sorted(table) if n != "subaccount" or _present(full, "sub_account")]
    names = data.draw(st.lists(st.sampled_from(usable), min_size=2, max_size=3, unique=True))
    chosen = {name: data.draw(values_for(table[name], universe), label=name) for name in names}
    assert_filtered(target, full, chosen, table, universe)


_VOCABULARY = [
    (name, value)
    for name, flt in sorted(TABLE.items())
    if flt.source == "x-filter-maps-to"
    for value in flt.values
]


@pytest.mark.parametrize(("name", "value"), _VOCABULARY)
def test_filter_vocabulary_maps_onto_object_values(
    target: Target, table: dict[str, Filter], full: Crawl, universe: Crawl, name: str, value: str
) -> None:
    """in_progress selects PROCESSING, registered COMPLETED, and so on (x-filter-maps-to)."""
    assert_filtered(target, full, {name: value}, table, universe)


_COMBINATIONS = [
    ",".join(combo)
    for size in (1, 2, 3)
    for combo in itertools.permutations(SERVICES, size)
    if size < 3 or combo == SERVICES
]


@pytest.mark.parametrize("services", _COMBINATIONS)
def test_services_combination_means_all_of(
    target: Target, table: dict[str, Filter], full: Crawl, universe: Crawl, services: str
) -> None:
    assert_filtered(target, full, {"services": services}, table, universe)


_DATE_FILTERS = sorted(n for n, f in TABLE.items() if f.source == "x-filter-compares")


@pytest.mark.parametrize("name", _DATE_FILTERS)
def test_renewal_date_comparisons_at_the_boundary(
    target: Target, table: dict[str, Filter], full: Crawl, universe: Crawl, name: str
) -> None:
    days = _present(full, "renewal_date")
    if not days:
        pytest.skip("the target has no number with a renewal_date to compare with")
    boundary = days[len(days) // 2]
    for day in (_shift(boundary, -1), boundary, _shift(boundary, 1)):
        assert_filtered(target, full, {name: day}, table, universe)


_STRING_FILTERS = sorted(name for name, flt in TABLE.items() if name != "subaccount")


@pytest.mark.parametrize("name", _STRING_FILTERS)
def test_an_empty_filter_value_is_no_filter_or_refused(target: Target, universe: Crawl, name: str) -> None:
    """The page never says what ``name=`` means: a target may ignore it, match it, or refuse it.

    Whatever it does, it answers (no 5xx), and a 2xx holds only numbers of the account.
    """
    response = target.http.get(
        target.numbers_path, params={name: ""}, auth=httpx.BasicAuth(*target.credentials.basic)
    )
    assert response.status_code < 500, f"{name}= (empty)\n{describe_exchange(response, target)}"
    if 200 <= response.status_code < 300:
        listed = {str(o.get("number")).lstrip("+") for o in response.json().get("objects", [])}
        known = {n.lstrip("+") for n in universe.numbers}
        assert listed <= known, (
            f"{name}= listed numbers the account does not have: {sorted(listed - known)[:5]}"
        )
