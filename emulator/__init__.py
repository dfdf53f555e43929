"""A stateful emulator of Plivo's Account Phone Numbers API (list, get, update, unrent).

    from emulator import create_app, EmulatorConfig, Faults
    app = create_app(EmulatorConfig(seed=7, numbers=300))
    app.state.demo.auth_id, app.state.demo.auth_token

Serve it on loopback with ``emulator.serve.serve(app)`` or ``python -m emulator``.
"""

from __future__ import annotations

from .accounts import DemoCredentials, Principal
from .app import create_app
from .config import ConfigError, EmulatorConfig, Faults
from .requestlog import RequestRecord
from .store import NumberStore

__all__ = [
    "ConfigError",
    "DemoCredentials",
    "EmulatorConfig",
    "Faults",
    "NumberStore",
    "Principal",
    "RequestRecord",
    "create_app",
]
