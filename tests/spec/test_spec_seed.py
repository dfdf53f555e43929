"""Every attribute, list query parameter and update argument that the documentation page
names is in the spec: derived from the page itself, so a page update shows up here."""

from __future__ import annotations

import re

import pytest

import openapi


def _section(page: str, heading: str) -> str:
    start = page.index(heading)
    following = re.search(r"^##+ ", page[start + len(heading) :], re.M)
    # The page nests "### Attributes" and "### Arguments" under their "##" sections.
    end = start + len(heading) + (following.start() if following else len(page))
    if following and page[end:].startswith("### "):
        nxt = re.search(r"^## ", page[end:], re.M)
        end = end + (nxt.start() if nxt else len(page))
    return page[start:end]


def _params(text: str, kind: str) -> list[str]:
    return re.findall(rf'<ParamField {kind}="([^"]+)"', text)


def page_attributes(page: str) -> list[str]:
    return _params(_section(page, "## The AccountPhoneNumber Object"), "body")


def page_query_parameters(page: str) -> list[str]:
    names = _params(_section(page, "## List Account Phone Numbers"), "query")
    # renewal_date's description names its comparison variants in prose.
    variants = re.findall(r"`(renewal_date__(?:gt|gte|lt|lte))`", page)
    return names + variants


def page_update_arguments(page: str) -> list[str]:
    return _params(_section(page, "## Update an Account Phone Number"), "body")


def test_the_page_parser_finds_what_the_page_holds(seed_page: str) -> None:
    # Guards the parser itself: these counts are the page as committed.
    assert len(page_attributes(seed_page)) == 24
    assert len(page_query_parameters(seed_page)) == 16
    assert len(page_update_arguments(seed_page)) == 12


def test_every_documented_attribute_is_in_account_phone_number(seed_page: str) -> None:
    schema = openapi.load_spec("documented")["components"]["schemas"]["AccountPhoneNumber"]
    names = set(schema["properties"])
    names |= {p["x-documented-name"] for p in schema["properties"].values() if "x-documented-name" in p}
    missing = [a for a in page_attributes(seed_page) if a not in names]
    assert missing == [], f"attributes on the page but not in the spec: {missing}"


def test_every_documented_query_parameter_is_in_list_numbers(seed_page: str) -> None:
    _, _, operation = openapi.operation("listNumbers", "documented")
    names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    missing = [p for p in page_query_parameters(seed_page) if p not in names]
    assert missing == [], f"query parameters on the page but not in the spec: {missing}"


def test_every_documented_update_argument_is_in_number_update(seed_page: str) -> None:
    schema = openapi.load_spec("documented")["components"]["schemas"]["NumberUpdate"]
    missing = [a for a in page_update_arguments(seed_page) if a not in schema["properties"]]
    assert missing == [], f"update arguments on the page but not in the spec: {missing}"


@pytest.mark.parametrize(
    ("attribute", "values"),
    [
        ("number_type", {"local", "fixed", "tollfree", "mobile", "national"}),
        ("tendlc_registration_status", {"UNREGISTERED", "PROCESSING", "COMPLETED", None}),
        ("toll_free_sms_verification", {"UNVERIFIED", "PENDING_VERIFICATION", "VERIFIED", None}),
        ("caller_reputation_status", {"PENDING", "ACTIVE", "FAILED", "NOT_ENROLLED", None}),
        ("cnam_lookup", {"enabled", "disabled", None}),
    ],
)
def test_documented_enums_match_the_page(seed_page: str, attribute: str, values: set[str | None]) -> None:
    block = re.search(rf'<ParamField body="{attribute}"[^>]*>(.*?)</ParamField>', seed_page, re.S)
    assert block, attribute
    on_page = set(re.findall(r"`([^`]+)`", block.group(1)))
    on_page = {None if v == "null" else v for v in on_page}
    # The page omits null from some value lists while its own example uses it (DISCREPANCIES D24).
    assert on_page <= values
    assert values - on_page <= {None}
    schema = openapi.load_spec("documented")["components"]["schemas"]["AccountPhoneNumber"]
    assert set(schema["properties"][attribute]["enum"]) == values
