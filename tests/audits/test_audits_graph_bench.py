"""benchmarks/graph.py at a reduced shape: the compliance graph costs a few percent of the crawl.

The benchmark's own machinery (an emulator process serving a folded inventory file under
Plivo's 300 requests per 5 s, each audit in a process of its own, every answer recorded on
the server), at 8,000 numbers instead of 100,000 and no added latency. What is asserted is
behaviour, counted by the server: the number-only audit reads no compliance object, the full
audit's graph requests stay under 10% of its number requests, nothing is answered 429, no
compliance object is served twice and no request is repeated. Never a duration.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.graph import Comparison, Shape, compare

# The same proportions as issue 13's shape (100,000 -> 1,000 / 200 / 3,000). Smaller, and the
# demo's fixed dangling ids (two per pointer kind, each read by id) outweigh the lists.
SHAPE = Shape(8_000, 80, 16, 240)
GRAPH_RESOURCES = {
    "campaigns",
    "profiles",
    "brands",
    "tollfree_verifications",
    "compliance_applications",
    "phone_number_compliances",
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Comparison:
    work: Path = tmp_path_factory.mktemp("graph-bench")
    return compare(SHAPE, latency=0.0, work=work)


def test_inventory_file_has_the_shape(comparison: Comparison) -> None:
    counts = comparison.inventory
    assert counts["numbers"] == SHAPE.numbers
    assert counts["campaigns"] == SHAPE.campaigns
    assert counts["profiles"] == SHAPE.profiles
    assert counts["tollfree_verifications"] == SHAPE.tollfree_verifications
    # Numbers still name the demo's two dangling ids of each kind besides the kept objects.
    assert counts["campaigns named"] == SHAPE.campaigns + 2
    assert counts["tollfree_verifications named"] == SHAPE.tollfree_verifications + 2


def test_number_only_audit_reads_no_compliance_object(comparison: Comparison) -> None:
    side = comparison.numbers_only
    assert side.client["resources_needed"] == []
    assert side.graph_requests == 0
    assert side.number_requests >= SHAPE.numbers // 20
    assert side.refused == 0
    assert side.client["complete"] is True


def test_full_audit_reads_the_graph_for_a_few_percent_of_the_crawl(comparison: Comparison) -> None:
    side = comparison.full
    assert set(side.client["resources_needed"]) == GRAPH_RESOURCES
    assert side.number_requests >= SHAPE.numbers // 20
    assert 0 < side.graph_requests < 0.10 * side.number_requests
    # The audit's own count agrees with the server's (no request unaccounted for).
    assert side.client["graph"]["stats"]["requests"] == side.graph_requests
    assert {name for name in side.by_resource if name not in ("numbers", "other")} == GRAPH_RESOURCES
    assert side.by_resource["other"] == 0


def test_full_audit_is_polite_and_reads_each_object_once(comparison: Comparison) -> None:
    side = comparison.full
    assert side.refused == 0
    assert side.client["crawl"]["statuses"].get("429", 0) == 0
    assert side.client["graph"]["stats"]["statuses"].get("429", 0) == 0
    assert side.objects_read_twice == 0
    assert side.repeated == 0


def test_full_audit_finds_the_dangling_references(comparison: Comparison) -> None:
    side = comparison.full
    resources = side.client["graph"]["resources"]
    for name in ("campaigns", "profiles", "tollfree_verifications"):
        assert resources[name]["unknown_ids"] == 2
        assert resources[name]["unreadable_ids"] == 0
    assert side.client["complete"] is True
    assert side.client["not_run"] == {}
    assert side.client["graph"]["problems"] == []
