"""openapi/DISCREPANCIES.md and the spec's x-observed records agree."""

from __future__ import annotations

import re
from typing import Any

import openapi


def _table() -> str:
    return (openapi.SPEC_PATH.parent / "DISCREPANCIES.md").read_text(encoding="utf-8")


def _named(pointer: str) -> str:
    """The field or parameter an observation's JSON pointer is about."""
    if "[" in pointer:
        return pointer.rsplit("[", 1)[1].rstrip("]")
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    if "properties" in parts:
        return parts[parts.index("properties") + 1]
    node: Any = openapi.load_spec("documented")
    for part in parts[: parts.index("schema")]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return str(node["name"])


def test_every_observation_in_the_spec_is_in_the_table() -> None:
    table = _table()
    for observation in openapi.observations():
        assert f"`{_named(observation.pointer)}`" in table, observation


def test_every_observed_value_is_named_in_the_table() -> None:
    table = _table()
    for observation in openapi.observations():
        for value in observation.values:
            assert f"`{value}`" in table or f'"{value}"' in table, (observation, value)


def test_table_rows_are_numbered_without_gaps() -> None:
    ids = [int(n) for n in re.findall(r"^\| D(\d+) \|", _table(), re.M)]
    assert ids == list(range(1, len(ids) + 1))
    assert len(ids) >= 10
