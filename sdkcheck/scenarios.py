"""What both SDK modules drive: the inventory, filter cases and how each filter narrows, per the spec.

Also the small assertion helpers every SDK test uses: an exchange must be clean (every finding reviewed),
and a behaviour finding must be known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import openapi
from openapi import filters as openapi_filters

from .findings import ObservedFinding
from .sdkrun import Exchange, SdkRun
from .served import Served

US = ", UNITED STATES"

LIST_PARAMETERS = {
    p["name"]: p for p in openapi.operation(openapi.LIST, "documented")[2]["parameters"] if p["in"] == "query"
}


def inventory(emulator: Served) -> list[dict[str, Any]]:
    numbers: list[dict[str, Any]] = emulator.app.state.store.snapshot(emulator.auth_id)
    return numbers


def assert_clean(exchange: Exchange) -> None:
    assert not exchange.problems(), exchange.problems()


def observe(run: SdkRun, sdk: str, method: str, signature: str, evidence: str) -> ObservedFinding:
    finding = ObservedFinding(sdk, method, signature, evidence)
    run.observe(finding)
    return finding


def assert_known(run: SdkRun, *findings: ObservedFinding) -> None:
    new = [f for f in findings if not run.is_known(f)]
    assert not new, "\n".join(
        f"NEW finding {f.signature!r} for {f.sdk} {f.method}: {f.evidence}\n"
        "  (review it; if understood, add it to sdkcheck/known_findings.yaml)"
        for f in new
    )


# --- how each list filter narrows: the documented semantics in openapi.filters --------------------


def selects(name: str, value: Any) -> Callable[[dict[str, Any]], bool]:
    """Whether a raw number object satisfies filter ``name=value``, as the spec states the filter.

    The contract suite's oracle (``openapi.filters``) at the documented level: exact object
    values (no letter-case folding, no observed synonyms: the emulator answers canonical
    values), ``services`` all-of over booleans that are ``true``, ``number_startswith`` on
    the digits after any leading ``+``. A list value is sent comma-joined.
    """
    return openapi_filters.selects(name, value, "documented")


def filter_cases() -> Iterator[tuple[str, Any]]:
    for name, param in LIST_PARAMETERS.items():
        if name in ("limit", "offset"):
            continue
        for value in param.get("schema", {}).get("enum", []):
            yield name, value
    yield from [
        ("services", "sms"),
        ("services", "voice"),
        ("services", "mms"),
        ("services", ["sms", "voice"]),
    ]
    yield from [("services", ["voice", "mms"]), ("number_startswith", None), ("subaccount", None)]
    yield from [("alias", None), ("tendlc_campaign_id", None)]
    for name in (
        "renewal_date",
        "renewal_date__gt",
        "renewal_date__gte",
        "renewal_date__lt",
        "renewal_date__lte",
    ):
        yield name, None


def value_from(emulator: Served, name: str) -> Any:
    """A filter value that selects something in the emulator's inventory."""
    numbers = inventory(emulator)
    if name == "number_startswith":
        return numbers[0]["number"][:4]
    if name == "subaccount":
        return emulator.demo.subaccounts[0][0]
    if name == "alias":
        return next(n["alias"] for n in numbers if n.get("alias"))
    if name == "tendlc_campaign_id":
        return next(n["tendlc_campaign_id"] for n in numbers if n.get("tendlc_campaign_id"))
    dates = sorted(n["renewal_date"] for n in numbers if n.get("renewal_date"))
    return dates[len(dates) // 2]


def case_id(case: tuple[str, Any]) -> str:
    name, value = case
    shown = ",".join(value) if isinstance(value, list) else value
    return f"{name}={shown}" if shown is not None else name


def updatable(emulator: Served) -> list[dict[str, Any]]:
    """US local numbers of the main account: every documented update field applies to them."""
    return [
        n
        for n in inventory(emulator)
        if n["number_type"] == "local" and str(n.get("region", "")).endswith(US) and not n.get("sub_account")
    ]
