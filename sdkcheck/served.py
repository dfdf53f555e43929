"""The emulator served on loopback behind the request recorder.

``pytest sdkcheck`` only ever talks to this: an emulator of ours on 127.0.0.1, never a
``--base-url``. Its credentials are still registered with the run's redactor
(:mod:`contracts.redacting`), so no token reaches the terminal, JUnit or ``sdk.html``
whatever an SDK or a test prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from starlette.applications import Starlette

from contracts import redacting
from emulator import EmulatorConfig, Faults, create_app
from emulator.accounts import DemoCredentials
from emulator.serve import serve

from .recording import RequestCapture

__all__ = ["SEED", "Served", "served"]

SEED = 7


@dataclass(frozen=True)
class Served:
    """A running emulator: its URL, the app (state, request log), the recorder in front of it."""

    base_url: str
    app: Starlette
    capture: RequestCapture

    @property
    def demo(self) -> DemoCredentials:
        demo: DemoCredentials = self.app.state.demo
        return demo

    @property
    def auth_id(self) -> str:
        return self.demo.auth_id

    def __repr__(self) -> str:
        return f"<Served {self.base_url} {self.app.state.config!r}>"


@contextmanager
def served(numbers: int = 300, faults: Faults | None = None, seed: int = SEED) -> Iterator[Served]:
    """Serve a fresh emulator on 127.0.0.1 (a free port) while the block runs."""
    app = create_app(EmulatorConfig(seed=seed, numbers=numbers, faults=faults or Faults()))
    demo: DemoCredentials = app.state.demo
    tokens = {demo.auth_id: demo.auth_token, **dict(demo.subaccounts)}
    redacting.register([(demo.auth_id, demo.auth_token), *demo.subaccounts, demo.other_account])
    capture = RequestCapture(app, tokens)
    with serve(capture, host="127.0.0.1", port=0) as base_url:
        yield Served(base_url=base_url, app=app, capture=capture)
