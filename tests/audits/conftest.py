"""Fixtures for the audits tests: emulators served over real HTTP on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from audits.target import AuditTarget, emulator_target


@pytest.fixture
def served() -> Callable[..., contextlib.AbstractContextManager[tuple[Any, AuditTarget]]]:
    """``with served(numbers=300, faults=Faults(...)) as (app, target):`` real HTTP on loopback."""
    from emulator import EmulatorConfig, create_app
    from emulator.serve import serve

    @contextlib.contextmanager
    def start(**config: Any) -> Iterator[tuple[Any, AuditTarget]]:
        app = create_app(EmulatorConfig(**config))
        with serve(app, host="127.0.0.1", port=0) as base_url:
            yield app, emulator_target(app, base_url, "test emulator", f"test|{config}")

    return start
